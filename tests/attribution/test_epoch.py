"""Protocol v2 epochs: the fee split against Python integers, a claim of constant size, tampering
with every part, and cheating provers built from deliberately wrong witnesses through the
prover's own code (each must be refused)."""

from __future__ import annotations

import numpy as np
import pytest
from tampering import epoch_claim_variants as claim_variants
from tampering import epoch_proof_variants as proof_variants

from attrib.prover import SRS, Dataset, Prover
from attrib.prover import epoch as prover_epoch
from attrib.prover.epoch import prove_epoch
from attrib.verifier.attribution import Claim, Proof, epoch_shape, verify_attribution
from attrib.verifier.encoding import R_MODULUS as R

FEE_LIMIT = 1 << 96


@pytest.fixture(scope="module")
def srs16(tmp_path_factory):
    """2^16 powers: the range table [0, 2^16) sets the smallest epoch's batch size."""
    return SRS.dev(16, seed=21, cache_dir=tmp_path_factory.mktemp("srs16"))


def register(srs, rows, cols, contributors, seed=0):
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"c{int(x)}" for x in rng.integers(0, contributors, rows)]
    owners[:contributors] = [f"c{c}" for c in range(contributors)]
    return Prover(srs).register(Dataset(features, owners, rng.integers(0, 2**24, rows)))


def reference(totals, fees):
    """The fee rule of DESIGN §3b with Python integers."""
    c_count, t_count = len(totals), len(fees)
    s = [sum(max(totals[c][t], 0) for c in range(c_count)) for t in range(t_count)]
    pi = [(fees[t] << 128) // s[t] if s[t] else 0 for t in range(t_count)]
    return [sum(pi[t] * max(totals[c][t], 0) for t in range(t_count)) >> 128 for c in range(c_count)]


def prove(srs, reg, queries, fees, **kwargs):
    shape = epoch_shape(reg.manifest, len(fees))
    return prove_epoch(srs.powers_for(shape.n), reg.manifest, reg.aggregate, np.asarray(queries, dtype=np.int64),
                       list(fees), **kwargs)


@pytest.fixture(scope="module")
def small(srs16):
    reg = register(srs16, 60, 3, 5)
    rng = np.random.default_rng(3)
    queries = rng.integers(-(2**15) + 1, 2**15, size=(6, 3))
    queries[2] = 0                                        # S_2 = 0: nobody influenced it, its fee stays
    fees = [10**9, 0, 777, FEE_LIMIT - 1, 12345, 2**64]
    return reg, queries, fees, prove(srs16, reg, queries, fees, seq=7)


def verify(srs, manifest, claim, proof) -> bool:
    return verify_attribution(manifest, claim, proof, trusted_srs_digest=srs.digest())


@pytest.mark.parametrize("rows, cols, contributors, t_count", [
    (60, 3, 5, 6), (40, 1, 1, 1), (100, 7, 9, 3), (33, 2, 2, 17),
])
def test_honest_epochs_verify_and_pay_by_the_rule(srs16, rows, cols, contributors, t_count):
    reg = register(srs16, rows, cols, contributors, seed=rows)
    rng = np.random.default_rng(t_count)
    queries = rng.integers(-(2**15) + 1, 2**15, size=(t_count, cols))
    fees = [int(x) for x in rng.integers(0, 2**62, t_count)]
    epoch = prove(srs16, reg, queries, fees)
    assert verify(srs16, reg.manifest, epoch.claim, epoch.proof)
    assert verify_attribution(reg.manifest.to_bytes(), memoryview(epoch.claim.to_bytes()), epoch.proof.to_bytes(),
                        trusted_srs_digest=srs16.digest())
    expected_totals = (reg.aggregate.astype(object) @ queries.astype(object).T).tolist()
    assert epoch.totals == expected_totals
    assert epoch.payouts == reference(expected_totals, fees)
    assert epoch.claim.total_fees == sum(fees) and epoch.claim.total_paid == sum(epoch.payouts)
    assert sum(fees) - sum(epoch.payouts) <= sum(f for t, f in enumerate(fees)
                                                 if all(row[t] <= 0 for row in expected_totals)) + contributors
    assert Claim.from_bytes(epoch.claim.to_bytes()) == epoch.claim
    assert Proof.from_bytes(epoch.proof.to_bytes()) == epoch.proof


def test_the_claim_does_not_grow(small, srs16):
    reg, queries, fees, epoch = small
    big = register(srs16, 200, 3, 40, seed=8)
    rng = np.random.default_rng(9)
    other = prove(srs16, big, rng.integers(-100, 100, size=(50, 3)), [1] * 50)
    assert len(epoch.claim.to_bytes()) == len(other.claim.to_bytes()) == 384


def test_an_inference_nobody_influenced_returns_its_fee(small, srs16):
    reg, queries, fees, epoch = small
    assert all(row[2] == 0 for row in epoch.totals)
    assert verify(srs16, reg.manifest, epoch.claim, epoch.proof)
    assert epoch.payouts == reference(epoch.totals, fees)


def test_every_claim_field_is_bound(small, srs16):
    reg, _, _, epoch = small
    variants = claim_variants(epoch.claim)
    assert len(variants) == 9
    assert not any(verify(srs16, reg.manifest, v, epoch.proof) for v in variants)


def test_every_proof_part_is_bound(small, srs16):
    """Each commitment, each E4 value, the first and last message value of every sum-check, every
    final value, every batch evaluation and every opening element, changed by one."""
    reg, _, _, epoch = small
    variants = proof_variants(epoch.proof)                # counted inside: 16 + 4 + rounds + finals + 2 + 20 + 3
    accepted = [i for i, v in enumerate(variants) if verify(srs16, reg.manifest, epoch.claim, v)]
    assert accepted == []


def test_replay_on_another_manifest_and_malformed_bytes(small, srs16):
    reg, queries, fees, epoch = small
    other = register(srs16, 60, 3, 5, seed=1)
    assert not verify(srs16, other.manifest, epoch.claim, epoch.proof)
    assert not verify_attribution(reg.manifest, epoch.claim, epoch.proof, trusted_srs_digest=bytes(32))
    with pytest.raises(TypeError, match="trusted_srs_digest"):
        verify_attribution(reg.manifest, epoch.claim, epoch.proof)
    data = epoch.proof.to_bytes()
    for bad in (data[:-1], data + bytes(32), b"", b"\x00" * 96):
        assert not verify(srs16, reg.manifest, epoch.claim, bad)
    assert not verify(srs16, reg.manifest, epoch.claim.to_bytes()[:-1], epoch.proof)
    assert not verify(srs16, reg.manifest, None, epoch.proof)


# ---- cheating provers: a wrong witness pushed through the prover's own code ----------------------

def cheat(srs, reg, queries, fees, monkeypatch, change) -> bool:
    """Prove with ``change(witness)`` applied to the honest witness; True if the proof verifies."""
    honest = prover_epoch.compute_witness

    def wrong(*args, **kwargs):
        wit = honest(*args, **kwargs)
        change(wit)
        return wit

    monkeypatch.setattr(prover_epoch, "compute_witness", wrong)
    try:
        epoch = prove(srs, reg, queries, fees)
    finally:
        monkeypatch.setattr(prover_epoch, "compute_witness", honest)
    return verify(srs, reg.manifest, epoch.claim, epoch.proof)


def _cell(wit, c, t):
    return t + (1 << wit.shape.m_t) * c


def _set_per_t(name, t, delta):
    def change(wit):
        wit.per_t[name][t] += delta
    return change


def test_cheating_provers_are_refused(small, srs16, monkeypatch):
    reg, queries, fees, _ = small
    totals = (reg.aggregate.astype(object) @ queries.astype(object).T).tolist()
    c_pos, t_pos = next((c, t) for t in range(6) for c in range(5) if totals[c][t] > 0 and fees[t] > 0)

    def flip_sign(wit):                                   # B = 1 on a positive cell, M kept: A becomes −A
        wit.sign[_cell(wit, c_pos, t_pos)] = 1

    def wide_limb(wit):                                   # the same M, with limb 0 ≥ 2^16
        cell = _cell(wit, c_pos, t_pos)
        if wit.limbs[1, cell] == 0:
            wit.limbs[2, cell] -= 1
            wit.limbs[1, cell] += 1 << 16
        wit.limbs[1, cell] -= 1
        wit.limbs[0, cell] += 1 << 16

    def negative_limb(wit):                               # the same M, with limb 0 = r − x in the field
        cell = _cell(wit, c_pos, t_pos)
        if wit.limbs[1, cell] == (1 << 16) - 1:
            wit.limbs[2, cell] += 1
            wit.limbs[1, cell] -= 1 << 16
        wit.limbs[1, cell] += 1
        wit.limbs[0, cell] -= 1 << 16

    def payout_beyond_c(wit):                             # a payout entry at index Cp, past every contributor
        wit.payouts += [0] * (len(wit.payouts) - 1) + [5]

    def payout_plus_one(wit):
        wit.payouts[c_pos] += 1

    cheats = {
        "a wrong sign bit in one cell": flip_sign,
        "a limb ≥ 2^16": wide_limb,
        "a non-canonical limb (negative: r − x in the field)": negative_limb,
        "π_t + 1": _set_per_t("PI_LO", t_pos, 1),
        "π_t − 1": _set_per_t("PI_LO", t_pos, -1),
        "z_t = 1 while S_t > 0": _set_per_t("Z", t_pos, 1),
        "S_t + 1": _set_per_t("S", t_pos, 1),
        "the remainder e + 1": _set_per_t("E", t_pos, 1),
        "P_c + 1": payout_plus_one,
        "a payout commitment with a coefficient beyond C": payout_beyond_c,
    }
    assert cheat(srs16, reg, queries, fees, monkeypatch, lambda wit: None)       # the harness itself is sound
    accepted = [name for name, change in cheats.items() if cheat(srs16, reg, queries, fees, monkeypatch, change)]
    assert accepted == []
    # a query of 2^15, proved consistently everywhere: only the lookup of Q + 2^15 (= 2^16) sees it
    wide = queries.copy()
    wide[0, 0] = 1 << 15
    epoch = prove(srs16, reg, wide, fees)
    assert not verify(srs16, reg.manifest, epoch.claim, epoch.proof)
    in_range = queries.copy()
    in_range[0, 0] = -(1 << 15)                               # −2^15 is in range: Q + 2^15 = 0
    epoch = prove(srs16, reg, in_range, fees)
    assert verify(srs16, reg.manifest, epoch.claim, epoch.proof)


def test_the_sidecar_checks_against_the_claim(small, srs16):
    from attrib.prover.sidecar import check_sidecar

    reg, queries, fees, epoch = small
    assert check_sidecar(srs16, reg.manifest, epoch.claim, queries, fees, epoch.payouts) == []
    other_queries = queries.copy()
    other_queries[0, 0] += 1
    assert check_sidecar(srs16, reg.manifest, epoch.claim, other_queries, fees) == [
        "the queries do not match their commitment in the claim"]
    assert "the fees sum to" in check_sidecar(srs16, reg.manifest, epoch.claim, queries, [fees[0] + 1] + fees[1:])[0]
    wrong = list(epoch.payouts)
    wrong[0], wrong[1] = wrong[1], wrong[0]                          # the same sum, other contributors
    assert check_sidecar(srs16, reg.manifest, epoch.claim, queries, fees, wrong) == [
        "the payouts do not match their commitment in the claim"]


def test_payout_openings(small, srs16):
    from attrib.prover import Epoch
    from attrib.verifier import PayoutOpening, verify_payouts

    reg, queries, fees, _ = small
    epoch = Prover(srs16).prove(reg, queries, fees, seq=3)
    assert isinstance(epoch, Epoch)
    digest = srs16.digest()
    for indices in ([0], [4, 1], list(range(5))):
        opening = epoch.open_payouts(indices)
        values = [epoch.payouts[c] for c in indices]
        assert verify_payouts(reg.manifest, epoch.claim, indices, values, opening, trusted_srs_digest=digest)
        assert verify_payouts(reg.manifest.to_bytes(), epoch.claim.to_bytes(), indices, values,
                              memoryview(opening.to_bytes()), trusted_srs_digest=digest)
        assert PayoutOpening.from_bytes(opening.to_bytes()) == opening
    opening = epoch.open_payouts([4, 1])
    good = [epoch.payouts[4], epoch.payouts[1]]
    refused = {
        "a wrong amount": ([4, 1], [good[0] + 1, good[1]]),
        "the amounts swapped": ([4, 1], good[::-1]),
        "another index": ([4, 2], good),
        "an index past C": ([4, 5], good),
        "an index twice": ([4, 4], good),
    }
    accepted = [name for name, (i, v) in refused.items()
                if verify_payouts(reg.manifest, epoch.claim, i, v, opening, trusted_srs_digest=digest)]
    assert accepted == []
    # numpy integers are integers; numpy bools, scalars and strings are not sequences of indices
    assert verify_payouts(reg.manifest, epoch.claim, np.array([4, 1]), np.array(good, dtype=object), opening,
                          trusted_srs_digest=digest)
    assert verify_payouts(reg.manifest, epoch.claim, [np.int64(4), np.uint16(1)], good, opening,
                          trusted_srs_digest=digest)
    for indices in ([np.True_, 1], 4, "41", None):
        assert not verify_payouts(reg.manifest, epoch.claim, indices, good, opening, trusted_srs_digest=digest)
    other = Prover(srs16).prove(reg, queries, [f // 2 for f in fees])                # another epoch's claim
    assert not verify_payouts(reg.manifest, other.claim, [4, 1], good, opening, trusted_srs_digest=digest)
    assert not verify_payouts(reg.manifest, epoch.claim, [4, 1], good, opening, trusted_srs_digest=bytes(32))
    with pytest.raises(ValueError, match="indices"):
        epoch.open_payouts([9])


def test_a_pi_forged_by_wrap_around_is_refused(small, srs16, monkeypatch):
    """PROTOCOL-V2 §10.1: with π < 2^224 and S ≈ 2^80, the one-piece check π·S + e ≡ 2^128·F (mod r)
    has other solutions: π′ = π + ⌈j·r/S⌉ with e′ = e − (π′ − π)·S mod r in [0, S).  The split
    D1–D2 (with every part in range) is an integer equation, so such a π′ is refused."""
    reg, queries, fees, _ = small
    totals = (reg.aggregate.astype(object) @ queries.astype(object).T).tolist()
    t = next(t for t in range(len(fees)) if fees[t] > 0 and any(row[t] > 0 for row in totals))
    s = sum(row[t] for row in totals if row[t] > 0)
    pi, e = divmod(fees[t] << 128, s)
    forged = None
    for j in range(1, 1000):
        delta = -(-j * R // s)                                  # ⌈j·r/S⌉
        x = delta * s - j * R                                   # in [0, S)
        if x <= e:
            forged = (pi + delta, e - x)
            break
    pi_f, e_f = forged
    assert pi_f != pi and pi_f < 1 << 224 and 0 <= e_f < s
    assert (pi_f * s + e_f - (fees[t] << 128)) % R == 0          # the one-piece check is fooled

    def wrap(wit):
        lo, hi = pi_f & ((1 << 112) - 1), pi_f >> 112
        wit.per_t["PI_LO"][t], wit.per_t["PI_HI"][t], wit.per_t["E"][t] = lo, hi, e_f
        wit.per_t["D"][t] = s - 1 - e_f
        wit.per_t["KAPPA"][t] = (lo * s + e_f) >> 112             # D1 as close as integers allow

    assert not cheat(srs16, reg, queries, fees, monkeypatch, wrap)
