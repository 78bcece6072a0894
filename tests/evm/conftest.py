"""The EVM verifier under test: solc-js compiles it, pyrevm runs it, Python's verdict is the reference.

Each session compiles the contracts once per SRS (the compiler output is cached on disk by
tests/evm/evm_tools.py) and proves a handful of small epochs.  The gas of every accepted
verification is listed at the end of the run (execution gas: the transaction's gas less the
21,000 base and the calldata's own gas; calldata bytes apart).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from epochs import integer_epoch

from attrib.chain.evm import Chain, compile_solidity
from attrib.verifier import verify_attribution
from attrib.verifier.evm import calldata, contract_source, settlement_source

GAS_RECORDS: list[tuple[str, int, int]] = []


def pytest_terminal_summary(terminalreporter):
    if GAS_RECORDS:
        terminalreporter.section("EVM verification gas (accepted epochs)")
        terminalreporter.write_line(f"{'epoch':<40} {'execution gas':>14} {'calldata bytes':>15}")
        for label, gas, size in GAS_RECORDS:
            terminalreporter.write_line(f"{label:<40} {gas:>14,} {size:>15,}")


@pytest.fixture(scope="session", autouse=True)
def evm_toolchain():
    """node/npm and pyrevm, or a skip (a failure under CI)."""
    from node_tools import require_node_tools

    require_node_tools()
    if importlib.util.find_spec("pyrevm") is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pyrevm is not installed (pip install -e '.[test]')")
        pytest.skip("pyrevm is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(9, seed=11, cache_dir=tmp_path_factory.mktemp("srs"))


@pytest.fixture(scope="session")
def other_srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(9, seed=12, cache_dir=tmp_path_factory.mktemp("srs2"))


class DeployedVerifier:
    """An AttributionVerifier on a fresh chain, with the Python verdict alongside."""

    def __init__(self, vk, source: str | None = None):
        self.vk = vk
        self.artifact = compile_solidity({"AttributionVerifier.sol": source or contract_source(vk)})[
            "AttributionVerifier"]
        self.chain = Chain()
        self.address = self.chain.deploy(self.artifact)

    def call(self, manifest, claim, proof):
        return self.chain.call(self.address, calldata(manifest, claim, proof))

    def verdict(self, manifest, claim, proof) -> bool:
        """True/False as returned (a revert counts as False; a malformed return fails the test)."""
        result = self.call(manifest, claim, proof)
        if not result.success:
            return False
        assert result.output in (bytes(31) + b"\x01", bytes(32)), result
        return result.output[-1] == 1

    def python(self, manifest, claim, proof) -> bool:
        return verify_attribution(manifest, claim, proof, trusted_srs_digest=self.vk.digest())

    def agree(self, manifest, claim, proof) -> bool:
        """Assert both verdicts are equal and return it."""
        expected = self.python(manifest, claim, proof)
        assert self.verdict(manifest, claim, proof) == expected
        return expected


@pytest.fixture(scope="session")
def verifier(srs):
    return DeployedVerifier(srs.verifying_key)


@pytest.fixture(scope="session")
def settlement_artifacts():
    return compile_solidity({"Settlement.sol": settlement_source()})


# Small epochs of several shapes: (rows, columns, contributors, queries). Rows = 2^n exactly
# makes the last offset 2^n; n ≤ 6 leaves a single committed layer (no fold commitments);
# T = 1 with k ≥ 6 takes the bucket path for C_s, larger T the ecMul path.
SHAPES = [(2, 1, 1, 1), (8, 2, 3, 2), (13, 3, 4, 1), (40, 8, 5, 3), (100, 6, 7, 1),
          (300, 6, 7, 5), (512, 16, 16, 1)]


@pytest.fixture(scope="session")
def epochs(srs):
    return [integer_epoch(srs, rows, cols, contributors, queries, seed=i)
            for i, (rows, cols, contributors, queries) in enumerate(SHAPES)]


@pytest.fixture(scope="session")
def epoch(epochs):
    """The n = 9, k = 6, T = 5, C = 7 epoch (as in tests/attribution)."""
    return epochs[5]


def load_attribution_vectors():
    """tests/attribution/test_attribution.py, for its generators of tampered claims and proofs."""
    path = Path(__file__).resolve().parents[1] / "attribution" / "test_attribution.py"
    spec = importlib.util.spec_from_file_location("attribution_vectors", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def vectors():
    return load_attribution_vectors()
