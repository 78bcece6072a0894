"""Opening registered rows: any set of rows' features, scales and example digests against the
manifest's commitments, in one succinct opening (issue: auditable features).

No proof can show that registered features are a model's true gradients; what can be shown is
what was committed, row by row, so that anyone holding an example and the model can recompute its
features and compare (``attrib audit``).  For rows r_1 … r_s of one segment (distinct, below its N),
claimed features v[i][j] (j < k), scales v[i][k] and example digests v[i][k+1], after absorbing the
manifest digest, the rows and the values, the verifier draws β and γ and forms, from the
manifest's own commitments,

    C_F = Σ_j β^j·C_j + β^k·C_σ + β^(k+1)·C_D    (the commitment of F = Σ_j β^j·Φ_j + β^k·σ + β^(k+1)·D:
                                                   no prover work)

then one degree-2 sum-check over n0 variables proves

    Σ_x F(x)·K(x) = Σ_i γ^i·(Σ_j β^j·v[i][j] + β^k·v[i][k])   with   K = Σ_i γ^i·eq(bits r_i, ·)

reducing it to F̃(u) at a random point u (K̃(u) the verifier computes in O(s·n0)), which one
HyperKZG opening of C_F checks.  Proof: n0 rounds of two scalars, F̃(u), one opening (about
4.7 KB at n0 = 20, whatever s and k); verification: k + 1 scalar multiplications, the
sum-check and one opening (two pairings).

| a cheating registrant tries | stopped by |
|---|---|
| a wrong feature or scale in one opened row | β, γ drawn after the values: the combined claim differs except with probability (k + s)/r, then the sum-check (SZ 2·n0/r) and the opening of C_F |
| values of another row | eq(bits r_i, ·) is 1 at r_i and 0 at every other Boolean point |
| an opening of other columns | C_F is formed by the verifier from the digest-bound C_j, C_σ |
| an opening made for another manifest, or another version of this one | the digest (which binds the segment and the previous version) is absorbed first |
| another example than the registered one | its digest is the opened column D; keccak256 is collision resistant |
| a padding row (≥ N) or a row twice | refused before any work |
| an SRS whose τ it knows | trusted_srs_digest is required and compared first |

Feature values are integers with |v| < 2^15 (as registered), scales 0 ≤ σ < 2^24 and digests
0 ≤ d < 2^253 (zero where the dataset gave none); they enter the field as residues (a negative
feature as r − |v|).  Row indices are the segment's own (an appended dataset is opened version by
version: the manifest of the segment that holds the rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.backend import selectable
from attrib.verifier.encoding import EncodingError, g1_from_affine
from attrib.verifier.hyperkzg import HyperKZGProof, linear_combination, verify_hyperkzg
from attrib.verifier.limits import FEATURE_LIMIT, MAX_OPENED_ROWS, SCALE_LIMIT
from attrib.verifier.messages import Manifest, decode_as, trusted_digest
from attrib.verifier.openings import as_integer, check_reduced, decode_reduced, encode_reduced
from attrib.verifier.polynomial import R
from attrib.verifier.recipe import DIGEST_MASK
from attrib.verifier.registration import eq_of_index
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

ROWS_LABEL = b"rows"
ROWS_VERSION = 1


@dataclass(frozen=True)
class RowOpening:
    """Sum-check messages (n0 rounds × 2), F̃(u), and the HyperKZG opening of C_F at u."""

    sumcheck: tuple
    value_at_u: int
    opening: HyperKZGProof
    version: int = ROWS_VERSION

    def to_bytes(self) -> bytes:
        return encode_reduced(self.version, self.sumcheck, self.value_at_u, self.opening)

    @classmethod
    def from_bytes(cls, data) -> RowOpening:
        return cls(*decode_reduced(data, "row opening", ROWS_VERSION))

    def validate(self, rounds: int) -> None:
        """Version, n0 messages of two scalars in [0, r), F̃(u) in [0, r), an opening (EncodingError)."""
        check_reduced("row opening", self.version, ROWS_VERSION, self.sumcheck, self.value_at_u, self.opening, rounds)


def _integer(x):
    value = as_integer(x)
    if not isinstance(value, int):
        raise EncodingError(f"rows: {x!r} is not an integer")
    return value


def check_rows(manifest: Manifest, rows, values) -> tuple[list[int], list[list[int]]]:
    """Distinct rows below N, and per row k features |v| < 2^15, a scale in [0, 2^24) and an example
    digest in [0, 2^253) (EncodingError)."""
    rows = [_integer(r) for r in rows]
    values = [[_integer(v) for v in row] for row in values]
    if not rows or len(rows) != len(values) or len(set(rows)) != len(rows):
        raise EncodingError("rows: one list of values per row, at least one row, and no row twice")
    if len(rows) > MAX_OPENED_ROWS:
        raise EncodingError(f"rows: at most {MAX_OPENED_ROWS} in one opening")
    if not all(0 <= r < manifest.num_rows for r in rows):
        raise EncodingError(f"rows: a row is outside [0, {manifest.num_rows})")
    k = manifest.num_columns
    for row in values:
        if len(row) != k + 2:
            raise EncodingError(f"rows: each row has {k} features, its scale and its example digest")
        if (not all(-FEATURE_LIMIT < v < FEATURE_LIMIT for v in row[:k]) or not 0 <= row[k] < SCALE_LIMIT
                or not 0 <= row[k + 1] <= DIGEST_MASK):
            raise EncodingError("rows: a feature, a scale or a digest is outside its registered bounds")
    return rows, values


def draw_row_challenges(transcript: Transcript, manifest: Manifest, rows: list[int], values: list[list[int]]
                        ) -> tuple[int, int]:
    """Absorb the digest, [s, rows], the values (row-major, features then scale, as residues); draw β, γ."""
    transcript.absorb_words(manifest.digest())
    transcript.absorb_scalars([len(rows), *rows])
    transcript.absorb_scalars([v % R for row in values for v in row])
    return transcript.challenge_scalar(), transcript.challenge_scalar()


def column_coefficients(beta: int, k: int) -> list[int]:
    """β^0 … β^(k+1): the weights of the k columns, of the scales and of the example digests in F."""
    out, power = [], 1
    for _ in range(k + 2):
        out.append(power)
        power = power * beta % R
    return out


def combined_claim(values: list[list[int]], beta: int, gamma: int) -> int:
    """Σ_i γ^i·Σ_j β^j·v[i][j] (the scale as column k, the digest as column k + 1)."""
    coefficients = column_coefficients(beta, len(values[0]) - 2)
    total, power = 0, 1
    for row in values:
        total = (total + power * sum(c * v for c, v in zip(coefficients, row))) % R
        power = power * gamma % R
    return total


def row_kernel_at(rows: list[int], gamma: int, u: list[int]) -> int:
    """K̃(u) = Σ_i γ^i·eq(bits r_i, u)."""
    total, power = 0, 1
    for r in rows:
        total = (total + power * eq_of_index(u, r)) % R
        power = power * gamma % R
    return total


@selectable
def verify_rows(manifest, rows, values, opening, *, trusted_srs_digest: bytes) -> bool:
    """Whether ``opening`` shows that the registered rows ``rows`` (the manifest's segment, its order)
    hold ``values`` (per row: its k features, its scale, then its example digest), for the SRS of
    ``trusted_srs_digest`` (required).
    The manifest and the opening may be objects or bytes.  False for anything wrong or malformed."""
    digest = trusted_digest(trusted_srs_digest)
    if digest is None or isinstance(rows, (str, bytes)) or isinstance(values, (str, bytes)):
        return False
    try:
        manifest, opening = decode_as(manifest, Manifest), decode_as(opening, RowOpening)
        if manifest.srs_digest != digest:
            return False
        rows, values = check_rows(manifest, rows, values)
        n = manifest.log_rows
        if n > manifest.verifying_key.max_log_n:
            return False
        opening.validate(n)
        transcript = Transcript(ROWS_LABEL)
        beta, gamma = draw_row_challenges(transcript, manifest, rows, values)
        result = verify_sumcheck(SumcheckParams(n, 2, combined_claim(values, beta, gamma)),
                                 [list(m) for m in opening.sumcheck], transcript)
        if result is None:
            return False
        u, last = result
        if last != opening.value_at_u * row_kernel_at(rows, gamma, u) % R:
            return False
        columns, scale = manifest.commitment_points()
        weights = column_coefficients(beta, manifest.num_columns)
        combined = linear_combination(list(zip([*columns, scale, g1_from_affine(*manifest.example_commitment)],
                                               weights)))
        return verify_hyperkzg(manifest.verifying_key, [combined], u, [opening.value_at_u], opening.opening,
                               transcript)
    except (EncodingError, TypeError, ValueError):
        return False


__all__ = ["RowOpening", "verify_rows"]
