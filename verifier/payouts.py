"""Opening payouts: any set I of contributors' payouts against an epoch's payout commitment C_P,
in one succinct opening (PROTOCOL-V2 §7).

With γ drawn after absorbing the claim (which binds the manifest digest, seq and C_P), the
indices and the values v_c, one degree-2 sum-check over mC variables proves

    Σ_x P(x)·κ(x) = Σ_{c ∈ I} γ^{#c}·v_c,   κ = Σ_{c ∈ I} γ^{#c}·eq(bits c, ·)

(#c the position of c in I), reducing it to P̃(x) at a random point, which one HyperKZG
opening of C_P checks.  κ̃(x) costs the verifier O(|I|·mC); the proof is mC rounds plus one
opening whatever |I|.

| a cheating prover tries | stopped by |
|---|---|
| a wrong value for one index | the γ-combination at random γ, then the sum-check (SZ 2·mC/r) |
| the value of another index | eq(bits c, ·) differs at every Boolean point but c |
| an opening against another epoch's C_P | the claim (digest, seq, C_P) is absorbed first |
| an index ≥ C | refused before any work (payouts in [C, 2^mC) are 0: G's rows there are zero, so A = 0 and I5 forces P = 0; past 2^mC, the epoch's degree claim) |
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from attrib.verifier.attribution import Claim
from attrib.verifier.encoding import EncodingError
from attrib.verifier.hyperkzg import HyperKZGProof, verify_hyperkzg
from attrib.verifier.limits import MAX_ENCODING_VERSION, MAX_SEQ
from attrib.verifier.messages import Manifest, Reader, decode_as, trusted_digest, word
from attrib.verifier.openings import as_integer, check_reduced, decode_reduced, encode_reduced
from attrib.verifier.polynomial import R
from attrib.verifier.registration import eq_of_index
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

PAYOUT_LABEL = b"payout"
OPENING_VERSION = 1


@dataclass(frozen=True)
class PayoutOpening:
    """Sum-check messages (mC rounds × 2), P̃(x), and its HyperKZG opening."""

    sumcheck: tuple
    value_at_x: int
    opening: HyperKZGProof
    version: int = OPENING_VERSION

    def to_bytes(self) -> bytes:
        return encode_reduced(self.version, self.sumcheck, self.value_at_x, self.opening)

    @classmethod
    def from_bytes(cls, data) -> PayoutOpening:
        return cls(*decode_reduced(data, "payout opening", OPENING_VERSION))

    def validate(self, rounds: int) -> None:
        check_reduced("payout opening", self.version, OPENING_VERSION, self.sumcheck, self.value_at_x, self.opening,
                      rounds)


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
        return verify_hyperkzg(manifest.verifying_key, [claim.payouts_commitment], x, [opening.value_at_x],
                               opening.opening, transcript)
    except (EncodingError, TypeError):           # TypeError: indices or values that are not sequences
        return False


# ---- balances: a contributor's cumulative payout, for withdrawals on chain ------------------------

BALANCE_LABEL = b"balance"
BALANCE_VERSION = 1


@dataclass(frozen=True)
class BalanceOpening:
    """One HyperKZG opening of a sum of epochs' payout commitments at one contributor's index."""

    variables: int                  # mC: the opening is of an mC-variable table
    opening: HyperKZGProof
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
        opening = HyperKZGProof.from_bytes(rd.take(HyperKZGProof.size(n)), n)
        rd.finish()
        return cls(n, opening, version)


def absorb_balance(transcript: Transcript, dataset_digest: bytes, epoch: int, excluded: list[int], commitment,
                   log_contributors: int, index: int, value: int) -> None:
    """What a balance opening is bound to: the dataset's manifest digest, the settled epoch e whose
    running sum it opens, the epochs it leaves out, the commitment W, mC, the index and the value."""
    transcript.absorb_words(bytes(dataset_digest))
    transcript.absorb_scalars([epoch, len(excluded), *excluded])
    transcript.absorb_g1([commitment])
    transcript.absorb_scalars([log_contributors, index, value])


def verify_balance(manifest, epoch: int, excluded, commitment, index: int, value: int, opening, *,
                   trusted_srs_digest: bytes) -> bool:
    """Whether ``opening`` shows that the payout table committed in ``commitment`` — the sum of the
    payout commitments C_P of epochs 1 … ``epoch`` of this manifest's dataset except ``excluded``
    (as the settlement contract forms it from its stored state) — holds ``value`` at contributor
    ``index``: that contributor's cumulative payout over those epochs.

    The opening is one HyperKZG evaluation at the Boolean point bits(index) (mC variables); every
    epoch proves its C_P has no coefficient beyond the contributors (its degree and I5 claims), so
    the sum is an mC-variable table and the value is an integer (each payout < 2^112, at most 2^64
    epochs).  Leaving epochs out is what keeps one withheld payout sidecar from locking every later
    withdrawal (PROTOCOL-V2 §11.9): the epochs left out are not lost, only not yet claimed (a later
    withdrawal that includes them pays the difference, since the ledger keeps the largest value shown).

    | a cheating withdrawer tries | stopped by |
    |---|---|
    | a larger cumulative value | the HyperKZG evaluation at bits(index) |
    | another contributor's value | the index is absorbed and fixes the point |
    | an opening made for another state or dataset | digest, e, the excluded list and W are absorbed first |
    | an index ≥ C | refused before any work |
    """
    digest = trusted_digest(trusted_srs_digest)
    if digest is None:
        return False
    try:
        manifest, opening = decode_as(manifest, Manifest), decode_as(opening, BalanceOpening)
        if manifest.srs_digest != digest or opening.version != BALANCE_VERSION:
            return False
        epoch, index, value = as_integer(epoch), as_integer(index), as_integer(value)
        excluded = [as_integer(x) for x in excluded]
        ints = [epoch, index, value, *excluded]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
            return False
        commitment = _g1_point(commitment)
        if commitment is None:
            return False
        if not (1 <= epoch < MAX_SEQ and 0 <= index < manifest.num_contributors and 0 <= value < R):
            return False
        if any(not 1 <= x <= epoch for x in excluded) or any(b <= a for a, b in itertools.pairwise(excluded)):
            return False
        n = manifest.log_contributors
        if opening.variables != n or not isinstance(opening.opening, HyperKZGProof):
            return False
        transcript = Transcript(BALANCE_LABEL)
        absorb_balance(transcript, manifest.digest(), epoch, excluded, commitment, n, index, value)
        point = [(index >> b) & 1 for b in range(n)]
        return verify_hyperkzg(manifest.verifying_key, [commitment], point, [value], opening.opening, transcript)
    except (EncodingError, TypeError, ValueError):
        return False

