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
    ctypedef struct mle_source_t:
        int kind
        const uint64_t *values
        const int64_t *idx
        int64_t nv
        int64_t count
    int MLE_DENSE
    int MLE_GATHER
    int MLE_TILE
    int MLE_REPEAT
    int mle_round_terms_src(uint64_t *sums, const mle_source_t *src, int nt, const int32_t *tstart,
                            const int32_t *tidx, int nterms, int degree, int64_t m)
    int mle_fold_round_terms(uint64_t *sums, uint64_t *const *out, const mle_source_t *src, int nt,
                             const uint64_t *r, const int32_t *tstart, const int32_t *tidx, int nterms,
                             int degree, int64_t m)

cdef extern from "lookup.h" nogil:
    int64_t lookup_gather(uint64_t *out, const uint64_t *values, int64_t nv, const int64_t *idx, int64_t n)
    int64_t lookup_gather_add(uint64_t *acc, const uint64_t *values, int64_t nv, const int64_t *idx, int64_t n)
    int64_t lookup_scatter_add(uint64_t *bins, int64_t nv, const uint64_t *w, const int64_t *idx, int64_t n)
    void lookup_axpy(uint64_t *acc, const uint64_t *c, const uint64_t *t, int64_t n)


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
    if any(isinstance(t, Rule) for t in tables):
        return _round_terms_rules(tables, terms, degree)
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


def _terms_layout(terms, int nt):
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
    return starts, flat


class Rule:
    """A table the round kernels (``round_terms``, ``fold_round_terms``) read by chunks from a rule
    over a short table of values, without it ever being made: see Gathered, Tiled, Repeated."""

    def __len__(self):
        return self.length


class Gathered(Rule):
    """The table values[idx[x]] for x < len(idx)."""

    def __init__(self, values, idx):
        self.values = FR.check(values, "values")
        self.idx = _indices(idx)
        self.length = self.idx.shape[0]
        if self.values.shape[0] == 0:
            raise ValueError("values: empty")

    def table(self):
        return gather(self.values, self.idx)


class Tiled(Rule):
    """The table values[x mod len(values)] for x < length."""

    def __init__(self, values, Py_ssize_t length):
        self.values = FR.check(values, "values")
        self.length = length
        if self.values.shape[0] == 0 or length % self.values.shape[0]:
            raise ValueError("length must be a multiple of the number of values")

    def table(self):
        return np.tile(self.values, (self.length // self.values.shape[0], 1))


class Repeated(Rule):
    """The table values[x // count] for x < count·len(values)."""

    def __init__(self, values, Py_ssize_t count):
        self.values = FR.check(values, "values")
        self.count = count
        self.length = count * self.values.shape[0]
        if count < 1:
            raise ValueError("count must be at least 1")

    def table(self):
        return np.repeat(self.values, self.count, axis=0)


cdef int _fill_sources(mle_source_t *src, tables, bint check) except -1:
    """The C descriptions of ``tables`` (Fr arrays or Rules), whose buffers the caller keeps alive."""
    cdef const uint64_t[:, ::1] view
    cdef const int64_t[::1] iview
    for j, t in enumerate(tables):
        src[j].idx = NULL
        src[j].count = 1
        if isinstance(t, Rule):
            view = t.values
            src[j].values = &view[0, 0]
            src[j].nv = t.values.shape[0]
            if isinstance(t, Gathered):
                src[j].kind = MLE_GATHER
                if t.length:
                    iview = t.idx
                    src[j].idx = &iview[0]
            elif isinstance(t, Tiled):
                src[j].kind = MLE_TILE
            else:
                src[j].kind = MLE_REPEAT
                src[j].count = t.count
        else:
            if check:
                FR.check(t, f"tables[{j}]")
            if not isinstance(t, np.ndarray) or t.dtype != np.uint64 or t.ndim != 2 or t.shape[1] != 4 \
                    or not t.flags.c_contiguous:
                raise ValueError(f"tables[{j}]: expected a C-contiguous Fr element array or a Rule")
            view = t
            src[j].kind = MLE_DENSE
            src[j].values = &view[0, 0]
            src[j].nv = t.shape[0]
    return 0


def _round_terms_rules(tables, terms, int degree):
    """round_terms for tables some of which are Rules."""
    cdef int nt = len(tables)
    if not 1 <= nt <= MLE_MAX_TABLES:
        raise ValueError(f"round_terms takes 1 to {MLE_MAX_TABLES} tables, got {nt}")
    if not 1 <= degree <= MLE_MAX_DEGREE:
        raise ValueError(f"degree must be in [1, {MLE_MAX_DEGREE}], got {degree}")
    cdef int64_t m = len(tables[0])
    if any(len(t) != m for t in tables) or m < 2 or m & (m - 1):
        raise ValueError("tables must share one power-of-two length >= 2")
    starts, flat = _terms_layout(terms, nt)
    cdef int nterms = starts.shape[0] - 1
    cdef mle_source_t src[32]
    _fill_sources(src, tables, True)
    out = np.empty((nterms, degree, 4), dtype=np.uint64)
    cdef uint64_t[:, :, ::1] vo = out
    cdef const int32_t[::1] vs = starts
    cdef const int32_t[::1] vi = flat
    cdef int rc
    with nogil:
        rc = mle_round_terms_src(&vo[0, 0, 0], src, nt, &vs[0], &vi[0], nterms, degree, m)
    if rc == -1:
        raise MemoryError("mle.round_terms: out of memory")
    if rc == -2:
        raise IndexError("a Gathered table has an index outside its values")
    return out


def fold_round_terms(tables, r, terms, int degree, out=None, bint check=True):
    """Fold every table at x_0 = r (as :func:`fold`) and return (folded tables, round sums of the
    folded tables as :func:`round_terms` gives them) from one pass over the tables.

    A table is an Fr array or a Rule (read by chunks, never made).  ``out`` may pass, per table, a
    C-contiguous uint64 array of at least half its length to fold into (the folded table is its
    head; it must not overlap any input table); otherwise new arrays are made.  ``check=False``
    skips the canonical check of the array tables (for tables these kernels produced).  The tables
    must have one power-of-two length >= 4."""
    r = FR.check(r, "r")
    cdef int nt = len(tables)
    if not 1 <= nt <= MLE_MAX_TABLES:
        raise ValueError(f"fold_round_terms takes 1 to {MLE_MAX_TABLES} tables, got {nt}")
    if not 1 <= degree <= MLE_MAX_DEGREE:
        raise ValueError(f"degree must be in [1, {MLE_MAX_DEGREE}], got {degree}")
    cdef int64_t m = len(tables[0])
    if any(len(t) != m for t in tables) or m < 4 or m & (m - 1):
        raise ValueError("tables must share one power-of-two length >= 4")
    starts, flat = _terms_layout(terms, nt)
    cdef int nterms = starts.shape[0] - 1
    cdef mle_source_t src[32]
    _fill_sources(src, tables, check)
    if out is None:
        folded = [np.empty((m // 2, 4), dtype=np.uint64) for _ in range(nt)]
    else:
        if len(out) != nt:
            raise ValueError(f"out: expected {nt} arrays, got {len(out)}")
        folded = []
        for j, buf in enumerate(out):
            if not isinstance(buf, np.ndarray) or buf.dtype != np.uint64 or buf.ndim != 2 or buf.shape[1] != 4 \
                    or buf.shape[0] < m // 2 or not buf.flags.c_contiguous or not buf.flags.writeable:
                raise ValueError(f"out[{j}]: expected a writable C-contiguous uint64 array of at least {m // 2} "
                                 "elements")
            if any(np.may_share_memory(buf, t) for t in tables if isinstance(t, np.ndarray)):
                raise ValueError(f"out[{j}] overlaps an input table")
            folded.append(buf[: m // 2])
    cdef uint64_t *optrs[32]
    cdef uint64_t[:, ::1] oview
    for j in range(nt):
        oview = folded[j]
        optrs[j] = &oview[0, 0]
    sums = np.empty((nterms, degree, 4), dtype=np.uint64)
    cdef uint64_t[:, :, ::1] vo = sums
    cdef const int32_t[::1] vs = starts
    cdef const int32_t[::1] vi = flat
    cdef const uint64_t[:, ::1] vr = r
    cdef int rc
    with nogil:
        rc = mle_fold_round_terms(&vo[0, 0, 0], optrs, src, nt, &vr[0, 0], &vs[0], &vi[0], nterms, degree, m)
    if rc == -1:
        raise MemoryError("mle.fold_round_terms: out of memory")
    if rc == -2:
        raise IndexError("a Gathered table has an index outside its values")
    return folded, sums


def _indices(idx, Py_ssize_t n=-1):
    if not isinstance(idx, np.ndarray) or idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise TypeError("idx: expected a 1-d integer numpy array")
    if n >= 0 and idx.shape[0] != n:
        raise ValueError(f"idx: expected {n} indices, got {idx.shape[0]}")
    if idx.dtype == np.uint64:
        if idx.shape[0] and int(idx.max()) >= 1 << 63:
            raise ValueError("idx: an index is out of range")
    return np.ascontiguousarray(idx, dtype=np.int64)


def _raise_index(int64_t bad, idx, int64_t nv):
    raise IndexError(f"idx[{bad}] = {int(idx[bad])} is outside [0, {nv})")


def gather(values, idx):
    """out[i] = values[idx[i]]: the table of a function of small indices, from its table of values."""
    values = FR.check(values, "values")
    idx = _indices(idx)
    cdef int64_t n = idx.shape[0], nv = values.shape[0], bad = -1
    out = np.empty((n, 4), dtype=np.uint64)
    if n == 0:
        return out
    if nv == 0:
        _raise_index(0, idx, nv)
    cdef const uint64_t[:, ::1] vv = values
    cdef const int64_t[::1] vi = idx
    cdef uint64_t[:, ::1] vo = out
    with nogil:
        bad = lookup_gather(&vo[0, 0], &vv[0, 0], nv, &vi[0], n)
    if bad >= 0:
        _raise_index(bad, idx, nv)
    return out


def gather_add(acc, values, idx):
    """acc[i] += values[idx[i]] in place (acc: a writable C-contiguous Fr array); returns acc."""
    values = FR.check(values, "values")
    if not isinstance(acc, np.ndarray) or acc.dtype != np.uint64 or acc.ndim != 2 or acc.shape[1] != 4 \
            or not acc.flags.c_contiguous or not acc.flags.writeable:
        raise TypeError("acc: expected a writable C-contiguous Fr element array")
    FR.check(acc, "acc")
    idx = _indices(idx, acc.shape[0])
    cdef int64_t n = idx.shape[0], nv = values.shape[0], bad = -1
    if n == 0:
        return acc
    if nv == 0:
        _raise_index(0, idx, nv)
    cdef const uint64_t[:, ::1] vv = values
    cdef const int64_t[::1] vi = idx
    cdef uint64_t[:, ::1] va = acc
    with nogil:
        bad = lookup_gather_add(&va[0, 0], &vv[0, 0], nv, &vi[0], n)
    if bad >= 0:
        _raise_index(bad, idx, nv)
    return acc


def scatter_add(idx, Py_ssize_t bins, weights=None):
    """out[v] = Σ_{i : idx[i] = v} weights[i] for v < bins (the count of each index, as Fr
    elements, without weights): Σ_i weights[i]·g(idx[i]) is then ⟨out, g⟩ for any g."""
    idx = _indices(idx)
    cdef int64_t n = idx.shape[0], nv = bins, bad = -1
    if bins < 1:
        raise ValueError("bins must be at least 1")
    cdef const uint64_t *pw = NULL
    cdef const uint64_t[:, ::1] vw
    if weights is not None:
        weights = FR.check(weights, "weights")
        if weights.shape[0] != n:
            raise ValueError(f"weights: expected {n} elements, got {weights.shape[0]}")
        if n:
            vw = weights
            pw = &vw[0, 0]
    out = np.empty((bins, 4), dtype=np.uint64)
    if n == 0:
        out[:] = 0
        return out
    cdef const int64_t[::1] vi = idx
    cdef uint64_t[:, ::1] vo = out
    with nogil:
        bad = lookup_scatter_add(&vo[0, 0], nv, pw, &vi[0], n)
    if bad == -2:
        raise MemoryError("mle.scatter_add: out of memory")
    if bad >= 0:
        _raise_index(bad, idx, nv)
    return out


def axpy(acc, c, t):
    """acc[i] += c·t[i] in place for i < len(t) (acc at least as long as t; c one element or a
    canonical int); returns acc.  One pass, no temporary table."""
    if not isinstance(acc, np.ndarray) or acc.dtype != np.uint64 or acc.ndim != 2 or acc.shape[1] != 4 \
            or not acc.flags.c_contiguous or not acc.flags.writeable:
        raise TypeError("acc: expected a writable C-contiguous Fr element array")
    t = FR.check(t, "t")
    c = FR.check(c, "c") if isinstance(c, np.ndarray) else FR.from_ints([c])
    if c.shape[0] != 1:
        raise ValueError("c: expected one element")
    cdef int64_t n = t.shape[0]
    if n > acc.shape[0]:
        raise ValueError(f"t has {n} elements, acc only {acc.shape[0]}")
    FR.check(acc[:n], "acc")
    if n == 0:
        return acc
    cdef const uint64_t[:, ::1] vt = t
    cdef const uint64_t[:, ::1] vc = c
    cdef uint64_t[:, ::1] va = acc
    with nogil:
        lookup_axpy(&va[0, 0], &vc[0, 0], &vt[0, 0], n)
    return acc


def evaluate(f, point):
    """f̃(point) = Σ_i f[i]·eq(i, point), one element of shape (4,)."""
    f = _table(f)
    if f.shape[0] != 1 << len(point):
        raise ValueError(f"a table of length {f.shape[0]} needs a point of {f.shape[0].bit_length() - 1} coordinates")
    return FR.inner(f, eq_table(point))


cdef extern from "upoly.h" nogil:
    void upoly_powers(uint64_t *out, const uint64_t *x, int64_t m)
    void upoly_divide_linear(uint64_t *q, uint64_t *value, const uint64_t *f, const uint64_t *x, int64_t m)
    void upoly_divide_linear_inplace(uint64_t *f, uint64_t *value, const uint64_t *x, int64_t m)
    void upoly_divide_cubic_inplace(uint64_t *f, uint64_t *rem, const uint64_t *e, int64_t m)


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


def _writable(f, str what="f"):
    if not isinstance(f, np.ndarray) or f.dtype != np.uint64 or f.ndim != 2 or f.shape[1] != 4 \
            or not f.flags.c_contiguous or not f.flags.writeable:
        raise TypeError(f"{what}: expected a writable C-contiguous Fr element array")
    return FR.check(f, what)


def divide_linear_inplace(coeffs, x):
    """divide_linear in place: coeffs[:m − 1] becomes q; returns (that view, f(x))."""
    f = _writable(coeffs, "coeffs")
    x = FR.check(x, "x")
    cdef int64_t m = f.shape[0]
    if m == 0:
        raise ValueError("coeffs: empty polynomial")
    value = np.empty(4, dtype=np.uint64)
    cdef uint64_t[:, ::1] vf = f
    cdef const uint64_t[:, ::1] vx = x
    cdef uint64_t[::1] vv = value
    with nogil:
        upoly_divide_linear_inplace(&vf[0, 0], &vv[0], &vx[0, 0], m)
    return f[: m - 1], value


def divide_roots_inplace(coeffs, roots):
    """In place, one pass: f = (X − a)(X − b)(X − c)·q + rem for three roots (ints); returns (q, rem)
    with q the view coeffs[3:] (its m − 3 coefficients) and rem three elements, (3, 4).  The
    quotient is the one three divide_linear calls give when f vanishes at the roots."""
    f = _writable(coeffs, "coeffs")
    a, b, c = (int(v) % FR.modulus for v in roots)
    p = FR.modulus
    e = FR.from_ints([(a + b + c) % p, (a * b + b * c + c * a) % p, a * b % p * c % p])
    cdef int64_t m = f.shape[0]
    if m < 3:
        raise ValueError("coeffs: at least 3 coefficients")
    rem = np.empty((3, 4), dtype=np.uint64)
    cdef uint64_t[:, ::1] vf = f
    cdef const uint64_t[:, ::1] ve = e
    cdef uint64_t[:, ::1] vr = rem
    with nogil:
        upoly_divide_cubic_inplace(&vf[0, 0], &vr[0, 0], &ve[0, 0], m)
    return f[3:], rem


def evaluate_univariate(coeffs, x):
    """f(x) = Σ_i coeffs[i]·x^i, one element of shape (4,)."""
    f = FR.check(coeffs, "coeffs")
    return FR.inner(f, powers(x, f.shape[0]))


cdef extern from "matvec.h" nogil:
    int MATVEC_MAX_COLUMNS
    void matvec_small(uint64_t *out, const int16_t *phi, const uint64_t *c, int64_t rows, int64_t k)
    void matvec_group_sums(int64_t *out, const int16_t *phi, const int64_t *scales, const int64_t *starts,
                           int64_t groups, int64_t rows, int64_t k)


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


def group_sums(matrix, scales, starts):
    """np.add.reduceat(matrix.astype(int64) * scales[:, None], starts, axis=0) for an int16 matrix
    (rows × k), int64 scales and group starts in [0, rows): the scaled sums of the rows of each
    group, in int64 arithmetic (wrapping as numpy's does), without the rows × k int64 temporaries."""
    if not isinstance(matrix, np.ndarray) or matrix.dtype != np.int16 or matrix.ndim != 2:
        raise TypeError("matrix: expected a 2-d int16 numpy array")
    phi = np.ascontiguousarray(matrix)
    sc = np.ascontiguousarray(scales, dtype=np.int64)
    st = np.ascontiguousarray(starts, dtype=np.int64)
    cdef int64_t rows = phi.shape[0], k = phi.shape[1], groups = st.shape[0]
    if sc.ndim != 1 or sc.shape[0] != rows:
        raise ValueError(f"scales: expected {rows} scales, got shape {sc.shape}")
    if st.ndim != 1:
        raise ValueError("starts: expected a 1-d array")
    if groups and (int(st.min()) < 0 or int(st.max()) >= rows):
        raise IndexError(f"starts: every start must lie in [0, {rows})")
    out = np.empty((groups, k), dtype=np.int64)
    if groups == 0 or k == 0:
        return out
    cdef const int16_t[:, ::1] vp = phi
    cdef const int64_t[::1] vs = sc
    cdef const int64_t[::1] vt = st
    cdef int64_t[:, ::1] vo = out
    with nogil:
        matvec_group_sums(&vo[0, 0], &vp[0, 0], &vs[0], &vt[0], groups, rows, k)
    return out
