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
 *      points and P, -P in one bucket are handled exactly (doubling, infinity);
 *   3. reduce the buckets, sum_b b * B_b, with a running sum in Jacobian form.
 *
 * Windows (and, when there are fewer windows than threads, blocks of points)
 * are independent tasks spread over OpenMP threads; the window sums are then
 * combined by Horner's rule.
 */
#ifndef ATTRIB_MSM_H
#define ATTRIB_MSM_H

#include <stdlib.h>

#include "g1.h"
#include "parallel.h"

#define MSM_BATCH 1024   /* additions sharing one inversion */
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

/* One pending affine addition: dst = a + b (distinct, non-infinity inputs). */
typedef struct {
    const g1_affine_t *a, *b;
    g1_affine_t *dst;
    int dbl;              /* a == b: tangent instead of chord */
} msm_op_t;

typedef struct {
    msm_op_t ops[MSM_BATCH];
    uint64_t den[MSM_BATCH][4];
    uint64_t pre[MSM_BATCH][4];
    int n;
} msm_batch_t;

/* Run the pending additions with one shared inversion. */
static void msm_batch_flush(msm_batch_t *bt) {
    if (!bt->n) return;
    uint64_t acc[4], inv[4], lam[4], t[4], x3[4];
    memcpy(acc, FP_PARAMS.r, 32);
    for (int k = 0; k < bt->n; k++) {
        memcpy(bt->pre[k], acc, 32);
        fp_mul(acc, acc, bt->den[k]);
    }
    fp_inv(inv, acc);
    for (int k = bt->n - 1; k >= 0; k--) {
        msm_op_t *op = &bt->ops[k];
        fp_mul(t, bt->pre[k], inv);          /* 1 / den_k */
        fp_mul(inv, inv, bt->den[k]);
        if (op->dbl) {                       /* lambda = 3 x^2 / 2y */
            fp_sqr(lam, op->a->x);
            fp_dbl(x3, lam);
            fp_add(lam, lam, x3);
        } else {                             /* lambda = (y_b - y_a) / (x_b - x_a) */
            fp_sub(lam, op->b->y, op->a->y);
        }
        fp_mul(lam, lam, t);
        fp_sqr(x3, lam);
        fp_sub(x3, x3, op->a->x);
        fp_sub(x3, x3, op->b->x);
        fp_sub(t, op->a->x, x3);
        fp_mul(t, lam, t);
        fp_sub(op->dst->y, t, op->a->y);
        memcpy(op->dst->x, x3, 32);
    }
    bt->n = 0;
}

/* Schedule dst = a + b, resolving the exceptional cases at once. */
ATTRIB_INLINE void msm_batch_add(msm_batch_t *bt, const g1_affine_t *a, const g1_affine_t *b, g1_affine_t *dst) {
    if (g1_affine_is_inf(a)) { *dst = *b; return; }
    if (g1_affine_is_inf(b)) { *dst = *a; return; }
    msm_op_t *op = &bt->ops[bt->n];
    if (f_eq(a->x, b->x)) {
        if (!f_eq(a->y, b->y)) { memset(dst, 0, sizeof *dst); return; }   /* b = -a */
        op->dbl = 1;
        fp_dbl(bt->den[bt->n], a->y);
    } else {
        op->dbl = 0;
        fp_sub(bt->den[bt->n], b->x, a->x);
    }
    op->a = a;
    op->b = b;
    op->dst = dst;
    if (++bt->n == MSM_BATCH) msm_batch_flush(bt);
}

/* Per-thread working memory, sized for blocks of up to `cap` points. */
typedef struct {
    int64_t cap, nb;
    int64_t *start;          /* nb + 1 segment starts */
    int64_t *len;            /* nb segment lengths */
    int32_t *order;          /* cap entries: point index, sign in the top bit */
    g1_affine_t *cur, *nxt;  /* cap and cap/2 + nb points */
    msm_batch_t *batch;
} msm_scratch_t;

static void msm_scratch_free(msm_scratch_t *s) {
    free(s->start); free(s->len); free(s->order); free(s->cur); free(s->nxt); free(s->batch);
    memset(s, 0, sizeof *s);
}

static int msm_scratch_alloc(msm_scratch_t *s, int64_t cap, int c) {
    s->cap = cap;
    s->nb = (int64_t)1 << (c - 1);
    s->start = malloc((s->nb + 1) * sizeof *s->start);
    s->len = malloc(s->nb * sizeof *s->len);
    s->order = malloc((cap ? cap : 1) * sizeof *s->order);
    s->cur = malloc((cap ? cap : 1) * sizeof *s->cur);
    s->nxt = malloc((cap / 2 + s->nb + 1) * sizeof *s->nxt);
    s->batch = malloc(sizeof *s->batch);
    if (!s->start || !s->len || !s->order || !s->cur || !s->nxt || !s->batch) {
        msm_scratch_free(s);
        return 0;
    }
    return 1;
}

/* Sum over i < count of digit_i * P_i for one window, in Jacobian form. */
static void msm_window_block(g1_jac_t *out, const g1_affine_t *points, const int32_t *digits,
                             int64_t count, msm_scratch_t *s) {
    const int64_t nb = s->nb;
    /* 1. counting sort by bucket |d| - 1 */
    memset(s->len, 0, nb * sizeof *s->len);
    for (int64_t i = 0; i < count; i++) {
        int32_t d = digits[i];
        if (d && !g1_affine_is_inf(&points[i])) s->len[(d < 0 ? -d : d) - 1]++;
    }
    s->start[0] = 0;
    for (int64_t b = 0; b < nb; b++) s->start[b + 1] = s->start[b] + s->len[b];
    int64_t total = s->start[nb];
    memset(s->len, 0, nb * sizeof *s->len);
    for (int64_t i = 0; i < count; i++) {
        int32_t d = digits[i];
        if (!d || g1_affine_is_inf(&points[i])) continue;
        int64_t b = (d < 0 ? -d : d) - 1;
        s->order[s->start[b] + s->len[b]++] = (int32_t)i | (d < 0 ? INT32_MIN : 0);
    }
    /* gather the signed points in bucket order */
    for (int64_t k = 0; k < total; k++) {
        if (k + 8 < total) __builtin_prefetch(&points[s->order[k + 8] & INT32_MAX]);
        int32_t e = s->order[k];
        const g1_affine_t *p = &points[e & INT32_MAX];
        if (e < 0) g1_affine_neg(&s->cur[k], p);
        else s->cur[k] = *p;
    }
    /* 2. pairwise rounds until every bucket holds at most one point */
    g1_affine_t *cur = s->cur, *nxt = s->nxt;
    int64_t longest = 0;
    for (int64_t b = 0; b < nb; b++) if (s->len[b] > longest) longest = s->len[b];
    while (longest > 1) {
        int64_t w = 0;
        longest = 0;
        for (int64_t b = 0; b < nb; b++) {
            int64_t st = s->start[b], L = s->len[b];
            s->start[b] = w;
            for (int64_t j = 0; j + 1 < L; j += 2) msm_batch_add(s->batch, &cur[st + j], &cur[st + j + 1], &nxt[w++]);
            if (L & 1) nxt[w++] = cur[st + L - 1];
            s->len[b] = (L + 1) / 2;
            if (s->len[b] > longest) longest = s->len[b];
        }
        msm_batch_flush(s->batch);
        /* nxt becomes cur; the old cur (capacity cap >= w) is the next target */
        g1_affine_t *t = cur; cur = nxt; nxt = t;
    }
    /* 3. sum_b (b + 1) B_b = sum over b of the running sum of buckets >= b */
    g1_jac_t running, acc;
    g1_jac_set_inf(&running);
    g1_jac_set_inf(&acc);
    for (int64_t b = nb - 1; b >= 0; b--) {
        if (s->len[b]) g1_jac_add_affine(&running, &running, &cur[s->start[b]]);
        g1_jac_add(&acc, &acc, &running);
    }
    *out = acc;
}

/* Window size minimising the estimated field multiplications. */
static int msm_choose_window(int64_t n, int bits) {
    int best = 1;
    double best_cost = 0;
    for (int c = 2; c <= MSM_MAX_WINDOW; c++) {
        int W = (bits + 1 + c - 1) / c;          /* +1: room for the signed carry */
        double cost = (double)W * (7.0 * (double)n + 27.0 * (double)((int64_t)1 << (c - 1)));
        if (best == 1 || cost < best_cost) { best = c; best_cost = cost; }
    }
    return best;
}

/* out = sum_i d(i) P_i with digits laid out as digits[w * n + i]; 0 on
 * success, -1 when memory ran out. */
static int msm_run(g1_affine_t *out, const g1_affine_t *points, const int32_t *digits, int64_t n, int c, int W) {
    int threads = n >= ATTRIB_PAR_MIN ? attrib_max_threads() : 1;
    int64_t blocks = W >= 2 * threads ? 1 : (2 * threads + W - 1) / W;
    if (blocks > n) blocks = n > 0 ? n : 1;
    const int64_t ntasks = (int64_t)W * blocks, cap = (n + blocks - 1) / blocks;
    g1_jac_t *partial = malloc(ntasks * sizeof *partial);
    msm_scratch_t *scratch = calloc(threads, sizeof *scratch);
    int ok = partial && scratch;
    for (int t = 0; ok && t < threads; t++) {
        ok = msm_scratch_alloc(&scratch[t], cap, c);
        if (ok) scratch[t].batch->n = 0;
    }
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
            for (int k = 0; k < c; k++) g1_jac_double(&acc, &acc);
            for (int64_t blk = 0; blk < blocks; blk++) g1_jac_add(&acc, &acc, &partial[w * blocks + blk]);
        }
        g1_jac_to_affine(out, &acc);
    }
    for (int t = 0; scratch && t < threads; t++) msm_scratch_free(&scratch[t]);
    free(scratch);
    free(partial);
    return ok ? 0 : -1;
}

#endif
