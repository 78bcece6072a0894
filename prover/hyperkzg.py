"""The HyperKZG prover: commit to multilinear tables and open them at a point.

The mirror of ``verifier.hyperkzg`` (read its docstring for the equations):
the same transcript steps, in the same order, through the verifier's own
functions, so the two sides cannot drift.  The heavy work — folds, the fold
commitments, evaluations at r, −r, r² and the three witness commitments —
runs in the kernels.
"""

from __future__ import annotations

import numpy as np

from kernels import fr, g1, mle, upoly
from verifier.hyperkzg import NUM_POINTS, HyperKZGProof, absorb_opening_claim
from verifier.transcript import Transcript


def commit(powers: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Σ_i table[i]·[τ^i]_1 for an Fr element array or a signed integer array."""
    if table.shape[0] > powers.shape[0]:
        raise ValueError(f"a table of {table.shape[0]} entries needs {table.shape[0]} SRS powers, "
                         f"the SRS has {powers.shape[0]}")
    return g1.msm(powers[: table.shape[0]], table, check=False)


def _scalar(x: int) -> np.ndarray:
    return fr.from_ints([x])


def open_batch(powers: np.ndarray, tables: list[np.ndarray], commitments: list, point: list[int],
               transcript: Transcript, values: list[int] | None = None, progress=None
               ) -> tuple[list[int], HyperKZGProof]:
    """Open the multilinear extensions of ``tables`` (Fr arrays of length 2^n) at ``point``.

    ``commitments`` are the tables' commitments as py_ecc points (absorbed into
    the transcript).  ``values`` may pass f̃(point) if the caller knows them.
    Returns the values and the proof.
    """
    n = len(point)
    size = 1 << n
    if n < 1 or any(t.shape[0] != size for t in tables):
        raise ValueError(f"every table must have 2^{n} = {size} entries for a point of {n} coordinates")
    if size > powers.shape[0]:
        raise ValueError(f"opening 2^{n} entries needs an SRS of 2^{n} powers, it has {powers.shape[0]}")
    step = progress or (lambda stage, fraction: None)
    u = fr.from_ints(point)
    if values is None:
        eq = mle.eq_table(u)
        values = [fr.to_ints(fr.inner(t, eq)) for t in tables]
    rho = absorb_opening_claim(transcript, commitments, point, values)

    combined = tables[0].copy()
    rho_k = _scalar(1)
    for t in tables[1:]:
        rho_k = fr.mul(rho_k, _scalar(rho))
        fr.add(combined, fr.scale(rho_k, t), out=combined)

    folds = [combined]
    for i in range(n - 1):
        folds.append(mle.fold(folds[-1], u[i]))
    fold_commitments = []
    for i, f in enumerate(folds[1:], start=1):
        fold_commitments.append(commit(powers, f))
        step("fold commitments", i / max(n - 1, 1))
    com = tuple(g1.to_py_ecc(np.stack(fold_commitments))) if fold_commitments else ()
    transcript.absorb_g1(com)
    r = transcript.challenge_scalar()
    if r == 0:
        raise ArithmeticError("transcript produced r = 0; retry with a fresh transcript")

    xs = [r, (-r) % fr.MODULUS, r * r % fr.MODULUS]
    evals = []
    for x in xs:
        pw = upoly.powers(_scalar(x), size)
        evals.append(tuple(fr.to_ints(fr.inner(f, pw[: f.shape[0]])) for f in folds))
    transcript.absorb_scalars([v for row in evals for v in row])
    q = transcript.challenge_scalar()

    batched = folds[0].copy()
    q_k = _scalar(1)
    for f in folds[1:]:
        q_k = fr.mul(q_k, _scalar(q))
        head = batched[: f.shape[0]]
        fr.add(head, fr.scale(q_k, f), out=head)
    witnesses = []
    for j, x in enumerate(xs):
        quotient, _ = upoly.divide_linear(batched, _scalar(x))
        witnesses.append(commit(powers, quotient))
        step("witness commitments", (j + 1) / NUM_POINTS)
    w = tuple(g1.to_py_ecc(np.stack(witnesses)))
    transcript.absorb_g1(w)
    transcript.challenge_scalar()  # d: the verifier's batching challenge, drawn to keep the states equal
    return values, HyperKZGProof(com=com, evals=tuple(evals), w=w)
