"""The multilinear kernels the sum-check prover runs on: round sums of many terms in one pass
(``mle.round_terms``) and folding (``mle.fold``), against Python integers.

On a CPU with AVX-512 IFMA both run 8 pairs at a time in 52-bit limbs; ``test_portable_path``
runs this file again with ATTRIB_NO_IFMA=1, so on an IFMA machine both paths are checked, and
``test_ifma_matches_portable`` compares them on a table large enough to use every thread.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attrib.kernels import fr, mle

R = fr.MODULUS
EDGES = [0, 1, R - 1, R - 2, (R - 1) // 2, (R + 1) // 2, (1 << 253) - 1]


def table(m: int, rng: random.Random) -> list[int]:
    return [rng.choice(EDGES) if rng.random() < 0.3 else rng.randrange(R) for _ in range(m)]


def expected_sums(tables: list[list[int]], terms: list[list[int]], degree: int) -> list[list[int]]:
    points = [0] + list(range(2, degree + 1))
    out = []
    for term in terms:
        row = []
        for t in points:
            total = 0
            for i in range(len(tables[0]) // 2):
                product = 1
                for j in term:
                    even, odd = tables[j][2 * i], tables[j][2 * i + 1]
                    product = product * (even + t * (odd - even)) % R
                total += product
            row.append(total % R)
        out.append(row)
    return out


@pytest.mark.parametrize("m", [2, 4, 8, 16, 32, 64, 256, 1 << 12])
@pytest.mark.parametrize("degree", [1, 2, 4, 6])
def test_round_terms_against_integers(m, degree):
    rng = random.Random(m * 10 + degree)
    tables = [table(m, rng) for _ in range(6)]
    terms = [[0, 1, 2], [3], [4, 5, 0, 1], [2, 2, 2], [5, 4], [1]]
    got = mle.round_terms([fr.from_ints(t) for t in tables], terms, degree)
    assert got.shape == (len(terms), degree, 4)
    assert [[fr.to_ints(got[k])[d] for d in range(degree)] for k in range(len(terms))] == \
        expected_sums(tables, terms, degree)


def test_round_terms_agrees_with_round_evals():
    """One term of d factors at degree d is exactly what round_evals computes."""
    rng = np.random.default_rng(5)
    tables = [fr.random(1 << 10, rng) for _ in range(4)]
    assert np.array_equal(mle.round_terms(tables, [[0, 1, 2, 3]], 4)[0], mle.round_evals(tables))


@pytest.mark.parametrize("m", [2, 8, 16, 64, 1 << 13])
def test_fold_against_integers(m):
    rng = random.Random(m)
    values = table(m, rng)
    for u in (0, 1, R - 1, rng.randrange(R)):
        got = fr.to_ints(mle.fold(fr.from_ints(values), fr.from_ints([u])))
        assert got == [(values[2 * i] + u * (values[2 * i + 1] - values[2 * i])) % R for i in range(m // 2)]


def test_round_terms_rejects_bad_input():
    a = fr.random(8, 1)
    with pytest.raises(ValueError, match="degree"):
        mle.round_terms([a], [[0]], 0)
    with pytest.raises(ValueError, match="degree"):
        mle.round_terms([a], [[0]], 9)
    with pytest.raises(ValueError, match=r"terms\[0\]"):
        mle.round_terms([a], [[1]], 2)
    with pytest.raises(ValueError, match=r"terms\[1\]"):
        mle.round_terms([a], [[0], []], 2)
    with pytest.raises(ValueError, match="share one length"):
        mle.round_terms([a, fr.random(4, 2)], [[0, 1]], 2)
    with pytest.raises(ValueError, match="1 to 32 tables"):
        mle.round_terms([a] * 33, [[0]], 2)
    with pytest.raises(ValueError, match="1 to 32 terms"):
        mle.round_terms([a], [[0]] * 33, 2)
    bad = a.copy()
    bad[3] = [2**64 - 1] * 4                                    # not a canonical element
    with pytest.raises(ValueError):
        mle.round_terms([bad], [[0]], 2)


def test_portable_path():
    """This file again with ATTRIB_NO_IFMA=1."""
    env = dict(os.environ, ATTRIB_NO_IFMA="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                             "not portable", __file__], env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


CASES = """
import sys
import numpy as np
from attrib.kernels import fr, mle
rng = np.random.default_rng(7)
tables = [fr.random((1 << 15) + 0, rng) for _ in range(5)]
sums = mle.round_terms(tables, [[0, 1, 2], [3, 4], [0], [1, 2, 3, 4]], 5)
folds = np.stack([mle.fold(t, fr.random(1, rng)) for t in tables])
np.save(sys.argv[1], np.concatenate([sums.reshape(-1, 4), folds.reshape(-1, 4)]))
"""


def test_ifma_matches_portable(tmp_path):
    """2^15 entries (every thread busy): the path this CPU selects and the portable one agree."""
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for name, flag in (("default", os.environ.get("ATTRIB_NO_IFMA", "")), ("portable", "1")):
        out = tmp_path / f"{name}.npy"
        subprocess.run([sys.executable, "-c", CASES, str(out)], env=dict(os.environ, ATTRIB_NO_IFMA=flag),
                       cwd=root, check=True, capture_output=True)
        outputs.append(np.load(out))
    assert np.array_equal(outputs[0], outputs[1])


# ---- the fused fold + next round, and tables given by rules --------------------------

def fold_ints(values: list[int], u: int) -> list[int]:
    return [(values[2 * i] + u * (values[2 * i + 1] - values[2 * i])) % R for i in range(len(values) // 2)]


@pytest.mark.parametrize("m", [4, 8, 16, 32, 64, 256, 1 << 12])
@pytest.mark.parametrize("degree", [1, 2, 3, 5])
def test_fold_round_terms_against_integers(m, degree):
    """fold_round_terms = every table folded at u, and round_terms of the folded tables."""
    rng = random.Random(m * 7 + degree)
    tables = [table(m, rng) for _ in range(5)]
    terms = [[0, 1, 2], [3], [4, 0, 1, 3], [2, 2], [4]]
    u = rng.choice([0, 1, R - 1, rng.randrange(R)])
    folded, sums = mle.fold_round_terms([fr.from_ints(t) for t in tables], fr.from_ints([u]), terms, degree)
    expected = [fold_ints(t, u) for t in tables]
    assert [fr.to_ints(f) for f in folded] == expected
    assert [[fr.to_ints(sums[k])[d] for d in range(degree)] for k in range(len(terms))] == \
        expected_sums(expected, terms, degree)


def test_fold_round_terms_into_buffers():
    """Folds go into the heads of the buffers given; a buffer overlapping an input is refused."""
    rng = np.random.default_rng(3)
    tables = [fr.random(64, rng) for _ in range(3)]
    u = fr.random(1, rng)
    bufs = [np.zeros((40, 4), dtype=np.uint64) for _ in tables]
    folded, sums = mle.fold_round_terms(tables, u, [[0, 1], [2]], 2, out=bufs)
    for f, b, t in zip(folded, bufs, tables):
        assert np.shares_memory(f, b) and np.array_equal(f, mle.fold(t, u))
        assert not b[32:].any()
    assert np.array_equal(sums, mle.round_terms([mle.fold(t, u) for t in tables], [[0, 1], [2]], 2))
    with pytest.raises(ValueError, match="overlaps"):
        mle.fold_round_terms(tables, u, [[0]], 1, out=[tables[0][:0:-1].copy(), tables[0], bufs[2]])
    with pytest.raises(ValueError, match="at least 32"):
        mle.fold_round_terms(tables, u, [[0]], 1, out=[np.zeros((8, 4), dtype=np.uint64)] * 3)
    with pytest.raises(ValueError, match=">= 4"):
        mle.fold_round_terms([t[:2] for t in tables], u, [[0]], 1)


@pytest.mark.parametrize("m", [2, 4, 16, 64, 1 << 12])
def test_rules_against_integers(m):
    """Gathered, Tiled and Repeated tables read by round_terms and fold_round_terms as the tables
    they describe (checked against Python integers)."""
    rng = random.Random(m)
    values = table(97, rng)
    idx = [rng.randrange(97) for _ in range(m)]
    period = min(m, 4)
    small = table(period, rng)
    count = max(1, m // 8)
    rep = table(m // count, rng)
    rules = [mle.Gathered(fr.from_ints(values), np.array(idx)), mle.Tiled(fr.from_ints(small), m),
             mle.Repeated(fr.from_ints(rep), count), fr.from_ints(table(m, rng))]
    ints = [[values[i] for i in idx], [small[x % period] for x in range(m)], [rep[x // count] for x in range(m)],
            fr.to_ints(rules[3])]
    assert [fr.to_ints(r.table()) for r in rules[:3]] == ints[:3]
    terms = [[0, 1, 2], [3], [0, 3], [2, 2, 1], [1]]
    for degree in (1, 3):
        got = mle.round_terms(rules, terms, degree)
        assert [[fr.to_ints(got[k])[d] for d in range(degree)] for k in range(len(terms))] == \
            expected_sums(ints, terms, degree)
        if m >= 4:
            u = rng.randrange(R)
            folded, sums = mle.fold_round_terms(rules, fr.from_ints([u]), terms, degree)
            expected = [fold_ints(t, u) for t in ints]
            assert [fr.to_ints(f) for f in folded] == expected
            assert [[fr.to_ints(sums[k])[d] for d in range(degree)] for k in range(len(terms))] == \
                expected_sums(expected, terms, degree)


def test_rules_reject_bad_indices():
    values = fr.random(3, 1)
    for idx in ([0, 3, 1, 2], [0, 1, -1, 2]):
        with pytest.raises(IndexError):
            mle.round_terms([mle.Gathered(values, np.array(idx)), fr.random(4, 2)], [[0, 1]], 2)
        with pytest.raises(IndexError):
            mle.fold_round_terms([mle.Gathered(values, np.array(idx)), fr.random(4, 2)], fr.random(1, 3),
                                 [[0, 1]], 2)
    with pytest.raises(ValueError, match="multiple"):
        mle.Tiled(values, 4)


# ---- lookups: gather, gather_add, scatter_add; axpy ---------------------------------

@pytest.mark.parametrize("n", [0, 1, 7, 100, 5000])
def test_lookup_kernels_against_integers(n):
    rng = random.Random(n)
    values = table(300, rng)
    idx = np.array([rng.randrange(300) for _ in range(n)], dtype=np.int64)
    v = fr.from_ints(values)
    assert fr.to_ints(mle.gather(v, idx)) == [values[i] for i in idx]
    acc_ints = table(n, rng)
    acc = fr.from_ints(acc_ints)
    assert mle.gather_add(acc, v, idx) is acc
    assert fr.to_ints(acc) == [(a + values[i]) % R for a, i in zip(acc_ints, idx)]
    weights = table(n, rng)
    bins = [0] * 300
    counts = [0] * 300
    for i, w in zip(idx, weights):
        bins[i] = (bins[i] + w) % R
        counts[i] += 1
    assert fr.to_ints(mle.scatter_add(idx, 300, fr.from_ints(weights))) == bins
    assert fr.to_ints(mle.scatter_add(idx, 300)) == counts
    c = rng.randrange(R)
    t_ints = table(n, rng)
    acc = fr.from_ints(acc_ints + [5, 6])
    mle.axpy(acc, c, fr.from_ints(t_ints))
    assert fr.to_ints(acc) == [(a + c * t) % R for a, t in zip(acc_ints, t_ints)] + [5, 6]


def test_lookup_kernels_reject_bad_input():
    v = fr.random(10, 1)
    for bad in ([0, 10], [-1, 2]):
        with pytest.raises(IndexError, match=r"idx\[\d\]"):
            mle.gather(v, np.array(bad))
        with pytest.raises(IndexError):
            mle.gather_add(fr.random(2, 2), v, np.array(bad))
        with pytest.raises(IndexError):
            mle.scatter_add(np.array(bad), 10)
    with pytest.raises(ValueError, match="expected 3 indices"):
        mle.gather_add(fr.random(3, 2), v, np.array([1, 2]))
    with pytest.raises(TypeError):
        mle.gather(v, np.array([0.5]))
    with pytest.raises(ValueError, match="acc only"):
        mle.axpy(fr.random(2, 1), 3, fr.random(3, 2))
    with pytest.raises(TypeError, match="writable"):
        mle.axpy(np.asarray(fr.random(8, 1))[::2], 3, fr.random(3, 2))
