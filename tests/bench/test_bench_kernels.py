"""pytest-benchmark micro-benchmarks: Fr mul and inner product, ours vs mcl.

Arrangement
-----------
* ``python -m attrib.bench kernels`` (bench/kernels.py) is the reference suite: fixed timing
  discipline, all peers (Python ints, galois too), a table and a JSON record.
* This file is the same work shaped for pytest-benchmark, so runs can be saved and compared
  over time with its own tooling.  Every test is marked ``bench`` and is skipped in a normal
  ``pytest`` run (see tests/bench/conftest.py).  Run it with::

      python -m pytest tests/bench --benchmark-only --benchmark-autosave          # save a run
      python -m pytest tests/bench --benchmark-only --benchmark-compare           # vs the last one
      python -m pytest tests/bench --benchmark-only --benchmark-compare=0001 \\
             --benchmark-compare-fail=median:10%                                  # regression gate
      python -m pytest tests/bench --benchmark-only -k "mul and 2pow16"          # a subset

  Runs are stored in ``.benchmarks/`` (git-ignored).  Test ids and groups are stable
  (``fr-mul-2^16`` / ``ours-1t``, ``ours-all``, ``mcl``) so ``--benchmark-compare`` lines up.
  ``extra_info`` records n, the thread count and the median in ns/element.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_benchmark")

from attrib import kernels  # noqa: E402
from attrib.bench.peers import PeerUnavailable  # noqa: E402
from attrib.kernels import fr  # noqa: E402

pytestmark = pytest.mark.bench

LOG_SIZES = (16, 20)
IMPLS = ("ours-1t", "ours-all", "mcl")
DEFAULT_THREADS = kernels.max_threads()


@pytest.fixture(scope="module")
def mcl():
    from attrib.bench.peers import mcl as peer
    try:
        return peer.load()
    except PeerUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module", params=LOG_SIZES, ids=lambda k: f"2pow{k}")  # -k-friendly ("^" is not)
def inputs(request):
    n = 1 << request.param
    return request.param, fr.random(n, seed=1), fr.random(n, seed=2)


@pytest.fixture
def threads(request):
    impl = request.node.callspec.params["impl"]
    kernels.set_threads(1 if impl == "ours-1t" else DEFAULT_THREADS)
    yield 1 if impl in ("ours-1t", "mcl") else DEFAULT_THREADS
    kernels.set_threads(DEFAULT_THREADS)


def _record(benchmark, n, threads):
    benchmark.extra_info.update(n=n, threads=threads)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_el_median"] = stats.stats.median * 1e9 / n


@pytest.mark.parametrize("impl", IMPLS)
def test_fr_mul(benchmark, impl, inputs, threads, request):
    k, a, b = inputs
    n = 1 << k
    benchmark.group = f"fr-mul-2^{k}"
    if impl == "mcl":
        m = request.getfixturevalue("mcl")
        ma, mb = (m.fr_from_canonical_limbs(fr.to_limbs(x)) for x in (a, b))
        out = m.fr_empty(n)
        benchmark(m.fr_mul, out, ma, mb)
        got = m.fr_to_ints(out[:4])
    else:
        out = fr.zeros(n)
        benchmark(fr.mul, a, b, out=out)
        got = fr.to_ints(out[:4])
    assert got == [x * y % fr.MODULUS for x, y in zip(fr.to_ints(a[:4]), fr.to_ints(b[:4]))]
    _record(benchmark, n, threads)


@pytest.mark.parametrize("impl", IMPLS)
def test_fr_inner(benchmark, impl, inputs, threads, request):
    k, a, b = inputs
    n = 1 << k
    benchmark.group = f"fr-inner-2^{k}"
    if impl == "mcl":
        m = request.getfixturevalue("mcl")
        ma, mb = (m.fr_from_canonical_limbs(fr.to_limbs(x)) for x in (a, b))
        _, got = benchmark(m.fr_inner, ma, mb)
        got = m.fr_to_ints(got)[0]
    else:
        got = fr.to_ints(benchmark(fr.inner, a, b))
    assert got == sum(x * y for x, y in zip(fr.to_ints(a), fr.to_ints(b))) % fr.MODULUS
    _record(benchmark, n, threads)
