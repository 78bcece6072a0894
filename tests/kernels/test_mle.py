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
