/* BN254 G1: y^2 = x^3 + 3 over Fp, coordinates in Montgomery form.
 *
 * Affine points are 8 limbs (x, y); (0, 0) is the point at infinity (it is not
 * on the curve, so the encoding is unambiguous).  Jacobian points are 12 limbs
 * (X, Y, Z) standing for (X/Z^2, Y/Z^3); Z = 0 is infinity.  Formulas are the
 * a = 0 ones from the Explicit-Formulas Database (dbl-2009-l, madd-2007-bl,
 * add-2007-bl), with the exceptional cases (equal or opposite inputs,
 * infinity) handled explicitly.
 */
#ifndef ATTRIB_G1_H
#define ATTRIB_G1_H

#include "bn254.h"

typedef struct { uint64_t x[4], y[4]; } g1_affine_t;
typedef struct { uint64_t x[4], y[4], z[4]; } g1_jac_t;

static const uint64_t G1_B_M[4] = G1_B_MONT;

ATTRIB_INLINE int g1_affine_is_inf(const g1_affine_t *p) {
    return f_is_zero(p->x) && f_is_zero(p->y);
}

ATTRIB_INLINE int g1_jac_is_inf(const g1_jac_t *p) { return f_is_zero(p->z); }

ATTRIB_INLINE void g1_jac_set_inf(g1_jac_t *p) {
    memset(p, 0, sizeof *p);
    memcpy(p->x, FP_PARAMS.r, 32);
    memcpy(p->y, FP_PARAMS.r, 32);
}

ATTRIB_INLINE void g1_jac_from_affine(g1_jac_t *r, const g1_affine_t *p) {
    if (g1_affine_is_inf(p)) { g1_jac_set_inf(r); return; }
    memcpy(r->x, p->x, 32);
    memcpy(r->y, p->y, 32);
    memcpy(r->z, FP_PARAMS.r, 32);
}

/* 1 when the affine point is infinity or satisfies y^2 = x^3 + 3. */
ATTRIB_INLINE int g1_affine_on_curve(const g1_affine_t *p) {
    if (g1_affine_is_inf(p)) return 1;
    uint64_t lhs[4], rhs[4];
    fp_sqr(lhs, p->y);
    fp_sqr(rhs, p->x);
    fp_mul(rhs, rhs, p->x);
    fp_add(rhs, rhs, G1_B_M);
    return f_eq(lhs, rhs);
}

ATTRIB_INLINE void g1_affine_neg(g1_affine_t *r, const g1_affine_t *p) {
    memcpy(r->x, p->x, 32);
    fp_neg(r->y, p->y);   /* -0 = 0 keeps infinity as (0, 0) */
}

/* r = 2p (dbl-2009-l); r may alias p. */
ATTRIB_INLINE void g1_jac_double(g1_jac_t *r, const g1_jac_t *p) {
    if (g1_jac_is_inf(p)) { *r = *p; return; }
    uint64_t a[4], b[4], c[4], d[4], e[4], f[4], t[4];
    fp_sqr(a, p->x);
    fp_sqr(b, p->y);
    fp_sqr(c, b);
    fp_add(t, p->x, b);
    fp_sqr(t, t);
    fp_sub(t, t, a);
    fp_sub(t, t, c);
    fp_dbl(d, t);
    fp_dbl(e, a);
    fp_add(e, e, a);
    fp_sqr(f, e);
    fp_mul(r->z, p->y, p->z);
    fp_dbl(r->z, r->z);
    fp_sub(r->x, f, d);
    fp_sub(r->x, r->x, d);
    fp_sub(t, d, r->x);
    fp_mul(t, e, t);
    fp_dbl(c, c);
    fp_dbl(c, c);
    fp_dbl(c, c);
    fp_sub(r->y, t, c);
}

/* r = p + q with q affine (madd-2007-bl); r may alias p. */
ATTRIB_INLINE void g1_jac_add_affine(g1_jac_t *r, const g1_jac_t *p, const g1_affine_t *q) {
    if (g1_affine_is_inf(q)) { *r = *p; return; }
    if (g1_jac_is_inf(p)) { g1_jac_from_affine(r, q); return; }
    uint64_t z1z1[4], u2[4], s2[4], h[4], hh[4], i[4], j[4], rr[4], v[4], t[4];
    fp_sqr(z1z1, p->z);
    fp_mul(u2, q->x, z1z1);
    fp_mul(s2, q->y, p->z);
    fp_mul(s2, s2, z1z1);
    fp_sub(h, u2, p->x);
    fp_sub(rr, s2, p->y);
    if (f_is_zero(h)) {
        if (f_is_zero(rr)) g1_jac_double(r, p);
        else g1_jac_set_inf(r);
        return;
    }
    fp_dbl(rr, rr);
    fp_sqr(hh, h);
    fp_dbl(i, hh);
    fp_dbl(i, i);
    fp_mul(j, h, i);
    fp_mul(v, p->x, i);
    fp_add(t, p->z, h);          /* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
    fp_sqr(t, t);
    fp_sub(t, t, z1z1);
    fp_sub(r->z, t, hh);
    uint64_t y1j[4];
    fp_mul(y1j, p->y, j);
    fp_sqr(r->x, rr);            /* X3 = r^2 - J - 2V */
    fp_sub(r->x, r->x, j);
    fp_sub(r->x, r->x, v);
    fp_sub(r->x, r->x, v);
    fp_sub(t, v, r->x);          /* Y3 = r (V - X3) - 2 Y1 J */
    fp_mul(t, rr, t);
    fp_dbl(y1j, y1j);
    fp_sub(r->y, t, y1j);
}

/* r = p + q (add-2007-bl); r may alias p or q. */
ATTRIB_INLINE void g1_jac_add(g1_jac_t *r, const g1_jac_t *p, const g1_jac_t *q) {
    if (g1_jac_is_inf(p)) { *r = *q; return; }
    if (g1_jac_is_inf(q)) { *r = *p; return; }
    uint64_t z1z1[4], z2z2[4], u1[4], u2[4], s1[4], s2[4], h[4], i[4], j[4], rr[4], v[4], t[4];
    fp_sqr(z1z1, p->z);
    fp_sqr(z2z2, q->z);
    fp_mul(u1, p->x, z2z2);
    fp_mul(u2, q->x, z1z1);
    fp_mul(s1, p->y, q->z);
    fp_mul(s1, s1, z2z2);
    fp_mul(s2, q->y, p->z);
    fp_mul(s2, s2, z1z1);
    fp_sub(h, u2, u1);
    fp_sub(rr, s2, s1);
    if (f_is_zero(h)) {
        if (f_is_zero(rr)) g1_jac_double(r, p);
        else g1_jac_set_inf(r);
        return;
    }
    fp_dbl(rr, rr);
    fp_dbl(i, h);
    fp_sqr(i, i);
    fp_mul(j, h, i);
    fp_mul(v, u1, i);
    fp_add(t, p->z, q->z);       /* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
    fp_sqr(t, t);
    fp_sub(t, t, z1z1);
    fp_sub(t, t, z2z2);
    fp_mul(r->z, t, h);
    fp_sqr(r->x, rr);
    fp_sub(r->x, r->x, j);
    fp_sub(r->x, r->x, v);
    fp_sub(r->x, r->x, v);
    fp_mul(s1, s1, j);
    fp_dbl(s1, s1);
    fp_sub(t, v, r->x);
    fp_mul(t, rr, t);
    fp_sub(r->y, t, s1);
}

/* Affine form of one Jacobian point (one inversion). */
ATTRIB_INLINE void g1_jac_to_affine(g1_affine_t *r, const g1_jac_t *p) {
    if (g1_jac_is_inf(p)) { memset(r, 0, sizeof *r); return; }
    uint64_t zi[4], zi2[4];
    fp_inv(zi, p->z);
    fp_sqr(zi2, zi);
    fp_mul(r->x, p->x, zi2);
    fp_mul(zi2, zi2, zi);
    fp_mul(r->y, p->y, zi2);
}

/* Affine forms of n Jacobian points with one shared inversion; `scratch`
 * holds n field elements. */
static void g1_batch_to_affine(g1_affine_t *r, const g1_jac_t *p, int64_t n, uint64_t (*scratch)[4]) {
    uint64_t acc[4], inv[4], t[4], zi2[4];
    memcpy(acc, FP_PARAMS.r, 32);
    for (int64_t i = 0; i < n; i++) {
        memcpy(scratch[i], acc, 32);
        if (!g1_jac_is_inf(&p[i])) fp_mul(acc, acc, p[i].z);
    }
    fp_inv(inv, acc);
    for (int64_t i = n - 1; i >= 0; i--) {
        if (g1_jac_is_inf(&p[i])) { memset(&r[i], 0, sizeof r[i]); continue; }
        fp_mul(t, scratch[i], inv);        /* 1 / Z_i */
        fp_mul(inv, inv, p[i].z);
        fp_sqr(zi2, t);
        fp_mul(r[i].x, p[i].x, zi2);
        fp_mul(zi2, zi2, t);
        fp_mul(r[i].y, p[i].y, zi2);
    }
}

/* r = k p for a little-endian scalar of `nlimbs` limbs (double and add). */
ATTRIB_INLINE void g1_jac_mul(g1_jac_t *r, const g1_affine_t *p, const uint64_t *k, int nlimbs) {
    g1_jac_t acc;
    g1_jac_set_inf(&acc);
    for (int bit = nlimbs * 64 - 1; bit >= 0; bit--) {
        g1_jac_double(&acc, &acc);
        if ((k[bit / 64] >> (bit % 64)) & 1) g1_jac_add_affine(&acc, &acc, p);
    }
    *r = acc;
}

#endif
