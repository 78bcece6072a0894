"""The EVM verifier of protocol v2: a Solidity contract generated for one SRS, and the calldata that drives it.

``contract_source(vk)`` renders the template ``TEMPLATE`` below with the verifying key's constants
([1]_1; [1]_2 and [τ]_2 in the EVM's word order, imaginary part first; max_log_n; the SRS digest)
and with the protocol's constants (labels, slot map, bounds, versions), all taken from this package,
so that the contract and the spec cannot drift; ``render`` refuses a template whose placeholders
differ from the constants given.  The contract ``EpochVerifier`` is stateless; its first two view functions

    verifyEpoch(bytes32 manifestDigest, uint256 logContributors, uint256 logColumns,
                uint256[2] aggregate, bytes claim, bytes proof) returns (bool)
    verifyPayouts(bytes32 manifestDigest, uint256 numContributors, bytes claim,
                  uint256[] indices, uint256[] values, bytes opening) returns (bool)

take ``Claim.to_bytes()``, ``Proof.to_bytes()`` and ``PayoutOpening.to_bytes()`` as they are, and
the few manifest fields a ledger keeps from registration: its digest, mC = ``log_contributors``,
mk = ``log_columns``, the aggregate commitment C_G as affine (x, y), and C = ``num_contributors``.
``verifyEpoch`` returns true exactly when ``verify_attribution(manifest, claim, proof,
trusted_srs_digest=vk.digest())`` does for a manifest with those fields; ``verifyPayouts`` exactly
when ``verify_payouts(manifest, claim, indices, values, opening, trusted_srs_digest=vk.digest())``
does (it needs C, from which it derives mC, and the digest the claim must name; nothing else of
the manifest).  A third,

    verifyBalance(bytes32 datasetId, uint256 numContributors, uint256 epoch, uint256[2][] excluded,
                  uint256[2] commitment, uint256 index, uint256 value, bytes opening) returns (bool)

returns true exactly when ``verify_balance(manifest, epoch, excluded, commitment, index, value,
opening, trusted_srs_digest=vk.digest(), dataset_id=datasetId)`` does for a current version of C =
``numContributors`` (the ranges ``excluded`` as (first, last) pairs, the opening's BalanceOpening
bytes).  None sees the manifest's SRS digest: the ledger compares it with ``SRS_DIGEST``
once, at registration.  Anything malformed returns false; only calldata that is not a valid ABI
encoding of the arguments (offsets or lengths past its end) reverts, in Solidity's decoder.

Gas.  The template is written for the EVM's prices, not for brevity; what it does and what it refuses are
those of the Python functions, in another order where that is cheaper:

- every sum-check round is one straight loop body (copy the message, two keccaks, the Newton form with
  sums left unreduced below 5r), and a degree-3 stage's eq(τ_{<rounds}, u) is multiplied in as its u are
  drawn, from τ stored as the pairs (1 − τ_i, 2τ_i − 1) (eq(a, b) = (1 − a) + b(2a − 1));
- a message value ≥ r is refused where the rounds read it (one flag, one branch), the other scalars by
  ranges, and every point as it is read: all before a true, so the verdict is the same;
- the batching check weighs claim j by γ^j from one table, groups the kernels by the point they evaluate
  at, takes the degree kernels as PE[n] − PE[m]·ZT[m]·ZS[m] from prefix and suffix products, and the slot
  part of a limb kernel from two 8-entry eq tables (the 6 slot bits split 3 + 3);
- straight-line code is generated where the protocol's constants fix the shape (the γ powers, the batched
  value in batch_claims' order, the limb weights from SLOTS), the small tables live at fixed addresses, and
  verifyPayouts and verifyBalance touch only memory below the transcript buffer and the openings' scratch;
- every opening is radix-8 HyperKZG (attrib.verifier.radix): a third of HyperKZG's fold commitments, its
  8 + 1 points' inverses in one modexp, the fold weights from one table of x_i^(−2^b) − 1.

Each such choice is checked against the Python specification at import time (the claim order is read
off batch_claims itself) and by the differential tests (tests/chain).  The precompile work is what the
protocol needs: at n = 20, 19 + 7 ecMul (the ρ-combination of the 20 opened commitments; 4 fold
commitments, [1]_1, W, W′), 26 ecAdd, one 2-pair pairing and one modexp (the inverses of (2)).

This module only writes text and bytes; compiling and executing are attrib.chain.evm's business.
"""

from __future__ import annotations

import re

from attrib.verifier.attribution import (
    CLAIM_VERSION,
    DEGREES,
    EPOCH_LABEL,
    FEE_SHIFT,
    FINALS,
    LOOKUP_BITS,
    MAX_LOG_CONTRIBUTORS,
    MAX_LOG_INFERENCES,
    PER_INFERENCE,
    PHASE1,
    PHASE2,
    PI_SPLIT,
    PROOF_VERSION,
    PUBLIC,
    QUERY_SHIFT,
    SLOTS,
    STAGES,
    TABLES,
    Claim,
    EpochShape,
    Proof,
    Taus,
    batch_claims,
)
from attrib.verifier.encoding import Q_MODULUS, R_MODULUS, encode_g2, g1_affine
from attrib.verifier.hyperkzg import VerifyingKey
from attrib.verifier.kernels import LIMB_BITS, SLOT_BITS
from attrib.verifier.limits import MAGNITUDE_LIMBS, MAX_COLUMNS, MAX_CONTRIBUTORS, MAX_SEQ
from attrib.verifier.messages import Manifest
from attrib.verifier.payouts import (
    BALANCE_LABEL,
    BALANCE_VERSION,
    OPENING_VERSION,
    PAYOUT_LABEL,
    BalanceOpening,
    PayoutOpening,
)
from attrib.verifier.polynomial import inverse
from attrib.verifier.radix import RADIX_LOG, RADIX_TAIL_LOG, root_of_unity
from attrib.verifier.transcript import TRANSCRIPT_DOMAIN, keccak256

VERIFY_EPOCH_SIGNATURE = "verifyEpoch(bytes32,uint256,uint256,uint256[2],bytes,bytes)"
VERIFY_PAYOUTS_SIGNATURE = "verifyPayouts(bytes32,uint256,bytes,uint256[],uint256[],bytes)"
VERIFY_BALANCE_SIGNATURE = "verifyBalance(bytes32,uint256,uint256,uint256[2][],uint256[2],uint256,uint256,bytes)"

# The template hard-codes what these name: the order of the stages, of their final values, of the
# committed tables and of the linear claims of attribution.batch_claims; degree-2 and -3 messages;
# radix-8 openings.  A change to any of them must be made in the template too.
assert STAGES == ("cells", "inferences", "slots", "queries", "lookup", "gq")
assert [DEGREES[s] for s in STAGES] == [3, 3, 3, 3, 3, 2]
assert FINALS["cells"] == ("l0", "l1", "l2", "l3", "l4", "b", "h0", "h1", "h2", "h3", "h4", "pi_lo", "pi_hi")
assert FINALS["inferences"] == ("f", "s", "pi_lo", "pi_hi", "e", "d", "kappa", "z")
assert PER_INFERENCE == ("F", "S", "PI_LO", "PI_HI", "E", "D", "KAPPA", "Z")
assert [FINALS[s] for s in STAGES[2:]] == [("x", "hx"), ("q", "hq"), ("mu", "gt"), ("g", "q")]
assert TABLES == PHASE1 + PHASE2 + PUBLIC == ("L0", "L1", "L2", "L3", "L4", "B", "X", "MU", "H0", "H1", "H2", "H3",
                                              "H4", "HX", "HQ", "GT", "Q", "F", "P", "G")
assert MAGNITUDE_LIMBS == 5 and SLOT_BITS == 6 and LIMB_BITS == 16 and len(PHASE1) == len(PHASE2) == 8
assert RADIX_LOG == 3 and RADIX_TAIL_LOG >= RADIX_LOG - 1      # the openings' tables of 8 words; m >= 0


def _batch_claim_count() -> int:
    """How many linear claims attribution.batch_claims makes (their number does not depend on the sizes)."""
    from types import SimpleNamespace

    shape = EpochShape(1, 1, 1)
    points = {stage: [0] * shape.rounds(stage) for stage in STAGES}
    finals = {stage: dict.fromkeys(FINALS[stage], 0) for stage in STAGES}
    public = SimpleNamespace(total_fees=0, total_paid=0, num_queries=1)
    return len(batch_claims(shape, public, Taus([0] * shape.n), points, finals, (0, 0, 0, 0)))


# The template weighs claim j by γ^j from a table of NUM_CLAIMS powers, and hard-codes which claim is which.
NUM_CLAIMS = 41
assert _batch_claim_count() == NUM_CLAIMS

_WORDS_END = 0x540               # the template's one-word variables end here (K_BOOLEAN = 0x520)
# Small tables at fixed addresses (the generated code names them by number): LO, HI (8 words each), the ten limb
# weights W_<name>, γ^0 … γ^40 (GP); the arrays sized by the SRS follow them.
FIXED_TABLES = {"LO": _WORDS_END, "HI": _WORDS_END + 0x100,
                **{f"W_{name}": _WORDS_END + 0x200 + 32 * i for i, name in enumerate(SLOTS)}}
FIXED_TABLES["GP"] = _WORDS_END + 0x200 + 32 * len(SLOTS)
FIXED_WORDS_END = FIXED_TABLES["GP"] + 32 * NUM_CLAIMS

_PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")

_TEMPLATE_TEXT = r"""// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title EpochVerifier: attrib.verifier.attribution.verify_attribution (protocol v2) and
///        attrib.verifier.payouts.verify_payouts on the EVM, for one SRS.
/// @notice Generated by attrib.verifier.evm.contract_source(verifying_key); every constant below comes
///         from the verifying key or from the Python specification's own constants.
///
/// verifyEpoch takes a claim and a proof as Claim.to_bytes() and Proof.to_bytes(), and what a ledger
/// stored from the manifest at registration (its digest, mC, mk and C_G as affine x, y); verifyPayouts
/// takes a claim, the contributor indices, their payouts and PayoutOpening.to_bytes(), with the digest
/// and C of the manifest.  Each returns true exactly when the Python verifier accepts, and false for
/// everything else: wrong lengths, a scalar >= r, a coordinate >= q, a point off the curve (checked
/// before any precompile sees it), a failing check.  The manifest's SRS digest is not seen here: the
/// ledger compares it with SRS_DIGEST once, at registration.  Only calldata that is not an ABI encoding
/// of the arguments reverts (in Solidity's decoder).
contract EpochVerifier {
    // ---- the SRS (verifying key) ------------------------------------------------------------
    /// keccak256(SRS_DOMAIN || vk.to_bytes()): the Manifest.srs_digest a ledger must require.
    bytes32 public constant SRS_DIGEST = bytes32(uint256({{SRS_DIGEST}}));
    /// vk.max_log_n: the SRS has 2^MAX_LOG_N powers of tau; no opening has more variables.
    uint256 public constant MAX_LOG_N = {{MAX_LOG_N}};
    uint256 internal constant G1_X = {{G1_X}};        // [1]_1
    uint256 internal constant G1_Y = {{G1_Y}};
    uint256 internal constant G2_X1 = {{G2_X1}};      // [1]_2, EVM word order: x.c1, x.c0, y.c1, y.c0
    uint256 internal constant G2_X0 = {{G2_X0}};
    uint256 internal constant G2_Y1 = {{G2_Y1}};
    uint256 internal constant G2_Y0 = {{G2_Y0}};
    uint256 internal constant TAU_X1 = {{TAU_X1}};    // [tau]_2, same order
    uint256 internal constant TAU_X0 = {{TAU_X0}};
    uint256 internal constant TAU_Y1 = {{TAU_Y1}};
    uint256 internal constant TAU_Y0 = {{TAU_Y0}};

    // ---- the protocol (attrib.verifier: encoding, transcript, limits, attribution, payouts) -----
    uint256 internal constant R = {{R}};              // scalar field r
    uint256 internal constant Q = {{Q}};              // base field q
    uint256 internal constant INV2 = {{INV2}};        // 1/2 mod r
    uint256 internal constant INV6 = {{INV6}};        // 1/6 mod r
    uint256 internal constant RM1 = {{RM1}};          // r - 1: a word w is a scalar iff w <= r - 1
    uint256 internal constant RM2 = {{RM2}};          // r - 2
    uint256 internal constant R2P1 = {{R2P1}};        // 2r + 1
    uint256 internal constant EPOCH_INIT = {{EPOCH_INIT}};      // keccak256(TRANSCRIPT_DOMAIN || "epoch")
    uint256 internal constant PAYOUT_INIT = {{PAYOUT_INIT}};    // keccak256(TRANSCRIPT_DOMAIN || "payout")
    uint256 internal constant BALANCE_INIT = {{BALANCE_INIT}};  // keccak256(TRANSCRIPT_DOMAIN || "balance")
    uint256 internal constant EPOCH_SELECTOR = {{EPOCH_SELECTOR}};
    uint256 internal constant BALANCE_SELECTOR = {{BALANCE_SELECTOR}};
    uint256 internal constant BALANCE_VERSION = {{BALANCE_VERSION}};
    uint256 internal constant CLAIM_VERSION = {{CLAIM_VERSION}};
    uint256 internal constant PROOF_VERSION = {{PROOF_VERSION}};
    uint256 internal constant OPENING_VERSION = {{OPENING_VERSION}};
    uint256 internal constant MAX_SEQ = {{MAX_SEQ}};                    // seq < 2^64
    uint256 internal constant MAX_QUERIES = {{MAX_QUERIES}};            // 1 <= T <= 2^16
    uint256 internal constant MAX_LOG_C = {{MAX_LOG_C}};                // mC <= 16 (C <= 2^16)
    uint256 internal constant MAX_CONTRIBUTORS = {{MAX_CONTRIBUTORS}};  // C <= 2^16
    uint256 internal constant MAX_LOG_K = {{MAX_LOG_K}};                // mk <= 20 (k <= 2^20)
    uint256 internal constant LOOKUP_BITS = {{LOOKUP_BITS}};            // the range table [0, 2^16)
    uint256 internal constant SLOT_BITS = {{SLOT_BITS}};                // 64 slots per row of X
    uint256 internal constant LIMB_RADIX = {{LIMB_RADIX}};              // limbs of 16 bits
    uint256 internal constant QUERY_SHIFT = {{QUERY_SHIFT}};            // Q + 2^15 is looked up
    uint256 internal constant PI_SPLIT = {{PI_SPLIT}};                  // pi = 2^112 pi_hi + pi_lo
    uint256 internal constant FEE_SHIFT = {{FEE_SHIFT}};                // pi = floor(2^128 F / S)
    uint256 internal constant RADIX_LOG = {{RADIX_LOG}};                // the openings fold 3 variables at a time
    uint256 internal constant RADIX_TAIL_LOG = {{RADIX_TAIL_LOG}};      // and keep a clear tail of <= 2^5 values
    uint256 internal constant ZETA8_1 = {{ZETA8_1}};    // zeta^i for a primitive 8th root of unity zeta mod r
    uint256 internal constant ZETA8_2 = {{ZETA8_2}};
    uint256 internal constant ZETA8_3 = {{ZETA8_3}};
    uint256 internal constant ZETA8_4 = {{ZETA8_4}};
    uint256 internal constant ZETA8_5 = {{ZETA8_5}};
    uint256 internal constant ZETA8_6 = {{ZETA8_6}};
    uint256 internal constant ZETA8_7 = {{ZETA8_7}};
    // The slot map of X (first slot, limbs): attribution.SLOTS.
    uint256 internal constant SLOT_F = {{SLOT_F}};
    uint256 internal constant LIMBS_F = {{LIMBS_F}};
    uint256 internal constant SLOT_S = {{SLOT_S}};
    uint256 internal constant LIMBS_S = {{LIMBS_S}};
    uint256 internal constant SLOT_PI_LO = {{SLOT_PI_LO}};
    uint256 internal constant LIMBS_PI_LO = {{LIMBS_PI_LO}};
    uint256 internal constant SLOT_PI_HI = {{SLOT_PI_HI}};
    uint256 internal constant LIMBS_PI_HI = {{LIMBS_PI_HI}};
    uint256 internal constant SLOT_E = {{SLOT_E}};
    uint256 internal constant LIMBS_E = {{LIMBS_E}};
    uint256 internal constant SLOT_D = {{SLOT_D}};
    uint256 internal constant LIMBS_D = {{LIMBS_D}};
    uint256 internal constant SLOT_KAPPA = {{SLOT_KAPPA}};
    uint256 internal constant LIMBS_KAPPA = {{LIMBS_KAPPA}};
    uint256 internal constant SLOT_Z = {{SLOT_Z}};
    uint256 internal constant LIMBS_Z = {{LIMBS_Z}};
    uint256 internal constant SLOT_P = {{SLOT_P}};
    uint256 internal constant LIMBS_P = {{LIMBS_P}};
    uint256 internal constant SLOT_EPS = {{SLOT_EPS}};
    uint256 internal constant LIMBS_EPS = {{LIMBS_EPS}};

    // ---- memory (bytes) -------------------------------------------------------------------------
    // 0x00 ACC (x, y): the running MSM sum; 0x40 TERM (x, y, scalar): ecMul's input, ecAdd's second point.
    uint256 internal constant ACC = 0x00;
    uint256 internal constant TERM = 0x40;
    uint256 internal constant MT = 0xc0;              // mT (verifyPayouts: the indices' calldata position)
    uint256 internal constant MC = 0xe0;              // mC (verifyPayouts: the values' calldata position)
    uint256 internal constant MK = 0x100;             // mk (verifyPayouts: |I|)
    uint256 internal constant RB = 0x120;             // max(mT, mC): the row bits of X
    uint256 internal constant NV = 0x140;             // n: the variables of the last sum-check and of the opening
    uint256 internal constant ALPHA = 0x160;          // the LogUp challenge
    uint256 internal constant GAMMA = 0x180;          // the batching challenge
    uint256 internal constant CLAIM = 0x1a0;          // calldata: the claim's first word (its version)
    uint256 internal constant PROOF = 0x1c0;          // calldata: the proof's (the payout opening's) first word
    uint256 internal constant VALS = 0x1e0;           // calldata: v_A, v_S, v_P, v_eps
    uint256 internal constant EVS = 0x200;            // calldata: the twenty evaluations at the batching point
    uint256 internal constant OPEN = 0x220;           // calldata: the opening (verifier.radix)
    uint256 internal constant BATCH = 0x240;          // calldata: the batching sum-check's messages
    uint256 internal constant STAGE = 0x260;          // calldata: each stage's round-count word (6 words)
    uint256 internal constant LAM = 0x320;            // lambda^0 .. lambda^8 (9 words)
    uint256 internal constant K_RADIX = 0x460;        // the opening: K (variables per fold)
    uint256 internal constant RW = 0x440;             // r, as a word: code that mloads it keeps r on the stack
                                                      // (DUP) rather than pushing the 32-byte constant each time
    uint256 internal constant K_M = 0x480;            // the opening: m (tail variables)
    uint256 internal constant K_LAYERS = 0x4a0;       // l = n - m committed layers
    uint256 internal constant K_TAIL = 0x4c0;         // calldata: the tail f_l
    uint256 internal constant K_EVALS = 0x4e0;        // calldata: the 3l values
    uint256 internal constant K_W = 0x500;            // calldata: W, then W'
    uint256 internal constant K_BOOLEAN = 0x520;      // 1: the opening's point is Boolean (verifyBalance sets it)
    // Arrays of PT bytes (a word per variable), the slot-eq table, the commitments, then the transcript.
    uint256 internal constant PT = {{PT}};
    uint256 internal constant TAU = {{TAU}};                // tau_0 .. tau_{n-1}
    uint256 internal constant POINTS = {{POINTS}};          // each stage's sum-check point (6 arrays)
    uint256 internal constant XP = {{XP}};                  // the batching (or payout) point x
    uint256 internal constant ZS = {{ZS}};                  // ZS[i] = prod_{j >= i} (1 - x_j), i <= n
    uint256 internal constant ZT = {{ZT}};                  // ZT[i] = prod_{j >= i} (1 - tau_j), i <= n
    uint256 internal constant TT = {{TT}};                  // (1 - tau_i, 2 tau_i - 1), i < n: eq_t's form of tau
    uint256 internal constant XT = {{XT}};                  // (1 - x_i, 2 x_i - 1), i < n: eq_t's form of x
    uint256 internal constant PE = {{PE}};                  // PE[i] = eq(tau_{<i}, x_{<i}), i <= n
    uint256 internal constant LO = {{LO}};                  // LO[j] = eq(bits j, x_{rb .. rb+2}), j < 8
    uint256 internal constant HI = {{HI}};                  // HI[j] = eq(bits j, x_{rb+3 .. rb+5}), j < 8
    // W_V (weights(), the slot part of V's limb kernels) for each quantity V of the slot map
    uint256 internal constant W_F = {{W_F}};
    uint256 internal constant W_S = {{W_S}};
    uint256 internal constant W_PI_LO = {{W_PI_LO}};
    uint256 internal constant W_PI_HI = {{W_PI_HI}};
    uint256 internal constant W_E = {{W_E}};
    uint256 internal constant W_D = {{W_D}};
    uint256 internal constant W_KAPPA = {{W_KAPPA}};
    uint256 internal constant W_Z = {{W_Z}};
    uint256 internal constant W_P = {{W_P}};
    uint256 internal constant W_EPS = {{W_EPS}};
    uint256 internal constant CLAIMS = {{CLAIMS}};          // the linear claims of the batch (attribution.batch_claims)
    uint256 internal constant GP = {{GP}};                  // GP[j] = gamma^j, j < CLAIMS
    uint256 internal constant BUF = {{BUF}};                // the transcript state, then what is absorbed
    uint256 internal constant BUF1 = {{BUF1}};              // BUF + 0x20, BUF + 0x40, BUF + 0x60 (one PUSH each)
    uint256 internal constant BUF2 = {{BUF2}};
    uint256 internal constant BUF3 = {{BUF3}};
    // the openings' scratch (verifier.radix), after every array: its tables and words
    uint256 internal constant ENT_D = {{ENT_D}};            // d_i, then 1/d_i (i < N), 1/(rho^N - rho), 1/r
    uint256 internal constant ENT_P = {{ENT_P}};            // the prefix products of the batch inversion
    uint256 internal constant ENT_Y = {{ENT_Y}};            // y_i = B(x_i)
    uint256 internal constant ENT_Z = {{ENT_Z}};            // zeta_8^i, i < 8
    uint256 internal constant ENT_R = {{ENT_R}};            // the challenges r, q, z; rho = r^N, z - rho, y_rho
    uint256 internal constant ENT_Q = {{ENT_Q}};
    uint256 internal constant ENT_ZC = {{ENT_ZC}};
    uint256 internal constant ENT_RHO = {{ENT_RHO}};
    uint256 internal constant ENT_ZR = {{ENT_ZR}};
    uint256 internal constant ENT_YRHO = {{ENT_YRHO}};
    uint256 internal constant ENT_A = {{ENT_A}};            // x_i^(-2^b) - 1, i < N, b < K

    /// Whether `proof` shows that `claim` follows the fee rule on the data of the manifest whose
    /// stored fields are (manifestDigest, logContributors, logColumns, aggregate).
    function verifyEpoch(bytes32, uint256, uint256, uint256[2] calldata, bytes calldata, bytes calldata)
        external
        view
        returns (bool)
    {
        return run();
    }

    /// Whether `opening` shows that the epoch of `claim` committed `values` as the payouts of the
    /// contributors `indices` (manifest order), for the manifest of (manifestDigest, numContributors).
    function verifyPayouts(bytes32, uint256, bytes calldata, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        view
        returns (bool)
    {
        return run();
    }

    /// Whether `opening` shows that the payout table committed in `commitment` (the sum of a dataset's
    /// settled C_P's for epochs 1 .. epoch less the `excluded` ranges (first, last), as a ledger forms it)
    /// holds `value` at contributor `index`, for the dataset of id `datasetId` (its segment 0's digest)
    /// whose current C is `numContributors` (the opening's n may be any mC up to the current one).
    function verifyBalance(bytes32, uint256, uint256, uint256[2][] calldata, uint256[2] calldata, uint256, uint256,
                           bytes calldata)
        external
        view
        returns (bool)
    {
        return run();
    }

    /// The functions, on the calldata Solidity has decoded (and so bounded); every path ends in return.
    function run() private view returns (bool) {
        assembly {
            // ---- helpers ------------------------------------------------------------------------
            function fail() {
                mstore(0, 0)
                return(0, 0x20)
            }
            function ensure(condition) {
                if iszero(condition) { fail() }
            }
            function neg(x) -> y { y := sub(R, x) }                        // -x as a word in (0, r] (x < r)
            function one_minus(x) -> y { y := addmod(1, sub(R, x), R) }
            function lam(i) -> l { l := mload(add(LAM, shl(5, i))) }
            function cd(p, i) -> v { v := calldataload(add(p, shl(5, i))) }
            function at(a, i) -> v { v := mload(add(a, shl(5, i))) }
            function inverse(x) -> y {
                // x^(r - 2) mod r by the modexp precompile (0x05)
                let p := BUF1
                mstore(p, 0x20)
                mstore(add(p, 0x20), 0x20)
                mstore(add(p, 0x40), 0x20)
                mstore(add(p, 0x60), x)
                mstore(add(p, 0x80), sub(R, 2))
                mstore(add(p, 0xa0), R)
                ensure(staticcall(gas(), 0x05, p, 0xc0, p, 0x20))
                y := mload(p)
            }
            // prod_{i < len} eq(a_i, p_i) for an array t of the pairs (1 - a_i, 2 a_i - 1) (TT of tau, XT of x: entries
            // < r) and a memory point p (entries < r): eq(a, b) = ab + (1 - a)(1 - b) = (1 - a) + b (2a - 1), left below
            // 2r (only mulmod reads it); len mod 4 factors first (one, then two), then four a turn
            function eq_t(t, p, len) -> e {
                e := 1
                let end := add(p, shl(5, len))
                if and(len, 1) {
                    e := addmod(mload(t), mulmod(mload(p), mload(add(t, 0x20)), R), R)
                    t := add(t, 0x40)
                    p := add(p, 0x20)
                }
                if and(len, 2) {
                    e := mulmod(mulmod(e, add(mload(t), mulmod(mload(p), mload(add(t, 0x20)), R)), R),
                                add(mload(add(t, 0x40)), mulmod(mload(add(p, 0x20)), mload(add(t, 0x60)), R)), R)
                    t := add(t, 0x80)
                    p := add(p, 0x40)
                }
                for {} lt(p, end) { p := add(p, 0x80) t := add(t, 0x100) } {
                    e := mulmod(mulmod(e, add(mload(t), mulmod(mload(p), mload(add(t, 0x20)), R)), R),
                                add(mload(add(t, 0x40)), mulmod(mload(add(p, 0x20)), mload(add(t, 0x60)), R)), R)
                    e := mulmod(mulmod(e, add(mload(add(t, 0x80)), mulmod(mload(add(p, 0x40)), mload(add(t, 0xa0)), R)), R),
                                add(mload(add(t, 0xc0)), mulmod(mload(add(p, 0x60)), mload(add(t, 0xe0)), R)), R)
                }
            }
            function log2_ceil(v) -> m {
                // max(1, bit length of v - 1), for 1 <= v: the bit length by halving
                let x := sub(v, 1)
                if gt(x, 0xffffffffffffffffffffffffffffffff) { x := shr(128, x) m := 128 }
                if gt(x, 0xffffffffffffffff) { x := shr(64, x) m := add(m, 64) }
                if gt(x, 0xffffffff) { x := shr(32, x) m := add(m, 32) }
                if gt(x, 0xffff) { x := shr(16, x) m := add(m, 16) }
                if gt(x, 0xff) { x := shr(8, x) m := add(m, 8) }
                if gt(x, 0xf) { x := shr(4, x) m := add(m, 4) }
                if gt(x, 0x3) { x := shr(2, x) m := add(m, 2) }
                if gt(x, 0x1) { x := shr(1, x) m := add(m, 1) }
                m := add(m, x)
                if iszero(m) { m := 1 }
            }
            // a G1 point at calldata p: both coordinates < q (a coordinate >= q is refused) and on y^2 = x^3 + 3, or
            // (0, 0), the point at infinity (a point off the curve is refused before any precompile sees it)
            function check_point(p) { check_points(p, 1) }
            function check_points(p, count) {
                // every point tested (the flags and-ed), one branch at the end; an odd first point alone, then two a turn
                let ok := 1
                let end := add(p, shl(6, count))
                if and(count, 1) {
                    let x := calldataload(p)
                    let y := calldataload(add(p, 0x20))
                    ok := and(and(lt(x, Q), lt(y, Q)),
                              or(iszero(or(x, y)), eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q))))
                    p := add(p, 0x40)
                }
                for {} lt(p, end) { p := add(p, 0x80) } {
                    let x := calldataload(p)
                    let y := calldataload(add(p, 0x20))
                    ok := and(ok, and(and(lt(x, Q), lt(y, Q)),
                                      or(iszero(or(x, y)), eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q)))))
                    x := calldataload(add(p, 0x40))
                    y := calldataload(add(p, 0x60))
                    ok := and(ok, and(and(lt(x, Q), lt(y, Q)),
                                      or(iszero(or(x, y)), eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q)))))
                }
                if iszero(ok) { fail() }                                    // a coordinate >= q, or off the curve
            }
            function check_scalars(p, end) {
                // every word in [p, end) compared with r - 1 (eight a turn, the flags or-ed), one branch at the end
                let bad := 0
                for {} lt(add(p, 0xe0), end) { p := add(p, 0x100) } {
                    bad := or(bad, or(or(or(gt(calldataload(p), RM1), gt(calldataload(add(p, 0x20)), RM1)),
                                         or(gt(calldataload(add(p, 0x40)), RM1), gt(calldataload(add(p, 0x60)), RM1))),
                                      or(or(gt(calldataload(add(p, 0x80)), RM1), gt(calldataload(add(p, 0xa0)), RM1)),
                                         or(gt(calldataload(add(p, 0xc0)), RM1), gt(calldataload(add(p, 0xe0)), RM1)))))
                }
                for {} lt(p, end) { p := add(p, 0x20) } { bad := or(bad, gt(calldataload(p), RM1)) }
                if bad { fail() }                                           // a scalar >= r
            }
            // the calldata position and length word of the dynamic argument whose head word is at `head`
            function dynamic_arg(head) -> p, len {
                let o := add(4, calldataload(head))
                if gt(o, calldatasize()) { fail() }
                len := calldataload(o)
                p := add(o, 0x20)
                if gt(len, sub(calldatasize(), o)) { fail() }
            }

            // ---- transcript (verifier.transcript): the state word at BUF, the input after it -----
            function absorb(len) {
                // state = keccak256(state || the len bytes at BUF + 0x20)
                mstore(BUF, keccak256(BUF, add(0x20, len)))
            }
            function absorb_calldata(p, len) {
                calldatacopy(BUF1, p, len)
                absorb(len)
            }
            function absorb_memory(p, len) {
                mcopy(BUF1, p, len)
                absorb(len)
            }
            function challenge() -> c {
                let h := keccak256(BUF, 0x20)
                mstore(BUF, h)
                c := mod(h, R)
            }

            // ---- MSM by precompiles (every point was curve-checked where it was read) ----------
            // (the precompiles fail only out of gas: every point was checked; both results are tested at once)
            function add_mul(p, s) {
                // ACC <- ACC + s * (the point at memory p)
                mcopy(TERM, p, 0x40)
                mstore(add(TERM, 0x40), s)
                let ok := staticcall(gas(), 0x07, TERM, 0x60, TERM, 0x40)          // (Yul evaluates arguments right to
                if iszero(and(ok, staticcall(gas(), 0x06, ACC, 0x80, ACC, 0x40))) { fail() }   // left: ecMul first)
            }
            function add_mul_calldata(p, s) {
                calldatacopy(TERM, p, 0x40)
                mstore(add(TERM, 0x40), s)
                let ok := staticcall(gas(), 0x07, TERM, 0x60, TERM, 0x40)
                if iszero(and(ok, staticcall(gas(), 0x06, ACC, 0x80, ACC, 0x40))) { fail() }
            }

            // ---- sum-checks (verifier.sumcheck) ---------------------------------------------------
            // verify_sumcheck: `rounds` messages of 3 (sumcheck3) or 2 (sumcheck2) values from calldata m; the point to
            // memory pt.  Each round absorbs its message (state <- keccak(state || message)) and draws u (state <-
            // keccak(state), u = state mod r), as absorb and challenge do; then claim <- p(u) = interpolate_at(round_values(
            // message, claim), u) with p(1) = claim - p(0), so the round check p(0) + p(1) = claim is implied: a message
            // changed anywhere moves every later claim.  Newton form on the nodes 0..3, with the forward differences
            // D1 = y1 - y0, D2 = y2 - 2 y1 + y0, D3 = y3 - 3 y2 + 3 y1 - y0 (D3 = 0 for degree 2):
            //     p(u) = y0 + u (D1 + (u - 1)(D2/2 + (u - 2) D3/6)).
            // Each message value is compared with r here (a value >= r fails at the end of the rounds: Python refuses
            // it at decoding, the verdict is the same); for values < r and a reduced claim the sums left unreduced
            // stay below 5r < 2^256, and mulmod reduces them.
            //
            // sumcheck3 also returns e = prod_i eq(tau_{k+i}, u_i), tp pointing at TT[k]: the eq(tau, u) of the stage's
            // final check, built as the u are drawn (every degree-3 sum-check is an epoch stage whose summand carries
            // eq(tau_{<rounds}, x)); an odd first round alone, then two a turn (the same round, written twice)
@@SUMCHECK3@@
            function sumcheck2(m, rounds, claimed, pt) -> last {
                last := claimed
                let bad := 0
                for { let end := add(m, mul(rounds, 0x40)) } lt(m, end) { m := add(m, 0x40) } {
                    calldatacopy(BUF1, m, 0x40)
                    mstore(BUF, keccak256(BUF, 0x60))
                    mstore(BUF, keccak256(BUF, 0x20))
                    let u := mod(mload(BUF), R)
                    mstore(pt, u)
                    pt := add(pt, 0x20)
                    let y0 := mload(BUF1)
                    let y2 := mload(BUF2)
                    bad := or(bad, or(gt(y0, RM1), gt(y2, RM1)))
                    let y1 := addmod(last, sub(R, y0), R)
                    // D2/2, then D1 + (u - 1) D2/2, then y0 + u (...)
                    last := addmod(y0, mulmod(u, add(add(y1, sub(R, y0)), mulmod(add(u, RM1),
                        mulmod(add(add(y2, y0), shl(1, sub(R, y1))), INV2, R), R)), R), R)
                }
                if bad { fail() }                                           // as in sumcheck3
            }

            // ---- the claim (Claim.from_bytes + validate), for both functions ---------------------
            function read_claim(head) {
                let p, len := dynamic_arg(head)
                ensure(eq(len, 0x180))                                      // twelve words, no more, no less
                ensure(eq(calldataload(p), CLAIM_VERSION))                  // another claim format
                ensure(eq(calldataload(add(p, 0x20)), calldataload(0x04)))  // a claim of another manifest
                ensure(lt(calldataload(add(p, 0x40)), MAX_SEQ))             // seq outside [0, 2^64)
                let t := calldataload(add(p, 0x60))
                ensure(and(gt(t, 0), iszero(gt(t, MAX_QUERIES))))           // T outside [1, 2^16]
                check_points(add(p, 0x80), 3)                               // C_Q, C_F, C_P not G1 points
                ensure(and(lt(calldataload(add(p, 0x140)), R), lt(calldataload(add(p, 0x160)), R)))  // sums >= r
                mstore(CLAIM, p)
            }

            // ---- radix-8 HyperKZG (verifier.radix) ---------------------------------------------------
            // (K, L, m) = radix_shape(n): L folds of K variables, a clear tail of 2^m values (n = K L + m)
            function radix_shape(n) -> k, layers, m {
                k := n
                layers := 1
                if gt(n, RADIX_LOG) {
                    k := RADIX_LOG
                    if gt(n, RADIX_TAIL_LOG) { layers := div(add(sub(n, RADIX_TAIL_LOG), sub(RADIX_LOG, 1)), RADIX_LOG) }
                    m := sub(n, mul(RADIX_LOG, layers))
                }
            }
            // the opening's layout for n variables at calldata open: F_1 .. F_{L-1} (64 bytes each), the tail (2^m
            // words), the L N values f_j(x_i) (fold by fold), f_0(rho), W, W'; its length, points and scalars checked
            function read_opening(open, end) {
                let k, layers, m := radix_shape(mload(NV))
                let tail := add(open, shl(6, sub(layers, 1)))
                let evals := add(tail, shl(add(m, 5), 1))
                let w := add(evals, shl(5, add(shl(k, layers), 1)))
                mstore(K_RADIX, k)
                mstore(K_M, m)
                mstore(K_LAYERS, layers)
                mstore(K_TAIL, tail)
                mstore(K_EVALS, evals)
                mstore(K_W, w)
                ensure(eq(add(w, 0x80), end))                               // an opening (or a proof) of another size
                check_points(open, sub(layers, 1))                          // a fold commitment off the curve
                check_points(w, 2)                                          // W or W' off the curve
                check_scalars(tail, w)                                      // a tail value or a value >= r
            }
            // After the opened commitments, x (at XP) and the values are absorbed, with ACC = sum_m rho^m C^(m) and
            // value = sum_m rho^m v^(m): the folds and tail -> r; the values -> q; W -> z; the folds (1) and the
            // multi-point opening (2) of verifier.radix.  Scratch, written after every absorb: ENT_D the d_i and the
            // other inverses, ENT_P their prefix products, ENT_Y the y_i, ENT_Z zeta_8^i, ENT_A x_i^(-2^b) - 1.
            function kzg_finish(value, open) {
                let tail := mload(K_TAIL)
                let evals := mload(K_EVALS)
                absorb_calldata(open, sub(tail, open))
                absorb_calldata(tail, sub(evals, tail))
                mstore(ENT_R, challenge())
                absorb_calldata(evals, sub(mload(K_W), evals))
                mstore(ENT_Q, challenge())
                absorb_calldata(mload(K_W), 0x40)
                mstore(ENT_ZC, challenge())
                let k := mload(K_RADIX)
                // a Boolean point (a withdrawal's index) has folds that keep one digit: no weight table needed (the
                // general path computes the same at any point: this is only a shortcut)
                let boolean := mload(K_BOOLEAN)
                radix_inverses(k, mload(ENT_R), mload(ENT_ZC), boolean)
                radix_folds(k, mload(K_LAYERS), boolean)
                ensure(eq(tail_value(boolean), value))                      // an opening of other values
                let iz, vanishing := radix_interpolant(k)
                pairing_check(mload(ENT_Q), mload(ENT_ZC), iz, vanishing, open)
            }
            // ENT_Z; rho = r^N; one inversion for d_i = (x_i - rho)(z - x_i), x_i = zeta^i r = ENT_Z[i << (3 - K)] r (i < N),
            // then rho^N - rho and r (ENT_D[N], ENT_D[N + 1]); z - rho joins the product only to be tested: it is zero
            // iff r = 0, rho is some x_i, or z is in S.  ENT_Y zeroed; rho and z - rho to ENT_RHO and ENT_ZR; ENT_A.
            function radix_inverses(k, r, z, boolean) {
                let pr := mload(RW)
                mstore(ENT_Z, 1)
                mstore(add(ENT_Z, 0x20), ZETA8_1)
                mstore(add(ENT_Z, 0x40), ZETA8_2)
                mstore(add(ENT_Z, 0x60), ZETA8_3)
                mstore(add(ENT_Z, 0x80), ZETA8_4)
                mstore(add(ENT_Z, 0xa0), ZETA8_5)
                mstore(add(ENT_Z, 0xc0), ZETA8_6)
                mstore(add(ENT_Z, 0xe0), ZETA8_7)
                let rho := r
                for { let i := 0 } lt(i, k) { i := add(i, 1) } { rho := mulmod(rho, rho, pr) }
                mstore(ENT_RHO, rho)
                let acc := 1
                let end := shl(5, shl(k, 1))                                // 32 N
                for { let o := 0 } lt(o, end) { o := add(o, 0x20) } {
                    let x := mulmod(mload(add(ENT_Z, shl(sub(RADIX_LOG, k), o))), r, pr)
                    let d := mulmod(addmod(x, sub(pr, rho), pr), addmod(z, sub(pr, x), pr), pr)
                    mstore(add(ENT_D, o), d)
                    mstore(add(ENT_P, o), acc)
                    acc := mulmod(acc, d, pr)
                    mstore(add(ENT_Y, o), 0)
                }
                let e := rho
                for { let i := 0 } lt(i, k) { i := add(i, 1) } { e := mulmod(e, e, pr) }
                e := addmod(e, sub(pr, rho), pr)
                mstore(add(ENT_D, end), e)
                mstore(add(ENT_P, end), acc)
                acc := mulmod(acc, e, pr)
                mstore(add(ENT_D, add(end, 0x20)), r)
                mstore(add(ENT_P, add(end, 0x20)), acc)
                acc := mulmod(acc, r, pr)
                let zr := addmod(z, sub(pr, rho), pr)
                mstore(ENT_ZR, zr)
                ensure(mulmod(acc, zr, pr))                                 // points of S that coincide, or z in S
                let inv := mulmod(inverse(mulmod(acc, zr, pr)), zr, pr)    // 1/acc
                for { let o := add(end, 0x40) } gt(o, 0) {} {               // ENT_D[i] <- 1/ENT_D[i], from the last
                    o := sub(o, 0x20)
                    let d := mload(add(ENT_D, o))
                    mstore(add(ENT_D, o), mulmod(inv, mload(add(ENT_P, o)), pr))
                    inv := mulmod(inv, d, pr)
                }
                let rinv := mload(add(ENT_D, add(end, 0x20)))
                // ENT_A[K i + b] = x_i^(-2^b) - 1, x_i^(-1) = zeta^(-i) / r; at a Boolean point instead ENT_A[s] =
                // r^(-s) / N, s < N
                if boolean {
                    let t := 1
                    for { let b := 0 } lt(b, k) { b := add(b, 1) } { t := mulmod(t, INV2, pr) }
                    for { let o := 0 } lt(o, end) { o := add(o, 0x20) } {
                        mstore(add(ENT_A, o), t)
                        t := mulmod(t, rinv, pr)
                    }
                    leave
                }
                let a := ENT_A
                let shift := sub(RADIX_LOG, k)
                for { let o := 0 } lt(o, end) { o := add(o, 0x20) } {
                    let y := mulmod(mload(add(ENT_Z, and(sub(0, shl(shift, o)), 0xff))), rinv, pr)
                    mstore(a, add(y, RM1))                                  // y - 1 as y + r - 1 (< 2r: only mulmod reads it)
                    a := add(a, 0x20)
                    for { let b := 1 } lt(b, k) { b := add(b, 1) } {
                        y := mulmod(y, y, pr)
                        mstore(a, add(y, RM1))
                        a := add(a, 0x20)
                    }
                }
            }
            // sum_i w_i f(x_i) for the N values at calldata row, w_i = prod_b (1 + u_b (x_i^(-2^b) - 1)), u = the fold's
            // K variables at memory u; ENT_Y[i] += q^j f(x_i).  K = 3 (every fold of more than 3 variables) straight.
            function radix_row(row, k, u, qj) -> sum {
                let pr := mload(RW)
                let a := ENT_A
                if eq(k, 3) {
                    let u0 := mload(u)
                    let u1 := mload(add(u, 0x20))
                    let u2 := mload(add(u, 0x40))
                    for { let o := 0 } lt(o, 0x100) { o := add(o, 0x20) } {
                        let f := calldataload(add(row, o))
                        sum := addmod(sum, mulmod(mulmod(mulmod(add(1, mulmod(u0, mload(a), pr)),
                                                                add(1, mulmod(u1, mload(add(a, 0x20)), pr)), pr),
                                                         add(1, mulmod(u2, mload(add(a, 0x40)), pr)), pr), f, pr), pr)
                        a := add(a, 0x60)
                        let y := add(ENT_Y, o)
                        mstore(y, addmod(mload(y), mulmod(qj, f, pr), pr))
                    }
                    leave
                }
                for { let o := 0 } lt(o, shl(5, shl(k, 1))) { o := add(o, 0x20) } {
                    let f := calldataload(add(row, o))
                    let w := 1
                    for { let b := 0 } lt(b, shl(5, k)) { b := add(b, 0x20) } {
                        w := mulmod(w, add(1, mulmod(mload(add(u, b)), mload(a), pr)), pr)
                        a := add(a, 0x20)
                    }
                    sum := addmod(sum, mulmod(w, f, pr), pr)
                    let y := add(ENT_Y, o)
                    mstore(y, addmod(mload(y), mulmod(qj, f, pr), pr))
                }
            }
            // radix_row at a Boolean fold: w_i = x_i^(-s) = zeta^(-i s) r^(-s) for the fold's digit s; returns the sum
            // without r^(-s)
            function radix_row_boolean(row, k, s, qj) -> sum {
                let pr := mload(RW)
                if eq(k, 3) {                                               // straight: zeta_8^(-i s) at 32 ((-i s) mod 8)
                    let f := 0
                    f := calldataload(add(row, 0x0))
                    sum := addmod(sum, mulmod(mload(ENT_Z), f, pr), pr)
                    mstore(add(ENT_Y, 0x0), addmod(mload(add(ENT_Y, 0x0)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0x20))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0xe0, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0x20), addmod(mload(add(ENT_Y, 0x20)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0x40))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0xc0, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0x40), addmod(mload(add(ENT_Y, 0x40)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0x60))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0xa0, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0x60), addmod(mload(add(ENT_Y, 0x60)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0x80))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0x80, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0x80), addmod(mload(add(ENT_Y, 0x80)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0xa0))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0x60, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0xa0), addmod(mload(add(ENT_Y, 0xa0)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0xc0))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0x40, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0xc0), addmod(mload(add(ENT_Y, 0xc0)), mulmod(qj, f, pr), pr))
                    f := calldataload(add(row, 0xe0))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, and(mul(0x20, s), 0xff))), f, pr), pr)
                    mstore(add(ENT_Y, 0xe0), addmod(mload(add(ENT_Y, 0xe0)), mulmod(qj, f, pr), pr))
                    leave
                }
                let step := shl(add(5, sub(RADIX_LOG, k)), s)               // 32 (s << (3 - K)) bytes in ENT_Z
                let e := 0
                for { let o := 0 } lt(o, shl(5, shl(k, 1))) { o := add(o, 0x20) } {
                    let f := calldataload(add(row, o))
                    sum := addmod(sum, mulmod(mload(add(ENT_Z, e)), f, pr), pr)
                    e := and(sub(e, step), 0xff)                            // zeta_8^(-(i + 1) s (8 / N))
                    let y := add(ENT_Y, o)
                    mstore(y, addmod(mload(y), mulmod(qj, f, pr), pr))
                }
            }
            // the folds: v_0 = f_0(rho), v_{j+1} = (1/N) sum_i w_i f_j(x_i) (1), and v_L must be the tail's value at rho;
            // y_i = sum_j q^j f_j(x_i) (ENT_Y), y_rho = sum_{j<L} q^j v_j (to ENT_YRHO)
            function radix_folds(k, layers, boolean) {
                let pr := mload(RW)
                let q := mload(ENT_Q)
                let v := calldataload(sub(mload(K_W), 0x20))
                let yrho := v
                let qj := 1
                for { let j := 0 } lt(j, layers) { j := add(j, 1) } {
                    let row := add(mload(K_EVALS), shl(add(k, 5), j))
                    let u := add(XP, shl(5, mul(k, j)))
                    switch boolean
                    case 0 { v := radix_row(row, k, u, qj) }
                    default {
                        let s := 0                                          // the digit: bits u_0 .. u_{K-1}
                        for { let b := 0 } lt(b, k) { b := add(b, 1) } { s := or(s, shl(b, mload(add(u, shl(5, b))))) }
                        v := mulmod(radix_row_boolean(row, k, s, qj), mload(add(ENT_A, shl(5, s))), pr)   // r^(-s) / N
                    }
                    if iszero(boolean) {
                        for { let i := 0 } lt(i, k) { i := add(i, 1) } { v := mulmod(v, INV2, pr) }
                    }
                    qj := mulmod(qj, q, pr)
                    if lt(add(j, 1), layers) { yrho := addmod(yrho, mulmod(qj, v, pr), pr) }
                }
                mstore(ENT_YRHO, yrho)
                let rho := mload(ENT_RHO)
                let tail := mload(K_TAIL)
                let t := 0                                                  // the tail at rho (Horner from the top)
                for { let p := mload(K_EVALS) } gt(p, tail) {} {
                    p := sub(p, 0x20)
                    t := addmod(mulmod(t, rho, pr), calldataload(p), pr)
                }
                ensure(eq(v, t))                                            // a tail that is not the last fold's
            }
            // I(z) = (z^N - rho) [(z - rho)/(N rho) sum_i y_i x_i / d_i + y_rho / (rho^N - rho)]; Z_S(z) = (z^N - rho)(z - rho)
            function radix_interpolant(k) -> iz, vanishing {
                let pr := mload(RW)
                let end := shl(5, shl(k, 1))
                let sum := 0
                {
                    let r := mload(ENT_R)
                    for { let o := 0 } lt(o, end) { o := add(o, 0x20) } {
                        sum := addmod(sum, mulmod(mulmod(mload(add(ENT_Y, o)), mulmod(mload(add(ENT_Z, shl(sub(RADIX_LOG, k), o))),
                                                                                     r, pr), pr), mload(add(ENT_D, o)), pr), pr)
                    }
                }
                // (z - rho)/(N rho) = (z - rho) (1/2)^K (1/r)^N
                let scale := mload(ENT_ZR)
                let rinv := mload(add(ENT_D, add(end, 0x20)))
                let zn := mload(ENT_ZC)
                for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                    scale := mulmod(scale, INV2, pr)
                    rinv := mulmod(rinv, rinv, pr)
                    zn := mulmod(zn, zn, pr)
                }
                zn := addmod(zn, sub(pr, mload(ENT_RHO)), pr)
                iz := mulmod(zn, addmod(mulmod(mulmod(sum, scale, pr), rinv, pr),
                                        mulmod(mload(ENT_YRHO), mload(add(ENT_D, end)), pr), pr), pr)
                vanishing := mulmod(zn, mload(ENT_ZR), pr)
            }
            // evaluate_multilinear(tail, x_{KL} ...): fold x_{KL} first, f[i] <- f[2i] + x (f[2i+1] - f[2i]), in place at
            // BUF1 (entry i is written after entries 2i and 2i + 1 >= i are read); at a Boolean point the entry itself
            function tail_value(boolean) -> v {
                let f := BUF1
                let xp := add(XP, shl(5, mul(mload(K_RADIX), mload(K_LAYERS))))
                let size := shl(add(mload(K_M), 5), 1)
                if boolean {                                                // the entry at the last m bits
                    let t := 0
                    for { let b := 0 } lt(b, mload(K_M)) { b := add(b, 1) } { t := or(t, shl(b, mload(add(xp, shl(5, b))))) }
                    v := calldataload(add(mload(K_TAIL), shl(5, t)))
                    leave
                }
                calldatacopy(f, mload(K_TAIL), size)
                for {} gt(size, 0x20) { xp := add(xp, 0x20) } {
                    let x := mload(xp)
                    size := shr(1, size)
                    let src := f
                    for { let dst := f } lt(dst, add(f, size)) { dst := add(dst, 0x20) } {
                        let a := mload(src)
                        mstore(dst, addmod(a, mulmod(x, add(mload(add(src, 0x20)), sub(R, a)), R), R))
                        src := add(src, 0x40)
                    }
                }
                v := mload(f)
            }
            // e(ACC + sum_{i >= 1} q^i C_i - I(z) [1]_1 - Z_S(z) W + z W', [1]_2) e(-W', [tau]_2) = 1
            function pairing_check(q, z, iz, vanishing, open) {
                let qi := q
                for { let c := open } lt(c, mload(K_TAIL)) { c := add(c, 0x40) } {
                    add_mul_calldata(c, qi)
                    qi := mulmod(qi, q, R)
                }
                let p := BUF1
                mstore(p, G1_X)
                mstore(add(p, 0x20), G1_Y)
                add_mul(p, mod(neg(iz), R))
                let w := mload(K_W)
                add_mul_calldata(w, mod(neg(vanishing), R))
                add_mul_calldata(add(w, 0x40), z)
                mcopy(p, ACC, 0x40)
                mstore(add(p, 0x40), G2_X1)
                mstore(add(p, 0x60), G2_X0)
                mstore(add(p, 0x80), G2_Y1)
                mstore(add(p, 0xa0), G2_Y0)
                mstore(add(p, 0xc0), calldataload(add(w, 0x40)))
                mstore(add(p, 0xe0), mod(sub(Q, calldataload(add(w, 0x60))), Q))
                mstore(add(p, 0x100), TAU_X1)
                mstore(add(p, 0x120), TAU_X0)
                mstore(add(p, 0x140), TAU_Y1)
                mstore(add(p, 0x160), TAU_Y0)
                ensure(staticcall(gas(), 0x08, p, 0x180, 0, 0x20))         // (fails only out of gas: points checked)
                ensure(eq(mload(0), 1))                                     // a W or W' for other polynomials
            }

            // ---- verify_attribution: reading --------------------------------------------------------
            function epoch_read() {
                read_claim(0xa4)
                let mc := calldataload(0x24)
                let mk := calldataload(0x44)
                ensure(and(gt(mc, 0), iszero(gt(mc, MAX_LOG_C))))          // no manifest has such mC
                ensure(iszero(gt(mk, MAX_LOG_K)))                           // no manifest has such mk
                check_point(0x64)                                           // C_G not a G1 point
                let mt := log2_ceil(calldataload(add(mload(CLAIM), 0x60)))
                let rb := mt
                if gt(mc, rb) { rb := mc }
                // n: the largest table (cells, X, the range table, Q, G)
                let n := add(rb, SLOT_BITS)
                if gt(add(mt, mc), n) { n := add(mt, mc) }
                if gt(LOOKUP_BITS, n) { n := LOOKUP_BITS }
                if gt(add(mt, mk), n) { n := add(mt, mk) }
                if gt(add(mc, mk), n) { n := add(mc, mk) }
                ensure(iszero(gt(n, MAX_LOG_N)))                            // an epoch too large for this SRS
                mstore(MT, mt)
                mstore(MC, mc)
                mstore(MK, mk)
                mstore(RB, rb)
                mstore(NV, n)
                read_proof()
            }
            // Proof.from_bytes + validate against the shape: every count word, the total length, every point on the
            // curve, every scalar < r (here; the sum-check messages in their rounds, the opening's tail and fold values
            // in its checks: each refused before any verdict of true, as Python refuses them at decoding)
            function read_proof() {
                let p, len := dynamic_arg(0xc4)
                ensure(eq(calldataload(p), PROOF_VERSION))                  // another proof format
                ensure(eq(calldataload(add(p, 0x20)), mload(NV)))           // a batching sum-check of another size
                check_points(add(p, 0x40), 16)                              // a phase-1/2 commitment off the curve
                mstore(PROOF, p)
                mstore(VALS, add(p, 0x440))
                let mt := mload(MT)
                let mk := mload(MK)
                // per stage: the count word, rounds x degree values, the final values
                let s := stage_block(0, add(p, 0x4c0), add(mt, mload(MC)), 3, 13)
                s := stage_block(1, s, mt, 3, 8)
                s := stage_block(2, s, add(mload(RB), SLOT_BITS), 3, 2)
                s := stage_block(3, s, add(mt, mk), 3, 2)
                s := stage_block(4, s, LOOKUP_BITS, 3, 2)
                s := stage_block(5, s, mk, 2, 2)
                mstore(BATCH, s)
                s := add(s, shl(6, mload(NV)))
                mstore(EVS, s)
                s := add(s, 0x280)
                mstore(OPEN, s)
                // the E4 values, the finals and the evaluations >= r (the messages: in sumcheck, as they are read)
                check_scalars(add(p, 0x440), add(p, 0x4c0))
                check_scalars(mload(EVS), s)
                read_opening(s, add(p, len))
            }
            function stage_block(i, s, rounds, degree, finals) -> next {
                ensure(eq(calldataload(s), rounds))                         // a sum-check of another length
                mstore(add(STAGE, shl(5, i)), s)
                next := add(s, shl(5, add(add(1, mul(rounds, degree)), finals)))
                check_scalars(sub(next, shl(5, finals)), next)              // a final value >= r
            }

            // ---- verify_attribution: the stages -----------------------------------------------------
            // E1 claim words -> E2 phase 1 -> alpha -> E3 phase 2 -> tau -> E4 values -> lambda
            function epoch_challenges() {
                let p := mload(PROOF)
                mstore(BUF, EPOCH_INIT)
                absorb_calldata(add(mload(CLAIM), 0x20), 0x160)             // an epoch replayed (seq) or moved (digest)
                absorb_calldata(add(p, 0x40), 0x200)
                mstore(ALPHA, challenge())
                absorb_calldata(add(p, 0x240), 0x200)
                // tau, and TT: the pairs (1 - tau_i, 2 tau_i - 1) for eq_t
                for { let i := 0 } lt(i, mload(NV)) { i := add(i, 1) } {
                    let t := challenge()
                    mstore(add(TAU, shl(5, i)), t)
                    mstore(add(TT, shl(6, i)), addmod(1, sub(R, t), R))
                    mstore(add(TT, add(shl(6, i), 0x20)), addmod(add(t, t), RM1, R))
                }
                absorb_calldata(mload(VALS), 0x80)
                let l := challenge()
                let lp := 1
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    mstore(add(LAM, shl(5, i)), lp)
                    lp := mulmod(lp, l, R)
                }
            }
            // stage i (1 .. 4, degree 3): its sum-check from `claimed`, then its final values absorbed; g(u) as claimed,
            // the finals, eq(tau_{<rounds}, u)
            function stage(i, claimed, finals) -> last, f, e {
                let s := mload(add(STAGE, shl(5, i)))
                let rounds := calldataload(s)
                last, e := sumcheck3(add(s, 0x20), rounds, claimed, add(POINTS, mul(i, PT)), TT)
                f := add(add(s, 0x20), mul(rounds, 0x60))
                absorb_calldata(f, shl(5, finals))
            }
            function epoch_stages() {
                let v := mload(VALS)
                let claimed := addmod(addmod(cd(v, 0), mulmod(lam(1), cd(v, 1), R), R),
                                      mulmod(lam(2), addmod(mulmod(cd(v, 2), shl(FEE_SHIFT, 1), R), cd(v, 3), R), R), R)
                // the cells (stage 0): its rounds as the mT rounds of t, then the mC of c (eq_t, eq_c apart)
                let s := add(mload(STAGE), 0x20)
                let mt := mload(MT)
                let last, et := sumcheck3(s, mt, claimed, POINTS, TT)
                let ec := 0
                s := add(s, mul(mt, 0x60))
                last, ec := sumcheck3(s, mload(MC), last, add(POINTS, shl(5, mt)), add(TT, shl(6, mt)))
                s := add(s, mul(mload(MC), 0x60))
                absorb_calldata(s, 0x1a0)
                ensure(eq(last, cells_final(s, et, ec)))    // A != G Q^T at tau, S_t or R_c not the sums, B not a bit, a limb helper wrong
                let f := 0
                let e := 0
                last, f, e := stage(1, 0, 8)
                ensure(eq(last, inferences_final(f, e)))   // pi_t +- 1, a pi wrapped mod r, z_t forged (D1-D5)
                last, f, e := stage(2, 0, 2)
                ensure(eq(last, helper_final(f, 0, e)))    // an X helper wrong in one entry
                last, f, e := stage(3, 0, 2)
                ensure(eq(last, helper_final(f, QUERY_SHIFT, e)))     // a Q + 2^15 helper wrong
                last, f, e := stage(4, 0, 2)
                ensure(eq(last, table_final(f, e)))        // multiplicities that do not count the looked-up values
                // gq (stage 5, degree 2)
                s := mload(add(STAGE, 0xa0))
                last := sumcheck2(add(s, 0x20), calldataload(s), cd(v, 0), add(POINTS, mul(5, PT)))
                f := add(add(s, 0x20), shl(6, calldataload(s)))
                absorb_calldata(f, 0x40)
                ensure(eq(last, mulmod(cd(f, 0), cd(f, 1), R)))                 // v_A that is not <G_c, Q_t> at tau
            }
            // cells_final: eq_cell (1 - 2b) M + lam1 eq_t (1 - b) M + lam2 eq_c pi (1 - b) M + lam3 eq_cell b(1 - b)
            // + sum_i lam_{4+i} eq_cell (h_i (alpha - l_i) - 1), with M = sum_i 2^{16i} l_i
            function cells_final(f, et, eq_c) -> total {
                let r := mload(RW)
                let eq_cell := mulmod(et, eq_c, r)
                let b := cd(f, 5)
                let nb := one_minus(b)
                let mag := magnitude(f)
                let bm := mulmod(nb, mag, r)                                // A+ = (1 - b) M
                total := mulmod(eq_cell, mulmod(addmod(nb, neg(b), r), mag, r), r)
                total := addmod(total, mulmod(mulmod(lam(1), et, r), bm, r), r)
                let pi := addmod(mulmod(cd(f, 12), shl(PI_SPLIT, 1), r), cd(f, 11), r)
                total := addmod(total, mulmod(mulmod(lam(2), eq_c, r), mulmod(pi, bm, r), r), r)
                total := addmod(total, mulmod(mulmod(lam(3), eq_cell, r), mulmod(b, nb, r), r), r)
                total := addmod(total, mulmod(eq_cell, cell_helpers(f), r), r)
            }
            function magnitude(f) -> mag {
                for { let i := 5 } i {} {
                    i := sub(i, 1)
                    mag := addmod(mulmod(mag, LIMB_RADIX, R), cd(f, i), R)
                }
            }
            function cell_helpers(f) -> s {
                let alpha := mload(ALPHA)
                for { let i := 0 } lt(i, 5) { i := add(i, 1) } {
                    let h := addmod(mulmod(cd(f, add(6, i)), addmod(alpha, neg(cd(f, i)), R), R), sub(R, 1), R)
                    s := addmod(s, mulmod(lam(add(4, i)), h, R), R)
                }
            }
            // inferences_final: eq_t (D1 + lam1 D2 + ... + lam4 D5), finals f, s, pi_lo, pi_hi, e, d, kappa, z
            function inferences_final(f, e) -> total {
                let r := mload(RW)
                let z := cd(f, 7)
                let sp := addmod(cd(f, 1), z, r)                            // S' = S + z
                // D1: pi_lo S' + e - 2^112 kappa
                total := addmod(addmod(mulmod(cd(f, 2), sp, r), cd(f, 4), r), neg(mulmod(cd(f, 6), shl(PI_SPLIT, 1), r)), r)
                // D2: pi_hi S' + kappa - 2^16 (1 - z) F
                let d := addmod(mulmod(cd(f, 3), sp, r), cd(f, 6), r)
                d := addmod(d, neg(mulmod(mulmod(shl(sub(FEE_SHIFT, PI_SPLIT), 1), one_minus(z), r), cd(f, 0), r)), r)
                total := addmod(total, mulmod(lam(1), d, r), r)
                // D3: S' - 1 - e - d
                d := addmod(addmod(sp, sub(r, 1), r), neg(addmod(cd(f, 4), cd(f, 5), r)), r)
                total := addmod(total, mulmod(lam(2), d, r), r)
                // D4: z (1 - z); D5: z S
                total := addmod(total, mulmod(lam(3), mulmod(z, one_minus(z), r), r), r)
                total := addmod(total, mulmod(lam(4), mulmod(z, cd(f, 1), r), r), r)
                total := mulmod(total, e, r)
            }
            // eq(tau, u) (h (alpha - shift - x) - 1) for a LogUp helper (X: shift 0; Q: 2^15)
            function helper_final(f, shift, e) -> total {
                let x := addmod(cd(f, 0), shift, R)
                total := addmod(mulmod(cd(f, 1), addmod(mload(ALPHA), neg(x), R), R), sub(R, 1), R)
                total := mulmod(total, e, R)
            }
            // eq(tau, u) (Gt (alpha - iota(u)) - Mu), iota(u) = sum_b 2^b u_b
            function table_final(f, e) -> total {
                let r := mload(RW)
                let u := add(POINTS, mul(4, PT))
                let iota := 0
                for { let b := LOOKUP_BITS } b {} {
                    b := sub(b, 1)
                    iota := addmod(addmod(iota, iota, r), at(u, b), r)
                }
                total := addmod(mulmod(cd(f, 1), addmod(mload(ALPHA), neg(iota), r), r), neg(cd(f, 0)), r)
                total := mulmod(total, e, r)
            }

            // ---- verify_attribution: the batch of linear claims (attribution.batch_claims order) ------
            // Claim j (j = 0 .. 40, batch_claims' order) is weighed by gamma^j = GP[j]; gamma_powers fills GP once and
            // both sides of the batching sum-check read it.
@@GAMMA_POWERS@@
            function gp(j) -> g { g := mload(add(GP, shl(5, j))) }
            function final_of(i, degree) -> f {
                let s := mload(add(STAGE, shl(5, i)))
                f := add(add(s, 0x20), shl(5, mul(calldataload(s), degree)))
            }
@@BATCHED_VALUE@@
            // The kernels at x (verifier.kernels.evaluate_kernel), from tables of x's prefixes and suffixes:
            // ZS[i] = prod_{j >= i} (1 - x_j) (zero extension beyond a table's 2^i entries), ZT[i] = prod_{j >= i}
            // (1 - tau_j) and PE[i] = eq(tau_{<i}, x_{<i}) (the degree kernels, xi = tau), i <= n; LO and HI, the eq
            // tables of the slot bits x_{rb .. rb+2} and x_{rb+3 .. rb+5} (the slot part of a limb kernel).
            function kernel_tables() {
                let r := mload(RW)
                let end := shl(5, mload(NV))
                let zx := 1
                let zt := 1
                mstore(add(ZS, end), 1)
                mstore(add(ZT, end), 1)
                for { let i := end } i {} {
                    i := sub(i, 0x20)
                    let x := mload(add(XP, i))
                    let x1 := addmod(1, sub(r, x), r)
                    mstore(add(XT, shl(1, i)), x1)                               // XT: (1 - x_i, 2 x_i - 1) for eq_t
                    mstore(add(XT, add(shl(1, i), 0x20)), addmod(add(x, x), RM1, r))
                    zx := mulmod(zx, x1, r)
                    mstore(add(ZS, i), zx)
                    zt := mulmod(zt, mload(add(TT, shl(1, i))), r)
                    mstore(add(ZT, i), zt)
                }
                let e := 1
                mstore(PE, 1)
                for { let i := 0 } lt(i, end) {} {
                    e := mulmod(e, add(mload(add(XT, shl(1, i))), mulmod(mload(add(TAU, i)), mload(add(XT, add(shl(1, i), 0x20))), r)), r)
                    i := add(i, 0x20)
                    mstore(add(PE, i), e)
                }
                let sp := add(XP, shl(5, mload(RB)))
                eq_table(LO, sp)
                eq_table(HI, add(sp, 0x60))
            }
            // t[j] = eq(bits j, (y_0, y_1, y_2)) for j < 8, the y_b at memory yp: one bit at a time, t[j + 2^b] = t[j] y_b
            // and t[j] <- t[j] - t[j] y_b
            function eq_table(t, yp) {
                let r := mload(RW)
                let y := mload(yp)
                let e1 := y
                let e0 := addmod(1, sub(r, y), r)
                y := mload(add(yp, 0x20))
                let e3 := mulmod(e1, y, r)
                let e2 := mulmod(e0, y, r)
                e1 := addmod(e1, sub(r, e3), r)
                e0 := addmod(e0, sub(r, e2), r)
                y := mload(add(yp, 0x40))
                let v := mulmod(e0, y, r)
                mstore(add(t, 0x80), v)
                mstore(t, addmod(e0, sub(r, v), r))
                v := mulmod(e1, y, r)
                mstore(add(t, 0xa0), v)
                mstore(add(t, 0x20), addmod(e1, sub(r, v), r))
                v := mulmod(e2, y, r)
                mstore(add(t, 0xc0), v)
                mstore(add(t, 0x40), addmod(e2, sub(r, v), r))
                v := mulmod(e3, y, r)
                mstore(add(t, 0xe0), v)
                mstore(add(t, 0x60), addmod(e3, sub(r, v), r))
            }
            function zs(i) -> z { z := at(ZS, i) }
            function ev(table) -> e { e := cd(mload(EVS), table) }
            // prod_{len <= i < rb} (1 - x_i): a row point of len < rb coordinates zero-extended inside the row bits
            function row_pad(len) -> z {
                z := 1
                for { let i := len } lt(i, mload(RB)) { i := add(i, 1) } { z := mulmod(z, one_minus(at(XP, i)), R) }
            }
@@LIMB_WEIGHTS@@
            // the range kernel on F: the indicator of [T, 2^mT) = 1 - I_[0,T)(x_{<mT}), zero-extended
            function range_kernel(t, n) -> k {
                let r := mload(RW)
                let below := 1
                if lt(t, shl(n, 1)) {
                    below := 0
                    let prefix := 1
                    for { let b := n } b {} {
                        b := sub(b, 1)
                        let u := at(XP, b)
                        switch and(shr(b, t), 1)
                        case 1 {
                            below := addmod(below, mulmod(prefix, one_minus(u), r), r)
                            prefix := mulmod(prefix, u, r)
                        }
                        default { prefix := mulmod(prefix, one_minus(u), r) }
                    }
                }
                k := mulmod(one_minus(below), zs(n), r)
            }
            // the degree kernel K_hi(tau, x) of a table of 2^m entries:
            // eq(tau, x) - eq(tau_{<m}, x_{<m}) prod_{i >= m} (1 - tau_i)(1 - x_i) = PE[n] - PE[m] ZT[m] ZS[m]
            function degree_kernel(m) -> k {
                k := addmod(at(PE, mload(NV)), sub(R, mulmod(mulmod(at(PE, m), at(ZT, m), R), zs(m), R)), R)
            }
            // the limb claims on X (11..20, 30, 32, 33), their row kernels grouped by point: X(x) ZS[rb + 6] times
            //   rows(u_t) (g11 W_PI_LO + g12 W_PI_HI) + rows(w) sum_V g_{13+i} W_V (V = F, S, PI_LO, PI_HI, E, D, KAPPA, Z)
            //   + rows(tau_t) g30 W_S + rows(tau_c) (g32 W_P + g33 W_EPS),
            // rows(p) = eq(p, x_{<|p|}) row_pad(|p|), W_V from weights(); eu, ew, et, ec: the eq parts of rows
            function limb_kernels(eu, ew, et, ec) -> k {
                let r := mload(RW)
                weights()
                k := mulmod(eu, addmod(mulmod(gp(11), mload(W_PI_LO), r), mulmod(gp(12), mload(W_PI_HI), r), r), r)
                let t := addmod(mulmod(gp(13), mload(W_F), r), mulmod(gp(14), mload(W_S), r), r)
                t := addmod(t, addmod(mulmod(gp(15), mload(W_PI_LO), r), mulmod(gp(16), mload(W_PI_HI), r), r), r)
                t := addmod(t, addmod(mulmod(gp(17), mload(W_E), r), mulmod(gp(18), mload(W_D), r), r), r)
                t := addmod(t, addmod(mulmod(gp(19), mload(W_KAPPA), r), mulmod(gp(20), mload(W_Z), r), r), r)
                k := addmod(k, mulmod(ew, t, r), r)
                k := addmod(k, mulmod(et, mulmod(gp(30), mload(W_S), r), r), r)
                k := mulmod(k, row_pad(mload(MT)), r)
                t := addmod(mulmod(gp(32), mload(W_P), r), mulmod(gp(33), mload(W_EPS), r), r)
                k := addmod(k, mulmod(mulmod(ec, row_pad(mload(MC)), r), t, r), r)
                k := mulmod(mulmod(k, ev(6), r), zs(add(mload(RB), SLOT_BITS)), r)
            }
            // the claims on the cells' tables, on X by limbs, on F and on P: (0..21, 30..33, 35..37, 39, 40)
            function kernels_rows() -> total {
                let r := mload(RW)
                let mt := mload(MT)
                let mc := mload(MC)
                let e := mload(EVS)
                // L0..4, B (0..5) and H0..4 (6..10) at u: eq(u, x_{<mT+mC}) ZS[mT+mC]
                let eu := eq_t(XT, POINTS, mt)
                let k := mulmod(eu, eq_t(add(XT, shl(6, mt)), add(POINTS, shl(5, mt)), mc), r)
                let c := addmod(mulmod(gp(0), calldataload(e), r), mulmod(gp(1), calldataload(add(e, 0x20)), r), r)
                c := addmod(c, addmod(mulmod(gp(2), calldataload(add(e, 0x40)), r), mulmod(gp(3), calldataload(add(e, 0x60)), r), r), r)
                c := addmod(c, addmod(mulmod(gp(4), calldataload(add(e, 0x80)), r), mulmod(gp(5), calldataload(add(e, 0xa0)), r), r), r)
                c := addmod(c, addmod(mulmod(gp(6), calldataload(add(e, 0x100)), r), mulmod(gp(7), calldataload(add(e, 0x120)), r), r), r)
                c := addmod(c, addmod(mulmod(gp(8), calldataload(add(e, 0x140)), r), mulmod(gp(9), calldataload(add(e, 0x160)), r), r), r)
                c := addmod(c, mulmod(gp(10), calldataload(add(e, 0x180)), r), r)
                total := mulmod(mulmod(k, zs(add(mt, mc)), r), c, r)
                // X by limbs; F at w (21), the sum of F (35), F on [T, 2^mT) (37), F's degree (39)
                let ew := eq_t(XT, add(POINTS, PT), mt)
                let ec := eq_t(XT, add(TAU, shl(5, mt)), mc)
                total := addmod(total, limb_kernels(eu, ew, at(PE, mt), ec), r)
                k := mulmod(addmod(mulmod(gp(21), ew, r), gp(35), r), zs(mt), r)
                k := addmod(k, mulmod(gp(37), range_kernel(cd(mload(CLAIM), 3), mt), r), r)
                k := addmod(k, mulmod(gp(39), degree_kernel(mt), r), r)
                total := addmod(total, mulmod(ev(17), k, r), r)
                // P at tau_c (31), the sum of P (36), P's degree (40)
                k := mulmod(addmod(mulmod(gp(31), ec, r), gp(36), r), zs(mc), r)
                k := addmod(k, mulmod(gp(40), degree_kernel(mc), r), r)
                total := addmod(total, mulmod(ev(18), k, r), r)
            }
            // the claims at the other stages' points and the LogUp sum: (22..29, 34, 38)
            function kernels_points() -> total {
                let r := mload(RW)
                let mt := mload(MT)
                let mk := mload(MK)
                let sb := add(mload(RB), SLOT_BITS)
                // X, HX at the slots point (22, 23)
                let k := mulmod(eq_t(XT, add(POINTS, shl(1, PT)), sb), zs(sb), r)
                total := mulmod(k, addmod(mulmod(gp(22), ev(6), r), mulmod(gp(23), ev(13), r), r), r)
                // Q, HQ at the queries point (24, 25); Q at (k, tau_t) (29); Q's degree (38)
                let e3 := mulmod(eq_t(XT, add(POINTS, mul(3, PT)), add(mt, mk)), zs(add(mt, mk)), r)
                let e5 := eq_t(XT, add(POINTS, mul(5, PT)), mk)
                k := mulmod(mulmod(e5, eq_t(add(XT, shl(6, mk)), TAU, mt), r), zs(add(mk, mt)), r)
                k := addmod(mulmod(gp(24), e3, r), mulmod(gp(29), k, r), r)
                k := addmod(k, mulmod(gp(38), degree_kernel(add(mt, mk)), r), r)
                total := addmod(total, addmod(mulmod(ev(16), k, r), mulmod(ev(14), mulmod(gp(25), e3, r), r), r), r)
                // Mu, Gt at the lookup point (26, 27)
                k := mulmod(eq_t(XT, add(POINTS, shl(2, PT)), LOOKUP_BITS), zs(LOOKUP_BITS), r)
                total := addmod(total, mulmod(k, addmod(mulmod(gp(26), ev(7), r), mulmod(gp(27), ev(15), r), r), r), r)
                // G at (k, tau_c) (28)
                let mc := mload(MC)
                k := mulmod(mulmod(e5, eq_t(add(XT, shl(6, mk)), add(TAU, shl(5, mt)), mc), r), zs(add(mk, mc)), r)
                total := addmod(total, mulmod(ev(19), mulmod(gp(28), k, r), r), r)
                // LogUp (34): sum_i <H_i, 1> + <Hx, 1> + <Hq, 1> - <Gt, 1> = 0
                k := addmod(addmod(ev(8), ev(9), r), addmod(addmod(ev(10), ev(11), r), ev(12), r), r)
                k := mulmod(k, zs(add(mt, mc)), r)
                k := addmod(k, mulmod(ev(13), zs(sb), r), r)
                k := addmod(k, mulmod(ev(14), zs(add(mt, mk)), r), r)
                k := addmod(k, sub(r, mulmod(ev(15), zs(LOOKUP_BITS), r)), r)
                total := addmod(total, mulmod(gp(34), k, r), r)
            }
            // sum_j gamma^j sum_parts coefficient (the table's evaluation at x) kernel_j(x)
            function batched_kernels() -> total {
                kernel_tables()
                total := addmod(kernels_rows(), kernels_points(), R)
            }
            function epoch_batch() {
                mstore(GAMMA, challenge())
                gamma_powers()
                let claimed := batched_value()
                let last := sumcheck2(mload(BATCH), mload(NV), claimed, XP)
                ensure(eq(last, batched_kernels()))     // a final or E4 value, a sum, a range or degree claim the tables break
            }
            // radix-8 HyperKZG of the twenty commitments at x: the commitments, x, the evaluations -> rho.  The commitments in
            // TABLES order: the proof's sixteen, the claim's C_Q, C_F, C_P, then C_G (calldata 0x64); ACC <- sum_m rho^m C^(m)
            // and value <- sum_m rho^m v^(m) (rho^0 = 1: the first commitment copied)
            function epoch_opening() {
                let p := add(mload(PROOF), 0x40)
                let c := add(mload(CLAIM), 0x80)
                calldatacopy(BUF1, p, 0x400)
                calldatacopy(add(BUF1, 0x400), c, 0xc0)
                calldatacopy(add(BUF1, 0x4c0), 0x64, 0x40)
                absorb(0x500)
                absorb_memory(XP, shl(5, mload(NV)))
                let e := mload(EVS)
                absorb_calldata(e, 0x280)
                let rho := challenge()
                calldatacopy(ACC, p, 0x40)
                let value := calldataload(e)
                let rp := 1
                for { let end := add(p, 0x400) } lt(add(p, 0x40), end) {} {     // the proof's C_1 .. C_15
                    p := add(p, 0x40)
                    e := add(e, 0x20)
                    rp := mulmod(rp, rho, R)
                    add_mul_calldata(p, rp)
                    value := addmod(value, mulmod(rp, calldataload(e), R), R)
                }
                for { let end := add(c, 0xc0) } lt(c, end) { c := add(c, 0x40) } {   // the claim's C_Q, C_F, C_P
                    e := add(e, 0x20)
                    rp := mulmod(rp, rho, R)
                    add_mul_calldata(c, rp)
                    value := addmod(value, mulmod(rp, calldataload(e), R), R)
                }
                rp := mulmod(rp, rho, R)                                     // C_G
                add_mul_calldata(0x64, rp)
                value := addmod(value, mulmod(rp, calldataload(add(e, 0x20)), R), R)
                kzg_finish(value, mload(OPEN))          // evaluations that are not the committed tables' at x
            }

            // ---- verify_payouts ----------------------------------------------------------------------
            function payouts_read() {
                let ip, count := dynamic_arg(0x64)                          // uint256[]: a length word, then the words
                let vp, vcount := dynamic_arg(0x84)
                ensure(and(gt(count, 0), eq(vcount, count)))                // one value per index, at least one
                ensure(iszero(gt(add(ip, shl(5, count)), calldatasize())))  // arrays past the calldata (Solidity
                ensure(iszero(gt(add(vp, shl(5, count)), calldatasize())))  // reverts on these first)
                let cs := calldataload(0x24)
                ensure(and(gt(cs, 0), iszero(gt(cs, MAX_CONTRIBUTORS))))    // no manifest has such C
                // distinct indices below C (a bitmap in fresh memory after BUF), values below r
                let seen := BUF1
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let index := cd(ip, i)
                    ensure(lt(index, cs))                                   // an index >= C (its payout is 0 by the degree claim)
                    let slot := add(seen, shl(5, shr(8, index)))
                    let bit := shl(and(index, 0xff), 1)
                    ensure(iszero(and(mload(slot), bit)))                   // an index twice
                    mstore(slot, or(mload(slot), bit))
                    ensure(lt(cd(vp, i), R))                                // a value >= r
                }
                mstore(MT, ip)
                mstore(MC, vp)
                mstore(MK, count)
                read_claim(0x44)
                let n := log2_ceil(cs)
                ensure(iszero(gt(n, MAX_LOG_N)))                            // payouts too many for this SRS
                mstore(NV, n)
                let p, len := dynamic_arg(0xa4)
                ensure(eq(calldataload(p), OPENING_VERSION))                // another opening format
                ensure(eq(calldataload(add(p, 0x20)), n))                   // a sum-check of another length
                let open := add(add(p, 0x60), shl(6, n))
                check_scalars(add(p, 0x40), open)                           // a message or P(x) >= r
                read_opening(open, add(p, len))
                mstore(PROOF, p)
                mstore(OPEN, open)
            }
            // the claim, [|I|, I], the values -> gamma
            function payout_challenge() -> gamma {
                let count := mload(MK)
                mstore(BUF, PAYOUT_INIT)
                absorb_calldata(add(mload(CLAIM), 0x20), 0x160)             // an opening against another epoch's C_P
                mstore(BUF1, count)
                calldatacopy(BUF2, mload(MT), shl(5, count))
                absorb(shl(5, add(count, 1)))
                absorb_calldata(mload(MC), shl(5, count))
                gamma := challenge()
            }
            // sum_i gamma^i eq(bits c_i, x) (Horner in gamma)
            function payout_kernel(gamma) -> kappa {
                let ip := mload(MT)
                for { let i := mload(MK) } i {} {
                    i := sub(i, 1)
                    let index := cd(ip, i)
                    let e := 1
                    for { let b := 0 } lt(b, mload(NV)) { b := add(b, 1) } {
                        let x := at(XP, b)
                        if iszero(and(shr(b, index), 1)) { x := one_minus(x) }
                        e := mulmod(e, x, R)
                    }
                    kappa := addmod(mulmod(kappa, gamma, R), e, R)
                }
            }
            function verify_payouts() {
                payouts_read()
                let gamma := payout_challenge()
                let claimed := 0
                let vp := mload(MC)
                for { let i := mload(MK) } i {} {
                    i := sub(i, 1)
                    claimed := addmod(mulmod(claimed, gamma, R), cd(vp, i), R)
                }
                let open := mload(OPEN)
                let last := sumcheck2(add(mload(PROOF), 0x40), mload(NV), claimed, XP)
                let value := calldataload(sub(open, 0x20))
                ensure(eq(last, mulmod(value, payout_kernel(gamma), R)))   // a wrong amount, amounts swapped, another index's
                // radix-8 HyperKZG of C_P at x with the value P(x)
                let cp := add(mload(CLAIM), 0x100)
                absorb_calldata(cp, 0x40)
                absorb_memory(XP, shl(5, mload(NV)))
                mstore(BUF1, value)
                absorb(0x20)
                pop(challenge())
                calldatacopy(ACC, cp, 0x40)
                kzg_finish(value, open)                  // a P(x) that is not the committed payouts' value
            }

            // ---- verify_balance ----------------------------------------------------------------------
            // calldata heads: 0x04 the dataset's id, 0x24 C, 0x44 e, 0x64 the ranges (offset: [count, (first,
            // last) ...]), 0x84 W (x, y), 0xc4 index, 0xe4 value, 0x104 opening (offset)
            function balance_read() {
                let cs := calldataload(0x24)
                ensure(and(gt(cs, 0), iszero(gt(cs, MAX_CONTRIBUTORS))))    // no manifest has such C
                let epoch := calldataload(0x44)
                ensure(and(gt(epoch, 0), lt(epoch, MAX_SEQ)))               // an epoch no ledger can have settled
                let xp, count := dynamic_arg(0x64)
                ensure(iszero(gt(count, shr(6, sub(calldatasize(), xp)))))  // a count the calldata cannot hold
                // check_ranges: 1 <= first <= last <= e, and each first >= the previous last + 2 (ranges that touch
                // are one range: a set of left-out epochs has one form); floor is that bound (1 before the first)
                let floor := 1
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let first := cd(xp, shl(1, i))
                    let last := cd(xp, add(shl(1, i), 1))
                    // a range that overlaps or touches the one before, runs backwards, or goes past e
                    ensure(and(iszero(lt(first, floor)), and(iszero(gt(first, last)), iszero(gt(last, epoch)))))
                    floor := add(last, 2)
                }
                check_point(0x84)                                           // W off the curve
                let index := calldataload(0xc4)
                ensure(lt(index, cs))                                       // an index >= C
                ensure(lt(calldataload(0xe4), R))                           // a value >= r
                let p, len := dynamic_arg(0x104)
                ensure(gt(len, 0x3f))
                ensure(eq(calldataload(p), BALANCE_VERSION))                // another opening format
                // n: the opening's own (the mC of the version it was made at): 1 <= n <= the current mC, and
                // index < 2^n (else bits(index) would be cut to another contributor's)
                let n := calldataload(add(p, 0x20))
                ensure(and(gt(n, 0), iszero(gt(n, log2_ceil(cs)))))         // a table no version of the dataset has
                ensure(lt(index, shl(n, 1)))                                // an n too small for the index
                ensure(iszero(gt(n, MAX_LOG_N)))                            // a table too large for this SRS
                mstore(NV, n)
                read_opening(add(p, 0x40), add(p, len))
                mstore(MT, xp)
                mstore(MK, count)
                mstore(OPEN, add(p, 0x40))
            }
            function verify_balance() {
                balance_read()
                let n := mload(NV)
                let count := mload(MK)
                let index := calldataload(0xc4)
                let value := calldataload(0xe4)
                // id; [e, |ranges|, (first, last) ...]; W; [n, index, value]: an opening for another dataset,
                // state, ranges or index
                mstore(BUF, BALANCE_INIT)
                absorb_calldata(0x04, 0x20)
                mstore(BUF1, calldataload(0x44))
                mstore(BUF2, count)
                calldatacopy(BUF3, mload(MT), shl(6, count))
                absorb(add(shl(6, count), 0x40))
                absorb_calldata(0x84, 0x40)
                mstore(BUF1, n)
                mstore(BUF2, index)
                mstore(BUF3, value)
                absorb(0x60)
                // radix-8 HyperKZG of W at the Boolean point bits(index) with the value
                for { let b := 0 } lt(b, n) { b := add(b, 1) } { mstore(add(XP, shl(5, b)), and(shr(b, index), 1)) }
                mstore(K_BOOLEAN, 1)
                absorb_calldata(0x84, 0x40)
                absorb_memory(XP, shl(5, n))
                mstore(BUF1, value)
                absorb(0x20)
                pop(challenge())
                calldatacopy(ACC, 0x84, 0x40)
                kzg_finish(value, mload(OPEN))          // a balance that is not the committed sum's entry
            }

            mstore(RW, R)
            switch shr(224, calldataload(0))
            case {{EPOCH_SELECTOR}} {
                epoch_read()
                epoch_challenges()
                epoch_stages()
                epoch_batch()
                epoch_opening()
            }
            case {{BALANCE_SELECTOR}} { verify_balance() }
            default { verify_payouts() }
            mstore(0, 1)
            return(0, 0x20)
        }
    }
}
"""


# ---- the generated parts of the template: straight-line code for what the slot map and the claim order fix ----

_INDENT = " " * 12


def _claim_sources() -> list:
    """For each linear claim j of attribution.batch_claims (in order), where its value lies: ("final", stage,
    i), ("value", i) (v_A, v_S, v_P, v_ε), ("claim", word) (ΣF, ΣP: the claim's words 10, 11) or None (0).
    Read off batch_claims itself, run on values that name their source."""
    from types import SimpleNamespace

    shape = EpochShape(1, 1, 1)
    points = {stage: [0] * shape.rounds(stage) for stage in STAGES}
    names = {}
    finals = {}
    for k, stage in enumerate(STAGES):
        finals[stage] = {}
        for i, name in enumerate(FINALS[stage]):
            tag = 1000 + 100 * k + i
            names[tag] = ("final", k, i)
            finals[stage][name] = tag
    values = tuple(2000 + i for i in range(4))
    names.update({2000 + i: ("value", i) for i in range(4)})
    names.update({3010: ("claim", 10), 3011: ("claim", 11)})
    public = SimpleNamespace(total_fees=3010, total_paid=3011, num_queries=1)
    claims = batch_claims(shape, public, Taus([0] * shape.n), points, finals, values)
    return [names[c.value] if c.value else None for c in claims]


def _gamma_powers_yul() -> str:
    """gamma_powers(): GP[j] = γ^j for j < NUM_CLAIMS, straight-line."""
    lines = ["// GP[j] = gamma^j, j < CLAIMS (straight-line)",
             "function gamma_powers() {",
             "    let r := mload(RW)",
             "    let gamma := mload(GAMMA)",
             "    let g := gamma",
             "    mstore(GP, 1)",
             f"    mstore({hex(FIXED_TABLES['GP'] + 32)}, g)"]
    for j in range(2, NUM_CLAIMS):
        lines.append(f"    g := mulmod(g, gamma, r)  mstore({hex(FIXED_TABLES['GP'] + 32 * j)}, g)")
    lines.append("}")
    return "\n".join(_INDENT + line for line in lines)


def _batched_value_yul() -> str:
    """batched_value() -> Σ_j γ^j v_j, straight-line over _claim_sources() (the zero claims skipped)."""
    degree = [DEGREES[stage] for stage in STAGES]
    lines = ["// sum_j gamma^j v_j: the batching sum-check's claim, its terms in attribution.batch_claims' order (claims",
             "// whose value is 0 left out); b: the calldata of the values at hand (a stage's finals, the E4 values, the claim)",
             "function batched_value() -> total {",
             "    let r := mload(RW)",
             "    let b := 0"]
    base = None
    for j, source in enumerate(_claim_sources()):
        if source is None:
            lines.append(f"    // claim {j}: 0")
            continue
        kind, *where = source
        if kind == "final":
            at = (f"final_of({where[0]}, {degree[where[0]]})", where[1])
        else:
            at = ({"value": "mload(VALS)", "claim": "mload(CLAIM)"}[kind], where[0])
        if at[0] != base:
            base = at[0]
            lines.append(f"    b := {base}")
        lines.append(f"    total := addmod(total, mulmod(mload({hex(FIXED_TABLES['GP'] + 32 * j)}), calldataload(add(b, {hex(32 * at[1])})), r), r)"
                     f"   // claim {j}: {kind} {', '.join(map(str, where))}")
    lines.append("}")
    return "\n".join(_INDENT + line for line in lines)


def _limb_weights_yul() -> str:
    """weights(): W_V = Σ_{i<L} 2^{16i} eq(bits(a+i), y), y = x_{rb..rb+5}, into W_V for each quantity V of the slot
    map, straight-line.  With eq(bits s, y) = LO[s & 7]·HI[s >> 3]: the limbs in each block of eight slots by
    Horner in LO (the highest first) times that block's HI, the higher block's part shifted by 2^{16·(its first
    limb)}."""
    lines = ["// W_V = sum_{i < L} 2^{16i} eq(bits(a + i), y), y = x_{rb .. rb+5}, into W_V for each quantity V of the slot",
             "// map (first slot a, L limbs), with eq(bits s, y) = LO[s & 7] HI[s >> 3]: per block of eight slots, Horner",
             "// in LO over its limbs (the highest first) times its HI, shifted by 2^{16 (its first limb)}; generated",
             "// from attrib.verifier.attribution.SLOTS.  Horner's sums are left below 2r: only mulmod reads them.",
             "function weights() {",
             "    let r := mload(RW)",
             "    let v := 0",
             "    let w := 0"]
    for name, (first, limbs) in SLOTS.items():
        lines.append(f"    // {name}: slots {first} .. {first + limbs - 1}")
        slot, block = first, 0
        while slot < first + limbs:
            end = min((slot // 8 + 1) * 8, first + limbs)
            horner = [f"v := mload({hex(FIXED_TABLES['LO'] + 32 * ((end - 1) % 8))})"]
            horner += [f"v := add(mulmod(v, LIMB_RADIX, r), mload({hex(FIXED_TABLES['LO'] + 32 * (t % 8))}))"
                       for t in range(end - 2, slot - 1, -1)]
            term = f"mulmod(v, mload({hex(FIXED_TABLES['HI'] + 32 * (slot // 8))}), r)"
            if slot > first:
                term = f"mulmod({term}, {hex(1 << (LIMB_BITS * (slot - first)))}, r)"
            lines += ["    " + line for line in horner]
            lines.append(f"    w := {term}" if block == 0 else f"    w := addmod(w, {term}, r)")
            slot, block = end, block + 1
        assert block <= 2
        lines.append(f"    mstore(W_{name}, w)")
    lines.append("}")
    return "\n".join(_INDENT + line for line in lines)



# One round of a degree-3 sum-check (sumcheck3), written three times there: an odd first round, then two a turn.
_ROUND3 = """calldatacopy(BUF1, m, 0x60)
m := add(m, 0x60)
mstore(BUF, keccak256(BUF, 0x80))
mstore(BUF, keccak256(BUF, 0x20))
let u := mod(mload(BUF), R)
mstore(pt, u)
pt := add(pt, 0x20)
e := mulmod(e, add(mload(tp), mulmod(u, mload(add(tp, 0x20)), R)), R)       // eq(tau_i, u_i) = (1 - tau_i) + u_i (2 tau_i - 1)
tp := add(tp, 0x40)
let y0 := mload(BUF1)
bad := or(bad, or(gt(y0, RM1), or(gt(mload(BUF2), RM1), gt(mload(BUF3), RM1))))
let y1 := addmod(last, sub(R, y0), R)
let t := addmod(y1, sub(R, mload(BUF2)), R)                                      // y1 - y2
// D3/6, then D2/2 + (u - 2) D3/6, then D1 + (u - 1)(...), then y0 + u (...)
last := addmod(y0, mulmod(u, add(add(y1, sub(R, y0)), mulmod(add(u, RM1),
    add(mulmod(add(add(mload(BUF2), y0), shl(1, sub(R, y1))), INV2, R),
        mulmod(add(u, RM2), mulmod(add(add(mload(BUF3), sub(R, y0)), add(t, add(t, t))), INV6, R), R)),
    R)), R), R)"""


def _sumcheck3_yul() -> str:
    """sumcheck3(m, rounds, claimed, pt, tp) -> last, e: _ROUND3 for an odd first round, then twice a turn."""
    def block(indent: int) -> list[str]:
        return [" " * indent + line for line in _ROUND3.split("\n")]

    lines = ["function sumcheck3(m, rounds, claimed, pt, tp) -> last, e {",
             "    last := claimed",
             "    e := 1",
             "    let bad := 0                                                // a message value >= r (tested at the end)",
             "    rounds := add(m, mul(rounds, 0x60))                         // the end of the messages",
             "    if and(sub(rounds, m), 0x20) {                             // an odd number of rounds (0x60 = 3 * 0x20)"]
    lines += block(8) + ["    }", "    for {} lt(m, rounds) {} {", "        {"] + block(12) + ["        }"] + block(8)
    lines += ["    }",
              "    // a message value >= r: the rounds computed with it are void (no revert: assembly does not check",
              "    // overflow), the verdict is false",
              "    if bad { fail() }",
              "}"]
    return "\n".join(_INDENT + line for line in lines)


def _fold_constant_offsets(text: str) -> str:
    """gp(j), lam(i) and cd(p, i) with a literal index as one memory or calldata word at a literal offset (the
    compiler does not fold the address arithmetic of those small functions)."""
    text = re.sub(r"\bgp\((\d+)\)", lambda m: f"mload({hex(FIXED_TABLES['GP'] + 32 * int(m.group(1)))})", text)
    text = re.sub(r"\blam\((\d+)\)", lambda m: f"mload({hex(_LAM + 32 * int(m.group(1)))})", text)
    return re.sub(r"\bcd\((\w+), (\d+)\)", lambda m: f"calldataload(add({m.group(1)}, {hex(32 * int(m.group(2)))}))", text)


# Helpers the compiler keeps as jumps (it does not inline them): written out at each use instead, the same
# expression (Yul evaluates a call's argument before the body, as the expanded form does).
_EXPANDED = {"ensure": "if iszero({}) {{ fail() }}", "one_minus": "addmod(1, sub(R, {}), R)", "neg": "sub(R, {})",
             "zs": "mload(add(ZS, shl(5, {})))"}


def _expand_helpers(text: str) -> str:
    """Each use name(x) of a helper in _EXPANDED as its expression (the helpers' own definitions are kept)."""
    for name, form in _EXPANDED.items():
        out, pos = [], 0
        pattern = re.compile(r"(?<![\w.])" + name + r"\(")
        while (m := pattern.search(text, pos)) is not None:
            if text[max(0, m.start() - 9):m.start()] == "function ":
                out.append(text[pos:m.end()])
                pos = m.end()
                continue
            depth, i = 1, m.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            out.append(text[pos:m.start()] + form.format(_expand_helpers(text[m.end():i - 1])))
            pos = i
        text = "".join(out) + text[pos:]
    return text


_LAM = 0x320                     # the template's LAM: λ^0 … λ^8
assert f"uint256 internal constant LAM = {hex(_LAM)};" in _TEMPLATE_TEXT

TEMPLATE = _expand_helpers(_fold_constant_offsets(_TEMPLATE_TEXT.replace("@@GAMMA_POWERS@@", _gamma_powers_yul())
            .replace("@@BATCHED_VALUE@@", _batched_value_yul())
            .replace("@@LIMB_WEIGHTS@@", _limb_weights_yul())
            .replace("@@SUMCHECK3@@", _sumcheck3_yul())))
assert "@@" not in TEMPLATE


def render(text: str, constants: dict[str, int]) -> str:
    """Replace every {{NAME}} by constants[NAME] (as a hex literal); every name must be given and used."""
    names = set(_PLACEHOLDER.findall(text))
    if names != set(constants):
        raise ValueError(f"template constants mismatch: missing {sorted(names - set(constants))}, "
                         f"unused {sorted(set(constants) - names)}")
    return _PLACEHOLDER.sub(lambda m: hex(constants[m.group(1)]), text)


def selector(signature: str) -> bytes:
    """The 4-byte function selector: keccak256(signature)[:4]."""
    return keccak256(signature.encode())[:4]




def memory_map(max_log_n: int) -> dict[str, int]:
    """The template's arrays, after its one-word variables and small fixed tables (FIXED_TABLES): x (one word per
    variable, n ≤ max_log_n), the transcript (its state, then what it absorbs: at most 20 commitments or 3l values
    in verifyEpoch), then the arrays of verifyEpoch alone (ZS, ZT and PE have n + 1 entries, TT and XT two words per
    variable).  verifyPayouts and verifyBalance use only the words, x and the transcript: what they absorb (it grows
    with the number of indices or ranges) runs over verifyEpoch's arrays, never over theirs, and their memory ends
    low."""
    pt = 32 * (max_log_n + 1)
    xp = FIXED_WORDS_END
    buf = xp + pt
    tau = buf + 0x20 + max(2 * 32 * len(TABLES), 3 * 32 * max_log_n)
    points = tau + pt
    zs = points + 6 * pt
    zt = zs + pt
    pe = zt + pt
    tt = pe + pt
    xt = tt + 2 * pt
    ent = xt + 2 * pt                   # the openings' scratch (attrib.verifier.radix): 66 words
    return {"PT": pt, "XP": xp, "BUF": buf, "BUF1": buf + 0x20, "BUF2": buf + 0x40, "BUF3": buf + 0x60, "TAU": tau,
            "ENT_D": ent, "ENT_P": ent + 0x140, "ENT_Y": ent + 0x280, "ENT_Z": ent + 0x380, "ENT_R": ent + 0x480,
            "ENT_Q": ent + 0x4a0, "ENT_ZC": ent + 0x4c0, "ENT_RHO": ent + 0x4e0, "ENT_ZR": ent + 0x500,
            "ENT_YRHO": ent + 0x520, "ENT_A": ent + 0x540,
            "POINTS": points, "ZS": zs, "ZT": zt, "PE": pe, "TT": tt, "XT": xt, **FIXED_TABLES}


def verifier_constants(vk: VerifyingKey) -> dict[str, int]:
    """The values of the template's {{…}} constants for the SRS of ``vk``."""
    if not isinstance(vk, VerifyingKey):
        raise TypeError(f"expected a verifier.hyperkzg.VerifyingKey, got {type(vk).__name__}")
    g1_x, g1_y = g1_affine(vk.g1)
    g2 = encode_g2(vk.g2)
    tau = encode_g2(vk.tau_g2)
    g2_words = [int.from_bytes(g2[i:i + 32], "big") for i in range(0, 128, 32)]
    tau_words = [int.from_bytes(tau[i:i + 32], "big") for i in range(0, 128, 32)]
    slots = {}
    for name, (first, limbs) in SLOTS.items():
        slots[f"SLOT_{name}"], slots[f"LIMBS_{name}"] = first, limbs
    return {
        "SRS_DIGEST": int.from_bytes(vk.digest(), "big"),
        "MAX_LOG_N": vk.max_log_n,
        "G1_X": g1_x, "G1_Y": g1_y,
        "G2_X1": g2_words[0], "G2_X0": g2_words[1], "G2_Y1": g2_words[2], "G2_Y0": g2_words[3],
        "TAU_X1": tau_words[0], "TAU_X0": tau_words[1], "TAU_Y1": tau_words[2], "TAU_Y0": tau_words[3],
        "R": R_MODULUS,
        "Q": Q_MODULUS,
        "INV2": inverse(2),
        "INV6": inverse(6),
        "RM1": R_MODULUS - 1,
        "RM2": R_MODULUS - 2,
        "R2P1": 2 * R_MODULUS + 1,
        "EPOCH_INIT": int.from_bytes(keccak256(TRANSCRIPT_DOMAIN + EPOCH_LABEL), "big"),
        "PAYOUT_INIT": int.from_bytes(keccak256(TRANSCRIPT_DOMAIN + PAYOUT_LABEL), "big"),
        "BALANCE_INIT": int.from_bytes(keccak256(TRANSCRIPT_DOMAIN + BALANCE_LABEL), "big"),
        "EPOCH_SELECTOR": int.from_bytes(selector(VERIFY_EPOCH_SIGNATURE), "big"),
        "BALANCE_SELECTOR": int.from_bytes(selector(VERIFY_BALANCE_SIGNATURE), "big"),
        "BALANCE_VERSION": BALANCE_VERSION,
        "CLAIM_VERSION": CLAIM_VERSION,
        "PROOF_VERSION": PROOF_VERSION,
        "OPENING_VERSION": OPENING_VERSION,
        "MAX_SEQ": MAX_SEQ,
        "MAX_QUERIES": 1 << MAX_LOG_INFERENCES,
        "MAX_LOG_C": MAX_LOG_CONTRIBUTORS,
        "MAX_CONTRIBUTORS": MAX_CONTRIBUTORS,
        "MAX_LOG_K": (MAX_COLUMNS - 1).bit_length(),
        "LOOKUP_BITS": LOOKUP_BITS,
        "SLOT_BITS": SLOT_BITS,
        "LIMB_RADIX": 1 << LIMB_BITS,
        "QUERY_SHIFT": QUERY_SHIFT,
        "PI_SPLIT": PI_SPLIT,
        "FEE_SHIFT": FEE_SHIFT,
        "RADIX_LOG": RADIX_LOG,
        "RADIX_TAIL_LOG": RADIX_TAIL_LOG,
        **{f"ZETA8_{i}": pow(root_of_unity(1 << RADIX_LOG), i, R_MODULUS) for i in range(1, 8)},
        "CLAIMS": NUM_CLAIMS,
        **slots,
        **memory_map(vk.max_log_n),
    }


def contract_source(verifying_key: VerifyingKey) -> str:
    """Solidity source of ``EpochVerifier`` for the SRS of ``verifying_key``."""
    return render(TEMPLATE, verifier_constants(verifying_key))


# ---- calldata --------------------------------------------------------------------------------

def _word(x: int) -> bytes:
    return int(x).to_bytes(32, "big")


def encode_arguments(types: list[str], args: list) -> bytes:
    """The ABI encoding of ``args`` for the types bytes32, uint256, uint256[2], bytes, uint256[] and uint256[2][]
    (heads in order, then the dynamic tails in order)."""
    head_size = sum(64 if kind == "uint256[2]" else 32 for kind in types)
    heads, tails = [], []
    for kind, value in zip(types, args, strict=True):
        if kind == "bytes32":
            if len(value) != 32:
                raise ValueError(f"a bytes32 argument is 32 bytes, got {len(value)}")
            heads.append(bytes(value))
        elif kind == "uint256":
            heads.append(_word(value))
        elif kind == "uint256[2]":
            heads.append(b"".join(_word(v) for v in value))
        elif kind in ("bytes", "uint256[]", "uint256[2][]"):
            heads.append(_word(head_size + sum(map(len, tails))))
            if kind == "bytes":
                blob = bytes(value)
                tails.append(_word(len(blob)) + blob + bytes(-len(blob) % 32))
            elif kind == "uint256[]":
                tails.append(_word(len(value)) + b"".join(_word(v) for v in value))
            else:
                if any(len(pair) != 2 for pair in value):
                    raise ValueError("a uint256[2][] argument is a list of pairs")
                tails.append(_word(len(value)) + b"".join(_word(v) for pair in value for v in pair))
        else:
            raise ValueError(f"unsupported ABI type {kind}")
    return b"".join(heads) + b"".join(tails)


def _types(signature: str) -> list[str]:
    return signature[signature.index("(") + 1:-1].split(",")


def canonical_bytes(obj, cls) -> bytes:
    """An object's canonical bytes, or the bytes as given (the contract refuses malformed ones)."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, cls):
        return obj.to_bytes()
    raise TypeError(f"expected {cls.__name__} or bytes, got {type(obj).__name__}")


def epoch_calldata(manifest: Manifest, claim, proof) -> bytes:
    """Calldata of ``verifyEpoch`` for ``manifest``'s stored fields and a claim and proof (objects or bytes)."""
    if not isinstance(manifest, Manifest):
        raise TypeError(f"expected a Manifest, got {type(manifest).__name__}")
    args = [manifest.digest(), manifest.log_contributors, manifest.log_columns,
            tuple(manifest.aggregate_commitment), canonical_bytes(claim, Claim), canonical_bytes(proof, Proof)]
    return selector(VERIFY_EPOCH_SIGNATURE) + encode_arguments(_types(VERIFY_EPOCH_SIGNATURE), args)


def payout_calldata(manifest: Manifest, claim, indices, values, opening) -> bytes:
    """Calldata of ``verifyPayouts`` for ``manifest``'s digest and C, a claim, the contributor indices,
    their payouts and a payout opening (claim and opening as objects or bytes)."""
    if not isinstance(manifest, Manifest):
        raise TypeError(f"expected a Manifest, got {type(manifest).__name__}")
    args = [manifest.digest(), manifest.num_contributors, canonical_bytes(claim, Claim), [int(i) for i in indices],
            [int(v) for v in values], canonical_bytes(opening, PayoutOpening)]
    return selector(VERIFY_PAYOUTS_SIGNATURE) + encode_arguments(_types(VERIFY_PAYOUTS_SIGNATURE), args)


def balance_calldata(manifest: Manifest, epoch: int, ranges, commitment, index: int, value: int, opening, *,
                     dataset_id: bytes | None = None) -> bytes:
    """Calldata of ``verifyBalance`` for the dataset's id (``dataset_id``; default the manifest's digest, its
    id when it is segment 0) and ``manifest``'s C (the dataset's current version), the settled epoch, the
    ranges (first, last) of epochs left out, the commitment W (a py_ecc point or affine (x, y)), the index,
    the value and a BalanceOpening (or bytes)."""
    from attrib.verifier.payouts import resolve_dataset_id

    if not isinstance(manifest, Manifest):
        raise TypeError(f"expected a Manifest, got {type(manifest).__name__}")
    point = tuple(commitment) if len(commitment) == 2 else g1_affine(commitment)
    args = [resolve_dataset_id(manifest, dataset_id), manifest.num_contributors, int(epoch),
            [(int(first), int(last)) for first, last in ranges], point, int(index), int(value),
            canonical_bytes(opening, BalanceOpening)]
    return selector(VERIFY_BALANCE_SIGNATURE) + encode_arguments(_types(VERIFY_BALANCE_SIGNATURE), args)


__all__ = ["balance_calldata", "contract_source", "epoch_calldata", "payout_calldata", "render",
           "verifier_constants"]
