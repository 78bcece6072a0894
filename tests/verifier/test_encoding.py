"""Canonical encodings: edges of the scalar range, G1 checks, G2 word order."""

import pytest
from py_ecc import optimized_bn128 as bn

from attrib.verifier.encoding import (
    Q_MODULUS,
    R_MODULUS,
    EncodingError,
    decode_g1,
    decode_g2,
    decode_scalar,
    encode_g1,
    encode_g2,
    encode_scalar,
    is_g1,
)


@pytest.mark.parametrize("value", [0, 1, R_MODULUS - 1])
def test_scalar_round_trip(value):
    assert decode_scalar(encode_scalar(value)) == value
    assert encode_scalar(value) == value.to_bytes(32, "big")


@pytest.mark.parametrize("value", [R_MODULUS, R_MODULUS + 1, 2**256 - 1])
def test_non_canonical_scalars_rejected(value):
    with pytest.raises(EncodingError, match="not canonical"):
        decode_scalar(value.to_bytes(32, "big"))
    with pytest.raises(EncodingError):
        encode_scalar(value)


def test_scalar_length_checked():
    with pytest.raises(EncodingError, match="32 bytes"):
        decode_scalar(bytes(31))
    with pytest.raises(EncodingError):
        encode_scalar(-1)


def test_g1_round_trip_and_infinity():
    p = bn.multiply(bn.G1, 12345)
    assert bn.eq(decode_g1(encode_g1(p)), p)
    assert encode_g1(bn.Z1) == bytes(64)
    assert bn.is_inf(decode_g1(bytes(64)))
    assert encode_g1(bn.G1) == (1).to_bytes(32, "big") + (2).to_bytes(32, "big")


def test_g1_rejects_off_curve_and_non_canonical():
    good = bytearray(encode_g1(bn.G1))
    good[63] ^= 1
    with pytest.raises(EncodingError, match="not on the curve"):
        decode_g1(bytes(good))
    with pytest.raises(EncodingError, match="not canonical"):
        decode_g1((1 + Q_MODULUS).to_bytes(32, "big") + (2).to_bytes(32, "big"))
    with pytest.raises(EncodingError, match="64 bytes"):
        decode_g1(bytes(63))
    assert not is_g1((bn.FQ(1), bn.FQ(3), bn.FQ(1)))
    assert not is_g1((1, 2, 1))
    assert is_g1(bn.G1) and is_g1(bn.Z1)


def test_g2_is_imaginary_part_first():
    data = encode_g2(bn.G2)
    x, y = bn.normalize(bn.G2)
    assert data[:32] == int(x.coeffs[1]).to_bytes(32, "big")       # x.c1 (imaginary) first
    assert data[32:64] == int(x.coeffs[0]).to_bytes(32, "big")
    assert data[64:96] == int(y.coeffs[1]).to_bytes(32, "big")
    assert bn.eq(decode_g2(data), bn.G2)
    swapped = data[32:64] + data[:32] + data[96:] + data[64:96]      # py_ecc's (real first) order
    with pytest.raises(EncodingError):
        decode_g2(swapped)
