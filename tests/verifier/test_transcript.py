"""The keccak transcript: pinned vectors, word discipline, order sensitivity."""

import pytest

from attrib.verifier.encoding import R_MODULUS
from attrib.verifier.transcript import TRANSCRIPT_DOMAIN, Transcript, keccak256


def test_keccak_is_ethereums():
    # keccak256("") as the EVM computes it (not NIST SHA3-256)
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_empty_transcript_challenge_is_pinned():
    t = Transcript(b"")
    assert TRANSCRIPT_DOMAIN == b"ATTRIB-V1"
    expected = int.from_bytes(keccak256(keccak256(b"ATTRIB-V1")), "big") % R_MODULUS
    challenge = t.challenge_scalar()
    assert challenge == expected
    # the literal, so that a change to the construction cannot pass unnoticed
    assert challenge == 0x1094D5483E59DC498F0C451B6725A751FA8593D28191EE2686527274D9ADACA8


def test_challenges_depend_on_everything_absorbed():
    def run(words):
        t = Transcript(b"label")
        t.absorb_scalars(words)
        return t.challenge_scalar()

    base = run([1, 2, 3])
    assert run([1, 2, 4]) != base
    assert run([2, 1, 3]) != base
    assert run([1, 2]) != base
    assert Transcript(b"other").challenge_scalar() != Transcript(b"label").challenge_scalar()
    t = Transcript(b"label")
    assert t.challenge_scalar() != t.challenge_scalar()


def test_only_whole_words_are_absorbed():
    with pytest.raises(ValueError, match="32-byte words"):
        Transcript(b"").absorb_words(b"abc")
