"""The native backend's two steps: Σ k·P and the pairing check, in C (kernels/src/msm_small.h, pairing.h).

See ``attrib.verifier.backend`` for what runs where and how it is chosen.  This module needs the
compiled kernels (``attrib.kernels._g1`` and ``_pairing``); the pure-Python verifier never
imports it unless the native backend is asked for.

The G2 side of the optimal ate pairing is done here, in Python, once per G2 point: the verifier's
G2 points are a verifying key's [1]₂ and [τ]₂, the same for every proof under one SRS.  For
Q on the twist E'(Fp2): y² = x³ + 3/ξ the Miller loop over the bits of 6x + 2 (x the BN
parameter) doubles T (and adds Q where a bit is set), then adds π(Q) and −π²(Q), π the Frobenius
carried to the twist: π(x, y) = (x̄·ξ^((q−1)/3), ȳ·ξ^((q−1)/2)).  Each step's line through T and
T' has a twist slope λ and is, at P = (x_P, y_P), l(P) = y_P − λ·x_P·w + (λ·x_T − y_T)·w³: the
step's (λ, λ·x_T − y_T) is what the C side needs (kernels/src/pairing.h).  These steps are the
ones py_ecc's ``miller_loop`` takes, so the two agree after the final exponentiation (the tests
compare full pairings with py_ecc's).

What a wrong answer would need: the pairing check is the one place where τ enters, so a C bug
that said "1" for a product that is not would accept a forged opening.  The tests hold the C
pairing to py_ecc's on random and fixed pairs (bilinearity, e(P, Q)^r = 1, non-degeneracy), to
rejecting every tampered opening the Python backend rejects, and the two backends to the same
verdict on every test vector and fuzz case.
"""

from __future__ import annotations

import functools

import numpy as np
from py_ecc import optimized_bn128 as bn

from attrib.kernels import _g1, _pairing
from attrib.kernels._field import FP, FR
from attrib.kernels.params import ATE_LOOP_COUNT, XI
from attrib.verifier.encoding import Q_MODULUS, R_MODULUS

_XI = bn.FQ2(list(XI))
_FROB_X = _XI ** ((Q_MODULUS - 1) // 3)
_FROB_Y = _XI ** ((Q_MODULUS - 1) // 2)


def _conjugate(a: bn.FQ2) -> bn.FQ2:
    return bn.FQ2([a.coeffs[0], -a.coeffs[1]])


def _frobenius(point: tuple) -> tuple:
    x, y = point
    return (_conjugate(x) * _FROB_X, _conjugate(y) * _FROB_Y)


def miller_steps(q_affine: tuple) -> list[tuple[int, bn.FQ2, bn.FQ2]]:
    """(square first?, λ, λ·x_T − y_T) for every step of the Miller loop of the twist point Q."""
    qx, qy = q_affine
    steps = []
    tx, ty = qx, qy

    def add_step(px, py, square):
        nonlocal tx, ty
        if square:
            if ty == bn.FQ2.zero():
                raise ValueError("G2 point of order 2 (not in the order-r subgroup)")
            lam = (tx * tx * 3) / (ty * 2)
        else:
            if tx == px:
                raise ValueError("exceptional addition in the Miller loop (G2 point not of order r)")
            lam = (py - ty) / (px - tx)
        steps.append((square, lam, lam * tx - ty))
        nx = lam * lam - tx - px
        ty = lam * (tx - nx) - ty
        tx = nx

    for bit in bin(ATE_LOOP_COUNT)[3:]:
        add_step(tx, ty, 1)
        if bit == "1":
            add_step(qx, qy, 0)
    q1 = _frobenius((qx, qy))
    q2x, q2y = _frobenius(q1)
    add_step(*q1, 0)
    add_step(q2x, -q2y, 0)
    return steps


def _steps_array(steps) -> tuple[np.ndarray, np.ndarray]:
    values = []
    for _, lam, c in steps:
        values.extend((int(lam.coeffs[0]), int(lam.coeffs[1]), int(c.coeffs[0]), int(c.coeffs[1])))
    lines = FP.from_ints(values).reshape(1, len(steps), 4, 4)
    squares = np.array([s for s, _, _ in steps], dtype=np.uint8)
    return lines, squares


@functools.lru_cache(maxsize=64)
def _lines_of(x0: int, x1: int, y0: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
    point = (bn.FQ2([x0, x1]), bn.FQ2([y0, y1]), bn.FQ2.one())
    if not bn.is_on_curve(point, bn.b2):
        raise ValueError("G2 point is not on the twist curve")
    lines, squares = _steps_array(miller_steps((point[0], point[1])))
    lines.setflags(write=False)
    squares.setflags(write=False)
    return lines, squares


def g2_lines(point) -> tuple[np.ndarray, np.ndarray]:
    """The precomputed lines of a py_ecc G2 point (cached per point)."""
    if bn.is_inf(point):
        raise ValueError("the point at infinity has no Miller loop")
    x, y = bn.normalize(point)
    return _lines_of(int(x.coeffs[0]), int(x.coeffs[1]), int(y.coeffs[0]), int(y.coeffs[1]))


def _affine(point) -> tuple[int, int]:
    if bn.is_inf(point):
        return (0, 0)
    x, y, z = point
    if z == bn.FQ.one():
        return (int(x), int(y))
    x, y = bn.normalize(point)
    return (int(x), int(y))


def linear_combination(terms) -> tuple:
    """Σ k·P over (py_ecc point, int) pairs, by the kernels' small MSM (msm_small.h); a py_ecc point."""
    terms = [(p, k % R_MODULUS) for p, k in terms]
    if not terms:
        return bn.Z1
    points = _g1.from_ints([_affine(p) for p, _ in terms])          # checked: on the curve
    scalars = FR.from_ints([k for _, k in terms])
    x, y = _g1.to_ints(_pairing.msm_small(points, scalars))
    return bn.Z1 if (x, y) == (0, 0) else (bn.FQ(x), bn.FQ(y), bn.FQ.one())


def pairings_are_one(pairs) -> bool:
    """Whether Π e(P_j, Q_j) = 1 over (py_ecc G1 point, py_ecc G2 point) pairs."""
    pairs = [(p, q) for p, q in pairs if not bn.is_inf(p)]
    if not pairs:
        return True
    if any(bn.is_inf(q) for _, q in pairs):
        pairs = [(p, q) for p, q in pairs if not bn.is_inf(q)]      # e(P, O) = 1
        if not pairs:
            return True
    tables = [g2_lines(q) for _, q in pairs]
    lines = np.concatenate([t[0] for t in tables])
    points = _g1.from_ints([_affine(p) for p, _ in pairs])
    return _pairing.pairing_product_is_one(points, lines, tables[0][1])


def pairing(p, q) -> list[int]:
    """e(P, Q) as 12 Fp integers (the kernels' tower order, see kernels._pairing); for tests."""
    lines, squares = g2_lines(q)
    return _pairing.multi_pairing(_g1.from_ints([_affine(p)]), lines, squares)


def tower_of_py_ecc(value: bn.FQ12) -> list[int]:
    """py_ecc's FQ12 (coefficients of w^0 … w^11, w^12 = 18w^6 − 82) in the kernels' tower order:
    (re, im) of the Fp2 coefficients of w^0, w^2, w^4, w^1, w^3, w^5, where u = w^6 − 9."""
    c = [int(v) for v in value.coeffs]
    g = [((c[i] + 9 * c[i + 6]) % Q_MODULUS, c[i + 6] % Q_MODULUS) for i in range(6)]
    return [x for i in (0, 2, 4, 1, 3, 5) for x in g[i]]


__all__ = ["g2_lines", "linear_combination", "miller_steps", "pairing", "pairings_are_one", "tower_of_py_ecc"]
