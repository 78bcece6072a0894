"""The growth and audits suites run end to end at their quick sizes and report verified figures."""

import json

import pytest

from attrib.bench.__main__ import main as bench_main


def test_growth_suite_quick(tmp_path):
    out = tmp_path / "g.json"
    assert bench_main(["growth", "--config", "10,4,16,6,4", "--repeat", "1", "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())["results"]
    assert row["verified"] and row["appended"] == 64 and row["rows"] == 4 and row["contributors_after"] == 17
    assert 0 < row["append_ratio"] and row["opening_bytes"] > 0


def test_audits_suite_quick(tmp_path):
    pytest.importorskip("sklearn")
    out = tmp_path / "a.json"
    assert bench_main(["audits", "--quick", "--seeds", "50", "--real", "2", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["results"]
    assert [r["s"] for r in rows] == [4, 16]
    for r in rows:
        assert 0 <= r["caught"] <= 1 and r["bound"] <= r["exact"] + 1e-12 and r["real_audits"] == 2
