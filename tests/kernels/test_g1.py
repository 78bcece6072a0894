"""kernels.g1 against py_ecc: encodings, group law, scalar multiplication and MSM.

On a CPU with AVX-512 IFMA the MSM adds points 8 at a time in 52-bit limbs (kernels/src/g1_ifma.h);
``test_msm_portable_path`` runs this file's MSM tests again with ATTRIB_NO_IFMA=1, and
``test_msm_ifma_matches_portable`` compares the two paths on larger inputs.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ref

from attrib.kernels import fp, fr, g1

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


def test_msm_signed_pairs():
    """Signs applied inside the additions: P and -P meeting in one bucket as 2P, P + (-P), and so on."""
    pts = g1.random(2, 7)
    P, Q = pts[:1], pts[1:]
    nP = g1.neg(P)
    cases = [
        (np.concatenate([P, nP]), [5, -5]),        # P + P: a doubling of two differently signed inputs
        (np.concatenate([P, P]), [5, -5]),         # P - P = infinity
        (np.concatenate([nP, nP]), [-5, -5]),      # both negated: P + P
        (np.concatenate([P, nP]), [-5, -5]),       # -P + P = infinity
        (np.concatenate([P, nP, P, Q, g1.infinity(1), nP]), [3, 3, -3, 3, -3, -3]),
    ]
    for points, ks in cases:
        expected = naive_msm(g1.to_py_ecc(points), ks)
        for window in (None, 2, 4, 9):
            assert same(g1.msm(points, np.array(ks, dtype=np.int64), window=window), expected), (ks, window)
            assert same(g1.msm(points, fr.from_int64(np.array(ks, dtype=np.int64)), window=window), expected)


@pytest.mark.parametrize("window", [5, 8, 12])
def test_msm_bucket_reduction_special_sums(window):
    """Bucket sums that meet the exceptional cases of the Jacobian additions in the reduction.

    With every point equal to P the running sum of buckets equals the next bucket (a doubling),
    with alternating signs it is its negative (infinity), and sparse buckets leave the running
    sum unchanged so that the accumulator meets it again.
    """
    P = g1.random(1, 5)
    n = 60
    same_point = np.tile(P, (n, 1))
    alternating = np.where((np.arange(n) % 2 == 0)[:, None], same_point, g1.neg(same_point))
    ks = list(range(1, n + 1))
    sparse_ks = [1 + 97 * (i % 3) for i in range(n)]
    for points, scalars in [(same_point, ks), (alternating, ks), (same_point, sparse_ks),
                            (alternating, [k * (-1) ** i for i, k in enumerate(ks)])]:
        expected = naive_msm(g1.to_py_ecc(points), scalars)
        got = g1.msm(points, fr.from_ints([k % R for k in scalars]), window=window)
        assert same(got, expected)


@pytest.mark.parametrize("no_adx", ["", "1"], ids=["adx", "int128"])
def test_msm_portable_path(no_adx):
    """This file's MSM tests again with ATTRIB_NO_IFMA=1: the portable additions must pass them too,
    with the mulx / adcx / adox multiply (where the CPU has it) and with ATTRIB_NO_ADX=1."""
    env = dict(os.environ, ATTRIB_NO_IFMA="1", ATTRIB_NO_ADX=no_adx)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                             "(msm or buckets) and not portable", __file__],
                            env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


MSM_CASES = """
import sys
import numpy as np
from attrib.kernels import fr, g1

points = g1.random(1 << 14, 31)
full = fr.random(1 << 14, 32)
small = np.random.default_rng(33).integers(-(2**15), 2**15, size=1 << 14, dtype=np.int16)
repeated = np.concatenate([np.tile(points[:3], (300, 1)), points[:2000], g1.neg(points[:500])])
rep_small = np.random.default_rng(34).integers(-100, 100, size=repeated.shape[0], dtype=np.int16)
results = [g1.msm(points, full), g1.msm(points, full, window=7), g1.msm(points, small),
           g1.msm(points, small, window=16), g1.msm(repeated, rep_small),
           g1.msm(repeated, fr.random(repeated.shape[0], 35), window=3)]
np.save(sys.argv[1], np.array(results))
"""


def test_msm_ifma_matches_portable(tmp_path):
    """2^14 points (full and 16-bit scalars, several windows, repeated and opposite points):
    the path this CPU selects, the portable one and the portable one with the __int128
    multiply (ATTRIB_NO_ADX=1) give identical results."""
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for name, no_ifma, no_adx in (("default", os.environ.get("ATTRIB_NO_IFMA", ""),
                                   os.environ.get("ATTRIB_NO_ADX", "")),
                                  ("portable", "1", ""), ("int128", "1", "1")):
        out = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", MSM_CASES, str(out)],
                       env=dict(os.environ, ATTRIB_NO_IFMA=no_ifma, ATTRIB_NO_ADX=no_adx),
                       cwd=root, check=True, capture_output=True)
        outputs.append(np.load(out))
    assert np.array_equal(outputs[0], outputs[1])
    assert np.array_equal(outputs[0], outputs[2])
    assert not (outputs[0] == 0).all(axis=1).any()


# ---- bucket sums ---------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 9, 300, 5000])
def test_buckets_against_py_ecc(base, n):
    """buckets(P, v, bits)[b] = Σ_{v_i = b} P_i, empty buckets at infinity; repeated and opposite
    points land in one bucket (n = 5000 splits the points over two threads)."""
    logs, points = base
    rng = random.Random(n)
    picks = [rng.randrange(len(logs)) for _ in range(n)]
    negate = [rng.random() < 0.2 for _ in range(n)]
    chosen = points[picks] if n else points[:0]
    if n:
        chosen[np.array(negate)] = g1.neg(chosen[np.array(negate)])
    values = np.array([rng.randrange(8) if rng.random() < 0.5 else 3 for _ in range(n)], dtype=np.int64)
    got = g1.buckets(chosen, values, 4)
    assert got.shape == (16, 8)
    for b in range(16):
        expected = sum(((-1 if neg else 1) * logs[i] for i, neg, v in zip(picks, negate, values) if v == b)) % R
        assert same(got[b], ref.multiply(ref.G1, expected) if expected else ref.Z1)


def test_buckets_give_any_commitment_of_the_values():
    """Σ_i f(v_i)·P_i = msm(buckets, f(0 … 2^bits − 1)): the way the epoch prover commits its LogUp helpers."""
    points = g1.random(1 << 13, 4)
    values = np.random.default_rng(4).integers(0, 1 << 10, 1 << 13)
    sums = g1.buckets(points, values, 10)
    f = fr.random(1 << 10, 5)
    assert np.array_equal(g1.msm(sums, f), g1.msm(points, f[values]))
    assert np.array_equal(g1.msm(sums, np.arange(1 << 10)), g1.msm(points, values))


def test_buckets_reject_bad_values():
    points = g1.random(4, 1)
    with pytest.raises(ValueError, match=r"\[0, 2\^4\)"):
        g1.buckets(points, np.array([0, 1, 16, 2]), 4)
    with pytest.raises(ValueError, match=r"\[0, 2\^4\)"):
        g1.buckets(points, np.array([0, -1, 1, 2]), 4)
    with pytest.raises(ValueError, match="differ in length"):
        g1.buckets(points, np.array([0, 1]), 4)
    with pytest.raises(ValueError, match="bits"):
        g1.buckets(points, np.array([0, 1, 2, 3]), 0)
    with pytest.raises(TypeError, match="integer"):
        g1.buckets(points, np.array([0.0, 1, 2, 3]), 4)


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


def test_read_only_inputs_are_accepted():
    """Memory-mapped SRS powers and registered features arrive read-only."""
    pts = g1.random(64, 5)
    ks = np.arange(64, dtype=np.int16)
    full = fr.random(64, 6)
    expected_small, expected_full = g1.msm(pts, ks), g1.msm(pts, full)
    for arr in (pts, ks, full):
        arr.setflags(write=False)
    assert np.array_equal(g1.msm(pts, ks), expected_small)
    assert np.array_equal(g1.msm(pts, full), expected_full)
    assert np.array_equal(g1.add(pts, pts), g1.double(pts))
    assert fr.to_ints(fr.inner(full, full)) == sum(x * x for x in fr.to_ints(full)) % fr.MODULUS


# ---- the columns of a matrix, side by side ------------------------------------------

@pytest.mark.parametrize("n, k", [(1, 3), (9, 2), (256, 5)])
def test_msm_columns_against_py_ecc(base, n, k):
    """msm_columns(P, M)[j] = Σ_i M[i, j]·P_i for int16 columns (the extremes, zeros, one sign)."""
    logs, points = base
    rng = np.random.default_rng(n + k)
    m = rng.integers(-(2**15), 2**15, size=(n, k)).astype(np.int16)
    m[0, 0] = -(2**15)
    if k > 2:
        m[:, 1] = 0
        m[:, 2] = np.abs(m[:, 2]) % 7
    got = g1.msm_columns(points[:n], m)
    assert got.shape == (k, 8)
    refs = g1.to_py_ecc(points[:n])
    for j in range(k):
        assert same(got[j], naive_msm(refs, [int(x) for x in m[:, j]]))


def test_msm_columns_agrees_with_msm():
    """5000 points (the columns spread over the threads, windows chosen per column)."""
    points = g1.random(5000, 41)
    rng = np.random.default_rng(42)
    m = rng.integers(-(2**15), 2**15, size=(5000, 6)).astype(np.int16)
    m[:, 1] = rng.integers(-3, 4, size=5000)
    m[:, 2] = 0
    got = g1.msm_columns(points, m)
    for j in range(6):
        assert np.array_equal(got[j], g1.msm(points, np.ascontiguousarray(m[:, j])))
    assert np.array_equal(g1.msm_columns(points[:0], m[:0]), np.zeros((6, 8), dtype=np.uint64))
    with pytest.raises(TypeError, match="int16"):
        g1.msm_columns(points, m.astype(np.int32))
    with pytest.raises(ValueError, match="differ"):
        g1.msm_columns(points[:10], m)


def test_msm_kept_scratch_gives_the_same_points():
    """msm keeps its working memory for the next call (grown to the largest seen, used with fewer
    points or a smaller window after): a series of MSMs of mixed sizes and windows gives the points
    each gives on fresh memory, and release_scratch() frees it."""
    points = g1.random(6000, 51)
    scalars = fr.random(6000, 52)
    calls = [(6000, None), (100, None), (6000, 5), (3000, 12), (17, 3), (6000, 16), (4096, None)]
    kept = [g1.msm(points[:n], scalars[:n], window=w) for n, w in calls]
    fresh = []
    for n, w in calls:
        assert g1.release_scratch()
        fresh.append(g1.msm(points[:n], scalars[:n], window=w))
    assert all(np.array_equal(a, b) for a, b in zip(kept, fresh))
    assert same(kept[4], naive_msm(g1.to_py_ecc(points[:17]), fr.to_ints(scalars[:17])))
