"""The objects that travel between prover, ledger and verifiers: Manifest, Claim, Proof.

Every object has a canonical binary form (`to_bytes` / `from_bytes`, a
sequence of 32-byte words, versioned, rejected cleanly when malformed) and a
JSON form (`to_json` / `from_json`).  Large integers appear in JSON as hex
strings.  Signed integers (queries, totals) are encoded as field elements:
a negative a is r − |a|, and a decoded value above (r − 1)/2 is read as negative.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

from attrib.verifier.encoding import (
    FIELD_BYTES,
    G1_BYTES,
    R_MODULUS,
    EncodingError,
    decode_g1,
    decode_scalar,
    encode_g1,
    encode_scalar,
    g1_affine,
    g1_from_affine,
)
from attrib.verifier.hyperkzg import HyperKZGProof, VerifyingKey
from attrib.verifier.limits import (
    FEE_LIMIT,
    MAGNITUDE_LIMBS,
    MAX_COLUMNS,
    MAX_CONTRIBUTOR_ID_BYTES,
    MAX_CONTRIBUTORS,
    MAX_ENCODING_VERSION,
    MAX_LOG_ROWS,
    MAX_QUERIES,
)
from attrib.verifier.transcript import keccak256

MANIFEST_VERSION = 2
CLAIM_VERSION = 1
PROOF_VERSION = 1
MANIFEST_DOMAIN = b"ATTRIB-V2/MANIFEST"
CONTRIBUTORS_DOMAIN = b"ATTRIB-V1/CONTRIBUTORS"
SUMCHECK_DEGREE = 3
HALF_R = (R_MODULUS - 1) // 2
VK_BYTES = 384


# ---- word-level helpers ---------------------------------------------------------

def word(x: int) -> bytes:
    if not 0 <= x < 1 << 256:
        raise EncodingError(f"{x} does not fit a 32-byte word")
    return x.to_bytes(32, "big")


def encode_signed(a: int) -> bytes:
    """A signed integer |a| ≤ (r − 1)/2 as a field element: negative a ↦ r − |a|."""
    if not -HALF_R <= a <= HALF_R:
        raise EncodingError(f"signed value {a} is outside ±(r − 1)/2")
    return encode_scalar(a % R_MODULUS)


def encode_signed_words(values) -> bytes:
    """encode_signed of every value, concatenated (one range check for the lot)."""
    values = list(values)
    if values and not (-HALF_R <= min(values) and max(values) <= HALF_R):
        bad = next(a for a in values if not -HALF_R <= a <= HALF_R)
        raise EncodingError(f"signed value {bad} is outside ±(r − 1)/2")
    r = R_MODULUS
    return b"".join((a % r).to_bytes(32, "big") for a in values)


def decode_signed(data: bytes) -> int:
    x = decode_scalar(data)
    return x - R_MODULUS if x > HALF_R else x


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_sequence(x) -> bool:
    return isinstance(x, (tuple, list))


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

    def signed(self) -> int:
        return decode_signed(self.take(FIELD_BYTES))

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
            ‖ keccak(C_0 … C_{k−1} ‖ C_σ) ‖ contributors hash
        """
        offsets, points = self._body()
        return b"".join([word(self.version), self.srs_digest, word(self.log_rows), word(self.num_rows),
                         word(self.num_columns), word(self.num_contributors), word(self.log_contributors),
                         word(self.log_columns), word(MAGNITUDE_LIMBS),
                         encode_g1(g1_from_affine(*self.aggregate_commitment)), keccak256(offsets), keccak256(points),
                         contributors_hash(list(self.contributors))])

    def digest(self) -> bytes:
        """keccak256(MANIFEST_DOMAIN ‖ header_words()): what a ledger stores."""
        return keccak256(MANIFEST_DOMAIN + self.header_words())

    def to_bytes(self) -> bytes:
        """version ‖ VK ‖ n0 ‖ N ‖ k ‖ C ‖ contributors hash ‖ offsets ‖ C_j… ‖ C_σ ‖ C_G ‖ ids."""
        offsets, points = self._body()
        ids = b"".join(word(len(c.encode())) + c.encode().ljust(-(-len(c.encode()) // 32) * 32, b"\0")
                       for c in self.contributors)
        sizes = [word(self.log_rows), word(self.num_rows), word(self.num_columns), word(self.num_contributors)]
        return b"".join([word(self.version), self.verifying_key.to_bytes(), *sizes,
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
        return cls(vk, log_rows, num_rows, tuple(contributors), offsets, cols, scale, aggregate, version)

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
                parse_int(obj.get("version", MANIFEST_VERSION), "version"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"manifest JSON is malformed: {exc!r}") from None
        if "digest" in obj and obj["digest"] != manifest.digest().hex():
            raise EncodingError("manifest JSON: digest does not match the contents")
        return manifest


# ---- Claim ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """One epoch: queries Q (T × k), fees F (T), totals A (C × T), payouts (C); exact integers."""

    queries: tuple
    fees: tuple
    totals: tuple
    payouts: tuple
    version: int = CLAIM_VERSION

    @property
    def num_queries(self) -> int:
        return len(self.fees)

    def validate(self, num_columns: int, num_contributors: int) -> None:
        """The version, shapes against the manifest's k and C, and every value's type and range
        (EncodingError): an object is accepted exactly when its bytes would be."""
        if self.version != CLAIM_VERSION:
            raise EncodingError(f"claim version {self.version!r} is not supported")
        if not all(_is_sequence(x) for x in (self.queries, self.fees, self.totals, self.payouts)) \
                or not all(_is_sequence(row) for row in (*self.queries, *self.totals)):
            raise EncodingError("claim: queries, fees, totals and payouts must be sequences (rows of sequences)")
        T = len(self.fees)
        if not 1 <= T <= MAX_QUERIES:
            raise EncodingError(f"claim: an epoch has 1 to {MAX_QUERIES} queries, not {T}")
        if len(self.queries) != T or any(len(q) != num_columns for q in self.queries):
            raise EncodingError(f"claim: queries must be {T} rows of {num_columns}")
        if len(self.totals) != num_contributors or any(len(a) != T for a in self.totals):
            raise EncodingError(f"claim: totals must be {num_contributors} rows of {T}")
        if len(self.payouts) != num_contributors:
            raise EncodingError(f"claim: payouts must have {num_contributors} entries")
        for f in self.fees:
            if not _is_int(f) or not 0 <= f < FEE_LIMIT:
                raise EncodingError(f"claim: fee {f!r} outside [0, 2^128)")
        for v in (*(x for q in self.queries for x in q), *(x for a in self.totals for x in a)):
            if not _is_int(v) or not -HALF_R <= v <= HALF_R:
                raise EncodingError(f"claim: value {v!r} is not an integer within ±(r − 1)/2")
        if not all(_is_int(p) and 0 <= p < 1 << 256 for p in self.payouts):
            raise EncodingError("claim: payouts must be non-negative integers")

    def to_bytes(self) -> bytes:
        T = len(self.fees)
        k = len(self.queries[0]) if self.queries else 0
        parts = [word(self.version), word(T), word(k), word(len(self.totals))]
        parts.append(encode_signed_words(x for q in self.queries for x in q))
        parts += [word(f) for f in self.fees]
        parts.append(encode_signed_words(a for row in self.totals for a in row))
        parts += [word(p) for p in self.payouts]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Claim":
        rd = Reader(data, "claim")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != CLAIM_VERSION:
            raise EncodingError(f"claim version {version} is not supported")
        limit = len(rd.data) // 32
        T = rd.uint(min(limit, MAX_QUERIES), "num_queries")
        k = rd.uint(min(limit, MAX_COLUMNS), "num_columns")
        C = rd.uint(limit, "num_contributors")
        queries = tuple(tuple(rd.signed() for _ in range(k)) for _ in range(T))
        fees = tuple(rd.uint(FEE_LIMIT - 1, "fee") for _ in range(T))
        totals = tuple(tuple(rd.signed() for _ in range(T)) for _ in range(C))
        payouts = tuple(rd.uint((1 << 256) - 1, "payout") for _ in range(C))
        rd.finish()
        return cls(queries, fees, totals, payouts, version)

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "queries": [list(q) for q in self.queries],
                           "fees": list(self.fees), "totals": [list(a) for a in self.totals],
                           "payouts": list(self.payouts)})

    @classmethod
    def from_json(cls, text) -> "Claim":
        obj = load_json(text, "claim")
        try:
            return cls(tuple(tuple(parse_int(x, "query") for x in q) for q in obj["queries"]),
                       tuple(parse_int(f, "fee") for f in obj["fees"]),
                       tuple(tuple(parse_int(x, "total") for x in a) for a in obj["totals"]),
                       tuple(parse_int(p, "payout") for p in obj["payouts"]),
                       parse_int(obj.get("version", CLAIM_VERSION), "version"))
        except (KeyError, TypeError) as exc:
            raise EncodingError(f"claim JSON is malformed: {exc!r}") from None


# ---- Proof ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Proof:
    """Sum-check messages (n rounds × 3 values), σ̃(u), s̃(u), and their HyperKZG opening."""

    sumcheck: tuple
    sigma_at_u: int
    s_at_u: int
    opening: HyperKZGProof
    version: int = PROOF_VERSION

    @property
    def num_rounds(self) -> int:
        return len(self.sumcheck)

    def validate(self, num_rounds: int) -> None:
        """Shapes for a manifest of 2^num_rounds rows, and every scalar's type and range (EncodingError).

        The opening's own shapes and points are checked by verify_hyperkzg, which returns False.
        """
        if self.version != PROOF_VERSION:
            raise EncodingError(f"proof version {self.version!r} is not supported")
        if not _is_sequence(self.sumcheck) or len(self.sumcheck) != num_rounds:
            raise EncodingError(f"proof: {num_rounds} sum-check rounds are needed")
        for message in self.sumcheck:
            if not _is_sequence(message) or len(message) != SUMCHECK_DEGREE:
                raise EncodingError(f"proof: a sum-check message has {SUMCHECK_DEGREE} values")
        scalars = (*(v for m in self.sumcheck for v in m), self.sigma_at_u, self.s_at_u)
        if not all(_is_int(v) and 0 <= v < R_MODULUS for v in scalars):
            raise EncodingError("proof: a scalar is not an integer in [0, r)")
        if not isinstance(self.opening, HyperKZGProof):
            raise EncodingError("proof: the opening is not a HyperKZGProof")

    def to_bytes(self) -> bytes:
        parts = [word(self.version), word(len(self.sumcheck))]
        parts += [encode_scalar(v) for msg in self.sumcheck for v in msg]
        parts += [encode_scalar(self.sigma_at_u), encode_scalar(self.s_at_u), self.opening.to_bytes()]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Proof":
        rd = Reader(data, "proof")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != PROOF_VERSION:
            raise EncodingError(f"proof version {version} is not supported")
        n = rd.uint(MAX_LOG_ROWS, "rounds")
        if n < 1:
            raise EncodingError("proof: at least one sum-check round")
        sumcheck = tuple(tuple(rd.scalar() for _ in range(SUMCHECK_DEGREE)) for _ in range(n))
        sigma, s = rd.scalar(), rd.scalar()
        opening = HyperKZGProof.from_bytes(rd.take(HyperKZGProof.size(n)), n)
        rd.finish()
        return cls(sumcheck, sigma, s, opening, version)

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "bytes": self.to_bytes().hex()})

    @classmethod
    def from_json(cls, text) -> "Proof":
        obj = load_json(text, "proof")
        try:
            return cls.from_bytes(bytes.fromhex(obj["bytes"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"proof JSON is malformed: {exc!r}") from None


__all__ = ["Claim", "Manifest", "Proof", "contributors_hash"]
