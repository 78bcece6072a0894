# cython: language_level=3, boundscheck=False, wraparound=False
"""Multilinear polynomials over Fr as evaluation tables (see kernels/src/mle.h).

Variable order: bit k of the table index is variable x_k; folding binds x_0
first.  Tables are Fr element arrays whose length is a power of two.
"""

import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, int32_t, uint64_t, int64_t

from attrib.kernels._field import FR

cnp.import_array()

cdef extern from "mle.h" nogil:
    int MLE_MAX_FACTORS
    void mle_eq_table(uint64_t *out, const uint64_t *u, int n)
    void mle_fold(uint64_t *out, const uint64_t *f, const uint64_t *r, int64_t m)
    void mle_round_evals(uint64_t *evals, const uint64_t *const *f, int nf, int64_t m)
    int MLE_MAX_TABLES
    int MLE_MAX_TERMS
    int MLE_MAX_DEGREE
    int mle_round_terms(uint64_t *sums, const uint64_t *const *f, int nt, const int32_t *tstart,
                        const int32_t *tidx, int nterms, int degree, int64_t m)


MAX_FACTORS = MLE_MAX_FACTORS       # the most tables one round_evals call multiplies


def _table(f, str what="f"):
    f = FR.check(f, what)
    m = f.shape[0]
    if m == 0 or m & (m - 1):
        raise ValueError(f"{what}: table length must be a power of two, got {m}")
    return f


def eq_table(point):
    """eq(i, u) for every i < 2^n, n = len(point): the table of the MLE of the point indicator."""
    u = FR.check(point, "point") if len(point) else np.zeros((0, 4), dtype=np.uint64)
    cdef int n = u.shape[0]
    out = np.empty((1 << n, 4), dtype=np.uint64)
    cdef uint64_t[:, ::1] vo = out
    cdef const uint64_t[:, ::1] vu = u
    cdef const uint64_t *pu = &vu[0, 0] if n else NULL
    with nogil:
        mle_eq_table(&vo[0, 0], pu, n)
    return out


def fold(f, r, out=None):
    """f(r, x_1, ...) as a table of half the length: binds x_0 to the element r."""
    f = _table(f)
    r = FR.check(r, "r")
    cdef int64_t m = f.shape[0]
    if m < 2:
        raise ValueError("cannot fold a table of length 1")
    if out is None:
        out = np.empty((m // 2, 4), dtype=np.uint64)
    elif out.shape != (m // 2, 4) or out.dtype != np.uint64 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous uint64 array of shape ({m // 2}, 4)")
    cdef const uint64_t[:, ::1] vf = f
    cdef const uint64_t[:, ::1] vr = r
    cdef uint64_t[:, ::1] vo = out
    with nogil:
        mle_fold(&vo[0, 0], &vf[0, 0], &vr[0, 0], m)
    return out


def round_evals(tables):
    """p(t) = Σ_i Π_j (f_j[2i] + t·(f_j[2i+1] − f_j[2i])) for t = 0, 2, 3, …, d (d = len(tables)).

    These are the sum-check round message; p(1) follows from the running claim and is
    not computed.  Returns d elements, shape (d, 4).
    """
    tables = [_table(t, f"tables[{j}]") for j, t in enumerate(tables)]
    cdef int nf = len(tables)
    if not 1 <= nf <= MLE_MAX_FACTORS:
        raise ValueError(f"round_evals takes 1 to {MLE_MAX_FACTORS} tables, got {nf}")
    cdef int64_t m = tables[0].shape[0]
    if any(t.shape[0] != m for t in tables) or m < 2:
        raise ValueError("tables must share one length >= 2")
    cdef const uint64_t *ptrs[4]
    cdef const uint64_t[:, ::1] view
    for j in range(nf):
        view = tables[j]
        ptrs[j] = &view[0, 0]
    out = np.empty((nf, 4), dtype=np.uint64)
    cdef uint64_t[:, ::1] vo = out
    with nogil:
        mle_round_evals(&vo[0, 0], ptrs, nf, m)
    return out


def round_terms(tables, terms, int degree):
    """Every term's round sums at once: out[k, d] = Σ_i Π_{j ∈ terms[k]} (f_j[2i] + t·(f_j[2i+1] − f_j[2i]))
    at t = 0, 2, 3, …, degree (d = 0 … degree − 1).

    ``terms`` lists, per term, the indices of its factors among ``tables`` (Fr arrays of one
    power-of-two length ≥ 2).  The sum-check message of Σ_x Σ_k c_k·Π_{j ∈ terms[k]} f_j(x) is
    Σ_k c_k·out[k].  One pass reads each table once, whatever the number of terms sharing it;
    a term costs only its own factors (fewer factors than ``degree`` are not padded).
    Returns shape (len(terms), degree, 4).
    """
    tables = [_table(t, f"tables[{j}]") for j, t in enumerate(tables)]
    cdef int nt = len(tables)
    if not 1 <= nt <= MLE_MAX_TABLES:
        raise ValueError(f"round_terms takes 1 to {MLE_MAX_TABLES} tables, got {nt}")
    if not 1 <= degree <= MLE_MAX_DEGREE:
        raise ValueError(f"degree must be in [1, {MLE_MAX_DEGREE}], got {degree}")
    cdef int64_t m = tables[0].shape[0]
    if any(t.shape[0] != m for t in tables) or m < 2:
        raise ValueError("tables must share one length >= 2")
    terms = [list(term) for term in terms]
    cdef int nterms = len(terms)
    if not 1 <= nterms <= MLE_MAX_TERMS:
        raise ValueError(f"round_terms takes 1 to {MLE_MAX_TERMS} terms, got {nterms}")
    for k, term in enumerate(terms):
        if not term or any(not isinstance(j, (int, np.integer)) or not 0 <= j < nt for j in term):
            raise ValueError(f"terms[{k}]: expected a non-empty list of table indices below {nt}, got {term}")
    starts = np.zeros(nterms + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(term) for term in terms])
    flat = np.array([j for term in terms for j in term], dtype=np.int32)
    cdef const uint64_t *ptrs[32]
    cdef const uint64_t[:, ::1] view
    for j in range(nt):
        view = tables[j]
        ptrs[j] = &view[0, 0]
    out = np.empty((nterms, degree, 4), dtype=np.uint64)
    cdef uint64_t[:, :, ::1] vo = out
    cdef const int32_t[::1] vs = starts
    cdef const int32_t[::1] vi = flat
    cdef int rc
    with nogil:
        rc = mle_round_terms(&vo[0, 0, 0], ptrs, nt, &vs[0], &vi[0], nterms, degree, m)
    if rc:
        raise MemoryError("mle.round_terms: out of memory")
    return out


def evaluate(f, point):
    """f̃(point) = Σ_i f[i]·eq(i, point), one element of shape (4,)."""
    f = _table(f)
    if f.shape[0] != 1 << len(point):
        raise ValueError(f"a table of length {f.shape[0]} needs a point of {f.shape[0].bit_length() - 1} coordinates")
    return FR.inner(f, eq_table(point))


cdef extern from "upoly.h" nogil:
    void upoly_powers(uint64_t *out, const uint64_t *x, int64_t m)
    void upoly_divide_linear(uint64_t *q, uint64_t *value, const uint64_t *f, const uint64_t *x, int64_t m)


def powers(x, Py_ssize_t m):
    """[1, x, x², …, x^(m−1)] as an Fr element array."""
    x = FR.check(x, "x")
    out = np.empty((m, 4), dtype=np.uint64)
    cdef const uint64_t[:, ::1] vx = x
    cdef uint64_t[:, ::1] vo = out
    cdef int64_t mm = m
    if m:
        with nogil:
            upoly_powers(&vo[0, 0], &vx[0, 0], mm)
    return out


def divide_linear(coeffs, x):
    """(q, f(x)) with q = (f(X) − f(x)) / (X − x), for f given by its coefficients (lowest first)."""
    f = FR.check(coeffs, "coeffs")
    x = FR.check(x, "x")
    cdef int64_t m = f.shape[0]
    if m == 0:
        raise ValueError("coeffs: empty polynomial")
    q = np.empty((m - 1, 4), dtype=np.uint64)
    value = np.empty(4, dtype=np.uint64)
    cdef const uint64_t[:, ::1] vf = f
    cdef const uint64_t[:, ::1] vx = x
    cdef uint64_t[::1] vv = value
    cdef uint64_t *pq = NULL
    cdef uint64_t[:, ::1] vq
    if m > 1:
        vq = q
        pq = &vq[0, 0]
    with nogil:
        upoly_divide_linear(pq, &vv[0], &vf[0, 0], &vx[0, 0], m)
    return q, value


def evaluate_univariate(coeffs, x):
    """f(x) = Σ_i coeffs[i]·x^i, one element of shape (4,)."""
    f = FR.check(coeffs, "coeffs")
    return FR.inner(f, powers(x, f.shape[0]))


cdef extern from "matvec.h" nogil:
    int MATVEC_MAX_COLUMNS
    void matvec_small(uint64_t *out, const int16_t *phi, const uint64_t *c, int64_t rows, int64_t k)


def matvec_small_int(matrix, coeffs):
    """s = Φ·c as an Fr element array, for an int16 matrix Φ (rows × k) and k Fr coefficients."""
    if not isinstance(matrix, np.ndarray) or matrix.dtype != np.int16 or matrix.ndim != 2:
        raise TypeError("matrix: expected a 2-d int16 numpy array")
    c = FR.check(coeffs, "coeffs")
    if c.shape[0] != matrix.shape[1]:
        raise ValueError(f"coeffs: {c.shape[0]} coefficients for {matrix.shape[1]} columns")
    if matrix.shape[1] > MATVEC_MAX_COLUMNS:
        raise ValueError(f"matrix: at most {MATVEC_MAX_COLUMNS} columns")
    phi = np.ascontiguousarray(matrix)
    cdef int64_t rows = phi.shape[0], k = phi.shape[1]
    out = np.empty((rows, 4), dtype=np.uint64)
    if rows == 0 or k == 0:
        out[:] = 0
        return out
    cdef const int16_t[:, ::1] vp = phi
    cdef const uint64_t[:, ::1] vc = c
    cdef uint64_t[:, ::1] vo = out
    with nogil:
        matvec_small(&vo[0, 0], &vp[0, 0], &vc[0, 0], rows, k)
    return out
