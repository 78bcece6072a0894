"""EpochVerifier (attrib.verifier.evm) on a real EVM: the same verdict as the Python verifier on honest,
tampered and fuzzed epochs and payout openings, never a revert, and its gas.

The contract is generated for a 2^16 dev SRS (the epoch's range table [0, 2^16) sets the smallest
batch), compiled by solc-js and run in pyrevm.  Python's ``verify_attribution`` and ``verify_payouts``
are the reference: every call below asserts that the EVM returned (no revert) exactly one ABI bool,
equal to Python's verdict on the same bytes.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from node_tools import require_node_tools
from py_ecc import optimized_bn128 as bn
from tampering import balance_opening
from tampering import epoch_claim_variants as claim_variants
from tampering import epoch_proof_variants as proof_variants

from attrib.verifier.encoding import Q_MODULUS as Q
from attrib.verifier.encoding import R_MODULUS as R

FEE_LIMIT = 1 << 96
EIP170_LIMIT = 24_576
TRUE, FALSE = (1).to_bytes(32, "big"), bytes(32)


@pytest.fixture(scope="module")
def srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(16, seed=21, cache_dir=tmp_path_factory.mktemp("srs16"))


class DeployedVerifier:
    """An EpochVerifier for ``srs`` on a fresh chain, with the Python verdicts alongside."""

    def __init__(self, srs) -> None:
        from attrib.chain.evm import Chain, compile_solidity
        from attrib.verifier.evm import contract_source

        self.srs = srs
        self.source = contract_source(srs.verifying_key)
        self.artifact = compile_solidity({"EpochVerifier.sol": self.source})["EpochVerifier"]
        self.chain = Chain()
        self.address = self.chain.deploy(self.artifact)

    def call(self, data: bytes):
        """The call's result; it must return (not revert) one ABI bool."""
        result = self.chain.call(self.address, data)
        assert result.success and result.output in (TRUE, FALSE), result
        return result

    def epoch(self, manifest, claim, proof) -> bool:
        from attrib.verifier.evm import epoch_calldata

        return self.call(epoch_calldata(manifest, claim, proof)).output == TRUE

    def python_epoch(self, manifest, claim, proof) -> bool:
        from attrib.verifier import verify_attribution

        return verify_attribution(manifest, claim, proof, trusted_srs_digest=self.srs.digest())

    def agree(self, manifest, claim, proof) -> bool:
        """Both verdicts on the same bytes, asserted equal; returns it."""
        expected = self.python_epoch(manifest, claim, proof)
        assert self.epoch(manifest, claim, proof) == expected
        return expected

    def agree_payouts(self, manifest, claim, indices, values, opening) -> bool:
        from attrib.verifier import verify_payouts
        from attrib.verifier.evm import payout_calldata

        expected = verify_payouts(manifest, claim, indices, values, opening, trusted_srs_digest=self.srs.digest())
        assert (self.call(payout_calldata(manifest, claim, indices, values, opening)).output == TRUE) == expected
        return expected


@pytest.fixture(scope="module")
def verifier(srs):
    require_node_tools()
    pytest.importorskip("pyrevm")
    return DeployedVerifier(srs)


def register(srs, rows, cols, contributors, seed=0):
    from attrib.prover import Dataset, Prover

    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"c{int(x)}" for x in rng.integers(0, contributors, rows)]
    owners[:contributors] = [f"c{c}" for c in range(contributors)]
    return Prover(srs).register(Dataset(features, owners, rng.integers(0, 2**24, rows)))


def prove(srs, reg, queries, fees, seq=0):
    from attrib.prover import Prover

    return Prover(srs).prove(reg, np.asarray(queries, dtype=np.int64), list(fees), seq=seq)


# (label, rows, columns, contributors, queries): T = 1 with k = 1 (mk = 0: the G·Q sum-check has no
# rounds), the tests/attribution `small` epoch, C not a power of two, C = 40 and T = 33, T = 17.
SHAPES = [("T=1 C=1 k=1", 40, 1, 1, 1), ("T=6 C=5 k=3", 60, 3, 5, 6), ("T=3 C=9 k=7", 100, 7, 9, 3),
          ("T=33 C=40 k=3", 200, 3, 40, 33), ("T=17 C=2 k=2", 33, 2, 2, 17)]


@pytest.fixture(scope="module")
def epochs(srs):
    """label → (registration, Epoch); the T = 6 one is tests/attribution's `small` (fees at 0, at
    2^96 − 1 and 2^64, an inference with S_t = 0, seq = 7)."""
    out = {}
    for label, rows, cols, contributors, t_count in SHAPES:
        if label == "T=6 C=5 k=3":
            reg = register(srs, 60, 3, 5)
            rng = np.random.default_rng(3)
            queries = rng.integers(-(2**15) + 1, 2**15, size=(6, 3))
            queries[2] = 0
            fees, seq = [10**9, 0, 777, FEE_LIMIT - 1, 12345, 2**64], 7
        else:
            reg = register(srs, rows, cols, contributors, seed=rows)
            rng = np.random.default_rng(t_count)
            queries = rng.integers(-(2**15) + 1, 2**15, size=(t_count, cols))
            fees, seq = [int(x) for x in rng.integers(0, 2**62, t_count)], 0
        out[label] = (reg, prove(srs, reg, queries, fees, seq))
    return out


@pytest.fixture(scope="module")
def small(epochs):
    return epochs["T=6 C=5 k=3"]


# ---- the generated contract ------------------------------------------------------------------


def test_source_abi_and_size(verifier, srs, small):
    from attrib.verifier.encoding import encode_g2
    from attrib.verifier.evm import (
        TEMPLATE,
        VERIFY_EPOCH_SIGNATURE,
        VERIFY_PAYOUTS_SIGNATURE,
        contract_source,
        render,
        selector,
        verifier_constants,
    )

    vk = srs.verifying_key
    assert verifier.artifact.deployed_size <= EIP170_LIMIT
    assert "{{" not in verifier.source and contract_source(vk) == verifier.source        # deterministic
    constants = verifier_constants(vk)
    reg, _ = small
    assert constants["SRS_DIGEST"] == int.from_bytes(reg.manifest.srs_digest, "big")
    tau = encode_g2(vk.tau_g2)
    assert [constants[n] for n in ("TAU_X1", "TAU_X0", "TAU_Y1", "TAU_Y0")] == \
        [int.from_bytes(tau[i:i + 32], "big") for i in range(0, 128, 32)]                  # imaginary part first
    assert constants["MAX_LOG_N"] == vk.max_log_n == 16
    with pytest.raises(ValueError, match="missing"):
        render(TEMPLATE, {k: v for k, v in constants.items() if k != "R"})
    with pytest.raises(ValueError, match="unused"):
        render(TEMPLATE, {**constants, "EXTRA": 1})
    with pytest.raises(TypeError):
        contract_source(vk.to_bytes())
    functions = {f["name"]: f for f in verifier.artifact.abi if f["type"] == "function"}
    for name, signature in (("verifyEpoch", VERIFY_EPOCH_SIGNATURE), ("verifyPayouts", VERIFY_PAYOUTS_SIGNATURE)):
        f = functions[name]
        assert f["stateMutability"] == "view" and [o["type"] for o in f["outputs"]] == ["bool"]
        assert f"{name}({','.join(i['type'] for i in f['inputs'])})" == signature
    from attrib.chain.evm import words

    assert verifier.chain.call(verifier.address, selector("SRS_DIGEST()")).output == reg.manifest.srs_digest
    assert words(verifier.chain.call(verifier.address, selector("MAX_LOG_N()")).output) == [16]


def test_calldata_is_the_abi_encoding(small):
    from attrib.verifier.evm import epoch_calldata, payout_calldata, selector

    reg, epoch = small
    m = reg.manifest
    data = epoch_calldata(m, epoch.claim, epoch.proof)
    assert data == epoch_calldata(m, epoch.claim.to_bytes(), epoch.proof.to_bytes())
    claim, proof = epoch.claim.to_bytes(), epoch.proof.to_bytes()
    words = [int.from_bytes(data[4 + i:36 + i], "big") for i in range(0, 7 * 32, 32)]
    assert data[:4] == selector("verifyEpoch(bytes32,uint256,uint256,uint256[2],bytes,bytes)")
    assert words[:5] == [int.from_bytes(m.digest(), "big"), m.log_contributors, m.log_columns,
                         *m.aggregate_commitment]
    assert words[5:] == [7 * 32, 7 * 32 + 32 + len(claim)]
    assert len(data) == 4 + 7 * 32 + 32 + len(claim) + 32 + len(proof)        # both are whole words
    opening = epoch.open_payouts([3])
    data = payout_calldata(m, epoch.claim, [3], [epoch.payouts[3]], opening)
    assert data[:4] == selector("verifyPayouts(bytes32,uint256,bytes,uint256[],uint256[],bytes)")
    assert len(data) == 4 + 6 * 32 + (32 + 384) + 2 * 64 + 32 + len(opening.to_bytes())
    with pytest.raises(TypeError):
        epoch_calldata(m.to_bytes(), claim, proof)


# ---- honest epochs -------------------------------------------------------------------------------


def test_honest_epochs_are_accepted(verifier, epochs):
    for label, (reg, epoch) in epochs.items():
        assert verifier.agree(reg.manifest, epoch.claim, epoch.proof), label


# ---- tampering (tests/attribution/test_epoch.py's variants): refused by both --------------------


@pytest.mark.parametrize("label", ["T=6 C=5 k=3", "T=1 C=1 k=1"])
def test_every_claim_and_proof_part_is_bound(verifier, epochs, label):
    reg, epoch = epochs[label]
    claims = claim_variants(epoch.claim)
    assert len(claims) == 9
    assert [i for i, c in enumerate(claims) if verifier.agree(reg.manifest, c.to_bytes(), epoch.proof)] == []
    proofs = proof_variants(epoch.proof)
    assert [i for i, p in enumerate(proofs) if verifier.agree(reg.manifest, epoch.claim, p.to_bytes())] == []
    assert len(proofs) == {"T=6 C=5 k=3": 86, "T=1 C=1 k=1": 82}[label]


def test_replay_on_another_manifest(verifier, srs, small):
    """The stored fields of another manifest (the same sizes); and, on the EVM alone, fields that no
    manifest of this digest has (another C_G, mC, mk, C_G off the curve): all refused."""
    from attrib.verifier.evm import VERIFY_EPOCH_SIGNATURE, encode_arguments, selector

    reg, epoch = small
    other = register(srs, 60, 3, 5, seed=1)
    assert not verifier.agree(other.manifest, epoch.claim, epoch.proof)
    m = reg.manifest
    types = VERIFY_EPOCH_SIGNATURE[VERIFY_EPOCH_SIGNATURE.index("(") + 1:-1].split(",")
    honest = [m.digest(), m.log_contributors, m.log_columns, m.aggregate_commitment,
              epoch.claim.to_bytes(), epoch.proof.to_bytes()]
    g_other = other.manifest.aggregate_commitment
    lies = {"digest": (0, other.manifest.digest()), "C_G": (3, g_other), "mC + 1": (1, m.log_contributors + 1),
            "mC = 0": (1, 0), "mk + 1": (2, m.log_columns + 1), "C_G off the curve": (3, (1, 3)),
            "C_G at x = q": (3, (Q, g_other[1]))}
    data = selector(VERIFY_EPOCH_SIGNATURE) + encode_arguments(types, honest)
    assert verifier.call(data).output == TRUE
    accepted = []
    for name, (position, value) in lies.items():
        args = list(honest)
        args[position] = value
        if verifier.call(selector(VERIFY_EPOCH_SIGNATURE) + encode_arguments(types, args)).output == TRUE:
            accepted.append(name)
    assert accepted == []


# ---- payout openings -------------------------------------------------------------------------------


@pytest.mark.parametrize("label, good, probes", [
    ("T=6 C=5 k=3", [4, 1], [2, 5]),
    ("T=33 C=40 k=3", [39, 0, 17], [16, 40]),
    ("T=1 C=1 k=1", [0], [None, 1]),
])
def test_payout_openings(verifier, epochs, label, good, probes):
    reg, epoch = epochs[label]
    m = reg.manifest
    opening = epoch.open_payouts(good)
    values = [epoch.payouts[c] for c in good]
    assert verifier.agree_payouts(m, epoch.claim, good, values, opening)
    assert verifier.agree_payouts(m, epoch.claim, list(range(len(epoch.payouts))), list(epoch.payouts),
                                  epoch.open_payouts(range(len(epoch.payouts))))
    other_index, past_c = probes
    refused = {"a wrong amount": (good, [values[0] + 1, *values[1:]]),
               "an index past C": ([*good[:-1], past_c], values),
               "an index twice": ([*good, good[0]], [*values, values[0]]),
               "a value of r": (good, [R, *values[1:]])}
    if len(good) > 1:
        refused["the amounts swapped"] = (good, values[::-1])
    if other_index is not None:
        refused["another index"] = ([*good[:-1], other_index], values)
    accepted = [name for name, (i, v) in refused.items() if verifier.agree_payouts(m, epoch.claim, i, v, opening)]
    assert accepted == []
    for bad in (dataclasses.replace(epoch.claim, seq=epoch.claim.seq + 1),
                dataclasses.replace(epoch.claim, payouts_commitment=bn.add(epoch.claim.payouts_commitment, bn.G1))):
        assert not verifier.agree_payouts(m, bad.to_bytes(), good, values, opening)
    data = opening.to_bytes()
    assert not verifier.agree_payouts(m, epoch.claim, good, values, data[:-32])
    assert not verifier.agree_payouts(m, epoch.claim, good, values, data + bytes(32))


# ---- every word range-checked, every point curve-checked -------------------------------------------


def test_every_word_is_checked(verifier, small):
    """Each word of the claim and of the proof set to 2^256 − 1 (above r, q and every bound), and each
    point of either replaced by (1, 3) (off the curve) and by (q, y): refused by both, never a revert."""
    from attrib.verifier.attribution import PHASE1, PHASE2
    from attrib.verifier.encoding import encode_g1
    from attrib.verifier.radix import RadixProof, radix_shape

    reg, epoch = small
    claim, proof = epoch.claim.to_bytes(), epoch.proof.to_bytes()
    ones = (1 << 256) - 1
    count = 0
    for which, data in (("claim", claim), ("proof", proof)):
        for i in range(0, len(data), 32):
            bad = data[:i] + ones.to_bytes(32, "big") + data[i + 32:]
            args = (bad, proof) if which == "claim" else (claim, bad)
            assert not verifier.agree(reg.manifest, *args), (which, i // 32)
            count += 1
    n = len(epoch.proof.batch_rounds)
    layers = radix_shape(n)[1]
    size = len(proof)
    folds_at = size - RadixProof.size(n)                      # the opening ends the proof, its folds first
    points = [("claim", 32 * (4 + 2 * j)) for j in range(3)]
    points += [("proof", 64 + 64 * j) for j in range(len(PHASE1) + len(PHASE2))]
    points += [("proof", folds_at + 64 * j) for j in range(layers - 1)] + [("proof", size - 128), ("proof", size - 64)]
    assert proof[folds_at:folds_at + 64] == encode_g1(epoch.proof.opening.com[0])
    assert proof[size - 64:] == encode_g1(epoch.proof.opening.w_z)
    assert claim[32 * 8:32 * 10] == encode_g1(epoch.claim.payouts_commitment)
    for which, at in points:
        data = claim if which == "claim" else proof
        y = int.from_bytes(data[at + 32:at + 64], "big")
        for x_word, y_word in ((1, 3), (Q, y)):
            bad = data[:at] + x_word.to_bytes(32, "big") + y_word.to_bytes(32, "big") + data[at + 64:]
            args = (bad, proof) if which == "claim" else (claim, bad)
            assert not verifier.agree(reg.manifest, *args), (which, at)
            count += 1
    assert count == len(claim) // 32 + len(proof) // 32 + 2 * (3 + 16 + layers - 1 + 2)


def test_every_word_at_r_is_refused(verifier, small):
    """Each word of the claim and of the proof set to r, the least word that is not a scalar (and, in a point, an
    x that is off the curve with its y): refused by both, never a revert.  The EVM compares the sum-check messages
    with r in their rounds and the opening's tail and fold values where its checks read them, so this pins every
    one of those comparisons at its boundary."""
    reg, epoch = small
    claim, proof = epoch.claim.to_bytes(), epoch.proof.to_bytes()
    word = R.to_bytes(32, "big")
    accepted = [(which, i // 32) for which, data in (("claim", claim), ("proof", proof)) for i in range(0, len(data), 32)
                if verifier.agree(reg.manifest, *((data[:i] + word + data[i + 32:], proof) if which == "claim"
                                                  else (claim, data[:i] + word + data[i + 32:])))]
    # the words that may hold r: none (the version, n, T and the stages' round counts are small integers)
    assert accepted == []


@pytest.mark.parametrize("label, good", [("T=33 C=40 k=3", [39, 0, 17]), ("T=6 C=5 k=3", [4]), ("T=1 C=1 k=1", [0])])
def test_every_payout_opening_word_is_checked(verifier, epochs, label, good):
    """Each word of a payout opening (a full clear tail of 2^5 values at C = 40, a shorter one at C = 5 and C = 1)
    set to r and to 2^256 - 1: refused by both, never a revert."""
    reg, epoch = epochs[label]
    values = [epoch.payouts[c] for c in good]
    data = epoch.open_payouts(good).to_bytes()
    assert verifier.agree_payouts(reg.manifest, epoch.claim, good, values, data)
    for i in range(0, len(data), 32):
        for word in (R, (1 << 256) - 1):
            assert not verifier.agree_payouts(reg.manifest, epoch.claim, good, values,
                                              data[:i] + word.to_bytes(32, "big") + data[i + 32:]), (label, i // 32)


# ---- differential fuzz ------------------------------------------------------------------------------


def fuzz_cases(claim: bytes, proof: bytes, rng: random.Random):
    """(kind, claim bytes, proof bytes, ABI length of the proof or None): the mutated inputs."""
    specials = [0, 1, R - 1, R, Q - 1, Q, (1 << 64) - 1, 1 << 64, (1 << 256) - 1]

    def flip(data):
        b = bytearray(data)
        bit = rng.randrange(8 * len(b))
        b[bit // 8] ^= 1 << (bit % 8)
        return bytes(b)

    def replace_word(data):
        i = rng.randrange(len(data) // 32) * 32
        value = rng.choice(specials + [rng.getrandbits(256)])
        return data[:i] + value.to_bytes(32, "big") + data[i + 32:]

    for _ in range(40):
        yield "claim bit flip", flip(claim), proof, None
    for _ in range(120):
        yield "proof bit flip", claim, flip(proof), None
    for _ in range(20):
        yield "claim word replaced", replace_word(claim), proof, None
    for _ in range(60):
        yield "proof word replaced", claim, replace_word(proof), None
    for _ in range(10):
        yield "claim truncated", claim[:rng.randrange(len(claim))], proof, None
    for _ in range(20):
        cut = rng.choice([rng.randrange(len(proof)), len(proof) - 32 * rng.randrange(1, 40)])
        yield "proof truncated", claim, proof[:cut], None
    for _ in range(10):
        yield "claim extended", claim + rng.randbytes(rng.choice([1, 31, 32, 64])), proof, None
    for _ in range(20):
        yield "proof extended", claim, proof + rng.choice([bytes(32), rng.randbytes(rng.randrange(1, 97))]), None
    # lying length words: T in the claim; n and each stage's round count in the proof
    for t in (0, 1, 2, 5, 7, 8, 9, 1 << 16, (1 << 16) + 1):
        yield "claim T", claim[:96] + t.to_bytes(32, "big") + claim[128:], proof, None
    count_words = [1] + _stage_count_words(proof)
    assert [int.from_bytes(proof[32 * w:32 * w + 32], "big") for w in count_words] == [16, 6, 3, 9, 5, 16, 2]
    for w in count_words:
        value = int.from_bytes(proof[32 * w:32 * w + 32], "big")
        for lie in (value - 1, value + 1, 0, 64, 65, (1 << 256) - 1):
            if lie >= 0:
                yield "proof count word", claim, proof[:32 * w] + lie.to_bytes(32, "big") + proof[32 * w + 32:], None
    # the ABI length word of the proof shorter than the bytes that follow it (the EVM reads the prefix)
    for _ in range(10):
        yield "ABI proof length short", claim, proof, rng.randrange(len(proof))


def _stage_count_words(proof: bytes) -> list[int]:
    """The word indices of the six stages' round-count words in a proof's bytes."""
    from attrib.verifier.attribution import DEGREES, FINALS, STAGES

    out, w = [], 2 + 32 + 4
    for stage in STAGES:
        out.append(w)
        w += 1 + int.from_bytes(proof[32 * w:32 * w + 32], "big") * DEGREES[stage] + len(FINALS[stage])
    return out


def test_differential_fuzz(verifier, small):
    """A seeded fuzz of the claim and proof bytes: the EVM's verdict equals verify_attribution's on the
    same bytes in every case (and the EVM never reverts)."""
    from attrib.verifier.evm import epoch_calldata

    reg, epoch = small
    claim, proof = epoch.claim.to_bytes(), epoch.proof.to_bytes()
    counts: dict[str, int] = {}
    accepted = 0
    for kind, c, p, abi_length in fuzz_cases(claim, proof, random.Random(20260301)):
        data = epoch_calldata(reg.manifest, c, p)
        if abi_length is not None:                                     # patch the proof's length word
            at = 4 + int.from_bytes(data[4 + 6 * 32:4 + 7 * 32], "big")
            data = data[:at] + abi_length.to_bytes(32, "big") + data[at + 32:]
            p = p[:abi_length]
        expected = verifier.python_epoch(reg.manifest, c, p)
        assert (verifier.call(data).output == TRUE) == expected, kind
        counts[kind] = counts.get(kind, 0) + 1
        accepted += expected
    assert counts["proof count word"] == 7 * 6                       # n and six stage counts, six lies each
    assert sum(counts.values()) == 40 + 120 + 20 + 60 + 10 + 20 + 10 + 20 + 9 + 42 + 10 == 361, counts
    assert accepted == 0


# ---- cheating provers: a wrong witness through the prover's own code --------------------------


def test_cheating_provers(verifier, srs, small, monkeypatch):
    """Proofs that parse and whose every message is consistent with the prover's (wrong) tables: each
    must fail a final, batching or opening check, on the EVM exactly as in Python."""
    from attrib.prover import epoch as prover_epoch

    reg, epoch = small
    rng = np.random.default_rng(3)
    queries = rng.integers(-(2**15) + 1, 2**15, size=(6, 3))
    queries[2] = 0
    fees = [10**9, 0, 777, FEE_LIMIT - 1, 12345, 2**64]
    totals = epoch.totals
    c_pos, t_pos = next((c, t) for t in range(6) for c in range(5) if totals[c][t] > 0 and fees[t] > 0)

    def flip_sign(wit):
        wit.sign[t_pos + (1 << wit.shape.m_t) * c_pos] = 1

    def pi_plus_one(wit):
        wit.per_t["PI_LO"][t_pos] += 1

    def payout_beyond_c(wit):
        wit.payouts += [0] * (len(wit.payouts) - 1) + [5]

    honest = prover_epoch.compute_witness
    verdicts = {}
    for name, change in {"honest": lambda wit: None, "a wrong sign bit": flip_sign, "pi_t + 1": pi_plus_one,
                         "a payout beyond C": payout_beyond_c}.items():
        def wrong(*args, change=change, **kwargs):
            wit = honest(*args, **kwargs)
            change(wit)
            return wit

        monkeypatch.setattr(prover_epoch, "compute_witness", wrong)
        cheat = prove(srs, reg, queries, fees)
        monkeypatch.setattr(prover_epoch, "compute_witness", honest)
        verdicts[name] = verifier.agree(reg.manifest, cheat.claim, cheat.proof)
    assert verdicts == {"honest": True, "a wrong sign bit": False, "pi_t + 1": False, "a payout beyond C": False}


def test_claim_words_out_of_range_with_otherwise_valid_proofs(verifier, srs, small, monkeypatch):
    """seq enters the transcript as a word and ΣF, ΣP enter the protocol only mod r: a prover that
    writes seq = 2^64, or ΣF + r, ΣP + r (the same field elements), gets a proof every protocol
    check passes.  Only the range checks of the claim's words refuse them, on the EVM as in Python;
    seq = 2^64 − 1 is accepted by both."""
    from attrib.prover import epoch as prover_epoch
    from attrib.prover.epoch import prove_epoch
    from attrib.verifier.attribution import Claim, epoch_shape

    reg, _ = small
    rng = np.random.default_rng(3)
    queries = rng.integers(-(2**15) + 1, 2**15, size=(6, 3))
    fees = [10**9, 0, 777, FEE_LIMIT - 1, 12345, 2**64]
    powers = srs.powers_for(epoch_shape(reg.manifest, len(fees)).n)

    def prove_with(seq=0, fees_shift=0, paid_shift=0):
        def claim(digest, seq_, t, q, f, p, total_fees, total_paid):
            return Claim(digest, seq_, t, q, f, p, total_fees + fees_shift, total_paid + paid_shift)

        monkeypatch.setattr(prover_epoch, "Claim", claim)
        try:
            return prove_epoch(powers, reg.manifest, reg.aggregate, queries, fees, seq=seq)
        finally:
            monkeypatch.setattr(prover_epoch, "Claim", Claim)

    verdicts = {}
    for name, kwargs in {"seq = 2^64 - 1": {"seq": (1 << 64) - 1}, "seq = 2^64": {"seq": 1 << 64},
                         "ΣF + r": {"fees_shift": R}, "ΣP + r": {"paid_shift": R}}.items():
        forged = prove_with(**kwargs)
        verdicts[name] = verifier.agree(reg.manifest, forged.claim.to_bytes(), forged.proof)
    assert verdicts == {"seq = 2^64 - 1": True, "seq = 2^64": False, "ΣF + r": False, "ΣP + r": False}


# ---- a larger SRS: n = 17, set by the cells (C = 512, T = 256) ---------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """An EpochVerifier for a 2^17 dev SRS and an epoch with mT + mC = 17 (the cells, not the range
    table, set n; X has 15 variables)."""
    from attrib.prover import SRS

    require_node_tools()
    pytest.importorskip("pyrevm")
    srs17 = SRS.dev(17, seed=5, cache_dir=tmp_path_factory.mktemp("srs17"))
    reg = register(srs17, 1100, 2, 512, seed=4)
    rng = np.random.default_rng(5)
    epoch = prove(srs17, reg, rng.integers(-(2**15) + 1, 2**15, size=(256, 2)),
                  [int(x) for x in rng.integers(0, 2**62, 256)])
    return DeployedVerifier(srs17), reg, epoch


def test_a_larger_epoch_on_its_own_srs(large, verifier):
    from attrib.verifier.attribution import epoch_shape

    v17, reg, epoch = large
    assert epoch_shape(reg.manifest, 256).n == 17 and len(epoch.proof.batch_rounds) == 17
    assert v17.artifact.deployed_size <= EIP170_LIMIT
    assert v17.agree(reg.manifest, epoch.claim, epoch.proof)
    assert not verifier.agree(reg.manifest, epoch.claim, epoch.proof)      # another SRS, and n > its 16
    proofs = proof_variants(epoch.proof)
    assert [i for i, p in enumerate(proofs[::7]) if v17.agree(reg.manifest, epoch.claim, p.to_bytes())] == []
    good = [511, 0, 300]
    values = [epoch.payouts[c] for c in good]
    opening = epoch.open_payouts(good)
    assert v17.agree_payouts(reg.manifest, epoch.claim, good, values, opening)
    assert not v17.agree_payouts(reg.manifest, epoch.claim, good, [values[0], values[1] + 1, values[2]], opening)


# ---- gas ----------------------------------------------------------------------------------------------


def test_gas(verifier, epochs, large, capsys):
    """Execution gas (the transaction's gas less 21,000 and the calldata's own) and calldata bytes of
    verifyEpoch at three shapes with n = 16 (the range table's 2^16 entries set the batch) and one
    with n = 17, and of payout openings.  The bounds catch a regression: at n = 16 about 318 k of a
    verifyEpoch is precompiles (32 ecMul, 32 ecAdd, a 2-pair pairing, one modexp), the rest about 100 k."""
    from attrib.verifier.evm import epoch_calldata, payout_calldata

    rows = []
    for label in ("T=1 C=1 k=1", "T=6 C=5 k=3", "T=33 C=40 k=3"):
        reg, epoch = epochs[label]
        result = verifier.call(epoch_calldata(reg.manifest, epoch.claim, epoch.proof))
        assert result.output == TRUE and result.execution_gas < 470_000
        rows.append((f"verifyEpoch {label} (n=16)", result.execution_gas, result.calldata_bytes))
    v17, reg17, epoch17 = large
    result = v17.call(epoch_calldata(reg17.manifest, epoch17.claim, epoch17.proof))
    assert result.output == TRUE and result.execution_gas < 470_000
    rows.append(("verifyEpoch T=256 C=512 k=2 (n=17)", result.execution_gas, result.calldata_bytes))
    reg, epoch = epochs["T=33 C=40 k=3"]
    for good in ([17], [39, 0, 17]):
        opening = epoch.open_payouts(good)
        result = verifier.call(payout_calldata(reg.manifest, epoch.claim, good, [epoch.payouts[c] for c in good],
                                               opening))
        assert result.output == TRUE and result.execution_gas < 175_000
        rows.append((f"verifyPayouts C=40, {len(good)} index(es)", result.execution_gas, result.calldata_bytes))
    with capsys.disabled():
        print(f"\n{'call':<38} {'execution gas':>14} {'calldata bytes':>15}")
        for label, gas, size in rows:
            print(f"{label:<38} {gas:>14,} {size:>15,}")
        print(f"runtime code: {verifier.artifact.deployed_size:,} bytes (n <= 16), "
              f"{v17.artifact.deployed_size:,} bytes (n <= 17)")


# ---- balances (withdrawal openings of a sum of epochs' payout commitments) ----------------------

def test_balances_agree_with_python(srs, verifier):
    """verifyBalance against verify_balance: honest balances (with and without ranges of epochs left out, and
    openings of fewer variables, as made at a version before an append) accepted, and every wrong variant (a
    forged range among them: overlapping, touching, out of order, past e; another dataset's id; an n past the
    current mC or too small for the index) and a seeded fuzz of the opening refused, with equal verdicts."""
    from attrib.prover import Prover
    from attrib.verifier import verify_balance
    from attrib.verifier.evm import balance_calldata
    from attrib.verifier.payouts import excluded_ranges

    reg = register(srs, 48, 4, 6, seed=4)
    rng = np.random.default_rng(4)
    epochs = {s: prove(srs, reg, rng.integers(-(2**15) + 1, 2**15, size=(3, 4)), [10**9 + s] * 3, seq=s)
              for s in (1, 2, 3, 4)}
    payouts = {e: ep.payouts for e, ep in epochs.items()}
    ident = reg.manifest.digest()
    verdicts = []

    def both(epoch, ranges, commitment, index, value, opening, dataset_id=ident) -> bool:
        expected = verify_balance(reg.manifest, epoch, ranges, commitment, index, value, opening,
                                  trusted_srs_digest=srs.digest(), dataset_id=dataset_id)
        data = balance_calldata(reg.manifest, epoch, ranges, commitment, index, value, opening, dataset_id=dataset_id)
        assert (verifier.call(data).output == TRUE) == expected
        verdicts.append(expected)
        return expected

    honest = ((0, []), (5, []), (3, [2]), (1, [1, 3]), (2, [2, 3]), (4, [1, 2, 4]))
    for index, excluded in honest:
        ranges = excluded_ranges(excluded)
        value, commitment, opening = Prover(srs).open_balance(reg.manifest, 4, payouts, index, excluded)
        assert both(4, ranges, commitment, index, value, opening)
        wrong = [(4, ranges, commitment, index, value + 1, opening),
                 (4, ranges, commitment, index ^ 1, value, opening),
                 (3, ranges, commitment, index, value, opening),
                 (4, ranges[:-1] if ranges else [(4, 4)], commitment, index, value, opening),  # other ranges
                 (4, ranges, bn.add(commitment, bn.G1), index, value, opening),
                 (4, ranges, commitment, 6, value, opening),
                 (4, ranges, commitment, index, value + R, opening),
                 (4, [(3, 5)], commitment, index, value, opening),                       # a range past e
                 (4, [(2, 1)], commitment, index, value, opening),                       # backwards
                 (4, [(0, 1)], commitment, index, value, opening),                       # from epoch 0
                 (4, [(1, 2), (2, 3)], commitment, index, value, opening),               # overlapping
                 (4, [(3, 3), (1, 1)], commitment, index, value, opening),               # out of order
                 (4, [(1, 1), (2, 2)], commitment, index, value, opening)]               # touching (one run split)
        assert not any(both(*w) for w in wrong)
        assert not both(4, ranges, commitment, index, value, opening, dataset_id=bytes(32))   # another dataset's
    # openings of fewer variables (a version of C <= 2^n, before an append) over a table that fits them
    totals = [sum(payouts[e][c] for e in (1, 2, 3, 4)) for c in range(6)]
    for n in (1, 2, 3):
        index = min((1 << n) - 1, 5)
        commitment, value, opening = balance_opening(srs, ident, 4, [], totals[:1 << n], n, index)
        assert both(4, [], commitment, index, value, opening)
    # an n past the current mC (3), and an n too small for the index (bits(5) cut to 2 bits: contributor 1's point)
    commitment, value, opening = balance_opening(srs, ident, 4, [], totals, 4, 1)
    assert not both(4, [], commitment, 1, value, opening)
    commitment, value, opening = balance_opening(srs, ident, 4, [], totals[:4], 2, 1, absorbed_index=5)
    assert not both(4, [], commitment, 5, value, opening)
    value, commitment, opening = Prover(srs).open_balance(reg.manifest, 4, payouts, 4)
    data = opening.to_bytes()
    fuzz = random.Random(11)
    for _ in range(60):
        mutated = bytearray(data)
        kind = fuzz.randrange(3)
        if kind == 0:
            bit = fuzz.randrange(8 * len(mutated))
            mutated[bit // 8] ^= 1 << (bit % 8)
        elif kind == 1:
            mutated = mutated[:fuzz.randrange(len(mutated))]
        else:
            mutated += bytes(32 * fuzz.randrange(1, 3))
        assert not both(4, [], commitment, 4, value, bytes(mutated))
    # every word of the opening at r and at 2^256 - 1 (the EVM compares the tail and fold values with r where its
    # opening check reads them, not as it decodes: the same verdict)
    for i in range(0, len(data), 32):
        for word in (R, (1 << 256) - 1):
            assert not both(4, [], commitment, 4, value, data[:i] + word.to_bytes(32, "big") + data[i + 32:])
    assert len(verdicts) == 6 * 15 + 3 + 2 + 60 + 2 * (len(data) // 32) and sum(verdicts) == 6 + 3
