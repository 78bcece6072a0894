"""The Settlement contract (chain/contracts/Settlement.sol) with the verifiers generated for a dev SRS,
on pyrevm: registration by the owner the manifest names, appends (a dataset grown by segments, its
link to the current version checked on chain), settlers, sequenced epochs with fee layers,
withdrawals by balance opening and payee path (in the root of the segment that introduced the
contributor), and the front-running and locking attacks of PROTOCOL-V2 §11 (each one fails on this
contract; the note says which check stops it, and so which a naive contract without it would miss)."""

from __future__ import annotations

import numpy as np
import pytest
from node_tools import require_node_tools
from py_ecc import optimized_bn128 as bn
from tampering import forge

from attrib.verifier.encoding import g1_affine, g1_from_affine

OWNER, SETTLER, STRANGER, MODEL, PLATFORM = range(5)
PAYEE_BASE = 20
# Settlement.Dataset's fields, in order (the `dataset` view returns them as a tuple)
(OWNER_FIELD, UNPAID, MODEL_OWNER, SEQ, CONTRIBUTORS, PLATFORM_FIELD, MODEL_BP, PLATFORM_BP, LOG_CONTRIBUTORS,
 LOG_COLUMNS, SEGMENT, COLUMNS, CURRENT, RECIPE, AGGREGATE, RUNNING) = range(16)


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


def make_registration(srs, deployed, contributors=6, owner=OWNER, model_bp=1500, platform_bp=500, seed=5, columns=4):
    from attrib.prover import Dataset, Prover
    from attrib.verifier.terms import Terms

    rng = np.random.default_rng(seed)
    rows = 8 * contributors
    owners = [f"c{r % contributors}" for r in range(rows)]
    ds = Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, columns)), owners, rng.integers(1, 2**20, rows))
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
               claims=None, versions=None, segment=None, path=None, ident=None):
    """The Withdrawal struct for contributor ``index`` over epochs 1 … ``epoch`` less the epochs ``excluded``
    (sent as their ranges; ``claims``: every settled epoch's claim, for the recorded states), opened at ``reg``'s
    version and bound to the dataset's id ``ident`` (default: the digest of ``versions[0]``); ``versions``: every
    version in order (default [reg]), whose segment that introduced ``index`` holds its payee leaf (``payees``:
    every contributor's payee, global order); ``segment`` and ``path`` override that choice."""
    from attrib.chain.settlement import open_withdrawal, segment_payee_path, withdrawal_states
    from attrib.prover import Prover
    from attrib.verifier.payouts import excluded_ranges

    versions = versions or [reg]
    ident = ident or versions[0].manifest.digest()
    commitments = {e: c.payouts_commitment for e, c in claims.items()}
    ranges = excluded_ranges(excluded)
    state, excluded_states = withdrawal_states(commitments, epoch, ranges)
    cumulative, _, opening = open_withdrawal(Prover(srs), reg.manifest, ident, epoch, payouts_by_epoch, index,
                                             excluded)
    introduced = next(v.manifest for v in versions
                      if v.manifest.contributor_base <= index < v.manifest.num_contributors)
    if path is None:
        path = segment_payee_path(payees, introduced.contributor_base, introduced.num_contributors, index)
    return (index, epoch, [list(r) for r in ranges], excluded_states, state, cumulative if value is None else value,
            payee or payees[index], introduced.segment if segment is None else segment, path,
            opening.to_bytes()), cumulative


# the Withdrawal struct's fields, in order
(W_INDEX, W_EPOCH, W_EXCLUDED, W_STATES, W_STATE, W_CUMULATIVE, W_PAYEE, W_SEGMENT, W_PATH, W_OPENING) = range(10)


def with_fields(w: tuple, **fields) -> tuple:
    """The Withdrawal ``w`` with some fields replaced (by the W_… names, lower case, without the prefix)."""
    w = list(w)
    for name, value in fields.items():
        w[globals()[f"W_{name.upper()}"]] = value
    return tuple(w)


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
    assert state[OWNER_FIELD].lower() == deployed.accounts[OWNER].lower() and state[CONTRIBUTORS] == 6
    assert state[SEQ] == 0 and state[SEGMENT] == 0 and state[CURRENT] == digest and state[COLUMNS] == 4
    assert deployed.view("datasetOf", digest)[0] == digest
    assert deployed.view("segments", digest, 0) == (reg.manifest.terms.payee_root, 0, 6, 3)

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
    fake_state = with_fields(fake_state, state=g1_affine(bn.add(g1_from_affine(*fake_state[W_STATE]), bn.G1)))
    assert deployed.error(deployed.send(STRANGER, "withdraw", digest, fake_state)) == "UnknownState"

    # a withheld sidecar: epoch 3's payouts are never published; contributor 4 still withdraws 1, 2 and 4
    epoch3, gross3 = epoch_of(srs, reg, 3)
    epoch4, gross4 = epoch_of(srs, reg, 4)
    for ep, gross in ((epoch3, gross3), (epoch4, gross4)):
        assert deployed.send(OWNER, "settle", digest, ep.claim.to_bytes(), ep.proof.to_bytes(), value=gross).success
    published = {1: epoch1.payouts, 2: epoch2.payouts, 4: epoch4.payouts}
    claims |= {3: epoch3.claim, 4: epoch4.claim}
    w, cumulative = withdrawal(srs, deployed, reg, payees, published, 4, 4, excluded=[3], claims=claims)
    assert w[W_EXCLUDED] == [[3, 3]]
    # leaving out a sum that was never settled (the range's end state R_3 moved by a point) is refused
    (start_end,) = w[W_STATES]
    moved = g1_affine(bn.add(g1_from_affine(*start_end[2:]), bn.G1))
    forged = with_fields(w, states=[[*start_end[:2], *moved]])
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
    assert deployed.error(deployed.send(STRANGER, "changePayee", digest, 5, 0, path, deployed.accounts[STRANGER])) \
        == "BadPayee"
    moved = deployed.send(PAYEE_BASE + 5, "changePayee", digest, 5, 0, path, deployed.accounts[30])
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
    assert deployed.view("dataset", digest)[0][UNPAID] == sum(e.claim.total_paid for e in epochs) - withdrawn


def test_withheld_epochs_are_left_out_by_ranges(srs, deployed, capsys):
    """Withheld sidecars left out by ranges: a withdrawal leaving out one epoch and one leaving out twelve in one
    range cost about the same gas (two recorded states and two ecAdds per range, whatever its length), and a
    forged range (a wrong end state, ranges that overlap, touch or run out of order, a range past the settled
    epochs) is refused by the contract and by Python's verify_balance on the W it would form."""
    from attrib.chain.settlement import running_sums
    from attrib.verifier import verify_balance

    reg, payees = make_registration(srs, deployed, contributors=6, seed=61)
    digest = reg.manifest.digest()
    assert deployed.send(OWNER, "register", reg.manifest.to_bytes(), reg.proof.to_bytes()).success
    last = 14
    epochs = {}
    for seq in range(1, last + 1):
        epochs[seq], gross = epoch_of(srs, reg, seq, t_count=3, seed=61)
        assert deployed.send(OWNER, "settle", digest, epochs[seq].claim.to_bytes(), epochs[seq].proof.to_bytes(),
                             value=gross).success
    claims = {e: ep.claim for e, ep in epochs.items()}
    sums = running_sums({e: c.payouts_commitment for e, c in claims.items()}, last)

    def published(withheld):
        return {e: ep.payouts for e, ep in epochs.items() if e not in withheld}

    def python_verdict(w) -> bool:
        """verify_balance on the W the contract would form from the withdrawal's states (R_e, and per range
        R_{first-1} and R_last): W = R_e + sum of (R_{first-1} - R_last)."""
        point = g1_from_affine(*w[W_STATE])
        for states in w[W_STATES]:
            point = bn.add(point, bn.add(g1_from_affine(*states[:2]), bn.neg(g1_from_affine(*states[2:]))))
        return verify_balance(reg.manifest, w[W_EPOCH], w[W_EXCLUDED], point, w[W_INDEX], w[W_CUMULATIVE],
                              w[W_OPENING], trusted_srs_digest=srs.digest())

    def states(*ranges):
        """The recorded (R_{first-1}, R_last) of each range, as the contract hashes them."""
        return [[*(g1_affine(sums[first - 1]) if first > 1 else (0, 0)), *g1_affine(sums[end])]
                for first, end in ranges]

    gas, used = [], set()
    # nothing left out (the reference); epoch 2 withheld, over epochs 1-3; epochs 2-13 withheld (one range of
    # twelve), over epochs 1-14; two ranges.  Each by another contributor (the one owed most).
    cases = [(3, []), (3, [2]), (last, list(range(2, last))), (last, [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13])]
    for case, (epoch, withheld) in enumerate(cases):
        index = max(set(range(6)) - used, key=lambda c: sum(epochs[e].payouts[c] for e in range(1, epoch + 1)
                                                                 if e not in withheld))
        used.add(index)
        w, cumulative = withdrawal(srs, deployed, reg, payees, published(withheld), epoch, index, excluded=withheld,
                                   claims=claims)
        assert cumulative == sum(epochs[e].payouts[index] for e in range(1, epoch + 1) if e not in withheld) > 0
        assert python_verdict(w)
        if case == 2:
            forged_cases = {
                # R_13 replaced by R_12 (a recorded state, of another epoch): W would leave out epoch 13 twice
                "UnknownState": with_fields(w, states=[[*w[W_STATES][0][:2], *g1_affine(sums[12])]]),
                # the start state R_1 replaced by R_2
                "UnknownState (start)": with_fields(w, states=[[*g1_affine(sums[2]), *w[W_STATES][0][2:]]]),
                # a range from epoch 1 whose start (R_0) is not the point at infinity
                "UnknownState (R_0)": with_fields(w, excluded=[[1, 13]],
                                                  states=[[*g1_affine(sums[1]), *g1_affine(sums[13])]]),
                # ranges that overlap, touch, run out of order or backwards, or go past e
                "BadExclusions (overlap)": with_fields(w, excluded=[[2, 8], [7, 13]], states=states((2, 8), (7, 13))),
                "BadExclusions (touch)": with_fields(w, excluded=[[2, 7], [8, 13]], states=states((2, 7), (8, 13))),
                "BadExclusions (order)": with_fields(w, excluded=[[9, 13], [2, 7]], states=states((9, 13), (2, 7))),
                "BadExclusions (backwards)": with_fields(w, excluded=[[13, 2]]),
                "BadExclusions (past e)": with_fields(w, excluded=[[2, last + 1]]),
                "BadExclusions (a state per range)": with_fields(w, states=[]),
                # a withdrawal over an epoch not yet settled
                "UnknownState (past seq)": with_fields(w, epoch=last + 1),
            }
            for expected, forged in forged_cases.items():
                assert deployed.error(deployed.send(STRANGER, "withdraw", digest, forged)) == expected.split()[0], \
                    expected
                assert not python_verdict(forged), expected
        before = deployed.balance(payees[index])
        result = deployed.send(STRANGER, "withdraw", digest, w)
        assert result.success, deployed.error(result)
        assert deployed.balance(payees[index]) - before == cumulative
        gas.append((f"epochs 1-{epoch}, left out: {len(withheld)} in {len(w[W_EXCLUDED])} range(s)", result.gas_used,
                    result.execution_gas, result.calldata_bytes))
    with capsys.disabled():
        print(f"\nwithdraw gas with withheld epochs left out by ranges (C = 6, dev SRS 2^{srs.max_log_n}; pyrevm, which "
              "keeps storage warm across calls: compare rows, and see `bench evm` for a node's figures)")
        print(f"{'withdrawal':<44} {'tx gas':>10} {'execution':>10} {'calldata B':>11}")
        for name, used, execution, size in gas:
            print(f"{name:<44} {used:>10,} {execution:>10,} {size:>11,}")
    (_, none, _, _), (_, one, _, size1), (_, twelve, _, size12), (_, two_ranges, _, size2) = gas
    assert size1 == size12 and abs(twelve - one) < 1_000            # one range costs the same whatever its length
    assert size2 == size1 + 6 * 32 and two_ranges - one < 12_000    # a second range: six words, two hashes, two adds
    assert one - none < 12_000


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


# ---- appends: a dataset grown by segments --------------------------------------------------------

def make_segment(srs, deployed, reg, names, rows, seed, terms=None):
    """An append to ``reg`` of ``rows`` rows owned by ``names`` (earlier ids return; new ones get the
    global indices base, base + 1, … and the payee accounts PAYEE_BASE + their index); (registration,
    new payees)."""
    from attrib.prover import Dataset, Prover
    from attrib.verifier.terms import Terms

    rng = np.random.default_rng(seed)
    owners = list(names) + [names[r % len(names)] for r in range(rows - len(names))]
    ds = Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, reg.manifest.num_columns)), owners,
                 rng.integers(1, 2**20, rows))
    base = reg.manifest.num_contributors
    new = [n for n in dict.fromkeys(names) if n not in reg.contributor_ids]
    payees = [deployed.accounts[PAYEE_BASE + base + i] for i in range(len(new))]
    t = reg.manifest.terms
    terms = terms or Terms.with_payees(t.owner, payees, t.model_owner, t.model_share_bp, t.platform,
                                       t.platform_share_bp, base=base)
    return Prover(srs).append(reg, ds, terms), payees


def test_a_dataset_grows_by_segments(srs, deployed):
    """Register, settle, append (new and returning contributors), settle on the new version, withdraw for a
    new contributor (segment 1's root) and an old one (segment 0's root), append again; each cheat refused."""
    from attrib.chain.settlement import open_withdrawal
    from attrib.prover import Prover
    from attrib.verifier import BalanceOpening, verify_balance
    from attrib.verifier.terms import Terms, payee_path, payee_root

    v0, payees0 = make_registration(srs, deployed, contributors=6, seed=21)
    ident = v0.manifest.digest()
    assert deployed.send(OWNER, "register", v0.manifest.to_bytes(), v0.proof.to_bytes()).success
    epoch1, gross1 = epoch_of(srs, v0, 1, seed=21)
    assert deployed.send(OWNER, "settle", ident, epoch1.claim.to_bytes(), epoch1.proof.to_bytes(), value=gross1).success
    # a withdrawal prepared before the dataset grows: contributor 2 over epoch 1, opened at v0 (mC 3)
    pending, pending_value = withdrawal(srs, deployed, v0, payees0, {1: epoch1.payouts}, 1, 2,
                                        claims={1: epoch1.claim})
    assert pending_value == epoch1.payouts[2] > 0

    # segment 1: c1 and c4 return, n0, n1, n2 are new (indices 6, 7, 8; C = 9, mC 3 -> 4).  The owner's payee
    # root for it also names STRANGER at index 3, an earlier contributor's leaf: the contract must ignore it.
    new_payees = [deployed.accounts[PAYEE_BASE + c] for c in (6, 7, 8)]
    tree = [0, 0, 0, int(deployed.accounts[STRANGER], 16), 0, 0, *new_payees]
    t = v0.manifest.terms
    terms1 = Terms(t.owner, payee_root(tree, 4), t.model_owner, t.model_share_bp, t.platform, t.platform_share_bp)
    v1, _ = make_segment(srs, deployed, v0, ["c4", "n0", "c1", "n1", "n2"], 30, seed=22, terms=terms1)
    m1 = v1.manifest
    assert (m1.segment, m1.contributor_base, m1.num_contributors, m1.returning) == (1, 6, 9, (1, 4))
    args1 = (m1.to_bytes(), v1.proof.to_bytes())
    # sender check: the manifest and its proof are valid, but only the dataset's owner appends
    assert deployed.error(deployed.send(STRANGER, "append", *args1)) == "NotOwner"
    # register takes segment 0 only: an append registered as a dataset of its own rows' aggregate
    assert deployed.error(deployed.send(OWNER, "register", *args1)) == "WrongSegment"
    done = deployed.send(OWNER, "append", *args1)
    assert done.success, deployed.error(done)
    state = deployed.view("dataset", ident)[0]
    assert (state[CURRENT], state[SEGMENT], state[CONTRIBUTORS], state[LOG_CONTRIBUTORS], state[SEQ]) == (
        m1.digest(), 1, 9, 4, 1)
    assert tuple(state[AGGREGATE]) == tuple(m1.aggregate_commitment)
    assert deployed.view("datasetOf", m1.digest())[0] == ident
    assert deployed.view("segments", ident, 1) == (terms1.payee_root, 6, 9, 4)
    # previous = current: the same append again, and another append on v0 (a fork), are stale
    assert deployed.error(deployed.send(OWNER, "append", *args1)) == "StaleVersion"
    fork, _ = make_segment(srs, deployed, v0, ["c0", "f0"], 9, seed=23)
    assert deployed.error(deployed.send(OWNER, "append", fork.manifest.to_bytes(), fork.proof.to_bytes())) == \
        "StaleVersion"

    # settle checks the current version: an epoch proven on v0 after the append is refused, one on v1 settles
    stale, gross = epoch_of(srs, v0, 2, seed=22)
    assert deployed.error(deployed.send(OWNER, "settle", ident, stale.claim.to_bytes(), stale.proof.to_bytes(),
                                        value=gross)) == "StaleVersion"
    epoch2, gross2 = epoch_of(srs, v1, 2, seed=22)
    assert len(epoch2.payouts) == 9
    assert deployed.send(OWNER, "settle", ident, epoch2.claim.to_bytes(), epoch2.proof.to_bytes(),
                         value=gross2).success

    payees = payees0 + new_payees
    payouts = {1: epoch1.payouts, 2: epoch2.payouts}
    claims = {1: epoch1.claim, 2: epoch2.claim}
    versions = [v0, v1]
    # the payee range of a segment: segment 1's root names STRANGER for contributor 3; refused (3 < base 6)
    theft, _ = withdrawal(srs, deployed, v1, payees, payouts, 2, 3, claims=claims, versions=versions,
                          payee=deployed.accounts[STRANGER], segment=1, path=payee_path(tree, 4, 3))
    assert deployed.error(deployed.send(STRANGER, "withdraw", ident, theft)) == "BadPayee"
    # a new contributor withdraws through segment 1's root (epoch 1's payouts padded: it had none)
    new = max((6, 7, 8), key=lambda c: epoch2.payouts[c])
    w, cumulative = withdrawal(srs, deployed, v1, payees, payouts, 2, new, claims=claims, versions=versions,
                               path=payee_path(tree, 4, new))
    assert cumulative == epoch2.payouts[new] > 0 and w[W_SEGMENT] == 1
    point = bn.add(epoch1.claim.payouts_commitment, epoch2.claim.payouts_commitment)
    assert verify_balance(m1, 2, [], point, new, cumulative, w[W_OPENING], trusted_srs_digest=srs.digest(),
                          dataset_id=ident)
    # m1 is an appended version: it cannot name its dataset's id, and the opening is not bound to m1's digest
    with pytest.raises(ValueError, match="dataset_id"):
        verify_balance(m1, 2, [], point, new, cumulative, w[W_OPENING], trusted_srs_digest=srs.digest())
    assert not verify_balance(m1, 2, [], point, new, cumulative, w[W_OPENING], trusted_srs_digest=srs.digest(),
                              dataset_id=m1.digest())
    # ... not through segment 0's root (it does not name contributors past 6)
    wrong = with_fields(w, segment=0, path=payee_path(payees0, 3, new % 8))
    assert deployed.error(deployed.send(STRANGER, "withdraw", ident, wrong)) == "BadPayee"
    before = deployed.balance(payees[new])
    assert deployed.send(STRANGER, "withdraw", ident, w).success
    assert deployed.balance(payees[new]) - before == cumulative
    # an old contributor still withdraws through segment 0's root, over epochs before and after the append
    w, cumulative = withdrawal(srs, deployed, v1, payees, payouts, 2, 3, claims=claims, versions=versions)
    assert w[W_SEGMENT] == 0 and cumulative == epoch1.payouts[3] + epoch2.payouts[3]
    before = deployed.balance(payees[3])
    assert deployed.send(STRANGER, "withdraw", ident, w).success
    assert deployed.balance(payees[3]) - before == cumulative
    # the withdrawal prepared before the append goes through after it: its opening is bound to the dataset's id
    # (not to a version) and made at v0's mC = 3 (the current mC is 4: any n with index < 2^n <= 2^4 is taken) ...
    assert BalanceOpening.from_bytes(pending[W_OPENING]).variables == 3
    # ... but not one bound to a version's digest rather than the id (here the current version's)
    _, _, to_version = open_withdrawal(Prover(srs), m1, m1.digest(), 1, {1: epoch1.payouts}, 2)
    assert deployed.error(deployed.send(STRANGER, "withdraw", ident, with_fields(pending, opening=to_version.to_bytes()))) \
        == "InvalidBalance"
    before = deployed.balance(payees[2])
    assert deployed.send(STRANGER, "withdraw", ident, pending).success
    assert deployed.balance(payees[2]) - before == pending_value
    # a new contributor changes its payee through its own segment's path
    path = payee_path(tree, 4, 8)
    assert deployed.send(PAYEE_BASE + 8, "changePayee", ident, 8, 1, path, deployed.accounts[31]).success
    assert deployed.view("payeeOf", ident, 8, 0, deployed.accounts[STRANGER], [])[0].lower() == \
        deployed.accounts[31].lower()

    # segment 2 (returning only): earlier roots are never changed, C_G keeps adding up
    v2, _ = make_segment(srs, deployed, v1, ["n2", "c0"], 8, seed=24)
    assert deployed.send(OWNER, "append", v2.manifest.to_bytes(), v2.proof.to_bytes()).success
    assert deployed.view("segments", ident, 0) == (v0.manifest.terms.payee_root, 0, 6, 3)
    assert deployed.view("segments", ident, 1) == (terms1.payee_root, 6, 9, 4)
    assert deployed.view("segments", ident, 2)[1:] == (9, 9, 4)
    state = deployed.view("dataset", ident)[0]
    assert (state[CURRENT], state[SEGMENT], state[CONTRIBUTORS]) == (v2.manifest.digest(), 2, 9)
    epoch3, gross3 = epoch_of(srs, v2, 3, seed=24)
    assert deployed.send(OWNER, "settle", ident, epoch3.claim.to_bytes(), epoch3.proof.to_bytes(),
                         value=gross3).success


def test_an_appends_link_is_checked(srs, deployed):
    """Appends whose segment proof verifies (the RegistrationVerifier accepts them) but whose link to the current
    version is broken: each refused by the check named (a contract without it would take the append), and
    each refused by Python's ``follows`` too."""
    from attrib.verifier.encoding import g1_affine, g1_from_affine
    from attrib.verifier.messages import Manifest
    from attrib.verifier.registration import RegistrationProof, follows, verify_registration_impl
    from attrib.verifier.terms import Terms
    from attrib.verifier.transcript import keccak256

    v0, _ = make_registration(srs, deployed, contributors=6, seed=31)
    ident = v0.manifest.digest()
    assert deployed.send(OWNER, "register", v0.manifest.to_bytes(), v0.proof.to_bytes()).success
    v1, _ = make_segment(srs, deployed, v0, ["c2", "n0", "n1"], 12, seed=32)
    m1 = v1.manifest
    moved = lambda p: g1_affine(bn.add(g1_from_affine(*p), bn.G1))
    t = m1.terms
    other = make_registration(srs, deployed, contributors=3, seed=33, columns=3)[0]    # k = 3, not 4
    cases = {
        # C_G = stored C_G + C_ΔG (ecAdd): a C_G that also carries a point the rows never made
        "WrongAggregate": forge(srs, v1, aggregate=moved(m1.aggregate_commitment)),
        # base = stored C: new contributors numbered past C (indices skipped)
        "WrongBase": forge(srs, v1, base=7),
        # segment = stored + 1
        "WrongSegment": forge(srs, v1, segment=2),
        # the recipe is kept
        "RecipeChanged": forge(srs, v1, recipe=keccak256(b"another recipe")),
        # the fee layers are kept (a larger model share)
        "TermsChanged": forge(srs, v1, terms_words=Terms(t.owner, t.payee_root, t.model_owner, t.model_share_bp + 1,
                                                           t.platform, t.platform_share_bp).words()),
        # previous must be a registered version
        "UnknownDataset": forge(srs, v1, previous=keccak256(b"nowhere")),
        # k is kept (G's layout j + 2^mk c): a segment of three columns, its C_G the stored one + its C_ΔG
        "ColumnsChanged": forge(srs, other, segment=1, previous=ident, base=6, returning=(),
                                terms_words=t.words(), previous_aggregate=v0.manifest.aggregate_commitment),
    }
    # the owner named in the terms is kept too (here the sender is the owner, the terms name another)
    stranger = int(deployed.accounts[STRANGER], 16)
    cases["TermsChanged (owner)"] = forge(srs, v1, terms_words=Terms(stranger, t.payee_root, t.model_owner,
                                                                     t.model_share_bp, t.platform,
                                                                     t.platform_share_bp).words())
    for expected, (manifest, proof) in cases.items():
        m = Manifest.from_bytes(manifest)
        assert verify_registration_impl(m, RegistrationProof.from_bytes(proof), srs.digest()), expected
        assert not follows(v0.manifest, m), expected
        assert deployed.error(deployed.send(OWNER, "append", manifest, proof)) == expected.split()[0], expected
    state = deployed.view("dataset", ident)[0]
    assert (state[CURRENT], state[SEGMENT], state[CONTRIBUTORS]) == (ident, 0, 6)
    # and the honest append, after all of them
    assert follows(v0.manifest, m1)
    assert deployed.send(OWNER, "append", m1.to_bytes(), v1.proof.to_bytes()).success
    # a stale append consistent with the current state in every other word (segment 2, base 8, C_G = the stored
    # C_G + C_ΔG) but naming v0, an older version, as its previous: previous = current (a history that never was)
    v2, _ = make_segment(srs, deployed, v1, ["n1", "m0"], 6, seed=34)
    stale = forge(srs, v2, previous=ident)
    assert not follows(m1, Manifest.from_bytes(stale[0])) and not follows(v0.manifest, Manifest.from_bytes(stale[0]))
    assert deployed.error(deployed.send(OWNER, "append", *stale)) == "StaleVersion"
    assert deployed.send(OWNER, "append", v2.manifest.to_bytes(), v2.proof.to_bytes()).success


def test_append_calldata_fuzz(srs, deployed):
    """Bit flips, truncations, extensions and replaced words of an append's manifest and proof through
    ``Settlement.append``: each is taken exactly when Python's verify_registration (the segment's proof and
    ``follows`` the current version) accepts the bytes."""
    import random

    from attrib.verifier import verify_registration

    v0, _ = make_registration(srs, deployed, contributors=5, seed=51)
    assert deployed.send(OWNER, "register", v0.manifest.to_bytes(), v0.proof.to_bytes()).success
    v1, _ = make_segment(srs, deployed, v0, ["c3", "n0", "c0", "n1"], 14, seed=52)
    rng = random.Random(51)
    words = len(v1.manifest.to_bytes()) // 32

    def mutate(data: bytes) -> bytes:
        kind = rng.randrange(4)
        if kind == 0:
            data = bytearray(data)
            bit = rng.randrange(8 * len(data))
            data[bit // 8] ^= 1 << (bit % 8)
            return bytes(data)
        if kind == 1:
            return data[:rng.randrange(len(data))]
        if kind == 2:
            return data + bytes(32 * rng.randrange(1, 3))
        at = 32 * rng.randrange(min(words, len(data) // 32))           # the header and segment words most
        return data[:at] + rng.choice([0, 1, 7, 5, 2**16 + 1]).to_bytes(32, "big") + data[at + 32:]

    taken = 0
    for case in range(24):
        manifest, proof = v1.manifest.to_bytes(), v1.proof.to_bytes()
        while (manifest, proof) == (v1.manifest.to_bytes(), v1.proof.to_bytes()):      # a change, always
            if case % 2:
                manifest = mutate(manifest)
            else:
                proof = mutate(proof)
        expected = verify_registration(manifest, proof, trusted_srs_digest=srs.digest(), previous=v0.manifest)
        result = deployed.send(OWNER, "append", manifest, proof)
        assert result.success == expected, (case, expected, deployed.error(result))
        taken += expected
    assert taken == 0
    assert deployed.send(OWNER, "append", v1.manifest.to_bytes(), v1.proof.to_bytes()).success


def test_a_large_dataset_in_segments(tmp_path_factory, capsys):
    """C = 4 × 2,048 contributors registered as four segments of 2,048 (each transaction a quarter of what one
    registration of all 8,192 ids costs, measured beside), an epoch over all of them settled, and a
    contributor of the last segment withdrawing: the gas of each step."""
    require_node_tools()
    pytest.importorskip("pyrevm")
    pytest.importorskip("eth_abi")
    from attrib.prover import SRS, Dataset, Prover
    from attrib.prover.attribution import required_log_n
    from attrib.verifier.terms import Terms

    segment_size, segments, k = 2048, 4, 4
    total = segment_size * segments
    big = SRS.dev(required_log_n(2 * segment_size, k, total, 4), seed=41, cache_dir=tmp_path_factory.mktemp("srs"))
    deployed = Deployed(big)
    rng = np.random.default_rng(41)
    payees = ["0x" + (0xC000 + c).to_bytes(20, "big").hex() for c in range(total)]
    owner = deployed.accounts[OWNER]
    gas = []
    reg = None
    for s in range(segments):
        names = [f"s{s}-{i}" for i in range(segment_size)]
        if s:
            names += [f"s{s - 1}-{i}" for i in range(0, segment_size, 256)]      # 8 returning owners
        rows = 2 * len(names)
        ds = Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, k)), names * 2, rng.integers(1, 2**20, rows))
        base = s * segment_size
        terms = Terms.with_payees(owner, payees[base:base + segment_size], base=base)
        reg = Prover(big).register(ds, terms) if s == 0 else Prover(big).append(reg, ds, terms)
        result = deployed.send(OWNER, "append" if s else "register", reg.manifest.to_bytes(), reg.proof.to_bytes())
        assert result.success, deployed.error(result)
        gas.append((f"{'append' if s else 'register'} segment {s} (+{segment_size}, C = {reg.manifest.num_contributors})",
                    result.gas_used, result.calldata_bytes))
    ident = deployed.view("datasetOf", reg.manifest.digest())[0]
    assert deployed.view("dataset", ident)[0][CONTRIBUTORS] == total
    # beside: the same 8,192 contributors registered at once (one segment; another owner, another dataset)
    names = [f"all-{i}" for i in range(total)]
    whole = Dataset(rng.integers(-2**15 + 1, 2**15, size=(2 * total, k)), names * 2, rng.integers(1, 2**20, 2 * total))
    at_once = Prover(big).register(whole, Terms.with_payees(deployed.accounts[SETTLER], payees))
    result = deployed.send(SETTLER, "register", at_once.manifest.to_bytes(), at_once.proof.to_bytes())
    assert result.success, deployed.error(result)
    gas.append((f"(beside: register all {total} in one segment)", result.gas_used, result.calldata_bytes))
    epoch, gross = epoch_of(big, reg, 1)
    result = deployed.send(OWNER, "settle", ident, epoch.claim.to_bytes(), epoch.proof.to_bytes(), value=gross)
    assert result.success, deployed.error(result)
    gas.append((f"settle an epoch (C = {total}, T = 4)", result.gas_used, result.calldata_bytes))
    index = max(range(total - segment_size, total), key=lambda c: epoch.payouts[c])
    versions = [SimpleVersion(c * segment_size, (c + 1) * segment_size, c) for c in range(segments)]
    w, cumulative = withdrawal(big, deployed, reg, payees, {1: epoch.payouts}, 1, index, claims={1: epoch.claim},
                               versions=versions, ident=ident)
    result = deployed.send(STRANGER, "withdraw", ident, w)
    assert result.success, deployed.error(result)
    assert deployed.balance(payees[index]) == cumulative > 0
    gas.append((f"withdraw (contributor {index}, segment {segments - 1}'s root)", result.gas_used,
                result.calldata_bytes))
    with capsys.disabled():
        print(f"\nSettlement gas of a dataset grown by segments (k = {k}, dev SRS 2^{big.max_log_n}; pyrevm, which "
              "keeps storage warm across calls: `bench evm` measures on a node)")
        print(f"{'step':<52} {'tx gas':>12} {'calldata bytes':>15}")
        for name, used, size in gas:
            print(f"{name:<52} {used:>12,} {size:>15,}")
    assert all(used < 30_000_000 for _, used, _ in gas)
    assert all(used < gas[segments][1] / 3 for _, used, _ in gas[:segments])


class SimpleVersion:
    """What ``withdrawal`` reads of a version: its segment, base and C."""

    def __init__(self, base, end, segment):
        from types import SimpleNamespace

        self.manifest = SimpleNamespace(contributor_base=base, num_contributors=end, segment=segment)


def test_the_gas_benchmark_runs(deployed):
    """`python -m attrib.bench evm` on its smallest configuration: every step succeeds and is priced."""
    import argparse

    from attrib.bench import evm

    result = evm.run(argparse.Namespace(config=["4,4,12"], segments=["4,6"], quick=True, repeat=1, seed=3))
    (row,) = result["results"]
    for step in ("register", "settle_first", "settle", "withdraw"):
        assert row[step]["total"] == 21_000 + row[step]["calldata_gas"] + row[step]["execution"] > 100_000
    assert row["settle_first"]["total"] > row["settle"]["total"]              # the first writes of the balances
    assert "C = 16" in evm.format_table(result) or "2^4" in evm.format_table(result)
    # registration in segments: a segment of 16, then three appends of 16 new contributors (and 8 returning)
    (grown,) = result["segments"]
    assert (grown["C_s"], grown["C"], [s["C"] for s in grown["steps"]]) == (16, 64, [16, 32, 48, 64])
    for step in grown["steps"]:
        assert step["total"] == 21_000 + step["calldata_gas"] + step["execution"] > 100_000
    assert grown["append_max"] < grown["register"]                        # no cold dataset slots to write
    assert "C_s (per segment)" in evm.format_table(result) and any("segments of 16" in n for n in result["notes"])


def test_the_gas_breakdown_table():
    """`python -m attrib.bench evm --breakdown` adds, per configuration, the verifier calls' split by precompile
    (from attrib.chain.evm.precompile_profile) and the Settlement's own part; its table shows each."""
    from attrib.bench import evm

    def split(mul, pairs, other, settlement):
        # EIP-1108 prices and the warm call's 100 gas: ecMul 6,000, ecAdd 150, pairing 45,000 + 34,000 a pair
        return {"execution": 6100 * mul + 250 * mul + 45100 + 34000 * pairs + 1449 + other,
                "ecmul": {"calls": mul, "gas": 6100 * mul}, "ecadd": {"calls": mul, "gas": 250 * mul},
                "ecpairing": {"calls": 1, "gas": 45100 + 34000 * pairs}, "ecpairing_pairs": pairs,
                "modexp": {"calls": 1, "gas": 1449}, "other_gas": other, "settlement": settlement}

    row = {"C": 1024, "T": 1024, "settle": {"calldata_gas": 245_012, "verifier": split(36, 2, 137_145, 41_728)},
           "withdraw": {"calldata_gas": 29_628, "verifier": split(7, 2, 16_623, 71_557)}}
    text = evm.format_breakdown({"results": [row]})
    assert "36: 219,600" in text and "7: 42,700" in text and "2 pairs: 113,100" in text
    assert "137,145" in text and "71,557" in text and "Settlement exec" in text


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

