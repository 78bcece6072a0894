"""kernels.fr / kernels.fp against Python integers, galois and the field axioms."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.kernels import fp, fr, params

CASES = 100_000


def edge_values(p: int) -> list[int]:
    """Values where carries and reductions go wrong: 0, 1, p-1, limb boundaries."""
    values = [0, 1, 2, 3, p - 1, p - 2, (p - 1) // 2, (p + 1) // 2, (1 << 256) % p, ((1 << 256) % p) ** 2 % p]
    for k in (64, 128, 192):
        values += [(1 << k) - 1, 1 << k, (1 << k) + 1]
    values += [p - (1 << 64), p - (1 << 128) + 1, (1 << 253) - 1, 1 << 253]
    return sorted({v % p for v in values})


def operands(p: int, seed: int) -> tuple[list[int], list[int]]:
    """CASES random pairs, with every pair of edge values spliced in first."""
    rng = random.Random(seed)
    edges = edge_values(p)
    xs = [a for a in edges for _ in edges]
    ys = [b for _ in edges for b in edges]
    while len(xs) < CASES:
        xs.append(rng.randrange(p))
        ys.append(rng.randrange(p))
    return xs, ys


def test_declared_constants_match_kernels(field):
    declared = params.FR if field is fr else params.FP
    assert field.MODULUS == declared.modulus
    assert field.to_ints(field.from_ints([declared.generator])) == [declared.generator]


def test_round_trip(field):
    xs, _ = operands(field.MODULUS, 1)
    assert field.to_ints(field.from_ints(xs)) == xs


@pytest.mark.parametrize("op, ref", [
    ("add", lambda x, y, p: (x + y) % p),
    ("sub", lambda x, y, p: (x - y) % p),
    ("mul", lambda x, y, p: x * y % p),
])
def test_binary_ops_agree_with_ints(field, op, ref):
    p = field.MODULUS
    xs, ys = operands(p, 2)
    got = field.to_ints(getattr(field, op)(field.from_ints(xs), field.from_ints(ys)))
    expected = [ref(x, y, p) for x, y in zip(xs, ys)]
    assert got == expected


@pytest.mark.parametrize("op, ref", [
    ("neg", lambda x, p: -x % p),
    ("square", lambda x, p: x * x % p),
])
def test_unary_ops_agree_with_ints(field, op, ref):
    p = field.MODULUS
    xs, _ = operands(p, 3)
    got = field.to_ints(getattr(field, op)(field.from_ints(xs)))
    assert got == [ref(x, p) for x in xs]


def test_inv_agrees_with_ints(field):
    p = field.MODULUS
    xs, _ = operands(p, 4)
    xs = [x for x in xs if x != 0]
    got = field.to_ints(field.inv(field.from_ints(xs)))
    assert got == [pow(x, -1, p) for x in xs]


@pytest.mark.parametrize("e", [0, 1, 2, 3, 65537, (1 << 64) - 1, 1 << 64, 1 << 200, "p-2", "p-1", "p"])
def test_pow_agrees_with_ints(field, e):
    p = field.MODULUS
    e = {"p-2": p - 2, "p-1": p - 1, "p": p}.get(e, e)
    xs, _ = operands(p, 5)
    xs = xs[:2000]
    assert field.to_ints(field.pow(field.from_ints(xs), e)) == [pow(x, e, p) for x in xs]


def test_sum_inner_scale_agree_with_ints(field):
    p = field.MODULUS
    xs, ys = operands(p, 6)
    a, b = field.from_ints(xs), field.from_ints(ys)
    assert field.to_ints(field.sum(a)) == sum(xs) % p
    assert field.to_ints(field.inner(a, b)) == sum(x * y for x, y in zip(xs, ys)) % p
    c = p - 7
    assert field.to_ints(field.scale(c, a)) == [c * x % p for x in xs]
    assert field.to_ints(field.scale(field.from_ints([c])[0], a)) == [c * x % p for x in xs]


def test_from_int64_maps_negatives(field):
    p = field.MODULUS
    rng = np.random.default_rng(7)
    values = np.concatenate([
        np.array([0, 1, -1, 2**63 - 1, -(2**63), -(2**63) + 1, 2**15, -(2**15)], dtype=np.int64),
        rng.integers(-(2**63), 2**63 - 1, size=CASES, dtype=np.int64),
    ])
    got = field.to_ints(field.from_int64(values))
    assert got == [int(v) % p for v in values]
    # narrower signed dtypes are widened, not misread
    small = np.array([-3, 5, -32768], dtype=np.int16)
    assert field.to_ints(field.from_int64(small)) == [p - 3, 5, p - 32768]


def test_equal(field):
    a = field.random(1000, 1)
    b = a.copy()
    b[17] = field.from_ints([5])[0]
    eq = field.equal(a, b)
    assert eq.dtype == np.bool_ and eq.sum() == 999 and not eq[17]


def test_sizes_zero_one_and_odd(field):
    p = field.MODULUS
    for n in (0, 1, 7, 4095, 4096, 4097, 65537):  # around the OpenMP threshold
        xs = [random.Random(n).randrange(p) for _ in range(n)]
        a = field.from_ints(xs)
        assert field.to_ints(field.mul(a, a)) == [x * x % p for x in xs]
        assert field.to_ints(field.sum(a)) == sum(xs) % p
        assert field.to_ints(field.inner(a, a)) == sum(x * x for x in xs) % p
        nz = [x for x in xs if x]
        assert field.to_ints(field.inv(field.from_ints(nz))) == [pow(x, -1, p) for x in nz]


def test_random_is_canonical_and_seeded(field):
    a = field.random(50_000, 3)
    assert all(0 <= x < field.MODULUS for x in field.to_ints(a))
    assert np.array_equal(a, field.random(50_000, 3))
    assert not np.array_equal(a, field.random(50_000, 4))


# ---- rejection: nothing outside is reduced silently -------------------------

@pytest.mark.parametrize("bad", ["p", "p+1", "2^256-1", "-1"])
def test_from_ints_rejects_out_of_range(field, bad):
    p = field.MODULUS
    value = {"p": p, "p+1": p + 1, "2^256-1": (1 << 256) - 1, "-1": -1}[bad]
    with pytest.raises(ValueError, match=r"values\[2\]"):
        field.from_ints([1, 2, value])


def test_from_ints_rejects_non_integers(field):
    for bad in (1.0, "3", None, True):
        with pytest.raises(TypeError, match=r"values\[1\]"):
            field.from_ints([1, bad])


@pytest.mark.parametrize("op", ["add", "sub", "mul", "inner", "equal"])
def test_binary_ops_reject_noncanonical_limbs(field, op):
    a = field.random(10_000, 1)
    b = field.random(10_000, 2)
    for raw in (field.MODULUS, (1 << 256) - 1):
        bad = b.copy()
        bad[9_999] = np.array([(raw >> (64 * i)) & ((1 << 64) - 1) for i in range(4)], dtype=np.uint64)
        with pytest.raises(ValueError, match=r"b\[9999\] is not a canonical"):
            getattr(field, op)(a, bad)


@pytest.mark.parametrize("op", ["neg", "square", "sum", "inv", "to_ints"])
def test_unary_ops_reject_noncanonical_limbs(field, op):
    a = field.random(100, 1)
    a[42] = np.array([(field.MODULUS >> (64 * i)) & ((1 << 64) - 1) for i in range(4)], dtype=np.uint64)
    with pytest.raises(ValueError, match=r"\[42\] is not a canonical"):
        getattr(field, op)(a)


def test_from_limbs_checks_and_converts(field):
    p = field.MODULUS
    limbs = np.array([[(v >> (64 * i)) & ((1 << 64) - 1) for i in range(4)] for v in (5, p - 1)],
                     dtype=np.uint64)
    assert field.to_ints(field.from_limbs(limbs)) == [5, p - 1]
    assert np.array_equal(field.to_limbs(field.from_limbs(limbs)), limbs)
    limbs[1, 0] += np.uint64(1)
    with pytest.raises(ValueError, match=r"limbs\[1\]"):
        field.from_limbs(limbs)


def test_shape_and_dtype_errors(field):
    a = field.random(8, 1)
    with pytest.raises(TypeError, match="uint64"):
        field.mul(a.astype(np.int64), a)
    with pytest.raises(TypeError, match="numpy"):
        field.mul([[1, 2, 3, 4]], a)
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        field.mul(a.reshape(4, 8), a)
    with pytest.raises(ValueError, match="differ in length"):
        field.add(a, a[:7])
    with pytest.raises(ValueError, match="out has length"):
        field.mul(a, a, out=np.empty((7, 4), dtype=np.uint64))
    with pytest.raises(TypeError, match="signed integer"):
        field.from_int64(np.zeros(3, dtype=np.float64))
    with pytest.raises(TypeError, match="exponent"):
        field.pow(a, 2.0)


def test_inv_of_zero_names_the_index(field):
    a = field.random(10_000, 5)
    a[1234] = 0
    with pytest.raises(ZeroDivisionError, match=r"a\[1234\] is zero"):
        field.inv(a)


def test_noncontiguous_input_is_accepted(field):
    a = field.random(64, 9)
    strided = a[::2]
    assert field.to_ints(field.square(strided)) == [x * x % field.MODULUS for x in field.to_ints(strided)]


# ---- galois: an independent implementation ---------------------------------

@pytest.mark.parametrize("name", ["fr", "fp"])
def test_agrees_with_galois(name):
    galois = pytest.importorskip("galois")
    field = {"fr": fr, "fp": fp}[name]
    declared = params.FR if field is fr else params.FP
    GF = galois.GF(field.MODULUS, primitive_element=declared.generator, verify=False)
    xs, ys = operands(field.MODULUS, 11)
    xs, ys = xs[:20_000], [y or 1 for y in ys[:20_000]]
    ga, gb = GF(xs), GF(ys)
    a, b = field.from_ints(xs), field.from_ints(ys)
    assert field.to_ints(field.mul(a, b)) == [int(v) for v in ga * gb]
    assert field.to_ints(field.add(a, b)) == [int(v) for v in ga + gb]
    assert field.to_ints(field.sub(a, b)) == [int(v) for v in ga - gb]
    assert field.to_ints(field.inv(b)) == [int(v) for v in gb ** -1]
    assert field.to_ints(field.inner(a, b)) == int(np.add.reduce(ga * gb))


# ---- the field axioms, as properties ----------------------------------------

elements = st.integers(min_value=0, max_value=fr.MODULUS - 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(elements, elements, elements), min_size=1, max_size=40))
def test_field_axioms_fr(triples):
    check_axioms(fr, triples)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(elements, elements, elements), min_size=1, max_size=40))
def test_field_axioms_fp(triples):
    check_axioms(fp, triples)


def check_axioms(field, triples):
    a, b, c = (field.from_ints(col) for col in zip(*triples))
    eq = lambda x, y: bool(field.equal(x, y).all())  # noqa: E731
    assert eq(field.add(a, b), field.add(b, a))
    assert eq(field.mul(a, b), field.mul(b, a))
    assert eq(field.add(field.add(a, b), c), field.add(a, field.add(b, c)))
    assert eq(field.mul(field.mul(a, b), c), field.mul(a, field.mul(b, c)))
    assert eq(field.mul(a, field.add(b, c)), field.add(field.mul(a, b), field.mul(a, c)))
    assert eq(field.add(a, field.neg(a)), field.zeros(len(triples)))
    assert eq(field.sub(a, b), field.add(a, field.neg(b)))
    assert eq(field.mul(a, field.ones(len(triples))), a)
    assert eq(field.square(a), field.mul(a, a))
    nonzero = [x for x, _, _ in triples if x]
    if nonzero:
        z = field.from_ints(nonzero)
        assert eq(field.mul(z, field.inv(z)), field.ones(len(nonzero)))
