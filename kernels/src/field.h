/* Montgomery arithmetic in a 254-bit prime field, 4 little-endian 64-bit limbs.
 *
 * Every function takes the field's parameters as a pointer to a static const
 * struct; called through the per-field wrappers in bn254.h the compiler folds
 * the constants in, so one body serves Fr and Fp.  Values are kept fully
 * reduced (< p) at all times.
 */
#ifndef ATTRIB_FIELD_H
#define ATTRIB_FIELD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define ATTRIB_INLINE static inline __attribute__((always_inline))
#define ATTRIB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ATTRIB_INLINE static inline
#define ATTRIB_UNLIKELY(x) (x)
#endif

typedef unsigned __int128 u128;

typedef struct {
    uint64_t p[4];    /* modulus */
    uint64_t r[4];    /* 2^256 mod p: Montgomery form of 1 */
    uint64_t r2[4];   /* 2^512 mod p: converts into Montgomery form */
    uint64_t inv;     /* -p^-1 mod 2^64 */
} fparams_t;

ATTRIB_INLINE int f_is_zero(const uint64_t *a) {
    return (a[0] | a[1] | a[2] | a[3]) == 0;
}

ATTRIB_INLINE int f_eq(const uint64_t *a, const uint64_t *b) {
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* 1 when a >= p, i.e. a is not a canonical residue. */
ATTRIB_INLINE int f_geq_modulus(const uint64_t *a, const fparams_t *F) {
    u128 t = 0;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        t = (u128)a[i] - F->p[i] - borrow;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    return !borrow;
}

/* r = a + b mod p.  Both inputs < p < 2^254, so the sum cannot overflow 256 bits. */
ATTRIB_INLINE void f_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t s[4], d[4];
    u128 t = 0;
    for (int i = 0; i < 4; i++) {
        t = (u128)a[i] + b[i] + (uint64_t)(t >> 64);
        s[i] = (uint64_t)t;
    }
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        t = (u128)s[i] - F->p[i] - borrow;
        d[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    uint64_t keep = (uint64_t)0 - borrow;  /* all ones when s < p */
    for (int i = 0; i < 4; i++) r[i] = (s[i] & keep) | (d[i] & ~keep);
}

/* r = a - b mod p. */
ATTRIB_INLINE void f_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t d[4];
    u128 t = 0;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        t = (u128)a[i] - b[i] - borrow;
        d[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    uint64_t mask = (uint64_t)0 - borrow;  /* all ones when a < b: add p back */
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        t = (u128)d[i] + (F->p[i] & mask) + carry;
        r[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
}

/* r = -a mod p. */
ATTRIB_INLINE void f_neg(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    static const uint64_t zero[4] = {0, 0, 0, 0};
    f_sub(r, zero, a, F);
}

ATTRIB_INLINE void f_double(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    f_add(r, a, a, F);
}

/* r = a * b * 2^-256 mod p (Montgomery product), CIOS with the "no-carry"
 * shortcut that holds because the modulus' top limb is below 2^63 - 1. */
ATTRIB_INLINE void f_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    const uint64_t *p = F->p;
    for (int i = 0; i < 4; i++) {
        const uint64_t bi = b[i];
        u128 x = (u128)a[0] * bi + t0;
        uint64_t c = (uint64_t)(x >> 64);
        t0 = (uint64_t)x;
        const uint64_t m = t0 * F->inv;
        u128 y = (u128)m * p[0] + t0;
        uint64_t c2 = (uint64_t)(y >> 64);

        x = (u128)a[1] * bi + t1 + c;
        c = (uint64_t)(x >> 64);
        y = (u128)m * p[1] + (uint64_t)x + c2;
        c2 = (uint64_t)(y >> 64);
        t0 = (uint64_t)y;

        x = (u128)a[2] * bi + t2 + c;
        c = (uint64_t)(x >> 64);
        y = (u128)m * p[2] + (uint64_t)x + c2;
        c2 = (uint64_t)(y >> 64);
        t1 = (uint64_t)y;

        x = (u128)a[3] * bi + t3 + c;
        c = (uint64_t)(x >> 64);
        y = (u128)m * p[3] + (uint64_t)x + c2;
        c2 = (uint64_t)(y >> 64);
        t2 = (uint64_t)y;

        t3 = c + c2;
    }
    uint64_t s[4] = {t0, t1, t2, t3}, d[4];
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 t = (u128)s[i] - p[i] - borrow;
        d[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    uint64_t keep = (uint64_t)0 - borrow;
    for (int i = 0; i < 4; i++) r[i] = (s[i] & keep) | (d[i] & ~keep);
}

ATTRIB_INLINE void f_square(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    f_mul(r, a, a, F);
}

/* Montgomery form from canonical limbs: a * R^2 * R^-1 = a * R. */
ATTRIB_INLINE void f_to_mont(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    f_mul(r, a, F->r2, F);
}

/* Canonical limbs from Montgomery form: a * 1 * R^-1. */
ATTRIB_INLINE void f_from_mont(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    static const uint64_t one[4] = {1, 0, 0, 0};
    f_mul(r, a, one, F);
}

/* r = a^e for a little-endian exponent of `nlimbs` limbs (square and multiply). */
ATTRIB_INLINE void f_pow(uint64_t *r, const uint64_t *a, const uint64_t *e, int nlimbs,
                         const fparams_t *F) {
    uint64_t acc[4], base[4];
    memcpy(acc, F->r, sizeof acc);
    memcpy(base, a, sizeof base);
    int top = nlimbs * 64 - 1;
    while (top >= 0 && !((e[top / 64] >> (top % 64)) & 1)) top--;
    for (int bit = top; bit >= 0; bit--) {
        f_square(acc, acc, F);
        if ((e[bit / 64] >> (bit % 64)) & 1) f_mul(acc, acc, base, F);
    }
    memcpy(r, acc, sizeof acc);
}

/* r = a^-1 by Fermat (a^(p-2)); the caller guarantees a != 0. */
ATTRIB_INLINE void f_inv(uint64_t *r, const uint64_t *a, const fparams_t *F) {
    uint64_t e[4];
    memcpy(e, F->p, sizeof e);
    e[0] -= 2;  /* p is odd and > 2: no borrow */
    f_pow(r, a, e, 4, F);
}

#endif
