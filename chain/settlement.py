"""The Settlement contract and its verifiers on a JSON-RPC chain: deploy, register, append, settle, withdraw.

``contracts(verifying_key)`` compiles the three contracts for one SRS: the registration and
epoch verifiers generated for its key (attrib.verifier.evm_registration, attrib.verifier.evm) and
``contracts/Settlement.sol``.  ``Deployment`` records where they live (a JSON file the command line
reads back).  The other functions take an ``attrib.chain.rpc.RpcClient``: they work on anvil and on
any other JSON-RPC endpoint.

A dataset grows by segments (``Prover.append``): on chain it keeps one id, the digest of its segment
0, and ``datasetOf(digest)`` maps any of its versions' digests to it.  The functions below take the
manifest of the version at hand (the current one, for ``settle``; for ``withdraw`` any version no older
than the one its last included epoch settled under) and look the id up.  A withdrawal's balance opening
is bound to the id, not to a version, so an append does not make pending openings stale; it leaves
out withheld epochs by ranges (two recorded states each, whatever their length).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from attrib.chain.evm import Artifact, compile_solidity
from attrib.verifier.encoding import g1_affine, g1_from_affine

SETTLEMENT_SOURCE = Path(__file__).resolve().parent / "contracts" / "Settlement.sol"


def contracts(verifying_key) -> dict[str, Artifact]:
    """RegistrationVerifier, EpochVerifier and Settlement compiled for ``verifying_key``'s SRS."""
    from attrib.verifier.evm import contract_source
    from attrib.verifier.evm_registration import registration_contract_source

    sources = {"RegistrationVerifier.sol": registration_contract_source(verifying_key),
               "EpochVerifier.sol": contract_source(verifying_key),
               "Settlement.sol": SETTLEMENT_SOURCE.read_text()}
    artifacts = compile_solidity(sources)
    return {name: artifacts[name] for name in ("RegistrationVerifier", "EpochVerifier", "Settlement")}


def address_word(address: str) -> bytes:
    return int(address, 16).to_bytes(32, "big")


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    settlement: str
    registration_verifier: str
    epoch_verifier: str
    srs_digest: str

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path) -> Deployment:
        try:
            return cls(**json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not a deployment file ({exc})") from None


def deploy(client, verifying_key) -> tuple[Deployment, dict[str, Artifact]]:
    artifacts = contracts(verifying_key)
    registration = client.deploy(artifacts["RegistrationVerifier"])
    epoch = client.deploy(artifacts["EpochVerifier"])
    settlement = client.deploy(artifacts["Settlement"], address_word(registration) + address_word(epoch))
    return Deployment(client.chain_id, settlement, registration, epoch, verifying_key.digest().hex()), artifacts


def settlement_abi() -> list:
    return compile_solidity({"Settlement.sol": SETTLEMENT_SOURCE.read_text()})["Settlement"].abi


def register(client, deployment: Deployment, manifest, proof):
    """Register ``manifest`` (segment 0, sent by its owner: the client's key) with its registration proof."""
    return client.transact(deployment.settlement, settlement_abi(), "register", manifest.to_bytes(),
                           proof.to_bytes())


def append(client, deployment: Deployment, manifest, proof):
    """Append the segment ``manifest`` (its previous must be the dataset's current version; sent by the
    dataset's owner) with its registration proof."""
    return client.transact(deployment.settlement, settlement_abi(), "append", manifest.to_bytes(),
                           proof.to_bytes())


def dataset_id(client, deployment: Deployment, digest: bytes) -> bytes:
    """The id (segment 0's digest) of the dataset that has a version of manifest digest ``digest``."""
    found = bytes(client.call(deployment.settlement, settlement_abi(), "datasetOf", bytes(digest)))
    if found == bytes(32):
        raise ValueError(f"no dataset at {deployment.settlement} has a version {bytes(digest).hex()[:16]}…")
    return found


def dataset_state(client, deployment: Deployment, digest: bytes) -> dict:
    """The contract's state of the dataset with a version ``digest``, by name (with its ``id``)."""
    ident = dataset_id(client, deployment, digest)
    names = [c["name"] for c in next(e for e in settlement_abi() if e.get("name") == "dataset")["outputs"][0][
        "components"]]
    return {"id": ident, **dict(zip(names, client.call(deployment.settlement, settlement_abi(), "dataset", ident)))}


def contributor_segment(client, deployment: Deployment, ident: bytes, index: int, last_segment: int) -> tuple:
    """(segment, base, end, depth) of the segment of dataset ``ident`` that introduced contributor ``index``
    (segments 0 … ``last_segment`` cover [0, C) in order: a binary search on their bases)."""
    abi = settlement_abi()
    lo, hi = 0, last_segment
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if client.call(deployment.settlement, abi, "segments", ident, mid)[1] <= index:
            lo = mid
        else:
            hi = mid - 1
    _, base, end, depth = client.call(deployment.settlement, abi, "segments", ident, lo)
    if not base <= index < end:
        raise ValueError(f"contributor {index} is in no segment of the dataset")
    return lo, base, end, depth


def segment_payee_path(payees: list, base: int, end: int, index: int) -> list[bytes]:
    """Contributor ``index``'s path in the payee tree of the segment that introduced contributors
    [base, end) (``payees``: every contributor's payee, global order): Terms.with_payees(…, base=base)'s
    tree, address 0 below the base, depth max(1, ⌈log₂ end⌉)."""
    from attrib.verifier.terms import payee_path

    return payee_path([0] * base + list(payees[base:end]), max(1, (end - 1).bit_length()), index)


def set_settler(client, deployment: Deployment, digest: bytes, settler: str, allowed: bool = True):
    return client.transact(deployment.settlement, settlement_abi(), "setSettler", digest,
                           client.w3.to_checksum_address(settler), allowed)


def settle(client, deployment: Deployment, claim, proof, gross_fees: int):
    """Settle one epoch (its claim names the dataset's current version): ``gross_fees`` wei go with it
    (the layers' shares, the pool, the dust refund)."""
    ident = dataset_id(client, deployment, bytes(claim.manifest_digest))
    return client.transact(deployment.settlement, settlement_abi(), "settle", ident,
                           claim.to_bytes(), proof.to_bytes(), value=gross_fees)


def payout_commitments(client, deployment: Deployment, digest: bytes) -> dict[int, object]:
    """Each settled epoch's payout commitment C_P (py_ecc points), from the contract's Settled events of the
    dataset with a version ``digest`` (the events are keyed by its id)."""
    contract = client.contract(deployment.settlement, settlement_abi())
    logs = contract.events.Settled.get_logs(from_block=0, argument_filters={
        "digest": dataset_id(client, deployment, digest)})
    return {int(e["args"]["seq"]): g1_from_affine(*e["args"]["payoutCommitment"]) for e in logs}


def running_sums(commitments: dict[int, object], epoch: int) -> dict[int, object]:
    """R_x for x = 1 … ``epoch``: the running sum of the settled C_P's, as the contract adds them up."""
    from py_ecc import optimized_bn128 as bn

    running, sums = bn.Z1, {}
    for e in range(1, epoch + 1):
        if e not in commitments:
            raise ValueError(f"epoch {e} has no Settled event: is it settled?")
        running = bn.add(running, commitments[e])
        sums[e] = running
    return sums


def withdrawal_states(commitments: dict[int, object], epoch: int, ranges) -> tuple[list[int], list[list[int]]]:
    """The recorded R_e, and for each range (first, last) left out its (R_{first−1}, R_last) (R_0: (0, 0)), as the
    contract hashes them."""
    sums = running_sums(commitments, epoch)

    def affine(x):
        return [0, 0] if x == 0 else list(g1_affine(sums[x]))

    return affine(epoch), [affine(first - 1) + affine(last) for first, last in ranges]


def open_withdrawal(prover, manifest, ident: bytes, epoch: int, payouts_by_epoch: dict, index: int, excluded=()):
    """(cumulative, W, BalanceOpening) for contributor ``index`` over epochs 1 … ``epoch`` less the epochs
    ``excluded``, bound to the dataset's id ``ident`` and made at ``manifest``'s version (older epochs'
    shorter payout vectors are padded by the prover: attrib.prover.payouts.open_balance)."""
    from attrib.prover.payouts import open_balance

    if manifest.srs_digest != prover.srs.digest():
        raise ValueError("the manifest was registered with another SRS than the prover's")
    powers = prover.srs.powers_for(manifest.log_contributors)
    return open_balance(powers, manifest, int(epoch), excluded, payouts_by_epoch, int(index), dataset_id=ident)


def withdraw(client, deployment: Deployment, prover, manifest, epoch: int, payouts_by_epoch: dict, index: int,
             payees: list, excluded=()):
    """Withdraw contributor ``index``'s balance over epochs 1 … ``epoch`` less the epochs ``excluded`` (sent as
    their ranges: attrib.verifier.payouts.excluded_ranges), paid to its payee in ``payees`` (every contributor's
    payee, global order: the published lists the segments' payee roots were built from).  ``manifest`` is a
    version of the dataset no older than the one of the last included epoch (normally the current one): the
    opening is made at its C and bound to the dataset's id; the payee's path is in the root of the segment that
    introduced it (read from the contract)."""
    from attrib.verifier.payouts import excluded_ranges
    from attrib.verifier.terms import address_hex, address_int

    ident = dataset_id(client, deployment, manifest.digest())
    ranges = excluded_ranges(excluded)
    state, excluded_states = withdrawal_states(payout_commitments(client, deployment, ident), epoch, ranges)
    value, _, opening = open_withdrawal(prover, manifest, ident, epoch, payouts_by_epoch, index, excluded)
    segment, base, end, _ = contributor_segment(client, deployment, ident, index, manifest.segment)
    payee = address_hex(address_int(payees[index]))
    path = segment_payee_path(payees, base, end, index)
    withdrawal = (index, epoch, [list(r) for r in ranges], excluded_states, state, value,
                  client.w3.to_checksum_address(payee), segment, path, opening.to_bytes())
    return client.transact(deployment.settlement, settlement_abi(), "withdraw", ident, withdrawal)
