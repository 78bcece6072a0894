"""attrib.chain: solc-js (npm, pinned) compiles, pyrevm runs, and the gas accounting adds up.

The contracts of the on-chain verifier are tested with these tools; this checks the tools
themselves on a small contract that calls the BN254 ecAdd precompile and keccak256.
"""

from __future__ import annotations

import pytest
from node_tools import require_node_tools
from py_ecc import optimized_bn128 as bn

SOURCE = """
// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;
contract Probe {
    function addG1(uint256 x1, uint256 y1, uint256 x2, uint256 y2) external view returns (uint256 x, uint256 y) {
        uint256[4] memory input = [x1, y1, x2, y2];
        uint256[2] memory out;
        bool ok;
        assembly { ok := staticcall(gas(), 6, input, 128, out, 64) }
        require(ok, "ecAdd failed");
        return (out[0], out[1]);
    }
    function hash(bytes calldata data) external pure returns (bytes32) { return keccak256(data); }
}
"""


@pytest.fixture(scope="module")
def probe():
    require_node_tools()
    pytest.importorskip("pyrevm")
    from attrib.chain.evm import Chain, compile_solidity

    artifact = compile_solidity({"Probe.sol": SOURCE})["Probe"]
    chain = Chain()
    return chain, chain.deploy(artifact)


def test_compile_deploy_and_call_a_precompile(probe):
    from attrib.chain.evm import encode_call, precompile_profile, words

    chain, address = probe
    g2 = bn.normalize(bn.double(bn.G1))
    data = encode_call("addG1(uint256,uint256,uint256,uint256)", 1, 2, int(g2[0]), int(g2[1]))
    result = chain.call(address, data)
    expected = bn.normalize(bn.multiply(bn.G1, 3))
    assert result.success and words(result.output) == [int(expected[0]), int(expected[1])]
    assert 0 < result.execution_gas < result.gas_used
    profile = precompile_profile(chain, address, data)
    assert profile["ecadd"]["calls"] == 1 and profile["ecadd"]["gas"] >= 150     # EIP-1108 price
    bad = encode_call("addG1(uint256,uint256,uint256,uint256)", 1, 3, 0, 0)    # (1, 3) is off the curve
    assert not chain.call(address, bad).success


def test_keccak_and_calldata_gas(probe):
    from attrib.chain.evm import calldata_gas, encode_call
    from attrib.verifier.transcript import keccak256

    chain, address = probe
    payload = bytes(range(40)) + bytes(24)
    result = chain.call(address, encode_call("hash(bytes)", payload))
    assert result.success and result.output == keccak256(payload)
    assert calldata_gas(b"\0\1\0\2") == 4 + 16 + 4 + 16
