"""The variable-order convention and the verifier's polynomial helpers."""

import random

import pytest

from attrib.kernels import fr, mle
from attrib.verifier.polynomial import R, evaluate_eq, evaluate_multilinear, interpolate_at


def test_hand_computed_multilinear_value():
    # f(x0, x1) = 1·(1-x0)(1-x1) + 2·x0(1-x1) + 1·(1-x0)x1 + 4·x0·x1; bit k of the index is x_k
    assert evaluate_multilinear([1, 2, 1, 4], [3, 4]) == 28
    assert evaluate_multilinear([1, 2, 1, 4], [0, 0]) == 1
    assert evaluate_multilinear([1, 2, 1, 4], [1, 0]) == 2
    assert evaluate_multilinear([1, 2, 1, 4], [0, 1]) == 1


@pytest.mark.parametrize("n", [1, 3, 6])
def test_kernels_and_verifier_share_the_variable_order(n):
    rng = random.Random(n)
    table = [rng.randrange(R) for _ in range(1 << n)]
    point = [rng.randrange(R) for _ in range(n)]
    assert fr.to_ints(mle.evaluate(fr.from_ints(table), fr.from_ints(point))) == evaluate_multilinear(table, point)
    eq = fr.to_ints(mle.eq_table(fr.from_ints(point)))
    for i in range(1 << n):
        bits = [(i >> k) & 1 for k in range(n)]
        assert eq[i] == evaluate_eq(bits, point)


def test_interpolation():
    coeffs = [5, 7, 11, 13]
    poly = lambda x: sum(c * x**k for k, c in enumerate(coeffs)) % R  # noqa: E731
    evals = [poly(t) for t in range(4)]
    for x in (0, 3, 17, R - 1, 123456789):
        assert interpolate_at(evals, x) == poly(x)


@pytest.mark.parametrize("count", [0, 1, 3, 4, 17, 70])
def test_linear_combination_matches_products(count):
    from py_ecc import optimized_bn128 as bn

    from attrib.verifier.hyperkzg import linear_combination

    rng = random.Random(count)
    pts = [bn.multiply(bn.G1, rng.randrange(1, R)) for _ in range(count)]
    ks = [rng.randrange(R) for _ in range(count)]
    if count > 3:
        ks[0], ks[1], pts[2] = 0, R - 1, bn.Z1
    expected = bn.Z1
    for p, k in zip(pts, ks):
        expected = bn.add(expected, bn.multiply(p, k))
    assert bn.eq(linear_combination(list(zip(pts, ks))), expected)


@pytest.mark.parametrize("factors", [1, 2, 3, 4])
def test_round_evals_are_the_round_polynomial(factors):
    """mle.round_evals gives p(0), p(2), …, p(d) of Σ_i Π_j (f_j[2i] + t·(f_j[2i+1] − f_j[2i]))."""
    rng = random.Random(factors)
    tables = [[rng.randrange(R) for _ in range(16)] for _ in range(factors)]

    def p(t):
        total = 0
        for i in range(8):
            prod = 1
            for f in tables:
                prod = prod * (f[2 * i] + t * (f[2 * i + 1] - f[2 * i])) % R
            total += prod
        return total % R
    got = fr.to_ints(mle.round_evals([fr.from_ints(t) for t in tables]))
    assert got == [p(0)] + [p(t) for t in range(2, factors + 1)]
