"""Canonical byte encodings shared by every verifier (Python and EVM).

- A field element is 32 bytes, big-endian, and canonical: a value >= r is
  rejected, never reduced.
- A G1 point is x ‖ y, 32-byte big-endian words, with (0, 0) for infinity; a
  decoded point must have canonical coordinates and lie on y² = x³ + 3.
- A G2 point is x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0 (imaginary part first, the order
  of the EVM pairing precompile; py_ecc keeps FQ2 coefficients real part first).

Points are handled as py_ecc ``optimized_bn128`` tuples; these functions are
the only place that turns them into bytes and back.
"""

from __future__ import annotations

import functools

from py_ecc import optimized_bn128 as bn

# The curve's constants, from py_ecc (an implementation independent of ours).
R_MODULUS: int = bn.curve_order          # scalar field r
Q_MODULUS: int = bn.field_modulus        # base field q
G1_B = 3

FIELD_BYTES = 32
G1_BYTES = 64
G2_BYTES = 128

G1Point = tuple  # py_ecc optimized_bn128 G1 point (FQ, FQ, FQ)
G2Point = tuple  # py_ecc optimized_bn128 G2 point (FQ2, FQ2, FQ2)

assert R_MODULUS == 21888242871839275222246405745257275088548364400416034343698204186575808495617
assert Q_MODULUS == 21888242871839275222246405745257275088696311157297823662689037894645226208583
assert bn.is_on_curve(bn.G1, bn.b) and bn.is_on_curve(bn.G2, bn.b2)


class EncodingError(ValueError):
    """Bytes that are not a canonical encoding."""


def encode_scalar(x: int) -> bytes:
    """32-byte big-endian encoding of a field element 0 <= x < r."""
    if not 0 <= x < R_MODULUS:
        raise EncodingError(f"scalar {x} is outside [0, r)")
    return x.to_bytes(FIELD_BYTES, "big")


def decode_scalar(data: bytes) -> int:
    """The field element encoded in 32 bytes; non-canonical values are rejected."""
    if len(data) != FIELD_BYTES:
        raise EncodingError(f"a scalar is {FIELD_BYTES} bytes, got {len(data)}")
    x = int.from_bytes(data, "big")
    if x >= R_MODULUS:
        raise EncodingError("scalar is not canonical (>= r)")
    return x


def encode_scalars(xs) -> bytes:
    return b"".join(encode_scalar(x) for x in xs)


def g1_affine(point: G1Point) -> tuple[int, int]:
    """Affine (x, y) integers of a G1 point, (0, 0) for infinity."""
    if bn.is_inf(point):
        return (0, 0)
    if point[2] == bn.FQ.one():                 # decoded points are affine already: no inverse
        return (int(point[0]), int(point[1]))
    x, y = bn.normalize(point)
    return (int(x), int(y))


def g1_from_affine(x: int, y: int) -> G1Point:
    """The G1 point (x, y), checked: canonical coordinates on the curve; (0, 0) is infinity."""
    if not (0 <= x < Q_MODULUS and 0 <= y < Q_MODULUS):
        raise EncodingError("G1 coordinate is not canonical (>= q)")
    if (x, y) == (0, 0):
        return bn.Z1
    if (y * y - x * x * x - G1_B) % Q_MODULUS:
        raise EncodingError(f"G1 point ({x}, {y}) is not on the curve")
    return (bn.FQ(x), bn.FQ(y), bn.FQ.one())


def is_g1(point) -> bool:
    """Whether ``point`` is a well-formed py_ecc G1 point on the curve (infinity included)."""
    try:
        if len(point) != 3 or not all(isinstance(c, bn.FQ) for c in point):
            return False
        return bn.is_inf(point) or bn.is_on_curve(point, bn.b)
    except TypeError:
        return False


def encode_g1(point: G1Point) -> bytes:
    x, y = g1_affine(point)
    return x.to_bytes(FIELD_BYTES, "big") + y.to_bytes(FIELD_BYTES, "big")


def decode_g1(data: bytes) -> G1Point:
    if len(data) != G1_BYTES:
        raise EncodingError(f"a G1 point is {G1_BYTES} bytes, got {len(data)}")
    return g1_from_affine(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))


def encode_g2(point: G2Point) -> bytes:
    """x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, the EVM's word order."""
    if bn.is_inf(point):
        return bytes(G2_BYTES)
    x, y = bn.normalize(point)
    words = (x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0])
    return b"".join(int(w).to_bytes(FIELD_BYTES, "big") for w in words)


def decode_g2(data: bytes) -> G2Point:
    """A G2 point from EVM word order, checked on the twist and in the order-r subgroup.

    Remembered for the last few encodings: the subgroup check is a 254-bit multiplication in G2
    (~50 ms here), and every manifest under one SRS carries the same two G2 points."""
    if len(data) != G2_BYTES:
        raise EncodingError(f"a G2 point is {G2_BYTES} bytes, got {len(data)}")
    return _decode_g2(bytes(data))


@functools.lru_cache(maxsize=32)
def _decode_g2(data: bytes) -> G2Point:
    x1, x0, y1, y0 = (int.from_bytes(data[i:i + 32], "big") for i in range(0, G2_BYTES, 32))
    if max(x1, x0, y1, y0) >= Q_MODULUS:
        raise EncodingError("G2 coordinate is not canonical (>= q)")
    if (x1, x0, y1, y0) == (0, 0, 0, 0):
        return bn.Z2
    point = (bn.FQ2([x0, x1]), bn.FQ2([y0, y1]), bn.FQ2.one())
    if not bn.is_on_curve(point, bn.b2):
        raise EncodingError("G2 point is not on the twist curve")
    if not bn.is_inf(bn.multiply(point, R_MODULUS)):
        raise EncodingError("G2 point is not in the order-r subgroup")
    return point
