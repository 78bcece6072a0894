/* Multilinear helpers over Fr: eq tables, folding, sum-check round sums.
 *
 * Variable order (shared with the verifier): the evaluation table f of a
 * multilinear polynomial in n variables has f[i] = f(bits of i), where bit k
 * of the index i is the value of variable x_k (little-endian).  Binding x_0
 * first pairs f[2i] (x_0 = 0) with f[2i + 1] (x_0 = 1).
 */
#ifndef ATTRIB_MLE_H
#define ATTRIB_MLE_H

#include "bn254.h"
#include "parallel.h"

#define MLE_MAX_FACTORS 4

/* eq(i, u) = prod_k (bit_k(i) ? u_k : 1 - u_k) for i < 2^n; out has 2^n entries. */
static void mle_eq_table(uint64_t *out, const uint64_t *u, int n) {
    memcpy(out, FR_PARAMS.r, 32);
    for (int k = 0; k < n; k++) {
        const int64_t half = (int64_t)1 << k;
        const uint64_t *uk = u + 4 * k;
        ATTRIB_PARALLEL_FOR(half)
        for (int64_t i = 0; i < half; i++) {
            uint64_t hi[4];
            fr_mul(hi, out + 4 * i, uk);              /* bit k = 1 */
            fr_sub(out + 4 * i, out + 4 * i, hi);     /* bit k = 0: t (1 - u_k) */
            memcpy(out + 4 * (i + half), hi, 32);
        }
    }
}

/* out[i] = f[2i] + r (f[2i+1] - f[2i]) for i < m/2: binds the lowest variable
 * to r.  out may alias f (it only writes below what it has read). */
static void mle_fold(uint64_t *out, const uint64_t *f, const uint64_t *r, int64_t m) {
    const int64_t half = m / 2;
    if (out == f) {
        /* in place: a serial pass is safe, a parallel one would race */
        for (int64_t i = 0; i < half; i++) {
            uint64_t d[4];
            fr_sub(d, f + 8 * i + 4, f + 8 * i);
            fr_mul(d, d, r);
            fr_add(out + 4 * i, f + 8 * i, d);
        }
        return;
    }
    ATTRIB_PARALLEL_FOR(half)
    for (int64_t i = 0; i < half; i++) {
        uint64_t d[4];
        fr_sub(d, f + 8 * i + 4, f + 8 * i);
        fr_mul(d, d, r);
        fr_add(out + 4 * i, f + 8 * i, d);
    }
}

/* Round message of the sum-check for sum_x prod_j f_j(x), nf factors:
 * p(t) = sum_i prod_j (f_j[2i] + t (f_j[2i+1] - f_j[2i])) for t = 0, 2, 3, ..., nf
 * (p(1) is implied by the running claim, so it is not computed): nf values.
 * f holds nf pointers to tables of m entries. */
static void mle_round_evals(uint64_t *evals, const uint64_t *const *f, int nf, int64_t m) {
    const int64_t half = m / 2;
    uint64_t total[MLE_MAX_FACTORS][4];
    memset(total, 0, sizeof total);
    ATTRIB_PARALLEL_REGION(half)
    {
        uint64_t acc[MLE_MAX_FACTORS][4];
        memset(acc, 0, sizeof acc);
        ATTRIB_FOR_NOWAIT
        for (int64_t i = 0; i < half; i++) {
            uint64_t val[MLE_MAX_FACTORS][4], diff[MLE_MAX_FACTORS][4], prod[4];
            for (int j = 0; j < nf; j++) {
                memcpy(val[j], f[j] + 8 * i, 32);
                fr_sub(diff[j], f[j] + 8 * i + 4, f[j] + 8 * i);
            }
            memcpy(prod, val[0], 32);                       /* t = 0 */
            for (int j = 1; j < nf; j++) fr_mul(prod, prod, val[j]);
            fr_add(acc[0], acc[0], prod);
            for (int t = 2; t <= nf; t++) {                  /* t = 2, 3, ...: val = f_even + t diff */
                for (int j = 0; j < nf; j++) {
                    fr_add(val[j], val[j], diff[j]);
                    if (t == 2) fr_add(val[j], val[j], diff[j]);
                }
                memcpy(prod, val[0], 32);
                for (int j = 1; j < nf; j++) fr_mul(prod, prod, val[j]);
                fr_add(acc[t - 1], acc[t - 1], prod);
            }
        }
        ATTRIB_CRITICAL
        for (int t = 0; t < nf; t++) fr_add(total[t], total[t], acc[t]);
    }
    memcpy(evals, total, 32 * nf);
}

#endif
