"""``attrib bench`` (bench/harness.py) on a tiny configuration: files written and well-formed.

Runs two suites at toy sizes (about 10 s); the peers that are not installed are skipped by
the suites themselves, and the PNG checks need matplotlib (the ``peers`` extra).
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from attrib.bench import harness, summary
from attrib.cli import main as attrib_main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TINY = ["--suites", "kernels,msm", "--repeat", "2", "--note", "a tiny test run",
        "--suite-args", "kernels=--sizes 8 --impl ours-1t --impl ours-all --impl mcl --impl python",
        "--suite-args", "msm=--sizes 6 --impl ours-1t --impl mcl --impl py_ecc --py-ecc-max 6 --no-memory"]


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-out")
    assert attrib_main(["bench", "--quick", "--out", str(out), *TINY]) == 0
    return out


def test_results_json(tiny_run):
    record = json.loads((tiny_run / "results.json").read_text())
    assert record["schema"] == harness.SCHEMA and record["quick"] is True
    assert record["order"] == ["kernels", "msm"]
    assert record["duration_s"] > 0 and record["finished_at"]
    m = record["machine"]
    assert m["cpu"]["logical_cores"] >= 1 and m["memory_total_bytes"] > 0 and m["python"]["version"]
    assert "commit" in m["git"] and "packages" in m
    assert len(record["load"]["at_start"]) == 3 and "busy" in record["load"]
    for name in ("kernels", "msm"):
        suite = record["suites"][name]
        assert "error" not in suite, suite.get("error")
        assert suite["results"] and all(r["verified"] for r in suite["results"])
        assert suite["harness"]["args"][-2:] == ["--repeat", "2"] and "--quick" in suite["harness"]["args"]
        cpu = suite["harness"]["cpu"]
        assert cpu["wall_s"] > 0 and cpu["own_share"] > 0
        assert cpu["others_share"] is None or 0 <= cpu["others_share"] <= 1
    kernels = record["suites"]["kernels"]["results"]
    assert {(r["impl"], r["op"], r["n"]) for r in kernels} >= {("ours-1t", "mul", 256), ("python", "inner", 256)}
    assert all(len(r["timing"]["samples"]) == 2 for r in kernels)
    heads = record["headline"]
    assert any(h["group"] == "field" and h["peer"] == "python" and h["ratio"] > 0 for h in heads)
    assert any(h["group"] == "msm" and h["peer"] == "py_ecc" for h in heads)


def test_report_md(tiny_run):
    text = (tiny_run / "report.md").read_text()
    assert text.startswith("# attrib benchmark report (quick run)")
    for needle in ("**Machine**", "**Load**", "**Revision**", "**Note**: a tiny test run", "## Headline", "### kernels",
                   "### msm",
                   "median ns/el", "How to read"):
        assert needle in text, needle
    record = json.loads((tiny_run / "results.json").read_text())
    for p in record["plots"]["written"]:
        assert f"]({p['file']})" in text


def test_plots(tiny_run):
    record = json.loads((tiny_run / "results.json").read_text())
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert record["plots"]["written"] == []
        assert "matplotlib" in record["plots"]["skipped"][0]
        pytest.skip("matplotlib not installed (peers extra): plots are skipped with a reason")
    files = {p["file"] for p in record["plots"]["written"]}
    assert {"field.png", "msm.png"} <= files
    for name in files:
        w, h = _png_size(tiny_run / name)
        assert w > 100 and h > 100
    # no ezkl or attribution results in this run: those plots say why they were not drawn
    assert any(s.startswith("prove_vs_n.png") for s in record["plots"]["skipped"])


def test_rebuild_and_compare(tiny_run):
    (tiny_run / "report.md").unlink()
    assert attrib_main(["bench", "--rebuild", str(tiny_run), "--compare", str(tiny_run)]) == 0
    record = json.loads((tiny_run / "results.json").read_text())
    assert record["comparison"] and not any(c["regression"] for c in record["comparison"])
    assert "## Against the previous run" in (tiny_run / "report.md").read_text()


def test_failing_suite_is_recorded_and_run_goes_on(tmp_path):
    record = harness.run(tmp_path, quick=True, suites=["kernels"], echo=False,
                         suite_args={"kernels": ["--sizes", "not-a-number"]})
    assert "error" in record["suites"]["kernels"]
    assert "FAILED" in (tmp_path / "report.md").read_text()


def test_plan_restriction_and_unknown_suite():
    assert [n for n, _ in harness.plan_for(True, ["ckzg", "kernels"])] == ["kernels", "ckzg"]
    assert harness.plan_for(False, ["kernels"], {"kernels": ["--sizes", "8"]}) == [("kernels", ["--sizes", "8"])]
    with pytest.raises(SystemExit):
        harness.plan_for(True, ["nope"])


def test_headline_ratios_from_synthetic_ezkl_rows():
    def row(impl, prove):
        return {"impl": impl, "n": 4096, "setup_s": 1.0, "prove_s": prove, "verify_s": 0.5, "proof_bytes": 3000,
                "peak_mb": 100.0}
    record = {"suites": {"ezkl": {"results": [row("ours", 0.5), row("ezkl", 50.0)]}}}
    heads = {h["key"]: h for h in summary.headline(record)}
    assert heads["ezkl-4096-prove_s"]["ratio"] == pytest.approx(0.01)
    assert heads["ezkl-4096-setup_s"]["ratio"] == pytest.approx(1.0)


def test_ezkl_model_is_the_statement(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    from attrib.bench.peers import ezkl as peer

    peer.write_model(tmp_path, 32, 16, seed=4)
    model = onnx.load(str(tmp_path / "linear.onnx"))
    assert [n.op_type for n in model.graph.node] == ["MatMul"]
    assert [i.name for i in model.graph.initializer] == ["phi"]
    q = np.array(json.loads((tmp_path / "input.json").read_text())["input_data"][0], dtype=np.float32)
    (s,) = ReferenceEvaluator(model).run(None, {"q": q.reshape(16, 1)})
    phi, q_int = peer.make_statement(32, 16, seed=4)
    assert np.array_equal(q.astype(np.int64), q_int)
    # float32 rounds sums above 2^24: compare to the exact integers loosely, the circuit checks them exactly
    assert np.allclose(s.reshape(-1), (phi @ q_int).astype(np.float64), rtol=1e-6)
