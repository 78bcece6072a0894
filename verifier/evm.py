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
    Proof,
)
from attrib.verifier.encoding import Q_MODULUS, R_MODULUS, encode_g2, g1_affine
from attrib.verifier.hyperkzg import NUM_POINTS, TAIL_LOG, VerifyingKey
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
from attrib.verifier.transcript import TRANSCRIPT_DOMAIN, keccak256

VERIFY_EPOCH_SIGNATURE = "verifyEpoch(bytes32,uint256,uint256,uint256[2],bytes,bytes)"
VERIFY_PAYOUTS_SIGNATURE = "verifyPayouts(bytes32,uint256,bytes,uint256[],uint256[],bytes)"
VERIFY_BALANCE_SIGNATURE = "verifyBalance(bytes32,uint256,uint256,uint256[2][],uint256[2],uint256,uint256,bytes)"

# The template hard-codes what these name: the order of the stages, of their final values, of the
# committed tables and of the linear claims of attribution.batch_claims; degree-2 and -3 messages;
# openings at r, −r, r².  A change to any of them must be made in the template too.
assert STAGES == ("cells", "inferences", "slots", "queries", "lookup", "gq")
assert [DEGREES[s] for s in STAGES] == [3, 3, 3, 3, 3, 2] and NUM_POINTS == 3
assert FINALS["cells"] == ("l0", "l1", "l2", "l3", "l4", "b", "h0", "h1", "h2", "h3", "h4", "pi_lo", "pi_hi")
assert FINALS["inferences"] == ("f", "s", "pi_lo", "pi_hi", "e", "d", "kappa", "z")
assert PER_INFERENCE == ("F", "S", "PI_LO", "PI_HI", "E", "D", "KAPPA", "Z")
assert [FINALS[s] for s in STAGES[2:]] == [("x", "hx"), ("q", "hq"), ("mu", "gt"), ("g", "q")]
assert TABLES == PHASE1 + PHASE2 + PUBLIC == ("L0", "L1", "L2", "L3", "L4", "B", "X", "MU", "H0", "H1", "H2", "H3",
                                              "H4", "HX", "HQ", "GT", "Q", "F", "P", "G")
assert MAGNITUDE_LIMBS == 5 and SLOT_BITS == 6 and LIMB_BITS == 16 and len(PHASE1) == len(PHASE2) == 8

_PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")

TEMPLATE = r"""// SPDX-License-Identifier: Apache-2.0
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
    uint256 internal constant TAIL_LOG = {{TAIL_LOG}};                  // HyperKZG's clear tail: 2^5 values
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
    uint256 internal constant OPEN = 0x220;           // calldata: the HyperKZG opening
    uint256 internal constant BATCH = 0x240;          // calldata: the batching sum-check's messages
    uint256 internal constant STAGE = 0x260;          // calldata: each stage's round-count word (6 words)
    uint256 internal constant LAM = 0x320;            // lambda^0 .. lambda^8 (9 words)
    uint256 internal constant SUM = 0x440;            // sum_j gamma^j (...) being accumulated
    uint256 internal constant GPOW = 0x460;           // gamma^j for the next claim
    uint256 internal constant K_M = 0x480;            // the opening: m (tail variables)
    uint256 internal constant K_LAYERS = 0x4a0;       // l = n - m committed layers
    uint256 internal constant K_TAIL = 0x4c0;         // calldata: the tail f_l
    uint256 internal constant K_EVALS = 0x4e0;        // calldata: the 3l values
    uint256 internal constant K_W = 0x500;            // calldata: W, then W'
    // Arrays of PT bytes (a word per variable), the slot-eq table, the commitments, then the transcript.
    uint256 internal constant PT = {{PT}};
    uint256 internal constant TAU = {{TAU}};                // tau_0 .. tau_{n-1}
    uint256 internal constant POINTS = {{POINTS}};          // each stage's sum-check point (6 arrays)
    uint256 internal constant XP = {{XP}};                  // the batching (or payout) point x
    uint256 internal constant ZS = {{ZS}};                  // ZS[i] = prod_{j >= i} (1 - x_j), i <= n
    uint256 internal constant ES = {{ES}};                  // ES[j] = eq(bits j, x_{rb .. rb+5}), j < 64
    uint256 internal constant COMS = {{COMS}};              // the twenty commitments (x, y)
    uint256 internal constant BUF = {{BUF}};                // the transcript state, then what is absorbed

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
                let p := add(BUF, 0x20)
                mstore(p, 0x20)
                mstore(add(p, 0x20), 0x20)
                mstore(add(p, 0x40), 0x20)
                mstore(add(p, 0x60), x)
                mstore(add(p, 0x80), sub(R, 2))
                mstore(add(p, 0xa0), R)
                ensure(staticcall(gas(), 0x05, p, 0xc0, p, 0x20))
                y := mload(p)
            }
            function eqv(a, b) -> e {
                // eq(a, b) = ab + (1 - a)(1 - b) = 1 + 2ab - a - b
                e := addmod(addmod(1, mulmod(add(a, a), b, R), R), sub(add(R, R), add(a, b)), R)
            }
            function eq_arr(p, x, len) -> e {
                // prod_{i < len} eq(p_i, x_i) for the memory arrays p, x
                e := 1
                for { let i := 0 } lt(i, len) { i := add(i, 1) } { e := mulmod(e, eqv(at(p, i), at(x, i)), R) }
            }
            function log2_ceil(v) -> m {
                // max(1, bit length of v - 1), for 1 <= v
                m := 1
                for {} lt(shl(m, 1), v) {} { m := add(m, 1) }
            }
            // a G1 point at calldata p: both coordinates < q, and on y^2 = x^3 + 3 or (0, 0)
            function check_point(p) {
                let x := calldataload(p)
                let y := calldataload(add(p, 0x20))
                if iszero(and(lt(x, Q), lt(y, Q))) { fail() }                // a coordinate >= q
                if or(x, y) {
                    if iszero(eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q))) { fail() }   // off the curve
                }
            }
            function check_points(p, count) {
                for { let end := add(p, shl(6, count)) } lt(p, end) { p := add(p, 0x40) } { check_point(p) }
            }
            function check_scalars(p, end) {
                for {} lt(p, end) { p := add(p, 0x20) } {
                    if iszero(lt(calldataload(p), R)) { fail() }              // a scalar >= r
                }
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
                calldatacopy(add(BUF, 0x20), p, len)
                absorb(len)
            }
            function absorb_memory(p, len) {
                mcopy(add(BUF, 0x20), p, len)
                absorb(len)
            }
            function challenge() -> c {
                let h := keccak256(BUF, 0x20)
                mstore(BUF, h)
                c := mod(h, R)
            }

            // ---- MSM by precompiles (every point was curve-checked where it was read) ----------
            function add_mul(p, s) {
                // ACC <- ACC + s * (the point at memory p)
                mcopy(TERM, p, 0x40)
                mstore(add(TERM, 0x40), s)
                ensure(staticcall(gas(), 0x07, TERM, 0x60, TERM, 0x40))
                ensure(staticcall(gas(), 0x06, ACC, 0x80, ACC, 0x40))
            }
            function add_mul_calldata(p, s) {
                calldatacopy(TERM, p, 0x40)
                mstore(add(TERM, 0x40), s)
                ensure(staticcall(gas(), 0x07, TERM, 0x60, TERM, 0x40))
                ensure(staticcall(gas(), 0x06, ACC, 0x80, ACC, 0x40))
            }

            // ---- sum-checks (verifier.sumcheck) ---------------------------------------------------
            // interpolate_at(round_values(message, claimed), u) for degree 2 or 3: p(1) = claimed - p(0), and in
            // Newton form p(u) = y0 + u(D1 + (u - 1)(D2/2 + (u - 2) D3/6)) (D3 = 0 for degree 2).
            // Sums of up to four terms below 2r are left unreduced: mulmod reduces them.
            function interpolate(m, degree, claimed, u) -> p {
                let y0 := calldataload(m)
                let y2 := calldataload(add(m, 0x20))
                let y1 := addmod(claimed, neg(y0), R)
                if eq(degree, 3) {
                    p := mulmod(add(add(calldataload(add(m, 0x40)), neg(y0)), mulmod(3, add(y1, neg(y2)), R)), INV6, R)
                }
                p := add(mulmod(add(add(y2, y0), shl(1, neg(y1))), INV2, R), mulmod(add(u, sub(R, 2)), p, R))
                p := add(add(y1, neg(y0)), mulmod(add(u, sub(R, 1)), p, R))
                p := addmod(y0, mulmod(u, p, R), R)
            }
            // verify_sumcheck: `rounds` messages of `degree` values from calldata m; the point to memory pt.
            // A message changed anywhere moves every later claim (p(0) + p(1) = claim is implied).
            function sumcheck(m, rounds, degree, claimed, pt) -> last {
                let size := shl(5, degree)
                for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                    absorb_calldata(m, size)
                    let u := challenge()
                    mstore(add(pt, shl(5, i)), u)
                    claimed := interpolate(m, degree, claimed, u)
                    m := add(m, size)
                }
                last := claimed
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

            // ---- HyperKZG (verifier.hyperkzg) --------------------------------------------------------
            // the opening's layout for n variables; its length, scalars and points checked
            function read_opening(open, end) {
                let n := mload(NV)
                let m := sub(n, 1)
                if gt(m, TAIL_LOG) { m := TAIL_LOG }
                let layers := sub(n, m)
                let tail := add(open, shl(6, sub(layers, 1)))
                let evals := add(tail, shl(add(m, 5), 1))
                let w := add(evals, mul(0x60, layers))
                mstore(K_M, m)
                mstore(K_LAYERS, layers)
                mstore(K_TAIL, tail)
                mstore(K_EVALS, evals)
                mstore(K_W, w)
                ensure(eq(add(w, 0x80), end))                               // an opening (or a proof) of another size
                check_points(open, sub(layers, 1))                          // a fold commitment off the curve
                check_scalars(tail, w)                                      // a tail or fold value >= r
                check_points(w, 2)                                          // W or W' off the curve
            }
            // After the opened commitments, x and the values are absorbed, with ACC = sum_m rho^m C^(m) and
            // value = sum_m rho^m v^(m): the folds and tail -> r; the 3l values -> q; W -> z; the checks.
            function kzg_finish(value, open) {
                let tail := mload(K_TAIL)
                absorb_calldata(open, sub(tail, open))
                absorb_calldata(tail, shl(add(mload(K_M), 5), 1))
                let r := challenge()
                ensure(and(gt(r, 1), lt(r, sub(R, 1))))                    // r in {0, 1, -1}: S would not be three points
                absorb_calldata(mload(K_EVALS), mul(0x60, mload(K_LAYERS)))
                let q := challenge()
                absorb_calldata(mload(K_W), 0x40)
                let z := challenge()
                check_folds(r)
                ensure(eq(tail_value(), value))                             // an opening of other values
                let y0, y1, y2 := batch_values(q)
                let iz := interpolant_at(r, z, y0, y1, y2)
                pairing_check(q, z, iz, mulmod(mulmod(addmod(z, neg(r), R), addmod(z, r, R), R), addmod(z, neg(mulmod(r, r, R)), R), R), open)
            }
            // check_fold_consistency: for i < l, 2r f_{i+1}(r^2) = r(1 - u_i)(f_i(r) + f_i(-r)) + u_i(f_i(r) - f_i(-r)),
            // f_l(r^2) from the clear tail (Horner)
            function check_folds(r) {
                let layers := mload(K_LAYERS)
                let evals := mload(K_EVALS)
                let tail := mload(K_TAIL)
                let next := 0
                for { let p := evals } gt(p, tail) {} {
                    p := sub(p, 0x20)
                    next := addmod(mulmod(next, mulmod(r, r, R), R), calldataload(p), R)
                }
                for { let i := layers } i {} {
                    i := sub(i, 1)
                    let pos := cd(evals, i)
                    let ng := cd(evals, add(layers, i))
                    let u := at(XP, i)
                    let rhs := addmod(mulmod(mulmod(r, one_minus(u), R), addmod(pos, ng, R), R),
                                      mulmod(u, addmod(pos, neg(ng), R), R), R)
                    ensure(eq(mulmod(addmod(r, r, R), next, R), rhs))        // a fold that is not the fold of the one before
                    next := cd(evals, add(shl(1, layers), i))
                }
            }
            // evaluate_multilinear(tail, x_l ...): fold x_l first, in place at BUF + 0x20
            function tail_value() -> v {
                let f := add(BUF, 0x20)
                let size := shl(add(mload(K_M), 5), 1)
                calldatacopy(f, mload(K_TAIL), size)
                for { let xp := add(XP, shl(5, mload(K_LAYERS))) } gt(size, 0x20) { xp := add(xp, 0x20) } {
                    let x := mload(xp)
                    size := shr(1, size)
                    for { let i := 0 } lt(i, size) { i := add(i, 0x20) } {
                        let a := mload(add(f, shl(1, i)))
                        mstore(add(f, i), addmod(a, mulmod(x, add(mload(add(f, add(shl(1, i), 0x20))), neg(a)), R), R))
                    }
                }
                v := mload(f)
            }
            // y_j = sum_i q^i f_i(x_j) for x = (r, -r, r^2) (Horner in q)
            function batch_values(q) -> y0, y1, y2 {
                let layers := mload(K_LAYERS)
                let evals := mload(K_EVALS)
                for { let i := layers } i {} {
                    i := sub(i, 1)
                    y0 := addmod(mulmod(y0, q, R), cd(evals, i), R)
                    y1 := addmod(mulmod(y1, q, R), cd(evals, add(layers, i)), R)
                    y2 := addmod(mulmod(y2, q, R), cd(evals, add(shl(1, layers), i)), R)
                }
            }
            // I(z) for the quadratic through (r, y0), (-r, y1), (r^2, y2): with D = 2r^2(1 - r^2) the
            // Lagrange denominators are D/(1 + r), D/(1 - r) and -D/2
            function interpolant_at(r, z, y0, y1, y2) -> iz {
                let r2 := mulmod(r, r, R)
                let zmr := addmod(z, neg(r), R)
                let zpr := addmod(z, r, R)
                let zmr2 := addmod(z, neg(r2), R)
                y0 := mulmod(mulmod(y0, mulmod(zpr, zmr2, R), R), addmod(1, r, R), R)
                y1 := mulmod(mulmod(y1, mulmod(zmr, zmr2, R), R), one_minus(r), R)
                y2 := mulmod(mulmod(y2, mulmod(zmr, zpr, R), R), 2, R)
                iz := mulmod(addmod(addmod(y0, y1, R), neg(y2), R), inverse(mulmod(addmod(r2, r2, R), one_minus(r2), R)), R)
            }
            // e(ACC + sum_{i >= 1} q^i C_i - I(z) [1]_1 - Z_S(z) W + z W', [1]_2) e(-W', [tau]_2) = 1
            function pairing_check(q, z, iz, vanishing, open) {
                let qi := q
                for { let c := open } lt(c, mload(K_TAIL)) { c := add(c, 0x40) } {
                    add_mul_calldata(c, qi)
                    qi := mulmod(qi, q, R)
                }
                let p := add(BUF, 0x20)
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
            // Proof.from_bytes + validate against the shape: every count word, the total length, every
            // scalar < r, every point on the curve
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
                check_scalars(add(p, 0x440), s)                             // a value, message, final or evaluation >= r
                read_opening(s, add(p, len))
            }
            function stage_block(i, s, rounds, degree, finals) -> next {
                ensure(eq(calldataload(s), rounds))                         // a sum-check of another length
                mstore(add(STAGE, shl(5, i)), s)
                next := add(s, shl(5, add(add(1, mul(rounds, degree)), finals)))
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
                for { let i := 0 } lt(i, mload(NV)) { i := add(i, 1) } { mstore(add(TAU, shl(5, i)), challenge()) }
                absorb_calldata(mload(VALS), 0x80)
                let l := challenge()
                let lp := 1
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    mstore(add(LAM, shl(5, i)), lp)
                    lp := mulmod(lp, l, R)
                }
            }
            // stage i: its sum-check from `claimed`, then its final values absorbed; g(u) as claimed, the finals
            function stage(i, claimed, degree, finals) -> last, f {
                let s := mload(add(STAGE, shl(5, i)))
                let rounds := calldataload(s)
                last := sumcheck(add(s, 0x20), rounds, degree, claimed, add(POINTS, mul(i, PT)))
                f := add(add(s, 0x20), shl(5, mul(rounds, degree)))
                absorb_calldata(f, shl(5, finals))
            }
            function epoch_stages() {
                let v := mload(VALS)
                let claimed := addmod(addmod(cd(v, 0), mulmod(lam(1), cd(v, 1), R), R),
                                      mulmod(lam(2), addmod(mulmod(cd(v, 2), shl(FEE_SHIFT, 1), R), cd(v, 3), R), R), R)
                let last, f := stage(0, claimed, 3, 13)
                ensure(eq(last, cells_final(f)))        // A != G Q^T at tau, S_t or R_c not the sums, B not a bit, a limb helper wrong
                last, f := stage(1, 0, 3, 8)
                ensure(eq(last, inferences_final(f)))   // pi_t +- 1, a pi wrapped mod r, z_t forged (D1-D5)
                last, f := stage(2, 0, 3, 2)
                ensure(eq(last, helper_final(2, add(mload(RB), SLOT_BITS), f, 0)))      // an X helper wrong in one entry
                last, f := stage(3, 0, 3, 2)
                ensure(eq(last, helper_final(3, add(mload(MT), mload(MK)), f, QUERY_SHIFT)))   // a Q + 2^15 helper wrong
                last, f := stage(4, 0, 3, 2)
                ensure(eq(last, table_final(f)))        // multiplicities that do not count the looked-up values
                last, f := stage(5, cd(v, 0), 2, 2)
                ensure(eq(last, mulmod(cd(f, 0), cd(f, 1), R)))                 // v_A that is not <G_c, Q_t> at tau
            }
            // cells_final: eq_cell (1 - 2b) M + lam1 eq_t (1 - b) M + lam2 eq_c pi (1 - b) M + lam3 eq_cell b(1 - b)
            // + sum_i lam_{4+i} eq_cell (h_i (alpha - l_i) - 1), with M = sum_i 2^{16i} l_i
            function cells_final(f) -> total {
                let eq_t := eq_arr(TAU, POINTS, mload(MT))
                let eq_c := eq_arr(add(TAU, shl(5, mload(MT))), add(POINTS, shl(5, mload(MT))), mload(MC))
                let eq_cell := mulmod(eq_t, eq_c, R)
                let b := cd(f, 5)
                let nb := one_minus(b)
                let bm := mulmod(nb, magnitude(f), R)                       // A+ = (1 - b) M
                total := mulmod(eq_cell, mulmod(addmod(nb, neg(b), R), magnitude(f), R), R)
                total := addmod(total, mulmod(mulmod(lam(1), eq_t, R), bm, R), R)
                let pi := addmod(mulmod(cd(f, 12), shl(PI_SPLIT, 1), R), cd(f, 11), R)
                total := addmod(total, mulmod(mulmod(lam(2), eq_c, R), mulmod(pi, bm, R), R), R)
                total := addmod(total, mulmod(mulmod(lam(3), eq_cell, R), mulmod(b, nb, R), R), R)
                total := addmod(total, mulmod(eq_cell, cell_helpers(f), R), R)
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
            function inferences_final(f) -> total {
                let z := cd(f, 7)
                let sp := addmod(cd(f, 1), z, R)                            // S' = S + z
                // D1: pi_lo S' + e - 2^112 kappa
                total := addmod(addmod(mulmod(cd(f, 2), sp, R), cd(f, 4), R), neg(mulmod(cd(f, 6), shl(PI_SPLIT, 1), R)), R)
                // D2: pi_hi S' + kappa - 2^16 (1 - z) F
                let d := addmod(mulmod(cd(f, 3), sp, R), cd(f, 6), R)
                d := addmod(d, neg(mulmod(mulmod(shl(sub(FEE_SHIFT, PI_SPLIT), 1), one_minus(z), R), cd(f, 0), R)), R)
                total := addmod(total, mulmod(lam(1), d, R), R)
                // D3: S' - 1 - e - d
                d := addmod(addmod(sp, sub(R, 1), R), neg(addmod(cd(f, 4), cd(f, 5), R)), R)
                total := addmod(total, mulmod(lam(2), d, R), R)
                // D4: z (1 - z); D5: z S
                total := addmod(total, mulmod(lam(3), mulmod(z, one_minus(z), R), R), R)
                total := addmod(total, mulmod(lam(4), mulmod(z, cd(f, 1), R), R), R)
                total := mulmod(total, eq_arr(TAU, add(POINTS, PT), mload(MT)), R)
            }
            // eq(tau, u) (h (alpha - shift - x) - 1) for a LogUp helper (X: shift 0; Q: 2^15)
            function helper_final(i, bits, f, shift) -> total {
                let x := addmod(cd(f, 0), shift, R)
                total := addmod(mulmod(cd(f, 1), addmod(mload(ALPHA), neg(x), R), R), sub(R, 1), R)
                total := mulmod(total, eq_arr(TAU, add(POINTS, mul(i, PT)), bits), R)
            }
            // eq(tau, u) (Gt (alpha - iota(u)) - Mu), iota(u) = sum_b 2^b u_b
            function table_final(f) -> total {
                let u := add(POINTS, mul(4, PT))
                let iota := 0
                for { let b := LOOKUP_BITS } b {} {
                    b := sub(b, 1)
                    iota := addmod(addmod(iota, iota, R), at(u, b), R)
                }
                total := addmod(mulmod(cd(f, 1), addmod(mload(ALPHA), neg(iota), R), R), neg(cd(f, 0)), R)
                total := mulmod(total, eq_arr(TAU, u, LOOKUP_BITS), R)
            }

            // ---- verify_attribution: the batch of linear claims (attribution.batch_claims order) ------
            // SUM += gamma^j v; j += 1
            function put(v) {
                let g := mload(GPOW)
                mstore(SUM, addmod(mload(SUM), mulmod(g, v, R), R))
                mstore(GPOW, mulmod(g, mload(GAMMA), R))
            }
            function final_of(i, degree) -> f {
                let s := mload(add(STAGE, shl(5, i)))
                f := add(add(s, 0x20), shl(5, mul(calldataload(s), degree)))
            }
            // sum_j gamma^j v_j: the batching sum-check's claim
            function batched_value() -> total {
                mstore(SUM, 0)
                mstore(GPOW, 1)
                // cells finals (L0..4, B, H0..4, X at PI_LO and PI_HI), inferences finals (X per slot), then F
                let f := final_of(0, 3)
                for { let i := 0 } lt(i, 13) { i := add(i, 1) } { put(cd(f, i)) }
                f := final_of(1, 3)
                for { let i := 0 } lt(i, 8) { i := add(i, 1) } { put(cd(f, i)) }
                put(cd(f, 0))
                // slots (X, HX), queries (Q, HQ), lookup (Mu, Gt), gq (G, Q)
                for { let i := 2 } lt(i, 6) { i := add(i, 1) } {
                    f := final_of(i, sub(3, eq(i, 5)))
                    put(cd(f, 0))
                    put(cd(f, 1))
                }
                // v_S, v_P (on P and on X), v_eps; the LogUp claim 0; sum F; sum P (then four claims of 0)
                let v := mload(VALS)
                put(cd(v, 1))
                put(cd(v, 2))
                put(cd(v, 2))
                put(cd(v, 3))
                put(0)
                put(cd(mload(CLAIM), 10))
                put(cd(mload(CLAIM), 11))
                total := mload(SUM)
            }
            // eq kernel of a point p of `len` coordinates: eq(p, x_{<len}) prod_{i >= len} (1 - x_i)
            function eq_kernel(p, len) -> k {
                k := mulmod(eq_arr(p, XP, len), at(ZS, len), R)
            }
            // a limb kernel's rows part, zero-extended inside the row bits and beyond the slot bits
            function rows(p, len) -> k {
                k := mulmod(eq_arr(p, XP, len), at(ZS, add(mload(RB), SLOT_BITS)), R)
                for { let i := len } lt(i, mload(RB)) { i := add(i, 1) } { k := mulmod(k, one_minus(at(XP, i)), R) }
            }
            // sum_{i < limbs} 2^{16i} eq(bits(a + i), x_{rb .. rb+5})
            function weights(a, limbs) -> w {
                for { let i := limbs } i {} {
                    i := sub(i, 1)
                    w := addmod(mulmod(w, LIMB_RADIX, R), at(ES, add(a, i)), R)
                }
            }
            // the range kernel on F: the indicator of [T, 2^mT) = 1 - I_[0,T)(x_{<mT}), zero-extended
            function range_kernel(t, n) -> k {
                let below := 1
                if lt(t, shl(n, 1)) {
                    below := 0
                    let prefix := 1
                    for { let b := n } b {} {
                        b := sub(b, 1)
                        let u := at(XP, b)
                        switch and(shr(b, t), 1)
                        case 1 {
                            below := addmod(below, mulmod(prefix, one_minus(u), R), R)
                            prefix := mulmod(prefix, u, R)
                        }
                        default { prefix := mulmod(prefix, one_minus(u), R) }
                    }
                }
                k := mulmod(one_minus(below), at(ZS, n), R)
            }
            // the degree kernel K_hi(tau, x) of a table of 2^m entries:
            // eq(tau_{<m}, x_{<m}) (prod_{i >= m} eq(tau_i, x_i) - prod_{i >= m} (1 - tau_i)(1 - x_i))
            function degree_kernel(m) -> k {
                let hi := 1
                let lo := 1
                for { let i := m } lt(i, mload(NV)) { i := add(i, 1) } {
                    hi := mulmod(hi, eqv(at(TAU, i), at(XP, i)), R)
                    lo := mulmod(lo, mulmod(one_minus(at(TAU, i)), one_minus(at(XP, i)), R), R)
                }
                k := mulmod(eq_arr(TAU, XP, m), addmod(hi, neg(lo), R), R)
            }
            function ev(table) -> e { e := cd(mload(EVS), table) }
            function zs(i) -> z { z := at(ZS, i) }
            // ZS[i] = prod_{j >= i} (1 - x_j) for i <= n; ES[j] = eq(bits j, x_{rb .. rb+5}) for j < 64
            function kernel_tables() {
                let n := mload(NV)
                mstore(add(ZS, shl(5, n)), 1)
                for { let i := n } i {} {
                    i := sub(i, 1)
                    mstore(add(ZS, shl(5, i)), mulmod(at(ZS, add(i, 1)), one_minus(at(XP, i)), R))
                }
                mstore(ES, 1)
                for { let b := 0 } lt(b, SLOT_BITS) { b := add(b, 1) } {
                    let s := at(XP, add(mload(RB), b))
                    let half := shl(b, 1)
                    for { let j := 0 } lt(j, half) { j := add(j, 1) } {
                        let e := at(ES, j)
                        mstore(add(ES, shl(5, add(j, half))), mulmod(e, s, R))
                        mstore(add(ES, shl(5, j)), mulmod(e, one_minus(s), R))
                    }
                }
            }
            // sum_j gamma^j sum_parts coefficient (the table's evaluation at x) kernel_j(x)
            function batched_kernels() -> total {
                kernel_tables()
                mstore(SUM, 0)
                mstore(GPOW, 1)
                let mt := mload(MT)
                let mc := mload(MC)
                let mk := mload(MK)
                // cells: L0..4 and B, then H0..4, at u
                let k := eq_kernel(POINTS, add(mt, mc))
                for { let t := 0 } lt(t, 6) { t := add(t, 1) } { put(mulmod(ev(t), k, R)) }
                for { let t := 8 } lt(t, 13) { t := add(t, 1) } { put(mulmod(ev(t), k, R)) }
                // X at PI_LO and PI_HI, rows u_t; X at each per-inference slot, rows w; F at w
                let x := ev(6)
                k := mulmod(x, rows(POINTS, mt), R)
                put(mulmod(k, weights(SLOT_PI_LO, LIMBS_PI_LO), R))
                put(mulmod(k, weights(SLOT_PI_HI, LIMBS_PI_HI), R))
                k := mulmod(x, rows(add(POINTS, PT), mt), R)
                put(mulmod(k, weights(SLOT_F, LIMBS_F), R))
                put(mulmod(k, weights(SLOT_S, LIMBS_S), R))
                put(mulmod(k, weights(SLOT_PI_LO, LIMBS_PI_LO), R))
                put(mulmod(k, weights(SLOT_PI_HI, LIMBS_PI_HI), R))
                put(mulmod(k, weights(SLOT_E, LIMBS_E), R))
                put(mulmod(k, weights(SLOT_D, LIMBS_D), R))
                put(mulmod(k, weights(SLOT_KAPPA, LIMBS_KAPPA), R))
                put(mulmod(k, weights(SLOT_Z, LIMBS_Z), R))
                put(mulmod(ev(17), eq_kernel(add(POINTS, PT), mt), R))
                // slots (X, HX), queries (Q, HQ), lookup (Mu, Gt) at their points
                k := eq_kernel(add(POINTS, shl(1, PT)), add(mload(RB), SLOT_BITS))
                put(mulmod(x, k, R))
                put(mulmod(ev(13), k, R))
                k := eq_kernel(add(POINTS, mul(3, PT)), add(mt, mk))
                put(mulmod(ev(16), k, R))
                put(mulmod(ev(14), k, R))
                k := eq_kernel(add(POINTS, shl(2, PT)), LOOKUP_BITS)
                put(mulmod(ev(7), k, R))
                put(mulmod(ev(15), k, R))
                // gq: G at (k, tau_c), Q at (k, tau_t)
                k := eq_arr(add(POINTS, mul(5, PT)), XP, mk)
                let tc := add(TAU, shl(5, mt))
                put(mulmod(ev(19), mulmod(k, mulmod(eq_arr(tc, add(XP, shl(5, mk)), mc), zs(add(mk, mc)), R), R), R))
                put(mulmod(ev(16), mulmod(k, mulmod(eq_arr(TAU, add(XP, shl(5, mk)), mt), zs(add(mk, mt)), R), R), R))
                // E4: X at S (rows tau_t), P at tau_c, X at P and eps (rows tau_c)
                put(mulmod(mulmod(x, rows(TAU, mt), R), weights(SLOT_S, LIMBS_S), R))
                put(mulmod(ev(18), eq_kernel(tc, mc), R))
                k := mulmod(x, rows(tc, mc), R)
                put(mulmod(k, weights(SLOT_P, LIMBS_P), R))
                put(mulmod(k, weights(SLOT_EPS, LIMBS_EPS), R))
                // LogUp: sum_i <H_i, 1> + <Hx, 1> + <Hq, 1> - <Gt, 1> = 0
                k := addmod(addmod(ev(8), ev(9), R), addmod(addmod(ev(10), ev(11), R), ev(12), R), R)
                k := mulmod(k, zs(add(mt, mc)), R)
                k := addmod(k, mulmod(ev(13), zs(add(mload(RB), SLOT_BITS)), R), R)
                k := addmod(k, mulmod(ev(14), zs(add(mt, mk)), R), R)
                put(addmod(k, neg(mulmod(ev(15), zs(LOOKUP_BITS), R)), R))
                // sum F, sum P (ones kernels); F on [T, 2^mT); degree claims on Q, F, P
                put(mulmod(ev(17), zs(mt), R))
                put(mulmod(ev(18), zs(mc), R))
                put(mulmod(ev(17), range_kernel(cd(mload(CLAIM), 3), mt), R))
                put(mulmod(ev(16), degree_kernel(add(mt, mk)), R))
                put(mulmod(ev(17), degree_kernel(mt), R))
                put(mulmod(ev(18), degree_kernel(mc), R))
                total := mload(SUM)
            }
            function epoch_batch() {
                mstore(GAMMA, challenge())
                let claimed := batched_value()
                let last := sumcheck(mload(BATCH), mload(NV), 2, claimed, XP)
                ensure(eq(last, batched_kernels()))     // a final or E4 value, a sum, a range or degree claim the tables break
            }
            // HyperKZG of the twenty commitments at x: the commitments, x, the evaluations -> rho
            function epoch_opening() {
                let p := mload(PROOF)
                calldatacopy(COMS, add(p, 0x40), 0x400)
                calldatacopy(add(COMS, 0x400), add(mload(CLAIM), 0x80), 0xc0)
                calldatacopy(add(COMS, 0x4c0), 0x64, 0x40)
                absorb_memory(COMS, 0x500)
                absorb_memory(XP, shl(5, mload(NV)))
                let e := mload(EVS)
                absorb_calldata(e, 0x280)
                let rho := challenge()
                mcopy(ACC, COMS, 0x40)
                let value := calldataload(e)
                let rp := 1
                for { let i := 1 } lt(i, 20) { i := add(i, 1) } {
                    rp := mulmod(rp, rho, R)
                    add_mul(add(COMS, shl(6, i)), rp)
                    value := addmod(value, mulmod(rp, cd(e, i), R), R)
                }
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
                let seen := add(BUF, 0x20)
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
                mstore(add(BUF, 0x20), count)
                calldatacopy(add(BUF, 0x40), mload(MT), shl(5, count))
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
                let last := sumcheck(add(mload(PROOF), 0x40), mload(NV), 2, claimed, XP)
                let value := calldataload(sub(open, 0x20))
                ensure(eq(last, mulmod(value, payout_kernel(gamma), R)))   // a wrong amount, amounts swapped, another index's
                // HyperKZG of C_P at x with the value P(x)
                let cp := add(mload(CLAIM), 0x100)
                absorb_calldata(cp, 0x40)
                absorb_memory(XP, shl(5, mload(NV)))
                mstore(add(BUF, 0x20), value)
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
                mstore(add(BUF, 0x20), calldataload(0x44))
                mstore(add(BUF, 0x40), count)
                calldatacopy(add(BUF, 0x60), mload(MT), shl(6, count))
                absorb(add(shl(6, count), 0x40))
                absorb_calldata(0x84, 0x40)
                mstore(add(BUF, 0x20), n)
                mstore(add(BUF, 0x40), index)
                mstore(add(BUF, 0x60), value)
                absorb(0x60)
                // HyperKZG of W at the Boolean point bits(index) with the value
                for { let b := 0 } lt(b, n) { b := add(b, 1) } { mstore(add(XP, shl(5, b)), and(shr(b, index), 1)) }
                absorb_calldata(0x84, 0x40)
                absorb_memory(XP, shl(5, n))
                mstore(add(BUF, 0x20), value)
                absorb(0x20)
                pop(challenge())
                calldatacopy(ACC, 0x84, 0x40)
                kzg_finish(value, mload(OPEN))          // a balance that is not the committed sum's entry
            }

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


FIXED_WORDS_END = 0x520          # the template's one-word variables end here (K_W = 0x500)


def memory_map(max_log_n: int) -> dict[str, int]:
    """The template's arrays, after its one-word variables: one word per variable (n ≤ max_log_n; ZS
    has n + 1 entries), the 64-entry slot table, the twenty commitments, then the transcript (last:
    what it absorbs grows with n and, for verifyPayouts, with the number of indices)."""
    pt = 32 * (max_log_n + 1)
    tau = FIXED_WORDS_END
    points = tau + pt
    xp = points + 6 * pt
    zs = xp + pt
    es = zs + pt
    coms = es + 32 * (1 << SLOT_BITS)
    return {"PT": pt, "TAU": tau, "POINTS": points, "XP": xp, "ZS": zs, "ES": es, "COMS": coms,
            "BUF": coms + 2 * 32 * len(TABLES)}


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
        "TAIL_LOG": TAIL_LOG,
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
