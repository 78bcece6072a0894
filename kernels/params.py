"""The one place where the BN254 fields and curve are declared.

Everything else is derived from the two moduli below: the Montgomery constants
here in Python, and the C header ``kernels/src/bn254_params.h`` written from
them by :func:`render_c_header` at build time.  This module is pure Python and
imports nothing of the project, so the build can load it before any extension
exists.
"""

from __future__ import annotations

LIMBS = 4
LIMB_BITS = 64
LIMB_MASK = (1 << LIMB_BITS) - 1

# Scalar field r (the group order) and base field q of BN254 (alt_bn128).
FR_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617
FP_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583

# A generator of the multiplicative group of Fr (as arkworks and gnark use).
FR_GENERATOR = 5
FP_GENERATOR = 3

# G1: y^2 = x^3 + 3 over Fp, generator (1, 2).
G1_B = 3
G1_GENERATOR = (1, 2)

# The BN parameter: q = 36x^4 + 36x^3 + 24x^2 + 6x + 1 and r = 36x^4 + 36x^3 + 18x^2 + 6x + 1.
BN_X = 4965661367192848881
# The pairing's tower: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi), Fp12 = Fp6[w]/(w^2 - v),
# xi = 9 + u (the EVM precompile's and py_ecc's tower).  G2 lives on the D-type twist
# y^2 = x^3 + 3/xi over Fp2, mapped into E(Fp12) by (x, y) -> (x w^2, y w^3).
XI = (9, 1)
ATE_LOOP_COUNT = 6 * BN_X + 2                   # the optimal ate Miller loop runs over its bits


def fp2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """(a0 + a1 u)(b0 + b1 u) mod q, u^2 = -1."""
    q = FP_MODULUS
    return ((a[0] * b[0] - a[1] * b[1]) % q, (a[0] * b[1] + a[1] * b[0]) % q)


def fp2_pow(a: tuple[int, int], e: int) -> tuple[int, int]:
    acc, base = (1, 0), a
    while e:
        if e & 1:
            acc = fp2_mul(acc, base)
        base = fp2_mul(base, base)
        e >>= 1
    return acc


def frobenius2_constant() -> int:
    """gamma = xi^((q^2 - 1)/6): w^(q^2) = gamma * w, so the q^2-power Frobenius of an Fp12
    element multiplies its coefficient of w^i by gamma^i.  It lies in Fp."""
    g = fp2_pow(XI, (FP_MODULUS ** 2 - 1) // 6)
    assert g[1] == 0
    return g[0]


def frobenius1_constants() -> list[tuple[int, int]]:
    """gamma1^i for i = 1 … 5, gamma1 = xi^((q - 1)/6) in Fp2: w^q = gamma1 * w, so the q-power
    Frobenius of an Fp12 element conjugates each Fp2 coefficient of w^i and multiplies it by gamma1^i."""
    g = fp2_pow(XI, (FP_MODULUS - 1) // 6)
    return [fp2_pow(g, i) for i in range(1, 6)]


def hard_exponent() -> int:
    """(q^4 - q^2 + 1)/r: the hard part of the final exponentiation (q^12 - 1)/r."""
    e, rem = divmod(FP_MODULUS ** 4 - FP_MODULUS ** 2 + 1, FR_MODULUS)
    assert rem == 0
    return e


def hard_chain_exponent() -> int:
    """The exponent kernels/src/pairing.h's hard part computes, tracked step by step (a Frobenius
    multiplies it by q, an inverse negates it): it must be exactly :func:`hard_exponent`."""
    q, x = FP_MODULUS, BN_X
    fx, fx2, fx3 = x, x * x, x ** 3
    y0, y1, y2 = q + q**2 + q**3, -1, fx2 * q**2
    y3, y4, y5, y6 = -(fx * q), -(fx + fx2 * q), -fx2, -(fx3 + fx3 * q)
    t0 = 2 * y6 + y4 + y5
    t1 = y3 + y5 + t0
    t0 = t0 + y2
    t1 = 2 * (2 * t1 + t0)
    t0 = t1 + y1
    t1 = t1 + y0
    return t1 + 2 * t0


class FieldParams:
    """Montgomery parameters of a prime field with 4×64-bit limbs."""

    def __init__(self, name: str, modulus: int, generator: int) -> None:
        self.name = name
        self.modulus = modulus
        self.generator = generator
        self.r = (1 << (LIMBS * LIMB_BITS)) % modulus          # R = 2^256 mod p
        self.r2 = (self.r * self.r) % modulus                   # R^2 mod p
        self.inv = (-pow(modulus, -1, 1 << LIMB_BITS)) % (1 << LIMB_BITS)  # -p^-1 mod 2^64
        self.bits = modulus.bit_length()

    def limbs(self, value: int) -> list[int]:
        """Little-endian 64-bit limbs of ``value``."""
        return [(value >> (LIMB_BITS * i)) & LIMB_MASK for i in range(LIMBS)]


FR = FieldParams("fr", FR_MODULUS, FR_GENERATOR)
FP = FieldParams("fp", FP_MODULUS, FP_GENERATOR)


def _check_invariants() -> None:
    for f in (FR, FP):
        assert f.bits == 254, f.name
        # The "no-carry" Montgomery multiplication needs the top limb below (2^64-1)/2 - 1.
        assert f.limbs(f.modulus)[3] < (LIMB_MASK >> 1) - 1, f.name
        assert (f.modulus * f.inv) % (1 << LIMB_BITS) == LIMB_MASK, f.name
        # Fermat witness: the declared generator is not a square (so the modulus is odd prime-like).
        assert pow(f.generator, (f.modulus - 1) // 2, f.modulus) == f.modulus - 1, f.name
    gx, gy = G1_GENERATOR
    assert (gy * gy - gx ** 3 - G1_B) % FP_MODULUS == 0
    x = BN_X
    assert x.bit_length() == 63                 # kernels/src/pairing.h's fp12_pow_x starts at bit 62
    assert FP_MODULUS == 36 * x**4 + 36 * x**3 + 24 * x**2 + 6 * x + 1
    assert FR_MODULUS == 36 * x**4 + 36 * x**3 + 18 * x**2 + 6 * x + 1


_check_invariants()


def render_c_header() -> str:
    """The C header with every constant the kernels need, derived from the moduli above."""

    def words(values: list[int]) -> str:
        return "{" + ", ".join(f"0x{v:016x}ULL" for v in values) + "}"

    lines = [
        "/* Generated by kernels/params.py at build time: do not edit. */",
        "#ifndef ATTRIB_BN254_PARAMS_H",
        "#define ATTRIB_BN254_PARAMS_H",
    ]
    for f in (FR, FP):
        up = f.name.upper()
        lines += [
            f"#define {up}_MODULUS {words(f.limbs(f.modulus))}",
            f"#define {up}_R {words(f.limbs(f.r))}",
            f"#define {up}_R2 {words(f.limbs(f.r2))}",
            f"#define {up}_INV 0x{f.inv:016x}ULL",
        ]
    fp = FP
    assert hard_chain_exponent() == hard_exponent()
    lines += [
        f"#define G1_B_MONT {words(fp.limbs((G1_B * fp.r) % fp.modulus))}",
        f"#define G1_B3_MONT {words(fp.limbs((3 * G1_B * fp.r) % fp.modulus))}",
        f"#define PAIRING_GAMMA2_MONT {words(fp.limbs((frobenius2_constant() * fp.r) % fp.modulus))}",
        "#define PAIRING_FROB1_MONT {" + ", ".join(
            words(fp.limbs((c * fp.r) % fp.modulus)) for pair in frobenius1_constants() for c in pair) + "}",
        f"#define PAIRING_BN_X 0x{BN_X:016x}ULL",
        "#endif",
        "",
    ]
    return "\n".join(lines)
