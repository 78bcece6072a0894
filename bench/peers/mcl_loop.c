/*
 * Tight C loops around mcl's C API, for benchmarking mcl without Python call overhead.
 *
 * Compiled at bench time by bench/peers/mcl.py (cc -O2 -shared -fPIC) and loaded with
 * ctypes.  It does not include mcl's headers and does not link against mcl: every mcl
 * function arrives as a function pointer taken from the mclbn256 package's ctypes CDLL,
 * so this file builds with nothing but a C compiler.
 *
 * Layouts (mcl built with MCLBN_FP_UNIT_SIZE = MCLBN_FR_UNIT_SIZE = 4, 64-bit units):
 *   mclBnFr = 4 x uint64 (Montgomery form inside mcl)
 *   mclBnFp = 4 x uint64
 *   mclBnG1 = 3 x mclBnFp (Jacobian x, y, z)
 *   mclSize = size_t
 *
 * Every *_loop / *_time function returns the elapsed wall time in seconds
 * (CLOCK_MONOTONIC), measured around the loop only.
 */
#define _POSIX_C_SOURCE 199309L

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

typedef struct { uint64_t d[4]; } fr_t;
typedef struct { uint64_t d[12]; } g1_t;

typedef void (*fr_binop_fn)(fr_t *z, const fr_t *x, const fr_t *y);
typedef void (*fr_clear_fn)(fr_t *x);
typedef int (*fr_set_le_mod_fn)(fr_t *x, const void *buf, size_t size);
typedef size_t (*fr_get_le_fn)(void *buf, size_t max_size, const fr_t *x);
typedef int (*fr_csprng_fn)(fr_t *x);
typedef void (*g1_binop_fn)(g1_t *z, const g1_t *x, const g1_t *y);
typedef void (*g1_unop_fn)(g1_t *y, const g1_t *x);
typedef void (*g1_mulvec_fn)(g1_t *z, g1_t *x, const fr_t *y, size_t n);
typedef void (*g1_mulvec_mt_fn)(g1_t *z, g1_t *x, const fr_t *y, size_t n, size_t cpu_n);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- Fr: filling and reading back ------------------------------------------------- */

/* out[i] <- bytes[32 i .. 32 i + 32) read little-endian, reduced mod r.  Returns the
 * number of elements mcl refused (0 on success). */
int64_t mcl_fr_from_le_bytes(void *fn_set_le_mod, fr_t *out, const uint8_t *bytes, int64_t n)
{
    fr_set_le_mod_fn set = (fr_set_le_mod_fn)fn_set_le_mod;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += set(&out[i], bytes + 32 * i, 32) != 0;
    return bad;
}

/* bytes[32 i .. 32 i + 32) <- out[i] as canonical little-endian.  Returns failures. */
int64_t mcl_fr_to_le_bytes(void *fn_get_le, uint8_t *bytes, const fr_t *in, int64_t n)
{
    fr_get_le_fn get = (fr_get_le_fn)fn_get_le;
    int64_t bad = 0;
    memset(bytes, 0, (size_t)(32 * n));
    for (int64_t i = 0; i < n; i++)
        bad += get(bytes + 32 * i, 32, &in[i]) == 0;
    return bad;
}

/* out[i] <- uniform Fr from mcl's CSPRNG.  Returns failures. */
int64_t mcl_fr_random(void *fn_csprng, fr_t *out, int64_t n)
{
    fr_csprng_fn rnd = (fr_csprng_fn)fn_csprng;
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += rnd(&out[i]) != 0;
    return bad;
}

/* ---- Fr: timed loops ---------------------------------------------------------------- */

/* out[i] = a[i] * b[i] for i < n. */
double mcl_fr_mul_loop(void *fn_mul, fr_t *out, const fr_t *a, const fr_t *b, int64_t n)
{
    fr_binop_fn mul = (fr_binop_fn)fn_mul;
    double t0 = now_s();
    for (int64_t i = 0; i < n; i++)
        mul(&out[i], &a[i], &b[i]);
    return now_s() - t0;
}

/* *out = sum_i a[i] * b[i]: one mul and one add per element. */
double mcl_fr_inner_loop(void *fn_mul, void *fn_add, fr_t *out, const fr_t *a, const fr_t *b,
                         int64_t n)
{
    fr_binop_fn mul = (fr_binop_fn)fn_mul;
    fr_binop_fn add = (fr_binop_fn)fn_add;
    fr_t acc, t;
    double t0 = now_s();
    memset(&acc, 0, sizeof acc); /* zero is all-zero limbs in Montgomery form too */
    for (int64_t i = 0; i < n; i++) {
        mul(&t, &a[i], &b[i]);
        add(&acc, &acc, &t);
    }
    double dt = now_s() - t0;
    *out = acc;
    return dt;
}

/* ---- G1 ------------------------------------------------------------------------------- */

/* Fill out[0..n) with distinct, pseudo-random-looking points in affine (normalized) form:
 * P_0 = start, P_{i+1} = 2 P_i + base.  Cheap (one dbl + one add + one normalize per point)
 * compared with n independent scalar multiplications.  Returns elapsed seconds. */
double mcl_g1_fill_chain(void *fn_dbl, void *fn_add, void *fn_normalize, g1_t *out,
                         const g1_t *start, const g1_t *base, int64_t n)
{
    g1_unop_fn dbl = (g1_unop_fn)fn_dbl;
    g1_binop_fn add = (g1_binop_fn)fn_add;
    g1_unop_fn normalize = (g1_unop_fn)fn_normalize;
    double t0 = now_s();
    g1_t cur = *start;
    for (int64_t i = 0; i < n; i++) {
        normalize(&out[i], &cur);
        dbl(&cur, &cur);
        add(&cur, &cur, base);
    }
    return now_s() - t0;
}

/* *out = sum_i scalars[i] * points[i] with mclBnG1_mulVec (mcl may normalize points in place). */
double mcl_g1_mulvec_time(void *fn_mulvec, g1_t *out, g1_t *points, const fr_t *scalars, int64_t n)
{
    g1_mulvec_fn mulvec = (g1_mulvec_fn)fn_mulvec;
    double t0 = now_s();
    mulvec(out, points, scalars, (size_t)n);
    return now_s() - t0;
}

/* The same with mclBnG1_mulVecMT(..., cpu_n). */
double mcl_g1_mulvec_mt_time(void *fn_mulvec_mt, g1_t *out, g1_t *points, const fr_t *scalars,
                             int64_t n, int64_t cpu_n)
{
    g1_mulvec_mt_fn mulvec = (g1_mulvec_mt_fn)fn_mulvec_mt;
    double t0 = now_s();
    mulvec(out, points, scalars, (size_t)n, (size_t)cpu_n);
    return now_s() - t0;
}
