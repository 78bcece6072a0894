# cython: language_level=3, boundscheck=False, wraparound=False
"""BN254 optimal ate pairings with precomputed G2 lines (see kernels/src/pairing.h).

The G2 side (the twist points' doublings and additions and their slopes) is computed by the
caller, once per G2 point: ``attrib.verifier.native`` does it in Python.  Here:

``multi_pairing(points, lines, squares, final=True)``
    the product over j of the Miller loops of (P_j, Q_j), then the final exponentiation;
    returns the Fp12 value as 12 canonical Fp integers, Fp2 coefficients (real, imaginary) of
    w^0, w^2, w^4, w^1, w^3, w^5 in the tower Fp12 = Fp6[w]/(w^2 - v), Fp6 = Fp2[v]/(v^3 - xi).
``pairing_product_is_one(points, lines, squares)``
    whether that product is 1: the pairing check.
``msm_small(points, scalars)``
    Σ k_i·P_i for the few dozen points of a verifier's check (Straus with width-5 NAFs,
    kernels/src/msm_small.h); ``scalars`` an Fr element array (n, 4).

``points`` is a G1 point array (n, 8) (kernels._g1 layout, checked here), ``lines`` a uint64
array (n, steps, 4, 4) of Montgomery Fp limbs (lambda.re, lambda.im, c.re, c.im per step),
``squares`` a uint8 array (steps,): 1 where f is squared before that step's lines.
"""

import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t, int64_t

from attrib.kernels._field import FP, FR
from attrib.kernels._g1 import check as check_points

cnp.import_array()

cdef extern from "g1.h" nogil:
    ctypedef struct g1_affine_t:
        uint64_t x[4]
        uint64_t y[4]

cdef extern from "msm_small.h" nogil:
    int g1_msm_small(g1_affine_t *out, const g1_affine_t *points, const uint64_t *scalars, int64_t n)

cdef extern from "pairing.h" nogil:
    ctypedef struct fp12_t:
        pass
    void pairing_multi(fp12_t *out, const g1_affine_t *points, const uint64_t *lines,
                       const uint8_t *squares, int64_t n, int64_t steps, int final)
    int fp12_is_one(const fp12_t *a)


def _inputs(points, lines, squares):
    points = check_points(points, "points")
    if not isinstance(lines, np.ndarray) or lines.dtype != np.uint64 or lines.ndim != 4 \
            or lines.shape[2:] != (4, 4):
        raise ValueError("lines: expected a uint64 array of shape (n, steps, 4, 4)")
    if lines.shape[0] != points.shape[0]:
        raise ValueError(f"lines: {lines.shape[0]} pairs of lines for {points.shape[0]} points")
    squares = np.ascontiguousarray(squares, dtype=np.uint8)
    if squares.ndim != 1 or squares.shape[0] != lines.shape[1]:
        raise ValueError(f"squares: expected {lines.shape[1]} flags, got shape {squares.shape}")
    lines = np.ascontiguousarray(lines)
    FP.check(lines.reshape(-1, 4), "lines")     # Montgomery limbs below q
    return points, lines, squares


cdef void _run(fp12_t *out, points, lines, squares, int final):
    cdef const uint64_t[:, ::1] vp = points
    cdef const uint64_t[:, :, :, ::1] vl = lines
    cdef const uint8_t[::1] vs = squares
    cdef int64_t n = vp.shape[0], steps = vs.shape[0]
    cdef const g1_affine_t *pp = NULL
    cdef const uint64_t *pl = NULL
    cdef const uint8_t *ps = NULL
    if n:
        pp = <const g1_affine_t *>&vp[0, 0]
        if steps:
            pl = &vl[0, 0, 0, 0]
    if steps:
        ps = &vs[0]
    with nogil:
        pairing_multi(out, pp, pl, ps, n if steps else 0, steps, final)


def multi_pairing(points, lines, squares, bint final=True):
    """The product of the pairs' Miller loops (then final exponentiation): 12 Fp integers."""
    points, lines, squares = _inputs(points, lines, squares)
    out = np.zeros(48, dtype=np.uint64)
    cdef uint64_t[::1] vo = out
    _run(<fp12_t *>&vo[0], points, lines, squares, final)
    return FP.to_ints(out.reshape(12, 4))


def pairing_product_is_one(points, lines, squares):
    """Whether Π_j e(P_j, Q_j) = 1 (the Q_j given by their precomputed lines)."""
    points, lines, squares = _inputs(points, lines, squares)
    out = np.zeros(48, dtype=np.uint64)
    cdef uint64_t[::1] vo = out
    _run(<fp12_t *>&vo[0], points, lines, squares, 1)
    return bool(fp12_is_one(<const fp12_t *>&vo[0]))


def msm_small(points, scalars):
    """Σ k_i·P_i as one (8,) point array; points checked, scalars an Fr element array (n, 4)."""
    points = check_points(points, "points")
    limbs = FR.to_limbs(FR.check(scalars, "scalars"))
    if limbs.shape[0] != points.shape[0]:
        raise ValueError(f"points and scalars differ in length: {points.shape[0]} != {limbs.shape[0]}")
    out = np.zeros(8, dtype=np.uint64)
    cdef uint64_t[::1] vo = out
    cdef const uint64_t[:, ::1] vp = points
    cdef const uint64_t[:, ::1] vs = limbs
    cdef int64_t n = vp.shape[0]
    cdef int rc = 0
    if n:
        with nogil:
            rc = g1_msm_small(<g1_affine_t *>&vo[0], <const g1_affine_t *>&vp[0, 0], &vs[0, 0], n)
    if rc:
        raise MemoryError(f"msm_small: out of memory for {n} points")
    return out
