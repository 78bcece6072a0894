"""The feature recipe: how a dataset's features were made, pinned by the manifest (issue: audits).

No proof shows that the registered features are the model's; what the manifest can do is name,
in its digest, everything an auditor needs to recompute a row: the model checkpoints, the
projection (library, method, dimension, seed), the quantization (bits, scale rule) and how an
example's canonical bytes are formed.  Each row also carries a committed example digest (a
column of the manifest, ``example_digest``), so that an auditor holding an example can check it
is the one registered before recomputing its features.

Canonical encoding (words, so that a contract could hash it too):

    version ‖ number of models ‖ model digests (32 bytes each) ‖ projection library ‖ projection
    method ‖ projection dimension ‖ projection seed ‖ quantization bits ‖ scale rule ‖ example
    encoding

strings as a length word then UTF-8 padded with zeros to whole words; the digest is
keccak256(RECIPE_DOMAIN ‖ bytes).  ``Recipe()`` (every field empty) is the unspecified recipe:
its manifests can be opened but not recomputed.

| a cheat | stopped by |
|---|---|
| features made with another model than the one named | audits: a recomputed row differs from the opened one (``attrib audit``) |
| a recipe changed after registration | the recipe digest is in the manifest digest; an append must keep it |
| an example swapped for another after registration | the example digest column is committed and opened with the row; keccak256 is collision resistant (253 bits kept) |
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from attrib.verifier.encoding import EncodingError
from attrib.verifier.limits import FEATURE_BITS, MAX_ENCODING_VERSION, RECIPE_DIMENSION_LIMIT, RECIPE_SEED_LIMIT
from attrib.verifier.messages import Reader
from attrib.verifier.polynomial import R
from attrib.verifier.transcript import keccak256

RECIPE_VERSION = 1
RECIPE_DOMAIN = b"ATTRIB-V2/RECIPE"
MAX_RECIPE_MODELS = 64
MAX_RECIPE_TEXT_BYTES = 256
STRING_FIELDS = ("projection_library", "projection_method", "scale_rule", "example_encoding")


DIGEST_MASK = (1 << 253) - 1            # 253 bits: every digest is already below r (no reduction)
assert DIGEST_MASK < R


def example_digest(data) -> int:
    """An example's committed digest: keccak256 of its canonical bytes, top three bits cleared (< r)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"an example's canonical bytes are bytes, got {type(data).__name__}")
    return int.from_bytes(keccak256(bytes(data)), "big") & DIGEST_MASK


def _word(x: int) -> bytes:
    return x.to_bytes(32, "big")


def _text(s: str) -> bytes:
    raw = s.encode()
    return _word(len(raw)) + raw.ljust(-(-len(raw) // 32) * 32, b"\0")


@dataclass(frozen=True)
class Recipe:
    """How the features were made (every field is optional; see the module docstring)."""

    models: tuple = ()                  # checkpoint digests, 32 bytes each (e.g. sha256 of the state dict)
    projection_library: str = ""        # e.g. "traker 0.3.2", "dattri 0.2", "attrib.demo"
    projection_method: str = ""         # e.g. "rademacher", "gaussian", "none"
    projection_dimension: int = 0
    projection_seed: int = 0
    quantization_bits: int = 0          # 0: unspecified; else the φ bits (≤ 16)
    scale_rule: str = ""                # e.g. "per-row max-abs (Dataset.from_float)"
    example_encoding: str = ""          # how an example's canonical bytes are made
    version: int = field(default=RECIPE_VERSION)

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", tuple(bytes(m) if isinstance(m, (bytearray, memoryview)) else m
                                                 for m in self.models))
        self.validate()

    def validate(self) -> None:
        if self.version != RECIPE_VERSION:
            raise EncodingError(f"recipe version {self.version!r} is not supported")
        if len(self.models) > MAX_RECIPE_MODELS:
            raise EncodingError(f"recipe: at most {MAX_RECIPE_MODELS} model digests")
        if not all(isinstance(m, bytes) and len(m) == 32 for m in self.models):
            raise EncodingError("recipe: every model digest is 32 bytes")
        for name in STRING_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or len(value.encode()) > MAX_RECIPE_TEXT_BYTES:
                raise EncodingError(f"recipe: {name} is a string of at most {MAX_RECIPE_TEXT_BYTES} bytes")
        for name, limit in (("projection_dimension", RECIPE_DIMENSION_LIMIT), ("projection_seed", RECIPE_SEED_LIMIT),
                            ("quantization_bits", FEATURE_BITS + 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
                raise EncodingError(f"recipe: {name} is an integer in [0, {limit})")

    @property
    def unspecified(self) -> bool:
        return self == Recipe()

    def to_bytes(self) -> bytes:
        return b"".join([_word(self.version), _word(len(self.models)), *self.models,
                         _text(self.projection_library), _text(self.projection_method),
                         _word(self.projection_dimension), _word(self.projection_seed),
                         _word(self.quantization_bits), _text(self.scale_rule), _text(self.example_encoding)])

    @classmethod
    def from_bytes(cls, data) -> Recipe:
        rd = Reader(data, "recipe")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        models = tuple(rd.take(32) for _ in range(rd.uint(MAX_RECIPE_MODELS, "models")))

        def text(name):
            length = rd.uint(MAX_RECIPE_TEXT_BYTES, name)
            raw = rd.take(-(-length // 32) * 32)
            if any(raw[length:]):
                raise EncodingError(f"recipe: {name} padding is not zero")
            try:
                return raw[:length].decode()
            except UnicodeDecodeError:
                raise EncodingError(f"recipe: {name} is not UTF-8") from None

        library, method = text("projection_library"), text("projection_method")
        dimension = rd.uint(RECIPE_DIMENSION_LIMIT - 1, "dimension")
        seed, bits = rd.uint(RECIPE_SEED_LIMIT - 1, "seed"), rd.uint(FEATURE_BITS, "bits")
        scale_rule, encoding = text("scale_rule"), text("example_encoding")
        rd.finish()
        return cls(models, library, method, dimension, seed, bits, scale_rule, encoding, version)

    def digest(self) -> bytes:
        """keccak256(RECIPE_DOMAIN ‖ to_bytes()): the word the manifest's digest binds."""
        return keccak256(RECIPE_DOMAIN + self.to_bytes())

    def to_json_obj(self) -> dict:
        return {"version": self.version, "models": [m.hex() for m in self.models],
                "projection": {"library": self.projection_library, "method": self.projection_method,
                               "dimension": self.projection_dimension, "seed": self.projection_seed},
                "quantization": {"bits": self.quantization_bits, "scale_rule": self.scale_rule},
                "example_encoding": self.example_encoding, "digest": self.digest().hex()}

    def to_json(self) -> str:
        return json.dumps(self.to_json_obj(), indent=1)

    @classmethod
    def from_json_obj(cls, obj) -> Recipe:
        try:
            projection, quantization = obj.get("projection", {}), obj.get("quantization", {})
            recipe = cls(tuple(bytes.fromhex(m) for m in obj.get("models", [])),
                         projection.get("library", ""), projection.get("method", ""),
                         projection.get("dimension", 0), projection.get("seed", 0),
                         quantization.get("bits", 0), quantization.get("scale_rule", ""),
                         obj.get("example_encoding", ""), obj.get("version", RECIPE_VERSION))
        except (AttributeError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"recipe JSON is malformed: {exc!r}") from None
        if "digest" in obj and obj["digest"] != recipe.digest().hex():
            raise EncodingError("recipe JSON: the digest does not match the contents")
        return recipe

    @classmethod
    def from_json(cls, text) -> Recipe:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EncodingError(f"recipe: invalid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise EncodingError("recipe: expected a JSON object")
        return cls.from_json_obj(obj)


__all__ = ["Recipe", "example_digest"]
