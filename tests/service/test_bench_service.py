"""``python -m attrib.bench service`` runs end to end (at a toy size) and reports no failures."""

from attrib import bench


def test_service_suite_at_toy_size(tmp_path):
    result = bench.run_suite("service", ["--log-n", "10", "--columns", "4", "--queries", "2", "--contributors", "3",
                                         "--clients", "2", "--verify-seconds", "0.5", "--jobs-per-client", "1"])
    rows = {r["op"]: r for r in result["results"]}
    assert set(rows) == {"verify", "prove-job"}
    assert rows["verify"]["requests"] >= 2 and rows["verify"]["rate_per_s"] > 0
    assert rows["prove-job"]["requests"] == 2 and rows["prove-job"]["median_s"] > 0
    assert all(r["failed"] == 0 for r in rows.values())
    assert result["params"]["proofs_checked"] == 2 and result["params"]["proofs_rejected"] == 0
    assert "prove-job" in bench.format_result(result)
