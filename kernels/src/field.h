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
ATTRIB_INLINE void f_add_c(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
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
ATTRIB_INLINE void f_sub_c(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
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

#if defined(__GNUC__) && defined(__x86_64__) && !defined(ATTRIB_NO_ASM)
/* The same two with add / adc / sbb / cmov (baseline x86-64, every CPU): the
 * C versions recover each carry from a 128-bit sum, which compilers turn into
 * more instructions than the flags need.  Building with -DATTRIB_NO_ASM keeps
 * the C versions (and drops the mulx multiply below), to test them on x86-64. */
ATTRIB_INLINE void f_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t s0, s1, s2, s3, d0, d1, d2, d3;
    __asm__("movq (%[ap]), %[s0]\n\t"
            "addq (%[bp]), %[s0]\n\t"
            "movq 8(%[ap]), %[s1]\n\t"
            "adcq 8(%[bp]), %[s1]\n\t"
            "movq 16(%[ap]), %[s2]\n\t"
            "adcq 16(%[bp]), %[s2]\n\t"
            "movq 24(%[ap]), %[s3]\n\t"
            "adcq 24(%[bp]), %[s3]\n\t"
            "movq %[s0], %[d0]\n\t"
            "subq %[p0], %[d0]\n\t"
            "movq %[s1], %[d1]\n\t"
            "sbbq %[p1], %[d1]\n\t"
            "movq %[s2], %[d2]\n\t"
            "sbbq %[p2], %[d2]\n\t"
            "movq %[s3], %[d3]\n\t"
            "sbbq %[p3], %[d3]\n\t"
            "cmovcq %[s0], %[d0]\n\t"   /* s < p: keep s */
            "cmovcq %[s1], %[d1]\n\t"
            "cmovcq %[s2], %[d2]\n\t"
            "cmovcq %[s3], %[d3]\n\t"
            : [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
              [d0] "=&r"(d0), [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3)
            : [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b),
              [p0] "m"(F->p[0]), [p1] "m"(F->p[1]), [p2] "m"(F->p[2]), [p3] "m"(F->p[3])
            : "cc");
    r[0] = d0;
    r[1] = d1;
    r[2] = d2;
    r[3] = d3;
}

ATTRIB_INLINE void f_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t d0, d1, d2, d3, m, t0, t1, t2, t3;
    __asm__("movq (%[ap]), %[d0]\n\t"
            "subq (%[bp]), %[d0]\n\t"
            "movq 8(%[ap]), %[d1]\n\t"
            "sbbq 8(%[bp]), %[d1]\n\t"
            "movq 16(%[ap]), %[d2]\n\t"
            "sbbq 16(%[bp]), %[d2]\n\t"
            "movq 24(%[ap]), %[d3]\n\t"
            "sbbq 24(%[bp]), %[d3]\n\t"
            "sbbq %[m], %[m]\n\t"       /* all ones when a < b: add p back */
            "movq %[p0], %[t0]\n\t"
            "andq %[m], %[t0]\n\t"
            "movq %[p1], %[t1]\n\t"
            "andq %[m], %[t1]\n\t"
            "movq %[p2], %[t2]\n\t"
            "andq %[m], %[t2]\n\t"
            "movq %[p3], %[t3]\n\t"
            "andq %[m], %[t3]\n\t"
            "addq %[t0], %[d0]\n\t"
            "adcq %[t1], %[d1]\n\t"
            "adcq %[t2], %[d2]\n\t"
            "adcq %[t3], %[d3]\n\t"
            : [d0] "=&r"(d0), [d1] "=&r"(d1), [d2] "=&r"(d2), [d3] "=&r"(d3), [m] "=&r"(m),
              [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b),
              [p0] "m"(F->p[0]), [p1] "m"(F->p[1]), [p2] "m"(F->p[2]), [p3] "m"(F->p[3])
            : "cc");
    r[0] = d0;
    r[1] = d1;
    r[2] = d2;
    r[3] = d3;
}
#else
ATTRIB_INLINE void f_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) { f_add_c(r, a, b, F); }
ATTRIB_INLINE void f_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) { f_sub_c(r, a, b, F); }
#endif

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
ATTRIB_INLINE void f_mul_int128(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
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

#if defined(__GNUC__) && defined(__x86_64__) && !defined(ATTRIB_NO_ASM)
#define ATTRIB_HAVE_ADX 1
#else
#define ATTRIB_HAVE_ADX 0
#endif

#if ATTRIB_HAVE_ADX
#include <stdlib.h>

/* 1 when the CPU has BMI2 (mulx) and ADX (adcx / adox) and ATTRIB_NO_ADX is
 * unset, empty or "0".  Set once, when the extension module is loaded (a
 * constructor per module), so f_mul tests one plain variable: the branch is
 * always predicted and both bodies inline. */
static int attrib_adx_enabled;

__attribute__((constructor)) static void attrib_adx_init(void) {
    const char *off = getenv("ATTRIB_NO_ADX");
    __builtin_cpu_init();
    attrib_adx_enabled = !(off && off[0] && strcmp(off, "0") != 0)
                         && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
}

ATTRIB_INLINE int attrib_use_adx(void) { return attrib_adx_enabled; }

/* The CIOS loop of f_mul_int128 with mulx and two independent carry chains
 * (adcx on CF, adox on OF), as inline assembly: the assembler takes these
 * instructions whatever -march says, so the module still builds for generic
 * x86-64 and the code inlines into callers compiled without -mbmi2 -madx.
 * Only ever run after attrib_use_adx().
 *
 * Five registers R0..R4 hold the running 5-limb sum; each round leaves a
 * 4-limb result (T + a b_i + m p) / 2^64 < 2p in the top four (the modulus'
 * top limb is below 2^62, the "no-carry" bound) and frees the bottom one,
 * which becomes the next round's top limb. */
#define ADX_ROUND0(B, T0, T1, T2, T3, T4)                                    \
    "movq " B ", %%rdx\n\t"                                                  \
    "xorl %k[lo], %k[lo]\n\t"                                                \
    "mulxq (%[ap]), " T0 ", " T1 "\n\t"                                      \
    "mulxq 8(%[ap]), %[lo], " T2 "\n\t"                                      \
    "adcxq %[lo], " T1 "\n\t"                                                \
    "mulxq 16(%[ap]), %[lo], " T3 "\n\t"                                     \
    "adcxq %[lo], " T2 "\n\t"                                                \
    "mulxq 24(%[ap]), %[lo], " T4 "\n\t"                                     \
    "adcxq %[lo], " T3 "\n\t"                                                \
    "movl $0, %%edx\n\t"                                                     \
    "adcxq %%rdx, " T4 "\n\t"
#define ADX_ROUND(B, T0, T1, T2, T3, T4)                                     \
    "movq " B ", %%rdx\n\t"                                                  \
    "xorl %k[lo], %k[lo]\n\t"                                                \
    "mulxq (%[ap]), %[lo], %[hi]\n\t"                                        \
    "adoxq %[lo], " T0 "\n\t"                                                \
    "adcxq %[hi], " T1 "\n\t"                                                \
    "mulxq 8(%[ap]), %[lo], %[hi]\n\t"                                       \
    "adoxq %[lo], " T1 "\n\t"                                                \
    "adcxq %[hi], " T2 "\n\t"                                                \
    "mulxq 16(%[ap]), %[lo], %[hi]\n\t"                                      \
    "adoxq %[lo], " T2 "\n\t"                                                \
    "adcxq %[hi], " T3 "\n\t"                                                \
    "mulxq 24(%[ap]), %[lo], " T4 "\n\t"                                     \
    "adoxq %[lo], " T3 "\n\t"                                                \
    "movl $0, %%edx\n\t"                                                     \
    "adcxq %%rdx, " T4 "\n\t"                                                \
    "adoxq %%rdx, " T4 "\n\t"
/* T0..T4 += m p with m = T0 * inv, so that T0 becomes 0. */
#define ADX_REDUCE(T0, T1, T2, T3, T4)                                       \
    "movq " T0 ", %%rdx\n\t"                                                 \
    "imulq %[inv], %%rdx\n\t"                                                \
    "xorl %k[lo], %k[lo]\n\t"                                                \
    "mulxq %[p0], %[lo], %[hi]\n\t"                                          \
    "adoxq %[lo], " T0 "\n\t"                                                \
    "adcxq %[hi], " T1 "\n\t"                                                \
    "mulxq %[p1], %[lo], %[hi]\n\t"                                          \
    "adoxq %[lo], " T1 "\n\t"                                                \
    "adcxq %[hi], " T2 "\n\t"                                                \
    "mulxq %[p2], %[lo], %[hi]\n\t"                                          \
    "adoxq %[lo], " T2 "\n\t"                                                \
    "adcxq %[hi], " T3 "\n\t"                                                \
    "mulxq %[p3], %[lo], %[hi]\n\t"                                          \
    "adoxq %[lo], " T3 "\n\t"                                                \
    "adcxq %[hi], " T4 "\n\t"                                                \
    "movl $0, %%edx\n\t"                                                     \
    "adoxq %%rdx, " T4 "\n\t"

ATTRIB_INLINE void f_mul_adx(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
    uint64_t r0, r1, r2, r3, r4, lo, hi;
    __asm__(
        ADX_ROUND0("(%[bp])", "%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[r4]")
        ADX_REDUCE("%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[r4]")
        ADX_ROUND("8(%[bp])", "%[r1]", "%[r2]", "%[r3]", "%[r4]", "%[r0]")
        ADX_REDUCE("%[r1]", "%[r2]", "%[r3]", "%[r4]", "%[r0]")
        ADX_ROUND("16(%[bp])", "%[r2]", "%[r3]", "%[r4]", "%[r0]", "%[r1]")
        ADX_REDUCE("%[r2]", "%[r3]", "%[r4]", "%[r0]", "%[r1]")
        ADX_ROUND("24(%[bp])", "%[r3]", "%[r4]", "%[r0]", "%[r1]", "%[r2]")
        ADX_REDUCE("%[r3]", "%[r4]", "%[r0]", "%[r1]", "%[r2]")
        /* The result (r4, r0, r1, r2) < 2p: subtract p once if it is >= p. */
        "movq %[r4], %[r3]\n\t"
        "subq %[p0], %[r3]\n\t"
        "movq %[r0], %[lo]\n\t"
        "sbbq %[p1], %[lo]\n\t"
        "movq %[r1], %[hi]\n\t"
        "sbbq %[p2], %[hi]\n\t"
        "movq %[r2], %%rdx\n\t"
        "sbbq %[p3], %%rdx\n\t"
        "cmovaeq %[r3], %[r4]\n\t"
        "cmovaeq %[lo], %[r0]\n\t"
        "cmovaeq %[hi], %[r1]\n\t"
        "cmovaeq %%rdx, %[r2]\n\t"
        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
          [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b),
          [p0] "m"(F->p[0]), [p1] "m"(F->p[1]), [p2] "m"(F->p[2]), [p3] "m"(F->p[3]),
          [inv] "m"(F->inv)
        : "rdx", "cc");
    r[0] = r4;
    r[1] = r0;
    r[2] = r1;
    r[3] = r2;
}
#undef ADX_ROUND0
#undef ADX_ROUND
#undef ADX_REDUCE
#else
ATTRIB_INLINE int attrib_use_adx(void) { return 0; }
#endif

/* r = a * b * 2^-256 mod p: mulx / adcx / adox on CPUs with BMI2 and ADX
 * (unless ATTRIB_NO_ADX is set), the __int128 loop everywhere else; both give
 * the same fully reduced result.  r may alias a or b. */
ATTRIB_INLINE void f_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const fparams_t *F) {
#if ATTRIB_HAVE_ADX
    if (attrib_use_adx()) {
        f_mul_adx(r, a, b, F);
        return;
    }
#endif
    f_mul_int128(r, a, b, F);
}

/* The scalar multiply f_mul runs: "adx" or "int128". */
static inline const char *attrib_scalar_backend(void) { return attrib_use_adx() ? "adx" : "int128"; }

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
