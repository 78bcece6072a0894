# cython: language_level=3, boundscheck=False, wraparound=False
"""BN254 G1 arrays and multi-scalar multiplication.

A *point array* is a C-contiguous numpy uint64 array of shape (n, 8): affine
x and y, each 4 Montgomery limbs of Fp; (0, 0) is the point at infinity.  A
single point may be given as shape (8,).  Points from outside are checked
(canonical coordinates, on the curve) unless the caller passes check=False for
arrays this package produced itself.
"""

import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t, int16_t, int32_t, int64_t

from attrib.kernels._field import FP, FR
from attrib.kernels.params import G1_GENERATOR

cnp.import_array()

cdef extern from "g1.h" nogil:
    ctypedef struct g1_affine_t:
        uint64_t x[4]
        uint64_t y[4]

cdef extern from "g1_vec.h" nogil:
    void g1_vec_on_curve(uint8_t *on, const g1_affine_t *a, int64_t n)
    void g1_vec_neg(g1_affine_t *out, const g1_affine_t *a, int64_t n)
    int g1_vec_add(g1_affine_t *out, const g1_affine_t *a, const g1_affine_t *b, int64_t n)
    int g1_vec_double(g1_affine_t *out, const g1_affine_t *a, int64_t n)
    int g1_vec_scalar_mul(g1_affine_t *out, const g1_affine_t *a, const uint64_t *k, int64_t n)

cdef extern from "msm.h" nogil:
    int MSM_MAX_WINDOW
    void msm_digits_from_limbs(int32_t *digits, const uint64_t *scalars, int64_t n, int c, int W)
    void msm_digits_from_int64(int32_t *digits, const int64_t *scalars, int64_t n, int c, int W)
    int msm_choose_window(int64_t n, int bits)
    int msm_run(g1_affine_t *out, const g1_affine_t *points, const int32_t *digits, int64_t n, int c, int W)
    int msm_release_cache()
    int msm_buckets(g1_affine_t *out, const g1_affine_t *points, const int64_t *values, int64_t n, int c)
    int msm_columns_int16(g1_affine_t *out, const g1_affine_t *points, const int16_t *m, int64_t n, int64_t k)

FR_BITS = FR.modulus.bit_length()


def _point_array(a, str what="points"):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{what}: expected a numpy uint64 array of shape (n, 8), got {type(a).__name__}")
    if a.dtype != np.uint64:
        raise TypeError(f"{what}: expected dtype uint64, got {a.dtype}")
    if a.ndim == 1 and a.shape[0] == 8:
        a = a.reshape(1, 8)
    if a.ndim != 2 or a.shape[1] != 8:
        raise ValueError(f"{what}: expected shape (n, 8) or (8,), got {a.shape}")
    return np.ascontiguousarray(a)


def check(a, str what="points"):
    """Return ``a`` as an (n, 8) array after checking coordinates < q and y² = x³ + 3."""
    a = _point_array(a, what)
    coords = a.reshape(-1, 4)
    first = FP.first_noncanonical_index(coords)
    if first >= 0:
        raise ValueError(f"{what}[{first // 2}] has a non-canonical {'xy'[first % 2]} coordinate (>= q)")
    on = is_on_curve(a, _checked=True)
    if not on.all():
        raise ValueError(f"{what}[{int(np.argmin(on))}] is not on the curve y^2 = x^3 + 3")
    return a


def _points(a, bint check_points, str what="points"):
    return check(a, what) if check_points else _point_array(a, what)


def is_on_curve(a, _checked=False):
    """Bool per point: infinity or on y² = x³ + 3 (coordinates must be canonical)."""
    a = _point_array(a)
    if not _checked:
        FP.check(a.reshape(-1, 4), "coordinates")
    out = np.empty(a.shape[0], dtype=np.uint8)
    cdef const uint64_t[:, ::1] va = a
    cdef uint8_t[::1] vo = out
    if va.shape[0]:
        with nogil:
            g1_vec_on_curve(&vo[0], <const g1_affine_t *>&va[0, 0], va.shape[0])
    return out.view(np.bool_)


def infinity(Py_ssize_t n=1):
    """n points at infinity."""
    return np.zeros((n, 8), dtype=np.uint64)


def generator():
    """The G1 generator (1, 2) as an (8,) array."""
    return FP.from_ints(list(G1_GENERATOR)).reshape(8)


def from_ints(pairs):
    """Point array from affine integer pairs (x, y); None or (0, 0) is infinity. Checked."""
    flat = []
    for pair in pairs:
        flat.extend((0, 0) if pair is None else pair)
    return check(FP.from_ints(flat).reshape(-1, 8))


def to_ints(a):
    """Affine integer pairs of a point array; infinity is (0, 0)."""
    single = isinstance(a, np.ndarray) and a.ndim == 1
    a = _point_array(a)
    flat = FP.to_ints(a.reshape(-1, 4))
    pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(a.shape[0])]
    return pairs[0] if single else pairs


def from_py_ecc(points):
    """Point array from py_ecc ``optimized_bn128`` points (projective FQ triples)."""
    from py_ecc.optimized_bn128 import is_inf, normalize
    pairs = []
    for i, pt in enumerate(points):
        if is_inf(pt):
            pairs.append(None)
        else:
            x, y = normalize(pt)
            pairs.append((int(x), int(y)))
    return from_ints(pairs)


def to_py_ecc(a):
    """py_ecc ``optimized_bn128`` points of a point array; an (8,) array gives one point."""
    from py_ecc.optimized_bn128 import FQ, Z1
    single = isinstance(a, np.ndarray) and a.ndim == 1
    pts = [Z1 if (x, y) == (0, 0) else (FQ(x), FQ(y), FQ(1)) for x, y in to_ints(_point_array(a))]
    return pts[0] if single else pts


def from_bytes(data):
    """Point array from 64-byte big-endian x‖y encodings; (0, 0) is infinity. Checked."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    if len(data) % 64:
        raise ValueError(f"data: length {len(data)} is not a multiple of 64 bytes")
    words = np.frombuffer(bytes(data), dtype=">u8").reshape(-1, 2, 4)[:, :, ::-1]
    limbs = np.ascontiguousarray(words.astype(np.uint64)).reshape(-1, 4)
    first = FP.first_noncanonical_index(limbs)
    if first >= 0:
        raise ValueError(f"point {first // 2}: {'xy'[first % 2]} coordinate is not below the field modulus q")
    return check(FP.from_limbs(limbs).reshape(-1, 8), "point")


def to_bytes(a):
    """64-byte big-endian x‖y per point."""
    a = _point_array(a)
    limbs = FP.to_limbs(a.reshape(-1, 4))
    return np.ascontiguousarray(limbs[:, ::-1]).astype(">u8").tobytes()


def neg(a, check=True):
    """-P for each point."""
    a = _points(a, check)
    out = np.empty_like(a)
    cdef const uint64_t[:, ::1] va = a
    cdef uint64_t[:, ::1] vo = out
    if va.shape[0]:
        with nogil:
            g1_vec_neg(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0], va.shape[0])
    return out


def add(a, b, check=True):
    """P + Q elementwise."""
    a = _points(a, check, "a")
    b = _points(b, check, "b")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"a and b differ in length: {a.shape[0]} != {b.shape[0]}")
    out = np.empty_like(a)
    cdef const uint64_t[:, ::1] va = a
    cdef const uint64_t[:, ::1] vb = b
    cdef uint64_t[:, ::1] vo = out
    cdef int rc = 0
    if va.shape[0]:
        with nogil:
            rc = g1_vec_add(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0],
                            <const g1_affine_t *>&vb[0, 0], va.shape[0])
    if rc:
        raise MemoryError("g1.add: out of memory")
    return out


def double(a, check=True):
    """2P for each point."""
    a = _points(a, check)
    out = np.empty_like(a)
    cdef const uint64_t[:, ::1] va = a
    cdef uint64_t[:, ::1] vo = out
    cdef int rc = 0
    if va.shape[0]:
        with nogil:
            rc = g1_vec_double(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0], va.shape[0])
    if rc:
        raise MemoryError("g1.double: out of memory")
    return out


def scalar_mul(points, scalars, check=True):
    """k_i · P_i elementwise; ``scalars`` is an Fr element array or one int in [0, r) for all."""
    a = _points(points, check)
    cdef int64_t n = a.shape[0]
    if isinstance(scalars, np.ndarray):
        k = FR.to_limbs(FR.check(scalars, "scalars"))
        if k.shape[0] != n:
            raise ValueError(f"points and scalars differ in length: {n} != {k.shape[0]}")
    else:
        k = np.tile(FR.to_limbs(FR.from_ints([scalars])), (n, 1))
    out = np.empty_like(a)
    cdef const uint64_t[:, ::1] va = a
    cdef const uint64_t[:, ::1] vk = k
    cdef uint64_t[:, ::1] vo = out
    cdef int rc = 0
    if n:
        with nogil:
            rc = g1_vec_scalar_mul(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0], &vk[0, 0], n)
    if rc:
        raise MemoryError("g1.scalar_mul: out of memory")
    return out


def msm(points, scalars, check=True, window=None):
    """Σ k_i · P_i as one (8,) point.

    ``scalars`` is either an Fr element array of shape (n, 4) (full 254-bit
    scalars, Montgomery form) or a 1-d signed integer array (int8 to int64):
    the small-scalar path, whose cost follows the largest |k_i|.  ``window``
    overrides the bucket window size (for benchmarks and tests).
    """
    a = _points(points, check)
    cdef int64_t n = a.shape[0]
    if not isinstance(scalars, np.ndarray):
        raise TypeError(f"scalars: expected a numpy array, got {type(scalars).__name__}")
    if scalars.dtype == np.uint64:
        limbs = FR.to_limbs(FR.check(scalars, "scalars"))
        bits = FR_BITS
        small = None
    elif scalars.dtype.kind == "i":
        if scalars.ndim != 1:
            raise ValueError(f"scalars: expected a 1-d integer array, got shape {scalars.shape}")
        small = np.ascontiguousarray(scalars, dtype=np.int64)
        if n and small.shape[0]:
            bits = max(int(small.max()).bit_length(), (-int(small.min())).bit_length(), 1)
        else:
            bits = 1
    else:
        raise TypeError(f"scalars: expected an Fr element array (uint64, (n, 4)) or a signed integer array, "
                        f"got dtype {scalars.dtype}")
    count = small.shape[0] if small is not None else limbs.shape[0]
    if count != n:
        raise ValueError(f"points and scalars differ in length: {n} != {count}")
    out = np.zeros(8, dtype=np.uint64)
    if n == 0:
        return out
    cdef int c = msm_choose_window(n, bits) if window is None else int(window)
    if not 2 <= c <= MSM_MAX_WINDOW:
        raise ValueError(f"window must be in [2, {MSM_MAX_WINDOW}], got {c}")
    cdef int W = (bits + 1 + c - 1) // c
    global _digit_buffer
    buffer, _digit_buffer = _digit_buffer, None          # (the GIL makes the hand-over atomic)
    if buffer is None or buffer.shape[0] < W * n:
        buffer = np.empty(W * n, dtype=np.int32)
    digits = buffer[: W * n].reshape(W, n)
    cdef int32_t[:, ::1] vd = digits
    cdef const uint64_t[:, ::1] vl
    cdef const int64_t[::1] vs
    if small is None:
        vl = limbs
        with nogil:
            msm_digits_from_limbs(&vd[0, 0], &vl[0, 0], n, c, W)
    else:
        vs = small
        with nogil:
            msm_digits_from_int64(&vd[0, 0], &vs[0], n, c, W)
    cdef const uint64_t[:, ::1] va = a
    cdef uint64_t[::1] vo = out
    cdef int rc
    with nogil:
        rc = msm_run(<g1_affine_t *>&vo[0], <const g1_affine_t *>&va[0, 0], &vd[0, 0], n, c, W)
    _keep_digits(buffer)
    if rc:
        raise MemoryError(f"g1.msm: out of memory for {n} points")
    return out


_digit_buffer = None


def _keep_digits(buffer):
    global _digit_buffer
    if _digit_buffer is None or _digit_buffer.shape[0] < buffer.shape[0]:
        _digit_buffer = buffer


def release_scratch():
    """Free the working memory that msm keeps from one call to the next, sized by the largest
    MSM so far: its digits (4 bytes per point and window) and each thread's buckets and sorted
    order (about 52 bytes per point): some 170 MB after an MSM of 2^20 full scalars on two
    threads.  Returns False, freeing only the digits, while another thread is inside an MSM."""
    global _digit_buffer
    _digit_buffer = None
    cdef int done
    with nogil:
        done = msm_release_cache()
    return bool(done)


def msm_columns(points, matrix, check=True):
    """The MSMs of the k columns of an int16 matrix (n × k) with the same n points: out[j] =
    Σ_i matrix[i, j]·P_i, as a (k, 8) point array (``msm(points, matrix[:, j])`` for each j).
    The columns run side by side on the threads, each as one thread's MSM."""
    a = _points(points, check)
    if not isinstance(matrix, np.ndarray) or matrix.dtype != np.int16 or matrix.ndim != 2:
        raise TypeError("matrix: expected a 2-d int16 numpy array")
    cdef int64_t n = a.shape[0], k = matrix.shape[1]
    if matrix.shape[0] != n:
        raise ValueError(f"points and matrix rows differ in number: {n} != {matrix.shape[0]}")
    m = np.ascontiguousarray(matrix)
    out = np.zeros((k, 8), dtype=np.uint64)
    if n == 0 or k == 0:
        return out
    cdef const uint64_t[:, ::1] va = a
    cdef const int16_t[:, ::1] vm = m
    cdef uint64_t[:, ::1] vo = out
    cdef int rc
    with nogil:
        rc = msm_columns_int16(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0], &vm[0, 0], n, k)
    if rc:
        raise MemoryError(f"g1.msm_columns: out of memory for {n} points")
    return out


def buckets(points, values, int bits, check=True):
    """The bucket sums of small values: out[b] = Σ_{i : values[i] = b} P_i for b < 2^bits.

    Any commitment Σ_i f(values[i])·P_i is then ``msm(out, f(arange(2^bits)))``: an MSM of
    2^bits points however many the table has.  ``values`` is a 1-d integer array with every
    entry in [0, 2^bits), as long as ``points``; the result is a (2^bits, 8) point array.
    """
    a = _points(points, check)
    if not 1 <= bits <= MSM_MAX_WINDOW - 1:
        raise ValueError(f"bits must be in [1, {MSM_MAX_WINDOW - 1}], got {bits}")
    if not isinstance(values, np.ndarray) or values.ndim != 1 or values.dtype.kind not in "iu":
        raise TypeError("values: expected a 1-d integer numpy array")
    cdef int64_t n = a.shape[0]
    if values.shape[0] != n:
        raise ValueError(f"points and values differ in length: {n} != {values.shape[0]}")
    v = np.ascontiguousarray(values, dtype=np.int64)
    if n and (int(v.min()) < 0 or int(v.max()) >= 1 << bits):
        raise ValueError(f"values must lie in [0, 2^{bits}), got [{int(v.min())}, {int(v.max())}]")
    out = np.zeros((1 << bits, 8), dtype=np.uint64)
    if n == 0:
        return out
    cdef const uint64_t[:, ::1] va = a
    cdef const int64_t[::1] vv = v
    cdef uint64_t[:, ::1] vo = out
    cdef int rc
    with nogil:
        rc = msm_buckets(<g1_affine_t *>&vo[0, 0], <const g1_affine_t *>&va[0, 0], &vv[0], n, bits + 1)
    if rc:
        raise MemoryError(f"g1.buckets: out of memory for {n} points")
    return out


def random(Py_ssize_t n, seed=None):
    """n pseudo-random points (for tests and benchmarks; not for secrets).

    64 random multiples of the generator, then repeated doubling of the set by
    adding a fresh random point to every member: n additions in all.
    """
    rng = np.random.default_rng(seed)
    gen = generator()

    def random_multiples(k):
        return scalar_mul(np.tile(gen, (k, 1)), FR.random(k, rng), check=False)

    pts = random_multiples(min(n, 64))
    while pts.shape[0] < n:
        shift = np.tile(random_multiples(1), (pts.shape[0], 1))
        pts = np.concatenate([pts, add(pts, shift, check=False)])
    return np.ascontiguousarray(pts[:n])
