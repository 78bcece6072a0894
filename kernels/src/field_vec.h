/* Array kernels for one field, instantiated by bn254.h for Fr and for Fp.
 *
 * Before including, define FIELD_PREFIX (fr / fp) and FIELD_P (a pointer to
 * the field's static const parameters).  Arrays are n consecutive elements of
 * 4 limbs.  Every kernel that reads caller-supplied elements also checks that
 * they are canonical, fused into its loop: it returns 1 if any input is >= p
 * (the output is then unspecified) and 0 otherwise.  Loops split across
 * OpenMP threads once n reaches ATTRIB_PAR_MIN.
 *
 * The kernels made of many independent products (mul, square, scale, inner)
 * run 8 elements at a time with AVX-512 IFMA (field_ifma.h) when the CPU has
 * it, with bit-identical results; the *_portable loops serve everywhere else
 * and take the n % 8 tail of the IFMA loops.
 */
#include "field.h"
#include "field_ifma.h"
#include "parallel.h"

#define FN_CAT2(a, b) a##_##b
#define FN_CAT(a, b) FN_CAT2(a, b)
#define FN(name) FN_CAT(FIELD_PREFIX, name)

/* Scalar operations on this field, for kernels that build on it (G1, MSM). */
ATTRIB_INLINE void FN(add)(uint64_t *r, const uint64_t *a, const uint64_t *b) { f_add(r, a, b, FIELD_P); }
ATTRIB_INLINE void FN(sub)(uint64_t *r, const uint64_t *a, const uint64_t *b) { f_sub(r, a, b, FIELD_P); }
ATTRIB_INLINE void FN(neg)(uint64_t *r, const uint64_t *a) { f_neg(r, a, FIELD_P); }
ATTRIB_INLINE void FN(dbl)(uint64_t *r, const uint64_t *a) { f_double(r, a, FIELD_P); }
ATTRIB_INLINE void FN(mul)(uint64_t *r, const uint64_t *a, const uint64_t *b) { f_mul(r, a, b, FIELD_P); }
ATTRIB_INLINE void FN(sqr)(uint64_t *r, const uint64_t *a) { f_square(r, a, FIELD_P); }
ATTRIB_INLINE void FN(inv)(uint64_t *r, const uint64_t *a) { f_inv(r, a, FIELD_P); }
ATTRIB_INLINE int FN(bad)(const uint64_t *a) {
    return ATTRIB_UNLIKELY(a[3] >= (FIELD_P)->p[3]) && f_geq_modulus(a, FIELD_P);
}

/* Index of the first element >= p, or -1. */
static int64_t FN(vec_first_noncanonical)(const uint64_t *a, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (FN(bad)(a + 4 * i)) return i;
    return -1;
}

#define BINARY_KERNEL(name, op)                                                      \
    static int FN(name)(uint64_t *out, const uint64_t *a, const uint64_t *b, int64_t n) { \
        int bad = 0;                                                                 \
        ATTRIB_PARALLEL_FOR_OR(n, bad)                                               \
        for (int64_t i = 0; i < n; i++) {                                            \
            bad |= FN(bad)(a + 4 * i) | FN(bad)(b + 4 * i);                          \
            op(out + 4 * i, a + 4 * i, b + 4 * i, FIELD_P);                          \
        }                                                                            \
        return bad;                                                                  \
    }

BINARY_KERNEL(vec_add, f_add)
BINARY_KERNEL(vec_sub, f_sub)
#undef BINARY_KERNEL

/* out = a * b elementwise.  The loop tests only the top limbs (a cheap, branch-free OR); the exact
 * check runs afterwards, and only when some top limb reached p's. */
static int FN(vec_mul_portable)(uint64_t *out, const uint64_t *a, const uint64_t *b, int64_t n) {
    uint64_t top = 0;
    const uint64_t p3 = (FIELD_P)->p[3];
#if ATTRIB_HAVE_ADX
    if (attrib_use_adx()) {
        ATTRIB_PARALLEL_FOR_OR(n, top)
        for (int64_t i = 0; i < n; i++) {
            top |= (uint64_t)(a[4 * i + 3] >= p3) | (uint64_t)(b[4 * i + 3] >= p3);
            f_mul_adx(out + 4 * i, a + 4 * i, b + 4 * i, FIELD_P);
        }
    } else
#endif
    {
        ATTRIB_PARALLEL_FOR_OR(n, top)
        for (int64_t i = 0; i < n; i++) {
            top |= (uint64_t)(a[4 * i + 3] >= p3) | (uint64_t)(b[4 * i + 3] >= p3);
            f_mul_int128(out + 4 * i, a + 4 * i, b + 4 * i, FIELD_P);
        }
    }
    if (!top) return 0;
    return FN(vec_first_noncanonical)(a, n) >= 0 || FN(vec_first_noncanonical)(b, n) >= 0;
}

static int FN(vec_neg)(uint64_t *out, const uint64_t *a, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        bad |= FN(bad)(a + 4 * i);
        f_neg(out + 4 * i, a + 4 * i, FIELD_P);
    }
    return bad;
}

static int FN(vec_square_portable)(uint64_t *out, const uint64_t *a, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        bad |= FN(bad)(a + 4 * i);
        f_square(out + 4 * i, a + 4 * i, FIELD_P);
    }
    return bad;
}

/* out[i] = c * v[i]. */
static int FN(vec_scale_portable)(uint64_t *out, const uint64_t *c, const uint64_t *v, int64_t n) {
    int bad = FN(bad)(c);
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        bad |= FN(bad)(v + 4 * i);
        f_mul(out + 4 * i, c, v + 4 * i, FIELD_P);
    }
    return bad;
}

/* out[i] = a[i]^e, e given as `elimbs` little-endian limbs. */
static int FN(vec_pow)(uint64_t *out, const uint64_t *a, const uint64_t *e, int elimbs, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        bad |= FN(bad)(a + 4 * i);
        f_pow(out + 4 * i, a + 4 * i, e, elimbs, FIELD_P);
    }
    return bad;
}

/* Canonical limbs (already checked < p) into Montgomery form. */
static void FN(vec_to_mont)(uint64_t *out, const uint64_t *a, int64_t n) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) f_to_mont(out + 4 * i, a + 4 * i, FIELD_P);
}

static int FN(vec_from_mont)(uint64_t *out, const uint64_t *a, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        bad |= FN(bad)(a + 4 * i);
        f_from_mont(out + 4 * i, a + 4 * i, FIELD_P);
    }
    return bad;
}

/* Signed 64-bit integers into Montgomery form; a negative a maps to p - |a|. */
static void FN(vec_from_int64)(uint64_t *out, const int64_t *a, int64_t n) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        uint64_t mag[4] = {0, 0, 0, 0}, m[4];
        int64_t v = a[i];
        /* |INT64_MIN| = 2^63 still fits in a uint64_t. */
        mag[0] = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        f_to_mont(m, mag, FIELD_P);
        if (v < 0) f_neg(m, m, FIELD_P);
        memcpy(out + 4 * i, m, sizeof m);
    }
}

/* out = sum of a[i]. */
static int FN(vec_sum)(uint64_t *out, const uint64_t *a, int64_t n) {
    uint64_t total[4] = {0, 0, 0, 0};
    int bad = 0;
    ATTRIB_PARALLEL_REGION(n)
    {
        uint64_t acc[4] = {0, 0, 0, 0};
        int my_bad = 0;
        ATTRIB_FOR_NOWAIT
        for (int64_t i = 0; i < n; i++) {
            my_bad |= FN(bad)(a + 4 * i);
            f_add(acc, acc, a + 4 * i, FIELD_P);
        }
        ATTRIB_CRITICAL
        {
            f_add(total, total, acc, FIELD_P);
            bad |= my_bad;
        }
    }
    memcpy(out, total, sizeof total);
    return bad;
}

/* out = sum of a[i] * b[i]. */
static int FN(vec_inner_portable)(uint64_t *out, const uint64_t *a, const uint64_t *b, int64_t n) {
    uint64_t total[4] = {0, 0, 0, 0};
    int bad = 0;
    ATTRIB_PARALLEL_REGION(n)
    {
        uint64_t acc[4] = {0, 0, 0, 0}, t[4];
        int my_bad = 0;
        ATTRIB_FOR_NOWAIT
        for (int64_t i = 0; i < n; i++) {
            my_bad |= FN(bad)(a + 4 * i) | FN(bad)(b + 4 * i);
            f_mul(t, a + 4 * i, b + 4 * i, FIELD_P);
            f_add(acc, acc, t, FIELD_P);
        }
        ATTRIB_CRITICAL
        {
            f_add(total, total, acc, FIELD_P);
            bad |= my_bad;
        }
    }
    memcpy(out, total, sizeof total);
    return bad;
}

#if ATTRIB_HAVE_IFMA
/* The IFMA kernels: OpenMP splits the n / 8 blocks of 8 elements. */
ATTRIB_IFMA_TARGET static int FN(vec_mul_ifma)(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                               int64_t n) {
    const int64_t blocks = n / 8, done = 8 * blocks;
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t k = 0; k < blocks; k++)
        bad |= ifma_mul8(out + 32 * k, a + 32 * k, b + 32 * k, FIELD_P);
    return bad | FN(vec_mul_portable)(out + 4 * done, a + 4 * done, b + 4 * done, n - done);
}

ATTRIB_IFMA_TARGET static int FN(vec_square_ifma)(uint64_t *out, const uint64_t *a, int64_t n) {
    const int64_t blocks = n / 8, done = 8 * blocks;
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t k = 0; k < blocks; k++)
        bad |= ifma_square8(out + 32 * k, a + 32 * k, FIELD_P);
    return bad | FN(vec_square_portable)(out + 4 * done, a + 4 * done, n - done);
}

ATTRIB_IFMA_TARGET static int FN(vec_scale_ifma)(uint64_t *out, const uint64_t *c, const uint64_t *v,
                                                 int64_t n) {
    const int64_t blocks = n / 8, done = 8 * blocks;
    __m512i c16[5];
    ifma_broadcast_split16(c16, c);
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t k = 0; k < blocks; k++)
        bad |= ifma_scale8(out + 32 * k, c16, v + 32 * k, FIELD_P);
    /* The portable tail also checks c. */
    return bad | FN(vec_scale_portable)(out + 4 * done, c, v + 4 * done, n - done);
}

ATTRIB_IFMA_TARGET static int FN(vec_inner_ifma)(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                                 int64_t n) {
    const int64_t blocks = n / 8, done = 8 * blocks;
    uint64_t total[4];
    int bad = FN(vec_inner_portable)(total, a + 4 * done, b + 4 * done, n - done);
    ATTRIB_PARALLEL_REGION(n)
    {
        /* Eight running sums per thread, one per lane, added up at the end. */
        __m512i acc[5];
        uint64_t lanes[32];
        int my_bad = 0;
        for (int j = 0; j < 5; j++) acc[j] = _mm512_setzero_si512();
        ATTRIB_FOR_NOWAIT
        for (int64_t k = 0; k < blocks; k++)
            my_bad |= ifma_mac8(acc, a + 32 * k, b + 32 * k, FIELD_P);
        ifma_store_acc(lanes, acc);
        ATTRIB_CRITICAL
        {
            for (int i = 0; i < 8; i++) f_add(total, total, lanes + 4 * i, FIELD_P);
            bad |= my_bad;
        }
    }
    memcpy(out, total, sizeof total);
    return bad;
}

#define IFMA_DISPATCH(call) \
    if (attrib_use_ifma()) return call
#else
#define IFMA_DISPATCH(call)
#endif

static int FN(vec_mul)(uint64_t *out, const uint64_t *a, const uint64_t *b, int64_t n) {
    IFMA_DISPATCH(FN(vec_mul_ifma)(out, a, b, n));
    return FN(vec_mul_portable)(out, a, b, n);
}

static int FN(vec_square)(uint64_t *out, const uint64_t *a, int64_t n) {
    IFMA_DISPATCH(FN(vec_square_ifma)(out, a, n));
    return FN(vec_square_portable)(out, a, n);
}

static int FN(vec_scale)(uint64_t *out, const uint64_t *c, const uint64_t *v, int64_t n) {
    IFMA_DISPATCH(FN(vec_scale_ifma)(out, c, v, n));
    return FN(vec_scale_portable)(out, c, v, n);
}

static int FN(vec_inner)(uint64_t *out, const uint64_t *a, const uint64_t *b, int64_t n) {
    IFMA_DISPATCH(FN(vec_inner_ifma)(out, a, b, n));
    return FN(vec_inner_portable)(out, a, b, n);
}
#undef IFMA_DISPATCH

/* out[i] = 1 / a[i] by Montgomery's trick, one Fermat inversion per thread's
 * block.  Returns -1 on success, the index of the first zero otherwise, or
 * -2 - i when element i is not canonical (nothing is inverted then). */
static int64_t FN(vec_inv)(uint64_t *out, const uint64_t *a, int64_t n) {
    int64_t first_noncanonical = FN(vec_first_noncanonical)(a, n);
    if (first_noncanonical >= 0) return -2 - first_noncanonical;
    for (int64_t i = 0; i < n; i++)
        if (f_is_zero(a + 4 * i)) return i;
    ATTRIB_PARALLEL_REGION(n)
    {
        int64_t lo, hi;
        attrib_thread_block(n, &lo, &hi);
        if (lo < hi) {
            uint64_t acc[4], inv[4], t[4];
            memcpy(acc, (FIELD_P)->r, sizeof acc);
            for (int64_t i = lo; i < hi; i++) {       /* out[i] = a[lo] ... a[i-1] */
                memcpy(out + 4 * i, acc, sizeof acc);
                f_mul(acc, acc, a + 4 * i, FIELD_P);
            }
            f_inv(inv, acc, FIELD_P);                  /* 1 / (a[lo] ... a[hi-1]) */
            for (int64_t i = hi - 1; i >= lo; i--) {
                f_mul(t, out + 4 * i, inv, FIELD_P);   /* 1 / a[i] */
                f_mul(inv, inv, a + 4 * i, FIELD_P);
                memcpy(out + 4 * i, t, sizeof t);
            }
        }
    }
    return -1;
}

/* eq[i] = (a[i] == b[i]).  Montgomery form is canonical, so limbs compare. */
static void FN(vec_equal)(uint8_t *eq, const uint64_t *a, const uint64_t *b, int64_t n) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) eq[i] = (uint8_t)f_eq(a + 4 * i, b + 4 * i);
}

#undef FN
#undef FN_CAT
#undef FN_CAT2
