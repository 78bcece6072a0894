/* Tables over Fr given by small indices into a short table of values (the prover's
 * lookup tables: 16-bit limbs, the sign bit, the slot table), and the one-pass
 * combinations the prover forms from its tables.
 *
 *   gather:      out[i] = values[idx[i]]
 *   gather_add:  acc[i] = acc[i] + values[idx[i]]
 *   scatter_add: bins[v] = sum of w[i] over the i with idx[i] = v
 *   axpy:        acc[i] = acc[i] + c * t[i]
 *
 * A table f[i] = g(idx[i]) then costs one pass and no multiplication: any linear
 * combination sum_k c_k g_k(idx[i]) of functions of one index array is a gather of
 * sum_k c_k g_k (a table of 2^16 entries), and its inner product with w is
 * <sum_k c_k g_k, bins>.  Every index is checked against the table's length; the
 * functions return the first offending position (or -1), with the output
 * unspecified in that case.  Elements are not checked: the callers pass arrays
 * this package made.
 */
#ifndef ATTRIB_LOOKUP_H
#define ATTRIB_LOOKUP_H

#include <stdlib.h>
#include "bn254.h"
#include "parallel.h"

/* The first i < n with idx[i] outside [0, nv), or -1 (serial: only called on failure). */
static int64_t lookup_first_bad(const int64_t *idx, int64_t nv, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if ((uint64_t)idx[i] >= (uint64_t)nv) return i;
    return -1;
}

static int64_t lookup_gather(uint64_t *out, const uint64_t *values, int64_t nv, const int64_t *idx, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        const uint64_t v = (uint64_t)idx[i];
        if (ATTRIB_UNLIKELY(v >= (uint64_t)nv)) { bad = 1; continue; }
        memcpy(out + 4 * i, values + 4 * v, 32);
    }
    return bad ? lookup_first_bad(idx, nv, n) : -1;
}

static int64_t lookup_gather_add(uint64_t *acc, const uint64_t *values, int64_t nv, const int64_t *idx, int64_t n) {
    int bad = 0;
    ATTRIB_PARALLEL_FOR_OR(n, bad)
    for (int64_t i = 0; i < n; i++) {
        const uint64_t v = (uint64_t)idx[i];
        if (ATTRIB_UNLIKELY(v >= (uint64_t)nv)) { bad = 1; continue; }
        fr_add(acc + 4 * i, acc + 4 * i, values + 4 * v);
    }
    return bad ? lookup_first_bad(idx, nv, n) : -1;
}

/* bins (nv elements) = the sums of w by index; w == NULL counts ones (Montgomery 1).
 * Each thread sums its block into bins of its own, which are then added.  Returns
 * -1, the first bad position, or -2 when memory ran out. */
static int64_t lookup_scatter_add(uint64_t *bins, int64_t nv, const uint64_t *w, const int64_t *idx, int64_t n) {
    int bad = 0;
    memset(bins, 0, 32 * (size_t)nv);
    const int threads = n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1;
    uint64_t *own = threads > 1 ? calloc((size_t)(threads - 1) * nv, 32) : NULL;
    if (threads > 1 && !own) return -2;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(| : bad)
#endif
    {
        int64_t lo, hi;
        attrib_thread_block(n, &lo, &hi);
        const int id = attrib_thread_id();
        uint64_t *mine = id == 0 ? bins : own + (size_t)(id - 1) * nv * 4;
        for (int64_t i = lo; i < hi; i++) {
            const uint64_t v = (uint64_t)idx[i];
            if (ATTRIB_UNLIKELY(v >= (uint64_t)nv)) { bad = 1; continue; }
            fr_add(mine + 4 * v, mine + 4 * v, w ? w + 4 * i : FR_PARAMS.r);
        }
    }
    if (own) {
        const int nt = threads;
        ATTRIB_PARALLEL_FOR(nv)
        for (int64_t v = 0; v < nv; v++)
            for (int t = 1; t < nt; t++) fr_add(bins + 4 * v, bins + 4 * v, own + ((size_t)(t - 1) * nv + v) * 4);
        free(own);
    }
    return bad ? lookup_first_bad(idx, nv, n) : -1;
}

#if ATTRIB_HAVE_IFMA
ATTRIB_IFMA_TARGET static void lookup_axpy_ifma(uint64_t *acc, const uint64_t *c, const uint64_t *t, int64_t blocks) {
    __m512i c16[5];
    ifma_broadcast_split16(c16, c);
    ATTRIB_PARALLEL_FOR(8 * blocks)
    for (int64_t k = 0; k < blocks; k++) {
        const ifma_consts_t C = ifma_consts(&FR_PARAMS);
        __m512i lt[4], la[4], r[5], a[5];
        ifma_load8(lt, t + 32 * k);
        ifma_mul_split(r, lt, c16, &C);                   /* c t, below p */
        ifma_load8(la, acc + 32 * k);
        ifma_split_masked(a, la, &C);
        for (int j = 0; j < 5; j++) a[j] = _mm512_add_epi64(a[j], r[j]);
        ifma_reduce_once(a, &C);                          /* below 2p before: one subtraction */
        ifma_join(la, a);
        ifma_store8(acc + 32 * k, la);
    }
}
#endif

/* acc[i] += c t[i] for i < n. */
static void lookup_axpy(uint64_t *acc, const uint64_t *c, const uint64_t *t, int64_t n) {
    int64_t done = 0;
#if ATTRIB_HAVE_IFMA
    if (attrib_use_ifma() && n >= 8) {
        lookup_axpy_ifma(acc, c, t, n / 8);
        done = n / 8 * 8;
    }
#endif
    ATTRIB_PARALLEL_FOR(n - done)
    for (int64_t i = done; i < n; i++) {
        uint64_t p[4];
        fr_mul(p, c, t + 4 * i);
        fr_add(acc + 4 * i, acc + 4 * i, p);
    }
}

#endif
