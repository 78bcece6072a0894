/* Σ k_i P_i for a few dozen points, as a verifier needs: Straus' interleaving with width-5 NAFs.
 *
 * The bucket MSM (msm.h) is built for thousands of points; at 37 points its fixed costs (a bucket
 * array per window, bucket sums) dominate.  Here every point gets its odd multiples P, 3P, …, 15P
 * (affine, one shared inversion), every scalar its width-5 NAF (digits odd in [-15, 15], at least
 * four zeros after each), and one accumulator is doubled 255 times, adding ±(d)P_i wherever a NAF
 * digit d is non-zero: about 254 doublings + n·(8 + 254/6) mixed additions against the bucket
 * method's (n + 2^c)·254/c.  Exceptional cases (equal or opposite points, infinity) are those of
 * g1_jac_add_affine, which handles them. */
#ifndef ATTRIB_MSM_SMALL_H
#define ATTRIB_MSM_SMALL_H

#include <stdlib.h>
#include "g1.h"

#define MSM_SMALL_W 5
#define MSM_SMALL_TABLE (1 << (MSM_SMALL_W - 2))      /* odd multiples 1, 3, …, 15 */
#define MSM_SMALL_DIGITS 256

/* The width-5 NAF of a canonical scalar k < 2^255 (4 little-endian limbs): digits[0 … 255]. */
static void msm_small_naf(int8_t *digits, const uint64_t *k_in) {
    uint64_t k[5] = {k_in[0], k_in[1], k_in[2], k_in[3], 0};
    memset(digits, 0, MSM_SMALL_DIGITS);
    for (int i = 0; i < MSM_SMALL_DIGITS; i++) {
        if ((k[0] | k[1] | k[2] | k[3] | k[4]) == 0) break;
        if (k[0] & 1) {
            int d = (int)(k[0] & ((1 << MSM_SMALL_W) - 1));
            if (d >= (1 << (MSM_SMALL_W - 1))) d -= 1 << MSM_SMALL_W;
            digits[i] = (int8_t)d;
            /* k -= d */
            if (d > 0) {
                uint64_t borrow = (uint64_t)d;
                for (int j = 0; j < 5 && borrow; j++) {
                    uint64_t old = k[j];
                    k[j] = old - borrow;
                    borrow = old < borrow;
                }
            } else {
                uint64_t carry = (uint64_t)(-d);
                for (int j = 0; j < 5 && carry; j++) {
                    k[j] += carry;
                    carry = k[j] < carry;
                }
            }
        }
        for (int j = 0; j < 4; j++) k[j] = (k[j] >> 1) | (k[j + 1] << 63);   /* k >>= 1 */
        k[4] >>= 1;
    }
}

/* out = Σ scalars[i]·points[i] (scalars canonical, below 2^255; points affine, (0, 0) is infinity).
 * Returns 0, or 1 when out of memory. */
static int g1_msm_small(g1_affine_t *out, const g1_affine_t *points, const uint64_t *scalars, int64_t n) {
    g1_affine_t *table = malloc(sizeof(g1_affine_t) * (size_t)(n * MSM_SMALL_TABLE + 1));
    g1_jac_t *jac = malloc(sizeof(g1_jac_t) * (size_t)(n * MSM_SMALL_TABLE + 1));
    uint64_t (*scratch)[4] = malloc(32 * (size_t)(n * MSM_SMALL_TABLE + 1));
    int8_t *naf = malloc((size_t)(n * MSM_SMALL_DIGITS + 1));
    if (!table || !jac || !scratch || !naf) {
        free(table); free(jac); free(scratch); free(naf);
        return 1;
    }
    for (int64_t i = 0; i < n; i++) {
        g1_jac_t twice;
        g1_jac_from_affine(&jac[i * MSM_SMALL_TABLE], &points[i]);
        g1_jac_double(&twice, &jac[i * MSM_SMALL_TABLE]);
        for (int t = 1; t < MSM_SMALL_TABLE; t++)
            g1_jac_add(&jac[i * MSM_SMALL_TABLE + t], &jac[i * MSM_SMALL_TABLE + t - 1], &twice);
        msm_small_naf(naf + i * MSM_SMALL_DIGITS, scalars + 4 * i);
    }
    g1_batch_to_affine(table, jac, n * MSM_SMALL_TABLE, scratch);
    int top = -1;
    for (int64_t i = 0; i < n; i++)
        for (int b = MSM_SMALL_DIGITS - 1; b > top; b--)
            if (naf[i * MSM_SMALL_DIGITS + b]) { top = b; break; }
    g1_jac_t acc;
    g1_jac_set_inf(&acc);
    for (int b = top; b >= 0; b--) {
        g1_jac_double(&acc, &acc);
        for (int64_t i = 0; i < n; i++) {
            int d = naf[i * MSM_SMALL_DIGITS + b];
            if (!d) continue;
            const g1_affine_t *q = &table[i * MSM_SMALL_TABLE + ((d > 0 ? d : -d) - 1) / 2];
            if (d > 0) {
                g1_jac_add_affine(&acc, &acc, q);
            } else {
                g1_affine_t neg;
                g1_affine_neg(&neg, q);
                g1_jac_add_affine(&acc, &acc, &neg);
            }
        }
    }
    g1_jac_to_affine(out, &acc);
    free(table); free(jac); free(scratch); free(naf);
    return 0;
}

#endif
