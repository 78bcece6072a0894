"""pytest-benchmark micro-benchmarks: G1 MSM at 2^16 (ours vs mcl) and the 2-pairing check (py_ecc vs mcl).

The same work as ``python -m attrib.bench msm`` / ``python -m attrib.bench pairing`` at one size, shaped for
pytest-benchmark's save / compare workflow (bench/README.md, "Regressions").  Marked
``bench``: skipped in a normal ``pytest`` run (tests/bench/conftest.py).  Groups and ids are
stable: ``msm-full-2^16`` / ``msm-i16-2^16`` with ``ours-1t``, ``ours-all``, ``mcl``;
``pairing-check-2`` with ``py_ecc``, ``mcl``.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")

from attrib import kernels
from attrib.bench.peers import PeerUnavailable
from attrib.kernels import fr, g1

pytestmark = pytest.mark.bench

LOG_N = 16
DEFAULT_THREADS = kernels.max_threads()


@pytest.fixture(scope="module")
def mcl():
    from attrib.bench.peers import mcl as peer
    try:
        return peer.load()
    except PeerUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def msm_inputs():
    from attrib.bench.msm import inputs

    points, scalars = inputs(1 << LOG_N, 1)
    return points, scalars


@pytest.mark.parametrize("kind", ["full", "i16"])
@pytest.mark.parametrize("impl", ["ours-1t", "ours-all", "mcl"])
def test_msm(benchmark, impl, kind, msm_inputs, request):
    points, scalars = msm_inputs
    n = 1 << LOG_N
    benchmark.group = f"msm-{kind}-2^{LOG_N}"
    want = g1.msm(points, scalars[kind], check=False)
    if impl == "mcl":
        from attrib.bench.msm import _to_mcl_points

        m = request.getfixturevalue("mcl")
        limbs = fr.to_limbs(scalars[kind]) if kind == "full" else \
            fr.to_limbs(fr.from_int64(scalars[kind].astype(np.int64)))
        ms = m.fr_from_canonical_limbs(limbs)
        mp = _to_mcl_points(points)
        _, got = benchmark(m.g1_mul_vec, mp, ms)
        assert m.g1_affine(got) == tuple(g1.to_ints(want))
        threads = 1
    else:
        threads = 1 if impl == "ours-1t" else DEFAULT_THREADS
        kernels.set_threads(threads)
        try:
            got = benchmark(g1.msm, points, scalars[kind], check=False)
        finally:
            kernels.set_threads(DEFAULT_THREADS)
        assert np.array_equal(got, want)
    benchmark.extra_info.update(n=n, threads=threads)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["ns_per_point_median"] = stats.stats.median * 1e9 / n


@pytest.mark.parametrize("impl", ["py_ecc", "mcl"])
def test_pairing_check(benchmark, impl, request):
    from attrib.bench.pairing import _mcl_cases, _py_ecc_cases

    benchmark.group = "pairing-check-2"
    cases = _mcl_cases(request.getfixturevalue("mcl")) if impl == "mcl" else _py_ecc_cases()
    fn, ok = cases["2-pairing check"]
    assert ok
    if impl == "py_ecc":
        benchmark.pedantic(fn, rounds=3, iterations=1, warmup_rounds=1)
    else:
        benchmark(fn)
    benchmark.extra_info.update(threads=1, pairs=2)
