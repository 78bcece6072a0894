"""The registration proof: C_G is exactly the per-contributor aggregate of the committed rows.

Honest proofs verify at several shapes; cheating registrants built through the prover's own
internals (a wrong G cell, junk coefficients where no contributor or column is, junk beyond
the nominal table) are refused; every element of the proof and every manifest field is tampered.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn
from tampering import registration_proof_variants

from attrib.kernels import g1
from attrib.prover import Dataset, Prover, Registration
from attrib.prover import registration as prover_registration
from attrib.prover.hyperkzg import commit
from attrib.prover.registration import aggregate_table, prove_registration
from attrib.verifier import Manifest, RegistrationProof, verify_registration
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.encoding import g1_affine, g1_from_affine
from attrib.verifier.registration import registration_rounds


def make(srs, rows, cols, contributors, seed=0):
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"c{int(x)}" for x in rng.integers(0, contributors, rows)]
    owners[:contributors] = [f"c{c}" for c in range(contributors)]
    scales = rng.integers(0, 2**24, rows)
    return Prover(srs).register(Dataset(features, owners, scales))


@pytest.fixture(scope="module")
def registered(srs):
    return make(srs, 300, 6, 7)


@pytest.mark.parametrize("rows, cols, contributors", [
    (300, 6, 7),        # n0 = 9 > mC + mk = 6
    (8, 5, 8),          # mC + mk = 6 > n0 = 3: G's table is the larger one
    (33, 1, 1),         # k = 1 (mk = 0), one contributor (mC = 1)
    (64, 32, 3),
])
def test_honest_registrations_verify(srs, rows, cols, contributors):
    reg = make(srs, rows, cols, contributors)
    digest = srs.digest()
    assert verify_registration(reg.manifest, reg.proof, trusted_srs_digest=digest)
    assert verify_registration(reg.manifest.to_bytes(), memoryview(reg.proof.to_bytes()), trusted_srs_digest=digest)
    assert RegistrationProof.from_bytes(reg.proof.to_bytes()) == reg.proof
    assert Manifest.from_bytes(reg.manifest.to_bytes()) == reg.manifest
    assert Manifest.from_json(reg.manifest.to_json()) == reg.manifest


def test_the_aggregate_is_the_exact_integer_sum(registered, make_dataset):
    reg = registered
    for c in range(reg.manifest.num_contributors):
        lo, hi = reg.manifest.offsets[c], reg.manifest.offsets[c + 1]
        for j in range(reg.manifest.num_columns):
            expected = sum(int(reg.scales[i]) * int(reg.features[i, j]) for i in range(lo, hi))
            assert int(reg.aggregate[c, j]) == expected


def test_the_trusted_srs_is_required_and_checked(srs, other_srs, registered):
    reg = registered
    with pytest.raises(TypeError, match="trusted_srs_digest"):
        verify_registration(reg.manifest, reg.proof)
    assert not verify_registration(reg.manifest, reg.proof, trusted_srs_digest=other_srs.digest())
    assert not verify_registration(reg.manifest, reg.proof, trusted_srs_digest=bytes(32))
    alien = make(other_srs, 300, 6, 7)                       # the same rows under an SRS of its own
    assert verify_registration(alien.manifest, alien.proof, trusted_srs_digest=other_srs.digest())
    assert not verify_registration(alien.manifest, alien.proof, trusted_srs_digest=srs.digest())


def cheat(srs, reg, table: np.ndarray, monkeypatch) -> bool:
    """Register ``reg``'s rows with C_G committing ``table`` (an int64 table in G's layout, up to
    2^nR entries) and prove it with the prover's own code using that same table."""
    n = registration_rounds(reg.manifest)
    powers = srs.powers_for(n)
    manifest = dataclasses.replace(reg.manifest, aggregate_commitment=g1.to_ints(commit(powers, table)))
    monkeypatch.setattr(prover_registration, "aggregate_table", lambda aggregate, mk, mc: table)
    proof = prove_registration(powers, manifest, reg.features, reg.scales, reg.aggregate)
    return verify_registration(manifest, proof, trusted_srs_digest=srs.digest())


def test_a_cheating_registrant_is_refused(srs, registered, monkeypatch):
    reg = registered
    m = reg.manifest
    honest = aggregate_table(reg.aggregate, m.log_columns, m.log_contributors)
    assert cheat(srs, reg, honest, monkeypatch)                           # the harness itself is sound
    n_g = 1 << (m.log_columns + m.log_contributors)
    size = 1 << registration_rounds(m)
    assert size > n_g
    cases = {}
    off_by_one = honest.copy()
    off_by_one[3 + (1 << m.log_columns) * 2] += 1                         # G[2, 3] + 1
    cases["G off by one in one cell"] = off_by_one
    no_contributor = honest.copy()
    no_contributor[(1 << m.log_columns) * m.num_contributors] = 5         # c = C: nobody's row
    cases["a coefficient for a contributor that does not exist"] = no_contributor
    no_column = honest.copy()
    no_column[m.num_columns] = 5                                          # j = k: no such column
    cases["a coefficient for a column that does not exist"] = no_column
    beyond = np.zeros(size, dtype=np.int64)
    beyond[:n_g] = honest
    beyond[n_g + 3] = 7                                                   # past C × k: only K_hi sees it
    cases["junk beyond the nominal table"] = beyond
    refused = {name: not cheat(srs, reg, table, monkeypatch) for name, table in cases.items()}
    assert refused == dict.fromkeys(cases, True)


def bump(x: int) -> int:
    return (x + 1) % R


def test_every_proof_element_is_bound(srs, registered):
    reg = registered
    digest = srs.digest()
    proof = reg.proof
    variants = registration_proof_variants(proof)
    opening = proof.opening
    n = registration_rounds(reg.manifest)
    layers = len(opening.com) + 1
    assert len(variants) == 3 * n + 3 + (layers - 1) + len(opening.tail) + 3 * layers + 2
    assert not any(verify_registration(reg.manifest, v, trusted_srs_digest=digest) for v in variants)


def test_every_manifest_field_is_bound(srs, registered, make_dataset):
    reg = registered
    digest = srs.digest()
    m = reg.manifest
    shifted = list(m.offsets)
    shifted[2] += 1
    cols = list(m.column_commitments)
    cols[1] = g1_affine(bn.add(g1_from_affine(*cols[1]), bn.G1))
    plus_g = g1_affine(bn.add(m.aggregate_point(), bn.G1))
    scale = g1_affine(bn.add(g1_from_affine(*m.scale_commitment), bn.G1))
    swapped = list(m.contributors)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    variants = {
        "offsets": dataclasses.replace(m, offsets=tuple(shifted)),
        "a column commitment": dataclasses.replace(m, column_commitments=tuple(cols)),
        "the scale commitment": dataclasses.replace(m, scale_commitment=scale),
        "the aggregate commitment": dataclasses.replace(m, aggregate_commitment=plus_g),
        "contributor order": dataclasses.replace(m, contributors=tuple(swapped)),
        "num_rows": dataclasses.replace(m, num_rows=m.num_rows + 1, offsets=m.offsets[:-1] + (m.num_rows + 1,)),
    }
    accepted = [name for name, v in variants.items() if verify_registration(v, reg.proof, trusted_srs_digest=digest)]
    assert accepted == []
    other = make(srs, 300, 6, 7, seed=4)                                  # a proof of another dataset: replay
    assert not verify_registration(m, other.proof, trusted_srs_digest=digest)
    assert not verify_registration(other.manifest, reg.proof, trusted_srs_digest=digest)


def test_malformed_registration_proofs_are_false(srs, registered):
    reg = registered
    digest = srs.digest()
    data = reg.proof.to_bytes()
    flipped = bytearray(data)
    flipped[70] ^= 0xFF                                                   # a sum-check value made non-canonical
    for bad in (data[:-1], data + bytes(32), bytes(flipped), b"", b"\x00" * 64):
        assert not verify_registration(reg.manifest, bad, trusted_srs_digest=digest)
    for bad in (None, "proof", dataclasses.replace(reg.proof, version=2),
                dataclasses.replace(reg.proof, sumcheck=reg.proof.sumcheck[:-1]),
                dataclasses.replace(reg.proof, g_at_u=R), dataclasses.replace(reg.proof, opening=None)):
        assert not verify_registration(reg.manifest, bad, trusted_srs_digest=digest)
    assert not verify_registration(reg.manifest.to_bytes()[:-3], reg.proof, trusted_srs_digest=digest)


def test_a_saved_registration_keeps_its_proof(srs, registered, tmp_path):
    registered.save(tmp_path / "reg")
    loaded = Registration.load(tmp_path / "reg")
    assert loaded.proof == registered.proof and (loaded.aggregate == registered.aggregate).all()
    assert verify_registration(loaded.manifest, loaded.proof, trusted_srs_digest=srs.digest())
