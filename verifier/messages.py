"""The manifest a ledger registers, and the word-level helpers every message uses.

Every object has a canonical binary form (`to_bytes` / `from_bytes`, a sequence of 32-byte
words, versioned, rejected cleanly when malformed); the manifest also has a JSON form
(`to_json` / `from_json`), with large integers as hex strings.  The epoch's Claim and Proof
are in attrib.verifier.attribution, the registration proof in attrib.verifier.registration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from attrib.verifier.encoding import (
    FIELD_BYTES,
    G1_BYTES,
    EncodingError,
    decode_g1,
    decode_scalar,
    encode_g1,
    g1_affine,
    g1_from_affine,
)
from attrib.verifier.hyperkzg import VerifyingKey
from attrib.verifier.limits import (
    MAGNITUDE_LIMBS,
    MAX_COLUMNS,
    MAX_CONTRIBUTOR_ID_BYTES,
    MAX_CONTRIBUTORS,
    MAX_ENCODING_VERSION,
    MAX_LOG_ROWS,
)
from attrib.verifier.terms import TERMS_WORDS, Terms
from attrib.verifier.transcript import keccak256

MANIFEST_VERSION = 3
MANIFEST_DOMAIN = b"ATTRIB-V2/MANIFEST"
CONTRIBUTORS_DOMAIN = b"ATTRIB-V1/CONTRIBUTORS"
VK_BYTES = 384


# ---- word-level helpers ---------------------------------------------------------

def word(x: int) -> bytes:
    if not 0 <= x < 1 << 256:
        raise EncodingError(f"{x} does not fit a 32-byte word")
    return x.to_bytes(32, "big")


BYTES_LIKE = (bytes, bytearray, memoryview)


def decode_as(value, cls):
    """``value`` if it is a ``cls``, else ``cls.from_bytes`` of its bytes; EncodingError for anything else.

    The public verify_* functions take each message as the object or its canonical bytes."""
    if isinstance(value, BYTES_LIKE):
        return cls.from_bytes(bytes(value))
    if isinstance(value, cls):
        return value
    raise EncodingError(f"expected a {cls.__name__} or its bytes, got {type(value).__name__}")


def trusted_digest(value) -> bytes | None:
    """The 32 bytes of a trusted SRS digest, or None when ``value`` is not one."""
    return bytes(value) if isinstance(value, BYTES_LIKE) and len(value) == 32 else None


class Reader:
    """Reads 32-byte words off a byte string; every shortfall is an EncodingError."""

    def __init__(self, data: bytes, what: str) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"{what}: expected bytes, got {type(data).__name__}")
        self.data = bytes(data)
        self.pos = 0
        self.what = what

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise EncodingError(f"{self.what}: truncated at byte {self.pos} (needed {size} more)")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def uint(self, limit: int, name: str) -> int:
        x = int.from_bytes(self.take(32), "big")
        if x > limit:
            raise EncodingError(f"{self.what}: {name} = {x} exceeds {limit}")
        return x

    def scalar(self) -> int:
        return decode_scalar(self.take(FIELD_BYTES))

    def g1(self):
        return decode_g1(self.take(G1_BYTES))

    def finish(self) -> None:
        if self.pos != len(self.data):
            raise EncodingError(f"{self.what}: {len(self.data) - self.pos} trailing bytes")


def parse_int(value, name: str) -> int:
    if isinstance(value, bool):
        raise EncodingError(f"{name}: expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise EncodingError(f"{name}: expected an integer or a hex string, got {value!r}")


def load_json(text, what: str) -> dict:
    try:
        obj = json.loads(text) if isinstance(text, (str, bytes, bytearray)) else text
    except json.JSONDecodeError as exc:
        raise EncodingError(f"{what}: invalid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise EncodingError(f"{what}: expected a JSON object")
    return obj


# ---- Manifest ---------------------------------------------------------------------

class ManifestHeader(NamedTuple):
    """The sizes at the start of a manifest's bytes."""

    version: int
    log_rows: int
    num_rows: int
    num_columns: int
    num_contributors: int


def contributors_hash(contributors: list[str]) -> bytes:
    """keccak256(CONTRIBUTORS_DOMAIN ‖ keccak256(id_0) ‖ … ‖ keccak256(id_{C−1})), ids as UTF-8."""
    return keccak256(CONTRIBUTORS_DOMAIN + b"".join(keccak256(c.encode()) for c in contributors))


@dataclass(frozen=True)
class Manifest:
    """What a ledger stores (by digest) about one registered dataset.

    Rows are grouped by contributor: contributor c owns rows [offsets[c],
    offsets[c+1]); rows N..2^n − 1 are padding.  ``column_commitments[j]`` is the
    HyperKZG commitment of feature column j, ``scale_commitment`` that of the
    per-example scales σ (zero on padding), and ``aggregate_commitment`` that of the
    contributor aggregate G[c, j] = Σ_{i ∈ rows(c)} σ_i·Φ[i, j], laid out c-major at
    index j + 2^mk·c (so that a growing C never moves an entry), zero elsewhere; the
    registration proof (attrib.verifier.registration) shows it is exactly that.
    Commitments are affine (x, y) pairs.
    """

    verifying_key: VerifyingKey
    log_rows: int
    num_rows: int
    contributors: tuple
    offsets: tuple
    column_commitments: tuple
    scale_commitment: tuple
    aggregate_commitment: tuple
    terms: Terms = Terms()          # the on-chain terms: owner, payee root, fee layers (verifier.terms)
    version: int = MANIFEST_VERSION

    def __post_init__(self) -> None:
        self.validate()

    @property
    def num_columns(self) -> int:
        return len(self.column_commitments)

    @property
    def num_contributors(self) -> int:
        return len(self.contributors)

    @property
    def log_contributors(self) -> int:
        """mC = ⌈log₂ C⌉, at least 1 (a single contributor still has a 1-variable payout table)."""
        return max(1, (self.num_contributors - 1).bit_length())

    @property
    def log_columns(self) -> int:
        """mk = ⌈log₂ k⌉: G has 2^mk entries per contributor."""
        return (self.num_columns - 1).bit_length()

    @property
    def srs_digest(self) -> bytes:
        return self.verifying_key.digest()

    @property
    def insecure(self) -> bool:
        return self.verifying_key.insecure

    def validate(self) -> None:
        """Structural checks; an EncodingError names the first violation."""
        if self.version != MANIFEST_VERSION:
            raise EncodingError(f"manifest version {self.version} is not supported")
        if not 1 <= self.log_rows <= MAX_LOG_ROWS:
            raise EncodingError(f"manifest: log_rows {self.log_rows} outside [1, {MAX_LOG_ROWS}]")
        if self.log_rows > self.verifying_key.max_log_n:
            raise EncodingError(f"manifest: 2^{self.log_rows} rows exceed the SRS (2^{self.verifying_key.max_log_n})")
        if not 1 <= self.num_rows <= 1 << self.log_rows:
            raise EncodingError(f"manifest: {self.num_rows} rows do not fit 2^{self.log_rows}")
        if not self.contributors or len(set(self.contributors)) != len(self.contributors):
            raise EncodingError("manifest: contributors must be non-empty and unique")
        if len(self.contributors) > MAX_CONTRIBUTORS:
            raise EncodingError(f"manifest: {len(self.contributors)} contributors exceed {MAX_CONTRIBUTORS}")
        if not all(isinstance(c, str) and c for c in self.contributors):
            raise EncodingError("manifest: every contributor id must be a non-empty string")
        if any(len(c.encode()) > MAX_CONTRIBUTOR_ID_BYTES for c in self.contributors):
            raise EncodingError(f"manifest: a contributor id is longer than {MAX_CONTRIBUTOR_ID_BYTES} bytes")
        offs = self.offsets
        if len(offs) != len(self.contributors) + 1 or offs[0] != 0 or offs[-1] != self.num_rows:
            raise EncodingError("manifest: offsets must run from 0 to num_rows, one more than contributors")
        if any(b <= a for a, b in zip(offs, offs[1:])):
            raise EncodingError("manifest: offsets must be strictly increasing")
        if not 1 <= len(self.column_commitments) <= MAX_COLUMNS:
            raise EncodingError(f"manifest: 1 to {MAX_COLUMNS} feature columns are needed")
        for p in (*self.column_commitments, self.scale_commitment, self.aggregate_commitment):
            g1_from_affine(*p)
        if not isinstance(self.terms, Terms):
            raise EncodingError("manifest: terms must be a verifier.terms.Terms")

    def commitment_points(self) -> tuple[list, object]:
        """Column commitments and the scale commitment as py_ecc points."""
        return [g1_from_affine(*p) for p in self.column_commitments], g1_from_affine(*self.scale_commitment)

    def aggregate_point(self):
        """C_G as a py_ecc point."""
        return g1_from_affine(*self.aggregate_commitment)

    def _body(self) -> tuple[bytes, bytes]:
        """(the offsets' words, the column and scale commitments' words)."""
        offsets = b"".join(word(o) for o in self.offsets)
        points = b"".join(encode_g1(g1_from_affine(*p)) for p in (*self.column_commitments, self.scale_commitment))
        return offsets, points

    def header_words(self) -> bytes:
        """What the digest covers, in a fixed number of words: the sizes, C_G and hashes of the
        variable-length parts, so that a ledger can keep (digest, C_G, sizes) and check an epoch
        against them without the rest.

            version ‖ SRS digest ‖ n0 ‖ N ‖ k ‖ C ‖ mC ‖ mk ‖ L_M ‖ C_G ‖ keccak(offsets)
            ‖ keccak(C_0 … C_{k−1} ‖ C_σ) ‖ contributors hash ‖ the six words of the terms
            (owner ‖ payee root ‖ model owner ‖ model share ‖ platform ‖ platform share)
        """
        offsets, points = self._body()
        return b"".join([word(self.version), self.srs_digest, word(self.log_rows), word(self.num_rows),
                         word(self.num_columns), word(self.num_contributors), word(self.log_contributors),
                         word(self.log_columns), word(MAGNITUDE_LIMBS),
                         encode_g1(g1_from_affine(*self.aggregate_commitment)), keccak256(offsets), keccak256(points),
                         contributors_hash(list(self.contributors)), self.terms.words()])

    def digest(self) -> bytes:
        """keccak256(MANIFEST_DOMAIN ‖ header_words()): what a ledger stores."""
        return keccak256(MANIFEST_DOMAIN + self.header_words())

    def to_bytes(self) -> bytes:
        """version ‖ VK ‖ n0 ‖ N ‖ k ‖ C ‖ terms (6 words) ‖ contributors hash ‖ offsets ‖ C_j… ‖ C_σ ‖ C_G ‖ ids."""
        offsets, points = self._body()
        ids = b"".join(word(len(c.encode())) + c.encode().ljust(-(-len(c.encode()) // 32) * 32, b"\0")
                       for c in self.contributors)
        sizes = [word(self.log_rows), word(self.num_rows), word(self.num_columns), word(self.num_contributors)]
        return b"".join([word(self.version), self.verifying_key.to_bytes(), *sizes, self.terms.words(),
                         contributors_hash(list(self.contributors)), offsets, points,
                         encode_g1(g1_from_affine(*self.aggregate_commitment)), ids])

    @staticmethod
    def _read_header(rd: Reader) -> tuple[bytes, ManifestHeader]:
        """The verifying key's bytes (not decoded) and the sizes, with their bounds checked."""
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != MANIFEST_VERSION:
            raise EncodingError(f"manifest version {version} is not supported")
        vk_bytes = rd.take(VK_BYTES)
        log_rows = rd.uint(MAX_LOG_ROWS, "log_rows")
        num_rows = rd.uint(1 << MAX_LOG_ROWS, "num_rows")
        k = rd.uint(MAX_COLUMNS, "num_columns")
        c = rd.uint(1 << MAX_LOG_ROWS, "num_contributors")
        if c > num_rows:
            raise EncodingError("manifest: more contributors than rows")
        return vk_bytes, ManifestHeader(version, log_rows, num_rows, k, c)

    @classmethod
    def peek_header(cls, data: bytes) -> ManifestHeader:
        """The sizes a manifest declares, read from its first words without decoding any point:
        what a server checks against its limits before it spends work on the rest."""
        return cls._read_header(Reader(data, "manifest"))[1]

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        rd = Reader(data, "manifest")
        vk_bytes, header = cls._read_header(rd)
        vk = VerifyingKey.from_bytes(vk_bytes)
        version, log_rows, num_rows, k, c = header
        terms = Terms.from_words(rd.take(32 * TERMS_WORDS))
        ids_hash = rd.take(32)
        offsets = tuple(rd.uint(1 << MAX_LOG_ROWS, "offset") for _ in range(c + 1))
        cols = tuple(g1_affine(rd.g1()) for _ in range(k))
        scale = g1_affine(rd.g1())
        aggregate = g1_affine(rd.g1())
        contributors = []
        for _ in range(c):
            length = rd.uint(MAX_CONTRIBUTOR_ID_BYTES, "contributor id length")
            raw = rd.take(-(-length // 32) * 32)
            if any(raw[length:]):
                raise EncodingError("manifest: contributor id padding is not zero")
            try:
                contributors.append(raw[:length].decode())
            except UnicodeDecodeError:
                raise EncodingError("manifest: contributor id is not UTF-8") from None
        rd.finish()
        if contributors_hash(contributors) != ids_hash:
            raise EncodingError("manifest: contributor ids do not match their hash")
        return cls(vk, log_rows, num_rows, tuple(contributors), offsets, cols, scale, aggregate, terms, version)

    def to_json(self) -> str:
        return json.dumps({
            "version": self.version,
            "verifying_key": self.verifying_key.to_bytes().hex(),
            "srs_digest": self.srs_digest.hex(),
            "insecure_srs": self.insecure,
            "log_rows": self.log_rows,
            "num_rows": self.num_rows,
            "contributors": list(self.contributors),
            "offsets": list(self.offsets),
            "column_commitments": [[hex(x), hex(y)] for x, y in self.column_commitments],
            "scale_commitment": [hex(v) for v in self.scale_commitment],
            "aggregate_commitment": [hex(v) for v in self.aggregate_commitment],
            "terms": self.terms.to_json_obj(),
            "digest": self.digest().hex(),
        }, indent=1)

    @classmethod
    def from_json(cls, text) -> "Manifest":
        obj = load_json(text, "manifest")
        try:
            vk = VerifyingKey.from_bytes(bytes.fromhex(obj["verifying_key"]))
            manifest = cls(
                vk, parse_int(obj["log_rows"], "log_rows"), parse_int(obj["num_rows"], "num_rows"),
                tuple(obj["contributors"]), tuple(parse_int(o, "offset") for o in obj["offsets"]),
                tuple((parse_int(x, "x"), parse_int(y, "y")) for x, y in obj["column_commitments"]),
                tuple(parse_int(v, "scale_commitment") for v in obj["scale_commitment"]),
                tuple(parse_int(v, "aggregate_commitment") for v in obj["aggregate_commitment"]),
                Terms.from_json_obj(obj["terms"]) if "terms" in obj else Terms(),
                parse_int(obj.get("version", MANIFEST_VERSION), "version"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"manifest JSON is malformed: {exc!r}") from None
        if "digest" in obj and obj["digest"] != manifest.digest().hex():
            raise EncodingError("manifest JSON: digest does not match the contents")
        return manifest


__all__ = ["Manifest", "ManifestHeader", "contributors_hash"]
