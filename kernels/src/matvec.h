/* s = Φ·c over Fr for a small-integer matrix Φ (int16, rows × k) and Fr
 * coefficients c in Montgomery form: the prover's s = Φ q*.
 *
 * Each row accumulates Σ_j |φ_ij|·c_j exactly in 5 limbs, positive and
 * negative terms apart (each product < 2^269, a row of k ≤ 2^15 terms < 2^284),
 * and reduces once.  With c_j = q_j·R mod r the sum V ≡ s_i·R (mod r), so a
 * Montgomery reduction of V gives s_i itself and one Montgomery product with R²
 * gives its Montgomery form: two field operations per row instead of k.
 */
#ifndef ATTRIB_MATVEC_H
#define ATTRIB_MATVEC_H

#include "bn254.h"
#include <stdlib.h>
#include "parallel.h"

#define MATVEC_MAX_COLUMNS (1 << 15)

/* acc (5 limbs) += m·c (m < 2^16, c 4 limbs). */
ATTRIB_INLINE void matvec_mac(uint64_t *acc, uint64_t m, const uint64_t *c) {
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (u128)m * c[i] + acc[i];
        acc[i] = (uint64_t)carry;
        carry >>= 64;
    }
    acc[4] += (uint64_t)carry;
}

/* V·2^-256 mod r for a 5-limb V < r·2^256 (Montgomery reduction), fully reduced. */
ATTRIB_INLINE void matvec_redc(uint64_t *out, const uint64_t *v) {
    const uint64_t *p = FR_PARAMS.p;
    uint64_t t[9] = {v[0], v[1], v[2], v[3], v[4], 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t m = t[i] * FR_PARAMS.inv;
        u128 carry = 0;
        for (int j = 0; j < 4; j++) {
            carry += (u128)m * p[j] + t[i + j];
            t[i + j] = (uint64_t)carry;
            carry >>= 64;
        }
        for (int j = i + 4; j < 9 && carry; j++) {
            carry += t[j];
            t[j] = (uint64_t)carry;
            carry >>= 64;
        }
    }
    /* t[4..8] < 2r: one conditional subtraction */
    uint64_t d[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 x = (u128)t[4 + i] - p[i] - borrow;
        d[i] = (uint64_t)x;
        borrow = (uint64_t)(x >> 64) & 1;
    }
    uint64_t keep = (uint64_t)0 - (borrow & (t[8] == 0));   /* keep t when t < r */
    for (int i = 0; i < 4; i++) out[i] = (t[4 + i] & keep) | (d[i] & ~keep);
}

static void matvec_small_split(uint64_t *out, const int16_t *phi, const uint64_t *c, int64_t rows, int64_t k) {
    ATTRIB_PARALLEL_FOR(rows)
    for (int64_t i = 0; i < rows; i++) {
        uint64_t pos[5] = {0, 0, 0, 0, 0}, neg[5] = {0, 0, 0, 0, 0}, a[4], b[4];
        const int16_t *row = phi + i * k;
        for (int64_t j = 0; j < k; j++) {
            int32_t x = row[j];
            if (x > 0) matvec_mac(pos, (uint64_t)x, c + 4 * j);
            else if (x < 0) matvec_mac(neg, (uint64_t)(-x), c + 4 * j);
        }
        matvec_redc(a, pos);
        matvec_redc(b, neg);
        fr_sub(a, a, b);
        fr_mul(out + 4 * i, a, FR_PARAMS.r2);
    }
}

static void matvec_small(uint64_t *out, const int16_t *phi, const uint64_t *c, int64_t rows, int64_t k) {
    /* A negative entry x adds |x|·(r − c_j) instead of subtracting |x|·c_j: one sum, no branch.
     * Each product < 2^16·r < 2^270 and a row of k ≤ 2^15 of them < 2^285 < r·2^256 (5 limbs). */
    uint64_t *neg = malloc((k ? k : 1) * 32);
    if (!neg) {                              /* (a few hundred bytes; kept as the two-sum loop) */
        matvec_small_split(out, phi, c, rows, k);
        return;
    }
    for (int64_t j = 0; j < k; j++) fr_neg(neg + 4 * j, c + 4 * j);
    ATTRIB_PARALLEL_FOR(rows)
    for (int64_t i = 0; i < rows; i++) {
        uint64_t acc[5] = {0, 0, 0, 0, 0}, a[4];
        const int16_t *row = phi + i * k;
        for (int64_t j = 0; j < k; j++) {
            const int32_t x = row[j];
            const uint64_t m = (uint64_t)(x < 0 ? -x : x);
            matvec_mac(acc, m, (x < 0 ? neg : c) + 4 * j);
        }
        matvec_redc(a, acc);
        fr_mul(out + 4 * i, a, FR_PARAMS.r2);
    }
    free(neg);
}

/* The scaled row sums of groups of rows: out[g][j] = sum over the rows i of group g of
 * scales[i] * phi[i][j], modulo 2^64 (numpy's wrapping int64 arithmetic), with numpy's
 * add.reduceat grouping: group g is rows [starts[g], starts[g + 1]) (the last one runs to
 * `rows`), or row starts[g] alone when starts[g + 1] <= starts[g].  Every start must lie in
 * [0, rows) (the caller checks).  The groups are independent tasks. */
static void matvec_group_sums(int64_t *out, const int16_t *phi, const int64_t *scales, const int64_t *starts,
                              int64_t groups, int64_t rows, int64_t k) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16) if (rows >= ATTRIB_PAR_MIN)
#endif
    for (int64_t g = 0; g < groups; g++) {
        uint64_t *acc = (uint64_t *)(out + g * k);
        const int64_t lo = starts[g];
        int64_t hi = g + 1 < groups ? starts[g + 1] : rows;
        if (hi <= lo) hi = lo + 1;
        for (int64_t j = 0; j < k; j++) acc[j] = 0;
        for (int64_t i = lo; i < hi; i++) {
            const uint64_t sigma = (uint64_t)scales[i];
            const int16_t *row = phi + i * k;
            for (int64_t j = 0; j < k; j++) acc[j] += sigma * (uint64_t)(int64_t)row[j];
        }
    }
}

#endif
