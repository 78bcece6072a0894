"""The EVM verifier of a dataset's REGISTRATION (protocol v2, manifest v4): a Solidity contract generated
for one SRS.

``registration_contract_source(vk)`` renders ``TEMPLATE`` below with the verifying key's constants
([1]_1; [1]_2 and [τ]_2 in the EVM's word order, imaginary part first; max_log_n; the SRS digest
``vk.digest()``; the key's twelve canonical words) and with the protocol's constants (domains,
labels, versions, every bound of attrib.verifier.limits and attrib.verifier.terms), all taken from
this package so that the contract and the specification cannot drift.  The contract
``RegistrationVerifier`` is stateless; its one view function

    verifyRegistration(bytes manifest, bytes proof) returns (Registration)
    struct Registration { bool ok; bytes32 digest; uint256 logContributors, logColumns, numContributors;
        uint256[2] aggregate; uint256[6] terms; uint256 segment; bytes32 previous; uint256 contributorBase;
        uint256[2] segmentAggregate; bytes32 recipeDigest; uint256 numColumns; }

(twenty words, every member static, so ABI-encoded inline) takes ``Manifest.to_bytes()`` and
``RegistrationProof.to_bytes()`` as they are and returns ok = true exactly when
``verify_registration_impl(Manifest.from_bytes(manifest), RegistrationProof.from_bytes(proof),
vk.digest())`` does (without an EncodingError): the segment's own proof with every decoding and
validation rule, for a registration (segment 0) and an append (segment ≥ 1) alike.  It returns the
manifest's digest, mC, mk, C, C_G (affine x, y) and its six words of terms — what a settlement contract
stores — and what the settlement needs to check an append's link to the version before it
(``attrib.verifier.registration.follows``, which the proof does not cover and this contract does not
check: the ledger holds the previous version's state): the segment, the previous digest, the
contributor base, C_ΔG (x, y), the recipe digest and k.  On anything else (malformed bytes, a bound
exceeded, a failed check) every output word is zero.  Only calldata that is not an ABI encoding of two
``bytes`` reverts (Solidity's decoder); nothing the manifest or proof bytes contain can make it revert.

What it checks, as ``Manifest.from_bytes`` + ``Manifest.validate`` + ``RegistrationProof.from_bytes``
+ ``verify_registration_impl`` do (all of them, in another order: any failure is a refusal):

- the manifest: version 4; its verifying key's 384 bytes equal to the compiled-in key (for
  canonical keys, equal bytes ⇔ equal SRS digests: what Python compares); 1 ≤ n0 ≤ min(32,
  max_log_n); 1 ≤ N ≤ 2^n0; 1 ≤ k ≤ 2^20; C ≤ 2^16; the terms (three address words < 2^160, shares
  ≤ 10^4 bp with a sum ≤ 10^4, a share only with its address); segment ≤ 2^16; segment 0 ⇔ previous
  = 0; base ≤ C, base = 0 in segment 0 and ≥ 1 in an append; R ≤ base returning owners, strictly
  increasing and each below the base; 1 ≤ R + C − base ≤ N owners; offsets 0 = off_0 < … <
  off_{R+C−base} = N; every point canonical ((0, 0) or coordinates < q on y² = x³ + 3); C_ΔG = C_G
  in segment 0; C − base ids, each 1 to 1,024 bytes, zero padding, valid UTF-8 as Python's strict
  ``bytes.decode()`` judges it (no overlong form, no surrogate, nothing above U+10FFFF), all distinct,
  ending exactly at the manifest's end, and ``contributors_hash`` of them equal to the stored hash word;
- the proof: version 1, rounds = nR = max(n0, mC + mk) ≤ min(32, max_log_n), exactly the length
  that implies, every scalar < r, every point canonical;
- the protocol: the manifest digest recomputed as ``Manifest.digest()`` (from the calldata's
  words: the digest binds the canonical encoding, which is the only one accepted; v4 adds the
  recipe digest, segment, previous, base, keccak(returning) and C_ΔG to the header, and C_D to the
  points' hash), the transcript, the sum-check, the final value with w̃(u) = Σ_i eq(r_c, owner_i)·
  (I[off_{i+1}](u) − I[off_i](u)) (owner_i: the returning owners read from calldata, then base …
  C − 1, implied), Ẽ(u) and K̃_hi(u) computed here, C_s, and the HyperKZG opening of C_σ, C_s, C_ΔG
  at u (fold consistency and one two-pair pairing).

| a cheating registrant (or appender) tries | stopped by |
|---|---|
| a proof of another aggregate than C_ΔG | the HyperKZG opening is of the manifest's C_ΔG |
| in segment 0, epochs against a C_G the proof never saw | C_ΔG = C_G is required in segment 0 |
| an append that credits rows to a contributor not yet registered | returning owners < base; new owners are implied (base …) |
| an owner listed twice (its rows weighed twice) or out of order | returning owners strictly increasing |
| rows moved between owners | the returning list and the offsets are in the digest; w̃ is computed here from them |
| an append with no history, or a registration with one | segment 0 ⇔ previous = 0; base ≥ 1 in an append, 0 in segment 0 |
| everything else of a registration | as before: the checks listed above, each refused where it is read |

Not checked here (the ledger's, ``follows``): that ``previous`` is the dataset's current version,
that the segment and base follow it, that k, the recipe, the owner and the fee layers are kept, and
that C_G = C_G(previous) + C_ΔG.

Uniqueness of the contributor ids (``Manifest.validate`` requires it of the segment's own ids) is
checked with a hash set in memory: each id's keccak256 (which ``contributors_hash`` needs anyway) is
inserted into an open-addressing table of 2^⌈log₂ 2c⌉ four-byte slots (c = C − base; eight to a word;
a slot holds the index + 1 of the id whose hash sits there, so the table costs c/4 words, not 2c)
probed linearly from the hash's low bits; meeting an equal hash is a repeated id.  O(c) expected, no
sorting; it differs from Python's set of strings only on a keccak256 collision of two distinct ids.
An id that an earlier segment registered is not seen here (nor by Python's ``validate``).

Memory: the ids' hashes must be contiguous for ``contributors_hash`` (c words), so the memory cost
has a term of about (1.25·c)²/512 gas: negligible at c = 2^10, about 1.2 M gas at c ≈ 20,000.  A
dataset that grows by segments pays it per segment.

This module only writes text and bytes; compiling and executing are attrib.chain.evm's business.
"""

from __future__ import annotations

from attrib.verifier.encoding import Q_MODULUS, R_MODULUS, encode_g2, g1_affine
from attrib.verifier.evm import canonical_bytes, encode_arguments, render, selector
from attrib.verifier.hyperkzg import NUM_POINTS, TAIL_LOG, VerifyingKey
from attrib.verifier.limits import (
    MAGNITUDE_LIMBS,
    MAX_COLUMNS,
    MAX_CONTRIBUTOR_ID_BYTES,
    MAX_CONTRIBUTORS,
    MAX_LOG_ROWS,
    MAX_SEGMENTS,
)
from attrib.verifier.messages import CONTRIBUTORS_DOMAIN, MANIFEST_DOMAIN, MANIFEST_VERSION, VK_BYTES, Manifest
from attrib.verifier.polynomial import inverse
from attrib.verifier.registration import (
    REGISTRATION_DEGREE,
    REGISTRATION_LABEL,
    REGISTRATION_VERSION,
    RegistrationProof,
)
from attrib.verifier.terms import ADDRESS_LIMIT, BASIS_POINTS, TERMS_WORDS
from attrib.verifier.transcript import TRANSCRIPT_DOMAIN, keccak256

VERIFY_REGISTRATION_SIGNATURE = "verifyRegistration(bytes,bytes)"
OUTPUT_WORDS = 20            # ok, digest, mC, mk, C, C_G (2), terms (6), segment, previous, base, C_ΔG (2), recipe, k

# The template hard-codes these shapes: degree-3 messages, openings at r, −r, r², six terms words,
# a 384-byte key of twelve words, the manifest's and the header's word layouts.
assert REGISTRATION_DEGREE == 3 and NUM_POINTS == 3 and TERMS_WORDS == 6 and VK_BYTES == 12 * 32
assert MANIFEST_VERSION == 4                         # the v4 layout: segment words, C_D, C_ΔG
assert len(MANIFEST_DOMAIN) <= 32 and len(CONTRIBUTORS_DOMAIN) <= 32
SET_SLOT_BYTES = 4
assert MAX_CONTRIBUTORS < 256 ** SET_SLOT_BYTES     # a set slot holds an index + 1 in four bytes


TEMPLATE = r"""// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title RegistrationVerifier: attrib.verifier.registration.verify_registration (protocol v2) on the
///        EVM, for one SRS.
/// @notice Generated by attrib.verifier.evm_registration.registration_contract_source(verifying_key);
///         every constant below comes from the verifying key or from the Python specification.
///
/// verifyRegistration takes Manifest.to_bytes() (version 4: one segment of a dataset) and
/// RegistrationProof.to_bytes() and returns ok = true exactly when the Python verifier accepts the
/// segment's proof for this SRS (verify_registration_impl), with what a ledger stores: the manifest
/// digest, mC, mk, C, the aggregate commitment C_G (affine x, y) and the six words of terms; and what
/// it needs to check an append's link to the version before (which this contract does not check):
/// segment, previous digest, contributor base, C_dG (x, y), recipe digest, k.  For anything else
/// every output word is zero: wrong lengths, a bound exceeded, a scalar >= r, a
/// coordinate >= q, a point off the curve (checked before any precompile sees it), a failed check.
/// Only calldata that is not an ABI encoding of two `bytes` reverts (in Solidity's decoder).
contract RegistrationVerifier {
    // ---- the SRS (verifying key) ------------------------------------------------------------
    /// keccak256(SRS_DOMAIN || vk.to_bytes()): the SRS digest every accepted manifest names.
    bytes32 public constant SRS_DIGEST = bytes32(uint256({{SRS_DIGEST}}));
    uint256 internal constant SRS_DIGEST_WORD = {{SRS_DIGEST}};      // the same, for the assembly
    /// vk.max_log_n: the SRS has 2^MAX_LOG_N powers of tau.
    uint256 public constant MAX_LOG_N = {{MAX_LOG_N}};
    /// min(MAX_LOG_N, MAX_LOG_ROWS): the most variables of n0 and of the sum-check (nR).
    uint256 internal constant LOG_N_LIMIT = {{LOG_N_LIMIT}};
    // vk.to_bytes() as twelve words: a manifest must carry exactly these.
    uint256 internal constant VK_0 = {{VK_0}};
    uint256 internal constant VK_1 = {{VK_1}};
    uint256 internal constant VK_2 = {{VK_2}};
    uint256 internal constant VK_3 = {{VK_3}};
    uint256 internal constant VK_4 = {{VK_4}};
    uint256 internal constant VK_5 = {{VK_5}};
    uint256 internal constant VK_6 = {{VK_6}};
    uint256 internal constant VK_7 = {{VK_7}};
    uint256 internal constant VK_8 = {{VK_8}};
    uint256 internal constant VK_9 = {{VK_9}};
    uint256 internal constant VK_10 = {{VK_10}};
    uint256 internal constant VK_11 = {{VK_11}};
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

    // ---- the protocol (attrib.verifier: encoding, transcript, limits, terms, messages, registration) ----
    uint256 internal constant R = {{R}};              // scalar field r
    uint256 internal constant Q = {{Q}};              // base field q
    uint256 internal constant INV2 = {{INV2}};        // 1/2 mod r
    uint256 internal constant INV6 = {{INV6}};        // 1/6 mod r
    uint256 internal constant REGISTER_INIT = {{REGISTER_INIT}};   // keccak256(TRANSCRIPT_DOMAIN || "register")
    uint256 internal constant MANIFEST_DOMAIN = {{MANIFEST_DOMAIN}};             // right-aligned bytes
    uint256 internal constant MANIFEST_DOMAIN_LEN = {{MANIFEST_DOMAIN_LEN}};
    uint256 internal constant CONTRIBUTORS_DOMAIN = {{CONTRIBUTORS_DOMAIN}};     // right-aligned bytes
    uint256 internal constant CONTRIBUTORS_DOMAIN_LEN = {{CONTRIBUTORS_DOMAIN_LEN}};
    uint256 internal constant MANIFEST_VERSION = {{MANIFEST_VERSION}};
    uint256 internal constant PROOF_VERSION = {{PROOF_VERSION}};
    uint256 internal constant MAX_COLUMNS = {{MAX_COLUMNS}};
    uint256 internal constant MAX_CONTRIBUTORS = {{MAX_CONTRIBUTORS}};
    uint256 internal constant MAX_SEGMENTS = {{MAX_SEGMENTS}};
    uint256 internal constant MAX_ID_BYTES = {{MAX_ID_BYTES}};
    uint256 internal constant MAGNITUDE_LIMBS = {{MAGNITUDE_LIMBS}};  // L_M, a word of the digest
    uint256 internal constant ADDRESS_BITS = {{ADDRESS_BITS}};
    uint256 internal constant BASIS_POINTS = {{BASIS_POINTS}};
    uint256 internal constant TAIL_LOG = {{TAIL_LOG}};
    uint256 internal constant HIGH_BITS = 0x8080808080808080808080808080808080808080808080808080808080808080;

    // ---- memory map (bytes) -----------------------------------------------------------------
    // 0x00 ACC (x, y): the running MSM sum; 0x40 TERM (x, y, scalar): ecMul's input, ecAdd's second point.
    uint256 internal constant ACC = 0x00;
    uint256 internal constant TERM = 0x40;
    uint256 internal constant MEM_LOG_ROWS = 0xa0;    // n0
    uint256 internal constant MEM_ROWS = 0xc0;        // N
    uint256 internal constant MEM_K = 0xe0;           // k
    uint256 internal constant MEM_C = 0x100;          // C
    uint256 internal constant MEM_MC = 0x120;         // mC
    uint256 internal constant MEM_MK = 0x140;         // mk
    uint256 internal constant MEM_N = 0x160;          // nR, the sum-check's and the opening's variables
    uint256 internal constant MEM_LAYERS = 0x180;     // l = nR - m, committed layers of the opening
    uint256 internal constant MEM_TAIL_LOG = 0x1a0;   // m
    uint256 internal constant CD_OFFSETS = 0x1c0;     // manifest offsets[0..R + C - base]
    uint256 internal constant CD_POINTS = 0x1e0;      // manifest C_0 .. C_{k-1}, then C_sigma, C_D
    uint256 internal constant CD_AGG = 0x200;         // manifest C_G
    uint256 internal constant CD_TERMS = 0x220;       // manifest terms (six words)
    uint256 internal constant CD_SUMCHECK = 0x240;    // proof sum-check messages (nR x 3)
    uint256 internal constant CD_VALUES = 0x260;      // proof sigma(u), s(u), G(u)
    uint256 internal constant CD_FOLDS = 0x280;       // proof fold commitments C_1 .. C_{l-1}
    uint256 internal constant CD_TAIL = 0x2a0;        // proof tail f_l (2^m)
    uint256 internal constant CD_EVALS = 0x2c0;       // proof evals (3 x l)
    uint256 internal constant CD_W = 0x2e0;           // proof W, then W'
    uint256 internal constant MEM_DIGEST = 0x300;     // the manifest digest
    uint256 internal constant MEM_LAM = 0x320;        // lambda
    uint256 internal constant MEM_CS = 0x340;         // C_s (x, y)
    uint256 internal constant MEM_OFFSETS_HASH = 0x380;
    uint256 internal constant MEM_POINTS_HASH = 0x3a0;
    uint256 internal constant MEM_BASE = 0x3c0;       // the contributor base: the first new contributor's index
    uint256 internal constant MEM_RETURNING = 0x3e0;  // R, the returning owners
    uint256 internal constant MEM_GROUPS = 0x400;     // R + C - base: the segment's row groups (owners)
    uint256 internal constant MEM_RETURNING_HASH = 0x420;   // keccak256(returning owners)
    uint256 internal constant CD_RETURNING = 0x440;   // manifest returning owners (R words)
    uint256 internal constant CD_SEG_AGG = 0x460;     // manifest C_dG, the segment's aggregate (after C_G)
    uint256 internal constant CH = 0x600;             // r_j (mk words) then r_c (mC words): the point of E
    uint256 internal constant XI = 0xa00;             // xi (nR words)
    uint256 internal constant U = 0xe00;              // u_0 .. u_{nR-1}, zero-padded to whole groups of 4
    uint256 internal constant U_BAR = 0x1200;         // 1 - u_i, padded with ones
    uint256 internal constant BUF = 0x1600;           // the transcript state, then the words it absorbs
    uint256 internal constant DYN = 0x2600;           // tables whose size depends on C, k or nR

    /// What verifyRegistration returns (twenty words, ABI-encoded inline: every member is static), all
    /// zero on a refusal: what a ledger stores of a version, and what it needs to check the version's link
    /// to the one before (attrib.verifier.registration.follows: the segment's proof does not cover it).
    struct Registration {
        bool ok;
        bytes32 digest;                // Manifest.digest()
        uint256 logContributors;       // mC of the dataset at this version
        uint256 logColumns;            // mk
        uint256 numContributors;       // C of the dataset at this version (earlier segments' included)
        uint256[2] aggregate;          // C_G of the dataset at this version (affine x, y)
        uint256[6] terms;              // owner, payee root (this segment's), model owner, model bp, platform, platform bp
        uint256 segment;               // 0: a registration; s >= 1: an append
        bytes32 previous;              // the digest of version segment - 1 (zero in segment 0)
        uint256 contributorBase;       // the first contributor this segment introduces (C of the previous version)
        uint256[2] segmentAggregate;   // C_dG: what the proof shows is this segment's aggregate (C_G in segment 0)
        bytes32 recipeDigest;          // the feature recipe's digest (attrib.verifier.recipe)
        uint256 numColumns;            // k
    }

    function verifyRegistration(bytes calldata manifest, bytes calldata proof)
        external
        view
        returns (Registration memory)
    {
        assembly {
            // ---- helpers ----------------------------------------------------------------------------
            // Every failed check returns twenty zero words at once.
            function fail() {
                calldatacopy(0, calldatasize(), 0x280)
                return(0, 0x280)
            }
            function ensure(condition) {
                if iszero(condition) { fail() }
            }
            // A canonical G1 encoding: (0, 0) (infinity) or coordinates < q on y^2 = x^3 + 3.
            function check_point(ptr) {
                let x := calldataload(ptr)
                let y := calldataload(add(ptr, 0x20))
                if iszero(and(lt(x, Q), lt(y, Q))) { fail() }
                if or(x, y) {
                    if iszero(eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q))) { fail() }
                }
            }
            function check_scalars(ptr, end) {
                for {} lt(ptr, end) { ptr := add(ptr, 0x20) } {
                    if iszero(lt(calldataload(ptr), R)) { fail() }   // a non-canonical scalar (x + r for x)
                }
            }
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
            function bit_length(x) -> b {
                for {} x { x := shr(1, x) } { b := add(b, 1) }
            }
            // eq(a, x) = a*x + (1 - a)(1 - x) for a, x < r
            function eq1(a, x) -> e {
                e := addmod(mulmod(a, x, R), mulmod(addmod(1, sub(R, a), R), addmod(1, sub(R, x), R), R), R)
            }
            // out[i] = eq(point, bits of i) for i < 2^bits (verifier.registration.eq_of_index), by doubling
            function eq_table(point, bits, out) {
                mstore(out, 1)
                for { let b := 0 } lt(b, bits) { b := add(b, 1) } {
                    let x := mload(add(point, shl(5, b)))
                    let x_bar := addmod(1, sub(R, x), R)
                    let half := shl(b, 0x20)
                    for { let i := 0 } lt(i, half) { i := add(i, 0x20) } {
                        let v := mload(add(out, i))
                        mstore(add(out, add(i, half)), mulmod(v, x, R))
                        mstore(add(out, i), mulmod(v, x_bar, R))
                    }
                }
            }

            // ---- transcript (verifier.transcript): the state word at BUF, the input after it ------
            function absorb(len) {
                mstore(BUF, keccak256(BUF, add(0x20, len)))
            }
            function absorb_calldata(ptr, len) {
                calldatacopy(add(BUF, 0x20), ptr, len)
                mstore(BUF, keccak256(BUF, add(0x20, len)))
            }
            function challenge_scalar() -> c {
                let h := keccak256(BUF, 0x20)
                mstore(BUF, h)
                c := mod(h, R)
            }

            // ---- MSM by precompiles (every input point was checked canonical first) --------------
            function add_mul(x, y, s) {
                // ACC <- ACC + s*(x, y)
                mstore(TERM, x)
                mstore(add(TERM, 0x20), y)
                mstore(add(TERM, 0x40), s)
                ensure(staticcall(gas(), 0x07, TERM, 0x60, TERM, 0x40))
                ensure(staticcall(gas(), 0x06, ACC, 0x80, ACC, 0x40))
            }
            function add_mul_calldata(ptr, s) {
                add_mul(calldataload(ptr), calldataload(add(ptr, 0x20)), s)
            }

            // ---- Manifest.from_bytes + Manifest.validate --------------------------------------------
            // version | VK (12 words) | n0 | N | k | C | terms (6) | ids hash | recipe digest | segment | previous
            // | base | R | returning (R) | offsets (R + C - base + 1) | C_0 .. C_{k-1} | C_sigma | C_D | C_G | C_dG
            // | ids (C - base of them: a length word, then the bytes zero-padded to words)
            function read_manifest(off, len) {
                ensure(gt(len, 0x39f))                                       // a manifest cut short: 29 header words
                ensure(eq(calldataload(off), MANIFEST_VERSION))              // an older manifest (other digest rules)
                // the verifying key: exactly the compiled-in SRS's bytes
                let d := xor(calldataload(add(off, 0x20)), VK_0)
                d := or(d, xor(calldataload(add(off, 0x40)), VK_1))
                d := or(d, xor(calldataload(add(off, 0x60)), VK_2))
                d := or(d, xor(calldataload(add(off, 0x80)), VK_3))
                d := or(d, xor(calldataload(add(off, 0xa0)), VK_4))
                d := or(d, xor(calldataload(add(off, 0xc0)), VK_5))
                d := or(d, xor(calldataload(add(off, 0xe0)), VK_6))
                d := or(d, xor(calldataload(add(off, 0x100)), VK_7))
                d := or(d, xor(calldataload(add(off, 0x120)), VK_8))
                d := or(d, xor(calldataload(add(off, 0x140)), VK_9))
                d := or(d, xor(calldataload(add(off, 0x160)), VK_10))
                d := or(d, xor(calldataload(add(off, 0x180)), VK_11))
                ensure(iszero(d))                                            // an SRS whose tau the registrant knows
                let n0 := calldataload(add(off, 0x1a0))
                ensure(and(gt(n0, 0), iszero(gt(n0, LOG_N_LIMIT))))          // more rows than the SRS commits
                let rows := calldataload(add(off, 0x1c0))
                ensure(and(gt(rows, 0), iszero(gt(rows, shl(n0, 1)))))       // rows beyond 2^n0 (outside every table)
                let k := calldataload(add(off, 0x1e0))
                ensure(and(gt(k, 0), iszero(gt(k, MAX_COLUMNS))))            // no columns, or more than the bound
                let c := calldataload(add(off, 0x200))
                ensure(iszero(gt(c, MAX_CONTRIBUTORS)))                      // more contributors than an epoch bounds
                check_terms(add(off, 0x220))
                read_segment(off, c, rows)
                let mc := bit_length(sub(c, 1))                              // (c >= 1: read_segment)
                if iszero(mc) { mc := 1 }                                    // mC = max(1, ceil(log2 C))
                let mk := bit_length(sub(k, 1))                              // mk = ceil(log2 k)
                let n := n0
                if gt(add(mc, mk), n) { n := add(mc, mk) }
                ensure(iszero(gt(n, LOG_N_LIMIT)))                           // a G table larger than the SRS
                mstore(MEM_LOG_ROWS, n0)
                mstore(MEM_ROWS, rows)
                mstore(MEM_K, k)
                mstore(MEM_C, c)
                mstore(MEM_MC, mc)
                mstore(MEM_MK, mk)
                mstore(MEM_N, n)
                read_sections(off, len)
                // Manifest.digest(): keccak256(MANIFEST_DOMAIN || header_words())
                let b := add(BUF, 0x20)
                mstore(BUF, MANIFEST_DOMAIN)
                mstore(b, MANIFEST_VERSION)
                mstore(add(b, 0x20), SRS_DIGEST_WORD)
                mstore(add(b, 0x40), n0)
                mstore(add(b, 0x60), rows)
                mstore(add(b, 0x80), k)
                mstore(add(b, 0xa0), c)
                mstore(add(b, 0xc0), mc)
                mstore(add(b, 0xe0), mk)
                mstore(add(b, 0x100), MAGNITUDE_LIMBS)
                calldatacopy(add(b, 0x120), mload(CD_AGG), 0x40)
                mstore(add(b, 0x160), mload(MEM_OFFSETS_HASH))
                mstore(add(b, 0x180), mload(MEM_POINTS_HASH))
                mstore(add(b, 0x1a0), calldataload(add(off, 0x2e0)))          // contributors hash
                calldatacopy(add(b, 0x1c0), add(off, 0x220), 0xc0)            // terms
                mstore(add(b, 0x280), calldataload(add(off, 0x300)))          // recipe digest
                mstore(add(b, 0x2a0), calldataload(add(off, 0x320)))          // segment
                mstore(add(b, 0x2c0), calldataload(add(off, 0x340)))          // previous
                mstore(add(b, 0x2e0), mload(MEM_BASE))
                mstore(add(b, 0x300), mload(MEM_RETURNING_HASH))
                calldatacopy(add(b, 0x320), mload(CD_SEG_AGG), 0x40)          // C_dG
                mstore(MEM_DIGEST, keccak256(sub(b, MANIFEST_DOMAIN_LEN), add(MANIFEST_DOMAIN_LEN, 0x360)))
            }

            // The segment words (Manifest.from_bytes's bounds and Manifest.validate's rules): segment, previous,
            // base, R and the R returning owners; stores base, R, the owners' count and keccak256(returning).
            function read_segment(off, c, rows) {
                let seg := calldataload(add(off, 0x320))
                ensure(iszero(gt(seg, MAX_SEGMENTS)))                    // more versions than the bound
                // segment 0 names no previous version and every later one names one: a registration that
                // claims a history, or an append detached from its dataset
                ensure(eq(iszero(seg), iszero(calldataload(add(off, 0x340)))))
                let base := calldataload(add(off, 0x360))
                ensure(iszero(gt(base, c)))                                  // new contributors numbered past C
                // segment 0 introduces every contributor (base 0); an append follows at least one
                switch seg
                case 0 { ensure(iszero(base)) }                              // a registration that skips indices
                default { ensure(base) }                                     // an append to nobody
                let count := calldataload(add(off, 0x380))
                ensure(iszero(gt(count, base)))                              // more returning owners than earlier contributors
                let groups := add(count, sub(c, base))
                ensure(groups)                                               // a segment whose rows nobody owns
                ensure(iszero(gt(groups, rows)))                             // an owner without rows
                // returning owners: increasing, each an earlier contributor (below the base)
                let returning := add(off, 0x3a0)
                let next := 0                                                // the least index the next may be
                for { let p := returning } lt(p, add(returning, shl(5, count))) { p := add(p, 0x20) } {
                    let owner := calldataload(p)
                    // an owner twice (its rows weighed twice), out of order, or not yet registered (a new
                    // contributor's rows credited without its id in the digest)
                    if or(lt(owner, next), iszero(lt(owner, base))) { fail() }
                    next := add(owner, 1)
                }
                calldatacopy(DYN, returning, shl(5, count))
                mstore(MEM_RETURNING_HASH, keccak256(DYN, shl(5, count)))
                mstore(MEM_BASE, base)
                mstore(MEM_RETURNING, count)
                mstore(MEM_GROUPS, groups)
                mstore(CD_RETURNING, returning)
            }

            // The offsets, the points and the ids, after the returning owners; stores where each starts.
            function read_sections(off, len) {
                let k := mload(MEM_K)
                let groups := mload(MEM_GROUPS)
                // the sections: all inside the manifest (R, C and k are bounded: no overflow)
                let offsets := add(mload(CD_RETURNING), shl(5, mload(MEM_RETURNING)))
                let points := add(offsets, shl(5, add(groups, 1)))
                let agg := add(points, shl(6, add(k, 2)))                    // after C_0 .. C_{k-1}, C_sigma, C_D
                let ids := add(agg, 0x80)                                    // after C_G, C_dG
                ensure(iszero(gt(sub(ids, off), len)))                       // sections cut short
                // offsets: 0 = off_0 < off_1 < ... < off_{R + C - base} = N
                ensure(iszero(calldataload(offsets)))                        // rows before the first owner (nobody's)
                let prev := 0
                for { let p := add(offsets, 0x20) } lt(p, points) { p := add(p, 0x20) } {
                    let o := calldataload(p)
                    if iszero(gt(o, prev)) { fail() }                        // an owner with no or negative rows
                    prev := o
                }
                ensure(eq(prev, mload(MEM_ROWS)))                            // rows after the last owner
                calldatacopy(DYN, offsets, shl(5, add(groups, 1)))
                mstore(MEM_OFFSETS_HASH, keccak256(DYN, shl(5, add(groups, 1))))
                // C_0 .. C_{k-1}, C_sigma, C_D, C_G, C_dG: canonical points
                for { let p := points } lt(p, ids) { p := add(p, 0x40) } { check_point(p) }   // a point off the curve
                calldatacopy(DYN, points, shl(6, add(k, 2)))
                mstore(MEM_POINTS_HASH, keccak256(DYN, shl(6, add(k, 2))))
                // in segment 0, C_dG is C_G (an append's C_G is checked by the ledger: C_G(previous) + C_dG)
                if iszero(calldataload(add(off, 0x320))) {
                    // a registration whose proof is of another aggregate than the one epochs settle against
                    ensure(and(eq(calldataload(agg), calldataload(add(agg, 0x40))),
                               eq(calldataload(add(agg, 0x20)), calldataload(add(agg, 0x60)))))
                }
                mstore(CD_OFFSETS, offsets)
                mstore(CD_POINTS, points)
                mstore(CD_AGG, agg)
                mstore(CD_SEG_AGG, add(agg, 0x40))
                mstore(CD_TERMS, add(off, 0x220))
                read_contributors(ids, add(off, len), sub(mload(MEM_C), mload(MEM_BASE)), calldataload(add(off, 0x2e0)))
            }

            // Terms.from_words + Terms.validate: owner | payee root | model owner | model bp | platform | platform bp
            function check_terms(t) {
                let model_bp := calldataload(add(t, 0x60))
                let platform_bp := calldataload(add(t, 0xa0))
                let model := calldataload(add(t, 0x40))
                let platform := calldataload(add(t, 0x80))
                ensure(iszero(shr(ADDRESS_BITS, or(or(calldataload(t), model), platform))))   // an address word no chain has
                ensure(iszero(gt(model_bp, BASIS_POINTS)))                   // a model share above 100 %
                ensure(iszero(gt(platform_bp, BASIS_POINTS)))                // a platform share above 100 %
                ensure(iszero(gt(add(model_bp, platform_bp), BASIS_POINTS))) // layers that take more than the fees
                if model_bp { ensure(model) }                                // a model share paid to address 0
                if platform_bp { ensure(platform) }                          // a platform share paid to address 0
            }

            // The c = C - base ids the segment introduces, after C_dG, ending exactly at the manifest's end;
            // contributors_hash of them is the header's word.  Memory at DYN: the domain word, keccak256(id_i)
            // for i < c (contiguous, as the hash needs them), the set (2^ceil(log2 2c) four-byte slots holding
            // i + 1), one id's bytes.  The set covers this segment's ids (as Manifest.validate does): an id an
            // earlier segment registered is the ledger's to know, not this manifest's.
            function read_contributors(p, end, c, ids_hash) {
                let hashes := add(DYN, 0x20)
                mstore(DYN, CONTRIBUTORS_DOMAIN)
                let slots := 2
                for {} lt(slots, shl(1, c)) {} { slots := shl(1, slots) }
                let mask := sub(slots, 1)
                let set := add(hashes, shl(5, c))
                let set_bytes := and(add(shl(2, slots), 31), not(31))
                calldatacopy(set, calldatasize(), set_bytes)                 // zeroes: every slot empty
                let scratch := add(set, set_bytes)
                for { let i := 0 } lt(i, c) { i := add(i, 1) } {
                    if gt(add(p, 0x20), end) { fail() }                      // fewer ids than C - base
                    let length := calldataload(p)
                    if or(iszero(length), gt(length, MAX_ID_BYTES)) { fail() }   // an empty id, or one past the bound
                    let start := add(p, 0x20)
                    let padded := and(add(length, 31), not(31))
                    p := add(start, padded)
                    if gt(p, end) { fail() }                                 // an id cut short
                    // the bytes after the id's last are zero: no second encoding of one manifest
                    if shl(shl(3, sub(add(length, 0x20), padded)), calldataload(sub(p, 0x20))) { fail() }
                    if or(gt(length, 0x20), and(calldataload(start), HIGH_BITS)) { check_utf8(start, length) }
                    calldatacopy(scratch, start, length)
                    let h := keccak256(scratch, length)
                    mstore(add(hashes, shl(5, i)), h)
                    for { let slot := and(h, mask) } 1 { slot := and(add(slot, 1), mask) } {
                        let wp := add(set, shl(5, shr(3, slot)))
                        let sh := shl(5, and(slot, 7))
                        let entry := and(shr(sh, mload(wp)), 0xffffffff)
                        if iszero(entry) {
                            mstore(wp, or(mload(wp), shl(sh, add(i, 1))))
                            break
                        }
                        // one payee named twice (two shares of the pool under one id)
                        if eq(mload(add(hashes, shl(5, sub(entry, 1)))), h) { fail() }
                    }
                }
                ensure(eq(p, end))                                           // trailing bytes: a second encoding
                // contributors_hash: keccak256(CONTRIBUTORS_DOMAIN || keccak256(id_0) || ...): ids swapped or renamed
                ensure(eq(keccak256(sub(hashes, CONTRIBUTORS_DOMAIN_LEN), add(CONTRIBUTORS_DOMAIN_LEN, shl(5, c))), ids_hash))
            }

            // Python's strict UTF-8 decoder: no overlong forms, no surrogates, nothing above U+10FFFF, no
            // truncated sequence (an id Python's bytes.decode() refuses, which no Python ledger could name).
            function check_utf8(start, length) {
                let ascii := 1
                for { let p := start } lt(p, add(start, length)) { p := add(p, 0x20) } {
                    if and(calldataload(p), HIGH_BITS) {
                        ascii := 0
                        break
                    }
                }
                if ascii { leave }
                for { let i := 0 } lt(i, length) {} {
                    let b := byte(0, calldataload(add(start, i)))
                    let more := 0                                   // continuation bytes to follow
                    let lo := 0x80                                  // range of the first of them
                    let hi := 0xbf
                    if gt(b, 0x7f) {
                        ensure(and(gt(b, 0xc1), lt(b, 0xf5)))
                        more := add(add(1, gt(b, 0xdf)), gt(b, 0xef))
                        if eq(b, 0xe0) { lo := 0xa0 }
                        if eq(b, 0xed) { hi := 0x9f }
                        if eq(b, 0xf0) { lo := 0x90 }
                        if eq(b, 0xf4) { hi := 0x8f }
                        ensure(lt(add(i, more), length))
                        let b1 := byte(0, calldataload(add(start, add(i, 1))))
                        ensure(and(iszero(lt(b1, lo)), iszero(gt(b1, hi))))
                        for { let j := 2 } iszero(gt(j, more)) { j := add(j, 1) } {
                            ensure(eq(and(byte(0, calldataload(add(start, add(i, j)))), 0xc0), 0x80))
                        }
                    }
                    i := add(i, add(more, 1))
                }
            }

            // ---- RegistrationProof.from_bytes (with HyperKZGProof.from_bytes) + validate -------------
            // version | rounds | nR x (p(0), p(2), p(3)) | sigma(u) | s(u) | G(u) | C_1..C_{l-1} | tail (2^m)
            // | evals (3 x l) | W | W'
            function read_proof(off, len) {
                let n := mload(MEM_N)
                ensure(gt(len, 0x3f))                                        // a proof cut short
                ensure(eq(calldataload(off), PROOF_VERSION))                 // another proof format
                ensure(eq(calldataload(add(off, 0x20)), n))                  // rounds other than nR (a smaller statement)
                let m := sub(n, 1)                                           // tail_log(n) = min(TAIL_LOG, n - 1)
                if gt(m, TAIL_LOG) { m := TAIL_LOG }
                let layers := sub(n, m)
                // words: 2 + 3n + 3 + 2(l - 1) + 2^m + 3l + 4
                ensure(eq(len, shl(5, add(add(add(7, mul(3, n)), mul(5, layers)), shl(m, 1)))))   // wrong length
                let sumcheck := add(off, 0x40)
                let values := add(sumcheck, mul(0x60, n))
                let folds := add(values, 0x60)
                let tail := add(folds, shl(6, sub(layers, 1)))
                let evals := add(tail, shl(add(m, 5), 1))
                let w := add(evals, mul(0x60, layers))
                check_scalars(sumcheck, folds)                               // messages and values < r
                for { let p := folds } lt(p, tail) { p := add(p, 0x40) } { check_point(p) }   // a fold off the curve
                check_scalars(tail, w)                                       // tail and evals < r
                check_point(w)                                               // W off the curve
                check_point(add(w, 0x40))                                    // W' off the curve
                mstore(MEM_LAYERS, layers)
                mstore(MEM_TAIL_LOG, m)
                mstore(CD_SUMCHECK, sumcheck)
                mstore(CD_VALUES, values)
                mstore(CD_FOLDS, folds)
                mstore(CD_TAIL, tail)
                mstore(CD_EVALS, evals)
                mstore(CD_W, w)
            }

            // ---- draw_registration_challenges: digest -> r_j, r_c, xi, lambda -----------------------
            function draw_challenges() {
                mstore(BUF, REGISTER_INIT)
                mstore(add(BUF, 0x20), mload(MEM_DIGEST))
                absorb(0x20)                                                 // replay of another manifest's proof
                let jc := shl(5, add(mload(MEM_MK), mload(MEM_MC)))
                for { let p := CH } lt(p, add(CH, jc)) { p := add(p, 0x20) } { mstore(p, challenge_scalar()) }
                let nb := shl(5, mload(MEM_N))
                for { let p := XI } lt(p, add(XI, nb)) { p := add(p, 0x20) } { mstore(p, challenge_scalar()) }
                mstore(MEM_LAM, challenge_scalar())
            }

            // ---- verify_sumcheck: nR rounds of degree 3 from the claim 0; returns g(u) as claimed ----
            function verify_sumcheck() -> claimed {
                let message := mload(CD_SUMCHECK)
                let end := add(message, mul(0x60, mload(MEM_N)))
                for { let i := 0 } lt(message, end) { message := add(message, 0x60) i := add(i, 0x20) } {
                    absorb_calldata(message, 0x60)
                    let u := challenge_scalar()
                    mstore(add(U, i), u)
                    mstore(add(U_BAR, i), addmod(1, sub(R, u), R))
                    claimed := interpolate_round(message, claimed, u)        // a round with p(0) + p(1) != claim
                }
            }

            // interpolate_at(round_values(message, claimed), u): p(1) = claimed - p(0), and in Newton form
            // p(u) = y0 + u(D1 + (u - 1)(D2/2 + (u - 2) D3/6); the values are < r (read_proof).
            function interpolate_round(message, claimed, u) -> p {
                let y0 := calldataload(message)
                let y2 := calldataload(add(message, 0x20))
                p := calldataload(add(message, 0x40))
                // (sums of up to four terms below 2r are left unreduced: 4 * 2r < 2^256, and mulmod reduces)
                let y1 := addmod(claimed, sub(R, y0), R)
                p := mulmod(add(add(p, sub(R, y0)), mulmod(3, add(y1, sub(R, y2)), R)), INV6, R)
                p := add(mulmod(add(add(y2, y0), shl(1, sub(R, y1))), INV2, R), mulmod(add(u, sub(R, 2)), p, R))
                p := add(add(y1, sub(R, y0)), mulmod(add(u, sub(R, 1)), p, R))
                p := addmod(y0, mulmod(u, p, R), R)
            }

            // ---- final_registration_value: w(u) sigma s - G (E(u) + lambda K_hi(u)) ------------------
            function kernel_at_u() -> kernel {
                let n := mload(MEM_N)
                let g_bits := add(mload(MEM_MK), mload(MEM_MC))
                // E(u) = eq(r_j || r_c, u_{<nG}) prod_{i >= nG} (1 - u_i); eq(xi_{<nG}, u_{<nG})
                let e := 1
                let low := 1
                for { let i := 0 } lt(i, shl(5, g_bits)) { i := add(i, 0x20) } {
                    e := mulmod(e, eq1(mload(add(CH, i)), mload(add(U, i))), R)
                    low := mulmod(low, eq1(mload(add(XI, i)), mload(add(U, i))), R)
                }
                // K_hi(u) = eq(xi_{<nG}, u_{<nG}) (prod_{i >= nG} eq(xi_i, u_i) - prod_{i >= nG} (1 - xi_i)(1 - u_i))
                let hi_eq := 1
                let hi_zero := 1
                let zero := 1
                for { let i := shl(5, g_bits) } lt(i, shl(5, n)) { i := add(i, 0x20) } {
                    let x := mload(add(XI, i))
                    let ub := mload(add(U_BAR, i))
                    hi_eq := mulmod(hi_eq, eq1(x, mload(add(U, i))), R)
                    hi_zero := mulmod(hi_zero, mulmod(addmod(1, sub(R, x), R), ub, R), R)
                    zero := mulmod(zero, ub, R)
                }
                let k_hi := mulmod(low, addmod(hi_eq, sub(R, hi_zero), R), R)
                kernel := addmod(mulmod(e, zero, R), mulmod(mload(MEM_LAM), k_hi, R), R)
            }

            // evaluate_row_weights: w(u) = sum_i eq(r_c, owner_i) (I_[0, off_{i+1})(u) - I_[0, off_i)(u)), the owners
            // being the R returning ones (from calldata) then base, base + 1, ..., C - 1 (implied).
            // The range indicator by 4-bit digits of t from the lowest: acc <- acc E_j[d] + F_j[d], with
            // E_j[d] = eq(d, u_{4j..4j+3}) and F_j[d] = sum_{d' < d} E_j[d']; t = 2^nR gives 1.
            function row_weights() -> w {
                let n := mload(MEM_N)
                let groups := shr(2, add(n, 3))
                for { let i := n } lt(i, shl(2, groups)) { i := add(i, 1) } {
                    mstore(add(U, shl(5, i)), 0)
                    mstore(add(U_BAR, shl(5, i)), 1)
                }
                let tables_end := add(DYN, shl(10, groups))                  // 0x400 bytes per group
                for { let t := DYN let v := 0 } lt(t, tables_end) { t := add(t, 0x400) v := add(v, 0x80) } {
                    // E[d] at t + 0x40 d, F[d] at t + 0x40 d + 0x20
                    mstore(t, 1)
                    for { let b := 0 } lt(b, 4) { b := add(b, 1) } {
                        let x := mload(add(add(U, v), shl(5, b)))
                        let xb := mload(add(add(U_BAR, v), shl(5, b)))
                        let half := shl(b, 0x40)
                        for { let i := 0 } lt(i, half) { i := add(i, 0x40) } {
                            let e := mload(add(t, i))
                            mstore(add(t, add(i, half)), mulmod(e, x, R))
                            mstore(add(t, i), mulmod(e, xb, R))
                        }
                    }
                    let acc := 0
                    for { let i := 0 } lt(i, 0x400) { i := add(i, 0x40) } {
                        mstore(add(t, add(i, 0x20)), acc)
                        acc := addmod(acc, mload(add(t, i)), R)
                    }
                }
                // eq(r_c, c) = LO[c mod 2^lo] HI[c >> lo] for c < C <= 2^mC
                let lo_bits := shr(1, add(mload(MEM_MC), 1))
                let lo := tables_end
                let hi := add(lo, shl(add(lo_bits, 5), 1))
                eq_table(add(CH, shl(5, mload(MEM_MK))), lo_bits, lo)                       // r_c follows r_j
                eq_table(add(CH, shl(5, add(mload(MEM_MK), lo_bits))), sub(mload(MEM_MC), lo_bits), hi)
                let lo_mask := sub(shl(lo_bits, 1), 1)
                let full := shl(n, 1)
                let offsets := mload(CD_OFFSETS)
                let below := 0                                               // I(off_0) = I(0) = 0
                for { let i := 0 } lt(i, mload(MEM_GROUPS)) { i := add(i, 1) } {
                    let owner := owner_at(i)
                    // above = I_[0, off_{i+1})(u), inline (the loop runs R + C - base times)
                    let t := calldataload(add(offsets, shl(5, add(i, 1))))
                    let above := 1
                    if lt(t, full) {
                        above := 0
                        for { let e := DYN } lt(e, tables_end) { e := add(e, 0x400) } {
                            let p := add(e, shl(6, and(t, 15)))
                            above := addmod(mulmod(above, mload(p), R), mload(add(p, 0x20)), R)
                            t := shr(4, t)
                        }
                    }
                    w := addmod(w, mulmod(mulmod(mload(add(lo, shl(5, and(owner, lo_mask)))),
                                                 mload(add(hi, shl(5, shr(lo_bits, owner)))), R),
                                          add(above, sub(R, below)), R), R)
                    below := above
                }
            }

            // Manifest.owners[i]: the returning owner i (calldata) for i < R, else base + i - R (base >= R)
            function owner_at(i) -> owner {
                let count := mload(MEM_RETURNING)
                switch lt(i, count)
                case 1 { owner := calldataload(add(mload(CD_RETURNING), shl(5, i))) }
                default { owner := add(sub(mload(MEM_BASE), count), i) }
            }

            // ---- C_s = sum_j eq(r_j, j) C_j (column_weights), from the digest-bound C_j ----------------
            function s_commitment() {
                let k := mload(MEM_K)
                let mk := mload(MEM_MK)
                let lo_bits := shr(1, add(mk, 1))
                let lo := DYN
                let hi := add(lo, shl(add(lo_bits, 5), 1))
                eq_table(CH, lo_bits, lo)
                eq_table(add(CH, shl(5, lo_bits)), sub(mk, lo_bits), hi)
                let lo_mask := sub(shl(lo_bits, 1), 1)
                mstore(ACC, 0)
                mstore(add(ACC, 0x20), 0)
                let pt := mload(CD_POINTS)
                for { let j := 0 } lt(j, k) { j := add(j, 1) } {
                    add_mul_calldata(pt, mulmod(mload(add(lo, shl(5, and(j, lo_mask)))),
                                                mload(add(hi, shl(5, shr(lo_bits, j)))), R))
                    pt := add(pt, 0x40)
                }
                mcopy(MEM_CS, ACC, 0x40)
            }

            // ---- verify_hyperkzg for [C_sigma, C_s, C_dG] at u with values [sigma(u), s(u), dG(u)] ------
            function verify_hyperkzg() {
                let n := mload(MEM_N)
                let layers := mload(MEM_LAYERS)
                let values := mload(CD_VALUES)
                // absorb_opening_claim: the commitments, the point, the values -> rho
                calldatacopy(add(BUF, 0x20), add(mload(CD_POINTS), shl(6, mload(MEM_K))), 0x40)
                mcopy(add(BUF, 0x60), MEM_CS, 0x40)
                calldatacopy(add(BUF, 0xa0), mload(CD_SEG_AGG), 0x40)
                absorb(0xc0)
                mcopy(add(BUF, 0x20), U, shl(5, n))
                absorb(shl(5, n))
                absorb_calldata(values, 0x60)
                let rho := challenge_scalar()
                let rho2 := mulmod(rho, rho, R)
                let value := addmod(addmod(calldataload(values), mulmod(rho, calldataload(add(values, 0x20)), R), R),
                                    mulmod(rho2, calldataload(add(values, 0x40)), R), R)
                // fold commitments and the tail -> r (r in {0, 1, -1} is refused: S needs three points);
                // evals -> q; W -> z
                absorb_calldata(mload(CD_FOLDS), shl(6, sub(layers, 1)))
                absorb_calldata(mload(CD_TAIL), shl(add(mload(MEM_TAIL_LOG), 5), 1))
                let r := challenge_scalar()
                ensure(and(gt(r, 1), lt(r, sub(R, 1))))                      // a degenerate opening set S
                absorb_calldata(mload(CD_EVALS), mul(0x60, layers))
                let q := challenge_scalar()
                absorb_calldata(mload(CD_W), 0x40)
                let z := challenge_scalar()
                check_fold_consistency(value, r)
                check_batched_kzg(rho, rho2, r, q, z)
            }

            // check_fold_consistency: for i < l, 2r f_{i+1}(r^2) = r(1 - u_i)(f_i(r) + f_i(-r)) + u_i(f_i(r) - f_i(-r)),
            // with f_l(r^2) from the clear tail; then f_l(u_l, ..., u_{n-1}) = value.
            function check_fold_consistency(value, r) {
                let layers := mload(MEM_LAYERS)
                let evals := mload(CD_EVALS)
                let next := tail_at(mulmod(r, r, R))
                let two_r := addmod(r, r, R)
                for { let i := shl(5, layers) } i {} {
                    i := sub(i, 0x20)
                    let pos := calldataload(add(evals, i))
                    let neg := calldataload(add(evals, add(shl(5, layers), i)))
                    let rhs := addmod(mulmod(mulmod(r, mload(add(U_BAR, i)), R), addmod(pos, neg, R), R),
                                      mulmod(mload(add(U, i)), addmod(pos, sub(R, neg), R), R), R)
                    if iszero(eq(mulmod(two_r, next, R), rhs)) { fail() }   // a fold that is not the fold of the one before
                    next := calldataload(add(evals, add(shl(6, layers), i)))
                }
                ensure(eq(tail_mle(), value))                                // sigma(u), s(u) or G(u) not what is committed
            }

            // evaluate_univariate(tail, x): Horner from the top coefficient
            function tail_at(x) -> v {
                let tail := mload(CD_TAIL)
                for { let p := add(tail, shl(add(mload(MEM_TAIL_LOG), 5), 1)) } gt(p, tail) {} {
                    p := sub(p, 0x20)
                    v := addmod(mulmod(v, x, R), calldataload(p), R)
                }
            }

            // evaluate_multilinear(tail, u[l:]): fold x_l first, in place at BUF + 0x20
            function tail_mle() -> v {
                let f := add(BUF, 0x20)
                let size := shl(add(mload(MEM_TAIL_LOG), 5), 1)
                calldatacopy(f, mload(CD_TAIL), size)
                for { let x_ptr := add(U, shl(5, mload(MEM_LAYERS))) } gt(size, 0x20) { x_ptr := add(x_ptr, 0x20) } {
                    let x := mload(x_ptr)
                    size := shr(1, size)
                    for { let i := 0 } lt(i, size) { i := add(i, 0x20) } {
                        let a := mload(add(f, shl(1, i)))
                        mstore(add(f, i), addmod(a, mulmod(x, add(mload(add(f, add(shl(1, i), 0x20))), sub(R, a)), R), R))
                    }
                }
                v := mload(f)
            }

            // check_batched_kzg: e(F + z W', [1]_2) e(-W', [tau]_2) = 1 with
            // F = C_sigma + rho C_s + rho^2 C_G + sum_{i>=1} q^i C_i - I(z) [1]_1 - Z_S(z) W.
            function check_batched_kzg(rho, rho2, r, q, z) {
                let layers := mload(MEM_LAYERS)
                let evals := mload(CD_EVALS)
                // y_j = sum_i q^i f_i(x_j) for x = (r, -r, r^2) (Horner in q)
                let y0 := 0
                let y1 := 0
                let y2 := 0
                for { let i := shl(5, layers) } i {} {
                    i := sub(i, 0x20)
                    let p := add(evals, i)
                    y0 := addmod(mulmod(y0, q, R), calldataload(p), R)
                    y1 := addmod(mulmod(y1, q, R), calldataload(add(p, shl(5, layers))), R)
                    y2 := addmod(mulmod(y2, q, R), calldataload(add(p, shl(6, layers))), R)
                }
                // the quadratic through (r, y0), (-r, y1), (r^2, y2) at z: with D = 2r^2(1 - r^2) the Lagrange
                // denominators are D/(1 + r), D/(1 - r) and -D/2 (D != 0: r is not 0, 1 or -1)
                let r2 := mulmod(r, r, R)
                let d := mulmod(addmod(r2, r2, R), addmod(1, sub(R, r2), R), R)
                let z_minus_r := addmod(z, sub(R, r), R)
                let z_plus_r := addmod(z, r, R)
                let z_minus_r2 := addmod(z, sub(R, r2), R)
                y0 := mulmod(mulmod(y0, mulmod(z_plus_r, z_minus_r2, R), R), addmod(1, r, R), R)
                y1 := mulmod(mulmod(y1, mulmod(z_minus_r, z_minus_r2, R), R), addmod(1, sub(R, r), R), R)
                y2 := mulmod(mulmod(y2, mulmod(z_minus_r, z_plus_r, R), R), 2, R)
                let i_z := mulmod(addmod(addmod(y0, y1, R), sub(R, y2), R), inverse(d), R)
                let z_s := mulmod(mulmod(z_minus_r, z_plus_r, R), z_minus_r2, R)
                // the MSM; C_sigma first (weight 1: a copy)
                calldatacopy(ACC, add(mload(CD_POINTS), shl(6, mload(MEM_K))), 0x40)
                add_mul(mload(MEM_CS), mload(add(MEM_CS, 0x20)), rho)
                add_mul_calldata(mload(CD_SEG_AGG), rho2)
                let qi := q
                for { let c := mload(CD_FOLDS) } lt(c, mload(CD_TAIL)) { c := add(c, 0x40) } {
                    add_mul_calldata(c, qi)
                    qi := mulmod(qi, q, R)
                }
                add_mul(G1_X, G1_Y, mod(sub(R, i_z), R))
                let w := mload(CD_W)
                add_mul_calldata(w, mod(sub(R, z_s), R))
                add_mul_calldata(add(w, 0x40), z)
                // ecPairing (0x08) on (F, [1]_2), (-W', [tau]_2)
                let p := add(BUF, 0x20)
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
                ensure(staticcall(gas(), 0x08, p, 0x180, 0, 0x20))
                ensure(eq(mload(0), 1))                                      // an opening of values never committed
            }

            // ---- verify_registration ------------------------------------------------------------------
            read_manifest(manifest.offset, manifest.length)
            read_proof(proof.offset, proof.length)
            draw_challenges()
            let last := verify_sumcheck()
            // the summand of (S) at u: C_dG off in a cell, junk beyond C x k (K_hi), rows moved between owners (w)
            ensure(eq(last, addmod(mulmod(mulmod(row_weights(), calldataload(mload(CD_VALUES)), R),
                                          calldataload(add(mload(CD_VALUES), 0x20)), R),
                                   sub(R, mulmod(calldataload(add(mload(CD_VALUES), 0x40)), kernel_at_u(), R)), R)))
            s_commitment()                                                   // a column commitment swapped after proving
            verify_hyperkzg()
            // ok, digest, mC, mk, C, C_G (x, y), the six words of terms; segment, previous, base, C_dG (x, y),
            // recipe digest, k (written at BUF, past the memory map they are read from)
            let o := BUF
            mstore(o, 1)
            mstore(add(o, 0x20), mload(MEM_DIGEST))
            mstore(add(o, 0x40), mload(MEM_MC))
            mstore(add(o, 0x60), mload(MEM_MK))
            mstore(add(o, 0x80), mload(MEM_C))
            calldatacopy(add(o, 0xa0), mload(CD_AGG), 0x40)
            calldatacopy(add(o, 0xe0), mload(CD_TERMS), 0xc0)
            calldatacopy(add(o, 0x1a0), add(manifest.offset, 0x320), 0x20)     // segment
            calldatacopy(add(o, 0x1c0), add(manifest.offset, 0x340), 0x20)     // previous
            mstore(add(o, 0x1e0), mload(MEM_BASE))
            calldatacopy(add(o, 0x200), mload(CD_SEG_AGG), 0x40)
            calldatacopy(add(o, 0x240), add(manifest.offset, 0x300), 0x20)     // recipe digest
            mstore(add(o, 0x260), mload(MEM_K))
            return(o, 0x280)
        }
    }
}
"""


def registration_constants(vk: VerifyingKey) -> dict[str, int]:
    """The values of the template's {{…}} constants for the SRS of ``vk``."""
    if not isinstance(vk, VerifyingKey):
        raise TypeError(f"expected a verifier.hyperkzg.VerifyingKey, got {type(vk).__name__}")
    g1_x, g1_y = g1_affine(vk.g1)
    g2 = encode_g2(vk.g2)
    tau = encode_g2(vk.tau_g2)
    key = vk.to_bytes()
    return {
        "SRS_DIGEST": int.from_bytes(vk.digest(), "big"),
        "MAX_LOG_N": vk.max_log_n,
        "LOG_N_LIMIT": min(vk.max_log_n, MAX_LOG_ROWS),
        **{f"VK_{i}": int.from_bytes(key[32 * i:32 * i + 32], "big") for i in range(VK_BYTES // 32)},
        "G1_X": g1_x, "G1_Y": g1_y,
        **{name: int.from_bytes(g2[32 * i:32 * i + 32], "big")
           for i, name in enumerate(("G2_X1", "G2_X0", "G2_Y1", "G2_Y0"))},
        **{name: int.from_bytes(tau[32 * i:32 * i + 32], "big")
           for i, name in enumerate(("TAU_X1", "TAU_X0", "TAU_Y1", "TAU_Y0"))},
        "R": R_MODULUS,
        "Q": Q_MODULUS,
        "INV2": inverse(2),
        "INV6": inverse(6),
        "REGISTER_INIT": int.from_bytes(keccak256(TRANSCRIPT_DOMAIN + REGISTRATION_LABEL), "big"),
        "MANIFEST_DOMAIN": int.from_bytes(MANIFEST_DOMAIN, "big"), "MANIFEST_DOMAIN_LEN": len(MANIFEST_DOMAIN),
        "CONTRIBUTORS_DOMAIN": int.from_bytes(CONTRIBUTORS_DOMAIN, "big"),
        "CONTRIBUTORS_DOMAIN_LEN": len(CONTRIBUTORS_DOMAIN),
        "MANIFEST_VERSION": MANIFEST_VERSION,
        "PROOF_VERSION": REGISTRATION_VERSION,
        "MAX_COLUMNS": MAX_COLUMNS,
        "MAX_CONTRIBUTORS": MAX_CONTRIBUTORS,
        "MAX_SEGMENTS": MAX_SEGMENTS,
        "MAX_ID_BYTES": MAX_CONTRIBUTOR_ID_BYTES,
        "MAGNITUDE_LIMBS": MAGNITUDE_LIMBS,
        "ADDRESS_BITS": ADDRESS_LIMIT.bit_length() - 1,
        "BASIS_POINTS": BASIS_POINTS,
        "TAIL_LOG": TAIL_LOG,
    }


def registration_contract_source(verifying_key: VerifyingKey) -> str:
    """Solidity source of ``RegistrationVerifier`` for the SRS of ``verifying_key``."""
    return render(TEMPLATE, registration_constants(verifying_key))


# ---- calldata and the returned words -------------------------------------------------------------

def registration_calldata(manifest, proof) -> bytes:
    """ABI calldata of ``verifyRegistration(bytes,bytes)`` for a Manifest and a RegistrationProof (each
    the object or its bytes, passed as they are: malformed bytes are the contract's to refuse)."""
    args = [canonical_bytes(manifest, Manifest), canonical_bytes(proof, RegistrationProof)]
    return selector(VERIFY_REGISTRATION_SIGNATURE) + encode_arguments(["bytes", "bytes"], args)


def decode_registration_output(output: bytes) -> dict:
    """verifyRegistration's twenty returned words as a dict (ok, digest, log_contributors,
    log_columns, num_contributors, aggregate (x, y), terms: 192 bytes, segment, previous: 32 bytes,
    contributor_base, segment_aggregate (x, y), recipe_digest: 32 bytes, num_columns)."""
    if len(output) != 32 * OUTPUT_WORDS:
        raise ValueError(f"verifyRegistration returns {OUTPUT_WORDS} words, got {len(output)} bytes")
    w = [int.from_bytes(output[i:i + 32], "big") for i in range(0, len(output), 32)]
    return {"ok": w[0] == 1, "ok_word": w[0], "digest": output[32:64],
            "log_contributors": w[2], "log_columns": w[3], "num_contributors": w[4],
            "aggregate": (w[5], w[6]), "terms": output[7 * 32:13 * 32],
            "segment": w[13], "previous": output[14 * 32:15 * 32], "contributor_base": w[15],
            "segment_aggregate": (w[16], w[17]), "recipe_digest": output[18 * 32:19 * 32], "num_columns": w[19]}


__all__ = ["VERIFY_REGISTRATION_SIGNATURE", "decode_registration_output", "registration_calldata",
           "registration_constants", "registration_contract_source"]
