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

from attrib.kernels import fr, g1, max_threads, mle, upoly
from attrib.prover.claims import element, padded
from attrib.prover.storage import read_block
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

EVALUATION_BLOCK = 65_536        # powers per block when the opening evaluates the folds at r, −r, r² (a
                                 # working size for speed, not a bound on any input)


def commit(powers: np.ndarray, table: np.ndarray, block: int | None = None) -> np.ndarray:
    """Σ_i table[i]·[τ^i]_1 for an Fr element array or a signed integer array.

    With ``block``, the MSM runs over row blocks of at most ``block`` entries and the partial
    points are added: the same point (commitments are linear), with an MSM's scratch memory
    (about 190 bytes per Fr entry) bounded by the block rather than by the table; a memory-mapped
    SRS is read block by block and its pages released (attrib.prover.storage.read_block)."""
    if table.shape[0] > powers.shape[0]:
        raise ValueError(f"a table of {table.shape[0]} entries needs {table.shape[0]} SRS powers, "
                         f"the SRS has {powers.shape[0]}")
    if block is None or table.shape[0] <= block:
        return g1.msm(powers[: table.shape[0]], table, check=False)
    acc = g1.infinity(1)
    for lo in range(0, table.shape[0], block):
        hi = min(lo + block, table.shape[0])
        part = g1.msm(read_block(powers, lo, hi), table[lo:hi], check=False)
        acc = g1.add(acc, part[None], check=False)
    return acc[0]


def commit_columns(powers: np.ndarray, features: np.ndarray, progress=None, chunk: int = 8) -> list[np.ndarray]:
    """commit(powers, features[:, j]) for every column j of an int16 matrix (N × k), as a list of
    points: the columns of a chunk run side by side, one per thread (``g1.msm_columns``).
    ``progress(columns done)`` is called after each chunk."""
    n, k = features.shape
    if n > powers.shape[0]:
        raise ValueError(f"a table of {n} entries needs {n} SRS powers, the SRS has {powers.shape[0]}")
    if features.dtype != np.int16:
        out = []
        for j in range(k):
            out.append(commit(powers, np.ascontiguousarray(features[:, j])))
            if progress:
                progress(j + 1)
        return out
    out = []
    threads = max_threads()
    for lo in range(0, k, chunk):
        hi = min(lo + chunk, k)
        if hi - lo >= threads:
            out.extend(g1.msm_columns(powers[:n], features[:, lo:hi], check=False))
        else:                                    # too few columns to share out: one parallel MSM each
            out.extend(commit(powers, np.ascontiguousarray(features[:, j])) for j in range(lo, hi))
        if progress:
            progress(hi)
    return out


def evaluate_powers(table: np.ndarray, x: int, pw: np.ndarray | None = None) -> int:
    """Σ_i table[i]·x^i (an Fr table read as univariate coefficients), as an int.  ``pw`` may pass
    [1, x, …, x^(b−1)] for some b ≥ 1: the sum then runs by blocks of b entries (x^lo·Σ_i
    table[lo + i]·x^i), so that the power table need not be as long as the table."""
    m = table.shape[0]
    if pw is None:
        pw = upoly.powers(element(x), m)
    step = min(pw.shape[0], m)
    total = 0
    for lo in range(0, m, step):
        hi = min(lo + step, m)
        part = fr.to_ints(fr.inner(table[lo:hi], pw[: hi - lo]))
        total += part if lo == 0 else part * pow(x, lo, fr.MODULUS)
    return total % fr.MODULUS


def open_batch(powers: np.ndarray, tables: list[np.ndarray], commitments: list, point: list[int],
               transcript: Transcript, values: list[int] | None = None, progress=None, release: bool = False,
               block: int | None = None) -> tuple[list[int], HyperKZGProof]:
    """Open the multilinear extensions of ``tables`` (Fr arrays of length 2^n) at ``point``.

    ``commitments`` are the tables' commitments as py_ecc points (absorbed into
    the transcript).  ``values`` may pass f̃(point) if the caller knows them.
    With ``release``, the list ``tables`` is emptied once the tables are combined
    (large openings then do not hold them through the MSMs).  ``block`` bounds the
    MSMs' and the evaluations' scratch memory (:func:`commit`); the proof is the same.
    Returns the values and the proof.
    """
    n = len(point)
    size = 1 << n
    if n < 1 or any(t.shape[0] > size or t.shape[0] & (t.shape[0] - 1) for t in tables):
        raise ValueError(f"every table must have a power-of-two length of at most 2^{n} = {size} entries "
                         f"for a point of {n} coordinates (shorter ones are zero-padded)")
    if size > powers.shape[0]:
        raise ValueError(f"opening 2^{n} entries needs an SRS of 2^{n} powers, it has {powers.shape[0]}")
    values, combined = combine_opened(tables, commitments, point, transcript, values)
    if release:
        tables.clear()
    return values, open_combined(powers, combined, point, transcript, progress, block)


def combine_opened(tables: list[np.ndarray], commitments: list, point: list[int], transcript: Transcript,
                   values: list[int] | None = None) -> tuple[list[int], np.ndarray]:
    """The opening claim's step both openings take (this and attrib.prover.radix): the values f̃(point) (unless
    given), absorbed with the commitments and the point to draw ρ, and the table Σ_m ρ^m f^(m) of 2^n entries
    (shorter tables zero-padded)."""
    size = 1 << len(point)
    if values is None:
        eq = mle.eq_table(fr.from_ints(point))
        values = [fr.to_ints(fr.inner(padded(t, size), eq)) for t in tables]
    rho = absorb_opening_claim(transcript, commitments, point, values)
    combined = padded(tables[0], size)
    for rho_k, t in zip(challenge_powers(rho, len(tables))[1:], tables[1:]):
        mle.axpy(combined, element(rho_k), t)
    return values, combined


def open_combined(powers: np.ndarray, combined: np.ndarray, point: list[int], transcript: Transcript,
                  progress=None, block: int | None = None) -> HyperKZGProof:
    """The HyperKZG proof for the ρ-combined table ``combined`` (2^n entries, n = len(point)), after
    the opening claim is absorbed (``absorb_opening_claim`` drew ρ): folds, their commitments, the
    evaluations at r, −r, r², W and W'.  ``open_batch`` is this after combining; a caller that builds
    the combination itself (by row blocks, attrib.prover.streaming) calls it directly.

    ``combined`` is consumed (it becomes B, then L, then W's quotient, in place).  What is held at
    once: the table and its folds (two tables' worth), then B and h (two), plus the MSM scratch,
    which ``block`` bounds."""
    n = len(point)
    size = 1 << n
    if combined.shape[0] != size:
        raise ValueError(f"the combined table has {combined.shape[0]} entries, the point {n} coordinates")
    step = progress or (lambda stage, fraction: None)
    layers = n - tail_log(n)
    u = fr.from_ints(point)

    folds = [combined]
    for i in range(layers):
        folds.append(mle.fold(folds[-1], u[i]))
    tail = tuple(fr.to_ints(folds.pop()))
    fold_commitments = []
    for i, f in enumerate(folds[1:], start=1):
        fold_commitments.append(commit(powers, f, block))
        step("fold commitments", i / (layers - 1))
    com = tuple(g1.to_py_ecc(np.stack(fold_commitments))) if fold_commitments else ()
    r = absorb_folds(transcript, com, tail)
    if not usable_fold_challenge(r):
        raise ArithmeticError(f"transcript produced r = {r} (r, −r, r² not distinct); retry with other inputs")

    xs = opening_points(r)
    evals = []
    for x in xs:                                         # by blocks of powers: no table of 2^n powers
        pw = upoly.powers(element(x), min(size, EVALUATION_BLOCK if block is None else block))
        evals.append(tuple(evaluate_powers(f, x, pw) for f in folds))
    pw = None
    q = absorb_evaluations(transcript, evals)

    batched = folds[0]                                   # B = Σ_i q^i·f_i, in place of the combined table
    for q_k, f in zip(challenge_powers(q, len(folds))[1:], folds[1:]):
        mle.axpy(batched, element(q_k), f)
    folds = f = None
    interpolant = interpolant_coefficients(xs, batch_evaluations(evals, q))

    # W = [(B − I)/Z_S]: subtract the quadratic interpolant, then divide by Z_S exactly (in place,
    # one pass for the three roots: the quotient is h's last coefficients)
    h = fr.zeros(max(size, 3))
    h[:size] = batched
    fr.sub(h[:3], fr.from_ints(interpolant), out=h[:3])
    h, remainder = upoly.divide_roots_inplace(h, xs)
    if any(fr.to_ints(remainder)):
        raise ArithmeticError("B − I does not vanish on S: the opening values are inconsistent")
    w = commit(powers, h, block)
    step("witness commitments", 0.5)
    w_point = g1.to_py_ecc(w)
    z = absorb_witness(transcript, w_point)

    # W' = [L/(X − z)] with L = B − I(z) − Z_S(z)·h, in place of B
    i_z = evaluate_univariate(interpolant, z)
    z_s = vanishing_at(xs, z)
    low = batched
    m = h.shape[0]
    fr.sub(low[:m], fr.scale(z_s, h, out=h), out=low[:m])
    h = None
    fr.sub(low[:1], element(i_z), out=low[:1])
    quotient, remainder = upoly.divide_linear_inplace(low, element(z))
    low = batched = None
    if fr.to_ints(remainder) != 0:
        raise ArithmeticError("L does not vanish at z")
    w_z = g1.to_py_ecc(commit(powers, quotient, block))
    step("witness commitments", 1.0)
    absorb_final_witness(transcript, w_z)
    return HyperKZGProof(com=com, tail=tail, evals=tuple(evals), w=w_point, w_z=w_z)
