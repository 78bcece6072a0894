// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// The verifier this contract relies on (verifier/contracts/AttributionVerifier.sol).
interface IAttributionVerifier {
    function verify(bytes calldata manifest, bytes calldata claim, bytes calldata proof) external view returns (bool);
}

/// @title Settlement: registered datasets, verified epochs, payouts held for withdrawal.
/// @notice A dataset owner registers a manifest (stored by its digest) with one payee address per
///         contributor. Anyone may then settle an epoch of that dataset: they send the epoch's fees
///         (Σ_t F_t wei) with the manifest, claim and proof; the AttributionVerifier checks them, the
///         claimed payouts are credited to the contributors (by manifest digest and contributor index)
///         and the undistributed dust goes back to the sender. An epoch (manifest digest, claim) settles
///         once. Each payee withdraws what its contributor is owed.
/// @dev Byte layouts are those of verifier.messages (Manifest.to_bytes, Claim.to_bytes), 32-byte words.
contract Settlement {
    /// verifier.messages.MANIFEST_DOMAIN
    bytes18 private constant MANIFEST_DOMAIN = "ATTRIB-V1/MANIFEST";
    /// Manifest words before the offsets: version, verifying key (12), log_rows, num_rows,
    /// num_columns (word 15), num_contributors (word 16), contributors hash.
    uint256 private constant MANIFEST_HEADER_WORDS = 18;
    /// Claim words before the queries: version, T, k, C.
    uint256 private constant CLAIM_HEADER_WORDS = 4;

    IAttributionVerifier public immutable verifier;

    struct Dataset {
        address owner;
        address[] payees;
    }

    mapping(bytes32 digest => Dataset) private datasets;
    mapping(bytes32 epoch => bool) public settled;
    mapping(bytes32 digest => mapping(uint256 contributor => uint256 amount)) public owed;

    event Registered(bytes32 indexed digest, address indexed owner, uint256 contributors);
    event Settled(bytes32 indexed digest, bytes32 indexed epoch, uint256 paid, uint256 refunded);
    event Withdrawn(bytes32 indexed digest, uint256 indexed contributor, address payee, uint256 amount);

    error MalformedManifest();
    error AlreadyRegistered(bytes32 digest);
    error WrongPayees(uint256 expected, uint256 given);
    error UnknownManifest(bytes32 digest);
    error AlreadySettled(bytes32 epoch);
    error InvalidProof();
    error WrongFees(uint256 expected, uint256 sent);
    error NothingOwed();
    error NotPayee();
    error TransferFailed();

    constructor(IAttributionVerifier verifier_) {
        verifier = verifier_;
    }

    /// keccak256(MANIFEST_DOMAIN ‖ digest_preimage) (Manifest.digest) and the number of contributors.
    function manifestDigest(bytes calldata manifest) public pure returns (bytes32 digest, uint256 contributors) {
        if (manifest.length < MANIFEST_HEADER_WORDS * 32) revert MalformedManifest();
        uint256 columns = _word(manifest, 15);
        contributors = _word(manifest, 16);
        if (columns > 1 << 20 || contributors > 1 << 32) revert MalformedManifest();
        // the preimage: the header, C + 1 offsets, k + 1 commitments of two words
        uint256 words = MANIFEST_HEADER_WORDS + (contributors + 1) + 2 * (columns + 1);
        if (manifest.length < words * 32) revert MalformedManifest();
        digest = keccak256(abi.encodePacked(MANIFEST_DOMAIN, manifest[:words * 32]));
    }

    /// Register a dataset: the caller becomes its owner; payees[c] is paid for contributor c.
    function register(bytes calldata manifest, address[] calldata payees) external returns (bytes32 digest) {
        uint256 contributors;
        (digest, contributors) = manifestDigest(manifest);
        if (datasets[digest].owner != address(0)) revert AlreadyRegistered(digest);
        if (payees.length != contributors) revert WrongPayees(contributors, payees.length);
        datasets[digest] = Dataset(msg.sender, payees);
        emit Registered(digest, msg.sender, contributors);
    }

    /// The owner and payees of a registered manifest (owner 0 when unknown).
    function dataset(bytes32 digest) external view returns (address owner, address[] memory payees) {
        Dataset storage d = datasets[digest];
        return (d.owner, d.payees);
    }

    /// Settle one epoch: msg.value must be the claim's Σ fees; payouts are credited, dust refunded.
    function settle(bytes calldata manifest, bytes calldata claim, bytes calldata proof)
        external
        payable
        returns (bytes32 epoch)
    {
        (bytes32 digest,) = manifestDigest(manifest);
        if (datasets[digest].owner == address(0)) revert UnknownManifest(digest);
        epoch = keccak256(abi.encode(digest, keccak256(claim)));
        if (settled[epoch]) revert AlreadySettled(epoch);
        if (!verifier.verify(manifest, claim, proof)) revert InvalidProof();
        // the claim is well formed now: T, k, C, then Q (T·k words), F (T), A (C·T), payouts (C)
        uint256 queries = _word(claim, 1);
        uint256 contributors = _word(claim, 3);
        uint256 fees = CLAIM_HEADER_WORDS + queries * _word(claim, 2);
        uint256 payouts = fees + queries + contributors * queries;
        uint256 total;
        for (uint256 t = 0; t < queries; t++) {
            total += _word(claim, fees + t);
        }
        if (msg.value != total) revert WrongFees(total, msg.value);
        settled[epoch] = true;
        uint256 paid;
        for (uint256 c = 0; c < contributors; c++) {
            uint256 amount = _word(claim, payouts + c);
            owed[digest][c] += amount;
            paid += amount;
        }
        uint256 refund = total - paid;
        emit Settled(digest, epoch, paid, refund);
        if (refund > 0) {
            (bool ok,) = msg.sender.call{value: refund}("");
            if (!ok) revert TransferFailed();
        }
    }

    /// Pay contributor `contributor` of a dataset what it is owed; only its payee may call.
    function withdraw(bytes32 digest, uint256 contributor) external {
        Dataset storage d = datasets[digest];
        if (contributor >= d.payees.length || msg.sender != d.payees[contributor]) revert NotPayee();
        uint256 amount = owed[digest][contributor];
        if (amount == 0) revert NothingOwed();
        owed[digest][contributor] = 0;
        emit Withdrawn(digest, contributor, msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function _word(bytes calldata data, uint256 index) private pure returns (uint256) {
        return uint256(bytes32(data[index * 32:index * 32 + 32]));
    }
}
