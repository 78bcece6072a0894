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


@pytest.mark.parametrize("n", [1, 2, 5, 37, 100])
def test_msm_small_equals_the_bucket_msm(n):
    from attrib.kernels._field import FR

    rng = np.random.default_rng(n)
    points = _g1.random(n, seed=n)
    ints = [int.from_bytes(rng.bytes(32), "little") % bn.curve_order for _ in range(n)]
    if n >= 5:
        points[1] = 0                                        # infinity
        ints[2], ints[3] = 0, bn.curve_order - 1             # zero and −1
        points[4] = points[3]                                # a repeat: 3P + (r − 1)P cancels in part
    scalars = FR.from_ints(ints)
    assert np.array_equal(_pairing.msm_small(points, scalars), _g1.msm(points, scalars))


def test_msm_small_edges():
    from attrib.kernels._field import FR

    g = _g1.from_ints([(1, 2)])
    assert np.array_equal(_pairing.msm_small(g, FR.from_ints([0])), _g1.infinity(1)[0])
    two = _g1.from_ints([(1, 2), (1, 2)])
    assert np.array_equal(_pairing.msm_small(two, FR.from_ints([5, bn.curve_order - 5])), _g1.infinity(1)[0])
    x, y = bn.normalize(bn.multiply(bn.G1, 10))
    assert _g1.to_ints(_pairing.msm_small(two, FR.from_ints([3, 7]))) == (int(x), int(y))
    with pytest.raises(ValueError, match="differ in length"):
        _pairing.msm_small(two, FR.from_ints([1]))
    assert np.array_equal(_pairing.msm_small(_g1.infinity(0), FR.from_ints([])), _g1.infinity(1)[0])
