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

#if ATTRIB_HAVE_IFMA
/* Pairs 8b .. 8b + 7 of table f as (even, odd) values, normalised 52-bit limbs below p. */
ATTRIB_IFMA_INLINE void mle_ifma_pairs(__m512i even[5], __m512i odd[5], const uint64_t *f, int64_t b,
                                       const ifma_consts_t *C) {
    __m512i la[4], lb[4], le[4], lo[4];
    const __m512i pick_even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i pick_odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
    ifma_load8(la, f + 64 * b);
    ifma_load8(lb, f + 64 * b + 32);
    for (int l = 0; l < 4; l++) {
        le[l] = _mm512_permutex2var_epi64(la[l], pick_even, lb[l]);
        lo[l] = _mm512_permutex2var_epi64(la[l], pick_odd, lb[l]);
    }
    ifma_split_masked(even, le, C);
    ifma_split_masked(odd, lo, C);
}

/* out[i] = f[2i] + r (f[2i+1] - f[2i]) for the pairs of `blocks` blocks of 8, on IFMA. */
ATTRIB_IFMA_TARGET static void mle_fold_ifma(uint64_t *out, const uint64_t *f, const uint64_t *r, int64_t blocks) {
    ifma_consts_t C = ifma_consts(&FR_PARAMS);
    __m512i lr[4], rr[5];
    for (int l = 0; l < 4; l++) lr[l] = _mm512_set1_epi64((long long)r[l]);
    ifma_split_masked(rr, lr, &C);
    ATTRIB_PARALLEL_FOR(8 * blocks)
    for (int64_t b = 0; b < blocks; b++) {
        __m512i even[5], odd[5], t[5], l[4];
        mle_ifma_pairs(even, odd, f, b, &C);
        ifma_sub2p(t, odd, even, &C);
        ifma_mul2p(t, t, rr, &C);
        ifma_add2p(t, t, even, &C);
        ifma_reduce_small(t, 2, &C);
        ifma_join(l, t);
        ifma_store8(out + 32 * b, l);
    }
}
#endif

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
#if ATTRIB_HAVE_IFMA
    if (attrib_use_ifma() && half >= 8) {
        mle_fold_ifma(out, f, r, half / 8);
        for (int64_t i = half / 8 * 8; i < half; i++) {
            uint64_t d[4];
            fr_sub(d, f + 8 * i + 4, f + 8 * i);
            fr_mul(d, d, r);
            fr_add(out + 4 * i, f + 8 * i, d);
        }
        return;
    }
#endif
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

/* ---- one round of a sum of products, every term in one pass ----------------
 *
 * For tables f_0..f_{nt-1} of m entries and terms k (a list of table indices
 * each), sums[k][d] = sum_i prod_{j in term k} (f_j[2i] + t_d (f_j[2i+1] - f_j[2i]))
 * at t_0 = 0 and t_d = d + 1 (d = 1 .. degree - 1): the round message of
 * sum_x sum_k c_k prod_j f_j(x) is then sum_k c_k sums[k][d], which the caller
 * forms.  Each table is read once per round however many terms share it, and
 * a term with fewer factors than `degree` costs only its own products (no
 * multiplying by tables of ones).
 *
 * With AVX-512 IFMA, 8 pairs run side by side, every value in 52-bit limbs
 * kept below 2p (field_ifma.h's "values below 2p"): two loads of 8 elements
 * hold 8 (even, odd) pairs, which two permutations separate.  Inputs must be
 * canonical (the Cython layer checks).  Results are the same as the portable
 * loop's. */

#define MLE_MAX_TABLES 32
#define MLE_MAX_TERMS 32
#define MLE_MAX_DEGREE 8

/* The portable loop over pairs [lo, hi); adds into acc[k * degree + d]. */
static void mle_round_terms_portable(uint64_t (*acc)[4], const uint64_t *const *f, int nt, const int32_t *tstart,
                                     const int32_t *tidx, int nterms, int degree, int64_t lo, int64_t hi) {
    uint64_t val[MLE_MAX_TABLES][MLE_MAX_DEGREE][4], prod[4], diff[4];
    for (int64_t i = lo; i < hi; i++) {
        for (int j = 0; j < nt; j++) {
            const uint64_t *e = f[j] + 8 * i, *o = e + 4;
            memcpy(val[j][0], e, 32);
            if (degree > 1) {
                fr_sub(diff, o, e);
                fr_add(val[j][1], o, diff);                   /* t = 2 */
                for (int d = 2; d < degree; d++) fr_add(val[j][d], val[j][d - 1], diff);
            }
        }
        for (int k = 0; k < nterms; k++) {
            for (int d = 0; d < degree; d++) {
                memcpy(prod, val[tidx[tstart[k]]][d], 32);
                for (int q = tstart[k] + 1; q < tstart[k + 1]; q++) fr_mul(prod, prod, val[tidx[q]][d]);
                fr_add(acc[k * degree + d], acc[k * degree + d], prod);
            }
        }
    }
}

#if ATTRIB_HAVE_IFMA
/* Lane sums of a value below 2p (normalised 52-bit limbs) into one canonical element. */
ATTRIB_IFMA_INLINE void mle_ifma_lane_sum(uint64_t out[4], const __m512i v[5], const ifma_consts_t *C) {
    __m512i t[5], l[4];
    uint64_t lanes[32];
    for (int j = 0; j < 5; j++) t[j] = v[j];
    ifma_reduce_small(t, 2, C);
    ifma_join(l, t);
    ifma_store8(lanes, l);
    memset(out, 0, 32);
    for (int i = 0; i < 8; i++) fr_add(out, out, lanes + 4 * i);
}

/* One block b of 8 pairs of every table: adds each term's products at t_0 .. t_{degree-1}
 * into sum (52-bit limbs, values below 2p); val is scratch for nt * degree values. */
ATTRIB_IFMA_INLINE void mle_terms_ifma_block(__m512i (*sum)[5], __m512i (*val)[5], const uint64_t *const *f, int nt,
                                             const int32_t *tstart, const int32_t *tidx, int nterms, int degree,
                                             int64_t b, const ifma_consts_t *C) {
    for (int j = 0; j < nt; j++) {
        __m512i *v = val[j * degree], odd[5], diff[5];
        mle_ifma_pairs(v, odd, f[j], b, C);
        if (degree > 1) {
            ifma_sub2p(diff, odd, v, C);
            ifma_add2p(val[j * degree + 1], odd, diff, C);        /* t = 2 */
            for (int d = 2; d < degree; d++) ifma_add2p(val[j * degree + d], val[j * degree + d - 1], diff, C);
        }
    }
    for (int k = 0; k < nterms; k++) {
        for (int d = 0; d < degree; d++) {
            __m512i prod[5];
            const __m512i *first = val[tidx[tstart[k]] * degree + d];
            if (tstart[k + 1] - tstart[k] == 1) {
                ifma_add2p(sum[k * degree + d], sum[k * degree + d], first, C);
                continue;
            }
            ifma_mul2p(prod, first, val[tidx[tstart[k] + 1] * degree + d], C);
            for (int q = tstart[k] + 2; q < tstart[k + 1]; q++) ifma_mul2p(prod, prod, val[tidx[q] * degree + d], C);
            ifma_add2p(sum[k * degree + d], sum[k * degree + d], prod, C);
        }
    }
}

/* The lane sums of sum (cells entries) added into acc. */
ATTRIB_IFMA_INLINE void mle_terms_ifma_finish(uint64_t (*acc)[4], __m512i (*sum)[5], int cells, const ifma_consts_t *C) {
    for (int c = 0; c < cells; c++) {
        uint64_t lane_total[4];
        mle_ifma_lane_sum(lane_total, sum[c], C);
        fr_add(acc[c], acc[c], lane_total);
    }
}

/* The IFMA loop over blocks [lo, hi) of 8 pairs; adds into acc[k * degree + d]. */
ATTRIB_IFMA_TARGET static void mle_round_terms_ifma(uint64_t (*acc)[4], const uint64_t *const *f, int nt,
                                                    const int32_t *tstart, const int32_t *tidx, int nterms,
                                                    int degree, int64_t lo, int64_t hi, __m512i (*val)[5],
                                                    __m512i (*sum)[5]) {
    ifma_consts_t C = ifma_consts(&FR_PARAMS);
    ifma_consts_opaque(&C);
    const int cells = nterms * degree;
    for (int c = 0; c < cells; c++)
        for (int l = 0; l < 5; l++) sum[c][l] = _mm512_setzero_si512();
    for (int64_t b = lo; b < hi; b++) mle_terms_ifma_block(sum, val, f, nt, tstart, tidx, nterms, degree, b, &C);
    mle_terms_ifma_finish(acc, sum, cells, &C);
}

/* out[i] = f[2i] + r (f[2i+1] - f[2i]) for the blocks [lo, hi) of 8 outputs, serially
 * (rr: r in 52-bit limbs); the same values as mle_fold_ifma. */
ATTRIB_IFMA_INLINE void mle_fold_ifma_blocks(uint64_t *out, const uint64_t *f, const __m512i rr[5], int64_t lo,
                                             int64_t hi, const ifma_consts_t *C) {
    for (int64_t b = lo; b < hi; b++) {
        __m512i even[5], odd[5], t[5], l[4];
        mle_ifma_pairs(even, odd, f, b, C);
        ifma_sub2p(t, odd, even, C);
        ifma_mul2p(t, t, rr, C);
        ifma_add2p(t, t, even, C);
        ifma_reduce_small(t, 2, C);
        ifma_join(l, t);
        ifma_store8(out + 32 * b, l);
    }
}
#endif

/* sums (nterms * degree elements, term-major) as described above; 0 on success, -1 when
 * memory ran out.  The caller keeps nt <= MLE_MAX_TABLES, nterms <= MLE_MAX_TERMS,
 * 1 <= degree <= MLE_MAX_DEGREE and m >= 2 a power of two. */
static int mle_round_terms(uint64_t *sums, const uint64_t *const *f, int nt, const int32_t *tstart,
                           const int32_t *tidx, int nterms, int degree, int64_t m) {
    const int64_t half = m / 2;
    const int cells = nterms * degree;
    int failed = 0;
    memset(sums, 0, 32 * (size_t)cells);
    ATTRIB_PARALLEL_REGION(half)
    {
        uint64_t (*acc)[4] = calloc(cells, 32);
        int64_t lo, hi;
        attrib_thread_block(half, &lo, &hi);
        if (!acc) {
            ATTRIB_CRITICAL
            failed = 1;
        } else {
#if ATTRIB_HAVE_IFMA
            if (attrib_use_ifma() && hi - lo >= 8) {
                /* whole blocks of 8 pairs on IFMA, the thread's last few pairs on the portable loop */
                __m512i (*val)[5] = aligned_alloc(64, (size_t)nt * degree * sizeof *val);
                __m512i (*sum)[5] = aligned_alloc(64, (size_t)cells * sizeof *sum);
                if (val && sum) {
                    const int64_t blocks = (hi - lo) / 8;
                    /* block b of the kernel covers pairs 8b.., so shift the tables to lo */
                    const uint64_t *shifted[MLE_MAX_TABLES];
                    for (int j = 0; j < nt; j++) shifted[j] = f[j] + 8 * lo;
                    mle_round_terms_ifma(acc, shifted, nt, tstart, tidx, nterms, degree, 0, blocks, val, sum);
                    lo += 8 * blocks;
                }                  /* (without the memory, the portable loop takes every pair) */
                free(val);
                free(sum);
            }
#endif
            mle_round_terms_portable(acc, f, nt, tstart, tidx, nterms, degree, lo, hi);
            ATTRIB_CRITICAL
            for (int c = 0; c < cells; c++) fr_add(sums + 4 * c, sums + 4 * c, acc[c]);
            free(acc);
        }
    }
    return failed ? -1 : 0;
}

/* ---- tables given by a source ------------------------------------------------
 *
 * A table the round kernels read may be an array or a rule that makes its entries
 * from a short table of values: values[idx[x]] (a gather), values[x mod nv] (a tile),
 * values[x / count] (a repeat).  The kernels read a chunk of each table at a time
 * (into scratch, for a rule), so a table that is a rule is never made whole. */

enum { MLE_DENSE = 0, MLE_GATHER = 1, MLE_TILE = 2, MLE_REPEAT = 3 };

typedef struct {
    int kind;
    const uint64_t *values;     /* the table (dense) or its values */
    const int64_t *idx;         /* gather: the indices */
    int64_t nv;                 /* entries of values */
    int64_t count;              /* repeat: entries per value */
} mle_source_t;

/* Entries [lo, hi) of the table: a pointer into it (dense) or into scratch, filled (a rule);
 * NULL when a gather's index is outside [0, nv). */
static inline const uint64_t *mle_source_read(const mle_source_t *s, uint64_t *scratch, int64_t lo, int64_t hi) {
    if (s->kind == MLE_DENSE) return s->values + 4 * lo;
    uint64_t *d = scratch;
    if (s->kind == MLE_GATHER) {
        for (int64_t x = lo; x < hi; x++, d += 4) {
            const uint64_t v = (uint64_t)s->idx[x];
            if (ATTRIB_UNLIKELY(v >= (uint64_t)s->nv)) return NULL;
            memcpy(d, s->values + 4 * v, 32);
        }
    } else if (s->kind == MLE_TILE) {
        for (int64_t x = lo; x < hi; x++, d += 4) memcpy(d, s->values + 4 * (x % s->nv), 32);
    } else {
        for (int64_t x = lo; x < hi; x++, d += 4) memcpy(d, s->values + 4 * (x / s->count), 32);
    }
    return scratch;
}

#define MLE_CHUNK 128    /* pairs per chunk: a multiple of 8 */

/* Per-thread memory of the chunked kernels; NULL members when not needed. */
typedef struct {
    uint64_t (*acc)[4];
    uint64_t *scratch;          /* nt tables of `per` entries, for the rules */
#if ATTRIB_HAVE_IFMA
    __m512i (*val)[5], (*sum)[5];
#endif
} mle_work_t;

static void mle_work_free(mle_work_t *w) {
    free(w->acc);
    free(w->scratch);
#if ATTRIB_HAVE_IFMA
    free(w->val);
    free(w->sum);
#endif
}

/* 1 on success.  `per`: the entries of one table a chunk reads; ifma: the vector scratch too. */
static int mle_work_alloc(mle_work_t *w, const mle_source_t *src, int nt, int cells, int degree, int64_t per,
                          int ifma) {
    memset(w, 0, sizeof *w);
    int rules = 0;
    for (int j = 0; j < nt; j++) rules |= src[j].kind != MLE_DENSE;
    w->acc = calloc(cells, 32);
    if (rules) w->scratch = malloc((size_t)nt * per * 32);
#if ATTRIB_HAVE_IFMA
    if (ifma) {
        w->val = aligned_alloc(64, (size_t)nt * degree * sizeof *w->val);
        w->sum = aligned_alloc(64, (size_t)cells * sizeof *w->sum);
    }
    const int vec_ok = !ifma || (w->val && w->sum);
#else
    (void)ifma; (void)degree;
    const int vec_ok = 1;
#endif
    if (!w->acc || (rules && !w->scratch) || !vec_ok) {
        mle_work_free(w);
        return 0;
    }
    return 1;
}

#if ATTRIB_HAVE_IFMA
/* The IFMA steps of the chunked kernels, each with its own constants (cheap to rebuild). */
ATTRIB_IFMA_TARGET static void mle_sum_zero_ifma(__m512i (*sum)[5], int cells) {
    for (int c = 0; c < cells; c++)
        for (int l = 0; l < 5; l++) sum[c][l] = _mm512_setzero_si512();
}

/* The terms of the blocks [b0, b1) of 8 pairs of the tables f, added into sum. */
ATTRIB_IFMA_TARGET static void mle_terms_chunk_ifma(__m512i (*sum)[5], __m512i (*val)[5], const uint64_t *const *f,
                                                    int nt, const int32_t *tstart, const int32_t *tidx, int nterms,
                                                    int degree, int64_t b0, int64_t b1) {
    ifma_consts_t C = ifma_consts(&FR_PARAMS);
    ifma_consts_opaque(&C);
    for (int64_t b = b0; b < b1; b++) mle_terms_ifma_block(sum, val, f, nt, tstart, tidx, nterms, degree, b, &C);
}

/* out[i] = f[2i] + r (f[2i+1] - f[2i]) for the first 8 * blocks outputs. */
ATTRIB_IFMA_TARGET static void mle_fold_chunk_ifma(uint64_t *out, const uint64_t *f, const uint64_t *r, int64_t blocks) {
    ifma_consts_t C = ifma_consts(&FR_PARAMS);
    __m512i lr[4], rr[5];
    for (int l = 0; l < 4; l++) lr[l] = _mm512_set1_epi64((long long)r[l]);
    ifma_split_masked(rr, lr, &C);
    mle_fold_ifma_blocks(out, f, rr, 0, blocks, &C);
}

ATTRIB_IFMA_TARGET static void mle_finish_ifma(uint64_t (*acc)[4], __m512i (*sum)[5], int cells) {
    ifma_consts_t C = ifma_consts(&FR_PARAMS);
    mle_terms_ifma_finish(acc, sum, cells, &C);
}
#endif

/* mle_round_terms on sources: 0 on success, -1 when memory ran out, -2 for an index out of range. */
static int mle_round_terms_src(uint64_t *sums, const mle_source_t *src, int nt, const int32_t *tstart,
                               const int32_t *tidx, int nterms, int degree, int64_t m) {
    const int64_t pairs = m / 2;
    const int cells = nterms * degree;
    int failed = 0, bad = 0;
    memset(sums, 0, 32 * (size_t)cells);
#if ATTRIB_HAVE_IFMA
    const int ifma = attrib_use_ifma() && pairs % 8 == 0;
#else
    const int ifma = 0;
#endif
    ATTRIB_PARALLEL_REGION(pairs)
    {
        mle_work_t w;
        int64_t lo, hi;
        if (ifma) {
            attrib_thread_block(pairs / 8, &lo, &hi);
            lo *= 8;
            hi *= 8;
        } else {
            attrib_thread_block(pairs, &lo, &hi);
        }
        if (!mle_work_alloc(&w, src, nt, cells, degree, 2 * MLE_CHUNK, ifma)) {
            ATTRIB_CRITICAL
            failed = 1;
        } else {
            const uint64_t *f[MLE_MAX_TABLES];
            int my_bad = 0;
#if ATTRIB_HAVE_IFMA
            if (ifma) mle_sum_zero_ifma(w.sum, cells);
#endif
            for (int64_t c0 = lo; c0 < hi && !my_bad; c0 += MLE_CHUNK) {
                const int64_t c1 = c0 + MLE_CHUNK < hi ? c0 + MLE_CHUNK : hi;
                for (int j = 0; j < nt && !my_bad; j++) {
                    f[j] = mle_source_read(&src[j], w.scratch + (size_t)j * 2 * MLE_CHUNK * 4, 2 * c0, 2 * c1);
                    my_bad = f[j] == NULL;
                }
                if (my_bad) break;
#if ATTRIB_HAVE_IFMA
                if (ifma) {
                    mle_terms_chunk_ifma(w.sum, w.val, f, nt, tstart, tidx, nterms, degree, 0, (c1 - c0) / 8);
                    continue;
                }
#endif
                mle_round_terms_portable(w.acc, f, nt, tstart, tidx, nterms, degree, 0, c1 - c0);
            }
#if ATTRIB_HAVE_IFMA
            if (ifma) mle_finish_ifma(w.acc, w.sum, cells);
#endif
            ATTRIB_CRITICAL
            {
                for (int c = 0; c < cells; c++) fr_add(sums + 4 * c, sums + 4 * c, w.acc[c]);
                bad |= my_bad;
            }
            mle_work_free(&w);
        }
    }
    return failed ? -1 : bad ? -2 : 0;
}

/* ---- a fold and the next round's sums in one pass ----------------------------
 *
 * out_j[i] = f_j[2i] + r (f_j[2i+1] - f_j[2i]) for i < m/2 (every table j, m >= 4), and
 * sums exactly as mle_round_terms would compute them on the tables out_j: the sum-check
 * binds a variable and forms the next message without reading the folded tables back
 * from memory.  Each thread takes a range of the next round's pairs and goes through it
 * by chunks: it reads a chunk of every table and folds it, then sums the folded chunk
 * while it is in cache.  out_j must not overlap any table.  0 on success, -1 when memory
 * ran out, -2 for a gather's index out of range. */

/* out[i] for i in [lo, hi), portable. */
static inline void mle_fold_range(uint64_t *out, const uint64_t *f, const uint64_t *r, int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) {
        uint64_t d[4];
        fr_sub(d, f + 8 * i + 4, f + 8 * i);
        fr_mul(d, d, r);
        fr_add(out + 4 * i, f + 8 * i, d);
    }
}

static int mle_fold_round_terms(uint64_t *sums, uint64_t *const *out, const mle_source_t *src, int nt,
                                const uint64_t *r, const int32_t *tstart, const int32_t *tidx, int nterms,
                                int degree, int64_t m) {
    const int64_t pairs = m / 4;               /* pairs of the folded tables */
    const int cells = nterms * degree;
    int failed = 0, bad = 0;
    memset(sums, 0, 32 * (size_t)cells);
#if ATTRIB_HAVE_IFMA
    const int ifma = attrib_use_ifma() && pairs % 8 == 0;
#else
    const int ifma = 0;
#endif
    ATTRIB_PARALLEL_REGION(pairs)
    {
        mle_work_t w;
        int64_t lo, hi;
        if (ifma) {
            attrib_thread_block(pairs / 8, &lo, &hi);
            lo *= 8;
            hi *= 8;
        } else {
            attrib_thread_block(pairs, &lo, &hi);
        }
        if (!mle_work_alloc(&w, src, nt, cells, degree, 4 * MLE_CHUNK, ifma)) {
            ATTRIB_CRITICAL
            failed = 1;
        } else {
            const uint64_t *f[MLE_MAX_TABLES], *folded[MLE_MAX_TABLES];
            int my_bad = 0;
            for (int j = 0; j < nt; j++) folded[j] = out[j];
#if ATTRIB_HAVE_IFMA
            if (ifma) mle_sum_zero_ifma(w.sum, cells);
#endif
            for (int64_t c0 = lo; c0 < hi && !my_bad; c0 += MLE_CHUNK) {
                const int64_t c1 = c0 + MLE_CHUNK < hi ? c0 + MLE_CHUNK : hi;
                for (int j = 0; j < nt && !my_bad; j++) {
                    f[j] = mle_source_read(&src[j], w.scratch + (size_t)j * 4 * MLE_CHUNK * 4, 4 * c0, 4 * c1);
                    my_bad = f[j] == NULL;
                }
                if (my_bad) break;
#if ATTRIB_HAVE_IFMA
                if (ifma) {
                    /* folded pairs 8b'.. are folded outputs 16b'..: fold blocks 2b', 2b' + 1 */
                    for (int j = 0; j < nt; j++) mle_fold_chunk_ifma(out[j] + 8 * c0, f[j], r, 2 * (c1 - c0) / 8);
                    mle_terms_chunk_ifma(w.sum, w.val, folded, nt, tstart, tidx, nterms, degree, c0 / 8, c1 / 8);
                    continue;
                }
#endif
                for (int j = 0; j < nt; j++) mle_fold_range(out[j] + 8 * c0, f[j], r, 0, 2 * (c1 - c0));
                mle_round_terms_portable(w.acc, folded, nt, tstart, tidx, nterms, degree, c0, c1);
            }
#if ATTRIB_HAVE_IFMA
            if (ifma) mle_finish_ifma(w.acc, w.sum, cells);
#endif
            ATTRIB_CRITICAL
            {
                for (int c = 0; c < cells; c++) fr_add(sums + 4 * c, sums + 4 * c, w.acc[c]);
                bad |= my_bad;
            }
            mle_work_free(&w);
        }
    }
    return failed ? -1 : bad ? -2 : 0;
}

#endif
