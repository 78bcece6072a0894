/* Univariate helpers over Fr for KZG: power tables and division by (X - x).
 * A polynomial is its coefficient array, lowest degree first. */
#ifndef ATTRIB_UPOLY_H
#define ATTRIB_UPOLY_H

#include "bn254.h"
#include "parallel.h"

/* out[i] = x^i for i < m.  Each thread starts its block from x^lo. */
static void upoly_powers(uint64_t *out, const uint64_t *x, int64_t m) {
    ATTRIB_PARALLEL_REGION(m)
    {
        int64_t lo, hi;
        attrib_thread_block(m, &lo, &hi);
        if (lo < hi) {
            uint64_t acc[4], e = (uint64_t)lo;
            f_pow(acc, x, &e, 1, &FR_PARAMS);
            for (int64_t i = lo; i < hi; i++) {
                memcpy(out + 4 * i, acc, 32);
                fr_mul(acc, acc, x);
            }
        }
    }
}

/* Synthetic division: q(X) = (f(X) - f(x)) / (X - x) for f of m >= 1
 * coefficients; q has m - 1 coefficients; *value = f(x).  Serial: each
 * coefficient depends on the one above it. */
static void upoly_divide_linear(uint64_t *q, uint64_t *value, const uint64_t *f, const uint64_t *x, int64_t m) {
    uint64_t h[4];
    memcpy(h, f + 4 * (m - 1), 32);
    for (int64_t k = m - 1; k >= 1; k--) {
        memcpy(q + 4 * (k - 1), h, 32);          /* q[k-1] = f[k] + x q[k] */
        fr_mul(h, h, x);
        fr_add(h, h, f + 4 * (k - 1));
    }
    memcpy(value, h, 32);                       /* f(x) = f[0] + x q[0] */
}

/* In place: f (m >= 1 coefficients) becomes q = (f(X) - f(x)) / (X - x) in f[0 .. m-2]
 * (f[m-1] is left as it was); *value = f(x). */
static void upoly_divide_linear_inplace(uint64_t *f, uint64_t *value, const uint64_t *x, int64_t m) {
    uint64_t h[4], next[4];
    memcpy(h, f + 4 * (m - 1), 32);
    for (int64_t k = m - 1; k >= 1; k--) {
        memcpy(next, f + 4 * (k - 1), 32);
        memcpy(f + 4 * (k - 1), h, 32);          /* q[k-1] = f[k] + x q[k] */
        fr_mul(h, h, x);
        fr_add(h, h, next);
    }
    memcpy(value, h, 32);
}

/* In place, one pass: f (m >= 3 coefficients) = Z q + rem for the monic cubic
 * Z = (X - a)(X - b)(X - c) = X^3 - e1 X^2 + e2 X - e3.  The quotient's m - 3 coefficients
 * end up in f[3 .. m-1] (q_k at f[k + 3]) and the remainder's three in rem.  Each
 * coefficient q_k = f_{k+3} + e1 q_{k+1} - e2 q_{k+2} + e3 q_{k+3} waits on one product
 * only (e1 q_{k+1}), so the pass is about as fast as one division by a linear factor. */
static void upoly_divide_cubic_inplace(uint64_t *f, uint64_t *rem, const uint64_t *e, int64_t m) {
    const uint64_t *e1 = e, *e2 = e + 4, *e3 = e + 8;
    uint64_t q1[4] = {0, 0, 0, 0}, q2[4] = {0, 0, 0, 0}, q3[4] = {0, 0, 0, 0};   /* q_{k+1}, q_{k+2}, q_{k+3} */
    for (int64_t k = m - 4; k >= 0; k--) {
        uint64_t t[4], u[4], q[4];
        fr_mul(t, e3, q3);
        fr_mul(u, e2, q2);
        fr_sub(t, t, u);
        fr_add(t, t, f + 4 * (k + 3));
        fr_mul(u, e1, q1);
        fr_add(q, t, u);
        memcpy(f + 4 * (k + 3), q, 32);
        memcpy(q3, q2, 32);
        memcpy(q2, q1, 32);
        memcpy(q1, q, 32);
    }
    /* q1, q2, q3 now hold q_0, q_1, q_2 (zero beyond the quotient) */
    uint64_t z[4], u[4];
    fr_mul(z, e3, q1);                            /* (Z q)_0 = -e3 q_0 */
    fr_add(rem, f, z);
    fr_mul(z, e2, q1);                            /* (Z q)_1 = e2 q_0 - e3 q_1 */
    fr_mul(u, e3, q2);
    fr_sub(z, z, u);
    fr_sub(rem + 4, f + 4, z);
    fr_mul(z, e1, q1);                            /* (Z q)_2 = -e1 q_0 + e2 q_1 - e3 q_2 */
    fr_mul(u, e2, q2);
    fr_sub(z, u, z);
    fr_mul(u, e3, q3);
    fr_sub(z, z, u);
    fr_sub(rem + 8, f + 8, z);
}

#endif
