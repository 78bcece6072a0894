"""``attrib chain``: the Settlement contract on any JSON-RPC chain (anvil for a local try).

    attrib chain node                                   # anvil on 127.0.0.1:8545, prints its dev keys
    attrib chain deploy   --rpc URL --key K --out deployment.json
    attrib chain register --rpc URL --key K --deployment deployment.json --dataset data.npz \\
                          --payees payees.json --out reg/ [--model-owner A --model-share-bp 1500 ...]
    attrib chain append   --rpc URL --key K --deployment deployment.json --registration reg/ \\
                          --dataset more.npz --payees payees.json --out reg2/
    attrib chain settle   --rpc URL --key K --deployment deployment.json --registration reg/ --epoch epoch.json
    attrib chain withdraw --rpc URL --key K --deployment deployment.json --registration reg/ --contributor ID \\
                          [--epoch E] [--exclude 3 5-9]
    attrib chain status   --rpc URL --deployment deployment.json --registration reg/

``--key`` is a private key (hex) or ``env:NAME`` to read it from the environment.  The SRS is the
dev SRS of 2^16 powers unless ``--ptau FILE`` names a ceremony file; the deployment records its
digest and every later command checks it.  ``register`` proves the registration locally with the
terms the chain needs (the key's address as owner, the payee root of ``payees.json``: a JSON
object {contributor id: address}, and the fee layers); ``settle`` proves the next epoch from
per-inference *gross* fees (``{"queries": [[…]], "fees": [...]}``), splits off the layers
(attrib.verifier.terms) and sends the gross; each epoch's claim, proof and payouts are kept in
``reg/epochs/SEQ/`` (the sidecar a withdrawal needs).

``append`` grows a registered dataset by a segment (``Prover.append``): the rows of ``more.npz``,
whose contributor ids are earlier ones (their rows then span segments) or new ones, whose payees
``payees.json`` must name (earlier ids are ignored there: their payees stay those of the segment
that introduced them).  It proves the segment locally, sends it as the dataset's owner, and writes
the new version to ``reg2/``: its manifest and proof, every contributor's payee (``payees.json``,
global order) and a copy of ``reg/epochs`` (withdrawals need every epoch's payouts).  Later
commands take ``--registration reg2/``: the chain settles epochs against the current version only.
On chain the dataset keeps the id of its first version (``datasetOf`` maps each version to it).

``withdraw`` opens the contributor's cumulative payout over the settled epochs 1 … E (default: all)
from the sidecars in ``reg/epochs``; epochs whose payouts are missing there (a withheld sidecar) and
those named by ``--exclude`` (epochs or ranges ``A-B``) are left out, as ranges of consecutive epochs:
a range of any length costs the contract the same two recorded states.  The opening is bound to the
dataset's id, so a withdrawal prepared before an append still goes through after it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def _key(value: str) -> str:
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise SystemExit(f"attrib chain: the environment has no {name} (from --key env:{name})")
        return os.environ[name]
    return value


def _srs(args):
    from attrib.service.srs_spec import SRSSpec

    return SRSSpec(ptau=args.ptau, log_n=args.log_n).load()


def _client(args):
    from attrib.chain.rpc import RpcClient

    return RpcClient(args.rpc, _key(args.key))


def _deployment(args, srs=None):
    from attrib.chain.settlement import Deployment

    deployment = Deployment.load(args.deployment)
    if srs is not None and srs.digest().hex() != deployment.srs_digest:
        raise SystemExit(f"attrib chain: {args.deployment} was deployed for SRS {deployment.srs_digest[:16]}…, "
                         f"this SRS is {srs.digest().hex()[:16]}… (pass the same --ptau / --log-n)")
    return deployment


def _gas(receipt) -> str:
    return f"gas {receipt.gasUsed:,}"


def cmd_node(args) -> int:
    from attrib.chain.rpc import Anvil

    with Anvil(port=args.port) as node:
        print(f"anvil at {node.url} (chain id 31337); funded development keys:")
        for key in node.keys:
            print(f"  {key}")
        print("Ctrl-C stops it.", flush=True)
        try:
            while node.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_deploy(args) -> int:
    from attrib.chain.settlement import deploy

    srs = _srs(args)
    client = _client(args)
    deployment, artifacts = deploy(client, srs.verifying_key)
    deployment.save(args.out)
    print(f"RegistrationVerifier {deployment.registration_verifier} "
          f"({artifacts['RegistrationVerifier'].deployed_size:,} bytes)")
    print(f"EpochVerifier        {deployment.epoch_verifier} ({artifacts['EpochVerifier'].deployed_size:,} bytes)")
    print(f"Settlement           {deployment.settlement}")
    print(f"wrote {args.out} (SRS {deployment.srs_digest[:16]}…)")
    return 0


def cmd_register(args) -> int:
    from attrib.chain.settlement import register
    from attrib.prover import Dataset, Prover
    from attrib.service.remote import load_dataset
    from attrib.verifier.terms import Terms

    srs = _srs(args)
    deployment = _deployment(args, srs)
    client = _client(args)
    features, contributors, scales = load_dataset(args.dataset)
    ds = Dataset(features, contributors, scales)
    payees_by_id = json.loads(Path(args.payees).read_text())
    missing = [c for c in ds.contributors if c not in payees_by_id]
    if missing:
        raise SystemExit(f"attrib chain: {args.payees} names no payee for {len(missing)} contributors "
                         f"(first: {missing[0]!r})")
    payees = [payees_by_id[c] for c in ds.contributors]
    terms = Terms.with_payees(client.address, payees, args.model_owner or 0, args.model_share_bp,
                              args.platform or 0, args.platform_share_bp)
    reg = Prover(srs).register(ds, terms=terms)
    out = Path(args.out)
    reg.save(out)
    (out / "payees.json").write_text(json.dumps(payees, indent=1) + "\n")
    receipt = register(client, deployment, reg.manifest, reg.proof)
    print(f"registered {reg.manifest.digest().hex()} ({ds.num_rows} rows, {len(ds.contributors)} contributors, "
          f"owner {client.address}); {_gas(receipt)}; saved in {out}")
    return 0


def cmd_append(args) -> int:
    import shutil

    from attrib.chain.settlement import append, dataset_state
    from attrib.prover import Dataset, Prover, Registration
    from attrib.service.remote import load_dataset
    from attrib.verifier.terms import Terms

    srs = _srs(args)
    deployment = _deployment(args, srs)
    client = _client(args)
    previous = Registration.load(args.registration)
    state = dataset_state(client, deployment, previous.manifest.digest())
    if bytes(state["current"]) != previous.manifest.digest():
        raise SystemExit(f"attrib chain: {args.registration} is not the dataset's current version on chain "
                         f"(that is {bytes(state['current']).hex()[:16]}…): append to the current one")
    if state["owner"].lower() != client.address.lower():
        raise SystemExit(f"attrib chain: only the dataset's owner {state['owner']} appends to it (this key is "
                         f"{client.address})")
    features, contributors, scales = load_dataset(args.dataset)
    ds = Dataset(features, contributors, scales)
    payees_by_id = json.loads(Path(args.payees).read_text())
    known = set(previous.contributor_ids)
    new = [c for c in dict.fromkeys(ds.contributors) if c not in known]
    missing = [c for c in new if c not in payees_by_id]
    if missing:
        raise SystemExit(f"attrib chain: {args.payees} names no payee for {len(missing)} new contributors "
                         f"(first: {missing[0]!r})")
    old = previous.manifest.terms
    base = previous.manifest.num_contributors
    terms = Terms.with_payees(old.owner, [payees_by_id[c] for c in new], old.model_owner, old.model_share_bp,
                              old.platform, old.platform_share_bp, base=base)
    reg = Prover(srs).append(previous, ds, terms=terms)
    out = Path(args.out)
    reg.save(out)
    payees = json.loads((Path(args.registration) / "payees.json").read_text())
    payees += [payees_by_id[c] for c in reg.contributor_ids[base:]]
    (out / "payees.json").write_text(json.dumps(payees, indent=1) + "\n")
    if (Path(args.registration) / "epochs").exists():
        shutil.copytree(Path(args.registration) / "epochs", out / "epochs", dirs_exist_ok=True)
    receipt = append(client, deployment, reg.manifest, reg.proof)
    m = reg.manifest
    print(f"appended segment {m.segment} {m.digest().hex()} to dataset {bytes(state['id']).hex()[:16]}… "
          f"({m.num_rows} rows: {len(m.returning)} returning and {len(m.contributors)} new contributors, "
          f"C = {m.num_contributors}); {_gas(receipt)}; saved in {out}")
    return 0


def _current(client, deployment, reg) -> dict:
    """The chain's state of reg's dataset; exits unless reg is its current version."""
    from attrib.chain.settlement import dataset_state

    digest = reg.manifest.digest()
    try:
        state = dataset_state(client, deployment, digest)
    except ValueError:
        raise SystemExit(f"attrib chain: dataset {digest.hex()[:16]}… is not registered at "
                         f"{deployment.settlement}") from None
    if bytes(state["current"]) != digest:
        raise SystemExit(f"attrib chain: this registration ({digest.hex()[:16]}…) is an older version of the "
                         f"dataset; its current version is {bytes(state['current']).hex()[:16]}… (pass its folder)")
    return state


def cmd_settle(args) -> int:
    from attrib.chain.settlement import settle
    from attrib.prover import Prover, Registration
    from attrib.service.remote import load_epoch
    from attrib.verifier.terms import pool_fees, split_fees

    srs = _srs(args)
    deployment = _deployment(args, srs)
    client = _client(args)
    reg = Registration.load(args.registration)
    seq = _current(client, deployment, reg)["seq"] + 1
    queries, gross = load_epoch(args.epoch)
    terms = reg.manifest.terms
    fees = pool_fees(gross, terms)
    epoch = Prover(srs).prove(reg, queries, fees, seq=seq)
    folder = Path(args.registration) / "epochs" / str(seq)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "claim.bin").write_bytes(epoch.claim.to_bytes())
    (folder / "proof.bin").write_bytes(epoch.proof.to_bytes())
    (folder / "payouts.json").write_text(json.dumps([str(p) for p in epoch.payouts]) + "\n")
    receipt = settle(client, deployment, epoch.claim, epoch.proof, sum(gross))
    model, platform, pool = split_fees(sum(gross), terms)
    print(f"settled epoch {seq}: {len(gross)} inferences, gross {sum(gross):,} wei = model {model:,} + platform "
          f"{platform:,} + pool {pool:,}; paid {epoch.claim.total_paid:,}, dust {pool - epoch.claim.total_paid:,} "
          f"refunded; {_gas(receipt)}")
    return 0


def _payouts(folder: Path) -> dict[int, list[int]]:
    out = {}
    for sub in sorted((folder / "epochs").glob("*")) if (folder / "epochs").exists() else []:
        if sub.name.isdigit() and (sub / "payouts.json").exists():
            out[int(sub.name)] = [int(v) for v in json.loads((sub / "payouts.json").read_text())]
    return out


def _epochs(items) -> set[int]:
    """Epoch numbers from ``--exclude`` items: ``7`` or a range ``3-9`` (inclusive)."""
    out = set()
    for item in items or []:
        first, _, last = str(item).partition("-")
        try:
            first, last = int(first), int(last or first)
        except ValueError:
            raise SystemExit(f"attrib chain withdraw: --exclude {item!r}: an epoch (7) or a range (3-9)") from None
        if not 1 <= first <= last:
            raise SystemExit(f"attrib chain withdraw: --exclude {item!r}: epochs count from 1, first <= last")
        out.update(range(first, last + 1))
    return out


def _ranges_text(ranges) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in ranges)


def cmd_withdraw(args) -> int:
    from attrib.chain.settlement import withdraw
    from attrib.prover import Prover, Registration

    srs = _srs(args)
    deployment = _deployment(args, srs)
    client = _client(args)
    reg = Registration.load(args.registration)
    manifest = reg.manifest
    if args.contributor not in reg.contributor_ids:
        raise SystemExit(f"attrib chain: no contributor {args.contributor!r} in this dataset")
    index = reg.contributor_ids.index(args.contributor)
    seq = _current(client, deployment, reg)["seq"]
    epoch = args.epoch or seq
    payouts = _payouts(Path(args.registration))
    excluded = sorted({e for e in _epochs(args.exclude) if e <= epoch}
                      | {e for e in range(1, epoch + 1) if e not in payouts})
    payees = json.loads((Path(args.registration) / "payees.json").read_text())
    receipt = withdraw(client, deployment, Prover(srs), manifest, epoch, payouts, index, payees, excluded)
    from attrib.chain.settlement import settlement_abi
    from attrib.verifier.payouts import excluded_ranges

    # the amount and the payee from the contract's event (a payee that sends its own withdrawal also pays the gas,
    # so its balance moves by less)
    event = client.events(deployment.settlement, settlement_abi(), "Withdrawn", receipt)[0]
    left_out = f", leaving out epochs {_ranges_text(excluded_ranges(excluded))}" if excluded else ""
    print(f"withdrew for {args.contributor} (index {index}) over epochs 1–{epoch}{left_out}: "
          f"{event['amount']:,} wei to {event['payee']}; {_gas(receipt)}")
    return 0


def cmd_status(args) -> int:
    from attrib.chain.rpc import RpcClient
    from attrib.chain.settlement import Deployment, dataset_state, settlement_abi
    from attrib.prover import Registration

    deployment = Deployment.load(args.deployment)
    client = RpcClient(args.rpc, "0x" + "11" * 32)          # read-only: any key
    reg = Registration.load(args.registration)
    abi = settlement_abi()
    state = dataset_state(client, deployment, reg.manifest.digest())
    ident = bytes(state["id"])
    current = bytes(state["current"])
    version = "current" if current == reg.manifest.digest() else f"not current: the chain's is {current.hex()[:16]}…"
    print(f"dataset {ident.hex()}: owner {state['owner']}, {state['numContributors']} contributors, "
          f"segment {state['segment']} ({version}), {state['seq']} epochs settled")
    for c, name in enumerate(reg.contributor_ids):
        paid = client.call(deployment.settlement, abi, "withdrawn", ident, c)
        print(f"  {name:<24} withdrawn {paid:,}")
    return 0


COMMANDS = {"node": cmd_node, "deploy": cmd_deploy, "register": cmd_register, "append": cmd_append,
            "settle": cmd_settle, "withdraw": cmd_withdraw, "status": cmd_status}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    cmds = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(p, key=True, deployment=True):
        p.add_argument("--rpc", default="http://127.0.0.1:8545", help="the JSON-RPC endpoint (default: local anvil)")
        if key:
            p.add_argument("--key", required=True, help="the sender's private key (hex), or env:NAME")
        if deployment:
            p.add_argument("--deployment", required=True, help="the JSON file `attrib chain deploy` wrote")
        p.add_argument("--ptau", help="a snarkjs .ptau file as the SRS (default: the insecure dev SRS)")
        p.add_argument("--log-n", type=int, default=None, help="SRS size 2^N (dev default 16)")

    p = cmds.add_parser("node", help="run anvil on a loopback port and print its funded keys")
    p.add_argument("--port", type=int, default=8545)
    p = cmds.add_parser("deploy", help="deploy the verifiers for this SRS and the Settlement contract")
    common(p, deployment=False)
    p.add_argument("--out", default="deployment.json")
    p = cmds.add_parser("register", help="register a dataset (prove locally, send as its owner)")
    common(p)
    p.add_argument("--dataset", required=True, help=".npz with features, contributors (and scales)")
    p.add_argument("--payees", required=True, help="JSON object {contributor id: payee address}")
    p.add_argument("--out", required=True, help="where to keep the registration")
    p.add_argument("--model-owner", help="the model owner's address (for --model-share-bp)")
    p.add_argument("--model-share-bp", type=int, default=0, help="its share of every fee, in basis points")
    p.add_argument("--platform", help="the platform's address (for --platform-share-bp)")
    p.add_argument("--platform-share-bp", type=int, default=0, help="its share of every fee, in basis points")
    p = cmds.add_parser("append", help="grow a registered dataset by a segment (prove locally, send as its owner; "
                                       "the dataset keeps its id, pending withdrawals stay valid)")
    common(p)
    p.add_argument("--registration", required=True, help="the dataset's current version (a folder)")
    p.add_argument("--dataset", required=True, help=".npz with the new rows' features, contributors (and scales)")
    p.add_argument("--payees", required=True, help="JSON object {contributor id: payee address} for the new ids")
    p.add_argument("--out", required=True, help="where to keep the new version")
    p = cmds.add_parser("settle", help="prove and settle the next epoch from queries and gross fees")
    common(p)
    p.add_argument("--registration", required=True, help="the dataset's current version (a folder; after an "
                                                          "append, the one `attrib chain append` wrote)")
    p.add_argument("--epoch", required=True, help=".json or .npz with queries and per-inference gross fees (wei)")
    p = cmds.add_parser("withdraw", help="withdraw a contributor's balance to its payee (withheld epochs left "
                                         "out as ranges)")
    common(p)
    p.add_argument("--registration", required=True, help="the dataset's current version (a folder, with the "
                                                          "epochs' payouts in epochs/)")
    p.add_argument("--contributor", required=True, help="the contributor id")
    p.add_argument("--epoch", type=int, help="open the running sum of this epoch (default: the last settled)")
    p.add_argument("--exclude", nargs="*", metavar="E|A-B",
                   help="epochs or ranges A-B to leave out (those whose payouts are missing in reg/epochs are left "
                        "out anyway); sent as ranges of consecutive epochs, each costing the same whatever its length")
    p = cmds.add_parser("status", help="a dataset's state on chain (by any of its versions)")
    common(p, key=False)
    p.add_argument("--registration", required=True, help="a version of the dataset (a folder)")


def run(args) -> int:
    from attrib.chain.rpc import ChainError

    try:
        return COMMANDS[args.action](args)
    except (ChainError, ValueError, OSError) as exc:
        print(f"attrib chain {args.action}: {exc}", file=sys.stderr)
        return 1
