"""The verifier catches only what it documents (decoding and validation errors, as False); any other
exception is a bug in the specification and must reach the caller, so that a test sees it."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from attrib.prover import epoch as prover_epoch
from attrib.prover import hyperkzg as prover_hyperkzg
from attrib.prover import payouts as prover_payouts
from attrib.prover import registration as prover_registration
from attrib.prover import sumcheck as prover_sumcheck
from attrib.verifier import Claim, Proof, attribution, verify_attribution
from attrib.verifier.encoding import EncodingError


def test_a_bug_in_the_spec_is_not_read_as_an_invalid_proof(epoch, monkeypatch, verify):
    _, reg, _, _, claim, proof = epoch
    assert verify(reg.manifest, claim, proof)
    for name, error in (("cells_final", AttributeError), ("batch_claims", IndexError),
                        ("combined_kernels", KeyError), ("evaluate_kernel", TypeError)):
        def broken(*args, _error=error, **kwargs):
            raise _error("a bug")

        with monkeypatch.context() as patch:
            patch.setattr(attribution, name, broken)
            with pytest.raises(error, match="a bug"):
                verify(reg.manifest, claim, proof)


@pytest.mark.parametrize("field, value", [
    ("phase1", None), ("phase2", ((1, 2),)), ("values", "abcd"), ("values", (1, 2, 3, -1)), ("values", (True,) * 4),
    ("rounds", None), ("finals", ((),) * 6), ("batch_rounds", "x"), ("evaluations", ("1",) * 20), ("opening", None),
])
def test_malformed_typed_proofs_are_false_not_exceptions(epoch, field, value, verify):
    _, reg, _, _, claim, proof = epoch
    assert verify(reg.manifest, claim, dataclasses.replace(proof, **{field: value})) is False


@pytest.mark.parametrize("field, value", [
    ("com", None), ("tail", 5), ("evals", ((1,),)), ("evals", None), ("w", (1, 2)), ("w_z", "x"),
])
def test_malformed_openings_are_false(epoch, field, value, verify):
    _, reg, _, _, claim, proof = epoch
    opening = dataclasses.replace(proof.opening, **{field: value})
    assert verify(reg.manifest, claim, dataclasses.replace(proof, opening=opening)) is False


@pytest.mark.parametrize("field, value", [
    ("manifest_digest", None), ("seq", -1), ("num_queries", 0), ("num_queries", 1.5), ("total_fees", "1"),
    ("total_paid", True), ("queries_commitment", (1, 2)), ("fees_commitment", None),
])
def test_malformed_typed_claims_are_false(epoch, field, value, verify):
    _, reg, _, _, claim, proof = epoch
    assert verify(reg.manifest, dataclasses.replace(claim, **{field: value}), proof) is False


@pytest.mark.parametrize("digest", ["ab" * 32, 5, None, bytes(31), bytes(32)])
def test_a_trusted_digest_that_is_not_the_manifests_is_false(epoch, digest):
    _, reg, _, _, claim, proof = epoch
    assert verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=digest) is False


def test_the_trusted_digest_is_required_and_memoryview_is_bytes(epoch):
    _, reg, _, _, claim, proof = epoch
    with pytest.raises(TypeError, match="trusted_srs_digest"):
        verify_attribution(reg.manifest, claim, proof)            # a verifier always names its SRS
    digest = reg.manifest.srs_digest
    assert verify_attribution(memoryview(reg.manifest.to_bytes()), memoryview(claim.to_bytes()),
                              memoryview(proof.to_bytes()), trusted_srs_digest=memoryview(digest))


def test_objects_are_accepted_exactly_when_their_bytes_are(epoch, verify):
    _, reg, _, _, claim, proof = epoch
    for bad_claim, bad_proof in ((dataclasses.replace(claim, version=2), proof),
                                 (claim, dataclasses.replace(proof, version=0))):
        assert not verify(reg.manifest, bad_claim, bad_proof)
        with pytest.raises(EncodingError):
            (Claim if bad_claim is not claim else Proof).from_bytes(
                (bad_claim if bad_claim is not claim else bad_proof).to_bytes())


def test_a_key_with_a_point_at_infinity_is_refused(epoch):
    """With [τ]_2 = 0 the pairing check holds for any W′: such a key must not even decode."""
    from py_ecc import optimized_bn128 as bn

    from attrib.verifier import VerifyingKey

    vk = epoch[1].manifest.verifying_key
    for change in ({"tau_g2": bn.Z2}, {"g2": bn.Z2}, {"g1": bn.Z1}):
        with pytest.raises(EncodingError, match="infinity"):
            dataclasses.replace(vk, **change)
    data = bytearray(vk.to_bytes())
    data[192:320] = bytes(128)                                      # [τ]_2 encoded as infinity
    with pytest.raises(EncodingError, match="infinity"):
        VerifyingKey.from_bytes(bytes(data))


def test_the_prover_takes_every_transcript_step_from_the_verifier():
    """Challenge order and absorbed values are the verifier's functions: the prover never touches the
    transcript itself (it used to spell out r, q, z and W' a second time)."""
    for module in (prover_hyperkzg, prover_sumcheck, prover_registration, prover_epoch, prover_payouts):
        source = inspect.getsource(module)
        assert ".challenge_scalar(" not in source and "transcript.absorb" not in source, module.__name__
