"""Attribution end to end: correctness of the statement, soundness against tampering, bad input."""

import dataclasses

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from attrib.prover import Dataset, Prover, RegistrationError, SRSError
from attrib.verifier import Claim, Manifest, Proof, verify_attribution
from attrib.verifier.encoding import g1_affine, g1_from_affine
from attrib.verifier.fees import compute_payouts, dust_bound


def test_honest_epoch_verifies(epoch, verify):
    _, reg, _, _, claim, proof = epoch
    assert verify(reg.manifest, claim, proof)
    assert verify(reg.manifest.to_bytes(), claim.to_bytes(), proof.to_bytes())
    assert verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=reg.manifest.srs_digest)
    assert not verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=bytes(32))


def test_totals_and_payouts_are_the_exact_integers(proved, make_dataset):
    _, reg, queries, fees, epoch = proved
    ds, features, owners, scales = make_dataset()
    for c, name in enumerate(reg.manifest.contributors):
        rows = [i for i, o in enumerate(owners) if o == name]
        for t in range(len(fees)):
            expected = sum(int(scales[i]) * sum(int(features[i, j]) * int(queries[t, j]) for j in range(6))
                           for i in rows)
            assert epoch.totals[c][t] == expected
    assert epoch.payouts == compute_payouts(epoch.totals, fees)
    assert epoch.claim.total_paid == sum(epoch.payouts) and epoch.claim.total_fees == sum(fees)
    assert sum(fees) - sum(epoch.payouts) <= dust_bound(epoch.totals, fees)


def test_grouping_keeps_input_order_within_contributor():
    ds = Dataset(np.array([[1], [2], [3], [4], [5]]), ["b", "a", "b", "c", "a"])
    assert ds.contributors == ("b", "a", "c")
    assert ds.offsets == (0, 2, 4, 5)
    assert ds.features[:, 0].tolist() == [1, 3, 2, 5, 4]


# ---- soundness: every change makes verification fail -------------------------------

def manifest_with(reg, **changes):
    return dataclasses.replace(reg.manifest, **changes)


def test_changed_data_fails_against_the_same_proof(epoch, srs, make_dataset, verify):
    prover, reg, queries, fees, claim, proof = epoch
    ds, features, owners, scales = make_dataset()
    variants = {}
    f1 = features.copy()
    f1[17, 3] += 1                                          # one feature changed by 1
    variants["feature+1"] = Dataset(f1, owners, scales)
    moved = list(owners)
    moved[5] = next(o for o in owners if o != owners[5])    # a row moved to another contributor
    variants["moved row"] = Dataset(features, moved, scales)
    s1 = scales.copy()
    s1[0] += 1
    variants["scale+1"] = Dataset(features, owners, s1)
    variants["other dataset"] = make_dataset(seed=5)[0]
    for name, ds_variant in variants.items():
        other = prover.register(ds_variant)
        assert other.manifest.digest() != reg.manifest.digest()
        assert not verify(other.manifest, claim, proof), name
    # the manifest's own fields
    swapped = list(reg.manifest.contributors)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert not verify(manifest_with(reg, contributors=tuple(swapped)), claim, proof)
    offs = list(reg.manifest.offsets)
    offs[1] += 1
    assert not verify(manifest_with(reg, offsets=tuple(offs)), claim, proof)
    cols = list(reg.manifest.column_commitments)
    cols[2] = g1_affine(bn.add(g1_from_affine(*cols[2]), bn.G1))
    assert not verify(manifest_with(reg, column_commitments=tuple(cols)), claim, proof)
    scale = g1_affine(bn.add(g1_from_affine(*reg.manifest.scale_commitment), bn.G1))
    assert not verify(manifest_with(reg, scale_commitment=scale), claim, proof)
    aggregate = g1_affine(bn.add(reg.manifest.aggregate_point(), bn.G1))
    assert not verify(manifest_with(reg, aggregate_commitment=aggregate), claim, proof)


def test_replay_against_another_manifest_or_epoch(epoch, srs, make_dataset, verify):
    prover, reg, queries, fees, claim, proof = epoch
    other = prover.register(make_dataset(seed=9)[0])
    second = prover.prove(other, queries, fees)
    claim2, proof2 = second.claim, second.proof
    assert verify(other.manifest, claim2, proof2)
    assert not verify(reg.manifest, claim2, proof2)
    assert not verify(other.manifest, claim, proof)
    third = prover.prove(reg, queries[::-1], fees)                  # another epoch
    assert verify(reg.manifest, third.claim, third.proof)
    assert not verify(reg.manifest, third.claim, proof)
    assert not verify(reg.manifest, claim, third.proof)
    fourth = prover.prove(reg, queries, fees, seq=1)                # the same epoch, numbered again
    assert verify(reg.manifest, fourth.claim, fourth.proof) and fourth.claim != claim
    assert not verify(reg.manifest, fourth.claim, proof)


def test_malformed_inputs_return_false(epoch, verify):
    _, reg, _, _, claim, proof = epoch
    data = proof.to_bytes()
    assert not verify(reg.manifest, claim, data[:-1])
    assert not verify(reg.manifest, claim, data + bytes(32))
    assert not verify(reg.manifest.to_bytes()[:-5], claim, proof)
    assert not verify(reg.manifest, claim.to_bytes()[:100], proof)
    assert not verify(b"", b"", b"")
    assert not verify(None, claim, proof)
    assert not verify(reg.manifest, "claim", proof)
    flipped = bytearray(data)
    flipped[70] ^= 0xFF                                    # a sum-check value made non-canonical
    assert not verify(reg.manifest, claim, bytes(flipped))
    short = dataclasses.replace(proof, batch_rounds=proof.batch_rounds[:-1])
    assert not verify(reg.manifest, claim, short)
    wide = dataclasses.replace(claim, num_queries=claim.num_queries + 4)
    assert not verify(reg.manifest, wide, proof)


# ---- serialization ---------------------------------------------------------------------

def test_round_trips(epoch):
    _, reg, _, _, claim, proof = epoch
    m = reg.manifest
    assert Manifest.from_bytes(m.to_bytes()) == m
    assert Manifest.from_json(m.to_json()) == m
    assert Claim.from_bytes(claim.to_bytes()) == claim
    assert Claim.from_json(claim.to_json()) == claim
    assert Proof.from_bytes(proof.to_bytes()) == proof
    assert Proof.from_json(proof.to_json()) == proof
    assert m.digest() == Manifest.from_bytes(m.to_bytes()).digest()


def test_malformed_encodings_raise_value_errors(epoch):
    _, reg, _, _, claim, proof = epoch
    for cls, data in ((Manifest, reg.manifest.to_bytes()), (Claim, claim.to_bytes()), (Proof, proof.to_bytes())):
        with pytest.raises(ValueError):
            cls.from_bytes(data[:-1])
        with pytest.raises(ValueError):
            cls.from_bytes(data + b"\0" * 32)
        with pytest.raises(ValueError, match="version"):
            cls.from_bytes((99).to_bytes(32, "big") + data[32:])
    import json
    obj = json.loads(reg.manifest.to_json())
    obj["offsets"][1] += 1
    with pytest.raises(ValueError):
        Manifest.from_json(json.dumps(obj))
    with pytest.raises(ValueError):
        Manifest.from_json("{not json")


# ---- persistence -------------------------------------------------------------------------

def test_registration_persists_and_reloads(epoch, tmp_path, verify):
    prover, reg, queries, fees, claim, proof = epoch
    from attrib.prover import Registration

    reg.save(tmp_path / "ds")
    loaded = Registration.load(tmp_path / "ds")
    assert loaded.manifest == reg.manifest
    assert np.array_equal(loaded.features, reg.features)
    again = prover.prove(loaded, queries, fees)
    assert again.claim == claim and verify(loaded.manifest, again.claim, again.proof)
    (tmp_path / "ds" / "manifest.bin").unlink()
    with pytest.raises(RegistrationError, match="missing manifest.bin"):
        Registration.load(tmp_path / "ds")


# ---- bad input: clear errors before any work ----------------------------------------------

def test_dataset_rejects_bad_input():
    good = np.zeros((4, 3), dtype=np.int64)
    owners = ["a", "b", "a", "c"]
    with pytest.raises(ValueError, match="empty"):
        Dataset(np.zeros((0, 3), dtype=np.int64), [])
    with pytest.raises(ValueError, match=r"features\[2, 1\].*2\^15"):
        g = good.copy()
        g[2, 1] = 2**15
        Dataset(g, owners)
    with pytest.raises(TypeError, match="integers"):
        Dataset(good.astype(float), owners)
    with pytest.raises(ValueError, match="2-d"):
        Dataset(np.zeros(4, dtype=np.int64), owners)
    with pytest.raises(ValueError, match="3 entries for 4 rows"):
        Dataset(good, owners[:3])
    with pytest.raises(TypeError, match=r"contributors\[1\]"):
        Dataset(good, ["a", 7, "a", "c"])
    with pytest.raises(ValueError, match=r"scales\[1\]"):
        Dataset(good, owners, np.array([1, -1, 1, 1]))
    with pytest.raises(ValueError, match="NaN"):
        Dataset.from_float(np.array([[0.1, np.nan]]), ["a"])
    with pytest.raises(ValueError, match="inf"):
        Dataset.from_float(np.array([[0.1, np.inf]]), ["a"])


def test_prove_rejects_bad_input(epoch):
    prover, reg, queries, fees, _, _ = epoch
    with pytest.raises(ValueError, match="4 fees for 5 queries"):
        prover.prove(reg, queries, fees[:4])
    with pytest.raises(ValueError, match=r"shape \(T, 6\)"):
        prover.prove(reg, queries[:, :5], fees)
    with pytest.raises(ValueError, match="NaN"):
        prover.prove(reg, np.full((5, 6), np.nan), fees)
    with pytest.raises(ValueError, match="non-negative"):
        prover.prove(reg, queries, [-1] + fees[1:])
    with pytest.raises(TypeError, match="fees"):
        prover.prove(reg, queries, "12345")
    with pytest.raises(ValueError, match="at least one query"):
        prover.prove(reg, np.zeros((0, 6), dtype=np.int64), [])
    with pytest.raises(TypeError):
        prover.prove("not a registration", queries, fees)


def test_srs_too_small_and_foreign_manifest(epoch, srs, other_srs):
    prover, reg, queries, fees, _, _ = epoch
    big = Dataset(np.ones(((1 << 16) + 1, 1), dtype=np.int64), ["a"] * ((1 << 16) + 1))
    with pytest.raises(SRSError, match="2\\^17"):
        prover.register(big)
    with pytest.raises(RegistrationError, match="another SRS"):
        Prover(other_srs).prove(reg, queries, fees)
    with pytest.raises(TypeError):
        Prover("srs")
