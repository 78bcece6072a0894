/* Elementwise G1 array kernels: n affine points of 8 limbs each. */
#ifndef ATTRIB_G1_VEC_H
#define ATTRIB_G1_VEC_H

#include <stdlib.h>

#include "g1.h"
#include "parallel.h"

/* on[i] = 1 when point i is infinity or on the curve. */
static void g1_vec_on_curve(uint8_t *on, const g1_affine_t *a, int64_t n) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) on[i] = (uint8_t)g1_affine_on_curve(&a[i]);
}

static void g1_vec_neg(g1_affine_t *out, const g1_affine_t *a, int64_t n) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) g1_affine_neg(&out[i], &a[i]);
}

/* The Jacobian results of each thread's block go back to affine with one
 * inversion per block. */
#define G1_ELEMENTWISE(name, params, compute)                                          \
    static int name params {                                                            \
        int failed = 0;                                                                 \
        ATTRIB_PARALLEL_REGION(n)                                                       \
        {                                                                               \
            int64_t lo, hi;                                                             \
            attrib_thread_block(n, &lo, &hi);                                           \
            g1_jac_t *jac = malloc((hi - lo + 1) * sizeof *jac);                        \
            uint64_t(*scratch)[4] = malloc((hi - lo + 1) * sizeof *scratch);            \
            if (jac && scratch) {                                                       \
                for (int64_t i = lo; i < hi; i++) { compute; }                          \
                g1_batch_to_affine(out + lo, jac, hi - lo, scratch);                    \
            } else {                                                                    \
                ATTRIB_CRITICAL                                                         \
                failed = 1;                                                             \
            }                                                                           \
            free(jac);                                                                  \
            free(scratch);                                                              \
        }                                                                               \
        return failed ? -1 : 0;                                                         \
    }

G1_ELEMENTWISE(g1_vec_add, (g1_affine_t *out, const g1_affine_t *a, const g1_affine_t *b, int64_t n),
               g1_jac_from_affine(&jac[i - lo], &a[i]);
               g1_jac_add_affine(&jac[i - lo], &jac[i - lo], &b[i]))

G1_ELEMENTWISE(g1_vec_double, (g1_affine_t *out, const g1_affine_t *a, int64_t n),
               g1_jac_from_affine(&jac[i - lo], &a[i]);
               g1_jac_double(&jac[i - lo], &jac[i - lo]))

/* out[i] = k_i P_i with canonical 4-limb scalars. */
G1_ELEMENTWISE(g1_vec_scalar_mul, (g1_affine_t *out, const g1_affine_t *a, const uint64_t *k, int64_t n),
               g1_jac_mul(&jac[i - lo], &a[i], k + 4 * i, 4))

#undef G1_ELEMENTWISE

#endif
