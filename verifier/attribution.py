"""Verifying an epoch's attribution (protocol v2): the fee split of T inferences among C contributors, proven
against the registered aggregate G, with a claim of twelve words whatever C and T.

Statement (DESIGN §3b).  For the manifest's committed G (C × k), the committed queries Q (T × k),
fees F (T) and payouts P (C):

    A[c,t] = ⟨G_c, Q_t⟩,  A⁺ = max(A, 0),  S_t = Σ_c A⁺[c,t]
    π_t = ⌊2^128·F_t / S_t⌋ (0 when S_t = 0),  P_c = ⌊Σ_t π_t·A⁺[c,t] / 2^128⌋
    ΣF = Σ_t F_t, ΣP = Σ_c P_c,  |Q| < 2^15 (−2^15 ≤ q < 2^15),  0 ≤ F < 2^96

The witness (sizes padded to Tp = 2^mT ≥ T, Cp = 2^mC ≥ C, kp = 2^mk; cell (c,t) at t + Tp·c):
- per cell: B = [A < 0] and M = |A| as five 16-bit limbs L_0..L_4 (|A| < 2^80), so A = (1 − 2B)·M;
- per inference: S, z = [S = 0], S′ = S + z, F′ = (1 − z)·F, π = 2^112·π^hi + π^lo, the remainder
  e, d = S′ − 1 − e, and the carry κ, all as 16-bit limbs in the slot table X (rows t);
- per contributor: P and ε = R − 2^128·P with R_c = Σ_t π_t·A⁺[c,t], as limbs in X (rows c);
- one lookup: every limb, every X entry and every Q + 2^15 lies in [0, 2^16), by LogUp with a
  helper per looked-up table (H_i = 1/(α − L_i), Hx, Hq) and Gt = Mu/(α − y) for the
  multiplicities Mu of the table [0, 2^16).

Every field equation below is an integer equation, because the range checks bound every term
(r > 2^253):

| equation | largest term | why it cannot wrap |
|---|---|---|
| D1: π^lo·S′ + e = 2^112·κ | π^lo·S′ < 2^112·2^96 | < 2^209 |
| D2: π^hi·S′ + κ = 2^16·(1 − z)·F | < 2^208 | so π·S′ + e = 2^128·F′ exactly |
| D3: S′ = 1 + e + d | < 2^97 | so 0 ≤ e < S′ and π = ⌊2^128·F′/S′⌋ |
| D4: z(1 − z) = 0, D5: z·S = 0 | < 2^96 | z = [S = 0] (z = 0 and S = 0 give e + d = −1: no) |
| I4: S_t = Σ_c (1 − B)·M | Cp·2^80 ≤ 2^96 | nonnegative terms, C ≤ 2^16 |
| I5: Σ_t π_t·(1 − B)·M = 2^128·P_c + ε_c | π_t·A⁺ ≤ π_t·S′_t ≤ 2^128·F_t < 2^224 | Tp·2^224 ≤ 2^240 |
| I1: (1 − 2B)·M = ⟨G_c, Q_t⟩ | — | defines A as the integer in (−2^80, 2^80) |

Transcript (label ``epoch``), every item absorbed before the challenge that follows it:
E1 the claim's words (digest, seq, T, C_Q, C_F, C_P, ΣF, ΣP) → E2 C_L0..4, C_B, C_X, C_Mu → α
→ E3 C_H0..4, C_Hx, C_Hq, C_Gt → τ (n coordinates; its prefixes serve every table) →
E4 v_A = Ã(τ_cell), v_S = S̃(τ_t), v_P = P̃(τ_c), v_ε = ε̃(τ_c) → λ → six sum-checks (cells,
inferences, X, Q, the lookup table, G·Q), each followed by its final values → γ → the batching
sum-check (degree 2, n rounds) → one radix-8 HyperKZG batch (attrib.verifier.radix) of the twenty
commitments at its point.

What a cheating prover would try, and what stops it:

| tries | stopped by |
|---|---|
| both A⁺ and A⁻ positive in a cell | not representable: A⁺ = (1 − B)·M, A⁻ = B·M, B boolean (cells, term d) |
| a wrong sign bit (B = 1 for A > 0) | −M ≡ A means M = r − A > 2^80: a limb leaves [0, 2^16) (LogUp) |
| a limb ≥ 2^16, or r − 1 for "−1" | LogUp: the multiset must equal one over [0, 2^16) |
| Ã(τ) ≠ the MLE of G·Qᵀ | cells term a and the G·Q sum-check at the same random τ |
| S_t ≠ Σ_c A⁺[c,t] | cells term b at τ_t; S's limbs tied to X at τ_t |
| π_t + 1 or π_t − 1 | D1–D3 over the integers: e or d would be negative, out of range |
| π forged by wrap-around mod r | impossible: the table above (a one-piece π·S + e check would be forgeable) |
| z_t = 1 to drop an inference with S_t > 0; z_t = 0 with S_t = 0 | D5; D3 |
| P_c off by one, ε ≥ 2^128 | I5 with ε's eight limbs: P_c = ⌊R_c/2^128⌋ is the only solution |
| F_t ≥ 2^96, negative, or nonzero on padding | F's limbs tied to C_F; ⟨F, I_[T,Tp)⟩ = 0 with F ≥ 0 |
| a query outside [−2^15, 2^15) | the Q + 2^15 lookup |
| ΣF, ΣP not the sums | all-ones claims on C_F, C_P (integers below r) |
| junk coefficients beyond Q's, F's or P's nominal table | degree claims (P's matters on chain: the running sum) |
| a helper column wrong in one entry | the helper terms at the random τ |
| an epoch replayed on another manifest, or twice | the digest and seq are absorbed first |
| an SRS whose τ it knows | trusted_srs_digest, required, compared first |

Limits of this instantiation: C ≤ 2^16, T ≤ 2^16, |A| < 2^80 (five limbs), F < 2^96.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from attrib.verifier.backend import selectable
from attrib.verifier.encoding import EncodingError, encode_g1, encode_scalar, g1_affine, g1_from_affine
from attrib.verifier.radix import RadixProof, verify_radix
from attrib.verifier.kernels import (
    LIMB_BITS,
    SLOT_BITS,
    LinearClaim,
    claim,
    degree_kernel,
    eq_kernel,
    evaluate_kernel,
    limb_kernel,
    ones_kernel,
    range_kernel,
)
from attrib.verifier.limits import (
    MAGNITUDE_LIMBS,
    MAX_CONTRIBUTORS,
    MAX_ENCODING_VERSION,
    MAX_QUERIES,
    MAX_SEQ,
    QUERY_LIMIT,
)
from attrib.verifier.messages import Manifest, Reader, decode_as, load_json, parse_int, trusted_digest, word
from attrib.verifier.polynomial import R, evaluate_eq
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript

EPOCH_LABEL = b"epoch"
CLAIM_VERSION = 1
PROOF_VERSION = 2                   # 1 ended in a HyperKZG opening; 2 in a radix-8 one (attrib.verifier.radix)
LOOKUP_BITS = 16                              # the range table is [0, 2^16)
QUERY_SHIFT = QUERY_LIMIT                   # Q + 2^15 is looked up: −2^15 ≤ q < 2^15
MAX_LOG_INFERENCES = MAX_QUERIES.bit_length() - 1          # T ≤ 2^16 (P < 2^112 in seven limbs)
MAX_LOG_CONTRIBUTORS = MAX_CONTRIBUTORS.bit_length() - 1   # C ≤ 2^16 (S < 2^96 in six limbs)
PI_SPLIT = 112                                # π = 2^112·π^hi + π^lo
FEE_SHIFT = 128                               # π_t = ⌊2^128·F_t/S_t⌋

# The slot map of X: (first slot, limbs); per-inference rows use slots 0–44, per-contributor 48–62.
SLOTS = {"F": (0, 6), "S": (6, 6), "PI_LO": (12, 7), "PI_HI": (19, 7), "E": (26, 6), "D": (32, 6),
         "KAPPA": (38, 6), "Z": (44, 1), "P": (48, 7), "EPS": (55, 8)}
PER_INFERENCE = ("F", "S", "PI_LO", "PI_HI", "E", "D", "KAPPA", "Z")

# The committed tables, in the order of the final batch (and of the proof's phase-1/2 points).
PHASE1 = tuple(f"L{i}" for i in range(MAGNITUDE_LIMBS)) + ("B", "X", "MU")
PHASE2 = tuple(f"H{i}" for i in range(MAGNITUDE_LIMBS)) + ("HX", "HQ", "GT")
PUBLIC = ("Q", "F", "P", "G")
TABLES = PHASE1 + PHASE2 + PUBLIC
T_ = {name: i for i, name in enumerate(TABLES)}
FINALS = {"cells": tuple(f"l{i}" for i in range(MAGNITUDE_LIMBS)) + ("b",)
          + tuple(f"h{i}" for i in range(MAGNITUDE_LIMBS)) + ("pi_lo", "pi_hi"),
          "inferences": tuple(v.lower() for v in PER_INFERENCE),
          "slots": ("x", "hx"), "queries": ("q", "hq"), "lookup": ("mu", "gt"), "gq": ("g", "q")}
STAGES = ("cells", "inferences", "slots", "queries", "lookup", "gq")
DEGREES = {"cells": 3, "inferences": 3, "slots": 3, "queries": 3, "lookup": 3, "gq": 2}
assert MAGNITUDE_LIMBS == 5 and SLOTS["EPS"][0] + SLOTS["EPS"][1] <= 1 << SLOT_BITS


# ---- sizes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class EpochShape:
    """The padded sizes (as numbers of variables) of one epoch's tables."""

    m_t: int              # Tp = 2^m_t ≥ T
    m_c: int              # Cp = 2^m_c ≥ C
    m_k: int              # kp = 2^m_k ≥ k

    @property
    def cells(self) -> int:
        return self.m_t + self.m_c

    @property
    def row_bits(self) -> int:
        return max(self.m_t, self.m_c)

    @property
    def slots(self) -> int:
        return self.row_bits + SLOT_BITS

    @property
    def queries(self) -> int:
        return self.m_t + self.m_k

    @property
    def aggregate(self) -> int:
        return self.m_c + self.m_k

    def bits(self) -> dict[str, int]:
        """The nominal variable count of every committed table."""
        out = {f"L{i}": self.cells for i in range(MAGNITUDE_LIMBS)} | {f"H{i}": self.cells for i in range(5)}
        return out | {"B": self.cells, "X": self.slots, "HX": self.slots, "MU": LOOKUP_BITS, "GT": LOOKUP_BITS,
                      "Q": self.queries, "HQ": self.queries, "F": self.m_t, "P": self.m_c, "G": self.aggregate}

    @property
    def n(self) -> int:
        """Variables of the batching sum-check and of the one opening: the largest table."""
        return max(self.bits().values())

    def rounds(self, stage: str) -> int:
        return {"cells": self.cells, "inferences": self.m_t, "slots": self.slots, "queries": self.queries,
                "lookup": LOOKUP_BITS, "gq": self.m_k}[stage]


def epoch_shape(manifest: Manifest, num_queries: int) -> EpochShape:
    """mT = ⌈log₂ T⌉ (at least 1), mC and mk from the manifest."""
    return EpochShape(max(1, (num_queries - 1).bit_length()), manifest.log_contributors, manifest.log_columns)


# ---- messages -----------------------------------------------------------------------------

def _point_words(point) -> bytes:
    return encode_g1(point)


@dataclass(frozen=True, eq=False)
class Claim:
    """What a ledger sees of an epoch: twelve words, whatever C and T.

    The queries, fees and payouts themselves are published beside the claim (a sidecar) and can
    be checked against C_Q, C_F, C_P by anyone who holds them (attrib.verifier.sidecar).
    """

    manifest_digest: bytes
    seq: int
    num_queries: int
    queries_commitment: object      # py_ecc G1 points
    fees_commitment: object
    payouts_commitment: object
    total_fees: int
    total_paid: int
    version: int = CLAIM_VERSION

    def words(self) -> bytes:
        """The claim as it is absorbed (E1): everything but the version."""
        return b"".join([bytes(self.manifest_digest), word(self.seq), word(self.num_queries),
                         _point_words(self.queries_commitment), _point_words(self.fees_commitment),
                         _point_words(self.payouts_commitment), word(self.total_fees), word(self.total_paid)])

    def to_bytes(self) -> bytes:
        return word(self.version) + self.words()

    def __eq__(self, other) -> bool:
        return isinstance(other, Claim) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    @classmethod
    def from_bytes(cls, data) -> Claim:
        rd = Reader(data, "epoch claim")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != CLAIM_VERSION:
            raise EncodingError(f"epoch claim version {version} is not supported")
        digest = rd.take(32)
        seq = rd.uint(MAX_SEQ - 1, "seq")
        t = rd.uint(1 << MAX_LOG_INFERENCES, "num_queries")
        q, f, p = rd.g1(), rd.g1(), rd.g1()
        total_fees = rd.uint((1 << 256) - 1, "total_fees")
        total_paid = rd.uint((1 << 256) - 1, "total_paid")
        rd.finish()
        return cls(digest, seq, t, q, f, p, total_fees, total_paid, version)

    def to_json(self) -> str:
        """The claim's fields, commitments as [x, y] hex pairs and integers as decimal (ΣF, ΣP)."""
        def affine(point):
            x, y = g1_affine(point)
            return [hex(x), hex(y)]

        return json.dumps({"version": self.version, "manifest_digest": bytes(self.manifest_digest).hex(),
                           "seq": self.seq, "num_queries": self.num_queries,
                           "queries_commitment": affine(self.queries_commitment),
                           "fees_commitment": affine(self.fees_commitment),
                           "payouts_commitment": affine(self.payouts_commitment),
                           "total_fees": str(self.total_fees), "total_paid": str(self.total_paid)}, indent=1)

    @classmethod
    def from_json(cls, text) -> Claim:
        obj = load_json(text, "claim")
        try:
            points = [g1_from_affine(*(parse_int(v, name) for v in obj[name]))
                      for name in ("queries_commitment", "fees_commitment", "payouts_commitment")]
            claim = cls(bytes.fromhex(obj["manifest_digest"]), parse_int(obj["seq"], "seq"),
                        parse_int(obj["num_queries"], "num_queries"), *points,
                        parse_int(obj["total_fees"], "total_fees"), parse_int(obj["total_paid"], "total_paid"),
                        parse_int(obj.get("version", CLAIM_VERSION), "version"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"claim JSON is malformed: {exc!r}") from None
        claim.validate()
        return claim

    def validate(self) -> None:
        if self.version != CLAIM_VERSION:
            raise EncodingError(f"epoch claim version {self.version!r} is not supported")
        if not isinstance(self.manifest_digest, (bytes, bytearray)) or len(self.manifest_digest) != 32:
            raise EncodingError("epoch claim: the manifest digest is 32 bytes")
        for name in ("seq", "num_queries", "total_fees", "total_paid"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
                raise EncodingError(f"epoch claim: {name} must be an integer in [0, r)")
        if not 1 <= self.num_queries <= 1 << MAX_LOG_INFERENCES:
            raise EncodingError(f"epoch claim: 1 to 2^{MAX_LOG_INFERENCES} queries")
        try:
            self.words()
        except (EncodingError, TypeError, ValueError, AttributeError):
            raise EncodingError("epoch claim: a commitment is not a G1 point") from None


@dataclass(frozen=True, eq=False)
class Proof:
    """The commitments of phases 1 and 2, the E4 values, six sum-checks with their final values,
    the batching sum-check, the values of the twenty tables at its point, and the opening."""

    phase1: tuple                   # C_L0..L4, C_B, C_X, C_Mu
    phase2: tuple                   # C_H0..H4, C_Hx, C_Hq, C_Gt
    values: tuple                   # v_A, v_S, v_P, v_ε
    rounds: tuple                   # per stage (STAGES order): rounds × degree values
    finals: tuple                   # per stage: its FINALS
    batch_rounds: tuple             # n × 2
    evaluations: tuple              # the twenty tables at the batching point (TABLES order)
    opening: RadixProof
    version: int = PROOF_VERSION

    def to_bytes(self) -> bytes:
        parts = [word(self.version), word(len(self.batch_rounds))]
        parts += [encode_g1(p) for p in (*self.phase1, *self.phase2)]
        parts += [encode_scalar(v) for v in self.values]
        for stage_rounds, stage_finals in zip(self.rounds, self.finals, strict=True):
            parts += [word(len(stage_rounds))]
            parts += [encode_scalar(v) for msg in stage_rounds for v in msg]
            parts += [encode_scalar(v) for v in stage_finals]
        parts += [encode_scalar(v) for msg in self.batch_rounds for v in msg]
        parts += [encode_scalar(v) for v in self.evaluations]
        return b"".join(parts) + self.opening.to_bytes()

    def __eq__(self, other) -> bool:
        return isinstance(other, Proof) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "bytes": self.to_bytes().hex()})

    @classmethod
    def from_json(cls, text) -> Proof:
        obj = load_json(text, "proof")
        try:
            return cls.from_bytes(bytes.fromhex(obj["bytes"]))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, EncodingError):
                raise
            raise EncodingError(f"proof JSON is malformed: {exc!r}") from None

    @classmethod
    def from_bytes(cls, data) -> Proof:
        rd = Reader(data, "epoch proof")
        version = rd.uint(MAX_ENCODING_VERSION, "version")
        if version != PROOF_VERSION:
            raise EncodingError(f"epoch proof version {version} is not supported")
        n = rd.uint(64, "batch rounds")
        if n < 1:
            raise EncodingError("epoch proof: at least one batching round")
        phase1 = tuple(rd.g1() for _ in PHASE1)
        phase2 = tuple(rd.g1() for _ in PHASE2)
        values = tuple(rd.scalar() for _ in range(4))
        rounds, finals = [], []
        for stage in STAGES:
            count = rd.uint(64, f"{stage} rounds")
            rounds.append(tuple(tuple(rd.scalar() for _ in range(DEGREES[stage])) for _ in range(count)))
            finals.append(tuple(rd.scalar() for _ in FINALS[stage]))
        batch = tuple(tuple(rd.scalar() for _ in range(2)) for _ in range(n))
        evaluations = tuple(rd.scalar() for _ in TABLES)
        opening = RadixProof.from_bytes(rd.take(RadixProof.size(n)), n)
        rd.finish()
        return cls(phase1, phase2, values, tuple(rounds), tuple(finals), batch, evaluations, opening, version)

    def validate(self, shape: EpochShape) -> None:
        """Version, every shape against the epoch's sizes, every scalar in [0, r) (EncodingError)."""
        if self.version != PROOF_VERSION:
            raise EncodingError(f"epoch proof version {self.version!r} is not supported")

        def seq(x, length=None):
            return isinstance(x, (tuple, list)) and (length is None or len(x) == length)

        if not (seq(self.phase1, len(PHASE1)) and seq(self.phase2, len(PHASE2)) and seq(self.values, 4)
                and seq(self.rounds, len(STAGES)) and seq(self.finals, len(STAGES))
                and seq(self.batch_rounds, shape.n) and seq(self.evaluations, len(TABLES))):
            raise EncodingError("epoch proof: the parts do not have this epoch's shape")
        scalars = list(self.values) + list(self.evaluations)
        for stage, stage_rounds, stage_finals in zip(STAGES, self.rounds, self.finals):
            if not (seq(stage_rounds, shape.rounds(stage)) and seq(stage_finals, len(FINALS[stage]))):
                raise EncodingError(f"epoch proof: the {stage} sum-check does not have this epoch's shape")
            if not all(seq(m, DEGREES[stage]) for m in stage_rounds):
                raise EncodingError(f"epoch proof: a {stage} message has {DEGREES[stage]} values")
            scalars += [v for m in stage_rounds for v in m] + list(stage_finals)
        if not all(seq(m, 2) for m in self.batch_rounds):
            raise EncodingError("epoch proof: a batching message has 2 values")
        scalars += [v for m in self.batch_rounds for v in m]
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < R for v in scalars):
            raise EncodingError("epoch proof: a scalar is not an integer in [0, r)")
        if not isinstance(self.opening, RadixProof):
            raise EncodingError("epoch proof: the opening is not a RadixProof")


# ---- the transcript steps (the prover calls these too) ----------------------------------------

def absorb_claim(transcript: Transcript, claim_: Claim) -> None:
    """E1."""
    transcript.absorb_words(claim_.words())


def absorb_phase1(transcript: Transcript, commitments) -> int:
    """E2: C_L0..4, C_B, C_X, C_Mu; draw α (the LogUp challenge)."""
    transcript.absorb_g1(list(commitments))
    return transcript.challenge_scalar()


def absorb_phase2(transcript: Transcript, commitments, shape: EpochShape) -> Taus:
    """E3: C_H0..4, C_Hx, C_Hq, C_Gt; draw τ (n coordinates)."""
    transcript.absorb_g1(list(commitments))
    return Taus([transcript.challenge_scalar() for _ in range(shape.n)])


def absorb_values(transcript: Transcript, values) -> list[int]:
    """E4: v_A, v_S, v_P, v_ε; draw λ and return its powers λ^0 … λ^8."""
    transcript.absorb_scalars(list(values))
    lam = transcript.challenge_scalar()
    return [pow(lam, i, R) for i in range(4 + MAGNITUDE_LIMBS)]


def absorb_finals(transcript: Transcript, finals) -> None:
    """A stage's final values, absorbed after its rounds (they feed the batching claims)."""
    transcript.absorb_scalars(list(finals))


def draw_batching_challenge(transcript: Transcript) -> int:
    """γ, which weighs the linear claims of every stage into one."""
    return transcript.challenge_scalar()


@dataclass(frozen=True)
class Taus:
    """τ and the prefixes every table uses (PROTOCOL-V2 §4)."""

    tau: list

    def cell(self, shape):
        return self.tau[:shape.cells]

    def t(self, shape):
        return self.tau[:shape.m_t]

    def c(self, shape):
        return self.tau[shape.m_t:shape.cells]

    def prefix(self, bits):
        return self.tau[:bits]


# ---- the claims of each stage -------------------------------------------------------------

def pi_value(pi_lo: int, pi_hi: int) -> int:
    return ((pi_hi << PI_SPLIT) + pi_lo) % R


def magnitude(limbs) -> int:
    """M = Σ_i 2^{16i}·ℓ_i."""
    return sum(v << (LIMB_BITS * i) for i, v in enumerate(limbs)) % R


def cells_claim(values, lam_pows) -> int:
    """Σ over cells: v_A, v_S, 2^128·v_P + v_ε, then zeros (B boolean, the five helpers)."""
    v_a, v_s, v_p, v_e = values
    return (lam_pows[0] * v_a + lam_pows[1] * v_s + lam_pows[2] * ((v_p << FEE_SHIFT) + v_e)) % R


def cells_final(shape, taus, u, f, alpha, lam_pows) -> int:
    """The cells summand at u from the final values f (FINALS["cells"])."""
    limbs = [f[f"l{i}"] for i in range(MAGNITUDE_LIMBS)]
    helpers = [f[f"h{i}"] for i in range(MAGNITUDE_LIMBS)]
    b, m = f["b"], magnitude(limbs)
    eq_cell = evaluate_eq(taus.cell(shape), u)
    eq_t = evaluate_eq(taus.t(shape), u[:shape.m_t])
    eq_c = evaluate_eq(taus.c(shape), u[shape.m_t:])
    pi = pi_value(f["pi_lo"], f["pi_hi"])
    total = lam_pows[0] * eq_cell * (1 - 2 * b) % R * m
    total += lam_pows[1] * eq_t * (1 - b) % R * m
    total += lam_pows[2] * eq_c * pi % R * (1 - b) % R * m
    total += lam_pows[3] * eq_cell * b % R * (1 - b)
    for i in range(MAGNITUDE_LIMBS):
        total += lam_pows[4 + i] * eq_cell * ((helpers[i] * (alpha - limbs[i]) - 1) % R)
    return total % R


def inferences_final(shape, taus, u, f, lam_pows) -> int:
    """D1–D5 at u (per-inference values f)."""
    s_prime = f["s"] + f["z"]
    d1 = f["pi_lo"] * s_prime + f["e"] - (f["kappa"] << PI_SPLIT)
    d2 = f["pi_hi"] * s_prime + f["kappa"] - (1 << (FEE_SHIFT - PI_SPLIT)) * (1 - f["z"]) * f["f"]
    d3 = s_prime - 1 - f["e"] - f["d"]
    d4 = f["z"] * (1 - f["z"])
    d5 = f["z"] * f["s"]
    eq_t = evaluate_eq(taus.t(shape), u)
    return eq_t * sum(p * d for p, d in zip(lam_pows, (d1, d2, d3, d4, d5))) % R


def lookup_value(u: list[int]) -> int:
    """ι̃(u) = Σ_b 2^b·u_b: the MLE of the table [0, 2^16) itself."""
    return sum(x << b for b, x in enumerate(u)) % R


def helper_final(taus, bits, u, helper, looked_up, alpha, shift=0) -> int:
    """eq(τ, u)·(h·(α − shift − x) − 1) for the LogUp helper of one looked-up table."""
    return evaluate_eq(taus.prefix(bits), u) * ((helper * (alpha - shift - looked_up) - 1) % R) % R


def table_final(taus, u, mu, gt, alpha) -> int:
    """eq(τ, u)·(Gt·(α − ι) − Mu) for the range table's helper."""
    return evaluate_eq(taus.prefix(LOOKUP_BITS), u) * ((gt * (alpha - lookup_value(u)) - mu) % R) % R


def batch_claims(shape: EpochShape, claim_: Claim, taus: Taus, points: dict, finals: dict,
                 values) -> list[LinearClaim]:
    """Every linear claim the stages leave on the committed tables, in their fixed order (γ^0, γ^1, …).

    ``points`` and ``finals`` map each stage to its sum-check point and its final values.
    """
    v_a, v_s, v_p, v_e = values
    rb = shape.row_bits
    u = points["cells"]
    u_t = u[:shape.m_t]
    f = finals["cells"]
    out = [claim(T_[f"L{i}"], eq_kernel(u), f[f"l{i}"]) for i in range(MAGNITUDE_LIMBS)]
    out.append(claim(T_["B"], eq_kernel(u), f["b"]))
    out += [claim(T_[f"H{i}"], eq_kernel(u), f[f"h{i}"]) for i in range(MAGNITUDE_LIMBS)]
    out += [claim(T_["X"], limb_kernel(u_t, rb, *SLOTS[name]), f[name.lower()]) for name in ("PI_LO", "PI_HI")]
    w = points["inferences"]
    g = finals["inferences"]
    out += [claim(T_["X"], limb_kernel(w, rb, *SLOTS[name]), g[name.lower()]) for name in PER_INFERENCE]
    out.append(claim(T_["F"], eq_kernel(w), g["f"]))
    x, q = points["slots"], points["queries"]
    out += [claim(T_["X"], eq_kernel(x), finals["slots"]["x"]), claim(T_["HX"], eq_kernel(x), finals["slots"]["hx"])]
    out += [claim(T_["Q"], eq_kernel(q), finals["queries"]["q"]),
            claim(T_["HQ"], eq_kernel(q), finals["queries"]["hq"])]
    y = points["lookup"]
    out += [claim(T_["MU"], eq_kernel(y), finals["lookup"]["mu"]),
            claim(T_["GT"], eq_kernel(y), finals["lookup"]["gt"])]
    k = points["gq"]
    out += [claim(T_["G"], eq_kernel(k + taus.c(shape)), finals["gq"]["g"]),
            claim(T_["Q"], eq_kernel(k + taus.t(shape)), finals["gq"]["q"])]
    out += [claim(T_["X"], limb_kernel(taus.t(shape), rb, *SLOTS["S"]), v_s),
            claim(T_["P"], eq_kernel(taus.c(shape)), v_p),
            claim(T_["X"], limb_kernel(taus.c(shape), rb, *SLOTS["P"]), v_p),
            claim(T_["X"], limb_kernel(taus.c(shape), rb, *SLOTS["EPS"]), v_e)]
    bits = shape.bits()
    logup = tuple((T_[f"H{i}"], ones_kernel(bits[f"H{i}"]), 1) for i in range(MAGNITUDE_LIMBS))
    logup += ((T_["HX"], ones_kernel(bits["HX"]), 1), (T_["HQ"], ones_kernel(bits["HQ"]), 1),
              (T_["GT"], ones_kernel(bits["GT"]), R - 1))
    out.append(LinearClaim(logup, 0))
    out += [claim(T_["F"], ones_kernel(shape.m_t), claim_.total_fees),
            claim(T_["P"], ones_kernel(shape.m_c), claim_.total_paid),
            claim(T_["F"], range_kernel(claim_.num_queries, 1 << shape.m_t, shape.m_t), 0)]
    xi = taus.prefix(shape.n)
    out += [claim(T_[name], degree_kernel(xi, bits[name]), 0) for name in ("Q", "F", "P")]
    return out


def combined_kernels(claims: list[LinearClaim], gamma: int) -> dict[int, list[tuple[object, int]]]:
    """For each table, its (kernel, γ^j·coefficient) pairs: K_f = Σ γ^j·coefficient·κ_j."""
    out: dict[int, list] = {}
    power = 1
    for c in claims:
        for table, kernel, coefficient in c.parts:
            out.setdefault(table, []).append((kernel, power * coefficient % R))
        power = power * gamma % R
    return out


def batched_value(claims: list[LinearClaim], gamma: int) -> int:
    """Σ_j γ^j·v_j: the batching sum-check's claim."""
    total, power = 0, 1
    for c in claims:
        total = (total + power * c.value) % R
        power = power * gamma % R
    return total


# ---- the verifier -----------------------------------------------------------------------------

def stage_finals(proof: Proof) -> dict:
    return {stage: dict(zip(FINALS[stage], values, strict=True)) for stage, values in zip(STAGES, proof.finals)}


def verify_attribution_impl(manifest: Manifest, claim_: Claim, proof: Proof, trusted_srs_digest: bytes) -> bool:
    """The protocol of the module docstring on typed, structurally valid inputs."""
    claim_.validate()
    if manifest.srs_digest != trusted_srs_digest or bytes(claim_.manifest_digest) != manifest.digest():
        return False
    shape = epoch_shape(manifest, claim_.num_queries)
    if shape.m_c > MAX_LOG_CONTRIBUTORS or shape.n > manifest.verifying_key.max_log_n:
        return False
    proof.validate(shape)
    transcript = Transcript(EPOCH_LABEL)
    absorb_claim(transcript, claim_)
    alpha = absorb_phase1(transcript, proof.phase1)
    taus = absorb_phase2(transcript, proof.phase2, shape)
    lam_pows = absorb_values(transcript, proof.values)
    finals = stage_finals(proof)
    points = {}
    claims_of_stage = {"cells": cells_claim(proof.values, lam_pows), "inferences": 0, "slots": 0, "queries": 0,
                       "lookup": 0, "gq": proof.values[0]}
    for stage, messages in zip(STAGES, proof.rounds):
        params = SumcheckParams(shape.rounds(stage), DEGREES[stage], claims_of_stage[stage])
        if params.num_rounds == 0:
            point, last = [], params.claim
        else:
            result = verify_sumcheck(params, [list(m) for m in messages], transcript)
            if result is None:
                return False
            point, last = result
        absorb_finals(transcript, proof.finals[STAGES.index(stage)])
        f = finals[stage]
        expected = {
            "cells": lambda: cells_final(shape, taus, point, f, alpha, lam_pows),
            "inferences": lambda: inferences_final(shape, taus, point, f, lam_pows),
            "slots": lambda: helper_final(taus, shape.slots, point, f["hx"], f["x"], alpha),
            "queries": lambda: helper_final(taus, shape.queries, point, f["hq"], f["q"], alpha, QUERY_SHIFT),
            "lookup": lambda: table_final(taus, point, f["mu"], f["gt"], alpha),
            "gq": lambda: f["g"] * f["q"] % R,
        }[stage]()
        if last != expected:
            return False
        points[stage] = point
    claims = batch_claims(shape, claim_, taus, points, finals, proof.values)
    gamma = draw_batching_challenge(transcript)
    result = verify_sumcheck(SumcheckParams(shape.n, 2, batched_value(claims, gamma)),
                             [list(m) for m in proof.batch_rounds], transcript)
    if result is None:
        return False
    x, last = result
    kernels = combined_kernels(claims, gamma)
    expected = sum(proof.evaluations[table] * sum(coefficient * evaluate_kernel(kernel, x) for kernel, coefficient
                                                  in parts) for table, parts in kernels.items()) % R
    if last != expected:
        return False
    commitments = [*proof.phase1, *proof.phase2, claim_.queries_commitment, claim_.fees_commitment,
                   claim_.payouts_commitment, manifest.aggregate_point()]
    return verify_radix(manifest.verifying_key, commitments, x, list(proof.evaluations), proof.opening,
                           transcript)


@selectable
def verify_attribution(manifest, claim_, proof, *, trusted_srs_digest: bytes) -> bool:
    """Whether ``proof`` shows that ``claim_`` (its committed queries, fees and payouts) follows the
    fee rule on the data ``manifest`` registers, for the SRS of ``trusted_srs_digest`` (required).
    Each argument may be the object or its bytes.  False for anything wrong or malformed."""
    digest = trusted_digest(trusted_srs_digest)
    if digest is None:
        return False
    try:
        return verify_attribution_impl(decode_as(manifest, Manifest), decode_as(claim_, Claim),
                                       decode_as(proof, Proof), digest)
    except EncodingError:
        return False
