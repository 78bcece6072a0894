from libc.stdint cimport uint8_t, uint64_t, int64_t

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
