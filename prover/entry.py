"""Opening one entry of a committed table (the mirror of attrib.verifier.entry: read its docstring for
the folds and equations (1) and (2)).  Every transcript step and shared formula is the verifier's own
function, called here; the folds are strided slices, the divisions and evaluations run in the kernels."""

from __future__ import annotations

import numpy as np
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fr, g1, mle, upoly
from attrib.prover.claims import element, padded
from attrib.prover.hyperkzg import commit, evaluate_powers
from attrib.verifier.entry import (
    EntryOpening,
    absorb_entry_claim,
    absorb_entry_folds,
    absorb_entry_values,
    absorb_entry_witness,
    digits,
    entry_points,
    entry_shape,
    usable_entry_challenge,
)
from attrib.verifier.hyperkzg import challenge_powers
from attrib.verifier.transcript import Transcript


def _commit(powers: np.ndarray, table: np.ndarray):
    """commit() as a py_ecc point (an empty table commits to the point at infinity)."""
    return g1.to_py_ecc(commit(powers, table)) if table.shape[0] else bn.Z1


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


def open_entry(powers: np.ndarray, table: np.ndarray, commitment, n: int, index: int,
               transcript: Transcript) -> tuple[int, EntryOpening]:
    """(table[index], the opening of it against ``commitment``, the commitment of ``table`` (an Fr array
    of at most 2^n entries, zero-padded) as a py_ecc point)."""
    size = 1 << n
    if table.shape[0] > size:
        raise ValueError(f"a table of {table.shape[0]} entries is not an {n}-variable table")
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside the table's 2^{n} entries")
    if size > powers.shape[0]:
        raise ValueError(f"opening 2^{n} entries needs an SRS of 2^{n} powers, it has {powers.shape[0]}")
    k, layers, _ = entry_shape(n)
    order = 1 << k
    f0 = padded(table, size)
    value = fr.to_ints(f0[index])
    absorb_entry_claim(transcript, commitment, n, index, value)

    folds = [f0]
    for s in digits(index, n):
        folds.append(np.ascontiguousarray(folds[-1][s::order]))
    tail = tuple(fr.to_ints(folds.pop()))
    fold_commitments = tuple(_commit(powers, f) for f in folds[1:])
    r = absorb_entry_folds(transcript, fold_commitments, tail)
    if not usable_entry_challenge(r, n):
        raise ArithmeticError(f"transcript produced r = {r} (the opening set has coincident points); "
                              "retry with other inputs")
    xs, rho = entry_points(r, n)
    values = tuple(tuple(evaluate_powers(f, x) for x in xs) for f in folds)
    at_rho = evaluate_powers(f0, rho)
    q = absorb_entry_values(transcript, values, at_rho)

    batched = f0.copy()                                   # B = Σ_j q^j f_j
    for q_j, f in zip(challenge_powers(q, len(folds))[1:], folds[1:]):
        mle.axpy(batched, element(q_j), f)
    folds = None
    h = divide_by_vanishing(batched, k, rho)              # (B − I)/Z_S
    w = _commit(powers, h)
    z = absorb_entry_witness(transcript, w)
    if z in xs or z == rho:
        raise ArithmeticError("transcript produced z in the opening set; retry with other inputs")
    z_s = 1
    for x in (*xs, rho):
        z_s = z_s * (z - x) % fr.MODULUS
    # W' = [(B − Z_S(z)·h − I(z))/(X − z)]: the quotient of B − Z_S(z)·h by X − z (its remainder is I(z))
    if h.shape[0]:
        fr.sub(batched[: h.shape[0]], fr.scale(element(z_s), h), out=batched[: h.shape[0]])
    quotient, _ = upoly.divide_linear(batched, element(z))
    w_z = _commit(powers, np.ascontiguousarray(quotient))
    transcript.absorb_g1([w_z])
    return value, EntryOpening(fold_commitments, tail, values, at_rho, w, w_z)
