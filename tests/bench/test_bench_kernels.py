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
  ``extra_info`` records n, the thread count, the median in ns/element and the path the
  process loaded (``simd_backend`` / ``scalar_backend``).  The path is chosen when the
  extension loads, so a micro-benchmark run times one path: run the file again with
  ``ATTRIB_NO_IFMA=1`` (and ``ATTRIB_NO_ADX=1``) for the portable (``__int128``) path, or use
  ``python -m attrib.bench kernels``, whose ``ours-ifma`` / ``ours-portable`` / ``ours-int128``
  rows time each path in a child process in one run.

* The tests at the end (no ``benchmark`` fixture: they run in a normal ``pytest`` run, at toy
  sizes) check that those children ran the path they are named for, that their results are
  checked against Python integers before timing (in the child) and again in the parent, and
  that the rows sit in one table with mcl and an ``x mcl`` ratio.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")

from attrib import bench, kernels
from attrib.bench import kernels as suite
from attrib.bench.peers import PeerUnavailable
from attrib.kernels import fr

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
    benchmark.extra_info.update(n=n, threads=threads, simd_backend=kernels.simd_backend(),
                                scalar_backend=kernels.scalar_backend())
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


# ---- our paths side by side (ordinary tests: no benchmark fixture) -------------------------

PATH_IMPLS = ("ours-ifma", "ours-portable", "ours-int128")


def test_path_env_replaces_inherited_switches(monkeypatch):
    monkeypatch.setenv("ATTRIB_NO_IFMA", "1")
    monkeypatch.setenv("ATTRIB_NO_ADX", "1")
    assert "ATTRIB_NO_IFMA" not in suite.path_env("ours-ifma") and "ATTRIB_NO_ADX" not in suite.path_env("ours-ifma")
    assert suite.path_env("ours-portable")["ATTRIB_NO_IFMA"] == "1" and "ATTRIB_NO_ADX" not in suite.path_env("ours-portable")
    env = suite.path_env("ours-int128")
    assert env["ATTRIB_NO_IFMA"] == "1" and env["ATTRIB_NO_ADX"] == "1"


def test_path_mismatch_names_the_reason():
    assert suite.path_mismatch("ours-ifma", {"simd_backend": "avx512ifma", "scalar_backend": "adx"}) is None
    assert "IFMA" in suite.path_mismatch("ours-ifma", {"simd_backend": "portable", "scalar_backend": "adx"})
    assert suite.path_mismatch("ours-portable", {"simd_backend": "portable", "scalar_backend": "int128"}) is None
    assert "scalar backend 'adx'" in suite.path_mismatch("ours-int128", {"simd_backend": "portable",
                                                                          "scalar_backend": "adx"})


def test_paths_in_one_table_with_mcl(path_backends):
    """Each ours-<path> row comes from a child that reported that path's backends, was checked
    against Python integers, is single-threaded and has its x mcl ratio beside mcl's row."""
    args = ["--sizes", "8", "--repeat", "2", "--impl", "ours-1t", "--impl", "mcl", "--impl", "python"]
    for impl in PATH_IMPLS:
        args += ["--impl", impl]
    result = bench.run_suite("kernels", args)
    rows = result["results"]
    have_mcl = any(r["impl"] == "mcl" for r in rows)
    assert have_mcl or any(s["impl"] == "mcl" for s in result["skipped"])
    assert all(r["verified"] for r in rows)
    for impl, want in path_backends.items():
        mine = [r for r in rows if r["impl"] == impl]
        if want is None:  # no IFMA here: skipped, with the reason
            assert not mine
            assert any(s["impl"] == impl and "IFMA" in s["reason"] for s in result["skipped"])
            continue
        assert sorted(r["op"] for r in mine) == ["inner", "mul"]
        for r in mine:
            assert (r["backend"]["simd"], r["backend"]["scalar"]) == want
            assert r["threads"] == 1 and r["process"]["kind"] == "child"
            assert r["process"]["env"] == suite.PATHS[impl]["env"]
            assert len(r["timing"]["samples"]) == 2 and len(r["timing"]["cpu_samples"]) == 2
            assert r["ns_per_el"]["min"] <= r["ns_per_el"]["median"] <= r["ns_per_el"]["max"]
            if have_mcl:
                mcl_row = next(m for m in rows if m["impl"] == "mcl" and m["op"] == r["op"])
                assert r["ratio_to_mcl"] == pytest.approx(r["median_s"] / mcl_row["median_s"])
    this = next(r for r in rows if r["impl"] == "ours-1t")
    assert this["backend"] == {"simd": kernels.simd_backend(), "scalar": kernels.scalar_backend()}
    table = bench.format_result(result)
    assert "path" in table.splitlines()[0] and "x mcl" in table.splitlines()[0]
    for impl, want in path_backends.items():
        if want is not None:
            line = next(line for line in table.splitlines() if line.startswith(impl + " "))
            assert f"{want[0]}/{want[1]}" in line and "WRONG" not in line


def _child_files(tmp_path, n=64, seed=5, corrupt_mul=False):
    r = fr.MODULUS
    a, b = fr.random(n, seed=seed), fr.random(n, seed=seed + 1)
    xs, ys = fr.to_ints(a), fr.to_ints(b)
    idx = np.array([0, 7, n - 1])
    want_mul = [xs[i] * ys[i] % r for i in idx]
    want_inner = sum(x * y for x, y in zip(xs, ys)) % r
    written = list(want_mul)
    if corrupt_mul:
        written[1] = (written[1] + 1) % r
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    np.save(tmp_path / "idx.npy", idx)
    (tmp_path / "want.json").write_text(json.dumps({"mul": [str(x) for x in written], "inner": str(want_inner)}))
    return n, idx, want_mul, want_inner


def test_path_child_checks_before_timing(tmp_path, monkeypatch):
    """The child compares with the Python-integer values before it times an op, and a wrong
    value is reported as not verified."""
    _child_files(tmp_path, corrupt_mul=True)
    events = []
    real_verify, real_measure = suite._verify, suite.measure

    def verify(op, *a):
        events.append(("verify", op))
        return real_verify(op, *a)

    def measure(fn, **kw):
        events.append(("measure", None))
        return real_measure(fn, **kw)
    monkeypatch.setattr(suite, "_verify", verify)
    monkeypatch.setattr(suite, "measure", measure)
    report = suite.path_child_run(tmp_path, 1)
    assert events == [("verify", "mul"), ("measure", None), ("verify", "inner"), ("measure", None)]
    assert report["ops"]["mul"]["verified"] is False  # the want file was corrupted
    assert report["ops"]["inner"]["verified"] is True
    assert report["simd_backend"] == kernels.simd_backend() and report["scalar_backend"] == kernels.scalar_backend()


def test_parent_rechecks_the_child(tmp_path):
    """A child that calls its (correct) result verified is still WRONG when the parent's own
    Python-integer values disagree; with the right values the row is verified."""
    n, idx, want_mul, want_inner = _child_files(tmp_path)
    skipped, unavailable, notes = [], set(), []
    rows = suite._path_rows("ours-int128", str(tmp_path), n, 1, idx, want_mul, want_inner, skipped, unavailable, notes)
    assert [r["verified"] for r in rows] == [True, True] and not skipped
    assert all(r["backend"] == {"simd": "portable", "scalar": "int128"} for r in rows)
    bad = list(want_mul)
    bad[0] += 1
    rows = suite._path_rows("ours-int128", str(tmp_path), n, 1, idx, bad, want_inner, skipped, unavailable, notes)
    assert {r["op"]: r["verified"] for r in rows} == {"mul": False, "inner": True}
    assert any("does NOT match" in note for note in notes)
