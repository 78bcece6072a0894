"""The HyperKZG prover: commit to multilinear tables and open them at a point.

The mirror of ``attrib.verifier.hyperkzg`` (read its docstring for the equations):
every transcript step (absorb_*) and every formula both sides compute (the
batched values y_j, Z_S(z), the interpolant I) is the verifier's own function,
called here, so the two sides cannot drift.  The heavy work — folds, the fold
commitments, evaluations at r, −r, r² and the three witness commitments —
runs in the kernels.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, mle, upoly
from attrib.prover.claims import element, padded
from attrib.verifier.hyperkzg import (
    HyperKZGProof,
    absorb_evaluations,
    absorb_final_witness,
    absorb_folds,
    absorb_opening_claim,
    absorb_witness,
    batch_evaluations,
    challenge_powers,
    evaluate_univariate,
    interpolant_coefficients,
    opening_points,
    tail_log,
    usable_fold_challenge,
    vanishing_at,
)
from attrib.verifier.transcript import Transcript


def commit(powers: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Σ_i table[i]·[τ^i]_1 for an Fr element array or a signed integer array."""
    if table.shape[0] > powers.shape[0]:
        raise ValueError(f"a table of {table.shape[0]} entries needs {table.shape[0]} SRS powers, "
                         f"the SRS has {powers.shape[0]}")
    return g1.msm(powers[: table.shape[0]], table, check=False)




def open_batch(powers: np.ndarray, tables: list[np.ndarray], commitments: list, point: list[int],
               transcript: Transcript, values: list[int] | None = None, progress=None, release: bool = False
               ) -> tuple[list[int], HyperKZGProof]:
    """Open the multilinear extensions of ``tables`` (Fr arrays of length 2^n) at ``point``.

    ``commitments`` are the tables' commitments as py_ecc points (absorbed into
    the transcript).  ``values`` may pass f̃(point) if the caller knows them.
    With ``release``, the list ``tables`` is emptied once the tables are combined
    (large openings then do not hold them through the MSMs).
    Returns the values and the proof.
    """
    n = len(point)
    size = 1 << n
    if n < 1 or any(t.shape[0] > size or t.shape[0] & (t.shape[0] - 1) for t in tables):
        raise ValueError(f"every table must have a power-of-two length of at most 2^{n} = {size} entries "
                         f"for a point of {n} coordinates (shorter ones are zero-padded)")
    if size > powers.shape[0]:
        raise ValueError(f"opening 2^{n} entries needs an SRS of 2^{n} powers, it has {powers.shape[0]}")
    step = progress or (lambda stage, fraction: None)
    layers = n - tail_log(n)
    u = fr.from_ints(point)
    if values is None:
        eq = mle.eq_table(u)
        values = [fr.to_ints(fr.inner(padded(t, size), eq)) for t in tables]
    rho = absorb_opening_claim(transcript, commitments, point, values)

    combined = padded(tables[0], size)
    for rho_k, t in zip(challenge_powers(rho, len(tables))[1:], tables[1:]):
        head = combined[: t.shape[0]]
        fr.add(head, fr.scale(element(rho_k), t), out=head)
    if release:
        tables.clear()
        t = None

    folds = [combined]
    for i in range(layers):
        folds.append(mle.fold(folds[-1], u[i]))
    tail = tuple(fr.to_ints(folds.pop()))
    fold_commitments = []
    for i, f in enumerate(folds[1:], start=1):
        fold_commitments.append(commit(powers, f))
        step("fold commitments", i / (layers - 1))
    com = tuple(g1.to_py_ecc(np.stack(fold_commitments))) if fold_commitments else ()
    r = absorb_folds(transcript, com, tail)
    if not usable_fold_challenge(r):
        raise ArithmeticError(f"transcript produced r = {r} (r, −r, r² not distinct); retry with other inputs")

    xs = opening_points(r)
    evals = []
    for x in xs:
        pw = upoly.powers(element(x), size)
        evals.append(tuple(fr.to_ints(fr.inner(f, pw[: f.shape[0]])) for f in folds))
    q = absorb_evaluations(transcript, evals)

    batched = folds[0].copy()
    for q_k, f in zip(challenge_powers(q, len(folds))[1:], folds[1:]):
        head = batched[: f.shape[0]]
        fr.add(head, fr.scale(element(q_k), f), out=head)
    interpolant = interpolant_coefficients(xs, batch_evaluations(evals, q))

    # W = [(B − I)/Z_S]: subtract the quadratic interpolant, then divide out each root exactly
    h = fr.zeros(max(size, 3))
    h[:size] = batched
    fr.sub(h[:3], fr.from_ints(interpolant), out=h[:3])
    for x in xs:
        h, remainder = upoly.divide_linear(h, element(x))
        if fr.to_ints(remainder) != 0:
            raise ArithmeticError("B − I does not vanish on S: the opening values are inconsistent")
    w = commit(powers, h)
    step("witness commitments", 0.5)
    w_point = g1.to_py_ecc(w)
    z = absorb_witness(transcript, w_point)

    # W' = [L/(X − z)] with L = B − I(z) − Z_S(z)·h
    i_z = evaluate_univariate(interpolant, z)
    z_s = vanishing_at(xs, z)
    low = batched.copy()
    fr.sub(low[: h.shape[0]], fr.scale(z_s, h), out=low[: h.shape[0]])
    fr.sub(low[:1], element(i_z), out=low[:1])
    quotient, remainder = upoly.divide_linear(low, element(z))
    if fr.to_ints(remainder) != 0:
        raise ArithmeticError("L does not vanish at z")
    w_z = g1.to_py_ecc(commit(powers, quotient))
    step("witness commitments", 1.0)
    absorb_final_witness(transcript, w_z)
    return values, HyperKZGProof(com=com, tail=tail, evals=tuple(evals), w=w_point, w_z=w_z)

