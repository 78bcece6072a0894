// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// The verifiers a Settlement relies on, generated for one SRS (attrib.verifier.evm and
/// attrib.verifier.evm_registration): both must be made from the same verifying key.
interface IRegistrationVerifier {
    /// verifyRegistration's twenty words (every member static: ABI-encoded inline), all zero on a refusal.
    struct Registration {
        bool ok;
        bytes32 digest;                // the manifest's digest: this version's
        uint256 logContributors;       // mC, C and C_G are the dataset's at this version
        uint256 logColumns;
        uint256 numContributors;
        uint256[2] aggregate;
        uint256[6] terms;              // owner, this segment's payee root, model owner, model bp, platform, platform bp
        uint256 segment;               // 0: a registration; s >= 1: an append
        bytes32 previous;              // the version it extends (zero in segment 0)
        uint256 contributorBase;       // the first contributor it introduces
        uint256[2] segmentAggregate;   // C_dG, what its proof shows is its own rows' aggregate
        bytes32 recipeDigest;
        uint256 numColumns;
    }

    function SRS_DIGEST() external view returns (bytes32);

    function verifyRegistration(bytes calldata manifest, bytes calldata proof)
        external view returns (Registration memory);
}

interface IEpochVerifier {
    function SRS_DIGEST() external view returns (bytes32);

    function verifyEpoch(bytes32 manifestDigest, uint256 logContributors, uint256 logColumns,
                         uint256[2] calldata aggregate, bytes calldata claim, bytes calldata proof)
        external view returns (bool);

    /// `datasetId`: the dataset's id (its segment 0's digest); `numContributors`: its current C; `excluded`:
    /// the ranges (first, last) of epochs left out, in order and apart.
    function verifyBalance(bytes32 datasetId, uint256 numContributors, uint256 epoch,
                           uint256[2][] calldata excluded, uint256[2] calldata commitment, uint256 index,
                           uint256 value, bytes calldata opening)
        external view returns (bool);
}

/// Settles proven epochs of registered datasets and lets contributors withdraw (DESIGN §3b,
/// PROTOCOL-V2 §7 and §11): the attribution protocol's ledger.  A dataset grows by segments
/// (attrib.verifier.registration: segment 0 is its registration, each later one an append).
///
/// A dataset is identified by its id: the manifest digest of its segment 0, for ever.  Each version
/// has its own digest; `datasetOf[version digest]` gives the id (the id maps to itself), and the
/// dataset's state keeps its current version's digest, mC, C, k and C_G.  Settlers, epochs, balances,
/// payee changes and every event are keyed by the id, so that nothing is lost when the dataset grows.
///
/// - register: segment 0 with its registration proof, sent by the owner the manifest names (its
///   digest binds the owner, the payee Merkle root and the fee layers: attrib.verifier.terms).
///   Stores only what epochs need: the digest, C_G, mC, mk, k, C, the recipe digest, the terms and
///   the payee root of the contributors [0, C); never the C payees.
/// - append: the next segment with its own proof (of C_dG, its rows' aggregate), sent by the
///   dataset's owner.  The ledger checks the link the proof does not (verifier.registration.follows):
///   it names the current version as its previous, it is segment stored + 1, its base is the stored
///   C, it keeps k, the recipe, the owner and the fee layers, and its C_G = stored C_G + C_dG (ecAdd).
///   The new digest, C, mC and C_G replace the stored ones; the segment's payee root is recorded for
///   its new contributors [base, C) beside the earlier roots, which never change.
/// - settle: by the owner or a settler it named; the claim's seq is the next one and it names the
///   current version; the epoch proof is verified against the current digest, mC, mk and C_G;
///   msg.value is the epoch's gross fees V, of which the model owner is owed floor(V * b_model /
///   10^4), the platform floor(V * b_platform / 10^4), and the rest, the pool, must equal the claim's
///   proven fees; the dust (pool - paid) goes back to the settler.  The epoch's payout commitment C_P
///   is added to the running sum R, and keccak(R_e) is recorded per epoch: one storage slot.
/// - withdraw: anyone may present a payee's cumulative payout V over epochs 1..e (leaving out
///   ranges of epochs whose payouts were never published) with an opening of W at the payee's index,
///   and the payee's Merkle path in the root of the segment that introduced the contributor; the
///   payee receives V - withdrawn, and withdrawn becomes V.  W = R_e - sum over the ranges [a, b] left
///   out of (R_b - R_{a-1}), each R given in calldata and checked against its recorded hash (R_0 is the
///   point at infinity): a range of any length costs two hashes and two ecAdds, so withheld sidecars
///   never make a withdrawal expensive.  The opening is bound to the dataset's id, not to a version:
///   it stays valid when the dataset grows.  Its n variables are those of the version it was made at;
///   any n with index < 2^n <= 2^(current mC) is taken: every C_P has coefficients only below the C of
///   the version it settled under (its degree and I5 claims), versions only grow, so W is a table below
///   the C of its last included epoch's version, and an opening of it with n variables exists only if
///   its coefficients fit in 2^n (the opening's folds must end in a 2^m-value tail); then the value at
///   bits(c) is c's entry.
///
/// | a cheat | stopped by |
/// |---|---|
/// | register another's manifest first (front-running) | sender must be the owner bound in the digest |
/// | register an append as a new dataset (its rows' aggregate alone) | register takes segment 0 only |
/// | append to someone else's dataset | sender must be the stored owner, and the terms' owner too |
/// | append to an older version (a fork, or a replay of an append already made) | previous must be the current digest |
/// | an append that renumbers or skips contributors | its base must be the stored C (and the segment stored + 1) |
/// | an append that adds to C_G more than its rows' aggregate | C_G must be the stored C_G + C_dG, C_dG proven by the verifier |
/// | an append that changes k, the recipe, the owner or the fee layers | each compared with the stored value |
/// | an append's payee root redirecting an earlier contributor | a segment's root names only the contributors [base, C) it introduced |
/// | settle into someone's dataset (front-running) | only the owner or its settlers settle |
/// | settle an epoch twice, or out of order | seq must be the stored seq + 1 (and seq is in the proof) |
/// | settle an epoch proven for an older version | the claim must name the current digest; verified against its C_G |
/// | a forged split | the epoch proof, verified against the stored digest, mC, mk and C_G |
/// | fees that do not cover the pool | pool(msg.value) must equal the proven fees exactly |
/// | a payout commitment with entries past C (locking withdrawals) | the epoch proof's degree and I5 claims |
/// | withdraw more than earned | the balance opening at bits(c); withdrawn only grows |
/// | withdraw against a state that never was | keccak(R_e) must equal the recorded hash of epoch e |
/// | leave out a sum that was never settled (a forged range end) | each range's R_{a-1} and R_b must match their recorded hashes (R_0 = infinity) |
/// | ranges that overlap, touch, run backwards, are out of order or go past e | first >= previous last + 2, first <= last <= e (here and in the verifier) |
/// | an opening replayed on another dataset | the verifier absorbs the dataset's id |
/// | an opening made before an append (older n), replayed after it | nothing to stop: it is still true (same id, same W) |
/// | an n that cuts bits(c) to another contributor's, or no version had | index < 2^n <= 2^(current mC), in the verifier |
/// | redirect a payee | the Merkle path to the root of its segment; only the payee changes its address |
/// | a withheld sidecar locking later epochs | a withdrawal may leave epochs out; they stay claimable later, since withdrawn only rises to the largest cumulative value shown |
/// | many withheld sidecars making withdrawals expensive | epochs are left out by ranges: two recorded states per range, whatever its length |
/// | re-entrancy | state is written before every transfer, and a lock |
/// | a soundness failure in one dataset draining another | each dataset's withdrawals draw on its own proven, unpaid payouts |
/// | verifiers for two different SRSs | the constructor requires one SRS digest |
contract Settlement {
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 internal constant BASIS_POINTS = 10_000;
    uint256 internal constant CLAIM_BYTES = 384;
    uint256 internal constant PAYEE_LEAF_TAG = uint256(keccak256("ATTRIB-V2/PAYEE"));

    /// Packed so that a withdrawal reads two slots (owner and unpaid; seq and C) and a settlement eight.
    struct Dataset {
        address owner;
        uint96 unpaid;             // proven payouts not yet withdrawn: withdrawals draw on this dataset only
        address modelOwner;
        uint64 seq;
        uint32 numContributors;    // mC, C, C_G: the current version's
        address platform;
        uint16 modelShareBp;
        uint16 platformShareBp;
        uint8 logContributors;
        uint8 logColumns;
        uint32 segment;            // the current version's segment (0: as registered)
        uint32 numColumns;         // k (kept by every append)
        bytes32 current;           // the current version's manifest digest (the id itself until an append)
        bytes32 recipe;            // the feature recipe's digest (kept by every append)
        uint256[2] aggregate;      // C_G
        uint256[2] running;        // R: the sum of the settled epochs' C_P ((0, 0) = infinity)
    }

    /// A contributor's withdrawals: the cumulative amount paid, and the address the payee moved its payouts
    /// to (zero: the one its segment's Merkle root names); one slot.
    struct Balance {
        address payeeOverride;
        uint96 withdrawn;
    }

    /// The payee root of one segment: it names the payees of the contributors [base, end) it introduced.
    struct Segment {
        bytes32 payeeRoot;
        uint32 base;
        uint32 end;                // C after the segment
        uint8 depth;               // mC after the segment: the tree's depth
    }

    IRegistrationVerifier public immutable registrationVerifier;
    IEpochVerifier public immutable epochVerifier;

    mapping(bytes32 => Dataset) internal datasets;                          // by id
    /// every registered version's digest -> its dataset's id (the digest of segment 0)
    mapping(bytes32 => bytes32) public datasetOf;
    /// id -> segment s -> its payee root, written once
    mapping(bytes32 => mapping(uint256 => Segment)) public segments;
    mapping(bytes32 => mapping(address => bool)) public isSettler;
    /// epoch e -> keccak(R_e): one slot per epoch records the state a withdrawal opens and the ends of
    /// the ranges it may leave out
    mapping(bytes32 => mapping(uint256 => bytes32)) public stateHash;
    mapping(bytes32 => mapping(uint256 => Balance)) internal balances;      // contributor -> its Balance
    mapping(address => uint256) public owed;                                // layer shares and dust, pulled
    bool private transient locked;

    // `digest` in the events below is the dataset's id (the digest of its segment 0).
    event Registered(bytes32 indexed digest, address indexed owner, uint256 contributors, bytes32 payeeRoot,
                     address modelOwner, uint256 modelShareBp, address platform, uint256 platformShareBp);
    event Appended(bytes32 indexed digest, bytes32 indexed version, uint256 indexed segment, bytes32 previous,
                   uint256 base, uint256 contributors, bytes32 payeeRoot, uint256 payeeDepth);
    event SettlerChanged(bytes32 indexed digest, address indexed settler, bool allowed);
    event Settled(bytes32 indexed digest, uint256 indexed seq, address indexed settler, uint256 inferences,
                  uint256 paid, uint256[2] payoutCommitment, bytes32 stateHash, bytes32 version);
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
    error WrongSegment(uint256 expected, uint256 got);
    error StaleVersion(bytes32 current, bytes32 named);
    error WrongBase(uint256 expected, uint256 got);
    error ColumnsChanged();
    error RecipeChanged();
    error TermsChanged();
    error WrongAggregate();
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
    error TooLarge();

    modifier nonReentrant() {
        if (locked) revert Reentrant();
        locked = true;
        _;
        locked = false;
    }

    constructor(IRegistrationVerifier registration, IEpochVerifier epoch) {
        // both verifiers must be for one SRS, or a manifest registered under one key settles under another
        if (registration.SRS_DIGEST() != epoch.SRS_DIGEST()) revert VerifiersDiffer();
        registrationVerifier = registration;
        epochVerifier = epoch;
    }

    // ---- registration and appends -----------------------------------------------------------

    function register(bytes calldata manifest, bytes calldata proof) external returns (bytes32 digest) {
        IRegistrationVerifier.Registration memory v = registrationVerifier.verifyRegistration(manifest, proof);
        if (!v.ok) revert InvalidRegistration();
        if (v.segment != 0) revert WrongSegment(0, v.segment);              // an append registered as a dataset
        uint256[6] memory terms = v.terms;
        if (address(uint160(terms[0])) != msg.sender) revert NotOwner();       // the owner bound in the digest
        // the terms' own rules (attrib.verifier.terms.Terms.validate), kept here too: shares within 100 %,
        // and no share without an address to owe it to
        if (terms[3] + terms[5] > BASIS_POINTS || (terms[3] != 0 && terms[2] == 0) || (terms[5] != 0 && terms[4] == 0)) {
            revert InvalidRegistration();
        }
        digest = v.digest;
        if (datasetOf[digest] != bytes32(0)) revert AlreadyRegistered();
        datasetOf[digest] = digest;
        Dataset storage ds = datasets[digest];
        ds.owner = msg.sender;
        ds.modelOwner = address(uint160(terms[2]));
        ds.modelShareBp = uint16(terms[3]);
        ds.platform = address(uint160(terms[4]));
        ds.platformShareBp = uint16(terms[5]);
        ds.logContributors = uint8(v.logContributors);
        ds.logColumns = uint8(v.logColumns);
        ds.numContributors = uint32(v.numContributors);
        ds.numColumns = uint32(v.numColumns);
        ds.current = digest;
        ds.recipe = v.recipeDigest;
        ds.aggregate = v.aggregate;
        segments[digest][0] = Segment(bytes32(terms[1]), 0, uint32(v.numContributors), uint8(v.logContributors));
        emit Registered(digest, msg.sender, v.numContributors, bytes32(terms[1]), ds.modelOwner, terms[3], ds.platform,
                        terms[5]);
    }

    /// The next segment of a dataset (attrib.prover.Prover.append), sent by its owner: the verifier checks
    /// the segment's own proof, this function its link to the current version (verifier.registration.follows).
    function append(bytes calldata manifest, bytes calldata proof) external returns (bytes32 digest) {
        IRegistrationVerifier.Registration memory v = registrationVerifier.verifyRegistration(manifest, proof);
        if (!v.ok) revert InvalidRegistration();
        bytes32 id = datasetOf[v.previous];                                 // zero for segment 0 (previous = 0)
        if (id == bytes32(0)) revert UnknownDataset();
        Dataset storage ds = datasets[id];
        if (msg.sender != ds.owner) revert NotOwner();
        // the version it extends must be the current one: no fork, no second append on one version
        if (v.previous != ds.current) revert StaleVersion(ds.current, v.previous);
        if (v.segment != uint256(ds.segment) + 1) revert WrongSegment(uint256(ds.segment) + 1, v.segment);
        // its new contributors follow the stored ones: none renumbered, none skipped
        if (v.contributorBase != ds.numContributors) revert WrongBase(ds.numContributors, v.contributorBase);
        if (v.numColumns != ds.numColumns) revert ColumnsChanged();           // G's layout (j + 2^mk c) kept
        if (v.recipeDigest != ds.recipe) revert RecipeChanged();             // features made alike
        uint256[6] memory terms = v.terms;
        // the owner and the fee layers are kept; only the payee root is the segment's own
        if (address(uint160(terms[0])) != ds.owner || address(uint160(terms[2])) != ds.modelOwner
            || terms[3] != ds.modelShareBp || address(uint160(terms[4])) != ds.platform
            || terms[5] != ds.platformShareBp) revert TermsChanged();
        // C_G = C_G(previous) + C_dG: the dataset's aggregate grows by exactly the proven aggregate of these rows
        uint256[2] memory sum = ecAdd(ds.aggregate, v.segmentAggregate);
        if (sum[0] != v.aggregate[0] || sum[1] != v.aggregate[1]) revert WrongAggregate();
        digest = v.digest;
        if (datasetOf[digest] != bytes32(0)) revert AlreadyRegistered();
        datasetOf[digest] = id;
        ds.current = digest;
        ds.segment = uint32(v.segment);
        ds.numContributors = uint32(v.numContributors);
        ds.logContributors = uint8(v.logContributors);
        ds.aggregate = v.aggregate;
        segments[id][v.segment] = Segment(bytes32(terms[1]), uint32(v.contributorBase), uint32(v.numContributors),
                                          uint8(v.logContributors));
        emit Appended(id, digest, v.segment, v.previous, v.contributorBase, v.numContributors, bytes32(terms[1]),
                      v.logContributors);
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

    /// Settle the next epoch of dataset `digest` (its id): the claim must name the current version.
    function settle(bytes32 digest, bytes calldata claim, bytes calldata proof) external payable nonReentrant {
        Dataset storage ds = datasets[digest];
        if (ds.owner == address(0)) revert UnknownDataset();
        if (msg.sender != ds.owner && !isSettler[digest][msg.sender]) revert NotSettler();
        if (claim.length != CLAIM_BYTES) revert InvalidEpoch();
        uint256 seq = uint256(bytes32(claim[64:96]));
        if (seq != uint256(ds.seq) + 1) revert WrongSequence(uint256(ds.seq) + 1, seq);
        bytes32 current = ds.current;
        // an epoch proven for an older version (its C_G lacks the appended rows), or for another dataset
        if (bytes32(claim[32:64]) != current) revert StaleVersion(current, bytes32(claim[32:64]));
        if (!epochVerifier.verifyEpoch(current, ds.logContributors, ds.logColumns, ds.aggregate, claim, proof)) {
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
        _credit(ds, paid);
        bytes32 h = keccak256(abi.encodePacked(r[0], r[1]));
        stateHash[digest][seq] = h;
        emit Settled(digest, seq, msg.sender, uint256(bytes32(claim[96:128])), paid, cp, h, ds.current);
    }

    /// unpaid += paid: 96 bits, 7.9e28 wei outstanding per dataset (every ether ever minted is below 2^87 wei).
    function _credit(Dataset storage ds, uint256 paid) internal {
        uint256 unpaid = uint256(ds.unpaid) + paid;
        if (unpaid > type(uint96).max) revert TooLarge();
        ds.unpaid = uint96(unpaid);
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

    /// The payee of contributor `index`: its own override, else the leaf its Merkle path proves in the
    /// payee root of `segment`, the segment that introduced the contributor.
    function payeeOf(bytes32 digest, uint256 index, uint256 segment, address claimed, bytes32[] calldata path)
        public view returns (address)
    {
        Dataset storage ds = datasets[digest];
        if (ds.owner == address(0)) revert UnknownDataset();
        if (index >= ds.numContributors) revert BadPayee();
        address o = balances[digest][index].payeeOverride;
        if (o != address(0)) return o;
        return _payeeInRoot(digest, index, segment, claimed, path);
    }

    /// The leaf (index, claimed) proven by `path` in the payee root of `segment`, which must have introduced
    /// contributor `index` (a segment not yet appended is empty: base = end = 0, so no index is in it).
    function _payeeInRoot(bytes32 digest, uint256 index, uint256 segment, address claimed, bytes32[] calldata path)
        internal view returns (address)
    {
        Segment storage s = segments[digest][segment];
        // a segment's root names only the contributors it introduced: an appender's root cannot redirect
        // the payouts of an earlier contributor (its leaf there is the appender's to choose)
        if (index < s.base || index >= s.end) revert BadPayee();
        if (path.length != s.depth || claimed == address(0)) revert BadPayee();
        bytes32 node = keccak256(abi.encode(PAYEE_LEAF_TAG, index, uint256(uint160(claimed))));
        assembly ("memory-safe") {
            // up the path in the scratch words: keccak(node || sibling) for a 0 bit of the index, else the reverse
            for { let d := 0 } lt(d, path.length) { d := add(d, 1) } {
                let sibling := calldataload(add(path.offset, shl(5, d)))
                let right := and(shr(d, index), 1)
                mstore(shl(5, right), node)
                mstore(shl(5, xor(right, 1)), sibling)
                node := keccak256(0x00, 0x40)
            }
        }
        if (node != s.payeeRoot) revert BadPayee();
        return claimed;
    }

    struct Withdrawal {
        uint256 index;          // contributor c
        uint256 epoch;          // the settled epoch e whose running sum is opened
        uint256[2][] excluded;  // ranges (first, last) of epochs left out: in order, apart, within [1, e]
        uint256[4][] excludedStates;  // for each range: (R_{first-1}, R_last), as recorded (R_0 = (0, 0))
        uint256[2] state;       // R_e, as recorded
        uint256 cumulative;     // V: c's payout summed over 1..e minus the excluded ranges
        address payee;          // the payee the Merkle path proves (ignored when the payee changed it)
        uint256 segment;        // the segment that introduced contributor c: its payee root holds the leaf
        bytes32[] path;
        bytes opening;          // attrib.verifier.payouts.BalanceOpening
    }

    function withdraw(bytes32 digest, Withdrawal calldata w) external nonReentrant returns (uint256 amount) {
        Dataset storage ds = datasets[digest];
        if (ds.owner == address(0)) revert UnknownDataset();
        if (w.index >= ds.numContributors) revert BadPayee();
        Balance memory balance = balances[digest][w.index];
        address payee = balance.payeeOverride != address(0) ? balance.payeeOverride
                                                             : _payeeInRoot(digest, w.index, w.segment, w.payee, w.path);
        _verifyBalance(digest, ds, w);
        if (w.cumulative <= balance.withdrawn) revert NothingToWithdraw();
        if (w.cumulative > type(uint96).max) revert TooLarge();     // more than any dataset can have been paid
        amount = w.cumulative - balance.withdrawn;
        // checked: a dataset never pays out more than its epochs proved
        ds.unpaid = uint96(uint256(ds.unpaid) - amount);
        balances[digest][w.index] = Balance(balance.payeeOverride, uint96(w.cumulative));
        emit Withdrawn(digest, w.index, payee, w.epoch, w.cumulative, amount);
        _pay(payee, amount);
    }

    /// The withdrawal's opening, against W formed from the recorded states (_opened).
    function _verifyBalance(bytes32 digest, Dataset storage ds, Withdrawal calldata w) internal view {
        if (w.epoch == 0 || w.epoch > ds.seq) revert UnknownState();
        // the opening is bound to the dataset's id (no append changes it) and taken for any n variables with
        // index < 2^n <= 2^(current mC) (every C_P has coefficients only below the C it settled under)
        if (!epochVerifier.verifyBalance(digest, ds.numContributors, w.epoch, w.excluded, _opened(digest, w), w.index,
                                         w.cumulative, w.opening)) {
            revert InvalidBalance();
        }
    }

    /// W = R_e - sum over the ranges [a, b] left out of (R_b - R_{a-1}), each R checked against its recorded hash.
    function _opened(bytes32 digest, Withdrawal calldata w) internal view returns (uint256[2] memory commitment) {
        commitment = w.state;
        _checkState(digest, w.epoch, commitment);
        if (w.excludedStates.length != w.excluded.length) revert BadExclusions();
        uint256 floor = 1;                      // the least first epoch the next range may have
        for (uint256 i = 0; i < w.excluded.length; i++) {
            uint256 first = w.excluded[i][0];
            uint256 last = w.excluded[i][1];
            if (first < floor || first > last || last > w.epoch) revert BadExclusions();
            floor = last + 2;                   // ranges that touch are one range
            uint256[2] memory start = [w.excludedStates[i][0], w.excludedStates[i][1]];
            uint256[2] memory end = [w.excludedStates[i][2], w.excludedStates[i][3]];
            _checkState(digest, first - 1, start);
            _checkState(digest, last, end);
            // W -= R_last - R_{first-1}: the range's C_P's, whatever its length
            commitment = ecAdd(ecAdd(commitment, start), negate(end));
        }
    }

    /// R as recorded for epoch e (e <= seq): keccak(R) is its state hash; R_0 is the point at infinity.
    function _checkState(bytes32 digest, uint256 e, uint256[2] memory r) internal view {
        if (e == 0 ? (r[0] != 0 || r[1] != 0) : keccak256(abi.encodePacked(r[0], r[1])) != stateHash[digest][e]) {
            revert UnknownState();
        }
    }

    /// The payee itself moves its payouts to another address (its transaction is its signature).
    function changePayee(bytes32 digest, uint256 index, uint256 segment, bytes32[] calldata path, address to) external {
        address current = payeeOf(digest, index, segment, msg.sender, path);
        if (current != msg.sender || to == address(0)) revert BadPayee();
        balances[digest][index].payeeOverride = to;
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

    /// A dataset's state, by its id (`datasetOf` maps any version's digest to it).
    function dataset(bytes32 digest) external view returns (Dataset memory) {
        return datasets[digest];
    }

    /// What contributor `index` of dataset `digest` has withdrawn, in all.
    function withdrawn(bytes32 digest, uint256 index) external view returns (uint256) {
        return balances[digest][index].withdrawn;
    }

    /// The address contributor `index`'s payee moved its payouts to (zero: none).
    function payeeOverride(bytes32 digest, uint256 index) external view returns (address) {
        return balances[digest][index].payeeOverride;
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
