/* Multi-scalar multiplication on G1: the bucket method with signed digits.
 *
 * Scalars are first recoded into W windows of c-bit signed digits d in
 * [-2^(c-1), 2^(c-1)], so a window needs only 2^(c-1) buckets (a negative
 * digit adds the negated point).  For one window and one block of points:
 *
 *   1. counting-sort the (point, digit) pairs by bucket |d|;
 *   2. add up each bucket's points by pairwise rounds: every round halves each
 *      bucket's list, and all additions of a round are independent, so they
 *      run in affine coordinates with one shared inversion per batch
 *      (Montgomery's trick: about 6 multiplications per addition).  Repeated
 *      points and P, -P in one bucket are handled exactly (doubling, infinity).
 *      The first round reads the input points in sorted order directly and
 *      lets the additions apply the digits' signs;
 *   3. reduce the buckets, sum_b b * B_b, with a running sum in Jacobian form.
 *
 * On CPUs with AVX-512 IFMA (unless ATTRIB_NO_IFMA is set) the batches of
 * step 2 run 8 additions at a time and step 3 runs 8 segments of buckets
 * side by side (g1_ifma.h); the results are the same as the portable code's.
 *
 * Windows (and, when there are fewer windows than threads, blocks of points)
 * are independent tasks spread over OpenMP threads; the window sums are then
 * combined by Horner's rule.
 */
#ifndef ATTRIB_MSM_H
#define ATTRIB_MSM_H

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "g1.h"
#include "g1_ifma.h"
#include "parallel.h"

#define MSM_BATCH 4096   /* additions sharing one inversion (a multiple of 8) */
#define MSM_PREFETCH 16  /* points ahead that the first round prefetches */
#define MSM_MAX_WINDOW 22

/* Signed-digit recoding of one scalar given as `nlimbs` little-endian limbs:
 * digits[w * stride] for w < W.  Returns the carry out of the top window,
 * which the caller sized W to make zero. */
ATTRIB_INLINE int msm_recode(int32_t *digits, int64_t stride, const uint64_t *k, int nlimbs, int c, int W) {
    const uint64_t mask = ((uint64_t)1 << c) - 1, half = (uint64_t)1 << (c - 1);
    uint64_t carry = 0;
    for (int w = 0; w < W; w++) {
        int off = w * c, limb = off / 64, shift = off % 64;
        uint64_t raw = 0;
        if (limb < nlimbs) {
            raw = k[limb] >> shift;
            if (shift && limb + 1 < nlimbs) raw |= k[limb + 1] << (64 - shift);
        }
        raw = (raw & mask) + carry;
        if (raw > half) {
            digits[w * stride] = (int32_t)((int64_t)raw - ((int64_t)1 << c));
            carry = 1;
        } else {
            digits[w * stride] = (int32_t)raw;
            carry = 0;
        }
    }
    return (int)carry;
}

/* Digits of canonical 4-limb scalars. */
static void msm_digits_from_limbs(int32_t *digits, const uint64_t *scalars, int64_t n, int c, int W) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) msm_recode(digits + i, n, scalars + 4 * i, 4, c, W);
}

/* Digits of signed 64-bit scalars: the digits of |s|, negated when s < 0. */
static void msm_digits_from_int64(int32_t *digits, const int64_t *scalars, int64_t n, int c, int W) {
    ATTRIB_PARALLEL_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        int64_t s = scalars[i];
        uint64_t mag = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
        msm_recode(digits + i, n, &mag, 1, c, W);
        if (s < 0)
            for (int w = 0; w < W; w++) digits[w * n + i] = -digits[w * n + i];
    }
}

/* Pending affine additions dst[k] = a'[k] + b'[k], run together by
 * msm_batch_flush with one shared inversion, where a' is a[k] or, with
 * G1_ADD_NEG_A in flags[k], -a[k] (b' likewise).  Only chords (x_a != x_b)
 * and tangents (G1_ADD_DBL: a' == b') get here, so no denominator is zero.
 * The IFMA kernel takes the additions 8 at a time: a flush pads them with
 * copies of a harmless chord on the pad points, whose result goes to pad_dst. */
typedef struct {
    const g1_affine_t *a[MSM_BATCH], *b[MSM_BATCH];
    g1_affine_t *dst[MSM_BATCH];
    uint8_t flags[MSM_BATCH];
    int n;
    g1_affine_t pad_a, pad_b, pad_dst;
    union {
        uint64_t portable[MSM_BATCH][2][4];   /* denominator, prefix product */
#if ATTRIB_HAVE_IFMA
        g1_ifma_slot_t ifma[MSM_BATCH / 8];
#endif
    } work;
} msm_batch_t;

static void msm_batch_init(msm_batch_t *bt) {
    bt->n = 0;
    memset(&bt->pad_a, 0, sizeof bt->pad_a);       /* x = 0 */
    memset(&bt->pad_b, 0, sizeof bt->pad_b);
    memcpy(bt->pad_b.x, FP_PARAMS.r, 32);          /* x = 1: the chord's denominator is 1 */
}

/* y of p, negated when `neg` is set. */
ATTRIB_INLINE void msm_signed_y(uint64_t y[4], const g1_affine_t *p, int neg) {
    if (neg) fp_neg(y, p->y);
    else memcpy(y, p->y, 32);
}

/* The portable flush: prefix products of the denominators, one inversion,
 * then the formula per addition on the way back. */
static void msm_batch_flush_portable(msm_batch_t *bt) {
    uint64_t acc[4], inv[4], lam[4], t[4], x3[4], ya[4], yb[4];
    uint64_t (*work)[2][4] = bt->work.portable;
    memcpy(acc, FP_PARAMS.r, 32);
    for (int k = 0; k < bt->n; k++) {
        if (bt->flags[k] & G1_ADD_DBL) {                                /* 2 y_a' */
            msm_signed_y(ya, bt->a[k], bt->flags[k] & G1_ADD_NEG_A);
            fp_dbl(work[k][0], ya);
        } else {
            fp_sub(work[k][0], bt->b[k]->x, bt->a[k]->x);             /* x_b - x_a */
        }
        memcpy(work[k][1], acc, 32);
        fp_mul(acc, acc, work[k][0]);
    }
    fp_inv(inv, acc);
    for (int k = bt->n - 1; k >= 0; k--) {
        const g1_affine_t *a = bt->a[k], *b = bt->b[k];
        msm_signed_y(ya, a, bt->flags[k] & G1_ADD_NEG_A);
        fp_mul(t, work[k][1], inv);          /* 1 / den_k */
        fp_mul(inv, inv, work[k][0]);
        if (bt->flags[k] & G1_ADD_DBL) {     /* lambda = 3 x^2 / 2y */
            fp_sqr(lam, a->x);
            fp_dbl(x3, lam);
            fp_add(lam, lam, x3);
        } else {                             /* lambda = (y_b - y_a) / (x_b - x_a) */
            msm_signed_y(yb, b, bt->flags[k] & G1_ADD_NEG_B);
            fp_sub(lam, yb, ya);
        }
        fp_mul(lam, lam, t);
        fp_sqr(x3, lam);
        fp_sub(x3, x3, a->x);
        fp_sub(x3, x3, b->x);
        fp_sub(t, a->x, x3);
        fp_mul(t, lam, t);
        fp_sub(bt->dst[k]->y, t, ya);
        memcpy(bt->dst[k]->x, x3, 32);
    }
}

/* Run the pending additions. */
static void msm_batch_flush(msm_batch_t *bt) {
    if (!bt->n) return;
#if ATTRIB_HAVE_IFMA
    if (attrib_use_ifma()) {
        while (bt->n % 8) {
            bt->a[bt->n] = &bt->pad_a;
            bt->b[bt->n] = &bt->pad_b;
            bt->dst[bt->n] = &bt->pad_dst;
            bt->flags[bt->n++] = 0;
        }
        g1_ifma_add_batch(bt->dst, bt->a, bt->b, bt->flags, bt->n, bt->work.ifma);
        bt->n = 0;
        return;
    }
#endif
    msm_batch_flush_portable(bt);
    bt->n = 0;
}

/* dst = p, or -p when `neg` is set. */
ATTRIB_INLINE void msm_copy_signed(g1_affine_t *dst, const g1_affine_t *p, int neg) {
    if (neg) g1_affine_neg(dst, p);
    else *dst = *p;
}

/* Schedule dst = a' + b' (a' = -a when neg_a, b' likewise), resolving the
 * exceptional cases at once. */
ATTRIB_INLINE void msm_batch_add(msm_batch_t *bt, const g1_affine_t *a, int neg_a, const g1_affine_t *b,
                                 int neg_b, g1_affine_t *dst) {
    if (g1_affine_is_inf(a)) { msm_copy_signed(dst, b, neg_b); return; }
    if (g1_affine_is_inf(b)) { msm_copy_signed(dst, a, neg_a); return; }
    uint8_t flags = (uint8_t)((neg_a ? G1_ADD_NEG_A : 0) | (neg_b ? G1_ADD_NEG_B : 0));
    if (f_eq(a->x, b->x)) {
        /* On the curve, equal x leaves b' = a' (a tangent) or b' = -a'. */
        uint64_t ya[4], yb[4];
        msm_signed_y(ya, a, neg_a);
        msm_signed_y(yb, b, neg_b);
        if (!f_eq(ya, yb)) { memset(dst, 0, sizeof *dst); return; }
        flags |= G1_ADD_DBL;
    }
    const int k = bt->n;
    bt->a[k] = a;
    bt->b[k] = b;
    bt->dst[k] = dst;
    bt->flags[k] = flags;
    if (++bt->n == MSM_BATCH) msm_batch_flush(bt);
}

/* Per-thread working memory, sized for blocks of up to `cap` points. */
typedef struct {
    int64_t cap, nb;
    int32_t *start;          /* nb + 1 bucket starts (in order, then in sums) */
    int32_t *len;            /* nb bucket sizes (while sorting: fill positions) */
    int32_t *order;          /* cap entries: point index, sign in the top bit */
    g1_affine_t *sums[2];    /* the rounds' outputs: odd rounds in [0], even ones in [1] */
    const g1_affine_t **bucket;  /* nb bucket sums, for the IFMA reduction */
    msm_batch_t *batch;
} msm_scratch_t;

static void msm_scratch_free(msm_scratch_t *s) {
    free(s->start); free(s->len); free(s->order); free(s->sums[0]); free(s->sums[1]); free(s->bucket);
    free(s->batch);
    memset(s, 0, sizeof *s);
}

/* 64-byte aligned memory (a point per cache line); free() releases it.
 * Large allocations are read at random: they are aligned to 2 MiB and, where
 * the system has them, backed by huge pages, which saves most TLB misses. */
static void *msm_alloc_aligned(size_t bytes) {
    const size_t huge = (size_t)1 << 21;
    if (bytes < huge) return aligned_alloc(64, (bytes + 63) / 64 * 64);
    bytes = (bytes + huge - 1) / huge * huge;
    void *p = aligned_alloc(huge, bytes);
#ifdef MADV_HUGEPAGE
    if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static int msm_scratch_alloc(msm_scratch_t *s, int64_t cap, int c) {
    s->cap = cap;
    s->nb = (int64_t)1 << (c - 1);
    s->start = malloc((s->nb + 1) * sizeof *s->start);
    s->len = malloc(s->nb * sizeof *s->len);
    s->order = malloc((cap ? cap : 1) * sizeof *s->order);
    /* A round leaves ceil(L / 2) of a bucket's L points: at most half its
     * input plus nb / 2.  So round k leaves fewer than cap / 2^k + nb points:
     * cap/2 + nb for the odd rounds, cap/4 + nb for the even ones. */
    s->sums[0] = msm_alloc_aligned((cap / 2 + s->nb) * sizeof *s->sums[0]);
    s->sums[1] = msm_alloc_aligned((cap / 4 + s->nb) * sizeof *s->sums[1]);
    s->bucket = malloc(s->nb * sizeof *s->bucket);
    s->batch = msm_alloc_aligned(sizeof *s->batch);
    if (!s->start || !s->len || !s->order || !s->sums[0] || !s->sums[1] || !s->bucket || !s->batch) {
        msm_scratch_free(s);
        return 0;
    }
    return 1;
}

/* Steps 1 and 2 for one window and one block: afterwards bucket b (|d| = b + 1)
 * holds its sum at the returned array's [start[b]] when len[b] is 1 (and is
 * empty when len[b] is 0). */
static const g1_affine_t *msm_bucket_block(const g1_affine_t *points, const int32_t *digits, int64_t count,
                                           msm_scratch_t *s) {
    const int64_t nb = s->nb;
    /* 1. counting sort by bucket |d| - 1 (points at infinity go in as well:
     *    msm_batch_add takes care of them) */
    int32_t *start = s->start, *len = s->len;
    memset(len, 0, nb * sizeof *len);
    for (int64_t i = 0; i < count; i++) {
        int32_t d = digits[i];
        if (d) len[(d < 0 ? -d : d) - 1]++;
    }
    start[0] = 0;
    for (int64_t b = 0; b < nb; b++) {
        start[b + 1] = start[b] + len[b];
        len[b] = start[b];
    }
    const int64_t total = start[nb];
    for (int64_t i = 0; i < count; i++) {
        int32_t d = digits[i];
        if (d) s->order[len[(d < 0 ? -d : d) - 1]++] = (int32_t)i | (d < 0 ? INT32_MIN : 0);
    }
    /* 2. pairwise rounds until every bucket holds at most one point.  The
     *    first round takes its points straight from the input in bucket
     *    order (the additions apply the signs) and copies the odd ones out;
     *    bucket b's entries of order end where its fill position len[b] got. */
    const int32_t *order = s->order;
    g1_affine_t *cur = s->sums[0], *nxt = s->sums[1];
    int64_t w = 0, longest = 0;
    for (int64_t b = 0; b < nb; b++) {
        const int64_t st = start[b], end = len[b];
        start[b] = (int32_t)w;
        for (int64_t k = st; k < end; k += 2) {
            if (k + MSM_PREFETCH + 1 < total) {
                __builtin_prefetch(&points[order[k + MSM_PREFETCH] & INT32_MAX]);
                __builtin_prefetch(&points[order[k + MSM_PREFETCH + 1] & INT32_MAX]);
            }
            const int32_t e = order[k];
            if (k + 1 == end) {
                msm_copy_signed(&cur[w++], &points[e & INT32_MAX], e < 0);
            } else {
                const int32_t f = order[k + 1];
                msm_batch_add(s->batch, &points[e & INT32_MAX], e < 0, &points[f & INT32_MAX], f < 0, &cur[w++]);
            }
        }
        len[b] = (int32_t)((end - st + 1) / 2);
        if (len[b] > longest) longest = len[b];
    }
    msm_batch_flush(s->batch);
    while (longest > 1) {
        w = 0;
        longest = 0;
        for (int64_t b = 0; b < nb; b++) {
            int64_t st = start[b], L = len[b];
            start[b] = (int32_t)w;
            for (int64_t j = 0; j + 1 < L; j += 2) msm_batch_add(s->batch, &cur[st + j], 0, &cur[st + j + 1], 0, &nxt[w++]);
            if (L & 1) nxt[w++] = cur[st + L - 1];
            len[b] = (int32_t)((L + 1) / 2);
            if (len[b] > longest) longest = len[b];
        }
        msm_batch_flush(s->batch);
        g1_affine_t *t = cur; cur = nxt; nxt = t;
    }
    return cur;
}

/* Sum over i < count of digit_i * P_i for one window, in Jacobian form. */
static void msm_window_block(g1_jac_t *out, const g1_affine_t *points, const int32_t *digits,
                             int64_t count, msm_scratch_t *s) {
    const g1_affine_t *cur = msm_bucket_block(points, digits, count, s);
    const int64_t nb = s->nb;
    const int32_t *start = s->start, *len = s->len;
    /* 3. sum_b (b + 1) B_b = sum over b of the running sum of buckets >= b */
#if ATTRIB_HAVE_IFMA
    if (nb >= 8 && attrib_use_ifma()) {
        static const g1_affine_t infinity;
        for (int64_t b = 0; b < nb; b++) s->bucket[b] = len[b] ? &cur[start[b]] : &infinity;
        g1_ifma_bucket_sum(out, s->bucket, nb);
        return;
    }
#endif
    g1_jac_t running, acc;
    g1_jac_set_inf(&running);
    g1_jac_set_inf(&acc);
    for (int64_t b = nb - 1; b >= 0; b--) {
        if (len[b]) g1_jac_add_affine_call(&running, &running, &cur[start[b]]);
        g1_jac_add_call(&acc, &acc, &running);
    }
    *out = acc;
}

/* The blocks of points each window is split into, so that W windows keep
 * every thread busy to the end (each block costs its own bucket reduction,
 * so one thread takes whole windows when there are enough of them). */
static int64_t msm_blocks(int64_t n, int W, int threads) {
    int64_t blocks = threads == 1 || W >= 2 * threads ? 1 : (2 * threads + W - 1) / W;
    return blocks > n ? (n > 0 ? n : 1) : blocks;
}

/* Window size minimising the estimated cost: per window, a cost per point
 * (sorting, gathering, about one affine addition) and, per window and block,
 * one per bucket (the reduction, two Jacobian additions).  The portable code
 * spends about 7 and 27 field multiplications on these; with IFMA the
 * additions are vectorised in both, and measurements put the ratio near 1 : 2.
 * The blocks matter for few windows (small scalars): one 16-bit window split
 * into four blocks reduces 2^15 buckets four times. */
static int msm_choose_window_for(int64_t n, int bits, int threads) {
#if ATTRIB_HAVE_IFMA
    const int ifma = attrib_use_ifma();
#else
    const int ifma = 0;
#endif
    const double per_point = ifma ? 1.0 : 7.0, per_bucket = ifma ? 2.0 : 27.0;
    int best = 1;
    double best_cost = 0;
    for (int c = 2; c <= MSM_MAX_WINDOW; c++) {
        int W = (bits + 1 + c - 1) / c;          /* +1: room for the signed carry */
        double tasks = (double)W * (double)msm_blocks(n, W, threads);
        double cost = (double)W * per_point * (double)n + tasks * per_bucket * (double)((int64_t)1 << (c - 1));
        if (best == 1 || cost < best_cost) { best = c; best_cost = cost; }
    }
    return best;
}

static int msm_choose_window(int64_t n, int bits) {
    return msm_choose_window_for(n, bits, n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1);
}

/* The working memory of the last MSM, kept for the next one: an MSM of 2^20 points needs
 * about 60 MB per thread, and the MSMs of a proof come in series (the fold commitments, W,
 * W'), so reusing it saves mapping and faulting in fresh pages every call.  One MSM at a
 * time uses it (a try-lock: a concurrent MSM allocates its own); it grows to the largest
 * (points, window, threads) seen and msm_release_cache() frees it. */
static int msm_cache_lock;
static msm_scratch_t *msm_cache;
static int msm_cache_threads, msm_cache_c;
static int64_t msm_cache_cap;

static void msm_cache_free(void) {
    for (int t = 0; msm_cache && t < msm_cache_threads; t++) msm_scratch_free(&msm_cache[t]);
    free(msm_cache);
    msm_cache = NULL;
    msm_cache_threads = msm_cache_c = 0;
    msm_cache_cap = 0;
}

/* Scratch for `threads` threads, blocks of up to `cap` points and window c: the cache when
 * it is free (grown if needed, *cached = 1), else fresh memory; NULL when memory ran out. */
static msm_scratch_t *msm_scratch_get(int threads, int64_t cap, int c, int *cached) {
    *cached = !__atomic_test_and_set(&msm_cache_lock, __ATOMIC_ACQUIRE);
    if (*cached) {
        if (!msm_cache || msm_cache_threads < threads || msm_cache_cap < cap || msm_cache_c < c) {
            const int nt = threads > msm_cache_threads ? threads : msm_cache_threads;
            const int64_t ncap = cap > msm_cache_cap ? cap : msm_cache_cap;
            const int nc = c > msm_cache_c ? c : msm_cache_c;
            msm_cache_free();
            msm_scratch_t *fresh = calloc(nt, sizeof *fresh);
            int ok = fresh != NULL;
            for (int t = 0; ok && t < nt; t++) {
                ok = msm_scratch_alloc(&fresh[t], ncap, nc);
                if (ok) msm_batch_init(fresh[t].batch);
            }
            if (!ok) {
                for (int t = 0; fresh && t < nt; t++) msm_scratch_free(&fresh[t]);
                free(fresh);
                __atomic_clear(&msm_cache_lock, __ATOMIC_RELEASE);
                *cached = 0;
                return NULL;
            }
            msm_cache = fresh;
            msm_cache_threads = nt;
            msm_cache_cap = ncap;
            msm_cache_c = nc;
        }
        for (int t = 0; t < threads; t++) msm_cache[t].nb = (int64_t)1 << (c - 1);   /* this call's buckets */
        return msm_cache;
    }
    msm_scratch_t *scratch = calloc(threads, sizeof *scratch);
    int ok = scratch != NULL;
    for (int t = 0; ok && t < threads; t++) {
        ok = msm_scratch_alloc(&scratch[t], cap, c);
        if (ok) msm_batch_init(scratch[t].batch);
    }
    if (!ok) {
        for (int t = 0; scratch && t < threads; t++) msm_scratch_free(&scratch[t]);
        free(scratch);
        return NULL;
    }
    return scratch;
}

static void msm_scratch_put(msm_scratch_t *scratch, int threads, int cached) {
    if (cached) {
        __atomic_clear(&msm_cache_lock, __ATOMIC_RELEASE);
        return;
    }
    for (int t = 0; scratch && t < threads; t++) msm_scratch_free(&scratch[t]);
    free(scratch);
}

/* Free the kept working memory (when no MSM is running: returns 0 if one is). */
static int msm_release_cache(void) {
    if (__atomic_test_and_set(&msm_cache_lock, __ATOMIC_ACQUIRE)) return 0;
    msm_cache_free();
    __atomic_clear(&msm_cache_lock, __ATOMIC_RELEASE);
    return 1;
}

/* out = sum_i d(i) P_i with digits laid out as digits[w * n + i]; 0 on
 * success, -1 when memory ran out. */
static int msm_run(g1_affine_t *out, const g1_affine_t *points, const int32_t *digits, int64_t n, int c, int W) {
    int threads = n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1;
    const int64_t blocks = msm_blocks(n, W, threads);
    const int64_t ntasks = (int64_t)W * blocks, cap = (n + blocks - 1) / blocks;
    g1_jac_t *partial = malloc(ntasks * sizeof *partial);
    /* Every window reads the points in random order: a point that straddles
     * two cache lines costs two misses, so misaligned input is copied once. */
    g1_affine_t *aligned = NULL;
    if ((uintptr_t)points % 64) {
        aligned = msm_alloc_aligned(n * sizeof *aligned);
        if (aligned) {
            ATTRIB_PARALLEL_FOR(n)
            for (int64_t i = 0; i < n; i++) aligned[i] = points[i];
            points = aligned;
        }
    }
    int cached = 0;
    msm_scratch_t *scratch = partial ? msm_scratch_get(threads, cap, c, &cached) : NULL;
    const int ok = partial && scratch;
    if (ok) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
        for (int64_t t = 0; t < ntasks; t++) {
            int64_t w = t / blocks, blk = t % blocks;
            int64_t lo = n * blk / blocks, hi = n * (blk + 1) / blocks;
            msm_window_block(&partial[t], points + lo, digits + w * n + lo, hi - lo,
                             &scratch[attrib_thread_id()]);
        }
        g1_jac_t acc;
        g1_jac_set_inf(&acc);
        for (int64_t w = W - 1; w >= 0; w--) {
            for (int k = 0; k < c; k++) g1_jac_double_call(&acc, &acc);
            for (int64_t blk = 0; blk < blocks; blk++) g1_jac_add_call(&acc, &acc, &partial[w * blocks + blk]);
        }
        g1_jac_to_affine(out, &acc);
    }
    if (scratch) msm_scratch_put(scratch, threads, cached);
    free(partial);
    free(aligned);
    return ok ? 0 : -1;
}

/* The bucket sums of a table of small values: out[b] = sum of the P_i with
 * values[i] == b, for b < nb = 2^(c - 1) (the point at infinity for an empty
 * bucket).  A commitment sum_i f(v_i) P_i of any function f of the values is
 * then sum_b f(b) out[b], an MSM of nb points, whatever n is: the commitments
 * of a lookup argument's limbs and of their helpers 1/(alpha - v) share these
 * sums.  Every value must be in [0, nb) (the caller checks).  The points are
 * split into one block per thread; the blocks' buckets are then added.
 * 0 on success, -1 when memory ran out. */
static int msm_buckets(g1_affine_t *out, const g1_affine_t *points, const int64_t *values, int64_t n, int c) {
    const int64_t nb = (int64_t)1 << (c - 1);
    int threads = n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1;
    if (threads > 2) threads = 2;            /* the blocks' buckets are added pairwise once */
    const int64_t cap = (n + threads - 1) / threads;
    int32_t *digits = malloc((n ? n : 1) * sizeof *digits);
    /* with two blocks, they fill first and second, and out = first + second */
    g1_affine_t *first = threads > 1 ? msm_alloc_aligned(2 * nb * sizeof *first) : NULL;
    g1_affine_t *second = first ? first + nb : NULL;
    msm_scratch_t *scratch = calloc(threads, sizeof *scratch);
    int ok = digits && scratch && (threads == 1 || first);
    for (int t = 0; ok && t < threads; t++) {
        ok = msm_scratch_alloc(&scratch[t], cap, c);
        if (ok) msm_batch_init(scratch[t].batch);
    }
    if (ok) {
        ATTRIB_PARALLEL_FOR(n)
        for (int64_t i = 0; i < n; i++) digits[i] = (int32_t)(values[i] + 1);
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(threads)
#endif
        for (int t = 0; t < threads; t++) {
            const int64_t lo = n * t / threads, hi = n * (t + 1) / threads;
            msm_scratch_t *s = &scratch[t];
            const g1_affine_t *cur = msm_bucket_block(points + lo, digits + lo, hi - lo, s);
            g1_affine_t *dst = threads == 1 ? out : t == 0 ? first : second;
            for (int64_t b = 0; b < nb; b++) {
                if (s->len[b]) dst[b] = cur[s->start[b]];
                else memset(&dst[b], 0, sizeof dst[b]);
            }
        }
        if (threads > 1) {
            for (int64_t b = 0; b < nb; b++) msm_batch_add(scratch[0].batch, &first[b], 0, &second[b], 0, &out[b]);
            msm_batch_flush(scratch[0].batch);
        }
    }
    for (int t = 0; scratch && t < threads; t++) msm_scratch_free(&scratch[t]);
    free(scratch);
    free(first);
    free(digits);
    return ok ? 0 : -1;
}

/* The commitments of the k columns of a row-major int16 matrix (n x k) to the same n
 * points: out[j] = sum_i m[i][j] P_i.  The columns are the tasks, spread over the
 * threads; each runs as one thread's MSM (every window in one block), so a column costs
 * one bucket reduction per window instead of one per window and block.  0 on success,
 * -1 when memory ran out. */
static int msm_columns_int16(g1_affine_t *out, const g1_affine_t *points, const int16_t *m, int64_t n, int64_t k) {
    if (n == 0 || k == 0) {
        memset(out, 0, (size_t)k * sizeof *out);
        return 0;
    }
    int threads = n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1;
    if (threads > k) threads = (int)k;
    /* each column's window (by its largest magnitude), and the largest for the scratch */
    int *window = malloc(k * sizeof *window), *bits = malloc(k * sizeof *bits);
    int16_t *cols = malloc((size_t)n * k * sizeof *cols);         /* the matrix by columns */
    int cmax = 2;
    if (window && bits && cols) {
        int32_t *top = calloc(k, sizeof *top);
        if (!top) {
            free(cols);
            cols = NULL;
        } else {
            const int64_t rb = 256;
            ATTRIB_PARALLEL_FOR(n)
            for (int64_t blk = 0; blk < (n + rb - 1) / rb; blk++) {
                const int64_t lo = blk * rb, hi = lo + rb < n ? lo + rb : n;
                for (int64_t j = 0; j < k; j++)
                    for (int64_t i = lo; i < hi; i++) cols[j * n + i] = m[i * k + j];
            }
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < k; j++) {
                    const int32_t x = m[i * k + j];
                    top[j] |= x < 0 ? -x : x;
                }
            for (int64_t j = 0; j < k; j++) {
                int b = 1;
                while (b < 17 && (top[j] >> b)) b++;
                bits[j] = b;
                window[j] = msm_choose_window_for(n, b, 1);
                if (window[j] > cmax) cmax = window[j];
            }
            free(top);
        }
    }
    int wmax = 1;
    for (int64_t j = 0; window && bits && cols && j < k; j++) {
        const int W = (bits[j] + 1 + window[j] - 1) / window[j];
        if (W > wmax) wmax = W;
    }
    msm_scratch_t *scratch = calloc(threads, sizeof *scratch);
    int32_t *digits = malloc((size_t)threads * wmax * n * sizeof *digits);
    g1_affine_t *aligned = NULL;
    if ((uintptr_t)points % 64) {
        aligned = msm_alloc_aligned(n * sizeof *aligned);
        if (aligned) {
            ATTRIB_PARALLEL_FOR(n)
            for (int64_t i = 0; i < n; i++) aligned[i] = points[i];
            points = aligned;
        }
    }
    int ok = window && bits && cols && scratch && digits;
    for (int t = 0; ok && t < threads; t++) {
        ok = msm_scratch_alloc(&scratch[t], n, cmax);
        if (ok) msm_batch_init(scratch[t].batch);
    }
    if (ok) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
        for (int64_t j = 0; j < k; j++) {
            const int id = attrib_thread_id();
            msm_scratch_t *s = &scratch[id];
            const int c = window[j], W = (bits[j] + 1 + c - 1) / c;
            int32_t *d = digits + (size_t)id * wmax * n;
            const int16_t *col = cols + j * n;
            for (int64_t i = 0; i < n; i++) {
                const int64_t x = col[i];
                const uint64_t mag = x < 0 ? (uint64_t)(-x) : (uint64_t)x;
                msm_recode(d + i, n, &mag, 1, c, W);
                if (x < 0)
                    for (int w = 0; w < W; w++) d[w * n + i] = -d[w * n + i];
            }
            s->nb = (int64_t)1 << (c - 1);
            g1_jac_t acc, part;
            g1_jac_set_inf(&acc);
            for (int w = W - 1; w >= 0; w--) {
                for (int q = 0; q < c; q++) g1_jac_double_call(&acc, &acc);
                msm_window_block(&part, points, d + (int64_t)w * n, n, s);
                g1_jac_add_call(&acc, &acc, &part);
            }
            g1_jac_to_affine(&out[j], &acc);
        }
    }
    for (int t = 0; scratch && t < threads; t++) msm_scratch_free(&scratch[t]);
    free(scratch);
    free(digits);
    free(aligned);
    free(window);
    free(bits);
    free(cols);
    return ok ? 0 : -1;
}

#endif
