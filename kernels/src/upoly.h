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

#endif
