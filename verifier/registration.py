"""Verifying a registration: the manifest's aggregate commitment C_G is exactly the σ-weighted
per-contributor sum of the committed rows (DESIGN §3b; PROTOCOL-V2 §3), segment by segment.

Statement, for one segment (a registration is segment 0; an append is a later one).  For the
segment's committed columns Φ_j (j < k), scales σ and row groups (owner_i, a global contributor
index, owns the segment's rows [off_i, off_{i+1})), with ΔG laid out at index j + 2^mk·c:

    ΔG[c, j] = Σ_{i ∈ rows(c)} σ_i·Φ[i, j]  for all c < 2^mC, j < 2^mk   (0 outside C × k)     (R1)
    C_ΔG has no coefficient at an index ≥ 2^(mC+mk)                                             (R2)

and C_G = C_ΔG in segment 0, C_G = C_G(previous version) + C_ΔG in an append (``follows``), so
that by induction C_G commits the aggregate of every segment's rows: G = Σ_segments ΔG.  An
append's proof costs O(max(its rows, C·k)), never O(N).  Below, G means the segment's ΔG.

Let nR = max(n0, mC + mk).  After absorbing the manifest digest (which binds every
commitment, the offsets and the sizes), the verifier draws r_j ∈ F^mk, r_c ∈ F^mC, ξ ∈ F^nR
and λ.  With s = Φ·eq(r_j, ·) (committed as C_s = Σ_j eq(r_j, j)·C_j: no work for the
prover) and w_i = eq(r_c, c(i)) on rows i < N (0 on padding), one degree-3 sum-check over
nR variables proves

    Σ_x [ w(x)·σ(x)·s(x) − G(x)·( E(x) + λ·K_hi(x) ) ] = 0                                      (S)

with E(x) = eq((r_j, r_c), x_{<mC+mk})·Π_{i ≥ mC+mk}(1 − x_i) and
K_hi(x) = eq(ξ, x) − eq(ξ_{<nG}, x_{<nG})·Π_{i ≥ nG}(1 − ξ_i)(1 − x_i), nG = mC + mk.
The first part sums to G̃_true(r_j, r_c) and the second to G̃(r_j, r_c) + λ·⟨G, K_hi⟩: (S) holds
for random r, ξ, λ only if (R1) and (R2) do.  The final point u is checked with the
verifier's own w̃(u), Ẽ(u), K̃_hi(u) and one batched HyperKZG opening of C_σ, C_s, C_G at u.

What a cheating registrant would try, and what stops it:

| tries | stopped by |
|---|---|
| C_G off in one cell (c, j) | (S) at random (r_j, r_c): both sides are multilinear, SZ error (mC+mk)/r |
| junk coefficients of C_G beyond C × k (to be paid later) | ⟨G, K_hi⟩ = 0 at random ξ, weighted by random λ |
| junk coefficients beyond 2^nR | HyperKZG at nR variables bounds the degree (< 2^nR) |
| rows moved between contributors | the owners and offsets are in the digest; w̃ is computed by the verifier from them |
| an append that rewrites C_G | ``follows``: C_G = C_G(previous) + C_ΔG, previous named by digest |
| a column commitment swapped or changed | C_s is formed by the verifier from the digest-bound C_j |
| a proof of another manifest (replay) | the digest is absorbed first: every challenge differs |
| an SRS whose τ it knows | trusted_srs_digest is required and compared first |

Not proven here: that Φ and σ are within their bounds (|φ| < 2^15, σ < 2^24) — audited, not
proved; an epoch's range checks do not depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from py_ecc.optimized_bn128 import add, eq

from attrib.verifier.backend import selectable
from attrib.verifier.encoding import EncodingError, encode_scalar, g1_from_affine
from attrib.verifier.hyperkzg import HyperKZGProof, linear_combination, verify_hyperkzg
from attrib.verifier.kernels import degree_kernel, eq_kernel, evaluate_kernel
from attrib.verifier.limits import MAX_ENCODING_VERSION, MAX_LOG_ROWS
from attrib.verifier.messages import Manifest, Reader, decode_as, trusted_digest, word
from attrib.verifier.polynomial import R, evaluate_range_indicator
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

REGISTRATION_LABEL = b"register"
REGISTRATION_VERSION = 1
REGISTRATION_DEGREE = 3


# ---- kernels the verifier evaluates itself ---------------------------------------------------

def eq_of_index(point: list[int], index: int) -> int:
    """eq(point, bits(index)) = Π_b (point_b if bit b of index is set, else 1 − point_b)."""
    acc = 1
    for b, x in enumerate(point):
        acc = acc * (x if (index >> b) & 1 else 1 - x) % R
    return acc


def evaluate_row_weights(owners, offsets, r_c: list[int], u: list[int]) -> int:
    """w̃(u) = Σ_i eq(r_c, bits owners[i])·(I_[0, off_{i+1})(u) − I_[0, off_i)(u)), in O(#owners·(mC + |u|))."""
    below = [evaluate_range_indicator(o, u) for o in offsets]
    return sum(eq_of_index(r_c, c) * (below[i + 1] - below[i]) for i, c in enumerate(owners)) % R


# ---- the transcript steps (the prover calls these too) -----------------------------------------

@dataclass(frozen=True)
class RegistrationChallenges:
    r_j: list[int]        # mk coordinates: the columns
    r_c: list[int]        # mC coordinates: the contributors
    xi: list[int]         # nR coordinates: the degree kernel
    lam: int              # weight of the degree claim


def registration_rounds(manifest: Manifest) -> int:
    """nR = max(n0, mC + mk)."""
    return max(manifest.log_rows, manifest.log_contributors + manifest.log_columns)


def draw_registration_challenges(transcript: Transcript, manifest: Manifest) -> RegistrationChallenges:
    """Absorb the manifest digest; draw r_j, r_c, ξ, λ (in that order)."""
    transcript.absorb_words(manifest.digest())
    r_j = [transcript.challenge_scalar() for _ in range(manifest.log_columns)]
    r_c = [transcript.challenge_scalar() for _ in range(manifest.log_contributors)]
    xi = [transcript.challenge_scalar() for _ in range(registration_rounds(manifest))]
    return RegistrationChallenges(r_j, r_c, xi, transcript.challenge_scalar())


def column_weights(r_j: list[int], num_columns: int) -> list[int]:
    """eq(r_j, bits j) for j < k: C_s = Σ_j eq(r_j, j)·C_j and s = Φ·eq(r_j, ·)."""
    return [eq_of_index(r_j, j) for j in range(num_columns)]


# ---- the proof -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegistrationProof:
    """Sum-check messages (nR rounds × 3 values), σ̃(u), s̃(u), G̃(u), and their HyperKZG opening."""

    sumcheck: tuple
    sigma_at_u: int
    s_at_u: int
    g_at_u: int
    opening: HyperKZGProof
    version: int = REGISTRATION_VERSION

    def to_bytes(self) -> bytes:
        parts = [word(self.version), word(len(self.sumcheck))]
        parts += [encode_scalar(v) for msg in self.sumcheck for v in msg]
        parts += [encode_scalar(v) for v in (self.sigma_at_u, self.s_at_u, self.g_at_u)]
        return b"".join(parts) + self.opening.to_bytes()

    @classmethod
    def from_bytes(cls, data) -> RegistrationProof:
        rd = Reader(data, "registration proof")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != REGISTRATION_VERSION:
            raise EncodingError(f"registration proof version {version} is not supported")
        n = rd.uint(MAX_LOG_ROWS, "rounds")
        if n < 1:
            raise EncodingError("registration proof: at least one sum-check round")
        sumcheck = tuple(tuple(rd.scalar() for _ in range(REGISTRATION_DEGREE)) for _ in range(n))
        sigma, s, g = rd.scalar(), rd.scalar(), rd.scalar()
        opening = HyperKZGProof.from_bytes(rd.take(HyperKZGProof.size(n)), n)
        rd.finish()
        return cls(sumcheck, sigma, s, g, opening, version)

    def validate(self, num_rounds: int) -> None:
        """Version, shapes and scalar ranges, as the bytes would be checked (EncodingError)."""
        if self.version != REGISTRATION_VERSION:
            raise EncodingError(f"registration proof version {self.version!r} is not supported")
        if not isinstance(self.sumcheck, (tuple, list)) or len(self.sumcheck) != num_rounds:
            raise EncodingError(f"registration proof: {num_rounds} sum-check rounds are needed")
        if not all(isinstance(m, (tuple, list)) and len(m) == REGISTRATION_DEGREE for m in self.sumcheck):
            raise EncodingError(f"registration proof: a message has {REGISTRATION_DEGREE} values")
        scalars = (*(v for m in self.sumcheck for v in m), self.sigma_at_u, self.s_at_u, self.g_at_u)
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R for v in scalars):
            raise EncodingError("registration proof: a scalar is not an integer in [0, r)")
        if not isinstance(self.opening, HyperKZGProof):
            raise EncodingError("registration proof: the opening is not a HyperKZGProof")


def final_registration_value(manifest: Manifest, ch: RegistrationChallenges, u: list[int],
                             sigma: int, s: int, g: int) -> int:
    """w̃(u)·σ̃(u)·s̃(u) − ΔG̃(u)·(Ẽ(u) + λ·K̃_hi(u)): the summand of (S) at the sum-check's point."""
    n_g = manifest.log_columns + manifest.log_contributors
    weights = evaluate_row_weights(manifest.owners, manifest.offsets, ch.r_c, u)
    kernel = evaluate_kernel(eq_kernel(ch.r_j + ch.r_c), u) + ch.lam * evaluate_kernel(degree_kernel(ch.xi, n_g), u)
    return (weights * sigma % R * s - g * kernel) % R


def verify_registration_impl(manifest: Manifest, proof: RegistrationProof, trusted_srs_digest: bytes) -> bool:
    """The protocol of the module docstring on typed, structurally valid inputs."""
    if manifest.srs_digest != trusted_srs_digest:
        return False
    n = registration_rounds(manifest)
    if n > manifest.verifying_key.max_log_n:
        return False
    proof.validate(n)
    transcript = Transcript(REGISTRATION_LABEL)
    ch = draw_registration_challenges(transcript, manifest)
    result = verify_sumcheck(SumcheckParams(n, REGISTRATION_DEGREE, 0), [list(m) for m in proof.sumcheck],
                             transcript)
    if result is None:
        return False
    u, last = result
    if last != final_registration_value(manifest, ch, u, proof.sigma_at_u, proof.s_at_u, proof.g_at_u):
        return False
    columns, scale = manifest.commitment_points()
    s_commitment = linear_combination(list(zip(columns, column_weights(ch.r_j, manifest.num_columns))))
    return verify_hyperkzg(manifest.verifying_key, [scale, s_commitment, g1_from_affine(*manifest.segment_aggregate)],
                           u, [proof.sigma_at_u, proof.s_at_u, proof.g_at_u], proof.opening, transcript)


def follows(previous: Manifest, manifest: Manifest) -> bool:
    """Whether ``manifest`` is a valid next version of ``previous`` (the link; its proof is separate):
    it names previous's digest, is the next segment, starts its new contributors at previous's C,
    keeps the SRS, k, the recipe, the owner and the fee layers, and its C_G = previous's C_G + C_ΔG.

    | an append tries | stopped by |
    |---|---|
    | to rewrite history (another previous version) | ``previous`` is the digest of the version it extends |
    | to add to C_G more than its rows' aggregate | C_G = C_G(prev) + C_ΔG, and C_ΔG is what the proof checks |
    | to renumber or drop earlier contributors | base = C(prev); returning owners must be below it |
    | to change the owner, the fee layers or the recipe | compared word for word with the previous version |
    | to change k (so that G's layout moves) | compared |
    """
    return (manifest.segment == previous.segment + 1 and manifest.previous == previous.digest()
            and manifest.contributor_base == previous.num_contributors
            and manifest.verifying_key == previous.verifying_key and manifest.num_columns == previous.num_columns
            and manifest.recipe_digest == previous.recipe_digest
            and (manifest.terms.owner, manifest.terms.model_owner, manifest.terms.model_share_bp,
                 manifest.terms.platform, manifest.terms.platform_share_bp)
            == (previous.terms.owner, previous.terms.model_owner, previous.terms.model_share_bp,
                previous.terms.platform, previous.terms.platform_share_bp)
            and eq(manifest.aggregate_point(), add(previous.aggregate_point(), g1_from_affine(*manifest.segment_aggregate))))


@selectable
def verify_registration(manifest, proof, *, trusted_srs_digest: bytes, previous=None) -> bool:
    """Whether ``proof`` shows that the manifest's C_ΔG is the aggregate of its committed rows and, for
    an append (segment ≥ 1), that the manifest follows ``previous`` (required then, and itself verified
    by the caller: ``verify_versions`` walks a whole chain), for the SRS of ``trusted_srs_digest``
    (required).  Each argument may be the object or its bytes (bytes, bytearray, memoryview).  False
    for anything wrong or malformed; it never raises on bad input (only EncodingError is caught:
    anything else is a bug a test must see)."""
    digest = trusted_digest(trusted_srs_digest)
    if digest is None:
        return False
    try:
        manifest = decode_as(manifest, Manifest)
        if manifest.segment == 0:
            if previous is not None:
                return False
        elif previous is None or not follows(decode_as(previous, Manifest), manifest):
            return False
        return verify_registration_impl(manifest, decode_as(proof, RegistrationProof), digest)
    except EncodingError:
        return False


@selectable
def verify_versions(manifests, proofs, *, trusted_srs_digest: bytes) -> bool:
    """Whether ``manifests`` (segment 0 first) are a dataset's versions, each proven by ``proofs``."""
    if not isinstance(manifests, (list, tuple)) or not isinstance(proofs, (list, tuple)):
        return False
    if not manifests or len(manifests) != len(proofs):
        return False
    previous = None
    for manifest, proof in zip(manifests, proofs):
        if not verify_registration(manifest, proof, trusted_srs_digest=trusted_srs_digest, previous=previous):
            return False
        previous = manifest
    return True


__all__ = ["RegistrationProof", "follows", "verify_registration", "verify_versions"]
