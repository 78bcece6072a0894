"""The manifest a ledger registers, and the word-level helpers every message uses.

Every object has a canonical binary form (`to_bytes` / `from_bytes`, a sequence of 32-byte
words, versioned, rejected cleanly when malformed); the manifest also has a JSON form
(`to_json` / `from_json`), with large integers as hex strings.  The epoch's Claim and Proof
are in attrib.verifier.attribution, the registration proof in attrib.verifier.registration.
"""

from __future__ import annotations

import bisect
import functools
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
    MAX_SEGMENTS,
)
from attrib.verifier.terms import TERMS_WORDS, Terms
from attrib.verifier.transcript import keccak256

MANIFEST_VERSION = 4
MANIFEST_DOMAIN = b"ATTRIB-V2/MANIFEST"
CONTRIBUTORS_DOMAIN = b"ATTRIB-V1/CONTRIBUTORS"
ZERO_WORD = bytes(32)
INFINITY = (0, 0)
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
    """keccak256(CONTRIBUTORS_DOMAIN ‖ keccak256(id_0) ‖ … ‖ keccak256(id_{C−1})), ids as UTF-8.

    Remembered for the last few lists of ids (C keccaks each): a node checks many epochs against
    one manifest, and the digest of each starts from this hash."""
    ids = tuple(contributors)
    if all(type(c) is str for c in ids):
        return _contributors_hash(ids)
    return _contributors_hash.__wrapped__(ids)


@functools.lru_cache(maxsize=64)
def _contributors_hash(ids: tuple) -> bytes:
    return keccak256(CONTRIBUTORS_DOMAIN + b"".join(keccak256(c.encode()) for c in ids))


@dataclass(frozen=True)
class Manifest:
    """What a ledger stores (by digest) about one registered dataset, or one segment of it.

    A dataset grows by segments (issue: appends).  Segment 0 is a registration; segment s ≥ 1 is
    an append that names the digest of version s − 1 (``previous``).  A manifest describes its own
    segment's rows and the dataset's running totals:

    - rows: ``num_rows`` rows (2^log_rows with padding), grouped by owner: ``owners[i]`` (a global
      contributor index) owns the segment's rows [offsets[i], offsets[i+1]).  The owners are the
      contributors of earlier segments that add rows here (``returning``, increasing, all below
      ``contributor_base``) followed by the ``contributors`` this segment introduces, at global
      indices contributor_base … C − 1, each owning at least one row.  In segment 0 the base is 0
      and every contributor is new, so owners = 0 … C − 1 as in a one-segment dataset.
    - commitments of the segment's rows: ``column_commitments[j]`` (feature column j),
      ``scale_commitment`` (the scales σ) and ``example_commitment`` (each row's example digest,
      attrib.verifier.recipe.example_digest; (0, 0) when none were given), zero on padding;
    - ``segment_aggregate`` — C_ΔG, the commitment of this segment's contributor aggregate
      ΔG[c, j] = Σ_{i ∈ rows(c) here} σ_i·Φ[i, j] laid out c-major at index j + 2^mk·c (so that a
      growing C never moves an entry); the registration proof shows it is exactly that;
    - ``aggregate_commitment`` — C_G of the whole dataset: the previous version's C_G + C_ΔG (in
      segment 0, C_G = C_ΔG); an epoch proves against it, whatever the version;
    - ``terms`` (owner, this segment's payee root, fee layers) and ``recipe_digest``
      (attrib.verifier.recipe), which an append must keep but for the payee root: the root of
      segment s covers the contributors it introduces (leaves c ∈ [base, C), address 0 elsewhere).

    Commitments are affine (x, y) pairs; (0, 0) is the point at infinity.
    """

    verifying_key: VerifyingKey
    log_rows: int
    num_rows: int
    contributors: tuple               # the ids this segment introduces (all of them in segment 0)
    offsets: tuple                    # len(owners) + 1 row offsets, 0 … num_rows
    column_commitments: tuple
    scale_commitment: tuple
    aggregate_commitment: tuple       # C_G of the whole dataset at this version
    terms: Terms = Terms()            # the on-chain terms: owner, payee Merkle root, fee layers (verifier.terms)
    recipe_digest: bytes = ZERO_WORD  # attrib.verifier.recipe.Recipe.digest(); zero: no recipe named
    example_commitment: tuple = INFINITY
    segment: int = 0
    previous: bytes = ZERO_WORD       # the digest of version segment − 1 (zero in segment 0)
    contributor_base: int = 0         # contributors registered before this segment
    returning: tuple = ()             # earlier contributors with rows in this segment (increasing)
    appended_aggregate: tuple | None = None  # an append's C_ΔG; None in segment 0 (where C_ΔG = C_G)
    version: int = MANIFEST_VERSION

    def __post_init__(self) -> None:
        self.validate()

    @property
    def segment_aggregate(self) -> tuple:
        """C_ΔG: the commitment of this segment's aggregate (C_G itself in segment 0)."""
        return self.aggregate_commitment if self.appended_aggregate is None else self.appended_aggregate

    @property
    def num_columns(self) -> int:
        return len(self.column_commitments)

    @property
    def num_contributors(self) -> int:
        """C: every contributor of the dataset at this version (earlier segments' included)."""
        return self.contributor_base + len(self.contributors)

    @property
    def owners(self) -> tuple:
        """The global contributor index of each row group of this segment."""
        return tuple(self.returning) + tuple(range(self.contributor_base, self.num_contributors))

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

    def owner_of(self, row: int) -> int:
        """The global contributor index that owns the segment's row ``row``."""
        return self.owners[bisect.bisect_right(self.offsets, row) - 1]

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
        for name, limit in (("segment", MAX_SEGMENTS), ("contributor_base", MAX_CONTRIBUTORS)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
                raise EncodingError(f"manifest: {name} must be an integer in [0, {limit}]")
        for name in ("recipe_digest", "previous"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise EncodingError(f"manifest: {name} is 32 bytes")
        if (self.segment == 0) != (self.previous == ZERO_WORD):
            raise EncodingError("manifest: segment 0 has no previous version, and every later segment names one")
        if self.segment == 0 and (self.contributor_base or self.returning or self.appended_aggregate is not None):
            raise EncodingError("manifest: segment 0 introduces every contributor and its C_ΔG is C_G")
        if self.segment > 0 and (self.contributor_base < 1 or self.appended_aggregate is None):
            raise EncodingError("manifest: an append follows at least one contributor and names its C_ΔG")
        if not isinstance(self.returning, tuple) or not all(
                isinstance(c, int) and not isinstance(c, bool) for c in self.returning):
            raise EncodingError("manifest: returning contributors are a tuple of indices")
        if any(b <= a for a, b in zip(self.returning, self.returning[1:])) or (
                self.returning and not 0 <= self.returning[0] <= self.returning[-1] < self.contributor_base):
            raise EncodingError("manifest: returning contributors are increasing indices below the base")
        if not isinstance(self.contributors, tuple) or len(set(self.contributors)) != len(self.contributors):
            raise EncodingError("manifest: contributor ids must be unique")
        if not self.owners:
            raise EncodingError("manifest: a segment has at least one owner of rows")
        if self.num_contributors > MAX_CONTRIBUTORS:
            raise EncodingError(f"manifest: {self.num_contributors} contributors exceed {MAX_CONTRIBUTORS}")
        if not all(isinstance(c, str) and c for c in self.contributors):
            raise EncodingError("manifest: every contributor id must be a non-empty string")
        if any(len(c.encode()) > MAX_CONTRIBUTOR_ID_BYTES for c in self.contributors):
            raise EncodingError(f"manifest: a contributor id is longer than {MAX_CONTRIBUTOR_ID_BYTES} bytes")
        offs = self.offsets
        if len(offs) != len(self.owners) + 1 or offs[0] != 0 or offs[-1] != self.num_rows:
            raise EncodingError("manifest: offsets must run from 0 to num_rows, one more than the owners")
        if any(b <= a for a, b in zip(offs, offs[1:])):
            raise EncodingError("manifest: offsets must be strictly increasing")
        if not 1 <= len(self.column_commitments) <= MAX_COLUMNS:
            raise EncodingError(f"manifest: 1 to {MAX_COLUMNS} feature columns are needed")
        for p in (*self.column_commitments, self.scale_commitment, self.example_commitment,
                  self.aggregate_commitment, self.segment_aggregate):
            g1_from_affine(*p)
        if not isinstance(self.terms, Terms):
            raise EncodingError("manifest: terms must be a verifier.terms.Terms")

    def commitment_points(self) -> tuple[list, object]:
        """Column commitments and the scale commitment as py_ecc points."""
        return [g1_from_affine(*p) for p in self.column_commitments], g1_from_affine(*self.scale_commitment)

    def aggregate_point(self):
        """C_G as a py_ecc point."""
        return g1_from_affine(*self.aggregate_commitment)

    def _body(self) -> tuple[bytes, bytes, bytes]:
        """(the offsets' words, the column, scale and example commitments' words, the returning
        contributors' words)."""
        offsets = b"".join(word(o) for o in self.offsets)
        points = b"".join(encode_g1(g1_from_affine(*p))
                          for p in (*self.column_commitments, self.scale_commitment, self.example_commitment))
        returning = b"".join(word(c) for c in self.returning)
        return offsets, points, returning

    def header_words(self) -> bytes:
        """What the digest covers, in a fixed number of words: the sizes, C_G and hashes of the
        variable-length parts, so that a ledger can keep (digest, C_G, sizes) and check an epoch
        against them without the rest.

            version ‖ SRS digest ‖ n0 ‖ N ‖ k ‖ C ‖ mC ‖ mk ‖ L_M ‖ C_G ‖ keccak(offsets)
            ‖ keccak(C_0 … C_{k−1} ‖ C_σ ‖ C_D) ‖ contributors hash ‖ the six words of the terms
            (owner ‖ payee root ‖ model owner ‖ model share ‖ platform ‖ platform share)
            ‖ recipe digest ‖ segment ‖ previous ‖ contributor base ‖ keccak(returning) ‖ C_ΔG
        """
        offsets, points, returning = self._body()
        return b"".join([word(self.version), self.srs_digest, word(self.log_rows), word(self.num_rows),
                         word(self.num_columns), word(self.num_contributors), word(self.log_contributors),
                         word(self.log_columns), word(MAGNITUDE_LIMBS),
                         encode_g1(g1_from_affine(*self.aggregate_commitment)), keccak256(offsets), keccak256(points),
                         contributors_hash(list(self.contributors)), self.terms.words(),
                         self.recipe_digest, word(self.segment), self.previous, word(self.contributor_base),
                         keccak256(returning), encode_g1(g1_from_affine(*self.segment_aggregate))])

    def digest(self) -> bytes:
        """keccak256(MANIFEST_DOMAIN ‖ header_words()): what a ledger stores.  Computed once per
        manifest object (the object is frozen; every epoch verified against it starts here)."""
        cached = self.__dict__.get("_digest")
        if cached is None:
            cached = keccak256(MANIFEST_DOMAIN + self.header_words())
            object.__setattr__(self, "_digest", cached)
        return cached

    def to_bytes(self) -> bytes:
        """version ‖ VK ‖ n0 ‖ N ‖ k ‖ C ‖ terms (6 words) ‖ contributors hash ‖ recipe digest ‖ segment
        ‖ previous ‖ base ‖ R ‖ returning (R words) ‖ offsets (R + C − base + 1 words) ‖ C_j… ‖ C_σ
        ‖ C_D ‖ C_G ‖ C_ΔG ‖ ids (C − base of them: a length word, then UTF-8 padded to words)."""
        offsets, points, returning = self._body()
        ids = b"".join(word(len(c.encode())) + c.encode().ljust(-(-len(c.encode()) // 32) * 32, b"\0")
                       for c in self.contributors)
        sizes = [word(self.log_rows), word(self.num_rows), word(self.num_columns), word(self.num_contributors)]
        return b"".join([word(self.version), self.verifying_key.to_bytes(), *sizes, self.terms.words(),
                         contributors_hash(list(self.contributors)), self.recipe_digest, word(self.segment),
                         self.previous, word(self.contributor_base), word(len(self.returning)), returning,
                         offsets, points, encode_g1(g1_from_affine(*self.aggregate_commitment)),
                         encode_g1(g1_from_affine(*self.segment_aggregate)), ids])

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
        c = rd.uint(MAX_CONTRIBUTORS, "num_contributors")
        return vk_bytes, ManifestHeader(version, log_rows, num_rows, k, c)

    @staticmethod
    def peek_recipe_digest(data: bytes) -> bytes:
        """The recipe digest word of a manifest's bytes, read at its fixed place without decoding the rest
        (after the version, the key, four sizes, the terms and the contributors hash)."""
        rd = Reader(data, "manifest")
        Manifest._read_header(rd)
        rd.take(32 * TERMS_WORDS + 32)
        return rd.take(32)

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
        recipe_digest = rd.take(32)
        segment = rd.uint(MAX_SEGMENTS, "segment")
        previous = rd.take(32)
        base = rd.uint(c, "contributor base")
        returning = tuple(rd.uint(MAX_CONTRIBUTORS, "returning contributor")
                          for _ in range(rd.uint(base, "returning contributors")))
        num_groups = len(returning) + c - base
        if num_groups > num_rows:
            raise EncodingError("manifest: more owners than rows")
        offsets = tuple(rd.uint(1 << MAX_LOG_ROWS, "offset") for _ in range(num_groups + 1))
        cols = tuple(g1_affine(rd.g1()) for _ in range(k))
        scale = g1_affine(rd.g1())
        examples = g1_affine(rd.g1())
        aggregate = g1_affine(rd.g1())
        segment_aggregate = g1_affine(rd.g1())
        contributors = []
        for _ in range(c - base):
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
        if segment == 0:
            if segment_aggregate != aggregate:
                raise EncodingError("manifest: in segment 0, C_ΔG is C_G")
            segment_aggregate = None
        return cls(vk, log_rows, num_rows, tuple(contributors), offsets, cols, scale, aggregate, terms, recipe_digest,
                   examples, segment, previous, base, returning, segment_aggregate, version)

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
            "recipe_digest": self.recipe_digest.hex(),
            "example_commitment": [hex(v) for v in self.example_commitment],
            "segment": self.segment,
            "previous": self.previous.hex(),
            "contributor_base": self.contributor_base,
            "returning": list(self.returning),
            "segment_aggregate": [hex(v) for v in self.segment_aggregate],
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
                bytes.fromhex(obj.get("recipe_digest", ZERO_WORD.hex())),
                tuple(parse_int(v, "example_commitment") for v in obj.get("example_commitment", INFINITY)),
                parse_int(obj.get("segment", 0), "segment"), bytes.fromhex(obj.get("previous", ZERO_WORD.hex())),
                parse_int(obj.get("contributor_base", 0), "contributor_base"),
                tuple(parse_int(c, "returning") for c in obj.get("returning", [])),
                tuple(parse_int(v, "segment_aggregate") for v in obj["segment_aggregate"])
                if obj.get("segment", 0) else None,
                parse_int(obj.get("version", MANIFEST_VERSION), "version"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"manifest JSON is malformed: {exc!r}") from None
        if "digest" in obj and obj["digest"] != manifest.digest().hex():
            raise EncodingError("manifest JSON: digest does not match the contents")
        return manifest


__all__ = ["Manifest", "ManifestHeader", "contributors_hash"]
