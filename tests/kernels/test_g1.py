"""kernels.g1 against py_ecc: encodings, group law, scalar multiplication and MSM."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ref

from kernels import fp, fr, g1

R = fr.MODULUS
Q = fp.MODULUS


def ref_points(scalars):
    return [ref.multiply(ref.G1, k) if k else ref.Z1 for k in scalars]


def same(point_array, ref_point) -> bool:
    return ref.eq(g1.to_py_ecc(point_array), ref_point)


@pytest.fixture(scope="module")
def base():
    """256 points with known discrete logs, infinity among them."""
    rng = random.Random(1)
    logs = [rng.randrange(1, R) for _ in range(255)] + [0]
    return logs, g1.from_py_ecc(ref_points(logs))


def naive_msm(points_ref, scalars):
    acc = ref.Z1
    for p, k in zip(points_ref, scalars):
        acc = ref.add(acc, ref.multiply(p, k % R))
    return acc


def test_generator_and_round_trips(base):
    logs, pts = base
    assert g1.to_ints(g1.generator()) == (1, 2)
    assert all(ref.eq(a, b) for a, b in zip(g1.to_py_ecc(pts), ref_points(logs)))
    assert np.array_equal(g1.from_bytes(g1.to_bytes(pts)), pts)
    assert g1.to_bytes(g1.infinity(1)) == bytes(64)
    assert g1.is_on_curve(pts).all()


def test_add_neg_double(base):
    logs, pts = base
    other = np.roll(pts, 1, axis=0)
    other_logs = logs[-1:] + logs[:-1]
    total = g1.add(pts, other)
    assert all(same(total[i], ref.multiply(ref.G1, (logs[i] + other_logs[i]) % R)) for i in range(0, 256, 17))
    assert (g1.add(pts, g1.neg(pts)) == 0).all()                    # P + (-P) = infinity
    assert np.array_equal(g1.add(pts, pts), g1.double(pts))           # P + P takes the doubling path
    assert np.array_equal(g1.add(pts, g1.infinity(256)), pts)
    assert np.array_equal(g1.add(g1.infinity(256), pts), pts)
    assert same(g1.double(pts)[3], ref.multiply(ref.G1, 2 * logs[3] % R))


def test_scalar_mul(base):
    logs, pts = base
    ks = [0, 1, 2, R - 1, R - 2] + [random.Random(2).randrange(R) for _ in range(251)]
    out = g1.scalar_mul(pts, fr.from_ints(ks))
    for i in range(0, 256, 9):
        assert same(out[i], ref.multiply(ref.G1, logs[i] * ks[i] % R))
    assert np.array_equal(g1.scalar_mul(pts, 1), pts)
    assert (g1.scalar_mul(pts, 0) == 0).all()
    assert np.array_equal(g1.scalar_mul(pts, R - 1), g1.neg(pts))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 64, 255, 1024])
def test_msm_full_scalars_against_py_ecc(n):
    rng = random.Random(n)
    pts = g1.random(n, n)
    ks = [rng.randrange(R) for _ in range(n)]
    if n > 3:
        ks[0], ks[1], ks[2] = 0, 1, R - 1
    got = g1.msm(pts, fr.from_ints(ks))
    assert got.shape == (8,)
    assert same(got, naive_msm(g1.to_py_ecc(pts), ks))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_msm_small_scalars_against_py_ecc(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(5)
    n = 300
    pts = g1.random(n, 9)
    ks = rng.integers(info.min, info.max, size=n, endpoint=True, dtype=dtype)
    ks[:4] = [0, info.min, info.max, -1]
    got = g1.msm(pts, ks)
    assert same(got, naive_msm(g1.to_py_ecc(pts), [int(k) for k in ks]))
    assert np.array_equal(got, g1.msm(pts, fr.from_int64(ks.astype(np.int64))))


def test_msm_edge_cases():
    pts = g1.random(40, 3)
    P = pts[:1]
    # repeated points, P and -P in one bucket, points at infinity, zero scalars
    points = np.concatenate([np.tile(P, (10, 1)), g1.neg(np.tile(P, (5, 1))), g1.infinity(5), pts[1:21]])
    ks = np.array([7] * 10 + [7] * 5 + [3] * 5 + [0] * 10 + list(range(1, 11)), dtype=np.int64)
    expected = naive_msm(g1.to_py_ecc(points), [int(k) for k in ks])
    assert same(g1.msm(points, ks), expected)
    assert same(g1.msm(points, fr.from_int64(ks)), expected)
    # everything cancels to infinity
    cancel = np.concatenate([pts, g1.neg(pts)])
    assert (g1.msm(cancel, np.ones(80, dtype=np.int16)) == 0).all()
    # all scalars equal: one bucket holds every point
    assert same(g1.msm(pts, np.full(40, 5, dtype=np.int16)), naive_msm(g1.to_py_ecc(pts), [5] * 40))
    assert (g1.msm(g1.infinity(0), np.zeros(0, dtype=np.int16)) == 0).all()


@pytest.mark.parametrize("window", [2, 3, 5, 8, 13, 16])
def test_msm_every_window_size(window):
    pts = g1.random(200, 11)
    ks = fr.random(200, 12)
    expected = g1.msm(pts, ks, window=4)
    assert np.array_equal(g1.msm(pts, ks, window=window), expected)


def test_msm_large_parallel_matches_split_sums():
    """Above the threading threshold: the sum over halves equals the whole."""
    n = 20_000
    pts = g1.random(n, 21)
    ks = fr.random(n, 22)
    whole = g1.msm(pts, ks)
    halves = g1.add(g1.msm(pts[: n // 2], ks[: n // 2]), g1.msm(pts[n // 2:], ks[n // 2:]))
    assert np.array_equal(whole, halves[0])
    small = np.random.default_rng(23).integers(-(2**15), 2**15, size=n, dtype=np.int16)
    assert np.array_equal(g1.msm(pts, small), g1.msm(pts, fr.from_int64(small.astype(np.int64))))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, R - 1), st.integers(0, R - 1)), min_size=1, max_size=24),
       st.integers(0, 2**32))
def test_msm_is_linear(pairs, seed):
    pts = g1.random(len(pairs), seed)
    a = fr.from_ints([x for x, _ in pairs])
    b = fr.from_ints([y for _, y in pairs])
    lhs = g1.msm(pts, fr.add(a, b))
    rhs = g1.add(g1.msm(pts, a), g1.msm(pts, b))
    assert np.array_equal(lhs, rhs[0])


# ---- rejection ---------------------------------------------------------------

def test_from_bytes_rejects_bad_encodings():
    good = g1.to_bytes(g1.random(3, 1))
    with pytest.raises(ValueError, match="multiple of 64"):
        g1.from_bytes(good[:-1])
    off_curve = bytearray(good)
    off_curve[64 + 63] ^= 1
    with pytest.raises(ValueError, match=r"points?\[?1\]? .*not on the curve|point\[1\] is not on the curve"):
        g1.from_bytes(bytes(off_curve))
    big_x = Q.to_bytes(32, "big") + (2).to_bytes(32, "big")
    with pytest.raises(ValueError, match="point 0: x coordinate is not below"):
        g1.from_bytes(big_x)
    big_y = (1).to_bytes(32, "big") + (Q + 2).to_bytes(32, "big")
    with pytest.raises(ValueError, match="point 0: y coordinate"):
        g1.from_bytes(big_y)
    with pytest.raises(TypeError):
        g1.from_bytes("00" * 64)


def test_arrays_are_checked():
    pts = g1.random(4, 1)
    bad = pts.copy()
    bad[2, 0] ^= np.uint64(1)        # x changed: off the curve
    with pytest.raises(ValueError, match=r"points\[2\] is not on the curve"):
        g1.msm(bad, np.ones(4, dtype=np.int16))
    with pytest.raises(ValueError, match="differ in length"):
        g1.msm(pts, np.ones(3, dtype=np.int16))
    with pytest.raises(TypeError, match="signed integer"):
        g1.msm(pts, np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"scalars\[1\] is not a canonical"):
        g1.msm(pts, np.array([[0, 0, 0, 0], [2**64 - 1] * 4, [0] * 4, [0] * 4], dtype=np.uint64))
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        g1.add(pts.reshape(8, 4), pts.reshape(8, 4))
    with pytest.raises(ValueError, match=r"outside"):
        g1.scalar_mul(pts, R)
