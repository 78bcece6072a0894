/* The BN254 optimal ate pairing check for the native verifier backend.
 *
 * Tower (as the EVM precompile and py_ecc): Fp2 = Fp[u]/(u^2 + 1),
 * Fp6 = Fp2[v]/(v^3 - xi) with xi = 9 + u, Fp12 = Fp6[w]/(w^2 - v).  Every
 * coordinate is in Montgomery form (field.h's f_mul on FP_PARAMS).
 *
 * The G2 side is done once per G2 point, in Python (attrib.verifier.native):
 * the verifier's G2 points are the verifying key's [1]_2 and [tau]_2, fixed
 * for an SRS, so the Miller loop's doublings and additions on the twist and
 * their slopes are precomputed.  A line through T and T' (points of the twist
 * y^2 = x^3 + 3/xi, mapped into E(Fp12) by (x, y) -> (x w^2, y w^3)) with twist
 * slope lambda, evaluated at P = (xP, yP) in E(Fp), is
 *     l(P) = yP - lambda*xP*w + (lambda*xT - yT)*w^3,
 * so each step hands this file lambda and c = lambda*xT - yT (two Fp2
 * elements) and says whether f is squared first (a doubling step).
 *
 * The final exponentiation f^((q^12 - 1)/r) is the easy part
 * f^((q^6 - 1)(q^2 + 1)) by a conjugate, an inverse and the q^2-power
 * Frobenius, then the hard part (q^4 - q^2 + 1)/r by exponentiations by the
 * BN parameter x and Frobenius maps (pairing_final_exponentiation).  The
 * Frobenius constants and x come from kernels/params.py.
 * Nothing here is secret: no constant time is attempted.
 */
#ifndef ATTRIB_PAIRING_H
#define ATTRIB_PAIRING_H

#include <string.h>
#include "g1.h"

typedef struct { uint64_t c[2][4]; } fp2_t;     /* c0 + c1 u */
typedef struct { fp2_t c[3]; } fp6_t;           /* c0 + c1 v + c2 v^2 */
typedef struct { fp6_t c[2]; } fp12_t;          /* c0 + c1 w */

#define PFP (&FP_PARAMS)

static const uint64_t PAIRING_GAMMA2[4] = PAIRING_GAMMA2_MONT;
static const uint64_t PAIRING_FROB1[10][4] = PAIRING_FROB1_MONT;   /* gamma1^i, i = 1..5, (re, im) */

/* ---- Fp2 ---------------------------------------------------------------------------- */

ATTRIB_INLINE void fp2_add(fp2_t *r, const fp2_t *a, const fp2_t *b) {
    f_add(r->c[0], a->c[0], b->c[0], PFP);
    f_add(r->c[1], a->c[1], b->c[1], PFP);
}

ATTRIB_INLINE void fp2_sub(fp2_t *r, const fp2_t *a, const fp2_t *b) {
    f_sub(r->c[0], a->c[0], b->c[0], PFP);
    f_sub(r->c[1], a->c[1], b->c[1], PFP);
}

ATTRIB_INLINE void fp2_neg(fp2_t *r, const fp2_t *a) {
    f_neg(r->c[0], a->c[0], PFP);
    f_neg(r->c[1], a->c[1], PFP);
}

/* Karatsuba: (a0 + a1 u)(b0 + b1 u) = a0 b0 - a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u. */
ATTRIB_INLINE void fp2_mul(fp2_t *r, const fp2_t *a, const fp2_t *b) {
    uint64_t t0[4], t1[4], sa[4], sb[4], s[4];
    f_mul(t0, a->c[0], b->c[0], PFP);
    f_mul(t1, a->c[1], b->c[1], PFP);
    f_add(sa, a->c[0], a->c[1], PFP);
    f_add(sb, b->c[0], b->c[1], PFP);
    f_mul(s, sa, sb, PFP);
    f_sub(r->c[0], t0, t1, PFP);
    f_sub(s, s, t0, PFP);
    f_sub(r->c[1], s, t1, PFP);
}

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u. */
ATTRIB_INLINE void fp2_sqr(fp2_t *r, const fp2_t *a) {
    uint64_t s[4], d[4], m[4];
    f_add(s, a->c[0], a->c[1], PFP);
    f_sub(d, a->c[0], a->c[1], PFP);
    f_mul(m, a->c[0], a->c[1], PFP);
    f_mul(r->c[0], s, d, PFP);
    f_double(r->c[1], m, PFP);
}

ATTRIB_INLINE void fp2_mul_fp(fp2_t *r, const fp2_t *a, const uint64_t *s) {
    f_mul(r->c[0], a->c[0], s, PFP);
    f_mul(r->c[1], a->c[1], s, PFP);
}

/* a * xi = (9 a0 - a1) + (a0 + 9 a1) u. */
ATTRIB_INLINE void fp2_mul_xi(fp2_t *r, const fp2_t *a) {
    uint64_t n0[4], n1[4];
    f_double(n0, a->c[0], PFP); f_double(n0, n0, PFP); f_double(n0, n0, PFP);
    f_add(n0, n0, a->c[0], PFP);                          /* 9 a0 */
    f_double(n1, a->c[1], PFP); f_double(n1, n1, PFP); f_double(n1, n1, PFP);
    f_add(n1, n1, a->c[1], PFP);                          /* 9 a1 */
    f_sub(n0, n0, a->c[1], PFP);
    f_add(n1, n1, a->c[0], PFP);
    memcpy(r->c[0], n0, 32);
    memcpy(r->c[1], n1, 32);
}

/* (a0 + a1 u)^-1 = (a0 - a1 u) / (a0^2 + a1^2); the caller guarantees a != 0. */
static void fp2_inv(fp2_t *r, const fp2_t *a) {
    uint64_t t0[4], t1[4];
    f_square(t0, a->c[0], PFP);
    f_square(t1, a->c[1], PFP);
    f_add(t0, t0, t1, PFP);
    f_inv(t0, t0, PFP);
    f_mul(r->c[0], a->c[0], t0, PFP);
    f_mul(t1, a->c[1], t0, PFP);
    f_neg(r->c[1], t1, PFP);
}

/* ---- Fp6 ---------------------------------------------------------------------------- */

ATTRIB_INLINE void fp6_add(fp6_t *r, const fp6_t *a, const fp6_t *b) {
    for (int i = 0; i < 3; i++) fp2_add(&r->c[i], &a->c[i], &b->c[i]);
}

ATTRIB_INLINE void fp6_sub(fp6_t *r, const fp6_t *a, const fp6_t *b) {
    for (int i = 0; i < 3; i++) fp2_sub(&r->c[i], &a->c[i], &b->c[i]);
}

ATTRIB_INLINE void fp6_neg(fp6_t *r, const fp6_t *a) {
    for (int i = 0; i < 3; i++) fp2_neg(&r->c[i], &a->c[i]);
}

/* Karatsuba over v^3 = xi: six Fp2 products. */
static void fp6_mul(fp6_t *r, const fp6_t *a, const fp6_t *b) {
    fp2_t t0, t1, t2, x, y, c0, c1, c2;
    fp2_mul(&t0, &a->c[0], &b->c[0]);
    fp2_mul(&t1, &a->c[1], &b->c[1]);
    fp2_mul(&t2, &a->c[2], &b->c[2]);
    /* c0 = t0 + xi((a1 + a2)(b1 + b2) - t1 - t2) */
    fp2_add(&x, &a->c[1], &a->c[2]);
    fp2_add(&y, &b->c[1], &b->c[2]);
    fp2_mul(&c0, &x, &y);
    fp2_sub(&c0, &c0, &t1);
    fp2_sub(&c0, &c0, &t2);
    fp2_mul_xi(&c0, &c0);
    fp2_add(&c0, &c0, &t0);
    /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2 */
    fp2_add(&x, &a->c[0], &a->c[1]);
    fp2_add(&y, &b->c[0], &b->c[1]);
    fp2_mul(&c1, &x, &y);
    fp2_sub(&c1, &c1, &t0);
    fp2_sub(&c1, &c1, &t1);
    fp2_mul_xi(&x, &t2);
    fp2_add(&c1, &c1, &x);
    /* c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1 */
    fp2_add(&x, &a->c[0], &a->c[2]);
    fp2_add(&y, &b->c[0], &b->c[2]);
    fp2_mul(&c2, &x, &y);
    fp2_sub(&c2, &c2, &t0);
    fp2_sub(&c2, &c2, &t2);
    fp2_add(&c2, &c2, &t1);
    r->c[0] = c0;
    r->c[1] = c1;
    r->c[2] = c2;
}

/* a * v = xi a2 + a0 v + a1 v^2. */
ATTRIB_INLINE void fp6_mul_v(fp6_t *r, const fp6_t *a) {
    fp2_t t;
    fp2_mul_xi(&t, &a->c[2]);
    r->c[2] = a->c[1];
    r->c[1] = a->c[0];
    r->c[0] = t;
}

/* The inverse through the norm to Fp2; the caller guarantees a != 0. */
static void fp6_inv(fp6_t *r, const fp6_t *a) {
    fp2_t c0, c1, c2, t, u;
    fp2_sqr(&c0, &a->c[0]);                       /* c0 = a0^2 - xi a1 a2 */
    fp2_mul(&t, &a->c[1], &a->c[2]);
    fp2_mul_xi(&t, &t);
    fp2_sub(&c0, &c0, &t);
    fp2_sqr(&c1, &a->c[2]);                       /* c1 = xi a2^2 - a0 a1 */
    fp2_mul_xi(&c1, &c1);
    fp2_mul(&t, &a->c[0], &a->c[1]);
    fp2_sub(&c1, &c1, &t);
    fp2_sqr(&c2, &a->c[1]);                       /* c2 = a1^2 - a0 a2 */
    fp2_mul(&t, &a->c[0], &a->c[2]);
    fp2_sub(&c2, &c2, &t);
    fp2_mul(&t, &a->c[2], &c1);                   /* t = a0 c0 + xi(a2 c1 + a1 c2) */
    fp2_mul(&u, &a->c[1], &c2);
    fp2_add(&t, &t, &u);
    fp2_mul_xi(&t, &t);
    fp2_mul(&u, &a->c[0], &c0);
    fp2_add(&t, &t, &u);
    fp2_inv(&t, &t);
    fp2_mul(&r->c[0], &c0, &t);
    fp2_mul(&r->c[1], &c1, &t);
    fp2_mul(&r->c[2], &c2, &t);
}

/* ---- Fp12 --------------------------------------------------------------------------- */

ATTRIB_INLINE void fp12_set_one(fp12_t *r) {
    memset(r, 0, sizeof *r);
    memcpy(r->c[0].c[0].c[0], FP_PARAMS.r, 32);
}

static int fp12_is_one(const fp12_t *a) {
    fp12_t one;
    fp12_set_one(&one);
    return memcmp(a, &one, sizeof one) == 0;      /* Montgomery limbs are canonical (< q) */
}

/* (a0 + a1 w)(b0 + b1 w) = a0 b0 + v a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) w. */
static void fp12_mul(fp12_t *r, const fp12_t *a, const fp12_t *b) {
    fp6_t t0, t1, x, y, c1;
    fp6_mul(&t0, &a->c[0], &b->c[0]);
    fp6_mul(&t1, &a->c[1], &b->c[1]);
    fp6_add(&x, &a->c[0], &a->c[1]);
    fp6_add(&y, &b->c[0], &b->c[1]);
    fp6_mul(&c1, &x, &y);
    fp6_sub(&c1, &c1, &t0);
    fp6_sub(&c1, &c1, &t1);
    fp6_mul_v(&t1, &t1);
    fp6_add(&r->c[0], &t0, &t1);
    r->c[1] = c1;
}

/* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w with t = a0 a1: two Fp6 products. */
static void fp12_sqr(fp12_t *r, const fp12_t *a) {
    fp6_t t, vt, x, y, c0;
    fp6_mul(&t, &a->c[0], &a->c[1]);
    fp6_add(&x, &a->c[0], &a->c[1]);
    fp6_mul_v(&y, &a->c[1]);
    fp6_add(&y, &y, &a->c[0]);
    fp6_mul(&c0, &x, &y);
    fp6_sub(&c0, &c0, &t);
    fp6_mul_v(&vt, &t);
    fp6_sub(&r->c[0], &c0, &vt);
    fp6_add(&r->c[1], &t, &t);
}

/* a^(q^6) = a0 - a1 w. */
ATTRIB_INLINE void fp12_conj(fp12_t *r, const fp12_t *a) {
    r->c[0] = a->c[0];
    fp6_neg(&r->c[1], &a->c[1]);
}

/* (a0 + a1 w)^-1 = (a0 - a1 w) / (a0^2 - v a1^2); the caller guarantees a != 0. */
static void fp12_inv(fp12_t *r, const fp12_t *a) {
    fp6_t t0, t1;
    fp6_mul(&t0, &a->c[0], &a->c[0]);
    fp6_mul(&t1, &a->c[1], &a->c[1]);
    fp6_mul_v(&t1, &t1);
    fp6_sub(&t0, &t0, &t1);
    fp6_inv(&t0, &t0);
    fp6_mul(&r->c[0], &a->c[0], &t0);
    fp6_mul(&t1, &a->c[1], &t0);
    fp6_neg(&r->c[1], &t1);
}

/* a^(q^2): Fp2 is fixed by the q^2 power and w^(q^2) = gamma w (gamma in Fp), so the
 * coefficient of w^i is multiplied by gamma^i.  c0 holds w^0, w^2, w^4 and c1 w^1, w^3, w^5. */
static void fp12_frobenius2(fp12_t *r, const fp12_t *a) {
    uint64_t g[6][4];
    memcpy(g[0], FP_PARAMS.r, 32);
    for (int i = 1; i < 6; i++) f_mul(g[i], g[i - 1], PAIRING_GAMMA2, PFP);
    for (int j = 0; j < 3; j++) {
        fp2_mul_fp(&r->c[0].c[j], &a->c[0].c[j], g[2 * j]);
        fp2_mul_fp(&r->c[1].c[j], &a->c[1].c[j], g[2 * j + 1]);
    }
}

/* a^q: each Fp2 coefficient of w^i conjugated (u^q = -u) and multiplied by gamma1^i. */
static void fp12_frobenius(fp12_t *r, const fp12_t *a) {
    for (int half = 0; half < 2; half++) {
        for (int j = 0; j < 3; j++) {
            const fp2_t *g = &a->c[half].c[j];
            fp2_t c;
            memcpy(c.c[0], g->c[0], 32);
            f_neg(c.c[1], g->c[1], PFP);
            int i = 2 * j + half;                      /* the power of w this coefficient carries */
            if (i == 0) {
                r->c[half].c[j] = c;
            } else {
                fp2_t gamma;
                memcpy(gamma.c[0], PAIRING_FROB1[2 * (i - 1)], 32);
                memcpy(gamma.c[1], PAIRING_FROB1[2 * (i - 1) + 1], 32);
                fp2_mul(&r->c[half].c[j], &c, &gamma);
            }
        }
    }
}

/* a^x for the BN parameter x (positive, top bit 62), by square and multiply. */
static void fp12_pow_x(fp12_t *r, const fp12_t *a) {
    fp12_t acc = *a;                               /* bit 62 */
    for (int bit = 61; bit >= 0; bit--) {
        fp12_sqr(&acc, &acc);
        if ((PAIRING_BN_X >> bit) & 1) fp12_mul(&acc, &acc, a);
    }
    *r = acc;
}

/* f^((q^12 - 1)/r).  f must be non-zero (a Miller loop's value always is).
 *
 * Easy part: f^((q^6 - 1)(q^2 + 1)), after which f lies in the cyclotomic subgroup, where the
 * inverse is the conjugate.  Hard part: f^((q^4 - q^2 + 1)/r) as the chain of Scott et al.
 * (Pairing 2009) in exponentiations by x and Frobenius maps: with f_x = f^x, f_x2 = f_x^x,
 * f_x3 = f_x2^x,
 *   y0 = f^q f^(q^2) f^(q^3), y1 = 1/f, y2 = f_x2^(q^2), y3 = 1/f_x^q, y4 = 1/(f_x f_x2^q),
 *   y5 = 1/f_x2, y6 = 1/(f_x3 f_x3^q),
 *   t0 = y6^2 y4 y5, t1 = y3 y5 t0, t0 = t0 y2, t1 = (t1^2 t0)^2, t0 = t1 y1, t1 = t1 y0,
 *   result = t1 t0^2.
 * Tracking exponents through these steps gives exactly (q^4 - q^2 + 1)/r (kernels/params.py
 * checks it when it writes the constants), so the value is the reduced pairing itself. */
static void pairing_final_exponentiation(fp12_t *r, const fp12_t *f) {
    fp12_t a, b;
    fp12_conj(&a, f);                              /* easy part: f^(q^6 - 1) ... */
    fp12_inv(&b, f);
    fp12_mul(&a, &a, &b);
    fp12_frobenius2(&b, &a);                       /* ... ^(q^2 + 1) */
    fp12_mul(&a, &b, &a);

    fp12_t fx, fx2, fx3, y0, y1, y2, y3, y4, y5, y6, t0, t1;
    fp12_pow_x(&fx, &a);
    fp12_pow_x(&fx2, &fx);
    fp12_pow_x(&fx3, &fx2);
    fp12_frobenius(&y0, &a);                       /* y0 = a^q a^(q^2) a^(q^3) */
    fp12_frobenius2(&t0, &a);
    fp12_frobenius(&t1, &t0);
    fp12_mul(&y0, &y0, &t0);
    fp12_mul(&y0, &y0, &t1);
    fp12_conj(&y1, &a);
    fp12_frobenius2(&y2, &fx2);
    fp12_frobenius(&y3, &fx);
    fp12_conj(&y3, &y3);
    fp12_frobenius(&y4, &fx2);
    fp12_mul(&y4, &y4, &fx);
    fp12_conj(&y4, &y4);
    fp12_conj(&y5, &fx2);
    fp12_frobenius(&y6, &fx3);
    fp12_mul(&y6, &y6, &fx3);
    fp12_conj(&y6, &y6);
    fp12_sqr(&t0, &y6);
    fp12_mul(&t0, &t0, &y4);
    fp12_mul(&t0, &t0, &y5);
    fp12_mul(&t1, &y3, &y5);
    fp12_mul(&t1, &t1, &t0);
    fp12_mul(&t0, &t0, &y2);
    fp12_sqr(&t1, &t1);
    fp12_mul(&t1, &t1, &t0);
    fp12_sqr(&t1, &t1);
    fp12_mul(&t0, &t1, &y1);
    fp12_mul(&t1, &t1, &y0);
    fp12_sqr(&t0, &t0);
    fp12_mul(r, &t1, &t0);
}

/* f = f * l for the line l = yP - lambda xP w + c w^3 = (yP, 0, 0) + (-lambda xP, c, 0) w. */
static void pairing_mul_line(fp12_t *f, const uint64_t *xp, const uint64_t *yp,
                             const fp2_t *lambda, const fp2_t *c) {
    fp12_t l;
    memset(&l, 0, sizeof l);
    memcpy(l.c[0].c[0].c[0], yp, 32);
    uint64_t nx[4];
    f_neg(nx, xp, PFP);
    fp2_mul_fp(&l.c[1].c[0], lambda, nx);
    l.c[1].c[1] = *c;
    fp12_mul(f, f, &l);
}

/* The product of the Miller loops of n pairs (P_j, Q_j) over `steps` precomputed steps:
 *   points:  n affine G1 points (x, y Montgomery; (0, 0) is infinity, which contributes 1);
 *   lines:   n * steps * 4 Fp elements (lambda.c0, lambda.c1, c.c0, c.c1) of pair j, step s at
 *            limb ((j * steps) + s) * 16;
 *   squares: per step, 1 when f is squared before the step's lines (a doubling step).
 * Then the final exponentiation when `final` is set. */
static void pairing_multi(fp12_t *out, const g1_affine_t *points, const uint64_t *lines,
                          const uint8_t *squares, int64_t n, int64_t steps, int final) {
    fp12_t f;
    fp12_set_one(&f);
    for (int64_t s = 0; s < steps; s++) {
        if (squares[s]) fp12_sqr(&f, &f);
        for (int64_t j = 0; j < n; j++) {
            if (g1_affine_is_inf(&points[j])) continue;
            const uint64_t (*ln)[4] = (const uint64_t (*)[4])(lines + (j * steps + s) * 16);
            fp2_t lambda, c;
            memcpy(lambda.c[0], ln[0], 32);
            memcpy(lambda.c[1], ln[1], 32);
            memcpy(c.c[0], ln[2], 32);
            memcpy(c.c[1], ln[3], 32);
            pairing_mul_line(&f, points[j].x, points[j].y, &lambda, &c);
        }
    }
    if (final) pairing_final_exponentiation(out, &f);
    else *out = f;
}

#undef PFP

#endif
