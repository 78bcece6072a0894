# cython: language_level=3, boundscheck=False, wraparound=False
"""Array arithmetic in the BN254 fields Fr and Fp, in Montgomery form.

An *element array* is a C-contiguous numpy array of dtype uint64 and shape
(n, 4): n elements, each as 4 little-endian 64-bit limbs of a·R mod p with
R = 2^256.  A single element may also be given as shape (4,).  Arrays that come
from outside are checked: a wrong dtype is a TypeError, a wrong shape or a
limb pattern >= p a ValueError naming the offending index; nothing is reduced
silently.  The loops run without the GIL and across OpenMP threads.
"""

import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t, int64_t

cnp.import_array()

# The C side's function types and tables (kernels/src/bn254.h, parallel.h).
ctypedef int (*binary_op)(uint64_t *, const uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef int (*unary_op)(uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef int64_t (*scan_op)(const uint64_t *, int64_t) noexcept nogil
ctypedef int (*scale_op)(uint64_t *, const uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef int (*pow_op)(uint64_t *, const uint64_t *, const uint64_t *, int, int64_t) noexcept nogil
ctypedef void (*convert_op)(uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef void (*int64_op)(uint64_t *, const int64_t *, int64_t) noexcept nogil
ctypedef int (*reduce_op)(uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef int64_t (*inv_op)(uint64_t *, const uint64_t *, int64_t) noexcept nogil
ctypedef void (*equal_op)(uint8_t *, const uint64_t *, const uint64_t *, int64_t) noexcept nogil

cdef extern from "bn254.h" nogil:
    ctypedef struct fparams_t:
        uint64_t p[4]
        uint64_t r[4]
        uint64_t r2[4]
        uint64_t inv

    ctypedef struct field_ops_t:
        const fparams_t *params
        scan_op first_noncanonical
        binary_op add
        binary_op sub
        binary_op mul
        unary_op neg
        unary_op square
        scale_op scale
        pow_op pow
        convert_op to_mont
        unary_op from_mont
        int64_op from_int64
        reduce_op sum
        binary_op inner
        inv_op inv
        equal_op equal

    const field_ops_t FR_OPS
    const field_ops_t FP_OPS

cdef extern from "parallel.h" nogil:
    int attrib_max_threads()
    void attrib_set_threads(int n)
    int attrib_has_openmp()

_LIMB_MASK = (1 << 64) - 1

cdef extern from "field_ifma.h" nogil:
    const char *attrib_simd_backend()

cdef extern from "field.h" nogil:
    const char *attrib_scalar_backend()


def max_threads() -> int:
    """Threads the kernels use for large arrays (1 without OpenMP)."""
    return attrib_max_threads()


def set_threads(int n) -> None:
    """Use at most ``n`` threads in later kernel calls (ignored without OpenMP)."""
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    attrib_set_threads(n)


def has_openmp() -> bool:
    """Whether the kernels were compiled with OpenMP."""
    return bool(attrib_has_openmp())


def simd_backend() -> str:
    """The code behind mul, square, scale and inner: ``"avx512ifma"`` (8 elements
    per step, chosen at run time on CPUs with AVX-512 IFMA unless the environment
    variable ATTRIB_NO_IFMA=1 was set at the first call) or ``"portable"``."""
    return attrib_simd_backend().decode()


def scalar_backend() -> str:
    """The code behind one field multiplication (the portable kernels, G1 and MSM on
    the portable path, the IFMA kernels' tails): ``"adx"`` (mulx / adcx / adox,
    chosen at load time on x86-64 CPUs with BMI2 and ADX unless the environment
    variable ATTRIB_NO_ADX=1 is set) or ``"int128"`` (portable C)."""
    return attrib_scalar_backend().decode()


cdef class PrimeField:
    """One of the two BN254 fields; ``kernels.fr`` and ``kernels.fp`` expose its methods."""

    cdef const field_ops_t *ops
    cdef readonly object name
    cdef readonly object modulus
    cdef readonly object montgomery_r
    cdef object _modulus_limbs

    def __cinit__(self, name: str):
        if name == "fr":
            self.ops = &FR_OPS
        elif name == "fp":
            self.ops = &FP_OPS
        else:
            raise ValueError(f"unknown field {name!r}")
        self.name = name
        self.modulus = _limbs_to_int([self.ops.params.p[i] for i in range(4)])
        self.montgomery_r = (1 << 256) % self.modulus
        self._modulus_limbs = np.array([self.ops.params.p[i] for i in range(4)], dtype=np.uint64)

    # ---- validation -------------------------------------------------------

    def _vector(self, a, str what="a"):
        """(n, 4) uint64 C-contiguous view of an element array, or an error."""
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{what}: expected a numpy uint64 array of shape (n, 4), got {type(a).__name__}")
        if a.dtype != np.uint64:
            raise TypeError(f"{what}: expected dtype uint64, got {a.dtype}")
        if a.ndim == 1 and a.shape[0] == 4:
            a = a.reshape(1, 4)
        if a.ndim != 2 or a.shape[1] != 4:
            raise ValueError(f"{what}: expected shape (n, 4) or (4,), got {a.shape}")
        return np.ascontiguousarray(a)

    def _raise_noncanonical(self, a, str what):
        cdef const uint64_t[:, ::1] v = a
        cdef int64_t i = self.ops.first_noncanonical(&v[0, 0], v.shape[0])
        raise ValueError(f"{what}[{i}] is not a canonical {self.name} element (>= the modulus)")

    def first_noncanonical_index(self, a) -> int:
        """Index of the first element >= p in an (n, 4) limb array, or -1."""
        a = self._vector(a)
        cdef const uint64_t[:, ::1] v = a
        cdef int64_t i = -1
        if v.shape[0]:
            with nogil:
                i = self.ops.first_noncanonical(&v[0, 0], v.shape[0])
        return i

    def check(self, a, str what="a"):
        """Return ``a`` as an (n, 4) array after checking every element is < p."""
        a = self._vector(a, what)
        cdef const uint64_t[:, ::1] v = a
        cdef int64_t i = -1
        if v.shape[0]:
            with nogil:
                i = self.ops.first_noncanonical(&v[0, 0], v.shape[0])
        if i >= 0:
            raise ValueError(f"{what}[{i}] is not a canonical {self.name} element (>= the modulus)")
        return a

    def _pair(self, a, b):
        a = self._vector(a, "a")
        b = self._vector(b, "b")
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"a and b differ in length: {a.shape[0]} != {b.shape[0]}")
        return a, b

    def _out(self, out, Py_ssize_t n):
        if out is None:
            return np.empty((n, 4), dtype=np.uint64)
        out = self._vector(out, "out")
        if out.shape[0] != n:
            raise ValueError(f"out has length {out.shape[0]}, expected {n}")
        return out

    def _scalar(self, c, str what="c"):
        """A single element from an int (canonical, checked) or a (4,) array."""
        if isinstance(c, np.ndarray):
            c = self.check(c, what)
            if c.shape[0] != 1:
                raise ValueError(f"{what}: expected one element, got {c.shape[0]}")
            return c
        return self.from_ints([c])

    # ---- conversions ------------------------------------------------------

    def from_ints(self, values):
        """Element array from Python integers 0 <= x < p (anything else raises)."""
        values = list(values)
        cdef Py_ssize_t n = len(values), i
        p = self.modulus
        for i in range(n):
            x = values[i]
            if isinstance(x, bool) or not hasattr(x, "__index__"):
                raise TypeError(f"values[{i}]: expected an integer, got {type(x).__name__}")
            x = x.__index__()
            if x < 0 or x >= p:
                raise ValueError(f"values[{i}] = {x} is outside [0, {self.name} modulus)")
            values[i] = x
        limbs = np.frombuffer(b"".join([x.to_bytes(32, "little") for x in values]),
                              dtype="<u8").astype(np.uint64).reshape(n, 4)
        return self._to_mont(limbs)

    def from_limbs(self, a):
        """Element array from canonical (not Montgomery) limbs, each checked < p."""
        return self._to_mont(self.check(a, "limbs"))

    def _to_mont(self, a):
        cdef const uint64_t[:, ::1] v = a
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        cdef uint64_t[:, ::1] o = out
        if v.shape[0]:
            with nogil:
                self.ops.to_mont(&o[0, 0], &v[0, 0], v.shape[0])
        return out

    def to_limbs(self, a):
        """Canonical little-endian limbs (not Montgomery) of an element array."""
        a = self._vector(a)
        out = np.empty((a.shape[0], 4), dtype=np.uint64)
        cdef const uint64_t[:, ::1] v = a
        cdef uint64_t[:, ::1] o = out
        cdef int bad = 0
        if v.shape[0]:
            with nogil:
                bad = self.ops.from_mont(&o[0, 0], &v[0, 0], v.shape[0])
        if bad:
            self._raise_noncanonical(a, "a")
        return out

    def to_ints(self, a):
        """Python integers of an element array; a (4,) element gives one int."""
        single = isinstance(a, np.ndarray) and a.ndim == 1
        limbs = self.to_limbs(a)
        raw = limbs.astype("<u8").tobytes()
        ints = [int.from_bytes(raw[32 * i: 32 * i + 32], "little") for i in range(limbs.shape[0])]
        return ints[0] if single else ints

    def from_int64(self, a):
        """Element array from signed int64 values; a negative a maps to p - |a|."""
        if not isinstance(a, np.ndarray):
            raise TypeError(f"a: expected a numpy int64 array, got {type(a).__name__}")
        if a.dtype.kind not in "iu" or a.dtype.itemsize > 8 or a.dtype == np.uint64:
            raise TypeError(f"a: expected a signed integer array of at most 64 bits, got {a.dtype}")
        if a.ndim != 1:
            raise ValueError(f"a: expected a 1-d array, got shape {a.shape}")
        src = np.ascontiguousarray(a, dtype=np.int64)
        out = np.empty((src.shape[0], 4), dtype=np.uint64)
        cdef const int64_t[::1] s = src
        cdef uint64_t[:, ::1] o = out
        if s.shape[0]:
            with nogil:
                self.ops.from_int64(&o[0, 0], &s[0], s.shape[0])
        return out

    def zeros(self, Py_ssize_t n):
        return np.zeros((n, 4), dtype=np.uint64)

    def ones(self, Py_ssize_t n):
        return np.tile(self.from_ints([1]), (n, 1))

    def random(self, Py_ssize_t n, seed=None):
        """n uniform elements from numpy's generator ``seed`` (not for secrets)."""
        rng = np.random.default_rng(seed)
        top_mask = np.uint64((1 << (self.modulus.bit_length() - 192)) - 1)
        limbs = np.empty((n, 4), dtype=np.uint64)
        todo = np.arange(n)
        while todo.size:
            draw = rng.integers(0, 1 << 64, size=(todo.size, 4), dtype=np.uint64)
            draw[:, 3] &= top_mask
            limbs[todo] = draw
            todo = todo[_geq(limbs[todo], self._modulus_limbs)]
        return self._to_mont(limbs)

    # ---- arithmetic -------------------------------------------------------

    def add(self, a, b, out=None):
        """a + b elementwise."""
        a, b = self._pair(a, b)
        out = self._out(out, a.shape[0])
        self._binary(self.ops.add, a, b, out)
        return out

    def sub(self, a, b, out=None):
        """a - b elementwise."""
        a, b = self._pair(a, b)
        out = self._out(out, a.shape[0])
        self._binary(self.ops.sub, a, b, out)
        return out

    def mul(self, a, b, out=None):
        """a · b elementwise."""
        a, b = self._pair(a, b)
        out = self._out(out, a.shape[0])
        self._binary(self.ops.mul, a, b, out)
        return out

    cdef _binary(self, binary_op op, a, b, out):
        cdef const uint64_t[:, ::1] va = a
        cdef const uint64_t[:, ::1] vb = b
        cdef uint64_t[:, ::1] vo = out
        cdef int bad = 0
        if va.shape[0]:
            with nogil:
                bad = op(&vo[0, 0], &va[0, 0], &vb[0, 0], va.shape[0])
        if bad:
            self._blame(a, b)

    def _blame(self, a, b=None):
        self.check(a, "a")
        if b is not None:
            self.check(b, "b")
        raise AssertionError("kernel reported a non-canonical input that check() accepts")

    def neg(self, a, out=None):
        """-a elementwise."""
        return self._unary(self.ops.neg, a, out)

    def square(self, a, out=None):
        """a² elementwise."""
        return self._unary(self.ops.square, a, out)

    cdef _unary(self, unary_op op, a, out):
        a = self._vector(a)
        out = self._out(out, a.shape[0])
        cdef const uint64_t[:, ::1] va = a
        cdef uint64_t[:, ::1] vo = out
        cdef int bad = 0
        if va.shape[0]:
            with nogil:
                bad = op(&vo[0, 0], &va[0, 0], va.shape[0])
        if bad:
            self._blame(a)
        return out

    def pow(self, a, e, out=None):
        """a^e elementwise for a non-negative integer exponent e (any size)."""
        if isinstance(e, bool) or not hasattr(e, "__index__"):
            raise TypeError(f"e: expected an integer exponent, got {type(e).__name__}")
        e = e.__index__()
        if e < 0:
            raise ValueError("e: negative exponents are not supported; use inv first")
        a = self._vector(a)
        out = self._out(out, a.shape[0])
        nlimbs = max(1, (e.bit_length() + 63) // 64)
        exp = np.array([(e >> (64 * i)) & _LIMB_MASK for i in range(nlimbs)], dtype=np.uint64)
        cdef const uint64_t[::1] ve = exp
        cdef const uint64_t[:, ::1] va = a
        cdef uint64_t[:, ::1] vo = out
        cdef int bad = 0
        cdef int nl = nlimbs
        if va.shape[0]:
            with nogil:
                bad = self.ops.pow(&vo[0, 0], &va[0, 0], &ve[0], nl, va.shape[0])
        if bad:
            self._blame(a)
        return out

    def inv(self, a, out=None):
        """1/a elementwise (Montgomery's batch trick); a zero raises, naming its index."""
        a = self._vector(a)
        out = self._out(out, a.shape[0])
        cdef const uint64_t[:, ::1] va = a
        cdef uint64_t[:, ::1] vo = out
        cdef int64_t status = -1
        if va.shape[0]:
            with nogil:
                status = self.ops.inv(&vo[0, 0], &va[0, 0], va.shape[0])
        if status >= 0:
            raise ZeroDivisionError(f"a[{status}] is zero and has no inverse")
        if status < -1:
            raise ValueError(f"a[{-2 - status}] is not a canonical {self.name} element (>= the modulus)")
        return out

    def sum(self, a):
        """Σ a[i], one element of shape (4,)."""
        a = self._vector(a)
        out = np.zeros(4, dtype=np.uint64)
        cdef const uint64_t[:, ::1] va = a
        cdef uint64_t[::1] vo = out
        cdef int bad = 0
        if va.shape[0]:
            with nogil:
                bad = self.ops.sum(&vo[0], &va[0, 0], va.shape[0])
        if bad:
            self._blame(a)
        return out

    def inner(self, a, b):
        """Σ a[i]·b[i], one element of shape (4,)."""
        a, b = self._pair(a, b)
        out = np.zeros(4, dtype=np.uint64)
        cdef const uint64_t[:, ::1] va = a
        cdef const uint64_t[:, ::1] vb = b
        cdef uint64_t[::1] vo = out
        cdef int bad = 0
        if va.shape[0]:
            with nogil:
                bad = self.ops.inner(&vo[0], &va[0, 0], &vb[0, 0], va.shape[0])
        if bad:
            self._blame(a, b)
        return out

    def scale(self, c, v, out=None):
        """c · v[i] for every i; c is one element ((4,) array) or a canonical int."""
        c = self._scalar(c)
        v = self._vector(v, "v")
        out = self._out(out, v.shape[0])
        cdef const uint64_t[:, ::1] vc = c
        cdef const uint64_t[:, ::1] vv = v
        cdef uint64_t[:, ::1] vo = out
        cdef int bad = 0
        if vv.shape[0]:
            with nogil:
                bad = self.ops.scale(&vo[0, 0], &vc[0, 0], &vv[0, 0], vv.shape[0])
        if bad:
            self._blame(v)
        return out

    def equal(self, a, b):
        """Elementwise equality as a bool array of shape (n,)."""
        a, b = self._pair(a, b)
        self.check(a, "a")
        self.check(b, "b")
        out = np.empty(a.shape[0], dtype=np.uint8)
        cdef const uint64_t[:, ::1] va = a
        cdef const uint64_t[:, ::1] vb = b
        cdef uint8_t[::1] vo = out
        if va.shape[0]:
            with nogil:
                self.ops.equal(&vo[0], &va[0, 0], &vb[0, 0], va.shape[0])
        return out.view(np.bool_)


def _limbs_to_int(limbs) -> int:
    return sum(int(x) << (64 * i) for i, x in enumerate(limbs))


def _geq(limbs, modulus):
    """Row mask: limbs (n, 4) >= modulus (4,), compared from the top limb down."""
    result = np.ones(limbs.shape[0], dtype=bool)   # equal so far counts as >=
    decided = np.zeros(limbs.shape[0], dtype=bool)
    for i in (3, 2, 1, 0):
        gt = ~decided & (limbs[:, i] > modulus[i])
        lt = ~decided & (limbs[:, i] < modulus[i])
        result[lt] = False
        decided |= gt | lt
    return result


FR = PrimeField("fr")
FP = PrimeField("fp")


def module_hooks(PrimeField field):
    """``__getattr__`` and ``__dir__`` for a module that exposes ``field``'s public methods as functions."""
    def module_getattr(name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(field, name)

    def module_dir():
        return sorted({"FIELD", "MODULUS"} | {n for n in dir(field) if not n.startswith("_")})
    return module_getattr, module_dir
