"""What a chain settles by: a dataset's owner, its payees and its fee layers (the manifest's terms).

A manifest names (and its digest binds) six words of terms:

    owner ‖ payee root ‖ model owner ‖ model share (bp) ‖ platform ‖ platform share (bp)

- ``owner`` — the address that alone may register the manifest on chain and name its settlers.
  Binding it into the digest is what stops a front-runner: someone who copies a published
  manifest and registers it first would have to be its owner (the chain checks the sender).
- ``payee root`` — the root of a Merkle tree over contributor c's payee address, one leaf per
  c < 2^mC (``payee_root``).  The chain stores 32 bytes, not C addresses; a withdrawal shows
  its leaf's path.  Leaves past C, and contributors without an address, carry address 0, to
  which nothing is ever paid.
- fee layers — fixed shares, in basis points, of an epoch's gross fees for the model's owner and
  the platform; the rest is the data contributors' pool that the epoch proof splits.

The layer rule (``split_fees``), for an epoch whose gross fees sum to V:

    model = ⌊V·b_model / 10^4⌋,  platform = ⌊V·b_platform / 10^4⌋,  pool = V − model − platform

so that the layers never exceed their shares and the rounding (under 1 unit each) goes to the
pool.  The epoch proof then splits the pool: its committed fees F_t must sum to exactly the pool
(``pool_fees`` gives the canonical F_t from per-inference gross fees), and the contributors'
payouts are the proven ⌊Σ_t π_t·A⁺[c,t]/2^128⌋, whose dust (pool − ΣP) is refunded to the settler.

| a cheat | stopped by |
|---|---|
| register someone else's manifest first | the owner is in the digest; the chain requires sender = owner |
| redirect a payee | the payee root is in the digest; a leaf needs its Merkle path of depth mC |
| present an inner node as a leaf | leaves hash 96 bytes (a tag, c, address), inner nodes 64 |
| shares above 100 % | each share ≤ 10^4 bp and their sum ≤ 10^4 bp (``Terms.validate``) |
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.encoding import EncodingError
from attrib.verifier.transcript import keccak256

BASIS_POINTS = 10_000
ADDRESS_LIMIT = 1 << 160
PAYEE_LEAF_TAG = int.from_bytes(keccak256(b"ATTRIB-V2/PAYEE"), "big")
TERMS_WORDS = 6


def _word(x: int) -> bytes:
    return x.to_bytes(32, "big")


def address_int(value) -> int:
    """An address as an int: an int below 2^160, 20 bytes, or a 0x-prefixed hex string of 40 digits."""
    if isinstance(value, bool):
        raise EncodingError("an address must be an int, 20 bytes or a hex string")
    if isinstance(value, int):
        if not 0 <= value < ADDRESS_LIMIT:
            raise EncodingError(f"address {value} is not below 2^160")
        return value
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 20:
            raise EncodingError(f"an address is 20 bytes, got {len(value)}")
        return int.from_bytes(value, "big")
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else None
        if text is None or len(text) != 40:
            raise EncodingError(f"address {value!r}: expected 0x and 40 hex digits")
        try:
            return int(text, 16)
        except ValueError:
            raise EncodingError(f"address {value!r}: not hexadecimal") from None
    raise EncodingError(f"an address must be an int, 20 bytes or a hex string, got {type(value).__name__}")


def address_hex(value: int) -> str:
    return "0x" + value.to_bytes(20, "big").hex()


@dataclass(frozen=True)
class Terms:
    """A manifest's on-chain terms (see the module docstring); addresses as ints below 2^160."""

    owner: int = 0
    payee_root: bytes = bytes(32)
    model_owner: int = 0
    model_share_bp: int = 0
    platform: int = 0
    platform_share_bp: int = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        for name in ("owner", "model_owner", "platform"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < ADDRESS_LIMIT:
                raise EncodingError(f"terms: {name} must be an address (an int below 2^160)")
        if not isinstance(self.payee_root, (bytes, bytearray)) or len(self.payee_root) != 32:
            raise EncodingError("terms: the payee root is 32 bytes")
        shares = (self.model_share_bp, self.platform_share_bp)
        if not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= BASIS_POINTS for s in shares):
            raise EncodingError(f"terms: each share is an integer number of basis points in [0, {BASIS_POINTS}]")
        if sum(shares) > BASIS_POINTS:
            raise EncodingError(f"terms: the model's and the platform's shares add up to {sum(shares)} bp, "
                                f"more than {BASIS_POINTS}")
        if self.model_share_bp and not self.model_owner:
            raise EncodingError("terms: a model share needs the model owner's address")
        if self.platform_share_bp and not self.platform:
            raise EncodingError("terms: a platform share needs the platform's address")

    @classmethod
    def with_payees(cls, owner, payees: list, model_owner=0, model_share_bp: int = 0, platform=0,
                    platform_share_bp: int = 0, base: int = 0) -> Terms:
        """Terms whose payee root is built from ``payees`` (contributor base + i's address at [i], in
        the manifest's contributor order: one per contributor the manifest introduces, none 0), at the
        depth mC = max(1, ⌈log₂ C⌉) of C = base + len(payees).  ``base`` is an append's first new
        contributor: its root covers only the contributors it introduces (address 0 elsewhere)."""
        zero = [base + c for c, p in enumerate(payees) if address_int(p) == 0]
        if zero:
            raise EncodingError(f"payees: contributor {zero[0]} has no address (0): its payouts could never be "
                                "withdrawn; give every contributor a payee")
        addresses = [0] * base + list(payees)
        depth = max(1, (len(addresses) - 1).bit_length())
        return cls(address_int(owner), payee_root(addresses, depth), address_int(model_owner), model_share_bp,
                   address_int(platform), platform_share_bp)

    def words(self) -> bytes:
        return b"".join([_word(self.owner), bytes(self.payee_root), _word(self.model_owner),
                         _word(self.model_share_bp), _word(self.platform), _word(self.platform_share_bp)])

    @classmethod
    def from_words(cls, data: bytes) -> Terms:
        if len(data) != 32 * TERMS_WORDS:
            raise EncodingError(f"terms are {TERMS_WORDS} words")
        w = [data[32 * i:32 * i + 32] for i in range(TERMS_WORDS)]
        ints = [int.from_bytes(x, "big") for x in w]
        for i in (0, 2, 4):
            if ints[i] >= ADDRESS_LIMIT:
                raise EncodingError("terms: an address word is not below 2^160")
        for i in (3, 5):
            if ints[i] > BASIS_POINTS:
                raise EncodingError(f"terms: a share exceeds {BASIS_POINTS} bp")
        return cls(ints[0], bytes(w[1]), ints[2], ints[3], ints[4], ints[5])

    def to_json_obj(self) -> dict:
        return {"owner": address_hex(self.owner), "payee_root": bytes(self.payee_root).hex(),
                "model_owner": address_hex(self.model_owner), "model_share_bp": self.model_share_bp,
                "platform": address_hex(self.platform), "platform_share_bp": self.platform_share_bp}

    @classmethod
    def from_json_obj(cls, obj: dict) -> Terms:
        try:
            return cls(address_int(obj["owner"]), bytes.fromhex(obj["payee_root"]), address_int(obj["model_owner"]),
                       int(obj["model_share_bp"]), address_int(obj["platform"]), int(obj["platform_share_bp"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"terms JSON is malformed: {exc!r}") from None


# ---- fee layers ---------------------------------------------------------------------------------

def split_fees(gross: int, terms: Terms) -> tuple[int, int, int]:
    """(model, platform, pool) of an epoch's gross fees V: the layer rule of the module docstring."""
    if not isinstance(gross, int) or isinstance(gross, bool) or gross < 0:
        raise ValueError(f"gross fees must be a nonnegative integer, got {gross!r}")
    model = gross * terms.model_share_bp // BASIS_POINTS
    platform = gross * terms.platform_share_bp // BASIS_POINTS
    return model, platform, gross - model - platform


def pool_fees(gross_fees: list[int], terms: Terms) -> list[int]:
    """The contributors' pool of each inference, F_t, summing to exactly the pool of Σ gross:
    F_t = ⌊f_t·(10^4 − b_model − b_platform)/10^4⌋, plus one unit to each of the first inferences
    (in order, round robin) until the pool is reached (fewer than T + 2 units in all)."""
    keep = BASIS_POINTS - terms.model_share_bp - terms.platform_share_bp
    if any(not isinstance(f, int) or isinstance(f, bool) or f < 0 for f in gross_fees):
        raise ValueError("gross fees must be nonnegative integers")
    out = [f * keep // BASIS_POINTS for f in gross_fees]
    leftover = split_fees(sum(gross_fees), terms)[2] - sum(out)
    if out:
        for i in range(leftover):
            out[i % len(out)] += 1
    return out


# ---- the payee tree -----------------------------------------------------------------------------

def payee_leaf(index: int, address: int) -> bytes:
    """keccak256(tag ‖ c ‖ address): 96 bytes, so that no inner node (64 bytes) reads as a leaf."""
    return keccak256(_word(PAYEE_LEAF_TAG) + _word(index) + _word(address))


def _levels(addresses: list[int], depth: int) -> list[list[bytes]]:
    if len(addresses) > 1 << depth:
        raise ValueError(f"{len(addresses)} payees do not fit a tree of depth {depth}")
    level = [payee_leaf(c, address_int(a)) for c, a in enumerate(addresses)]
    level += [payee_leaf(c, 0) for c in range(len(addresses), 1 << depth)]
    levels = [level]
    while len(level) > 1:
        level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def payee_root(addresses: list, depth: int) -> bytes:
    """The root over leaves (c, addresses[c]) for c < 2^depth (address 0 past the list)."""
    return _levels([address_int(a) for a in addresses], depth)[-1][0]


def payee_path(addresses: list, depth: int, index: int) -> list[bytes]:
    """The siblings from leaf ``index`` up to the root."""
    if not 0 <= index < 1 << depth:
        raise ValueError(f"payee index {index} outside [0, 2^{depth})")
    levels = _levels([address_int(a) for a in addresses], depth)
    return [levels[d][(index >> d) ^ 1] for d in range(depth)]


def verify_payee_path(root: bytes, depth: int, index: int, address, path) -> bool:
    """Whether (index, address) is the leaf at ``index`` of the tree with ``root``; False on anything malformed."""
    try:
        address = address_int(address)
        if not (isinstance(index, int) and 0 <= index < 1 << depth and len(path) == depth):
            return False
        node = payee_leaf(index, address)
        for d, sibling in enumerate(path):
            if not isinstance(sibling, (bytes, bytearray)) or len(sibling) != 32:
                return False
            node = keccak256(node + bytes(sibling)) if not (index >> d) & 1 else keccak256(bytes(sibling) + node)
        return node == bytes(root)
    except (EncodingError, TypeError):
        return False
