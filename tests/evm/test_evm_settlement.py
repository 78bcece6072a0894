"""Settlement end to end: register a manifest, settle epochs with their fees, withdraw, replay refused."""

import dataclasses

import pytest
from epochs import integer_epoch

from attrib.chain.evm import encode_call, words
from attrib.verifier.evm import selector, settle_calldata
from attrib.verifier.messages import Manifest


def error(signature: str) -> bytes:
    return selector(signature)


class Ledger:
    def __init__(self, verifier, artifacts):
        self.chain = verifier.chain                       # the verifier's chain: one deployment of each
        self.address = self.chain.deploy(artifacts["Settlement"],
                                         int(verifier.address, 16).to_bytes(32, "big"))

    def call(self, signature, *args, caller=None, value=0):
        return self.chain.call(self.address, encode_call(signature, *args), caller=caller, value=value)

    def settle(self, e, caller, value):
        return self.chain.call(self.address, settle_calldata(e.manifest, e.claim, e.proof), caller=caller,
                               value=value)

    def owed(self, digest, c):
        return words(self.call("owed(bytes32,uint256)", digest, c).output)[0]


@pytest.fixture(scope="module")
def ledger(verifier, settlement_artifacts):
    return Ledger(verifier, settlement_artifacts)


def test_settlement_flow(ledger, srs, epochs):
    chain = ledger.chain
    owner, payer, stranger = chain.account(1), chain.account(2), chain.account(3)
    e = epochs[4]                                                     # n = 7, k = 6, T = 1, C = 7
    manifest = Manifest.from_bytes(e.manifest)
    digest = manifest.digest()
    C = manifest.num_contributors
    payees = [chain.account(10 + c, balance=0) for c in range(C)]

    # the digest Settlement computes is Manifest.digest()
    out = ledger.call("manifestDigest(bytes)", e.manifest)
    assert out.success and out.output[:32] == digest and words(out.output)[1] == C

    # an unregistered manifest cannot settle
    fees = sum(e.claim_obj.fees)
    result = ledger.settle(e, payer, fees)
    assert not result.success and result.output[:4] == error("UnknownManifest(bytes32)")

    # register (once, with one payee per contributor)
    bad = ledger.call("register(bytes,address[])", e.manifest, payees[:-1], caller=owner)
    assert not bad.success and bad.output[:4] == error("WrongPayees(uint256,uint256)")
    assert ledger.call("register(bytes,address[])", e.manifest, payees, caller=owner).success
    again = ledger.call("register(bytes,address[])", e.manifest, payees, caller=stranger)
    assert not again.success and again.output[:4] == error("AlreadyRegistered(bytes32)")
    info = words(ledger.call("dataset(bytes32)", digest).output)
    assert info[0] == int(owner, 16) and info[2] == C and info[3:3 + C] == [int(p, 16) for p in payees]

    # wrong fee amount, then an invalid proof, are refused
    result = ledger.settle(e, payer, fees + 1)
    assert not result.success and result.output[:4] == error("WrongFees(uint256,uint256)")
    forged = dataclasses.replace(e.claim_obj, payouts=(e.claim_obj.payouts[0] + 1,) + e.claim_obj.payouts[1:])
    result = ledger.chain.call(ledger.address, settle_calldata(e.manifest, forged, e.proof), caller=payer,
                               value=fees)
    assert not result.success and result.output[:4] == error("InvalidProof()")

    # settle: payouts credited, dust refunded
    before = chain.evm.get_balance(payer)
    result = ledger.settle(e, payer, fees)
    assert result.success, result
    paid = sum(e.claim_obj.payouts)
    assert 0 < paid <= fees and chain.evm.get_balance(payer) == before - paid
    assert [ledger.owed(digest, c) for c in range(C)] == list(e.claim_obj.payouts)

    # replay of the same epoch is refused
    result = ledger.settle(e, payer, fees)
    assert not result.success and result.output[:4] == error("AlreadySettled(bytes32)")

    # another epoch on the same data accumulates
    e2 = integer_epoch(srs, 100, 6, 7, 1, seed=4, query_seed=77)
    assert e2.manifest == e.manifest
    assert ledger.settle(e2, payer, sum(e2.claim_obj.fees)).success
    owed = [a + b for a, b in zip(e.claim_obj.payouts, e2.claim_obj.payouts)]
    assert [ledger.owed(digest, c) for c in range(C)] == owed

    # withdrawals: only the payee, once
    c = max(range(C), key=lambda i: owed[i])
    assert owed[c] > 0
    result = ledger.call("withdraw(bytes32,uint256)", digest, c, caller=stranger)
    assert not result.success and result.output[:4] == error("NotPayee()")
    assert ledger.call("withdraw(bytes32,uint256)", digest, c, caller=payees[c]).success
    assert chain.evm.get_balance(payees[c]) == owed[c] and ledger.owed(digest, c) == 0
    result = ledger.call("withdraw(bytes32,uint256)", digest, c, caller=payees[c])
    assert not result.success and result.output[:4] == error("NothingOwed()")
    assert chain.evm.get_balance(ledger.address) == sum(owed) - owed[c]


def test_malformed_manifest_cannot_register(ledger, epochs):
    e = epochs[0]
    result = ledger.call("register(bytes,address[])", e.manifest[:500], [])
    assert not result.success and result.output[:4] == error("MalformedManifest()")
    huge = e.manifest[:15 * 32] + (2**40).to_bytes(32, "big") + e.manifest[16 * 32:]
    result = ledger.call("manifestDigest(bytes)", huge)
    assert not result.success and result.output[:4] == error("MalformedManifest()")
