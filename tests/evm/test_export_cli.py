"""`attrib export-verifier` writes the same source as verifier.evm.contract_source."""

from attrib.cli import main
from attrib.prover.srs import SRS
from attrib.verifier.evm import contract_source


def test_export_verifier_matches_contract_source(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTRIB_SRS_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "Verifier.sol"
    assert main(["export-verifier", "--dev-srs", "6", "-o", str(out)]) == 0
    expected = contract_source(SRS.dev(6, cache_dir=tmp_path / "cache").verifying_key)
    assert out.read_text() == expected
    assert "contract AttributionVerifier" in expected


def test_export_verifier_reports_a_bad_ptau(tmp_path, capsys):
    bad = tmp_path / "bad.ptau"
    bad.write_bytes(b"not a ptau file")
    assert main(["export-verifier", "--srs", str(bad), "-o", str(tmp_path / "V.sol")]) == 2
    assert "bad.ptau: not a .ptau file" in capsys.readouterr().err
