"""kernels.linalg: s = Φ·c for int16 Φ against Python integers."""

import numpy as np
import pytest

from attrib.kernels import fr, linalg


@pytest.mark.parametrize("rows, k", [(1, 1), (7, 3), (5000, 32), (4097, 64)])
def test_matvec_small_int_agrees_with_ints(rows, k):
    rng = np.random.default_rng(rows + k)
    phi = rng.integers(-(2**15), 2**15, size=(rows, k)).astype(np.int16)
    phi[0, :] = -(2**15)                  # the most negative int16 everywhere in one row
    if rows > 2:
        phi[1, :] = 2**15 - 1
        phi[2, :] = 0
    c = fr.random(k, rows)
    c[0] = fr.from_ints([fr.MODULUS - 1])[0]
    cs = fr.to_ints(c)
    got = fr.to_ints(linalg.matvec_small_int(phi, c))
    assert got == [sum(int(phi[i, j]) * cs[j] for j in range(k)) % fr.MODULUS for i in range(rows)]


def test_matvec_small_int_rejects_bad_input():
    c = fr.random(3, 1)
    with pytest.raises(TypeError, match="int16"):
        linalg.matvec_small_int(np.zeros((2, 3), dtype=np.int32), c)
    with pytest.raises(ValueError, match="3 coefficients for 4 columns"):
        linalg.matvec_small_int(np.zeros((2, 4), dtype=np.int16), c)
    bad = c.copy()
    bad[1] = np.uint64(2**64 - 1)
    with pytest.raises(ValueError, match="not a canonical"):
        linalg.matvec_small_int(np.zeros((2, 3), dtype=np.int16), bad)


@pytest.mark.parametrize("rows, k", [(1, 1), (10, 3), (5000, 32)])
def test_group_sums_against_ints(rows, k):
    """group_sums = np.add.reduceat of the σ-scaled rows, in wrapping int64 arithmetic: checked
    against Python integers reduced to signed 64 bits, with empty groups (a repeated start: the
    row alone, as reduceat gives it) and scales large enough to wrap."""
    rng = np.random.default_rng(rows * 3 + k)
    phi = rng.integers(-(2**15), 2**15, size=(rows, k)).astype(np.int16)
    scales = rng.integers(-(2**62), 2**62, size=rows)
    scales[: rows // 2] = rng.integers(0, 2**24, size=rows // 2)
    starts = np.unique(np.concatenate([[0], rng.integers(0, rows, size=min(rows, 40))]))
    if rows > 3:
        starts = np.sort(np.concatenate([starts, [starts[-1]]]))       # one empty group
    got = linalg.group_sums(phi, scales, starts)

    def wrap(x):
        return (x + 2**63) % 2**64 - 2**63
    expected = []
    for g, lo in enumerate(starts):
        hi = starts[g + 1] if g + 1 < len(starts) else rows
        hi = max(hi, lo + 1)
        expected.append([wrap(sum(int(scales[i]) * int(phi[i, j]) for i in range(lo, hi))) for j in range(k)])
    assert got.tolist() == expected
    assert np.array_equal(got, np.add.reduceat(phi.astype(np.int64) * scales[:, None], starts, axis=0))


def test_group_sums_rejects_bad_input():
    phi = np.zeros((4, 2), dtype=np.int16)
    with pytest.raises(TypeError, match="int16"):
        linalg.group_sums(phi.astype(np.int32), np.zeros(4, np.int64), np.array([0]))
    with pytest.raises(ValueError, match="scales"):
        linalg.group_sums(phi, np.zeros(3, np.int64), np.array([0]))
    with pytest.raises(IndexError, match="start"):
        linalg.group_sums(phi, np.zeros(4, np.int64), np.array([0, 4]))
