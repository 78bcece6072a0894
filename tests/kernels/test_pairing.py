"""The pairing kernel's inputs are checked before any work (kernels._pairing)."""

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from attrib.kernels import _g1, _pairing
from attrib.kernels.params import FP_MODULUS, hard_chain_exponent, hard_exponent

native = pytest.importorskip("attrib.verifier.native")


def test_the_hard_part_chain_is_exactly_the_hard_exponent():
    assert hard_chain_exponent() == hard_exponent() == (FP_MODULUS**4 - FP_MODULUS**2 + 1) // bn.curve_order


def test_bad_shapes_and_values_are_refused():
    lines, squares = native.g2_lines(bn.G2)
    points = _g1.from_ints([(1, 2)])
    assert not _pairing.pairing_product_is_one(points, lines, squares)          # e(G1, G2) ≠ 1
    with pytest.raises(ValueError, match="lines: 1 pairs of lines for 2 points"):
        _pairing.pairing_product_is_one(_g1.from_ints([(1, 2), (1, 2)]), lines, squares)
    with pytest.raises(ValueError, match="squares: expected"):
        _pairing.pairing_product_is_one(points, lines, squares[:-1])
    with pytest.raises(ValueError, match="lines: expected a uint64 array"):
        _pairing.pairing_product_is_one(points, lines.astype(np.int64), squares)
    bad = lines.copy()
    bad[0, 0, 0] = np.array([2**64 - 1] * 4, dtype=np.uint64)                   # ≥ q
    with pytest.raises(ValueError):
        _pairing.pairing_product_is_one(points, bad, squares)
    with pytest.raises(ValueError, match="not on the curve"):
        _pairing.pairing_product_is_one(np.array([[1, 0, 0, 0, 3, 0, 0, 0]], dtype=np.uint64), lines, squares)


def test_a_g2_point_off_the_twist_has_no_lines():
    x, y = bn.normalize(bn.G2)
    with pytest.raises(ValueError, match="not on the twist"):
        native.g2_lines((x, y + bn.FQ2.one(), bn.FQ2.one()))
    with pytest.raises(ValueError, match="infinity"):
        native.g2_lines(bn.Z2)
