"""The Settlement contract (chain/contracts/Settlement.sol) with the verifiers generated for a dev SRS,
on pyrevm: registration by the owner the manifest names, settlers, sequenced epochs with fee layers,
withdrawals by balance opening and payee path, and the front-running and locking attacks of
PROTOCOL-V2 §11 (each one fails on this contract; the note says which line stops it)."""

from __future__ import annotations

import numpy as np
import pytest
from node_tools import require_node_tools
from py_ecc import optimized_bn128 as bn

from attrib.verifier.encoding import g1_affine

OWNER, SETTLER, STRANGER, MODEL, PLATFORM = range(5)
PAYEE_BASE = 20


@pytest.fixture(scope="module")
def srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(16, seed=31, cache_dir=tmp_path_factory.mktemp("srs16"))


class Deployed:
    """The three contracts on a fresh pyrevm chain, with ABI-encoded calls."""

    def __init__(self, srs) -> None:
        from attrib.chain.evm import Chain
        from attrib.chain.settlement import address_word, contracts

        self.srs = srs
        self.artifacts = contracts(srs.verifying_key)
        self.chain = Chain()
        self.accounts = [self.chain.account(i) for i in range(40)]
        self.registration = self.chain.deploy(self.artifacts["RegistrationVerifier"])
        self.epoch = self.chain.deploy(self.artifacts["EpochVerifier"])
        self.settlement = self.chain.deploy(self.artifacts["Settlement"],
                                            address_word(self.registration) + address_word(self.epoch))
        self.abi = self.artifacts["Settlement"].abi

    def data(self, name: str, *args) -> bytes:
        from eth_abi import encode
        from eth_utils import keccak

        entry = next(e for e in self.abi if e.get("type") == "function" and e["name"] == name)
        types = [_abi_type(i) for i in entry["inputs"]]
        return keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))

    def send(self, who: int, name: str, *args, value: int = 0):
        return self.chain.call(self.settlement, self.data(name, *args), caller=self.accounts[who], value=value)

    def view(self, name: str, *args):
        from eth_abi import decode

        entry = next(e for e in self.abi if e.get("type") == "function" and e["name"] == name)
        result = self.chain.call(self.settlement, self.data(name, *args))
        assert result.success, result.reason
        return decode([_abi_type(o) for o in entry["outputs"]], result.output)

    def error(self, result) -> str:
        """The custom error a reverted call raised, by name."""
        from eth_utils import keccak

        assert not result.success
        for entry in self.abi:
            if entry.get("type") == "error":
                types = ",".join(_abi_type(i) for i in entry.get("inputs", []))
                if keccak(text=f"{entry['name']}({types})")[:4] == result.output[:4]:
                    return entry["name"]
        return result.reason

    def balance(self, who) -> int:
        return self.chain.evm.get_balance(self.accounts[who] if isinstance(who, int) else who)


def _abi_type(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in entry["components"]) + ")" + entry["type"][5:]
    return entry["type"]


@pytest.fixture(scope="module")
def deployed(srs):
    require_node_tools()
    pytest.importorskip("pyrevm")
    pytest.importorskip("eth_abi")
    return Deployed(srs)


def make_registration(srs, deployed, contributors=6, owner=OWNER, model_bp=1500, platform_bp=500, seed=5):
    from attrib.prover import Dataset, Prover
    from attrib.verifier.terms import Terms

    rng = np.random.default_rng(seed)
    rows = 8 * contributors
    owners = [f"c{r % contributors}" for r in range(rows)]
    ds = Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, 4)), owners, rng.integers(1, 2**20, rows))
    payees = [deployed.accounts[PAYEE_BASE + c] for c in range(contributors)]
    terms = Terms.with_payees(deployed.accounts[owner], payees, deployed.accounts[MODEL], model_bp,
                              deployed.accounts[PLATFORM], platform_bp)
    return Prover(srs).register(ds, terms=terms), payees


def epoch_of(srs, reg, seq, t_count=5, seed=0):
    from attrib.prover import Prover
    from attrib.verifier.terms import pool_fees

    rng = np.random.default_rng(seq * 100 + seed)
    queries = rng.integers(-2**15 + 1, 2**15, size=(t_count, reg.manifest.num_columns))
    gross = [int(x) for x in rng.integers(10**9, 10**12, t_count)]
    return Prover(srs).prove(reg, queries, pool_fees(gross, reg.manifest.terms), seq=seq), sum(gross)


def withdrawal(srs, deployed, reg, payees, payouts_by_epoch, epoch, index, excluded=(), value=None, payee=None,
               claims=None):
    """The Withdrawal struct for contributor ``index`` over epochs 1 … ``epoch`` less ``excluded``
    (``claims``: every settled epoch's claim, for the recorded states)."""
    from attrib.chain.settlement import withdrawal_states
    from attrib.prover import Prover
    from attrib.verifier.terms import payee_path

    commitments = {e: c.payouts_commitment for e, c in claims.items()}
    state, excluded_states = withdrawal_states(commitments, epoch, excluded)
    cumulative, _, opening = Prover(srs).open_balance(reg.manifest, epoch, payouts_by_epoch, index, excluded)
    path = payee_path(payees, reg.manifest.log_contributors, index)
    return (index, epoch, sorted(excluded), excluded_states, state, cumulative if value is None else value,
            payee or payees[index], path, opening.to_bytes()), cumulative


def test_register_settle_withdraw(srs, deployed):
    from attrib.verifier.terms import split_fees

    reg, payees = make_registration(srs, deployed)
    digest = reg.manifest.digest()
    manifest, proof = reg.manifest.to_bytes(), reg.proof.to_bytes()

    # front-running the registration: a stranger who copies the published manifest is refused
    assert deployed.error(deployed.send(STRANGER, "register", manifest, proof)) == "NotOwner"
    first = deployed.send(OWNER, "register", manifest, proof)
    assert first.success, first.reason
    assert deployed.error(deployed.send(OWNER, "register", manifest, proof)) == "AlreadyRegistered"
    state = deployed.view("dataset", digest)[0]
    assert state[0].lower() == deployed.accounts[OWNER].lower() and state[7] == 6 and state[8] == 0

    # settlement: only the owner and its settlers; seq in order; the pool must be the proven fees
    epoch1, gross1 = epoch_of(srs, reg, 1)
    claim, eproof = epoch1.claim.to_bytes(), epoch1.proof.to_bytes()
    assert deployed.error(deployed.send(STRANGER, "settle", digest, claim, eproof, value=gross1)) == "NotSettler"
    assert deployed.error(deployed.send(STRANGER, "setSettler", digest, deployed.accounts[SETTLER], True)) == \
        "NotOwner"
    assert deployed.send(OWNER, "setSettler", digest, deployed.accounts[SETTLER], True).success
    assert deployed.error(deployed.send(SETTLER, "settle", digest, claim, eproof, value=gross1 + 1)) == "WrongFees"
    settler_before = deployed.balance(SETTLER)
    settled = deployed.send(SETTLER, "settle", digest, claim, eproof, value=gross1)
    assert settled.success, settled.reason
    assert deployed.error(deployed.send(SETTLER, "settle", digest, claim, eproof, value=gross1)) == "WrongSequence"
    model, platform, pool = split_fees(gross1, reg.manifest.terms)
    assert deployed.view("owed", deployed.accounts[MODEL])[0] == model
    assert deployed.view("owed", deployed.accounts[PLATFORM])[0] == platform
    dust = pool - epoch1.claim.total_paid
    assert deployed.view("owed", deployed.accounts[SETTLER])[0] == dust
    assert settler_before - deployed.balance(SETTLER) == gross1

    # a wrong epoch (a payout off by one in the claim) is refused by the proof
    epoch2, gross2 = epoch_of(srs, reg, 2)
    forged = bytearray(epoch2.claim.to_bytes())
    forged[352:384] = (epoch2.claim.total_paid + 1).to_bytes(32, "big")
    assert deployed.error(deployed.send(OWNER, "settle", digest, bytes(forged), epoch2.proof.to_bytes(),
                                        value=gross2)) == "InvalidEpoch"
    assert deployed.send(OWNER, "settle", digest, epoch2.claim.to_bytes(), epoch2.proof.to_bytes(),
                         value=gross2).success

    # withdrawals: contributor 3's balance over epochs 1 and 2, to its payee, whoever sends it
    payouts = {1: epoch1.payouts, 2: epoch2.payouts}
    claims = {1: epoch1.claim, 2: epoch2.claim}
    w, cumulative = withdrawal(srs, deployed, reg, payees, payouts, 2, 3, claims=claims)
    assert cumulative == epoch1.payouts[3] + epoch2.payouts[3] > 0
    before = deployed.balance(payees[3])
    done = deployed.send(STRANGER, "withdraw", digest, w)
    assert done.success, done.reason
    assert deployed.balance(payees[3]) - before == cumulative
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, w)) == "NothingToWithdraw"
    # more than earned, another payee, a state that never was: refused
    bigger, _ = withdrawal(srs, deployed, reg, payees, payouts, 2, 4, value=epoch1.payouts[4] + epoch2.payouts[4] + 1,
                           claims=claims)
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, bigger)) == "InvalidBalance"
    thief, _ = withdrawal(srs, deployed, reg, payees, payouts, 2, 4, payee=deployed.accounts[STRANGER], claims=claims)
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, thief)) == "BadPayee"
    fake_state, _ = withdrawal(srs, deployed, reg, payees, payouts, 2, 4, claims=claims)
    fake_state = fake_state[:4] + ([*fake_state[4][:3], fake_state[4][3] + 1],) + fake_state[5:]
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, fake_state)) == "UnknownState"

    # a withheld sidecar: epoch 3's payouts are never published; contributor 4 still withdraws 1, 2 and 4
    epoch3, gross3 = epoch_of(srs, reg, 3)
    epoch4, gross4 = epoch_of(srs, reg, 4)
    for ep, gross in ((epoch3, gross3), (epoch4, gross4)):
        assert deployed.send(OWNER, "settle", digest, ep.claim.to_bytes(), ep.proof.to_bytes(), value=gross).success
    published = {1: epoch1.payouts, 2: epoch2.payouts, 4: epoch4.payouts}
    claims |= {3: epoch3.claim, 4: epoch4.claim}
    w, cumulative = withdrawal(srs, deployed, reg, payees, published, 4, 4, excluded=[3], claims=claims)
    # leaving out a commitment that was never settled (epoch 3's state with another C_P) is refused
    forged = w[:3] + ([[*w[3][0][:2], *g1_affine(bn.add(epoch3.claim.payouts_commitment, bn.G1))]],) + w[4:]
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, forged)) == "UnknownState"
    before = deployed.balance(payees[4])
    assert deployed.send(STRANGER, "withdraw", digest, w).success
    assert deployed.balance(payees[4]) - before == cumulative == sum(published[e][4] for e in (1, 2, 4))
    # contributor 3, who withdrew over epochs 1–2, later gets epochs 3–4 once all is published
    everything = published | {3: epoch3.payouts}
    w, cumulative = withdrawal(srs, deployed, reg, payees, everything, 4, 3, claims=claims)
    before = deployed.balance(payees[3])
    assert deployed.send(STRANGER, "withdraw", digest, w).success
    assert deployed.balance(payees[3]) - before == epoch3.payouts[3] + epoch4.payouts[3]

    # the layers' owed amounts are pulled once
    model_before = deployed.balance(MODEL)
    assert deployed.send(MODEL, "withdrawOwed").success
    assert deployed.balance(MODEL) - model_before == sum(
        split_fees(g, reg.manifest.terms)[0] for g in (gross1, gross2, gross3, gross4))
    assert deployed.error(deployed.send(MODEL, "withdrawOwed")) == "NothingToWithdraw"

    # a payee moves its own payouts; nobody else can
    from attrib.verifier.terms import payee_path

    path = payee_path(payees, reg.manifest.log_contributors, 5)
    assert deployed.error(deployed.send(STRANGER, "changePayee", digest, 5, path, deployed.accounts[STRANGER])) == \
        "BadPayee"
    moved = deployed.send(PAYEE_BASE + 5, "changePayee", digest, 5, path, deployed.accounts[30])
    assert moved.success, moved.reason
    w, cumulative = withdrawal(srs, deployed, reg, payees, everything, 4, 5, claims=claims)
    before = deployed.balance(30)
    assert deployed.send(STRANGER, "withdraw", digest, w).success
    assert deployed.balance(30) - before == cumulative

    # the dataset's own account: everything proven, less everything withdrawn
    epochs = (epoch1, epoch2, epoch3, epoch4)
    withdrawn = sum(deployed.view("withdrawn", digest, c)[0] for c in range(6))
    assert withdrawn == sum(e.payouts[c] for e in epochs for c in (3, 5)) + sum(
        e.payouts[4] for e in (epoch1, epoch2, epoch4))
    assert deployed.view("dataset", digest)[0][12] == sum(e.claim.total_paid for e in epochs) - withdrawn


def test_registration_terms_are_enforced(srs, deployed):
    """Another owner's manifest, and a manifest whose registration proof is for other terms, are refused."""
    import dataclasses

    reg, _ = make_registration(srs, deployed, contributors=3, owner=STRANGER, seed=9)
    assert deployed.error(deployed.send(OWNER, "register", reg.manifest.to_bytes(), reg.proof.to_bytes())) == \
        "NotOwner"
    other = dataclasses.replace(reg.manifest, terms=dataclasses.replace(reg.manifest.terms,
                                                                         owner=int(deployed.accounts[OWNER], 16)))
    assert deployed.error(deployed.send(OWNER, "register", other.to_bytes(), reg.proof.to_bytes())) == \
        "InvalidRegistration"


def test_settle_and_register_calldata_fuzz(srs, deployed):
    """Bit flips, truncations and extensions of the claim, the proof and the manifest through the
    Settlement's entry points: each settles (or registers) exactly when Python verifies the bytes."""
    import random

    from attrib.verifier import verify_attribution, verify_registration

    reg, _ = make_registration(srs, deployed, contributors=4, seed=12)
    digest = reg.manifest.digest()
    epoch, gross = epoch_of(srs, reg, 1, seed=3)
    rng = random.Random(12)

    def mutate(data: bytes) -> bytes:
        data = bytearray(data)
        kind = rng.randrange(3)
        if kind == 0:
            bit = rng.randrange(8 * len(data))
            data[bit // 8] ^= 1 << (bit % 8)
            return bytes(data)
        if kind == 1:
            return bytes(data[:rng.randrange(len(data))])
        return bytes(data) + bytes(32 * rng.randrange(1, 3))

    cases = 0
    for _ in range(12):
        manifest = mutate(reg.manifest.to_bytes()) if rng.random() < 0.5 else reg.manifest.to_bytes()
        proof = mutate(reg.proof.to_bytes()) if manifest == reg.manifest.to_bytes() else reg.proof.to_bytes()
        expected = verify_registration(manifest, proof, trusted_srs_digest=srs.digest())
        result = deployed.send(OWNER, "register", manifest, proof)
        assert result.success == expected, (expected, deployed.error(result))
        cases += 1
    assert deployed.send(OWNER, "register", reg.manifest.to_bytes(), reg.proof.to_bytes()).success
    for _ in range(24):
        claim, proof = epoch.claim.to_bytes(), epoch.proof.to_bytes()
        if rng.random() < 0.5:
            claim = mutate(claim)
        else:
            proof = mutate(proof)
        expected = verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=srs.digest())
        result = deployed.send(OWNER, "settle", digest, claim, proof, value=gross)
        assert result.success == expected, (expected, deployed.error(result))
        cases += 1
    assert cases == 36
    assert deployed.send(OWNER, "settle", digest, epoch.claim.to_bytes(), epoch.proof.to_bytes(), value=gross).success


def test_the_gas_benchmark_runs(deployed):
    """`python -m attrib.bench evm` on its smallest configuration: every step succeeds and is priced."""
    import argparse

    from attrib.bench import evm

    result = evm.run(argparse.Namespace(config=["4,4,12"], quick=True, repeat=1, seed=3))
    (row,) = result["results"]
    for step in ("register", "settle_first", "settle", "withdraw"):
        assert row[step]["total"] == 21_000 + row[step]["calldata_gas"] + row[step]["execution"] > 100_000
    assert row["settle_first"]["total"] > row["settle"]["total"]              # the first writes of the balances
    assert "C = 16" in evm.format_table(result) or "2^4" in evm.format_table(result)


def test_verifiers_of_two_srs_are_refused(srs, deployed, tmp_path):
    """A Settlement whose registration and epoch verifiers are for different SRSs does not deploy."""
    from attrib.chain.evm import compile_solidity
    from attrib.chain.settlement import address_word
    from attrib.prover import SRS
    from attrib.verifier.evm import contract_source

    other = SRS.dev(16, seed=99, cache_dir=tmp_path)
    foreign = compile_solidity({"EpochVerifier.sol": contract_source(other.verifying_key)})["EpochVerifier"]
    foreign_address = deployed.chain.deploy(foreign)
    with pytest.raises(Exception):                                   # noqa: B017 - pyrevm's revert on deploy
        deployed.chain.deploy(deployed.artifacts["Settlement"],
                              address_word(deployed.registration) + address_word(foreign_address))
    same = deployed.chain.deploy(deployed.artifacts["Settlement"],
                                 address_word(deployed.registration) + address_word(deployed.epoch))
    assert same

