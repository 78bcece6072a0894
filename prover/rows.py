"""Opening registered rows (the mirror of attrib.verifier.rows): F = Φ·β + β^k·σ, the sparse kernel
K = Σ_i γ^i·eq(bits r_i, ·), one degree-2 sum-check and one HyperKZG opening of C_F."""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, linalg, mle
from attrib.prover.claims import padded
from attrib.prover.dataset import limbs_to_int
from attrib.prover.hyperkzg import open_batch
from attrib.prover.sumcheck import prove_sumcheck_pairs
from attrib.verifier.messages import Manifest
from attrib.verifier.rows import (
    ROWS_LABEL,
    RowOpening,
    check_rows,
    column_coefficients,
    draw_row_challenges,
)
from attrib.verifier.transcript import Transcript


def open_rows(powers: np.ndarray, manifest: Manifest, features: np.ndarray, scales: np.ndarray,
              examples: np.ndarray | None, rows: list[int]) -> tuple[list[list[int]], RowOpening]:
    """(per row: its k features, its scale and its example digest, one opening of them against the
    manifest); ``examples`` are the digests' (N, 4) uint64 limbs, or None (all zero)."""
    features = np.asarray(features)
    scales = np.asarray(scales, dtype=np.int64)
    digests = [0 if examples is None else limbs_to_int(examples[r]) for r in rows]
    values = [[int(v) for v in features[r]] + [int(scales[r]), d] for r, d in zip(rows, digests)]
    rows, values = check_rows(manifest, rows, values)          # names a bad row before any work
    n = manifest.log_rows
    size = 1 << n
    transcript = Transcript(ROWS_LABEL)
    beta, gamma = draw_row_challenges(transcript, manifest, rows, values)
    weights = column_coefficients(beta, manifest.num_columns)
    table = linalg.matvec_small_int(np.ascontiguousarray(features, dtype=np.int16), fr.from_ints(weights[:-2]))
    fr.add(table, fr.scale(fr.from_ints([weights[-2]]), fr.from_int64(scales)), out=table)
    if examples is not None:
        fr.add(table, fr.scale(fr.from_ints([weights[-1]]), fr.from_limbs(np.asarray(examples))), out=table)
    table = padded(table, size)
    kernel = fr.zeros(size)
    power = 1
    for r in rows:
        kernel[r] = fr.from_ints([power])[0]
        power = power * gamma % fr.MODULUS
    messages, u = prove_sumcheck_pairs([(table, kernel)], n, transcript)
    value = fr.to_ints(fr.inner(table, mle.eq_table(fr.from_ints(u))))
    points = g1.from_ints([*manifest.column_commitments, manifest.scale_commitment, manifest.example_commitment])
    commitment = g1.to_py_ecc(g1.msm(points, fr.from_ints(weights), check=False))
    _, opening = open_batch(powers, [table], [commitment], u, transcript, values=[value])
    return values, RowOpening(tuple(map(tuple, messages)), value, opening)
