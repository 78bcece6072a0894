/* Montgomery multiplication of 8 field elements at once with AVX-512 IFMA.
 *
 * Input and output use the portable format of field.h: 4 little-endian 64-bit
 * limbs per element, Montgomery form with R = 2^256, fully reduced (< p).  The
 * results are bit-identical to f_mul.
 *
 * Inside, each element lives in 5 limbs of 52 bits, one __m512i per limb
 * holding that limb of 8 elements (one element per 64-bit lane), because
 * vpmadd52luq / vpmadd52huq multiply the low 52 bits of two lanes and add the
 * low / high 52 bits of the 104-bit product to a 64-bit accumulator.
 *
 * A Montgomery product over 5 limbs of 52 bits divides by 2^260, not 2^256.
 * The kernels make up the difference by feeding the second operand in as
 * b * 2^4 (the shift folds into the 64 -> 52-bit limb split), so that
 * a * (16 b) * 2^-260 = a * b * 2^-256 mod p.
 *
 * Compiled only for x86-64 GCC / Clang, with per-function target attributes,
 * so the build stays portable; callers must check attrib_use_ifma() first.
 */
#ifndef ATTRIB_FIELD_IFMA_H
#define ATTRIB_FIELD_IFMA_H

#include <stdlib.h>
#include <string.h>
#include "field.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define ATTRIB_HAVE_IFMA 1
#else
#define ATTRIB_HAVE_IFMA 0
#endif

#if ATTRIB_HAVE_IFMA
#include <immintrin.h>

#define ATTRIB_IFMA_TARGET __attribute__((target("avx512f,avx512vl,avx512ifma,avx512bw,avx512dq")))
#define ATTRIB_IFMA_INLINE static inline __attribute__((always_inline)) ATTRIB_IFMA_TARGET
/* The limb loops must unroll completely, or the limb arrays go to memory. */
#define IFMA_UNROLL _Pragma("GCC unroll 16")

/* 1 when the CPU (and OS) run AVX-512 IFMA and ATTRIB_NO_IFMA is unset, empty
 * or "0"; decided on the first call and cached. */
static int attrib_use_ifma(void) {
    static int cached = -1;
    int use = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (use < 0) {
        const char *off = getenv("ATTRIB_NO_IFMA");
        __builtin_cpu_init();
        use = !(off && off[0] && strcmp(off, "0") != 0)
              && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
              && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
              && __builtin_cpu_supports("avx512ifma");
        __atomic_store_n(&cached, use, __ATOMIC_RELAXED);
    }
    return use;
}

#define IFMA_MASK52 ((1ULL << 52) - 1)

/* The modulus in 52-bit limbs, k = -p^-1 mod 2^52 and the limb mask, in all lanes.
 * Derived from the 64-bit parameters (the low 52 bits of -p^-1 mod 2^64 are
 * -p^-1 mod 2^52); with a constant F the compiler folds them. */
typedef struct {
    __m512i p[5];
    __m512i k;
    __m512i mask;  /* 2^52 - 1 */
} ifma_consts_t;

ATTRIB_IFMA_INLINE ifma_consts_t ifma_consts(const fparams_t *F) {
    const uint64_t *p = F->p;
    ifma_consts_t c;
    c.p[0] = _mm512_set1_epi64((long long)(p[0] & IFMA_MASK52));
    c.p[1] = _mm512_set1_epi64((long long)(((p[0] >> 52) | (p[1] << 12)) & IFMA_MASK52));
    c.p[2] = _mm512_set1_epi64((long long)(((p[1] >> 40) | (p[2] << 24)) & IFMA_MASK52));
    c.p[3] = _mm512_set1_epi64((long long)(((p[2] >> 28) | (p[3] << 36)) & IFMA_MASK52));
    c.p[4] = _mm512_set1_epi64((long long)(p[3] >> 16));
    c.k = _mm512_set1_epi64((long long)(F->inv & IFMA_MASK52));
    c.mask = _mm512_set1_epi64((long long)IFMA_MASK52);
    return c;
}

/* Hide the constants' values from the compiler.  In long kernels it runs
 * out of registers and would rebuild each constant where it is used (a move
 * and a broadcast, on the ports the multiplier needs); opaque, they are
 * spilled once and read back as memory operands instead. */
ATTRIB_IFMA_INLINE void ifma_consts_opaque(ifma_consts_t *C) {
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) __asm__("" : "+v"(C->p[j]));
    __asm__("" : "+v"(C->k), "+v"(C->mask));
}

/* l[j] = 64-bit limb j of elements 0..7, from z[i] holding elements 2i and
 * 2i + 1 (limbs 0..3 of each, in lanes 0-3 and 4-7). */
ATTRIB_IFMA_INLINE void ifma_transpose4x8(__m512i l[4], __m512i z0, __m512i z1, __m512i z2, __m512i z3) {
    /* Gather limbs 0,1 (resp. 2,3) of four elements: lanes 0-3 limb 0 of
     * elements 0-3, lanes 4-7 limb 1 of elements 0-3. */
    const __m512i lo01 = _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i lo23 = _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2);
    const __m512i a01 = _mm512_permutex2var_epi64(z0, lo01, z1);
    const __m512i a23 = _mm512_permutex2var_epi64(z0, lo23, z1);
    const __m512i b01 = _mm512_permutex2var_epi64(z2, lo01, z3);
    const __m512i b23 = _mm512_permutex2var_epi64(z2, lo23, z3);
    /* Join the halves of elements 0-3 and 4-7 (256-bit lanes). */
    l[0] = _mm512_shuffle_i64x2(a01, b01, 0x44);
    l[1] = _mm512_shuffle_i64x2(a01, b01, 0xee);
    l[2] = _mm512_shuffle_i64x2(a23, b23, 0x44);
    l[3] = _mm512_shuffle_i64x2(a23, b23, 0xee);
}

/* Load 8 consecutive elements (256 bytes) and transpose them so that l[j]
 * holds 64-bit limb j of elements 0..7. */
ATTRIB_IFMA_INLINE void ifma_load8(__m512i l[4], const uint64_t *src) {
    ifma_transpose4x8(l, _mm512_loadu_si512(src), _mm512_loadu_si512(src + 8),
                      _mm512_loadu_si512(src + 16), _mm512_loadu_si512(src + 24));
}

/* Inverse of ifma_load8: the same two permutations undo the transposition. */
ATTRIB_IFMA_INLINE void ifma_store8(uint64_t *dst, const __m512i l[4]) {
    const __m512i a01 = _mm512_shuffle_i64x2(l[0], l[1], 0x44);
    const __m512i b01 = _mm512_shuffle_i64x2(l[0], l[1], 0xee);
    const __m512i a23 = _mm512_shuffle_i64x2(l[2], l[3], 0x44);
    const __m512i b23 = _mm512_shuffle_i64x2(l[2], l[3], 0xee);
    const __m512i lo01 = _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i lo23 = _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2);
    _mm512_storeu_si512(dst, _mm512_permutex2var_epi64(a01, lo01, a23));
    _mm512_storeu_si512(dst + 8, _mm512_permutex2var_epi64(a01, lo23, a23));
    _mm512_storeu_si512(dst + 16, _mm512_permutex2var_epi64(b01, lo01, b23));
    _mm512_storeu_si512(dst + 24, _mm512_permutex2var_epi64(b01, lo23, b23));
}

/* 52-bit limbs x[0..4] of (value << SHIFT), SHIFT 0 or 4, from 64-bit limbs.
 * The limbs are left unmasked above bit 52: they only ever feed the
 * multiplier inputs of vpmadd52*, which ignore bits 52..63. */
#define IFMA_SPLIT(x, l, SHIFT)                                                              \
    do {                                                                                     \
        (x)[0] = _mm512_slli_epi64((l)[0], (SHIFT));                                         \
        (x)[1] = _mm512_or_si512(_mm512_srli_epi64((l)[0], 52 - (SHIFT)),                    \
                                 _mm512_slli_epi64((l)[1], 12 + (SHIFT)));                   \
        (x)[2] = _mm512_or_si512(_mm512_srli_epi64((l)[1], 40 - (SHIFT)),                    \
                                 _mm512_slli_epi64((l)[2], 24 + (SHIFT)));                   \
        (x)[3] = _mm512_or_si512(_mm512_srli_epi64((l)[2], 28 - (SHIFT)),                    \
                                 _mm512_slli_epi64((l)[3], 36 + (SHIFT)));                   \
        (x)[4] = _mm512_srli_epi64((l)[3], 16 - (SHIFT));                                    \
    } while (0)

/* The first operand as is. */
ATTRIB_IFMA_INLINE void ifma_split(__m512i x[5], const __m512i l[4]) { IFMA_SPLIT(x, l, 0); }

/* The second operand times 2^4 (< 16p < 2^260: still 5 limbs), which turns
 * the 2^-260 of the 52-bit Montgomery product into the 2^-256 of R. */
ATTRIB_IFMA_INLINE void ifma_split16(__m512i x[5], const __m512i l[4]) { IFMA_SPLIT(x, l, 4); }

#undef IFMA_SPLIT

/* r = a * b * 2^-260 mod p in [0, 2p), limbs not normalised (each < 2^57).
 *
 * Product first, then Montgomery reduction one 52-bit column per round, all
 * in 64-bit accumulators that absorb up to 2^11 halves of products (< 2^52
 * each) without overflow, so carries wait until the end.  Latency matters as
 * much as the instruction count, so the code keeps the serial chains short:
 *  - the product's columns (P) and the reduction's additions (Q) accumulate
 *    separately, so neither waits on the other's chain of vpmadd52;
 *  - a round needs only its column's carry from the round before, and that
 *    carry is known before m: adding lo(m p0) makes the column a multiple of
 *    2^52, so the column becomes exactly ceil(col / 2^52) * 2^52.  Thus
 *    lo(m p0) is never computed, and the serial path of a round is m, one
 *    vpmadd52 and an add.
 * Bound: r = (a b + M p) / 2^260 with the reduction multiple M < 2^260;
 * a < p and b < 16p < 2^260 (p < 2^256) give a b < 2^260 p, so r < 2p. */
ATTRIB_IFMA_INLINE void ifma_montmul(__m512i r[5], const __m512i a[5], const __m512i b[5],
                                     const ifma_consts_t *C) {
    const __m512i zero = _mm512_setzero_si512();
    __m512i P[10], Q[10];
    IFMA_UNROLL
    for (int k = 0; k < 10; k++) P[k] = Q[k] = zero;
    /* Column k of a*b: lo(a_i b_j) with i + j = k, hi(a_i b_j) with i + j = k - 1. */
    IFMA_UNROLL
    for (int k = 0; k < 10; k++) {
        IFMA_UNROLL
        for (int i = 0; i < 5; i++)
            if (k - i >= 0 && k - i < 5) P[k] = _mm512_madd52lo_epu64(P[k], a[i], b[k - i]);
        IFMA_UNROLL
        for (int i = 0; i < 5; i++)
            if (k - 1 - i >= 0 && k - 1 - i < 5) P[k] = _mm512_madd52hi_epu64(P[k], a[i], b[k - 1 - i]);
    }
    IFMA_UNROLL
    for (int i = 0; i < 5; i++) {
        const __m512i col = _mm512_add_epi64(P[i], Q[i]);
        /* m = col * (-p^-1) mod 2^52 makes col + m p divisible by 2^52
         * (vpmadd52 reads only the low 52 bits of col, which is all m needs). */
        const __m512i m = _mm512_madd52lo_epu64(zero, col, C->k);
        const __m512i carry = _mm512_srli_epi64(_mm512_add_epi64(col, C->mask), 52);
        P[i + 1] = _mm512_madd52lo_epu64(_mm512_add_epi64(P[i + 1], carry), m, C->p[1]);
        Q[i + 1] = _mm512_madd52hi_epu64(Q[i + 1], m, C->p[0]);
        IFMA_UNROLL
        for (int j = 2; j < 5; j++) Q[i + j] = _mm512_madd52lo_epu64(Q[i + j], m, C->p[j]);
        IFMA_UNROLL
        for (int j = 1; j < 5; j++) Q[i + j + 1] = _mm512_madd52hi_epu64(Q[i + j + 1], m, C->p[j]);
    }
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) r[j] = _mm512_add_epi64(P[5 + j], Q[5 + j]);
}

/* t in [0, 2p) with unnormalised limbs (each < 2^62) -> t mod p, limbs < 2^52.
 * Two independent carry chains: t normalised, and t - p normalised with the
 * borrow carried by arithmetic shifts; the sign of the latter picks one. */
ATTRIB_IFMA_INLINE void ifma_reduce_once(__m512i t[5], const ifma_consts_t *C) {
    __m512i n[5], d[5];
    __m512i carry = _mm512_setzero_si512(), borrow = _mm512_setzero_si512();
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) {
        n[j] = _mm512_add_epi64(t[j], carry);
        d[j] = _mm512_add_epi64(_mm512_sub_epi64(t[j], C->p[j]), borrow);
        if (j < 4) {
            carry = _mm512_srli_epi64(n[j], 52);
            borrow = _mm512_srai_epi64(d[j], 52);
            n[j] = _mm512_and_si512(n[j], C->mask);
            d[j] = _mm512_and_si512(d[j], C->mask);
        }
    }
    /* The top limb of t - p, unmasked, carries its sign: negative means t < p. */
    const __mmask8 keep = _mm512_movepi64_mask(d[4]);
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) t[j] = _mm512_mask_blend_epi64(keep, d[j], n[j]);
}

/* Normalised 52-bit limbs (value < 2^256) back to 64-bit limbs. */
ATTRIB_IFMA_INLINE void ifma_join(__m512i l[4], const __m512i t[5]) {
    l[0] = _mm512_or_si512(t[0], _mm512_slli_epi64(t[1], 52));
    l[1] = _mm512_or_si512(_mm512_srli_epi64(t[1], 12), _mm512_slli_epi64(t[2], 40));
    l[2] = _mm512_or_si512(_mm512_srli_epi64(t[2], 24), _mm512_slli_epi64(t[3], 28));
    l[3] = _mm512_or_si512(_mm512_srli_epi64(t[3], 36), _mm512_slli_epi64(t[4], 16));
}

/* Chains of operations in the 52-bit domain.
 *
 * Kernels that run a whole formula on 8 lanes (g1_ifma.h) convert their
 * inputs once, keep every intermediate in 5 limbs of 52 bits and convert the
 * results back once.  Values there are reduced lazily: they are only known to
 * lie below a small multiple of p, and are brought into [0, p) just before
 * they leave.  Their bounds follow from the one of ifma_montmul: for
 * inputs a < A p and b16 < B p (b16 = 16 b, so B is 16 times the bound of b)
 * with A B < 84 (2^260 / p > 84.6), a b16 2^-260 + p bounds the result, which
 * is then below p (1 + A B / 84).  "Normalised" means limbs 0..3 in
 * [0, 2^52) and the top limb holding the rest.
 */

/* Normalised 52-bit limbs from 64-bit limbs: ifma_split with the limbs
 * masked, as additions and ifma_shift16 need them. */
ATTRIB_IFMA_INLINE void ifma_split_masked(__m512i x[5], const __m512i l[4], const ifma_consts_t *C) {
    ifma_split(x, l);
    IFMA_UNROLL
    for (int j = 0; j < 4; j++) x[j] = _mm512_and_si512(x[j], C->mask);
}

/* Normalise limbs of either sign (each in (-2^62, 2^62)): the carries and
 * borrows travel up by arithmetic shifts, so the top limb ends up negative
 * exactly when the value is. */
ATTRIB_IFMA_INLINE void ifma_carry(__m512i t[5], const ifma_consts_t *C) {
    IFMA_UNROLL
    for (int j = 0; j < 4; j++) {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srai_epi64(t[j], 52));
        t[j] = _mm512_and_si512(t[j], C->mask);
    }
}

/* r = 16 v, the second-operand form of ifma_montmul, for normalised
 * v < 2^256: the 260-bit number shifted left by 4, limb by limb.  Bits 52..55
 * of r's limbs are left over (they belong to the next limb up); vpmadd52
 * never reads them, and r must feed nothing else. */
ATTRIB_IFMA_INLINE void ifma_shift16(__m512i r[5], const __m512i v[5]) {
    r[0] = _mm512_slli_epi64(v[0], 4);
    IFMA_UNROLL
    for (int j = 1; j < 5; j++)
        r[j] = _mm512_or_si512(_mm512_slli_epi64(v[j], 4), _mm512_srli_epi64(v[j - 1], 48));
}

/* v normalised in [0, k p), 2 <= k <= 4 -> v mod p, normalised.  The
 * candidates v - j p (j < k) are formed side by side; the one with the
 * largest j that is still nonnegative wins. */
ATTRIB_IFMA_INLINE void ifma_reduce_small(__m512i v[5], int k, const ifma_consts_t *C) {
    __m512i best[5], jp[5];
    IFMA_UNROLL
    for (int i = 0; i < 5; i++) {
        best[i] = v[i];
        jp[i] = _mm512_setzero_si512();
    }
    IFMA_UNROLL
    for (int j = 1; j < k; j++) {
        __m512i d[5];
        IFMA_UNROLL
        for (int i = 0; i < 5; i++) {
            jp[i] = _mm512_add_epi64(jp[i], C->p[i]);   /* limbs of j p, unnormalised */
            d[i] = _mm512_sub_epi64(v[i], jp[i]);
        }
        ifma_carry(d, C);
        const __mmask8 negative = _mm512_movepi64_mask(d[4]);
        IFMA_UNROLL
        for (int i = 0; i < 5; i++) best[i] = _mm512_mask_blend_epi64(negative, d[i], best[i]);
    }
    IFMA_UNROLL
    for (int i = 0; i < 5; i++) v[i] = best[i];
}

/* Values below 2p.  Longer formulas (point additions in Jacobian form)
 * keep one simple invariant instead of per-value bounds: every value is
 * normalised and below 2p.  Products of two such values are below 1.76p
 * (A = 2, B = 32), sums and differences are brought back below 2p by one
 * conditional subtraction of 2p. */

/* v normalised in [0, 4p) -> v mod 2p, normalised. */
ATTRIB_IFMA_INLINE void ifma_below2p(__m512i v[5], const ifma_consts_t *C) {
    __m512i d[5];
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) d[j] = _mm512_sub_epi64(v[j], _mm512_add_epi64(C->p[j], C->p[j]));
    ifma_carry(d, C);
    const __mmask8 negative = _mm512_movepi64_mask(d[4]);
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) v[j] = _mm512_mask_blend_epi64(negative, d[j], v[j]);
}

/* r = a b 2^-256 mod p, the field product of Montgomery-form values, below
 * 1.76p. */
ATTRIB_IFMA_INLINE void ifma_mul2p(__m512i r[5], const __m512i a[5], const __m512i b[5], const ifma_consts_t *C) {
    __m512i b16[5];
    ifma_shift16(b16, b);
    ifma_montmul(r, a, b16, C);
    ifma_carry(r, C);
}

ATTRIB_IFMA_INLINE void ifma_add2p(__m512i r[5], const __m512i a[5], const __m512i b[5], const ifma_consts_t *C) {
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) r[j] = _mm512_add_epi64(a[j], b[j]);
    ifma_carry(r, C);
    ifma_below2p(r, C);
}

/* r = a - b, formed as a + 2p - b in (0, 4p). */
ATTRIB_IFMA_INLINE void ifma_sub2p(__m512i r[5], const __m512i a[5], const __m512i b[5], const ifma_consts_t *C) {
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) r[j] = _mm512_sub_epi64(_mm512_add_epi64(a[j], _mm512_add_epi64(C->p[j], C->p[j])), b[j]);
    ifma_carry(r, C);
    ifma_below2p(r, C);
}

/* Lanes where v (normalised, below 2p) is 0 mod p: v is 0 or p. */
ATTRIB_IFMA_INLINE __mmask8 ifma_zero2p(const __m512i v[5], const ifma_consts_t *C) {
    __mmask8 zero = 0xff, is_p = 0xff;
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) {
        zero &= _mm512_cmpeq_epi64_mask(v[j], _mm512_setzero_si512());
        is_p &= _mm512_cmpeq_epi64_mask(v[j], C->p[j]);
    }
    return zero | is_p;
}

/* Lanes whose element (64-bit limbs l) might be >= p: those with top limb
 * >= p's.  Rare for canonical data; the caller confirms them with the exact
 * scalar test. */
ATTRIB_IFMA_INLINE __mmask8 ifma_suspects(const __m512i l[4], const fparams_t *F) {
    return _mm512_cmpge_epu64_mask(l[3], _mm512_set1_epi64((long long)F->p[3]));
}

/* 1 when one of the elements src[i] flagged in `lanes` is >= p. */
static inline int ifma_confirm_bad(const uint64_t *src, __mmask8 lanes, const fparams_t *F) {
    int bad = 0;
    for (int i = 0; i < 8; i++)
        if ((lanes >> i) & 1) bad |= f_geq_modulus(src + 4 * i, F);
    return bad;
}

/* ifma_load8 that also returns 1 when one of the 8 elements is >= p. */
ATTRIB_IFMA_INLINE int ifma_load8_checked(__m512i l[4], const uint64_t *src, const fparams_t *F) {
    ifma_load8(l, src);
    const __mmask8 suspects = ifma_suspects(l, F);
    return ATTRIB_UNLIKELY(suspects) ? ifma_confirm_bad(src, suspects, F) : 0;
}

/* r = la * b * 2^-256 mod p, fully reduced 52-bit limbs, for la 8 elements
 * in transposed 64-bit limbs and b16 the other operand from ifma_split16. */
ATTRIB_IFMA_INLINE void ifma_mul_split(__m512i r[5], const __m512i la[4], const __m512i b16[5],
                                       const ifma_consts_t *C) {
    __m512i a52[5];
    ifma_split(a52, la);
    ifma_montmul(r, a52, b16, C);
    ifma_reduce_once(r, C);
}

/* The kernels below handle 8 consecutive elements; each returns 1 when one
 * of the elements it reads is >= p (its output is then unspecified). */

/* out[i] = a[i] * b[i] * 2^-256 mod p. */
ATTRIB_IFMA_INLINE int ifma_mul8(uint64_t *out, const uint64_t *a, const uint64_t *b,
                                 const fparams_t *F) {
    const ifma_consts_t C = ifma_consts(F);
    __m512i la[4], lb[4], b16[5], r[5];
    const int bad = ifma_load8_checked(la, a, F) | ifma_load8_checked(lb, b, F);
    ifma_split16(b16, lb);
    ifma_mul_split(r, la, b16, &C);
    ifma_join(la, r);
    ifma_store8(out, la);
    return bad;
}

/* out[i] = a[i]^2 * 2^-256 mod p. */
ATTRIB_IFMA_INLINE int ifma_square8(uint64_t *out, const uint64_t *a, const fparams_t *F) {
    const ifma_consts_t C = ifma_consts(F);
    __m512i la[4], a16[5], r[5];
    const int bad = ifma_load8_checked(la, a, F);
    ifma_split16(a16, la);
    ifma_mul_split(r, la, a16, &C);
    ifma_join(la, r);
    ifma_store8(out, la);
    return bad;
}

/* c16 = ifma_split16 of the single element c, in every lane. */
ATTRIB_IFMA_INLINE void ifma_broadcast_split16(__m512i c16[5], const uint64_t *c) {
    __m512i lc[4];
    IFMA_UNROLL
    for (int j = 0; j < 4; j++) lc[j] = _mm512_set1_epi64((long long)c[j]);
    ifma_split16(c16, lc);
}

/* out[i] = c * v[i] * 2^-256 mod p, c given by ifma_broadcast_split16. */
ATTRIB_IFMA_INLINE int ifma_scale8(uint64_t *out, const __m512i c16[5], const uint64_t *v,
                                   const fparams_t *F) {
    const ifma_consts_t C = ifma_consts(F);
    __m512i lv[4], r[5];
    const int bad = ifma_load8_checked(lv, v, F);
    ifma_mul_split(r, lv, c16, &C);
    ifma_join(lv, r);
    ifma_store8(out, lv);
    return bad;
}

/* acc = acc + a[i] * b[i] * 2^-256 mod p in lane i (acc: normalised 52-bit
 * limbs, < p). */
ATTRIB_IFMA_INLINE int ifma_mac8(__m512i acc[5], const uint64_t *a, const uint64_t *b,
                                 const fparams_t *F) {
    const ifma_consts_t C = ifma_consts(F);
    __m512i la[4], lb[4], b16[5], r[5];
    const int bad = ifma_load8_checked(la, a, F) | ifma_load8_checked(lb, b, F);
    ifma_split16(b16, lb);
    ifma_mul_split(r, la, b16, &C);
    /* Both terms < p, so the sum is < 2p and one reduction step suffices. */
    IFMA_UNROLL
    for (int j = 0; j < 5; j++) acc[j] = _mm512_add_epi64(acc[j], r[j]);
    ifma_reduce_once(acc, &C);
    return bad;
}

/* The 8 lane values of acc as 8 consecutive 4-limb elements. */
ATTRIB_IFMA_INLINE void ifma_store_acc(uint64_t out[32], const __m512i acc[5]) {
    __m512i l[4];
    ifma_join(l, acc);
    ifma_store8(out, l);
}

#undef IFMA_MASK52
#undef IFMA_UNROLL

#endif /* ATTRIB_HAVE_IFMA */

/* Which multiplication kernels run: "avx512ifma" or "portable". */
static inline const char *attrib_simd_backend(void) {
#if ATTRIB_HAVE_IFMA
    if (attrib_use_ifma()) return "avx512ifma";
#endif
    return "portable";
}

#endif
