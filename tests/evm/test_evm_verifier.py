"""AttributionVerifier on a real EVM: the same verdict as verify_attribution on valid and tampered epochs."""

import dataclasses
import re

import pytest
from conftest import GAS_RECORDS, DeployedVerifier
from epochs import integer_epoch
from py_ecc import optimized_bn128 as bn

from attrib.verifier import Claim, Manifest, Proof
from attrib.verifier.encoding import encode_g2, g1_affine, g1_from_affine
from attrib.verifier.evm import calldata, contract_source, render, template, verifier_constants
from attrib.verifier.fees import compute_payouts
from attrib.verifier.transcript import keccak256

# ---- the generated source ------------------------------------------------------------------


def test_source_has_the_key_in_evm_word_order(srs):
    vk = srs.verifying_key
    source = contract_source(vk)
    assert "{{" not in source and "contract AttributionVerifier" in source
    consts = verifier_constants(vk)
    tau = encode_g2(vk.tau_g2)
    assert [consts[n] for n in ("TAU_X1", "TAU_X0", "TAU_Y1", "TAU_Y0")] == \
        [int.from_bytes(tau[i:i + 32], "big") for i in range(0, 128, 32)]
    x, _ = bn.normalize(vk.tau_g2)
    assert consts["TAU_X1"] == x.coeffs[1] and consts["TAU_X0"] == x.coeffs[0]    # imaginary part first
    assert consts["SRS_DIGEST"] == int.from_bytes(vk.digest(), "big")
    assert f"SRS_DIGEST = {hex(consts['SRS_DIGEST'])};" in source
    assert contract_source(vk) == source                                          # deterministic
    with pytest.raises(TypeError):
        contract_source(vk.to_bytes())


def test_render_requires_every_constant():
    text = template("AttributionVerifier.sol")
    names = set(re.findall(r"\{\{([A-Z0-9_]+)\}\}", text))
    with pytest.raises(ValueError, match="missing"):
        render(text, {n: 1 for n in sorted(names)[1:]})
    with pytest.raises(ValueError, match="unused"):
        render(text, {**{n: 1 for n in names}, "EXTRA": 2})


def test_contract_fits_and_calldata_is_abi(verifier, epoch):
    assert verifier.artifact.deployed_size <= 24_576                    # EIP-170
    data = calldata(epoch.manifest, epoch.claim, epoch.proof)
    assert data == calldata(Manifest.from_bytes(epoch.manifest), Claim.from_bytes(epoch.claim),
                            Proof.from_bytes(epoch.proof))
    assert data[:4] == keccak256(b"verify(bytes,bytes,bytes)")[:4]
    sizes = [len(epoch.manifest), len(epoch.claim), len(epoch.proof)]
    assert len(data) == 4 + 3 * 32 + sum(32 + s for s in sizes)
    with pytest.raises(TypeError):
        calldata("manifest", epoch.claim, epoch.proof)


# ---- valid epochs --------------------------------------------------------------------------


def test_valid_epochs_verify(verifier, epochs):
    for e in epochs:
        assert verifier.python(e.manifest, e.claim, e.proof), e.label
        result = verifier.call(e.manifest, e.claim, e.proof)
        assert result.success and result.output == bytes(31) + b"\x01", (e.label, result)
        GAS_RECORDS.append((e.label, result.execution_gas, result.calldata_bytes))


def test_n12_epoch_verifies(tmp_path_factory):
    """A 2^12-row dataset (k = 8, T = 2, C = 10) against its own SRS's verifier."""
    from attrib.prover import SRS

    srs12 = SRS.dev(12, seed=21, cache_dir=tmp_path_factory.mktemp("srs12"))
    v = DeployedVerifier(srs12.verifying_key)
    e = integer_epoch(srs12, 4000, 8, 10, 2, seed=5)
    result = v.call(e.manifest, e.claim, e.proof)
    assert v.python(e.manifest, e.claim, e.proof) and result.output[-1] == 1
    GAS_RECORDS.append((e.label, result.execution_gas, result.calldata_bytes))
    bad = dataclasses.replace(e.proof_obj, s_at_u=(e.proof_obj.s_at_u + 1) % bn.curve_order)
    assert not v.agree(e.manifest, e.claim, bad.to_bytes())


# ---- tampering: every change is refused, exactly as in Python ------------------------------


def test_tampered_claims(verifier, epoch, vectors):
    names = []
    for name, bad in vectors.claim_variants(epoch.claim_obj):
        assert not verifier.agree(epoch.manifest, bad.to_bytes(), epoch.proof), name
        names.append(name)
    assert len(names) == 6


def test_every_proof_element_matters(verifier, epoch, vectors):
    count = 0
    for name, bad in vectors.proof_variants(epoch.proof_obj):
        assert not verifier.agree(epoch.manifest, epoch.claim, bad.to_bytes()), name
        count += 1
    # n = 9: 27 sum-check values, σ(u), s(u), 3 fold commitments, a 32-entry tail, 3 × 4 values, W, W'
    assert count == 3 * 9 + 2 + 3 + 32 + 3 * 4 + 2


def test_tampered_proofs_of_other_shapes(verifier, epochs, vectors):
    """Every proof element of a few more shapes (single layer, tail of one entry, bucket path)."""
    for e in (epochs[0], epochs[1], epochs[3], epochs[4]):
        for name, bad in vectors.proof_variants(e.proof_obj):
            assert not verifier.agree(e.manifest, e.claim, bad.to_bytes()), (e.label, name)


def test_tampered_manifests(verifier, epoch):
    m = epoch.manifest_obj
    swapped = list(m.contributors)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    offs = list(m.offsets)
    offs[1] += 1
    cols = list(m.column_commitments)
    cols[2] = g1_affine(bn.add(g1_from_affine(*cols[2]), bn.G1))
    scale = g1_affine(bn.add(g1_from_affine(*m.scale_commitment), bn.G1))
    renamed = (m.contributors[0] + "x",) + m.contributors[1:]
    variants = {"contributors swapped": {"contributors": tuple(swapped)}, "offset": {"offsets": tuple(offs)},
                "column commitment": {"column_commitments": tuple(cols)}, "scale commitment":
                {"scale_commitment": scale}, "contributor renamed": {"contributors": renamed},
                "num_rows": {"num_rows": m.num_rows + 1, "offsets": m.offsets[:-1] + (m.num_rows + 1,)}}
    for name, changes in variants.items():
        bad = dataclasses.replace(m, **changes)
        assert not verifier.agree(bad.to_bytes(), epoch.claim, epoch.proof), name


def test_other_dataset_and_other_epoch(verifier, srs, epochs):
    a, b = epochs[4], epochs[6]
    assert not verifier.agree(a.manifest, b.claim, b.proof)
    assert not verifier.agree(b.manifest, a.claim, a.proof)
    assert not verifier.agree(a.manifest, a.claim, b.proof)
    again = integer_epoch(srs, 100, 6, 7, 1, seed=4, query_seed=99)  # the same data, a new epoch
    assert again.manifest == a.manifest and again.claim != a.claim
    assert not verifier.agree(a.manifest, again.claim, a.proof)
    assert not verifier.agree(a.manifest, a.claim, again.proof)


def test_payouts_must_be_the_fee_split(verifier, epoch):
    c = epoch.claim_obj
    for delta in (1, -1):
        payouts = list(c.payouts)
        payouts[2] += delta
        assert not verifier.agree(epoch.manifest, dataclasses.replace(c, payouts=tuple(payouts)).to_bytes(),
                                  epoch.proof)
    fees = list(c.fees)
    fees[3] += 10**9
    refit = dataclasses.replace(c, fees=tuple(fees), payouts=tuple(compute_payouts(c.totals, fees)))
    assert not verifier.agree(epoch.manifest, refit.to_bytes(), epoch.proof)


# ---- the SRS ---------------------------------------------------------------------------------


def test_manifest_of_another_srs_is_refused(verifier, other_srs):
    e = integer_epoch(other_srs, 50, 3, 4, 1, seed=3)
    assert verifier.python(e.manifest, e.claim, e.proof) is False
    assert DeployedVerifier(other_srs.verifying_key).verdict(e.manifest, e.claim, e.proof)
    assert not verifier.verdict(e.manifest, e.claim, e.proof)


def test_g2_in_the_wrong_word_order_fails_the_pairing(srs, verifier, epoch):
    """[1]_2 and [τ]_2 with real part first (py_ecc's order) are not points for the precompile:
    ecPairing fails and the contract must say false, never true."""
    consts = verifier_constants(srs.verifying_key)
    for name in ("G2", "TAU"):
        consts[f"{name}_X1"], consts[f"{name}_X0"] = consts[f"{name}_X0"], consts[f"{name}_X1"]
        consts[f"{name}_Y1"], consts[f"{name}_Y0"] = consts[f"{name}_Y0"], consts[f"{name}_Y1"]
    wrong = DeployedVerifier(srs.verifying_key, render(template("AttributionVerifier.sol"), consts))
    result = wrong.call(epoch.manifest, epoch.claim, epoch.proof)
    assert result.success and result.output == bytes(32), result
    assert verifier.verdict(epoch.manifest, epoch.claim, epoch.proof)         # the right order accepts it
