"""What the payout and row openings share: a degree-2 sum-check reduced to one opening (HyperKZG for
rows, radix-8 HyperKZG for payouts), its canonical bytes (version ‖ rounds ‖ messages ‖ value ‖
opening), its structural checks, and how their verifiers read caller-supplied integers."""

from __future__ import annotations

import numbers

from attrib.verifier.encoding import EncodingError, encode_scalar
from attrib.verifier.hyperkzg import HyperKZGProof
from attrib.verifier.limits import MAX_ENCODING_VERSION
from attrib.verifier.messages import Reader, word
from attrib.verifier.polynomial import R


def as_integer(x):
    """``x`` as a Python int when it is an integer of any integer type (numpy's included; not a bool),
    else ``x`` itself (for the caller's own checks to refuse)."""
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and type(x).__name__ != "bool_":
        return int(x)
    return x


def encode_reduced(version: int, messages, value: int, opening) -> bytes:
    parts = [word(version), word(len(messages))]
    parts += [encode_scalar(v) for msg in messages for v in msg]
    return b"".join(parts) + encode_scalar(value) + opening.to_bytes()


def decode_reduced(data, what: str, version_expected: int, proof_class=HyperKZGProof) -> tuple[tuple, int, object, int]:
    """(messages, value, opening, version) of ``what`` (EncodingError names it); the opening a ``proof_class``
    (HyperKZGProof, or attrib.verifier.radix.RadixProof)."""
    rd = Reader(data, what)
    version = rd.uint(MAX_ENCODING_VERSION, "version")
    if version != version_expected:
        raise EncodingError(f"{what} version {version} is not supported")
    n = rd.uint(64, "rounds")
    if n < 1:
        raise EncodingError(f"{what}: at least one round")
    messages = tuple(tuple(rd.scalar() for _ in range(2)) for _ in range(n))
    value = rd.scalar()
    opening = proof_class.from_bytes(rd.take(proof_class.size(n)), n)
    rd.finish()
    return messages, value, opening, version


def check_reduced(what: str, version: int, version_expected: int, messages, value, opening, rounds: int,
                  proof_class=HyperKZGProof) -> None:
    """The version, ``rounds`` messages of two scalars in [0, r), a value in [0, r), an opening (EncodingError)."""
    if version != version_expected:
        raise EncodingError(f"{what} version {version!r} is not supported")
    if not isinstance(messages, (tuple, list)) or len(messages) != rounds:
        raise EncodingError(f"{what}: {rounds} rounds are needed")
    values = [v for m in messages if isinstance(m, (tuple, list)) and len(m) == 2 for v in m]
    if len(values) != 2 * rounds or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R
                                            for v in (*values, value)):
        raise EncodingError(f"{what}: a message or value is malformed")
    if not isinstance(opening, proof_class):
        raise EncodingError(f"{what}: the opening is not a {proof_class.__name__}")
