"""kernels.upoly's divisions against Python integers: by (X − x), in place, and by the cubic
(X − a)(X − b)(X − c) in one pass (the HyperKZG witness W divides B − I by Z_S so)."""

import random

import numpy as np
import pytest

from attrib.kernels import fr, upoly

R = fr.MODULUS


def poly_mul(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % R
    return out


def vanishing(roots) -> list[int]:
    z = [1]
    for r in roots:
        z = poly_mul(z, [(-r) % R, 1])
    return z


@pytest.mark.parametrize("m", [1, 2, 3, 5, 64, 1000])
def test_divide_linear_inplace_against_integers(m):
    rng = random.Random(m)
    f = [rng.randrange(R) for _ in range(m)]
    x = rng.randrange(R)
    arr = fr.from_ints(f)
    q, value = upoly.divide_linear_inplace(arr, fr.from_ints([x]))
    assert q.shape[0] == m - 1 and (m == 1 or np.shares_memory(q, arr))
    assert fr.to_ints(value) == sum(c * pow(x, i, R) for i, c in enumerate(f)) % R
    remainder = [(f[0] - fr.to_ints(value)) % R] + f[1:]            # f − f(x) = (X − x)·q
    if m > 1:
        assert poly_mul(fr.to_ints(q), [(-x) % R, 1]) == remainder


@pytest.mark.parametrize("m", [3, 4, 5, 6, 7, 100, 4099])
@pytest.mark.parametrize("vanishes", [True, False])
def test_divide_roots_inplace_against_integers(m, vanishes):
    rng = random.Random(m + vanishes)
    roots = [rng.randrange(R) for _ in range(3)]
    z = vanishing(roots)
    if vanishes:
        f = poly_mul([rng.randrange(R) for _ in range(m - 3)], z) if m > 3 else [0] * m
    else:
        f = [rng.randrange(R) for _ in range(m)]
    arr = fr.from_ints(f)
    q, rem = upoly.divide_roots_inplace(arr, roots)
    assert q.shape == (m - 3, 4) and rem.shape == (3, 4)
    q_ints, rem_ints = fr.to_ints(q), fr.to_ints(rem)
    recombined = poly_mul(q_ints, z) if m > 3 else [0, 0, 0]
    recombined = [(a + (rem_ints[i] if i < 3 else 0)) % R for i, a in enumerate(recombined)]
    assert recombined == f
    if vanishes:
        assert rem_ints == [0, 0, 0]
        h = fr.from_ints(f)                                          # three exact linear divisions
        for r in roots:
            h, value = upoly.divide_linear(h, fr.from_ints([r]))
            assert fr.to_ints(value) == 0
        assert np.array_equal(q, h)


def test_inplace_divisions_reject_bad_input():
    with pytest.raises(TypeError, match="writable"):
        upoly.divide_roots_inplace(fr.random(8, 1)[::2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least 3"):
        upoly.divide_roots_inplace(fr.random(2, 1), [1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        upoly.divide_linear_inplace(fr.random(0, 1), fr.from_ints([1]))
