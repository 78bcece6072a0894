// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// The verifiers a Settlement relies on, generated for one SRS (attrib.verifier.evm and
/// attrib.verifier.evm_registration): both must be made from the same verifying key.
interface IRegistrationVerifier {
    function SRS_DIGEST() external view returns (bytes32);

    function verifyRegistration(bytes calldata manifest, bytes calldata proof)
        external view
        returns (bool ok, bytes32 digest, uint256 logContributors, uint256 logColumns, uint256 numContributors,
                 uint256[2] memory aggregate, uint256[6] memory terms);
}

interface IEpochVerifier {
    function SRS_DIGEST() external view returns (bytes32);

    function verifyEpoch(bytes32 manifestDigest, uint256 logContributors, uint256 logColumns,
                         uint256[2] calldata aggregate, bytes calldata claim, bytes calldata proof)
        external view returns (bool);

    function verifyBalance(bytes32 manifestDigest, uint256 numContributors, uint256 epoch,
                           uint256[] calldata excluded, uint256[2] calldata commitment, uint256 index, uint256 value,
                           bytes calldata opening)
        external view returns (bool);
}

/// Settles proven epochs of registered datasets and lets contributors withdraw (DESIGN §3b,
/// PROTOCOL-V2 §7 and §11): the attribution protocol's ledger.
///
/// - register: the manifest with its registration proof, sent by the owner the manifest names
///   (its digest binds the owner, the payee Merkle root and the fee layers: attrib.verifier.terms).
///   Stores only what epochs need: the digest, C_G, mC, mk, C, the terms; never the C payees.
/// - settle: by the owner or a settler it named; the claim's seq is the next one; the epoch proof
///   is verified against the stored state; msg.value is the epoch's gross fees V, of which the
///   model owner is owed floor(V * b_model / 10^4), the platform floor(V * b_platform / 10^4), and
///   the rest, the pool, must equal the claim's proven fees; the dust (pool - paid) goes back to
///   the settler.  The epoch's payout commitment C_P is added to the running sum R, and
///   keccak(R_e, C_P) is recorded per epoch: one storage slot.
/// - withdraw: anyone may present a payee's cumulative payout V over epochs 1..e (leaving out
///   epochs whose payouts were never published) with an opening of R_e minus the left-out C_P's at
///   the payee's index, and the payee's Merkle path; the payee receives V - withdrawn, and
///   withdrawn becomes V.
///
/// | a cheat | stopped by |
/// |---|---|
/// | register another's manifest first (front-running) | sender must be the owner bound in the digest |
/// | settle into someone's dataset (front-running) | only the owner or its settlers settle |
/// | settle an epoch twice, or out of order | seq must be the stored seq + 1 (and seq is in the proof) |
/// | a forged split | the epoch proof, verified against the stored digest, mC, mk and C_G |
/// | fees that do not cover the pool | pool(msg.value) must equal the proven fees exactly |
/// | a payout commitment with entries past C (locking withdrawals) | the epoch proof's degree and I5 claims |
/// | withdraw more than earned | the balance opening at bits(c); withdrawn only grows |
/// | withdraw against a state that never was | keccak(R_e, C_P) must equal the recorded hash of epoch e |
/// | leave out a commitment that was never settled | each left-out (R_x, C_P) must match epoch x's hash |
/// | redirect a payee | the Merkle path to the registered root; only the payee changes its address |
/// | a withheld sidecar locking later epochs | a withdrawal may leave epochs out; they stay claimable later, since withdrawn only rises to the largest cumulative value shown |
/// | re-entrancy | state is written before every transfer, and a lock |
/// | a soundness failure in one dataset draining another | each dataset's withdrawals draw on its own proven, unpaid payouts |
/// | verifiers for two different SRSs | the constructor requires one SRS digest |
contract Settlement {
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant BASIS_POINTS = 10_000;
    uint256 internal constant CLAIM_BYTES = 384;
    uint256 internal constant PAYEE_LEAF_TAG = uint256(keccak256("ATTRIB-V2/PAYEE"));

    struct Dataset {
        address owner;
        address modelOwner;
        address platform;
        uint16 modelShareBp;
        uint16 platformShareBp;
        uint8 logContributors;
        uint8 logColumns;
        uint32 numContributors;
        uint64 seq;
        bytes32 payeeRoot;
        uint256[2] aggregate;      // C_G
        uint256[2] running;        // R: the sum of the settled epochs' C_P ((0, 0) = infinity)
        uint256 unpaid;            // proven payouts not yet withdrawn: withdrawals draw on this dataset only
    }

    IRegistrationVerifier public immutable registrationVerifier;
    IEpochVerifier public immutable epochVerifier;

    mapping(bytes32 => Dataset) internal datasets;
    mapping(bytes32 => mapping(address => bool)) public isSettler;
    /// epoch e -> keccak(R_e, C_P of e): one slot per epoch records both the state a withdrawal opens
    /// and the commitment it may leave out
    mapping(bytes32 => mapping(uint256 => bytes32)) public stateHash;
    mapping(bytes32 => mapping(uint256 => uint256)) public withdrawn;       // contributor -> cumulative paid
    mapping(bytes32 => mapping(uint256 => address)) public payeeOverride;   // set by the payee itself
    mapping(address => uint256) public owed;                                // layer shares and dust, pulled
    uint256 private locked = 1;

    event Registered(bytes32 indexed digest, address indexed owner, uint256 contributors, bytes32 payeeRoot,
                     address modelOwner, uint256 modelShareBp, address platform, uint256 platformShareBp);
    event SettlerChanged(bytes32 indexed digest, address indexed settler, bool allowed);
    event Settled(bytes32 indexed digest, uint256 indexed seq, address indexed settler, uint256 inferences,
                  uint256 paid, uint256[2] payoutCommitment, bytes32 stateHash);
    event FeesRouted(bytes32 indexed digest, uint256 indexed seq, uint256 grossFees, uint256 modelShare,
                     uint256 platformShare, uint256 pool, uint256 dust);
    event Withdrawn(bytes32 indexed digest, uint256 indexed contributor, address indexed payee, uint256 epoch,
                    uint256 cumulative, uint256 amount);
    event PayeeChanged(bytes32 indexed digest, uint256 indexed contributor, address from, address to);
    event OwedPaid(address indexed to, uint256 amount);

    error NotOwner();
    error NotSettler();
    error AlreadyRegistered();
    error UnknownDataset();
    error InvalidRegistration();
    error InvalidEpoch();
    error WrongSequence(uint256 expected, uint256 got);
    error WrongFees(uint256 pool, uint256 provenFees);
    error UnknownState();
    error BadExclusions();
    error InvalidBalance();
    error BadPayee();
    error NothingToWithdraw();
    error TransferFailed();
    error Reentrant();
    error VerifiersDiffer();

    modifier nonReentrant() {
        if (locked != 1) revert Reentrant();
        locked = 2;
        _;
        locked = 1;
    }

    constructor(IRegistrationVerifier registration, IEpochVerifier epoch) {
        // both verifiers must be for one SRS, or a manifest registered under one key settles under another
        if (registration.SRS_DIGEST() != epoch.SRS_DIGEST()) revert VerifiersDiffer();
        registrationVerifier = registration;
        epochVerifier = epoch;
    }

    // ---- registration ---------------------------------------------------------------------

    function register(bytes calldata manifest, bytes calldata proof) external returns (bytes32 digest) {
        (bool ok, bytes32 d, uint256 mC, uint256 mK, uint256 c, uint256[2] memory agg, uint256[6] memory terms) =
            registrationVerifier.verifyRegistration(manifest, proof);
        if (!ok) revert InvalidRegistration();
        if (address(uint160(terms[0])) != msg.sender) revert NotOwner();       // the owner bound in the digest
        // the terms' own rules (attrib.verifier.terms.Terms.validate), kept here too: shares within 100 %,
        // and no share without an address to owe it to
        if (terms[3] + terms[5] > BASIS_POINTS || (terms[3] != 0 && terms[2] == 0) || (terms[5] != 0 && terms[4] == 0)) {
            revert InvalidRegistration();
        }
        Dataset storage ds = datasets[d];
        if (ds.owner != address(0)) revert AlreadyRegistered();
        ds.owner = msg.sender;
        ds.payeeRoot = bytes32(terms[1]);
        ds.modelOwner = address(uint160(terms[2]));
        ds.modelShareBp = uint16(terms[3]);
        ds.platform = address(uint160(terms[4]));
        ds.platformShareBp = uint16(terms[5]);
        ds.logContributors = uint8(mC);
        ds.logColumns = uint8(mK);
        ds.numContributors = uint32(c);
        ds.aggregate = agg;
        emit Registered(d, msg.sender, c, ds.payeeRoot, ds.modelOwner, terms[3], ds.platform, terms[5]);
        return d;
    }

    function setSettler(bytes32 digest, address settler, bool allowed) external {
        if (datasets[digest].owner != msg.sender) revert NotOwner();
        isSettler[digest][settler] = allowed;
        emit SettlerChanged(digest, settler, allowed);
    }

    // ---- settlement -----------------------------------------------------------------------

    /// The layer rule of attrib.verifier.terms.split_fees.
    function splitFees(uint256 gross, uint256 modelBp, uint256 platformBp)
        public pure returns (uint256 model, uint256 platform, uint256 pool)
    {
        model = gross * modelBp / BASIS_POINTS;
        platform = gross * platformBp / BASIS_POINTS;
        pool = gross - model - platform;
    }

    function settle(bytes32 digest, bytes calldata claim, bytes calldata proof) external payable nonReentrant {
        Dataset storage ds = datasets[digest];
        if (ds.owner == address(0)) revert UnknownDataset();
        if (msg.sender != ds.owner && !isSettler[digest][msg.sender]) revert NotSettler();
        if (claim.length != CLAIM_BYTES) revert InvalidEpoch();
        uint256 seq = uint256(bytes32(claim[64:96]));
        if (seq != uint256(ds.seq) + 1) revert WrongSequence(uint256(ds.seq) + 1, seq);
        if (bytes32(claim[32:64]) != digest) revert InvalidEpoch();
        if (!epochVerifier.verifyEpoch(digest, ds.logContributors, ds.logColumns, ds.aggregate, claim, proof)) {
            revert InvalidEpoch();
        }
        _record(digest, ds, claim, seq);
    }

    /// The accounting of a verified epoch: the layers, the dust, the running sum and its hash.
    function _record(bytes32 digest, Dataset storage ds, bytes calldata claim, uint256 seq) internal {
        uint256 paid = uint256(bytes32(claim[352:384]));
        _route(digest, ds, uint256(bytes32(claim[320:352])), paid, seq);
        uint256[2] memory cp = [uint256(bytes32(claim[256:288])), uint256(bytes32(claim[288:320]))];
        uint256[2] memory r = ecAdd(ds.running, cp);
        ds.running = r;
        ds.seq = uint64(seq);
        ds.unpaid += paid;
        bytes32 h = keccak256(abi.encodePacked(r[0], r[1], cp[0], cp[1]));
        stateHash[digest][seq] = h;
        emit Settled(digest, seq, msg.sender, uint256(bytes32(claim[96:128])), paid, cp, h);
    }

    /// The fee layers: msg.value is the gross; the pool must be the proven fees; the dust is refunded.
    function _route(bytes32 digest, Dataset storage ds, uint256 fees, uint256 paid, uint256 seq) internal {
        (uint256 model, uint256 platform, uint256 pool) = splitFees(msg.value, ds.modelShareBp, ds.platformShareBp);
        if (pool != fees) revert WrongFees(pool, fees);
        if (paid > fees) revert InvalidEpoch();          // the proof already implies it; kept as a guard
        owed[ds.modelOwner] += model;
        owed[ds.platform] += platform;
        owed[msg.sender] += fees - paid;
        emit FeesRouted(digest, seq, msg.value, model, platform, pool, fees - paid);
    }

    // ---- withdrawals ----------------------------------------------------------------------

    /// The payee of contributor `index`: its own override, else the leaf its Merkle path proves.
    function payeeOf(bytes32 digest, uint256 index, address claimed, bytes32[] calldata path)
        public view returns (address)
    {
        Dataset storage ds = datasets[digest];
        if (ds.owner == address(0)) revert UnknownDataset();
        if (index >= ds.numContributors) revert BadPayee();
        address o = payeeOverride[digest][index];
        if (o != address(0)) return o;
        if (path.length != ds.logContributors || claimed == address(0)) revert BadPayee();
        bytes32 node = keccak256(abi.encode(PAYEE_LEAF_TAG, index, uint256(uint160(claimed))));
        for (uint256 d = 0; d < path.length; d++) {
            node = (index >> d) & 1 == 0 ? keccak256(abi.encodePacked(node, path[d]))
                                         : keccak256(abi.encodePacked(path[d], node));
        }
        if (node != ds.payeeRoot) revert BadPayee();
        return claimed;
    }

    struct Withdrawal {
        uint256 index;          // contributor c
        uint256 epoch;          // the settled epoch e whose running sum is opened
        uint256[] excluded;     // epochs left out (strictly increasing, in [1, e])
        uint256[4][] excludedStates;  // for each: its (R_x, C_P of x), as recorded
        uint256[4] state;       // (R_e, C_P of e), as recorded
        uint256 cumulative;     // V: c's payout summed over 1..e minus the excluded epochs
        address payee;          // the payee the Merkle path proves (ignored when the payee changed it)
        bytes32[] path;
        bytes opening;          // attrib.verifier.payouts.BalanceOpening
    }

    function withdraw(bytes32 digest, Withdrawal calldata w) external nonReentrant returns (uint256 amount) {
        Dataset storage ds = datasets[digest];
        address payee = payeeOf(digest, w.index, w.payee, w.path);
        if (w.epoch == 0 || w.epoch > ds.seq) revert UnknownState();
        if (keccak256(abi.encodePacked(w.state)) != stateHash[digest][w.epoch]) revert UnknownState();
        uint256[2] memory commitment = [w.state[0], w.state[1]];
        if (w.excludedStates.length != w.excluded.length) revert BadExclusions();
        uint256 previous = 0;
        for (uint256 i = 0; i < w.excluded.length; i++) {
            uint256 x = w.excluded[i];
            if (x <= previous || x > w.epoch) revert BadExclusions();
            previous = x;
            if (keccak256(abi.encodePacked(w.excludedStates[i])) != stateHash[digest][x]) revert UnknownState();
            commitment = ecAdd(commitment, negate([w.excludedStates[i][2], w.excludedStates[i][3]]));
        }
        if (!epochVerifier.verifyBalance(digest, ds.numContributors, w.epoch, w.excluded, commitment, w.index,
                                         w.cumulative, w.opening)) {
            revert InvalidBalance();
        }
        uint256 already = withdrawn[digest][w.index];
        if (w.cumulative <= already) revert NothingToWithdraw();
        amount = w.cumulative - already;
        withdrawn[digest][w.index] = w.cumulative;
        ds.unpaid -= amount;        // checked: a dataset never pays out more than its epochs proved
        emit Withdrawn(digest, w.index, payee, w.epoch, w.cumulative, amount);
        _pay(payee, amount);
    }

    /// The payee itself moves its payouts to another address (its transaction is its signature).
    function changePayee(bytes32 digest, uint256 index, bytes32[] calldata path, address to) external {
        address current = payeeOf(digest, index, msg.sender, path);
        if (current != msg.sender || to == address(0)) revert BadPayee();
        payeeOverride[digest][index] = to;
        emit PayeeChanged(digest, index, current, to);
    }

    function withdrawOwed() external nonReentrant returns (uint256 amount) {
        amount = owed[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        owed[msg.sender] = 0;
        emit OwedPaid(msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// Send `amount` wei without copying back what the recipient returns (a recipient contract
    /// cannot make the sender pay for a large return).
    function _pay(address to, uint256 amount) internal {
        bool sent;
        assembly ("memory-safe") {
            sent := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!sent) revert TransferFailed();
    }

    // ---- views ----------------------------------------------------------------------------

    function dataset(bytes32 digest) external view returns (Dataset memory) {
        return datasets[digest];
    }

    // ---- G1 -------------------------------------------------------------------------------

    function ecAdd(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory out) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mload(add(a, 0x20)))
            mstore(add(m, 0x40), mload(b))
            mstore(add(m, 0x60), mload(add(b, 0x20)))
            ok := staticcall(gas(), 0x06, m, 0x80, out, 0x40)
        }
        if (!ok) revert InvalidEpoch();
    }

    function negate(uint256[2] memory a) internal pure returns (uint256[2] memory) {
        if (a[0] == 0 && a[1] == 0) return a;
        return [a[0], P - a[1]];
    }
}
