"""The EVM verifier: Solidity sources generated for one SRS, and the calldata that drives them.

``contract_source(vk)`` fills the template ``verifier/contracts/AttributionVerifier.sol``
(package data) with the verifying key's constants ([1]_1; [1]_2 and [τ]_2 in the EVM's word
order, imaginary part first; the SRS digest and max_log_n) and with the protocol's constants,
all taken from this package so that the contract and the spec cannot drift.  The contract
``AttributionVerifier`` is stateless and has no constructor arguments; its one function

    verify(bytes manifest, bytes claim, bytes proof) returns (bool)

takes the canonical ``to_bytes()`` forms and returns true exactly when
``verify_attribution(manifest, claim, proof, trusted_srs_digest=vk.digest())`` does.
``calldata(manifest, claim, proof)`` builds that call (selector included).

``settlement_source()`` is the ``Settlement`` contract (no generated parts): it is deployed
with the address of an AttributionVerifier.

This module only writes text and bytes; compiling and executing are the tests' and the
business of attrib.chain.evm.
"""

from __future__ import annotations

import re
from importlib import resources

from attrib.verifier.attribution import ATTRIBUTION_LABEL
from attrib.verifier.encoding import Q_MODULUS, R_MODULUS, encode_g2, g1_affine
from attrib.verifier.hyperkzg import NUM_POINTS, SRS_DOMAIN, TAIL_LOG, VerifyingKey
from attrib.verifier.limits import FEE_LIMIT, MAX_COLUMNS, MAX_CONTRIBUTOR_ID_BYTES, MAX_LOG_ROWS
from attrib.verifier.messages import (
    CLAIM_VERSION,
    CONTRIBUTORS_DOMAIN,
    HALF_R,
    MANIFEST_DOMAIN,
    MANIFEST_VERSION,
    PROOF_VERSION,
    SUMCHECK_DEGREE,
    VK_BYTES,
    Claim,
    Manifest,
    Proof,
)
from attrib.verifier.polynomial import inverse
from attrib.verifier.transcript import TRANSCRIPT_DOMAIN, keccak256

VERIFY_SIGNATURE = "verify(bytes,bytes,bytes)"
SETTLE_SIGNATURE = "settle(bytes,bytes,bytes)"

# The template hard-codes the shapes these name: degree-3 sum-check messages, openings at r, −r, r².
assert SUMCHECK_DEGREE == 3 and NUM_POINTS == 3

_PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")


def template(name: str) -> str:
    """A Solidity file shipped under verifier/contracts/."""
    return resources.files("attrib.verifier").joinpath("contracts", name).read_text(encoding="utf-8")


def render(text: str, constants: dict[str, int]) -> str:
    """Replace every {{NAME}} by constants[NAME] (as a hex literal); every name must be given."""
    names = set(_PLACEHOLDER.findall(text))
    if names != set(constants):
        raise ValueError(f"template constants mismatch: missing {sorted(names - set(constants))}, "
                         f"unused {sorted(set(constants) - names)}")
    return _PLACEHOLDER.sub(lambda m: hex(constants[m.group(1)]), text)


def _word(data: bytes) -> int:
    """Up to 32 bytes as a right-aligned word."""
    assert len(data) <= 32
    return int.from_bytes(data, "big")


def verifier_constants(vk: VerifyingKey) -> dict[str, int]:
    """The values of AttributionVerifier.sol's {{…}} constants for the SRS of ``vk``."""
    if not isinstance(vk, VerifyingKey):
        raise TypeError(f"expected a verifier.hyperkzg.VerifyingKey, got {type(vk).__name__}")
    g1_x, g1_y = g1_affine(vk.g1)
    g2 = encode_g2(vk.g2)
    tau = encode_g2(vk.tau_g2)
    g2_words = [int.from_bytes(g2[i:i + 32], "big") for i in range(0, 128, 32)]
    tau_words = [int.from_bytes(tau[i:i + 32], "big") for i in range(0, 128, 32)]
    return {
        "SRS_DIGEST": int.from_bytes(vk.digest(), "big"),
        "MAX_LOG_N": vk.max_log_n,
        "LOG_ROWS_LIMIT": min(vk.max_log_n, MAX_LOG_ROWS),
        "G1_X": g1_x, "G1_Y": g1_y,
        "G2_X1": g2_words[0], "G2_X0": g2_words[1], "G2_Y1": g2_words[2], "G2_Y0": g2_words[3],
        "TAU_X1": tau_words[0], "TAU_X0": tau_words[1], "TAU_Y1": tau_words[2], "TAU_Y0": tau_words[3],
        "R": R_MODULUS,
        "Q": Q_MODULUS,
        "HALF_R": HALF_R,
        "INV2": inverse(2),
        "INV6": inverse(6),
        "TRANSCRIPT_INIT": int.from_bytes(keccak256(TRANSCRIPT_DOMAIN + ATTRIBUTION_LABEL), "big"),
        "SRS_DOMAIN": _word(SRS_DOMAIN), "SRS_DOMAIN_LEN": len(SRS_DOMAIN),
        "MANIFEST_DOMAIN": _word(MANIFEST_DOMAIN), "MANIFEST_DOMAIN_LEN": len(MANIFEST_DOMAIN),
        "CONTRIBUTORS_DOMAIN": _word(CONTRIBUTORS_DOMAIN), "CONTRIBUTORS_DOMAIN_LEN": len(CONTRIBUTORS_DOMAIN),
        "MANIFEST_VERSION": MANIFEST_VERSION,
        "CLAIM_VERSION": CLAIM_VERSION,
        "PROOF_VERSION": PROOF_VERSION,
        "VK_BYTES": VK_BYTES,
        "MAX_COLUMNS": MAX_COLUMNS,
        "MAX_ID_BYTES": MAX_CONTRIBUTOR_ID_BYTES,
        "MAX_FEE": FEE_LIMIT,
        "TAIL_LOG": TAIL_LOG,
    }


def contract_source(verifying_key: VerifyingKey) -> str:
    """Solidity source of ``AttributionVerifier`` for the SRS of ``verifying_key``."""
    return render(template("AttributionVerifier.sol"), verifier_constants(verifying_key))


def settlement_source() -> str:
    """Solidity source of ``Settlement`` (constructor argument: the AttributionVerifier's address)."""
    return template("Settlement.sol")


def selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


def encode_bytes_args(signature: str, *blobs: bytes) -> bytes:
    """ABI calldata for a function whose arguments are all ``bytes``."""
    head, tail = [], b""
    offset = 32 * len(blobs)
    for blob in blobs:
        blob = bytes(blob)
        head.append(offset.to_bytes(32, "big"))
        encoded = len(blob).to_bytes(32, "big") + blob + bytes(-len(blob) % 32)
        tail += encoded
        offset += len(encoded)
    return selector(signature) + b"".join(head) + tail


def _canonical(obj, cls) -> bytes:
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, cls):
        return obj.to_bytes()
    raise TypeError(f"expected {cls.__name__} or bytes, got {type(obj).__name__}")


def calldata(manifest, claim, proof) -> bytes:
    """Calldata of ``AttributionVerifier.verify`` (each argument an object or its canonical bytes)."""
    return encode_bytes_args(VERIFY_SIGNATURE, _canonical(manifest, Manifest), _canonical(claim, Claim),
                             _canonical(proof, Proof))


def settle_calldata(manifest, claim, proof) -> bytes:
    """Calldata of ``Settlement.settle`` (same arguments as ``calldata``)."""
    return encode_bytes_args(SETTLE_SIGNATURE, _canonical(manifest, Manifest), _canonical(claim, Claim),
                             _canonical(proof, Proof))


__all__ = ["calldata", "contract_source", "settle_calldata", "settlement_source", "verifier_constants"]
