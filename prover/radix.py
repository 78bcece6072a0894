"""The radix-8 HyperKZG prover (the mirror of attrib.verifier.radix: read its docstring for the folds and
equations (1) and (2)).  Every transcript step and shared formula is the verifier's own function, called
here; the folds, divisions, evaluations and commitments run in the kernels."""

from __future__ import annotations

import numpy as np
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fr, g1, mle, upoly
from attrib.prover.claims import element
from attrib.prover.hyperkzg import EVALUATION_BLOCK, combine_opened, commit, evaluate_powers
from attrib.verifier.hyperkzg import (
    absorb_final_witness,
    absorb_folds,
    absorb_witness,
    challenge_powers,
    vanishing_at,
)
from attrib.verifier.radix import (
    RadixProof,
    absorb_radix_evaluations,
    radix_points,
    radix_shape,
    usable_radix_challenge,
)
from attrib.verifier.transcript import Transcript


def _commit(powers: np.ndarray, table: np.ndarray, block: int | None = None):
    """commit() as a py_ecc point (an empty table commits to the point at infinity)."""
    return g1.to_py_ecc(commit(powers, table, block)) if table.shape[0] else bn.Z1


def divide_by_vanishing(b: np.ndarray, k: int, rho: int) -> np.ndarray:
    """The quotient of B by Z_S(X) = (X^N − ρ)(X − ρ) (N = 2^k; B has a multiple of N coefficients, at
    least N).  B(X) = Σ_t X^t·B_t(X^N): dividing each B_t by (Y − ρ) divides B by X^N − ρ; then by X − ρ.
    The remainder (the interpolant's part) is dropped."""
    order = 1 << k
    size = b.shape[0]
    if size <= order:
        return fr.zeros(0)
    outer = fr.zeros(size - order)
    for t in range(order):
        quotient, _ = upoly.divide_linear(np.ascontiguousarray(b[t::order]), element(rho))
        outer[t::order] = quotient
    quotient, _ = upoly.divide_linear(outer, element(rho))
    return np.ascontiguousarray(quotient)


def open_radix_batch(powers: np.ndarray, tables: list[np.ndarray], commitments: list, point: list[int],
                     transcript: Transcript, values: list[int] | None = None) -> tuple[list[int], RadixProof]:
    """Open the multilinear extensions of ``tables`` (Fr arrays of at most 2^n entries, zero-padded) at
    ``point``; ``commitments`` are theirs as py_ecc points.  Returns the values and the proof."""
    n = len(point)
    size = 1 << n
    if n < 1 or any(t.shape[0] > size for t in tables):
        raise ValueError(f"every table must have at most 2^{n} = {size} entries for a point of {n} coordinates")
    if size > powers.shape[0]:
        raise ValueError(f"opening 2^{n} entries needs an SRS of 2^{n} powers, it has {powers.shape[0]}")
    values, combined = combine_opened(tables, commitments, point, transcript, values)
    return values, open_radix_combined(powers, combined, point, transcript)


def open_radix_combined(powers: np.ndarray, combined: np.ndarray, point: list[int], transcript: Transcript,
                        progress=None, block: int | None = None) -> RadixProof:
    """The proof for the ρ_c-combined table ``combined`` (2^n entries), after the opening claim is absorbed.
    ``block`` bounds the MSMs' scratch memory (attrib.prover.hyperkzg.commit); the proof is the same."""
    n = len(point)
    size = 1 << n
    if combined.shape[0] != size:
        raise ValueError(f"the combined table has {combined.shape[0]} entries, the point {n} coordinates")
    step = progress or (lambda stage, fraction: None)
    k, layers, _ = radix_shape(n)
    u = fr.from_ints(point)

    folds = [combined]
    for j in range(layers):
        f = folds[-1]
        for b in range(k):
            f = mle.fold(f, u[k * j + b])
        folds.append(f)
    tail = tuple(fr.to_ints(folds.pop()))
    com = []
    for j, f in enumerate(folds[1:], start=1):
        com.append(_commit(powers, f, block))
        step("fold commitments", j / max(1, layers - 1))
    com = tuple(com)
    r = absorb_folds(transcript, com, tail)
    if not usable_radix_challenge(r, k):
        raise ArithmeticError(f"transcript produced r = {r} (the opening set has coincident points); "
                              "retry with other inputs")
    xs, rho = radix_points(r, k)
    evals = []
    for f in folds:
        evals.append(tuple(evaluate_powers(f, x, upoly.powers(element(x), min(f.shape[0], EVALUATION_BLOCK)))
                           for x in xs))
    at_rho = evaluate_powers(folds[0], rho, upoly.powers(element(rho), min(size, EVALUATION_BLOCK)))
    evals = tuple(evals)
    q = absorb_radix_evaluations(transcript, evals, at_rho)

    batched = folds[0]                                    # B = Σ_j q^j f_j, in place of the combined table
    for q_j, f in zip(challenge_powers(q, len(folds))[1:], folds[1:]):
        mle.axpy(batched, element(q_j), f)
    folds = f = None
    h = divide_by_vanishing(batched, k, rho)              # (B − I)/Z_S
    w = _commit(powers, h, block)
    step("witness commitments", 0.5)
    z = absorb_witness(transcript, w)
    if z in xs or z == rho:
        raise ArithmeticError("transcript produced z in the opening set; retry with other inputs")
    z_s = vanishing_at((*xs, rho), z)
    # W' = [(B − Z_S(z)·h − I(z))/(X − z)]: the quotient of B − Z_S(z)·h by X − z (its remainder is I(z))
    if h.shape[0]:
        fr.sub(batched[: h.shape[0]], fr.scale(element(z_s), h), out=batched[: h.shape[0]])
    h = None
    quotient, _ = upoly.divide_linear(batched, element(z))
    batched = None
    w_z = _commit(powers, np.ascontiguousarray(quotient), block)
    step("witness commitments", 1.0)
    absorb_final_witness(transcript, w_z)
    return RadixProof(com, tail, evals, at_rho, w, w_z)
