"""Opening payouts: any set I of contributors' payouts against an epoch's payout commitment C_P,
in one succinct opening (PROTOCOL-V2 §7).

With γ drawn after absorbing the claim (which binds the manifest digest, seq and C_P), the
indices and the values v_c, one degree-2 sum-check over mC variables proves

    Σ_x P(x)·κ(x) = Σ_{c ∈ I} γ^{#c}·v_c,   κ = Σ_{c ∈ I} γ^{#c}·eq(bits c, ·)

(#c the position of c in I), reducing it to P̃(x) at a random point, which one radix-8
opening (attrib.verifier.radix) of C_P checks.  κ̃(x) costs the verifier O(|I|·mC); the proof is mC rounds plus one
opening whatever |I|.

| a cheating prover tries | stopped by |
|---|---|
| a wrong value for one index | the γ-combination at random γ, then the sum-check (SZ 2·mC/r) |
| the value of another index | eq(bits c, ·) differs at every Boolean point but c |
| an opening against another epoch's C_P | the claim (digest, seq, C_P) is absorbed first |
| an index ≥ C | refused before any work (payouts in [C, 2^mC) are 0: G's rows there are zero, so A = 0 and I5 forces P = 0; past 2^mC, the epoch's degree claim) |
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.backend import selectable
from attrib.verifier.attribution import Claim
from attrib.verifier.encoding import EncodingError
from attrib.verifier.radix import RadixProof, verify_radix
from attrib.verifier.limits import MAX_ENCODING_VERSION, MAX_SEQ
from attrib.verifier.messages import Manifest, Reader, decode_as, trusted_digest, word
from attrib.verifier.openings import as_integer, check_reduced, decode_reduced, encode_reduced
from attrib.verifier.polynomial import R
from attrib.verifier.registration import eq_of_index
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

PAYOUT_LABEL = b"payout"
OPENING_VERSION = 2                 # 1 ended in a HyperKZG opening; 2 in a radix-8 one


@dataclass(frozen=True)
class PayoutOpening:
    """Sum-check messages (mC rounds × 2), P̃(x), and its radix-8 opening (attrib.verifier.radix)."""

    sumcheck: tuple
    value_at_x: int
    opening: RadixProof
    version: int = OPENING_VERSION

    def to_bytes(self) -> bytes:
        return encode_reduced(self.version, self.sumcheck, self.value_at_x, self.opening)

    @classmethod
    def from_bytes(cls, data) -> PayoutOpening:
        return cls(*decode_reduced(data, "payout opening", OPENING_VERSION, RadixProof))

    def validate(self, rounds: int) -> None:
        check_reduced("payout opening", self.version, OPENING_VERSION, self.sumcheck, self.value_at_x, self.opening,
                      rounds, RadixProof)


def draw_payout_challenge(transcript: Transcript, claim: Claim, indices: list[int], values: list[int]) -> int:
    """Absorb the claim, the indices and the values; draw γ."""
    transcript.absorb_words(claim.words())
    transcript.absorb_scalars([len(indices), *indices])
    transcript.absorb_scalars(values)
    return transcript.challenge_scalar()


def payout_kernel_at(indices: list[int], gamma: int, x: list[int]) -> int:
    """κ̃(x) = Σ_{c ∈ I} γ^{#c}·eq(bits c, x)."""
    total, power = 0, 1
    for c in indices:
        total = (total + power * eq_of_index(x, c)) % R
        power = power * gamma % R
    return total


def _g1_point(value):
    """A G1 point from a py_ecc point or an affine (x, y) pair (what a ledger forms), or None."""
    from attrib.verifier.encoding import g1_from_affine, is_g1

    try:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            value = g1_from_affine(*(as_integer(v) for v in value))
        return value if is_g1(value) else None
    except (EncodingError, TypeError, ValueError, AttributeError):
        return None


def check_indices(manifest: Manifest, indices, values) -> None:
    """Distinct contributor indices below C, one integer value in [0, r) each (EncodingError).
    Integers of any integer type (numpy's included) are taken; bools and everything else are not."""
    indices, values = [as_integer(c) for c in indices], [as_integer(v) for v in values]
    if not indices or len(indices) != len(values) or len(set(indices)) != len(indices):
        raise EncodingError("payouts: one value per index, at least one, and no index twice")
    if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c < manifest.num_contributors
               for c in indices):
        raise EncodingError(f"payouts: an index is not a contributor (0 to {manifest.num_contributors - 1})")
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R for v in values):
        raise EncodingError("payouts: a value is not an integer in [0, r)")


@selectable
def verify_payouts(manifest, claim, indices, values, opening, *, trusted_srs_digest: bytes) -> bool:
    """Whether ``opening`` shows that the epoch's committed payouts are ``values`` at the contributor
    ``indices`` (manifest order), for the SRS of ``trusted_srs_digest`` (required).  The manifest,
    claim and opening may be objects or bytes.  False for anything wrong or malformed."""
    digest = trusted_digest(trusted_srs_digest)
    if digest is None or isinstance(indices, (str, bytes)) or isinstance(values, (str, bytes)):
        return False
    try:
        manifest, claim = decode_as(manifest, Manifest), decode_as(claim, Claim)
        opening = decode_as(opening, PayoutOpening)
        claim.validate()
        if manifest.srs_digest != digest or bytes(claim.manifest_digest) != manifest.digest():
            return False
        indices, values = [as_integer(c) for c in indices], [as_integer(v) for v in values]
        check_indices(manifest, indices, values)
        n = manifest.log_contributors
        opening.validate(n)
        transcript = Transcript(PAYOUT_LABEL)
        gamma = draw_payout_challenge(transcript, claim, indices, values)
        claimed = sum(v * pow(gamma, i, R) for i, v in enumerate(values)) % R
        result = verify_sumcheck(SumcheckParams(n, 2, claimed), [list(m) for m in opening.sumcheck], transcript)
        if result is None:
            return False
        x, last = result
        if last != opening.value_at_x * payout_kernel_at(indices, gamma, x) % R:
            return False
        return verify_radix(manifest.verifying_key, [claim.payouts_commitment], x, [opening.value_at_x],
                               opening.opening, transcript)
    except (EncodingError, TypeError):           # TypeError: indices or values that are not sequences
        return False


# ---- balances: a contributor's cumulative payout, for withdrawals on chain ------------------------

BALANCE_LABEL = b"balance"
BALANCE_VERSION = 2                 # 1 opened by HyperKZG; 2 by a radix-8 opening (attrib.verifier.radix)


@dataclass(frozen=True)
class BalanceOpening:
    """One radix-8 opening (attrib.verifier.radix) of a sum of epochs' payout commitments at one contributor's
    index (the Boolean point of its bits)."""

    variables: int                  # n: the opening is of an n-variable table (mC of the version it was made at)
    opening: RadixProof
    version: int = BALANCE_VERSION

    def to_bytes(self) -> bytes:
        return word(self.version) + word(self.variables) + self.opening.to_bytes()

    @classmethod
    def from_bytes(cls, data) -> BalanceOpening:
        rd = Reader(data, "balance opening")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != BALANCE_VERSION:
            raise EncodingError(f"balance opening version {version} is not supported")
        n = rd.uint(64, "variables")
        if n < 1:
            raise EncodingError("balance opening: at least one variable")
        opening = RadixProof.from_bytes(rd.take(RadixProof.size(n)), n)
        rd.finish()
        return cls(n, opening, version)


def excluded_ranges(epochs) -> list[tuple[int, int]]:
    """The left-out epochs as ranges: the maximal runs of consecutive epochs, in order, each
    (first, last) inclusive.  A set of epochs has exactly one such form (ranges that touch are one
    range), which is the form a balance opening absorbs and the contract takes."""
    ranges: list[tuple[int, int]] = []
    for e in sorted({int(as_integer(e)) for e in epochs}):
        if ranges and e == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], e)
        else:
            ranges.append((e, e))
    return ranges


def ranges_epochs(ranges) -> list[int]:
    """Every epoch the ranges cover, in order (for a prover; a verifier never expands them)."""
    return [e for first, last in ranges for e in range(first, last + 1)]


def check_ranges(epoch: int, ranges) -> list[tuple[int, int]] | None:
    """``ranges`` as a list of (first, last) int pairs when they are canonical for a withdrawal over
    epochs 1 … ``epoch``: 1 ≤ first ≤ last ≤ epoch, in increasing order, each separated from the one
    before by at least one epoch that is not left out (first > the previous last + 1); else None.
    The check is O(number of ranges), whatever the number of epochs they cover."""
    if isinstance(ranges, (str, bytes, bytearray, memoryview)):
        return None
    try:
        pairs = [tuple(as_integer(v) for v in r) for r in ranges]
    except TypeError:
        return None
    previous = -1                                   # the last epoch of the range before (none: -1)
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
            return None
        first, last = pair
        if not (previous + 1 < first <= last <= epoch):
            return None
        previous = last
    return pairs


def ledger_commitment(running: dict, epoch: int, ranges):
    """W as the Settlement contract forms it from its recorded states: R_e − Σ (R_last − R_{first−1})
    over the ranges left out, R_x the running sum of the C_P of epochs 1 … x (``running``: epoch →
    point, py_ecc or affine; R_0 is the point at infinity).  A py_ecc point."""
    from py_ecc import optimized_bn128 as bn

    def at(x):
        if x == 0:
            return bn.Z1
        point = _g1_point(running[x])
        if point is None:
            raise ValueError(f"the running sum of epoch {x} is not a G1 point")
        return point

    total = at(epoch)
    for first, last in ranges:
        total = bn.add(total, bn.add(at(first - 1), bn.neg(at(last))))
    return total


def absorb_balance(transcript: Transcript, dataset_id: bytes, epoch: int, ranges, commitment,
                   variables: int, index: int, value: int) -> None:
    """What a balance opening is bound to: the dataset's id (the digest of its segment 0, which no append
    changes), the settled epoch e whose running sum it opens, the ranges of epochs it leaves out (one
    (first, last) pair each, not their epochs), the commitment W, n, the index and the value."""
    transcript.absorb_words(bytes(dataset_id))
    transcript.absorb_scalars([epoch, len(ranges), *(v for r in ranges for v in r)])
    transcript.absorb_g1([commitment])
    transcript.absorb_scalars([variables, index, value])


def resolve_dataset_id(manifest: Manifest, dataset_id) -> bytes:
    """The dataset id a balance opening binds: ``dataset_id`` when given (32 bytes), else the manifest's own
    digest when it is segment 0 (a registration is its dataset's id); an appended version cannot name its
    dataset's id by itself (it names only its previous version), so it must be given."""
    if dataset_id is None:
        if manifest.segment != 0:
            raise ValueError(f"the manifest is segment {manifest.segment} of its dataset: pass dataset_id, "
                             "the digest of the dataset's segment 0 (Settlement.datasetOf gives it)")
        return manifest.digest()
    dataset_id = bytes(dataset_id)
    if len(dataset_id) != 32:
        raise ValueError(f"dataset_id: 32 bytes, got {len(dataset_id)}")
    return dataset_id


@selectable
def verify_balance(manifest, epoch: int, ranges, commitment, index: int, value: int, opening, *,
                   trusted_srs_digest: bytes, dataset_id: bytes | None = None) -> bool:
    """Whether ``opening`` shows that the payout table committed in ``commitment`` — the sum of the
    payout commitments C_P of the dataset's epochs 1 … ``epoch`` except the ``ranges`` left out (as the
    settlement contract forms it from its recorded states: attrib.verifier.payouts.ledger_commitment)
    — holds ``value`` at contributor ``index``: that contributor's cumulative payout over those epochs.

    ``manifest`` is the dataset's current version (for its verifying key and C; the contract passes its
    stored C); ``dataset_id`` the digest of the dataset's segment 0 (default: the manifest's own digest,
    which is right only for segment 0).  ``ranges``: (first, last) pairs, canonical as
    :func:`check_ranges` says (``excluded_ranges`` turns a set of epochs into them).

    The opening is one radix-8 opening (attrib.verifier.radix) at the Boolean point bits(index) of an
    n-variable table (its coefficient at ``index``), n being the opening's own: the mC of the version it was made at, which may be older than the current
    one (any n with index < 2^n ≤ 2^(current mC) is taken).  Every epoch proves that its C_P has no
    coefficient at or past the C of the version it settled under (its degree and I5 claims), versions
    only grow, so W is a table below the C of the version of its last included epoch: an opening made at
    that version or any later one is sound, and one with a smaller n cannot be made (the opening's folds
    end in a clear 2^m-value tail: a W of higher degree fails the last fold check).  The value is an
    integer (each payout < 2^112, at most 2^64 epochs).  Leaving epochs out is what keeps one withheld
    payout sidecar from locking every later withdrawal (PROTOCOL-V2 §11.9): the epochs left out are not
    lost, only not yet claimed (a later withdrawal that includes them pays the difference, since the
    ledger keeps the largest value shown).  They are left out by ranges, each costing the contract two
    recorded states, two hashes and two additions whatever its length.

    | a cheating withdrawer tries | stopped by |
    |---|---|
    | a larger cumulative value | the radix-8 opening at bits(index) (attrib.verifier.radix) |
    | another contributor's value | the index is absorbed and fixes the point |
    | an n too small for the index (bits(c) cut to another contributor's) | index < 2^n is required |
    | an n too small for W (an opening of a truncated table) | the folds cannot end in a 2^m tail: the last fold check |
    | an n larger than any version's | n ≤ the current mC (the contract's C) |
    | an opening made for another state, other ranges or another dataset | the id, e, the ranges and W are absorbed first |
    | an opening made before an append, replayed after it | nothing to stop: it is still true (W and the id are unchanged) |
    | ranges that overlap, touch, run backwards, are out of order or go past e | refused before any work (check_ranges) |
    | a range whose end states were never recorded | the contract: keccak(R) must equal the recorded state hash of each end |
    | an index ≥ C | refused before any work |
    """
    digest = trusted_digest(trusted_srs_digest)
    if digest is None:
        return False
    try:
        manifest = decode_as(manifest, Manifest)
    except (EncodingError, TypeError):
        return False
    ident = resolve_dataset_id(manifest, dataset_id)      # a missing or malformed id is the caller's error
    try:
        opening = decode_as(opening, BalanceOpening)
        if manifest.srs_digest != digest or opening.version != BALANCE_VERSION:
            return False
        epoch, index, value = as_integer(epoch), as_integer(index), as_integer(value)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (epoch, index, value)):
            return False
        commitment = _g1_point(commitment)
        if commitment is None:
            return False
        if not (1 <= epoch < MAX_SEQ and 0 <= index < manifest.num_contributors and 0 <= value < R):
            return False
        ranges = check_ranges(epoch, ranges)
        if ranges is None:
            return False
        n = opening.variables
        if not (isinstance(n, int) and 1 <= n <= manifest.log_contributors and index < 1 << n):
            return False
        if not isinstance(opening.opening, RadixProof):
            return False
        transcript = Transcript(BALANCE_LABEL)
        absorb_balance(transcript, ident, epoch, ranges, commitment, n, index, value)
        point = [(index >> b) & 1 for b in range(n)]
        return verify_radix(manifest.verifying_key, [commitment], point, [value], opening.opening, transcript)
    except (EncodingError, TypeError, ValueError):
        return False
