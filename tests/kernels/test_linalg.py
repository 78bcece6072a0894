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
