/* The two BN254 fields: Fr (scalars) and Fp (G1 coordinates).
 * Defines fr_* and fp_* scalar and array kernels, and a table of the array
 * kernels per field for the Cython layer to dispatch through. */
#ifndef ATTRIB_BN254_H
#define ATTRIB_BN254_H

#include "bn254_params.h"
#include "field.h"

static const fparams_t FR_PARAMS = {FR_MODULUS, FR_R, FR_R2, FR_INV};
static const fparams_t FP_PARAMS = {FP_MODULUS, FP_R, FP_R2, FP_INV};

#define FIELD_PREFIX fr
#define FIELD_P (&FR_PARAMS)
#include "field_vec.h"
#undef FIELD_PREFIX
#undef FIELD_P

#define FIELD_PREFIX fp
#define FIELD_P (&FP_PARAMS)
#include "field_vec.h"
#undef FIELD_PREFIX
#undef FIELD_P

typedef struct {
    const fparams_t *params;
    int64_t (*first_noncanonical)(const uint64_t *, int64_t);
    int (*add)(uint64_t *, const uint64_t *, const uint64_t *, int64_t);
    int (*sub)(uint64_t *, const uint64_t *, const uint64_t *, int64_t);
    int (*mul)(uint64_t *, const uint64_t *, const uint64_t *, int64_t);
    int (*neg)(uint64_t *, const uint64_t *, int64_t);
    int (*square)(uint64_t *, const uint64_t *, int64_t);
    int (*scale)(uint64_t *, const uint64_t *, const uint64_t *, int64_t);
    int (*pow)(uint64_t *, const uint64_t *, const uint64_t *, int, int64_t);
    void (*to_mont)(uint64_t *, const uint64_t *, int64_t);
    int (*from_mont)(uint64_t *, const uint64_t *, int64_t);
    void (*from_int64)(uint64_t *, const int64_t *, int64_t);
    int (*sum)(uint64_t *, const uint64_t *, int64_t);
    int (*inner)(uint64_t *, const uint64_t *, const uint64_t *, int64_t);
    int64_t (*inv)(uint64_t *, const uint64_t *, int64_t);
    void (*equal)(uint8_t *, const uint64_t *, const uint64_t *, int64_t);
} field_ops_t;

#define FIELD_OPS(pre, P)                                                              \
    {P, pre##_vec_first_noncanonical, pre##_vec_add, pre##_vec_sub, pre##_vec_mul,      \
     pre##_vec_neg, pre##_vec_square, pre##_vec_scale, pre##_vec_pow, pre##_vec_to_mont, \
     pre##_vec_from_mont, pre##_vec_from_int64, pre##_vec_sum, pre##_vec_inner,          \
     pre##_vec_inv, pre##_vec_equal}

static const field_ops_t FR_OPS = FIELD_OPS(fr, &FR_PARAMS);
static const field_ops_t FP_OPS = FIELD_OPS(fp, &FP_PARAMS);
#undef FIELD_OPS

#endif
