/* Batches of affine G1 additions, 8 at a time with AVX-512 IFMA, and the
 * Jacobian bucket reduction of the MSM.
 *
 * g1_ifma_add_batch is the kernel behind the MSM's bucket accumulation
 * (msm.h): n independent additions dst_k = a_k' + b_k', where a_k' is a_k or
 * -a_k (b_k' likewise), each either a chord (x_a != x_b) or a tangent
 * (a_k' = b_k', y != 0), so that every denominator is nonzero.
 *
 *   lambda = (y_b - y_a) / (x_b - x_a)   or   3 x_a^2 / (2 y_a)
 *   x3 = lambda^2 - x_a - x_b,   y3 = lambda (x_a - x3) - y_a
 *
 * Lane i of the vectors works on additions i, 8 + i, 16 + i, ...: a forward
 * pass keeps 8 running products of the denominators (one per lane), a single
 * scalar inversion turns the 8 totals into their inverses (Montgomery's
 * trick once more), and a backward pass peels off one inverse denominator per
 * addition and finishes the formula.  Coordinates are converted into 52-bit
 * limbs once when loaded and back once when stored; everything in between
 * stays in the lazily reduced 52-bit domain of field_ifma.h.
 *
 * The points are read and written through pointers (they live anywhere in the
 * caller's arrays), 8 at a time, with an 8 x 8 transpose of 64-bit words
 * between "one point per register" and "one limb of 8 points per register".
 */
#ifndef ATTRIB_G1_IFMA_H
#define ATTRIB_G1_IFMA_H

#include "g1.h"
#include "field_ifma.h"

/* Out-of-line forms of the scalar point additions of g1.h.  Inlined, each
 * is tens of kilobytes of code: loops that run them now and then (the rare
 * cases below, the bucket reduction of the portable MSM) stay small by
 * calling these instead. */
#if defined(__GNUC__)
#define G1_OUT_OF_LINE static __attribute__((noinline, unused))
#else
#define G1_OUT_OF_LINE static
#endif

G1_OUT_OF_LINE void g1_jac_add_call(g1_jac_t *r, const g1_jac_t *p, const g1_jac_t *q) { g1_jac_add(r, p, q); }

G1_OUT_OF_LINE void g1_jac_add_affine_call(g1_jac_t *r, const g1_jac_t *p, const g1_affine_t *q) {
    g1_jac_add_affine(r, p, q);
}

G1_OUT_OF_LINE void g1_jac_double_call(g1_jac_t *r, const g1_jac_t *p) { g1_jac_double(r, p); }

#undef G1_OUT_OF_LINE

/* Flags of one addition of g1_ifma_add_batch (and of the MSM's batches). */
#define G1_ADD_DBL 1     /* a tangent: a' = b' */
#define G1_ADD_NEG_A 2   /* a' = -a */
#define G1_ADD_NEG_B 4   /* b' = -b */

#if ATTRIB_HAVE_IFMA

#define G1_IFMA_UNROLL _Pragma("GCC unroll 16")

/* Per 8 additions: the denominators and the running products before them,
 * normalised 52-bit limbs, limb j of lane i at [j][i]. */
typedef struct {
    uint64_t den[5][8], pre[5][8];
} g1_ifma_slot_t;

ATTRIB_IFMA_INLINE void g1_ifma_load5(__m512i v[5], const uint64_t src[5][8]) {
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) v[j] = _mm512_loadu_si512(src[j]);
}

ATTRIB_IFMA_INLINE void g1_ifma_store5(uint64_t dst[5][8], const __m512i v[5]) {
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) _mm512_storeu_si512(dst[j], v[j]);
}

/* r[j] lane i = m[i] lane j, in three steps of 8 shuffles: the 64-bit words
 * of pairs of rows are interleaved, then 128-bit blocks are regrouped twice. */
ATTRIB_IFMA_INLINE void g1_ifma_transpose8(__m512i r[8], const __m512i m[8]) {
    __m512i t[8], u[8];
    G1_IFMA_UNROLL
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm512_unpacklo_epi64(m[2 * i], m[2 * i + 1]);      /* columns 0, 2, 4, 6 */
        t[2 * i + 1] = _mm512_unpackhi_epi64(m[2 * i], m[2 * i + 1]);  /* columns 1, 3, 5, 7 */
    }
    /* u[k] for k = 0..3 holds rows 0-3 (u[k + 4]: rows 4-7) of columns
     * {0, 4}, {2, 6}, {1, 5}, {3, 7} in turn. */
    G1_IFMA_UNROLL
    for (int h = 0; h < 2; h++) {
        u[4 * h + 0] = _mm512_shuffle_i64x2(t[4 * h + 0], t[4 * h + 2], 0x88);
        u[4 * h + 1] = _mm512_shuffle_i64x2(t[4 * h + 0], t[4 * h + 2], 0xdd);
        u[4 * h + 2] = _mm512_shuffle_i64x2(t[4 * h + 1], t[4 * h + 3], 0x88);
        u[4 * h + 3] = _mm512_shuffle_i64x2(t[4 * h + 1], t[4 * h + 3], 0xdd);
    }
    static const int column[4][2] = {{0, 4}, {2, 6}, {1, 5}, {3, 7}};
    G1_IFMA_UNROLL
    for (int k = 0; k < 4; k++) {
        r[column[k][0]] = _mm512_shuffle_i64x2(u[k], u[k + 4], 0x88);
        r[column[k][1]] = _mm512_shuffle_i64x2(u[k], u[k + 4], 0xdd);
    }
}

/* x[j], y[j]: 64-bit limb j of the coordinates of the 8 points p[0..7]. */
ATTRIB_IFMA_INLINE void g1_ifma_gather(__m512i x[4], __m512i y[4], const g1_affine_t *const *p) {
    __m512i m[8], r[8];
    G1_IFMA_UNROLL
    for (int i = 0; i < 8; i++) m[i] = _mm512_loadu_si512(p[i]);
    g1_ifma_transpose8(r, m);
    G1_IFMA_UNROLL
    for (int j = 0; j < 4; j++) {
        x[j] = r[j];
        y[j] = r[4 + j];
    }
}

/* One coordinate (offset 0: x, 4: y) of the 8 points p[0..7], as g1_ifma_gather. */
ATTRIB_IFMA_INLINE void g1_ifma_gather_coord(__m512i l[4], const g1_affine_t *const *p, int offset) {
    __m512i z[4];
    G1_IFMA_UNROLL
    for (int i = 0; i < 4; i++)
        z[i] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const void *)(p[2 * i]->x + offset))),
                                  _mm256_loadu_si256((const void *)(p[2 * i + 1]->x + offset)), 1);
    ifma_transpose4x8(l, z[0], z[1], z[2], z[3]);
}

/* Store the 8 points with fully reduced 52-bit coordinates x, y to p[0..7]. */
ATTRIB_IFMA_INLINE void g1_ifma_scatter(g1_affine_t *const *p, const __m512i x[5], const __m512i y[5]) {
    __m512i m[8], r[8];
    ifma_join(m, x);
    ifma_join(m + 4, y);
    g1_ifma_transpose8(r, m);
    G1_IFMA_UNROLL
    for (int i = 0; i < 8; i++) _mm512_storeu_si512(p[i], r[i]);
}

/* r = a b16 2^-260 with normalised limbs (see ifma_montmul for b16). */
ATTRIB_IFMA_INLINE void g1_ifma_mul(__m512i r[5], const __m512i a[5], const __m512i b16[5],
                                    const ifma_consts_t *C) {
    ifma_montmul(r, a, b16, C);
    ifma_carry(r, C);
}

/* r = a + p - b limb by limb, then normalised: a - b for b <= p. */
ATTRIB_IFMA_INLINE void g1_ifma_sub(__m512i r[5], const __m512i a[5], const __m512i b[5], const ifma_consts_t *C) {
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) r[j] = _mm512_sub_epi64(_mm512_add_epi64(a[j], C->p[j]), b[j]);
    ifma_carry(r, C);
}

/* The lanes among the 8 additions whose flags include `flag`. */
ATTRIB_IFMA_INLINE __mmask8 g1_ifma_flagged(const uint8_t *flags, uint8_t flag) {
    return _mm_test_epi8_mask(_mm_loadl_epi64((const __m128i *)flags), _mm_set1_epi8((char)flag));
}

/* v = -v = p - v in the given lanes, for v in (0, p) (a point's y is never 0). */
ATTRIB_IFMA_INLINE void g1_ifma_negate(__m512i v[5], __mmask8 lanes, const ifma_consts_t *C) {
    __m512i zero[5], d[5];
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) zero[j] = _mm512_setzero_si512();
    g1_ifma_sub(d, zero, v, C);
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) v[j] = _mm512_mask_blend_epi64(lanes, v[j], d[j]);
}

/* 1 / v[i] for 8 canonical nonzero elements, with one inversion. */
static void g1_ifma_invert8(uint64_t v[8][4]) {
    uint64_t pre[8][4], inv[4];
    memcpy(pre[0], v[0], 32);
    for (int i = 1; i < 8; i++) fp_mul(pre[i], pre[i - 1], v[i]);
    fp_inv(inv, pre[7]);
    for (int i = 7; i > 0; i--) {
        fp_mul(pre[i], pre[i - 1], inv);   /* 1 / v[i] */
        fp_mul(inv, inv, v[i]);
        memcpy(v[i], pre[i], 32);
    }
    memcpy(v[0], inv, 32);
}

/* dst[k] = a[k]' + b[k]' for k < n, n a multiple of 8, with the signs and
 * the kind of addition given by flags[k] (G1_ADD_*).  Every denominator must
 * be nonzero (no infinity, no b' = -a'), dst must not overlap the inputs,
 * and `work` holds n / 8 slots. */
ATTRIB_IFMA_TARGET static void g1_ifma_add_batch(g1_affine_t *const *dst, const g1_affine_t *const *a,
                                                 const g1_affine_t *const *b, const uint8_t *flags,
                                                 int64_t n, g1_ifma_slot_t *work) {
    ifma_consts_t C = ifma_consts(&FP_PARAMS);
    ifma_consts_opaque(&C);
    const int64_t groups = n / 8;
    __m512i acc[5], l[4];
    /* Forward: den = x_b - x_a + p (or 2 y_a') in (0, 2p); the running product
     * acc stays below 2p (A = 2, B = 32: below p (1 + 64 / 84)). */
    G1_IFMA_UNROLL
    for (int j = 0; j < 4; j++) l[j] = _mm512_set1_epi64((long long)FP_PARAMS.r[j]);
    ifma_split_masked(acc, l, &C);
    for (int64_t g = 0; g < groups; g++) {
        __m512i xa[5], xb[5], den[5], den16[5];
        g1_ifma_gather_coord(l, a + 8 * g, 0);
        ifma_split_masked(xa, l, &C);
        g1_ifma_gather_coord(l, b + 8 * g, 0);
        ifma_split_masked(xb, l, &C);
        g1_ifma_sub(den, xb, xa, &C);
        const __mmask8 doubling = g1_ifma_flagged(flags + 8 * g, G1_ADD_DBL);
        if (ATTRIB_UNLIKELY(doubling)) {
            __m512i ya[5];
            g1_ifma_gather_coord(l, a + 8 * g, 4);
            ifma_split_masked(ya, l, &C);
            g1_ifma_negate(ya, g1_ifma_flagged(flags + 8 * g, G1_ADD_NEG_A), &C);
            G1_IFMA_UNROLL
            for (int j = 0; j < 5; j++)
                den[j] = _mm512_mask_blend_epi64(doubling, den[j], _mm512_add_epi64(ya[j], ya[j]));
            ifma_carry(den, &C);
        }
        g1_ifma_store5(work[g].den, den);
        g1_ifma_store5(work[g].pre, acc);
        ifma_shift16(den16, den);
        g1_ifma_mul(acc, acc, den16, &C);
    }
    /* The 8 lane totals, inverted by the scalar code. */
    __m512i inv[5];
    {
        uint64_t totals[8][4];
        ifma_reduce_once(acc, &C);
        ifma_join(l, acc);
        ifma_store8(totals[0], l);
        g1_ifma_invert8(totals);
        ifma_load8(l, totals[0]);
        ifma_split_masked(inv, l, &C);
    }
    /* Backward: inv = 1 / (den_0 ... den_g) in each lane, below 2p. */
    for (int64_t g = groups - 1; g >= 0; g--) {
        __m512i inv16[5], v[5], t[5], t16[5], lam[5], lam16[5], x3[5], y3[5];
        __m512i xa[5], ya[5], xb[5], yb[5], num[5], la[4], lb[4];
        ifma_shift16(inv16, inv);
        g1_ifma_load5(v, work[g].pre);
        g1_ifma_mul(t, v, inv16, &C);          /* 1 / den_g, below 2p (A B < 56) */
        g1_ifma_load5(v, work[g].den);
        g1_ifma_mul(inv, v, inv16, &C);
        g1_ifma_gather(la, l, a + 8 * g);
        ifma_split_masked(xa, la, &C);
        ifma_split_masked(ya, l, &C);
        g1_ifma_gather(lb, l, b + 8 * g);
        ifma_split_masked(xb, lb, &C);
        ifma_split_masked(yb, l, &C);
        const __mmask8 neg_a = g1_ifma_flagged(flags + 8 * g, G1_ADD_NEG_A);
        const __mmask8 neg_b = g1_ifma_flagged(flags + 8 * g, G1_ADD_NEG_B);
        if (neg_a | neg_b) {
            g1_ifma_negate(ya, neg_a, &C);
            g1_ifma_negate(yb, neg_b, &C);
        }
        g1_ifma_sub(num, yb, ya, &C);       /* in (0, 2p) */
        const __mmask8 doubling = g1_ifma_flagged(flags + 8 * g, G1_ADD_DBL);
        if (ATTRIB_UNLIKELY(doubling)) {
            /* 3 x_a^2, fully reduced, in the doubling lanes. */
            __m512i x16[5], sq[5];
            ifma_shift16(x16, xa);
            ifma_montmul(sq, xa, x16, &C);
            ifma_reduce_once(sq, &C);
            G1_IFMA_UNROLL
            for (int j = 0; j < 5; j++) sq[j] = _mm512_add_epi64(_mm512_add_epi64(sq[j], sq[j]), sq[j]);
            ifma_carry(sq, &C);
            ifma_reduce_small(sq, 3, &C);
            G1_IFMA_UNROLL
            for (int j = 0; j < 5; j++) num[j] = _mm512_mask_blend_epi64(doubling, num[j], sq[j]);
        }
        ifma_shift16(t16, t);
        g1_ifma_mul(lam, num, t16, &C);        /* below 2p (A B < 64) */
        ifma_shift16(lam16, lam);
        /* x3 = lambda^2 + 2p - x_a - x_b in (0, 4p), then reduced */
        ifma_montmul(x3, lam, lam16, &C);
        G1_IFMA_UNROLL
        for (int j = 0; j < 5; j++)
            x3[j] = _mm512_sub_epi64(_mm512_add_epi64(x3[j], _mm512_add_epi64(C.p[j], C.p[j])),
                                     _mm512_add_epi64(xa[j], xb[j]));
        ifma_carry(x3, &C);
        ifma_reduce_small(x3, 4, &C);
        /* y3 = lambda (x_a + p - x3) + p - y_a in (0, 3p), then reduced */
        g1_ifma_sub(v, xa, x3, &C);
        ifma_montmul(y3, v, lam16, &C);
        G1_IFMA_UNROLL
        for (int j = 0; j < 5; j++) y3[j] = _mm512_sub_epi64(_mm512_add_epi64(y3[j], C.p[j]), ya[j]);
        ifma_carry(y3, &C);
        ifma_reduce_small(y3, 3, &C);
        g1_ifma_scatter(dst + 8 * g, x3, y3);
    }
}

/* ---- Bucket reduction: sum_b (b + 1) B_b with Jacobian arithmetic ----
 *
 * The buckets are cut into 8 segments of m = nb / 8, and lane i takes
 * segment i, [i m, (i + 1) m).  Each runs the usual pair of running sums over
 * its segment from the top: R collects the buckets, A collects R once per
 * bucket, so that finally
 *   A_i = sum_k (k + 1) B_{i m + k}  and  R_i = sum_k B_{i m + k}.
 * The whole sum is then sum_i A_i + m sum_i i R_i (scalar code).
 *
 * The vector formulas are the generic ones (madd-2007-bl, add-2007-bl) with
 * every value below 2p (field_ifma.h).  Infinity is tracked as a lane mask.
 * Lanes whose two finite summands share x (equal or opposite points, where
 * the formulas break down) are redone by the scalar code of g1.h; for
 * buckets filled from random points that never happens, but it does when
 * empty buckets leave R unchanged from one step to the next, or for
 * structured inputs, and then it costs a scalar addition per affected lane. */

typedef struct { __m512i x[5], y[5], z[5]; } g1_ifma_jac8_t;

/* r = p + q for affine q (its z is not read) where p is finite with Z != 0
 * and H = x_q Z^2 - X != 0; returns the lanes where H = 0 (their r is wrong). */
ATTRIB_IFMA_INLINE __mmask8 g1_ifma_madd(g1_ifma_jac8_t *r, const g1_ifma_jac8_t *p, const g1_ifma_jac8_t *q,
                                         const ifma_consts_t *C) {
    __m512i z1z1[5], u2[5], s2[5], h[5], hh[5], i4[5], j[5], rr[5], v[5], t[5];
    ifma_mul2p(z1z1, p->z, p->z, C);
    ifma_mul2p(u2, q->x, z1z1, C);
    ifma_mul2p(s2, q->y, p->z, C);
    ifma_mul2p(s2, s2, z1z1, C);
    ifma_sub2p(h, u2, p->x, C);
    const __mmask8 equal_x = ifma_zero2p(h, C);
    ifma_sub2p(rr, s2, p->y, C);
    ifma_add2p(rr, rr, rr, C);              /* r = 2 (S2 - Y1) */
    ifma_mul2p(hh, h, h, C);
    ifma_add2p(i4, hh, hh, C);
    ifma_add2p(i4, i4, i4, C);              /* I = 4 HH */
    ifma_mul2p(j, h, i4, C);                /* J = H I */
    ifma_mul2p(v, p->x, i4, C);             /* V = X1 I */
    ifma_mul2p(t, p->z, h, C);
    ifma_add2p(r->z, t, t, C);              /* Z3 = 2 Z1 H */
    ifma_mul2p(t, rr, rr, C);               /* X3 = r^2 - J - 2 V */
    ifma_sub2p(t, t, j, C);
    ifma_sub2p(t, t, v, C);
    ifma_sub2p(r->x, t, v, C);
    ifma_sub2p(t, v, r->x, C);              /* Y3 = r (V - X3) - 2 Y1 J */
    ifma_mul2p(t, rr, t, C);
    ifma_mul2p(j, p->y, j, C);
    ifma_add2p(j, j, j, C);
    ifma_sub2p(r->y, t, j, C);
    return equal_x;
}

/* r = p + q for finite p, q with H = X2 Z1^2 - X1 Z2^2 != 0; returns the
 * lanes where H = 0 (their r is wrong). */
ATTRIB_IFMA_INLINE __mmask8 g1_ifma_add(g1_ifma_jac8_t *r, const g1_ifma_jac8_t *p, const g1_ifma_jac8_t *q,
                                        const ifma_consts_t *C) {
    __m512i z1z1[5], z2z2[5], u1[5], u2[5], s1[5], s2[5], h[5], i[5], j[5], rr[5], v[5], t[5];
    ifma_mul2p(z1z1, p->z, p->z, C);
    ifma_mul2p(z2z2, q->z, q->z, C);
    ifma_mul2p(u1, p->x, z2z2, C);
    ifma_mul2p(u2, q->x, z1z1, C);
    ifma_mul2p(s1, p->y, q->z, C);
    ifma_mul2p(s1, s1, z2z2, C);
    ifma_mul2p(s2, q->y, p->z, C);
    ifma_mul2p(s2, s2, z1z1, C);
    ifma_sub2p(h, u2, u1, C);
    const __mmask8 equal_x = ifma_zero2p(h, C);
    ifma_sub2p(rr, s2, s1, C);
    ifma_add2p(rr, rr, rr, C);              /* r = 2 (S2 - S1) */
    ifma_add2p(t, h, h, C);
    ifma_mul2p(i, t, t, C);                 /* I = (2H)^2 */
    ifma_mul2p(j, h, i, C);                 /* J = H I */
    ifma_mul2p(v, u1, i, C);                /* V = U1 I */
    ifma_mul2p(t, p->z, q->z, C);
    ifma_mul2p(t, t, h, C);
    ifma_add2p(r->z, t, t, C);              /* Z3 = 2 Z1 Z2 H */
    ifma_mul2p(t, rr, rr, C);               /* X3 = r^2 - J - 2 V */
    ifma_sub2p(t, t, j, C);
    ifma_sub2p(t, t, v, C);
    ifma_sub2p(r->x, t, v, C);
    ifma_sub2p(t, v, r->x, C);              /* Y3 = r (V - X3) - 2 S1 J */
    ifma_mul2p(t, rr, t, C);
    ifma_mul2p(j, s1, j, C);
    ifma_add2p(j, j, j, C);
    ifma_sub2p(r->y, t, j, C);
    return equal_x;
}

/* r = a in the lanes of `mask`, b elsewhere. */
ATTRIB_IFMA_INLINE void g1_ifma_jac8_blend(g1_ifma_jac8_t *r, __mmask8 mask, const g1_ifma_jac8_t *a,
                                           const g1_ifma_jac8_t *b) {
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) {
        r->x[j] = _mm512_mask_blend_epi64(mask, b->x[j], a->x[j]);
        r->y[j] = _mm512_mask_blend_epi64(mask, b->y[j], a->y[j]);
        r->z[j] = _mm512_mask_blend_epi64(mask, b->z[j], a->z[j]);
    }
}

/* The 8 lanes as scalar Jacobian points; lanes in `inf` become infinity. */
ATTRIB_IFMA_INLINE void g1_ifma_jac8_store(g1_jac_t out[8], const g1_ifma_jac8_t *v, __mmask8 inf,
                                           const ifma_consts_t *C) {
    uint64_t coord[3][8][4];
    const __m512i *src[3] = {v->x, v->y, v->z};
    G1_IFMA_UNROLL
    for (int c = 0; c < 3; c++) {
        __m512i t[5], l[4];
        G1_IFMA_UNROLL
        for (int j = 0; j < 5; j++) t[j] = src[c][j];
        ifma_reduce_small(t, 2, C);
        ifma_join(l, t);
        ifma_store8(coord[c][0], l);
    }
    for (int i = 0; i < 8; i++) {
        if ((inf >> i) & 1) {
            g1_jac_set_inf(&out[i]);
            continue;
        }
        memcpy(out[i].x, coord[0][i], 32);
        memcpy(out[i].y, coord[1][i], 32);
        memcpy(out[i].z, coord[2][i], 32);
    }
}

/* Inverse of g1_ifma_jac8_store; returns the lanes that are infinity. */
ATTRIB_IFMA_INLINE __mmask8 g1_ifma_jac8_load(g1_ifma_jac8_t *v, const g1_jac_t in[8], const ifma_consts_t *C) {
    uint64_t coord[3][8][4];
    __mmask8 inf = 0;
    for (int i = 0; i < 8; i++) {
        memcpy(coord[0][i], in[i].x, 32);
        memcpy(coord[1][i], in[i].y, 32);
        memcpy(coord[2][i], in[i].z, 32);
        inf |= (__mmask8)(g1_jac_is_inf(&in[i]) << i);
    }
    __m512i *dst[3] = {v->x, v->y, v->z};
    G1_IFMA_UNROLL
    for (int c = 0; c < 3; c++) {
        __m512i l[4];
        ifma_load8(l, coord[c][0]);
        ifma_split_masked(dst[c], l, C);
    }
    return inf;
}

/* Finish one step's sums of 8 lanes: t holds the formula's result, valid
 * where neither summand is infinity (and H != 0); take p where q is
 * infinity and q where p is; redo the lanes in `redo` with the scalar code
 * (p + q for Jacobian q, or p + *q_affine[i] when q_affine is given).
 * Returns the lanes where the sum is infinity. */
ATTRIB_IFMA_INLINE __mmask8 g1_ifma_finish_sum(g1_ifma_jac8_t *t, const g1_ifma_jac8_t *p, __mmask8 inf_p,
                                               const g1_ifma_jac8_t *q, __mmask8 inf_q, __mmask8 redo,
                                               const g1_affine_t *const *q_affine, const ifma_consts_t *C) {
    g1_ifma_jac8_blend(t, inf_p, q, t);
    g1_ifma_jac8_blend(t, inf_q, p, t);
    __mmask8 inf = inf_p & inf_q;
    if (ATTRIB_UNLIKELY(redo)) {
        g1_jac_t old[8], res[8], add[8];
        g1_ifma_jac8_store(old, p, inf_p, C);
        g1_ifma_jac8_store(res, t, inf, C);
        if (!q_affine) g1_ifma_jac8_store(add, q, inf_q, C);
        for (int i = 0; i < 8; i++) {
            if (!((redo >> i) & 1)) continue;
            if (q_affine) g1_jac_add_affine_call(&res[i], &old[i], q_affine[i]);
            else g1_jac_add_call(&res[i], &old[i], &add[i]);
        }
        inf = g1_ifma_jac8_load(t, res, C);
    }
    return inf;
}

/* out = sum_b (b + 1) B_b over the nb affine points *bucket[b] (infinity
 * allowed), nb a power of two, at least 8. */
ATTRIB_IFMA_TARGET static void g1_ifma_bucket_sum(g1_jac_t *out, const g1_affine_t *const *bucket, int64_t nb) {
    ifma_consts_t C = ifma_consts(&FP_PARAMS);
    ifma_consts_opaque(&C);
    const int64_t m = nb / 8;
    g1_ifma_jac8_t R, A, T, B;
    __mmask8 inf_r = 0xff, inf_a = 0xff;
    __m512i one[5], l[4];
    G1_IFMA_UNROLL
    for (int j = 0; j < 4; j++) l[j] = _mm512_set1_epi64((long long)FP_PARAMS.r[j]);
    ifma_split_masked(one, l, &C);
    G1_IFMA_UNROLL
    for (int j = 0; j < 5; j++) R.x[j] = R.y[j] = R.z[j] = A.x[j] = A.y[j] = A.z[j] = B.z[j] = one[j];
    for (int64_t k = m - 1; k >= 0; k--) {
        const g1_affine_t *q[8];
        __m512i lx[4], ly[4], any = _mm512_setzero_si512();
        for (int i = 0; i < 8; i++) q[i] = bucket[i * m + k];
        g1_ifma_gather(lx, ly, q);
        G1_IFMA_UNROLL
        for (int j = 0; j < 4; j++) any = _mm512_or_si512(any, _mm512_or_si512(lx[j], ly[j]));
        const __mmask8 inf_b = _mm512_cmpeq_epi64_mask(any, _mm512_setzero_si512());
        ifma_split_masked(B.x, lx, &C);
        ifma_split_masked(B.y, ly, &C);
        /* R += B */
        __mmask8 redo = g1_ifma_madd(&T, &R, &B, &C) & (__mmask8)~(inf_r | inf_b);
        inf_r = g1_ifma_finish_sum(&T, &R, inf_r, &B, inf_b, redo, q, &C);
        R = T;
        /* A += R */
        redo = g1_ifma_add(&T, &A, &R, &C) & (__mmask8)~(inf_a | inf_r);
        inf_a = g1_ifma_finish_sum(&T, &A, inf_a, &R, inf_r, redo, NULL, &C);
        A = T;
    }
    /* sum_i A_i + m sum_i i R_i, the second sum as a running sum again */
    g1_jac_t a[8], r[8], run, acc;
    g1_ifma_jac8_store(a, &A, inf_a, &C);
    g1_ifma_jac8_store(r, &R, inf_r, &C);
    g1_jac_set_inf(&run);
    g1_jac_set_inf(&acc);
    for (int i = 7; i > 0; i--) {
        g1_jac_add_call(&run, &run, &r[i]);
        g1_jac_add_call(&acc, &acc, &run);
    }
    for (int64_t f = m; f > 1; f >>= 1) g1_jac_double_call(&acc, &acc);
    for (int i = 0; i < 8; i++) g1_jac_add_call(&acc, &acc, &a[i]);
    *out = acc;
}

#undef G1_IFMA_UNROLL

#endif /* ATTRIB_HAVE_IFMA */

#endif
