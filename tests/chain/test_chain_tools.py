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


COUNTER = """
// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;
contract Counter {
    uint256 public count;
    function bump() external { count += 1; }
}
"""


def test_a_node_charges_every_transaction_cold_storage_pyrevm_does_not():
    """Why gas is measured on anvil (attrib.chain.rpc.RpcChain): two identical transactions that read and write
    one slot cost the same on a node (each starts cold: EIP-2929, and SSTORE is priced from the slot's value at
    its start), while pyrevm's Chain, which keeps one journal across calls, charges the second less."""
    require_node_tools()
    pytest.importorskip("web3")
    from attrib.chain.evm import Chain, compile_solidity, selector
    from attrib.chain.rpc import Anvil, RpcChain

    artifact = compile_solidity({"Counter.sol": COUNTER})["Counter"]
    bump = selector("bump()")
    local = Chain()
    counter = local.deploy(artifact)
    first, second = local.call(counter, bump), local.call(counter, bump)
    assert first.success and second.success
    assert first.gas_used - second.gas_used >= 2_000              # the slot was warm (and dirty) the second time
    with Anvil() as node:
        chain = RpcChain(node.url)
        counter = chain.deploy(artifact)
        runs = [chain.call(counter, bump) for _ in range(3)]
        assert all(r.success for r in runs)
        assert runs[1].gas_used == runs[2].gas_used                # every transaction starts cold
        assert runs[1].gas_used - second.gas_used >= 2_000
        assert chain.call(counter, selector("count()")).output[-1] == 3      # (the state before the call is mined)
