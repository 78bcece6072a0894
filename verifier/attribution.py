"""Verifying an attribution proof: the epoch's totals came from the registered data.

Statement (DESIGN §2–3).  For registered features Φ (N × k), scales σ, rows
grouped by contributor (c owns [off_c, off_{c+1})), queries Q (T × k) and
claimed totals A (C × T):

    A[c,t] = Σ_{i ∈ rows(c)} σ_i · Σ_j Φ[i,j]·Q[t,j]

With δ, β drawn after absorbing the manifest digest, Q, F and A, the verifier
folds the whole epoch into one field equation

    v = Σ_{c,t} δ^t β^c A[c,t] = Σ_{x ∈ {0,1}^n} w̃(x)·σ̃(x)·s̃(x)

where q* = Σ_t δ^t Q[t], s = Φ q* (committed as C_s = Σ_j q*_j·C_j, no work
for the prover) and w_i = β^{c(i)} (0 on padding).  One degree-3 sum-check
reduces it to w̃(u)·σ̃(u)·s̃(u) at a random u; the verifier computes w̃(u)
itself from the offsets and checks σ̃(u), s̃(u) with one batched HyperKZG
opening of C_σ and C_s.  The claimed payouts must equal the fee split of the
claimed totals (verifier.fees).
"""

from __future__ import annotations

from attrib.verifier.encoding import EncodingError
from attrib.verifier.fees import compute_payouts
from attrib.verifier.hyperkzg import linear_combination, verify_hyperkzg
from attrib.verifier.messages import SUMCHECK_DEGREE, Claim, Manifest, Proof, encode_signed_words
from attrib.verifier.polynomial import R
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

ATTRIBUTION_LABEL = b"attribution"


def absorb_statement(transcript: Transcript, manifest: Manifest, claim: Claim) -> tuple[int, int]:
    """Absorb the manifest digest, the sizes, Q, F and A (in that order); draw δ then β."""
    transcript.absorb_words(manifest.digest())
    transcript.absorb_scalars([claim.num_queries, manifest.num_columns, manifest.num_contributors])
    transcript.absorb_words(encode_signed_words(x for row in claim.queries for x in row))
    transcript.absorb_scalars(claim.fees)
    transcript.absorb_words(encode_signed_words(a for row in claim.totals for a in row))
    delta = transcript.challenge_scalar()
    beta = transcript.challenge_scalar()
    return delta, beta


def combine_queries(queries, delta: int) -> list[int]:
    """q*_j = Σ_t δ^t·Q[t][j] mod r."""
    k = len(queries[0])
    qstar = [0] * k
    power = 1
    for row in queries:
        for j, x in enumerate(row):
            qstar[j] += power * x
        power = power * delta % R
    return [x % R for x in qstar]


def combine_totals(totals, delta: int, beta: int) -> int:
    """v = Σ_c β^c Σ_t δ^t·A[c][t] mod r."""
    delta_pows = [1] * len(totals[0])
    for t in range(1, len(delta_pows)):
        delta_pows[t] = delta_pows[t - 1] * delta % R
    v, beta_c = 0, 1
    for row in totals:
        v += beta_c * (sum(d * a for d, a in zip(delta_pows, row)) % R)
        beta_c = beta_c * beta % R
    return v % R


def evaluate_range_indicator(t: int, u: list[int]) -> int:
    """Σ_{i < t} eq(i, u): the MLE of the indicator of [0, t) at u, for 0 ≤ t ≤ 2^n.

    An index i < t first differs from t at some bit k with t_k = 1, i_k = 0 and
    agrees above it; the bits below k are free and their eq factors sum to 1:
    Σ_{k: t_k = 1} (1 − u_k)·Π_{m > k} eq(t_m, u_m).
    """
    n = len(u)
    if t >= 1 << n:
        return 1
    total, prefix = 0, 1
    for k in range(n - 1, -1, -1):
        if (t >> k) & 1:
            total = (total + prefix * (1 - u[k])) % R
            prefix = prefix * u[k] % R
        else:
            prefix = prefix * (1 - u[k]) % R
    return total


def evaluate_weights(offsets, beta: int, u: list[int]) -> int:
    """w̃(u) = Σ_c β^c·(ind_[0, off_{c+1})(u) − ind_[0, off_c)(u)), in O(C·n)."""
    below = [evaluate_range_indicator(o, u) for o in offsets]
    total, beta_c = 0, 1
    for c in range(len(offsets) - 1):
        total += beta_c * (below[c + 1] - below[c])
        beta_c = beta_c * beta % R
    return total % R


def verify_attribution_impl(manifest: Manifest, claim: Claim, proof: Proof, trusted_srs_digest: bytes) -> bool:
    """The protocol of the module docstring on typed, structurally valid inputs."""
    if manifest.srs_digest != trusted_srs_digest:
        return False
    claim.validate(manifest.num_columns, manifest.num_contributors)
    proof.validate(manifest.log_rows)
    n = manifest.log_rows
    if list(claim.payouts) != compute_payouts(claim.totals, claim.fees):
        return False
    transcript = Transcript(ATTRIBUTION_LABEL)
    delta, beta = absorb_statement(transcript, manifest, claim)
    qstar = combine_queries(claim.queries, delta)
    claimed_sum = combine_totals(claim.totals, delta, beta)
    result = verify_sumcheck(SumcheckParams(n, SUMCHECK_DEGREE, claimed_sum),
                             [list(m) for m in proof.sumcheck], transcript)
    if result is None:
        return False
    u, final = result
    if final != evaluate_weights(manifest.offsets, beta, u) * proof.sigma_at_u % R * proof.s_at_u % R:
        return False
    columns, scale_commitment = manifest.commitment_points()
    s_commitment = linear_combination(list(zip(columns, qstar)))
    return verify_hyperkzg(manifest.verifying_key, [scale_commitment, s_commitment], u,
                           [proof.sigma_at_u, proof.s_at_u], proof.opening, transcript)


BYTES_LIKE = (bytes, bytearray, memoryview)


def verify_attribution(manifest, claim, proof, *, trusted_srs_digest: bytes) -> bool:
    """Whether ``proof`` shows that ``claim`` was computed from the data ``manifest`` commits to,
    with the SRS whose digest is ``trusted_srs_digest``.

    Each of manifest, claim and proof may be the object or its canonical bytes (bytes,
    bytearray or memoryview).  ``trusted_srs_digest`` is required: a manifest brings its own
    verifying key, and a prover who chose τ could forge any totals, so the verifier names the
    SRS it trusts (a ledger pins the public ceremony's digest).  Returns False for any wrong
    or malformed input: bytes that do not decode and objects that do not validate raise
    EncodingError inside, which is caught here, and nothing else is (any other exception is
    a bug in the specification and propagates, so that a test sees it).
    """
    if not isinstance(trusted_srs_digest, BYTES_LIKE) or len(trusted_srs_digest) != 32:
        return False
    try:
        if isinstance(manifest, BYTES_LIKE):
            manifest = Manifest.from_bytes(bytes(manifest))
        if isinstance(claim, BYTES_LIKE):
            claim = Claim.from_bytes(bytes(claim))
        if isinstance(proof, BYTES_LIKE):
            proof = Proof.from_bytes(bytes(proof))
        if not (isinstance(manifest, Manifest) and isinstance(claim, Claim) and isinstance(proof, Proof)):
            return False
        return verify_attribution_impl(manifest, claim, proof, bytes(trusted_srs_digest))
    except EncodingError:
        return False
