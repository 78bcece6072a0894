"""The registration prover: C_G is the σ-weighted per-contributor aggregate of the committed rows.

The mirror of ``attrib.verifier.registration`` (read its docstring for the statement (S)): the
same challenges through the verifier's own functions, one degree-3 sum-check over nR variables
of the tables w, σ, s, G and the combined kernel E + λ·K_hi, then one HyperKZG batch of σ, s, G.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, linalg, mle
from attrib.prover.claims import kernel_table, padded
from attrib.prover.hyperkzg import open_batch
from attrib.prover.sumcheck import prove_sumcheck_terms
from attrib.verifier.kernels import degree_kernel, eq_kernel
from attrib.verifier.messages import Manifest
from attrib.verifier.registration import (
    REGISTRATION_DEGREE,
    REGISTRATION_LABEL,
    RegistrationProof,
    column_weights,
    draw_registration_challenges,
    registration_rounds,
)
from attrib.verifier.transcript import Transcript


def aggregate_table(aggregate: np.ndarray, log_columns: int, log_contributors: int) -> np.ndarray:
    """G (C × k, int64) laid out at index j + 2^mk·c in a zero table of 2^(mC+mk) int64 entries."""
    c, k = aggregate.shape
    table = np.zeros((1 << log_contributors, 1 << log_columns), dtype=np.int64)
    table[:c, :k] = aggregate
    return table.ravel()



def _sized(table: np.ndarray, size: int) -> np.ndarray:
    """The table itself when it has ``size`` entries, else a zero-padded copy (claims.padded)."""
    return table if table.shape[0] == size else padded(table, size)


def prove_registration(powers: np.ndarray, manifest: Manifest, features: np.ndarray, scales: np.ndarray,
                       aggregate: np.ndarray, progress=None) -> RegistrationProof:
    """The registration proof for ``manifest`` (one segment) whose rows are ``features`` (N × k int16,
    grouped by owner), ``scales`` (N) and whose C_ΔG commits ``aggregate`` (C × k int64: the segment's
    ΔG, zero for contributors without rows in it)."""
    step = progress or (lambda stage, fraction: None)
    n = registration_rounds(manifest)
    size = 1 << n
    mk, mc = manifest.log_columns, manifest.log_contributors
    transcript = Transcript(REGISTRATION_LABEL)
    ch = draw_registration_challenges(transcript, manifest)

    weights = fr.from_ints(column_weights(ch.r_j, manifest.num_columns))
    s = _sized(linalg.matvec_small_int(np.asarray(features), weights), size)
    sigma = _sized(fr.from_int64(np.asarray(scales, dtype=np.int64)), size)
    eq_c = mle.eq_table(fr.from_ints(ch.r_c))
    w = _sized(np.repeat(eq_c[np.asarray(manifest.owners, dtype=np.int64)], np.diff(manifest.offsets), axis=0), size)
    g = padded(fr.from_int64(aggregate_table(aggregate, mk, mc)), size)
    kernel = kernel_table(degree_kernel(ch.xi, mk + mc), n)                 # E + λ·K_hi, K_hi scaled in place
    fr.scale(fr.from_ints([ch.lam]), kernel, out=kernel)
    eq = kernel_table(eq_kernel(ch.r_j + ch.r_c), mk + mc)                  # E: zero beyond its 2^(mk+mc) entries
    fr.add(kernel[: eq.shape[0]], eq, out=kernel[: eq.shape[0]])
    step("registration tables", 1.0)

    terms = [(1, [0, 1, 2]), (fr.MODULUS - 1, [3, 4])]          # w·σ·s − G·(E + λ·K_hi)
    messages, u, finals = prove_sumcheck_terms(
        [w, sigma, s, g, kernel], terms, REGISTRATION_DEGREE, transcript,
        lambda done, total: step("registration sum-check", done / total))
    _, sigma_u, s_u, g_u, _ = finals

    columns = g1.from_ints(list(manifest.column_commitments))
    s_commitment = g1.to_py_ecc(g1.msm(columns, weights, check=False))
    scale_commitment, aggregate_commitment = g1.to_py_ecc(
        g1.from_ints([manifest.scale_commitment, manifest.segment_aggregate]))
    _, opening = open_batch(powers, [sigma, s, g], [scale_commitment, s_commitment, aggregate_commitment], u,
                            transcript, values=[sigma_u, s_u, g_u], progress=step)
    return RegistrationProof(sumcheck=tuple(map(tuple, messages)), sigma_at_u=sigma_u, s_at_u=s_u, g_at_u=g_u,
                             opening=opening)
