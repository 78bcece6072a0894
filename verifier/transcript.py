"""The Fiat–Shamir transcript: keccak256 over 32-byte words.

The state is one 32-byte digest.  It starts as keccak256(TRANSCRIPT_DOMAIN ‖
label); absorbing words w sets state = keccak256(state ‖ w); a challenge sets
state = keccak256(state) and returns int(state) mod r.  Every public input is
absorbed, in protocol order, before the challenge that depends on it.  A
Solidity contract reproduces this with ``keccak256(abi.encodePacked(...))``.
"""

from __future__ import annotations

from Crypto.Hash import keccak

from attrib.verifier.encoding import R_MODULUS, encode_g1, encode_scalar

TRANSCRIPT_DOMAIN = b"ATTRIB-V1"


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


class Transcript:
    """One protocol run's Fiat–Shamir state."""

    def __init__(self, label: bytes) -> None:
        self.state = keccak256(TRANSCRIPT_DOMAIN + label)

    def absorb_words(self, data: bytes) -> None:
        """state = keccak256(state ‖ data), data a whole number of 32-byte words."""
        if len(data) % 32:
            raise ValueError(f"transcript input must be 32-byte words, got {len(data)} bytes")
        self.state = keccak256(self.state + data)

    def absorb_scalars(self, xs) -> None:
        self.absorb_words(b"".join(encode_scalar(x) for x in xs))

    def absorb_g1(self, points) -> None:
        self.absorb_words(b"".join(encode_g1(p) for p in points))

    def challenge_scalar(self) -> int:
        """state = keccak256(state); the challenge is int(state) mod r."""
        self.state = keccak256(self.state)
        return int.from_bytes(self.state, "big") % R_MODULUS
