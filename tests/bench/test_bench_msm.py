"""pytest-benchmark micro-benchmarks: G1 MSM at 2^16 (ours vs mcl) and the 2-pairing check (py_ecc vs mcl).

The same work as ``python -m attrib.bench msm`` / ``python -m attrib.bench pairing`` at one size, shaped for
pytest-benchmark's save / compare workflow (bench/README.md, "Regressions").  Marked
``bench``: skipped in a normal ``pytest`` run (tests/bench/conftest.py).  Groups and ids are
stable: ``msm-full-2^16`` / ``msm-i16-2^16`` with ``ours-1t``, ``ours-all``, ``mcl``;
``pairing-check-2`` with ``py_ecc``, ``mcl``.  ``extra_info`` names the path this process loaded
(``simd_backend`` / ``scalar_backend``); run the file with ``ATTRIB_NO_IFMA=1`` for the portable
path, or ``python -m attrib.bench msm`` for every path in one run (each in a child process).

The tests at the end (no ``benchmark`` fixture: they run in a normal ``pytest`` run, at toy
sizes) check the suite's ``ours-ifma`` / ``ours-portable`` / ``ours-int128`` children: each ran
the path it is named for, single-threaded, its point was compared with the reference before
timing (in the child) and with the reference and mcl's point in the parent, and the rows share
one table with mcl (``x mcl``) and py_ecc.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")

from attrib import bench, kernels
from attrib.bench import msm as suite
from attrib.bench.kernels import PATHS
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
    if impl != "mcl":
        benchmark.extra_info.update(simd_backend=kernels.simd_backend(), scalar_backend=kernels.scalar_backend())
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


# ---- our paths side by side (ordinary tests: no benchmark fixture) -------------------------

def test_msm_paths_in_one_table_with_mcl(path_backends):
    args = ["--sizes", "6", "--repeat", "2", "--no-memory", "--py-ecc-max", "6",
            "--impl", "ours-1t", "--impl", "mcl", "--impl", "py_ecc"]
    for impl in PATHS:
        args += ["--impl", impl]
    result = bench.run_suite("msm", args)
    rows = result["results"]
    assert all(r["verified"] for r in rows)
    # py_ecc checks the reference independently of mcl
    assert {r["scalars"] for r in rows if r["impl"] == "py_ecc"} == {"full", "i16"}
    have_mcl = any(r["impl"] == "mcl" for r in rows)
    for impl, want in path_backends.items():
        mine = [r for r in rows if r["impl"] == impl]
        if want is None:
            assert not mine and any(s["impl"] == impl and "IFMA" in s["reason"] for s in result["skipped"])
            continue
        assert sorted(r["scalars"] for r in mine) == ["full", "i16"]
        for r in mine:
            assert (r["backend"]["simd"], r["backend"]["scalar"]) == want
            assert r["threads"] == 1 and r["process"]["kind"] == "child"
            assert len(r["timing"]["samples"]) == 2
            if have_mcl:
                mcl_row = next(m for m in rows if m["impl"] == "mcl" and m["scalars"] == r["scalars"])
                assert r["ratio_to_mcl"] == pytest.approx(r["median_s"] / mcl_row["median_s"])
    table = bench.format_result(result)
    assert "path" in table.splitlines()[0] and "x mcl" in table.splitlines()[0]
    assert "WRONG" not in table


def _msm_files(tmp_path, n=32, corrupt=None):
    points, scalars = suite.inputs(n, 3)
    refs = {kind: g1.msm(points, scalars[kind], check=False) for kind in suite.KINDS}
    np.save(tmp_path / "points.npy", points)
    for kind in suite.KINDS:
        np.save(tmp_path / f"{kind}.npy", scalars[kind])
        ref = refs[kind] if kind != corrupt else g1.msm(points[:-1], scalars[kind][:-1], check=False)
        np.save(tmp_path / f"ref-{kind}.npy", ref)
    return points, scalars, refs


def test_msm_child_checks_before_timing(tmp_path, monkeypatch):
    _msm_files(tmp_path, corrupt="i16")
    events = []
    real_equal, real_measure = np.array_equal, suite.measure

    def array_equal(a, b):
        events.append("check")
        return real_equal(a, b)

    def measure(fn, **kw):
        events.append("measure")
        return real_measure(fn, **kw)
    monkeypatch.setattr(suite.np, "array_equal", array_equal)
    monkeypatch.setattr(suite, "measure", measure)
    report = suite.path_child_run(tmp_path, 1)
    assert events == ["check", "measure", "check", "measure"]
    assert report["kinds"]["full"]["verified"] is True
    assert report["kinds"]["i16"]["verified"] is False  # the reference file was made wrong


def test_msm_parent_rechecks_the_child(tmp_path):
    """The parent compares the child's point with the reference and with mcl's."""
    points, scalars, refs = _msm_files(tmp_path)
    n = points.shape[0]
    skipped, unavailable = [], set()
    rows = suite._path_rows(["ours-int128"], n, points, scalars, refs, {}, 1, skipped, unavailable)
    assert {k: r["verified"] for (_, k), r in rows.items()} == {"full": True, "i16": True}
    assert all(r["backend"] == {"simd": "portable", "scalar": "int128"} for r in rows.values())
    wrong_mcl = {"full": (None, (1, 2)), "i16": (None, tuple(g1.to_ints(refs["i16"])))}
    rows = suite._path_rows(["ours-int128"], n, points, scalars, refs, wrong_mcl, 1, skipped, unavailable)
    assert {k: r["verified"] for (_, k), r in rows.items()} == {"full": False, "i16": True}
    assert not skipped
