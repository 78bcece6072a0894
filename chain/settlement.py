"""The Settlement contract and its verifiers on a JSON-RPC chain: deploy, register, settle, withdraw.

``contracts(verifying_key)`` compiles the three contracts for one SRS: the registration and
epoch verifiers generated for its key (attrib.verifier.evm_registration, attrib.verifier.evm) and
``contracts/Settlement.sol``.  ``Deployment`` records where they live (a JSON file the command line
reads back).  The other functions take an ``attrib.chain.rpc.RpcClient``: they work on anvil and on
any other JSON-RPC endpoint.
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
    """Register ``manifest`` (sent by its owner: the client's key) with its registration proof."""
    return client.transact(deployment.settlement, settlement_abi(), "register", manifest.to_bytes(),
                           proof.to_bytes())


def set_settler(client, deployment: Deployment, digest: bytes, settler: str, allowed: bool = True):
    return client.transact(deployment.settlement, settlement_abi(), "setSettler", digest,
                           client.w3.to_checksum_address(settler), allowed)


def settle(client, deployment: Deployment, claim, proof, gross_fees: int):
    """Settle one epoch: ``gross_fees`` wei go with it (the layers' shares, the pool, the dust refund)."""
    return client.transact(deployment.settlement, settlement_abi(), "settle", bytes(claim.manifest_digest),
                           claim.to_bytes(), proof.to_bytes(), value=gross_fees)


def payout_commitments(client, deployment: Deployment, digest: bytes) -> dict[int, object]:
    """Each settled epoch's payout commitment C_P (py_ecc points), from the contract's Settled events."""
    contract = client.contract(deployment.settlement, settlement_abi())
    logs = contract.events.Settled.get_logs(from_block=0, argument_filters={"digest": digest})
    return {int(e["args"]["seq"]): g1_from_affine(*e["args"]["payoutCommitment"]) for e in logs}


def withdrawal_states(commitments: dict[int, object], epoch: int, excluded) -> tuple[list[int], list[list[int]]]:
    """The recorded (R_e, C_P of e) of ``epoch`` and of each excluded epoch, as the contract hashes them."""
    from py_ecc import optimized_bn128 as bn

    running, states = None, {}
    for e in range(1, epoch + 1):
        if e not in commitments:
            raise ValueError(f"epoch {e} has no Settled event: is it settled?")
        running = commitments[e] if running is None else bn.add(running, commitments[e])
        states[e] = [*g1_affine(running), *g1_affine(commitments[e])]
    return states[epoch], [states[x] for x in sorted(excluded)]


def withdraw(client, deployment: Deployment, prover, manifest, epoch: int, payouts_by_epoch: dict, index: int,
             payees: list, excluded=()):
    """Withdraw contributor ``index``'s balance over epochs 1 … ``epoch`` (less ``excluded``), paid to
    its payee in ``payees`` (the published list the manifest's payee root was built from)."""
    from attrib.verifier.terms import address_hex, address_int, payee_path

    digest = manifest.digest()
    state, excluded_states = withdrawal_states(payout_commitments(client, deployment, digest), epoch, excluded)
    value, _, opening = prover.open_balance(manifest, epoch, payouts_by_epoch, index, excluded)
    payee = address_hex(address_int(payees[index]))
    path = payee_path(payees, manifest.log_contributors, index)
    withdrawal = (index, epoch, sorted(excluded), excluded_states, state, value,
                  client.w3.to_checksum_address(payee), path, opening.to_bytes())
    return client.transact(deployment.settlement, settlement_abi(), "withdraw", digest, withdrawal)
