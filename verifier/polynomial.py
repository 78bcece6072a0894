"""Field arithmetic the verifier needs on plain integers mod r.

Variable order (shared with the prover's kernels and the EVM verifier): in an
evaluation table f of a multilinear polynomial in n variables, bit k of the
index i is the value of variable x_k (little-endian), so
f̃(x) = Σ_i f[i]·Π_k (x_k if bit_k(i) else 1 − x_k), and binding x_0 first
pairs f[2i] with f[2i+1].  In this order the table [1, 2, 1, 4] takes the value
28 at (x_0, x_1) = (3, 4).
"""

from __future__ import annotations

import functools

from attrib.verifier.encoding import R_MODULUS

R = R_MODULUS


def inverse(x: int) -> int:
    """x⁻¹ mod r; x must be non-zero."""
    if x % R == 0:
        raise ZeroDivisionError("zero has no inverse mod r")
    return pow(x, -1, R)


def evaluate_multilinear(table: list[int], point: list[int]) -> int:
    """f̃(point) by folding x_0 first: f'[i] = f[2i] + x_0·(f[2i+1] − f[2i])."""
    if len(table) != 1 << len(point):
        raise ValueError(f"a table of {len(table)} entries needs {len(table).bit_length() - 1} coordinates")
    values = [v % R for v in table]
    for x in point:
        values = [(values[2 * i] + x * (values[2 * i + 1] - values[2 * i])) % R for i in range(len(values) // 2)]
    return values[0]


def evaluate_eq(a: list[int], b: list[int]) -> int:
    """eq(a, b) = Π_k (a_k·b_k + (1 − a_k)(1 − b_k))."""
    acc = 1
    for x, y in zip(a, b, strict=True):
        acc = acc * (1 - x - y + 2 * x * y) % R         # = x·y + (1 − x)(1 − y)
    return acc


def interpolate_at(evals: list[int], x: int) -> int:
    """p(x) for the polynomial of degree < len(evals) with p(t) = evals[t], t = 0, 1, ...

    Lagrange over the nodes 0..d: p(x) = Σ_t evals[t]·Π_{s≠t} (x − s)/(t − s).
    """
    d = len(evals)
    weights = _lagrange_denominator_inverses(d)
    # Π_{s≠t} (x − s) = (Π_{s<t} (x − s))·(Π_{s>t} (x − s)), from prefix and suffix products
    prefix = [1] * (d + 1)
    for s in range(d):
        prefix[s + 1] = prefix[s] * (x - s) % R
    total, suffix = 0, 1
    for t in range(d - 1, -1, -1):
        total += evals[t] * weights[t] * prefix[t] * suffix
        suffix = suffix * (x - t) % R
    return total % R


@functools.lru_cache(maxsize=32)
def _lagrange_denominator_inverses(d: int) -> tuple[int, ...]:
    """(Π_{s≠t} (t − s))⁻¹ mod r for t = 0 … d−1: constants of interpolate_at, per degree."""
    out = []
    for t in range(d):
        den = 1
        for s in range(d):
            if s != t:
                den = den * (t - s) % R
        out.append(inverse(den))
    return tuple(out)


def evaluate_range_indicator(t: int, u: list[int]) -> int:
    """Σ_{i < t} eq(i, u): the MLE of the indicator of [0, t) at u, for 0 ≤ t ≤ 2^n.

    An index i < t first differs from t at some bit k with t_k = 1, i_k = 0 and
    agrees above it; the bits below k are free and their eq factors sum to 1:
    Σ_{k: t_k = 1} (1 − u_k)·Π_{m > k} eq(t_m, u_m).
    """
    n = len(u)
    if t >= 1 << n:
        return 1
    total, prefix = 0, 1
    for k in range(n - 1, -1, -1):
        if (t >> k) & 1:
            total = (total + prefix * (1 - u[k])) % R
            prefix = prefix * u[k] % R
        else:
            prefix = prefix * (1 - u[k]) % R
    return total
