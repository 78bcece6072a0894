"""The verifier catches only what it documents (decoding and validation errors, as False); any other
exception is a bug in the specification and must reach the caller, so that a test sees it."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from attrib.prover import hyperkzg as prover_hyperkzg
from attrib.prover import sumcheck as prover_sumcheck
from attrib.verifier import attribution, verify_attribution


def test_a_bug_in_the_spec_is_not_read_as_an_invalid_proof(epoch, monkeypatch):
    _, reg, _, _, claim, proof = epoch
    assert verify_attribution(reg.manifest, claim, proof)
    for name, error in (("evaluate_weights", AttributeError), ("combine_queries", IndexError),
                        ("compute_payouts", KeyError), ("combine_totals", TypeError)):
        def broken(*args, _error=error, **kwargs):
            raise _error("a bug")

        with monkeypatch.context() as patch:
            patch.setattr(attribution, name, broken)
            with pytest.raises(error, match="a bug"):
                verify_attribution(reg.manifest, claim, proof)


@pytest.mark.parametrize("field, value", [
    ("sumcheck", None), ("sumcheck", ((1, 2),)), ("sumcheck", "abc"), ("sigma_at_u", "1"), ("s_at_u", -1),
    ("sigma_at_u", True), ("opening", None),
])
def test_malformed_typed_proofs_are_false_not_exceptions(epoch, field, value):
    _, reg, _, _, claim, proof = epoch
    assert verify_attribution(reg.manifest, claim, dataclasses.replace(proof, **{field: value})) is False


@pytest.mark.parametrize("field, value", [
    ("com", None), ("tail", 5), ("evals", ((1,),)), ("evals", None), ("w", (1, 2)), ("w_z", "x"),
])
def test_malformed_openings_are_false(epoch, field, value):
    _, reg, _, _, claim, proof = epoch
    opening = dataclasses.replace(proof.opening, **{field: value})
    assert verify_attribution(reg.manifest, claim, dataclasses.replace(proof, opening=opening)) is False


@pytest.mark.parametrize("field, value", [
    ("queries", None), ("queries", (("a",) * 6,) * 5), ("fees", (1.5,) * 5), ("totals", 7), ("payouts", ("1",) * 7),
])
def test_malformed_typed_claims_are_false(epoch, field, value):
    _, reg, _, _, claim, proof = epoch
    assert verify_attribution(reg.manifest, dataclasses.replace(claim, **{field: value}), proof) is False


@pytest.mark.parametrize("digest", ["ab" * 32, 5, None])
def test_a_trusted_digest_of_the_wrong_type_is_false_or_ignored(epoch, digest):
    _, reg, _, _, claim, proof = epoch
    assert verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=digest) is (digest is None)


def test_the_prover_takes_every_transcript_step_from_the_verifier():
    """Challenge order and absorbed values are the verifier's functions: the prover never touches the
    transcript itself (it used to spell out r, q, z and W' a second time)."""
    for module in (prover_hyperkzg, prover_sumcheck):
        source = inspect.getsource(module)
        assert ".challenge_scalar(" not in source and "transcript.absorb" not in source, module.__name__
