"""Fast tests of the bench package itself (timing, registry, machine record, mcl peer, kernels suite).

These run in the normal test suite; the micro-benchmarks are in test_bench_kernels.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from attrib import bench
from attrib.bench import timing
from attrib.bench.__main__ import main as bench_main
from attrib.bench.machine import machine_record
from attrib.bench.peers import PeerUnavailable

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617


# ---- timing ----------------------------------------------------------------------------

def test_measure_counts_warmup_and_samples():
    calls = []
    t = timing.measure(lambda: calls.append(1), repeat=5, warmup=2, number=3)
    assert len(calls) == 2 + 5 * 3
    assert t.repeat == 5 and t.warmup == 2 and t.number == 3
    assert t.min <= t.median <= t.max


def test_measure_self_timed_uses_returned_seconds():
    t = timing.measure(lambda: 0.5, repeat=4, number=2, self_timed=True)
    assert t.samples == [0.5] * 4
    assert t.per_element(1000) == {"median": 5e5, "min": 5e5, "max": 5e5}


def test_timing_to_dict_is_json():
    d = timing.measure(lambda: None, repeat=3).to_dict()
    json.dumps(d)
    assert {"median_s", "min_s", "max_s", "samples", "loadavg_before", "loadavg_after"} <= set(d)


def test_noise_warnings():
    from attrib.bench.report import noise_warnings

    quiet = {"loadavg_at_start": [0.1, 0.1, 0.1],
             "results": [{"impl": "x", "op": "mul", "n": 16, "threads": 1,
                          "timing": {"samples": [1.0, 1.0], "cpu_samples": [0.99, 1.0]}}]}
    assert noise_warnings(quiet) == []
    busy = {"loadavg_at_start": [1.5, 1.0, 1.0],
            "results": [{"impl": "x", "op": "mul", "n": 16, "threads": 1,
                         "timing": {"samples": [1.0, 1.0], "cpu_samples": [0.5, 0.5]}},
                        {"impl": "y", "op": "mul", "n": 16, "threads": 4,  # multi-threaded: not judged
                         "timing": {"samples": [1.0], "cpu_samples": [0.1]}}]}
    w = noise_warnings(busy)
    assert len(w) == 2 and "1.50" in w[0] and "x mul n=2^4" in w[1] and "y mul" not in w[1]


def test_measure_rejects_bad_counts():
    with pytest.raises(ValueError):
        timing.measure(lambda: None, repeat=0)


# ---- registry and CLI ------------------------------------------------------------------

def test_every_registered_suite_has_a_module():
    assert "kernels" in bench.SUITES
    for name in bench.SUITES:
        assert callable(bench.get_suite(name).run), name


def test_unknown_suite_error_lists_suites():
    with pytest.raises(bench.UnknownSuite, match="available: .*kernels"):
        bench.get_suite("no-such-suite")
    with pytest.raises(bench.UnknownSuite):
        bench.get_suite("timing")  # a framework module, not a suite


def test_cli_unknown_suite_exit_code(capsys):
    assert bench_main(["no-such-suite"]) == 2
    assert "kernels" in capsys.readouterr().err


def test_cli_list(capsys):
    assert bench_main(["--list"]) == 0
    assert "kernels" in capsys.readouterr().out


# ---- machine record --------------------------------------------------------------------

def test_machine_record_fields():
    rec = machine_record()
    json.dumps(rec)
    assert rec["cpu"]["logical_cores"] >= 1
    assert rec["python"]["version"]
    assert rec["packages"]["numpy"] == np.__version__
    assert rec["kernels"]["max_threads"] >= 1
    assert "simd_backend" in rec["kernels"]


# ---- mcl peer --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mcl():
    from attrib.bench.peers import mcl as peer
    try:
        return peer.load()
    except PeerUnavailable as exc:
        pytest.skip(str(exc))


def test_mcl_is_alt_bn128(mcl):
    checks = mcl.verify_curve()
    assert checks["curve_type"] == 4
    assert all(v is True for k, v in checks.items() if k != "curve_type")


def test_mcl_fr_mul_and_inner_match_python(mcl):
    rng = np.random.default_rng(7)
    xs = [int.from_bytes(rng.bytes(32), "little") % R for _ in range(257)]
    ys = [int.from_bytes(rng.bytes(32), "little") % R for _ in range(257)]
    a, b = mcl.fr_from_ints(xs), mcl.fr_from_ints(ys)
    out = mcl.fr_empty(len(xs))
    assert mcl.fr_mul(out, a, b) >= 0
    assert mcl.fr_to_ints(out) == [x * y % R for x, y in zip(xs, ys)]
    _, acc = mcl.fr_inner(a, b)
    assert mcl.fr_to_ints(acc) == [sum(x * y for x, y in zip(xs, ys)) % R]


def test_mcl_g1_matches_py_ecc_and_mulvec(mcl):
    py_ecc = pytest.importorskip("py_ecc.bn128")
    g = mcl.g1_generator()
    k = 0xDEADBEEF_12345678_9ABCDEF0
    want = tuple(c.n for c in py_ecc.multiply(py_ecc.G1, k))
    assert mcl.g1_affine(mcl.g1_mul(g, mcl.fr_from_ints([k]))) == want

    n = 37
    points, _ = mcl.g1_random_points(n, seed=3)
    scalars = mcl.fr_from_ints([(i * 0x1234567) ** 3 % R for i in range(1, n + 1)])
    want = np.zeros(12, dtype=np.uint64)
    for i in range(n):
        want = mcl.g1_add(want, mcl.g1_mul(points[i], scalars[i]))
    _, got = mcl.g1_mul_vec(points.copy(), scalars)
    assert mcl.g1_equal(got, want)
    _, got_mt = mcl.g1_mul_vec(points.copy(), scalars, cpu_n=2)
    assert mcl.g1_equal(got_mt, want)


# ---- the kernels suite end to end ------------------------------------------------------

def test_kernels_suite_tiny(tmp_path, capsys):
    out = tmp_path / "k.json"
    rc = bench_main(["kernels", "--sizes", "6,8", "--repeat", "2", "--impl", "ours-1t", "--impl", "ours-all",
                     "--impl", "mcl", "--impl", "python", "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["schema"] == bench.SCHEMA and data["suite"] == "kernels"
    impls = {r["impl"] for r in data["results"]}
    assert {"ours-1t", "ours-all", "python"} <= impls
    assert all(r["verified"] for r in data["results"])
    cells = {(r["op"], r["n"]) for r in data["results"]}
    assert cells == {(op, n) for op in ("mul", "inner") for n in (64, 256)}
    if "mcl" in impls:
        assert all(r["ratio_to_mcl"] is not None for r in data["results"])
    assert "median ns/el" in capsys.readouterr().out


# ---- the verify suite end to end -------------------------------------------------------

def test_verify_suite_tiny(tmp_path, capsys):
    """Every backend's pairing check accepts the relation and refuses a broken pair before it is
    timed; whole verifications run with both backends in a child and both verdicts are True."""
    out = tmp_path / "v.json"
    rc = bench_main(["verify", "--log-n", "12", "--contributors", "16", "--queries", "16", "--repeat", "2",
                     "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    rows = {(r["op"], r["impl"]): r for r in data["results"]}
    assert {("2-pairing check", "py_ecc"), ("2-pairing check", "native"), ("MSM", "native"),
            ("verify epoch", "python"), ("verify epoch", "native"), ("verify registration", "native")} <= set(rows)
    assert all(r["verified"] for r in data["results"])
    assert rows[("verify epoch", "native")]["median_s"] < rows[("verify epoch", "python")]["median_s"]
    assert rows[("verify epoch", "python")]["ratio"] > 1           # over the native backend
    assert "verify epoch" in capsys.readouterr().out
