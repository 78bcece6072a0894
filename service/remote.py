"""``attrib remote …``: the command-line face of :class:`prover.client.Client`.

    attrib remote [--server HOST:PORT] [--token-file F] [--tls-ca CA.pem] COMMAND …

    register DATASET_ID DATA.npz [--out MANIFEST]   upload (features, contributors[, scales])
    prove DATASET_ID EPOCH.npz|.json [--seq N] [--out DIR]   submit queries and fees; watch; save the proof
    watch JOB_ID [--out DIR]                         progress bar until the job ends; save the proof
    verify MANIFEST CLAIM PROOF                      the server's verdict (exit 1 if invalid)
    open JOB_ID INDEX…                               one opening of those contributors' payouts
    payout-proof DATASET_ID JOB… --contributor ID    a withdrawal's balance opening over epochs 1 … e
    open-rows DATASET_ID ROW… [--out F]              one opening of those registered rows (an audit's)
    info | list | cancel JOB_ID

The server address comes from --server or $ATTRIB_SERVER, the token from --token-file or
$ATTRIB_TOKEN (never from the command line, where other users can read it).  Manifests,
claims and proofs are read as canonical bytes or as their JSON form (a file whose first
non-blank character is ``{``); they are written as ``manifest.bin``, ``claim.bin`` (plus
``claim.json``) and ``proof.bin`` (and ``calldata.bin`` when the server has an on-chain verifier).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

BAR_WIDTH = 30


def load_object(path: str | Path, cls):
    """A Manifest / Claim / Proof from a file of its bytes or its JSON."""
    data = Path(path).read_bytes()
    return cls.from_json(data.decode()) if data.lstrip()[:1] == b"{" else cls.from_bytes(data)


def load_dataset(path: str | Path) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    """(features, contributors, scales or None) from an .npz with those arrays."""
    with np.load(path, allow_pickle=False) as npz:
        missing = [name for name in ("features", "contributors") if name not in npz.files]
        if missing:
            raise ValueError(f"{path}: no {' or '.join(missing)} array (has {', '.join(npz.files) or 'none'})")
        scales = npz["scales"] if "scales" in npz.files else None
        return npz["features"], [str(c) for c in npz["contributors"]], scales


def load_epoch(path: str | Path) -> tuple[np.ndarray, list[int]]:
    """(queries, fees) from an .npz (arrays ``queries`` and ``fees``, fees as integers or decimal
    strings) or a .json object ``{"queries": [[…], …], "fees": [...]}``."""
    path = Path(path)
    if path.suffix == ".json":
        obj = json.loads(path.read_text())
        if not isinstance(obj, dict) or "queries" not in obj or "fees" not in obj:
            raise ValueError(f"{path}: expected a JSON object with 'queries' and 'fees'")
        return np.asarray(obj["queries"]), [int(f) for f in obj["fees"]]
    with np.load(path, allow_pickle=False) as npz:
        if "queries" not in npz.files or "fees" not in npz.files:
            raise ValueError(f"{path}: expected arrays 'queries' and 'fees'")
        return npz["queries"], [int(f) for f in npz["fees"].tolist()]


class ProgressBar:
    """Draws a job's progress on stderr: a redrawn bar on a terminal, one line per state otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_state = None

    def __call__(self, event) -> None:
        from attrib.service.client import job_state_name

        job = event.job
        state = job_state_name(job.state)
        if self.tty:
            filled = int(job.fraction * BAR_WIDTH)
            detail = f"{job.stage} {job.stage_fraction:4.0%}" if state == "RUNNING" else \
                f"position {job.queue_position}" if state == "QUEUED" else job.error
            self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {job.fraction:4.0%} "
                              f"{state:<9} {detail}\033[K")
            if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
                self.stream.write("\n")
        elif state != self.last_state:
            self.stream.write(f"job {job.job_id}: {state}" + (f" ({job.error})" if job.error else "") + "\n")
        self.stream.flush()
        self.last_state = state


def save_result(client, job_id: str, out: Path) -> None:
    result = client.proof(job_id)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.bin").write_bytes(client.dataset(result.dataset_id).manifest)
    (out / "claim.bin").write_bytes(result.claim.to_bytes())
    (out / "claim.json").write_text(result.claim.to_json())
    (out / "proof.bin").write_bytes(result.proof.to_bytes())
    (out / "payouts.json").write_text(json.dumps([str(p) for p in result.payouts]))
    if result.evm_calldata:
        (out / "calldata.bin").write_bytes(result.evm_calldata)
    print(f"wrote the manifest, claim, proof and payouts of job {job_id} to {out}")


def watch_and_save(client, job_id: str, out: str | None) -> int:
    from attrib.service.client import job_state_name

    job = client.wait(job_id, on_event=ProgressBar())
    state = job_state_name(job.state)
    print(f"job {job_id}: {state}" + (f" ({job.error})" if job.error else ""))
    if state != "SUCCEEDED":
        return 1
    if out:
        save_result(client, job_id, Path(out))
    return 0


def cmd_register(client, args) -> int:
    features, contributors, scales = load_dataset(args.data)
    ds = client.register(args.dataset_id, features, contributors, scales)
    print(f"registered {ds.dataset_id}: {ds.num_rows} rows × {ds.num_columns} columns, "
          f"{ds.num_contributors} contributors\nmanifest digest {ds.manifest_digest.hex()}")
    if args.out:
        from attrib.verifier import Manifest

        out = Path(args.out)
        if out.suffix == ".json":
            out.write_text(Manifest.from_bytes(ds.manifest).to_json())
        else:
            out.write_bytes(ds.manifest)
        print(f"wrote {out}")
    return 0


def cmd_prove(client, args) -> int:
    queries, fees = load_epoch(args.epoch)
    response = client.submit(args.dataset_id, queries, fees, args.idempotency_key, args.seq)
    print(f"job {response.job_id}" + (" (already submitted with this idempotency key)" if response.deduplicated
                                      else " queued"))
    return 0 if args.no_wait else watch_and_save(client, response.job_id, args.out)


def cmd_watch(client, args) -> int:
    return watch_and_save(client, args.job_id, args.out)


def cmd_verify(client, args) -> int:
    from attrib.verifier import Claim, Manifest, Proof

    objects = [load_object(p, cls) for p, cls in ((args.manifest, Manifest), (args.claim, Claim),
                                                   (args.proof, Proof))]
    trusted = bytes.fromhex(args.trusted_srs_digest) if args.trusted_srs_digest else None
    valid, reason, srs_digest = client.verify_result(*objects, trusted_srs_digest=trusted)
    print("VALID" if valid else f"INVALID: {reason}")
    print(f"checked against the server's SRS {srs_digest.hex()}", file=sys.stderr)
    return 0 if valid else 1


def cmd_open(client, args) -> int:
    values, opening = client.open_payouts(args.job_id, args.indices)
    if args.out:
        Path(args.out).write_bytes(opening.to_bytes())
    for c, v in zip(args.indices, values):
        print(f"{c}\t{v}")
    print(f"one opening of {len(values)} payouts: {len(opening.to_bytes()):,} bytes"
          + (f", written to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def cmd_payout_proof(client, args) -> int:
    from attrib.verifier.encoding import g1_affine
    from attrib.verifier.payouts import excluded_ranges

    manifest = client.manifest(args.dataset_id)
    if args.contributor not in manifest.contributors:
        raise ValueError(f"dataset {args.dataset_id} has no contributor {args.contributor!r}")
    index = manifest.contributors.index(args.contributor)
    jobs = ["" if j in ("-", "") else j for j in args.jobs]
    value, commitment, excluded, opening = client.open_balance(args.dataset_id, jobs, index)
    x, y = g1_affine(commitment)
    ranges = [list(r) for r in excluded_ranges(excluded)]
    # the service's datasets are registrations (segment 0): the dataset's id, which the opening binds, is the
    # manifest's digest; "ranges" is what Settlement.withdraw takes (and the opening absorbs) for "excluded"
    record = {"dataset_digest": manifest.digest().hex(), "dataset_id": manifest.digest().hex(),
              "contributor": args.contributor, "index": index, "epoch": len(jobs), "excluded": excluded,
              "ranges": ranges, "cumulative": str(value), "commitment": [hex(x), hex(y)],
              "opening": opening.to_bytes().hex()}
    text = json.dumps(record, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
        print(f"{args.contributor} (index {index}): {value:,} over epochs 1–{len(jobs)}"
              + (f" less {excluded}" if excluded else "") + f"; the opening is in {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def cmd_open_rows(client, args) -> int:
    values, opening = client.open_rows(args.dataset_id, args.rows)
    if args.out:
        Path(args.out).write_bytes(opening.to_bytes())
    for r, v in zip(args.rows, values):
        print(f"{r}\t{' '.join(map(str, v[:-2]))}\tscale {v[-2]}\texample {v[-1]:#066x}")
    print(f"one opening of {len(values)} rows: {len(opening.to_bytes()):,} bytes"
          + (f", written to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def cmd_info(client, args) -> int:
    from google.protobuf.json_format import MessageToDict

    raw = client.server_info()
    info = MessageToDict(raw, preserving_proto_field_name=True)
    info["srs_digest"] = raw.srs_digest.hex()
    print(json.dumps(info, indent=1))
    return 0


def cmd_list(client, args) -> int:
    for ds in client.list_datasets():
        print(f"{ds.dataset_id}\t{ds.num_rows}×{ds.num_columns}\t{ds.num_contributors} contributors\t"
              f"{ds.manifest_digest.hex()}")
    return 0


def cmd_cancel(client, args) -> int:
    from attrib.service.client import job_state_name

    job = client.cancel(args.job_id)
    print(f"job {job.job_id}: {job_state_name(job.state)}")
    return 0


def run(args: argparse.Namespace) -> int:
    from attrib.service.client import Client, ServiceError
    from attrib.service.config import TOKEN_ENV

    try:
        token = Path(args.token_file).read_text().strip().split("\n")[0] if args.token_file else None
    except OSError as exc:
        print(f"attrib remote: error: --token-file {args.token_file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    token = token or os.environ.get(TOKEN_ENV)
    try:
        with Client(args.server, token, tls=args.tls, tls_ca=args.tls_ca) as client:
            return args.remote_func(client, args)
    except ServiceError as exc:
        print(f"attrib remote: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, TypeError) as exc:
        print(f"attrib remote: error: {exc}", file=sys.stderr)
        return 2


def add_arguments(remote: argparse.ArgumentParser) -> None:
    remote.add_argument("--server", default=os.environ.get("ATTRIB_SERVER", "127.0.0.1:50051"),
                        help="HOST:PORT of the service (default $ATTRIB_SERVER or 127.0.0.1:50051)")
    remote.add_argument("--token-file", metavar="PATH", help="file whose first line is the bearer token "
                                                             "(default $ATTRIB_TOKEN)")
    remote.add_argument("--tls", action="store_true", help="use TLS with the system's root certificates")
    remote.add_argument("--tls-ca", help="use TLS and trust this PEM CA certificate")
    cmds = remote.add_subparsers(dest="remote_command", required=True)

    p = cmds.add_parser("register", help="upload a dataset from an .npz (features, contributors[, scales])")
    p.add_argument("dataset_id")
    p.add_argument("data", help=".npz with int features (N, k), contributors (N strings), optional scales (N)")
    p.add_argument("--out", help="write the manifest here (.json for its JSON form, else bytes)")
    p.set_defaults(remote_func=cmd_register)

    p = cmds.add_parser("prove", help="prove an epoch from an .npz/.json of queries and fees")
    p.add_argument("dataset_id")
    p.add_argument("epoch", help=".npz with arrays queries (T, k) and fees (T), or .json with the same keys")
    p.add_argument("--idempotency-key", help="resubmitting with the same key returns the same job")
    p.add_argument("--no-wait", action="store_true", help="print the job id and return at once")
    p.add_argument("--seq", type=int, default=0,
                   help="the epoch's number on a ledger (the claim's seq: 1, 2, … as a Settlement settles them)")
    p.add_argument("--out", help="directory to write the manifest, claim and proof into")
    p.set_defaults(remote_func=cmd_prove)

    p = cmds.add_parser("watch", help="show a job's progress until it ends")
    p.add_argument("job_id")
    p.add_argument("--out", help="directory to write the manifest, claim and proof into")
    p.set_defaults(remote_func=cmd_watch)

    p = cmds.add_parser("verify", help="verify manifest, claim and proof files on the server")
    p.add_argument("manifest")
    p.add_argument("claim")
    p.add_argument("proof")
    p.add_argument("--trusted-srs-digest", metavar="HEX",
                   help="the SRS you trust: refused unless it is the server's own")
    p.set_defaults(remote_func=cmd_verify)

    p = cmds.add_parser("open", help="open a proved job's payouts at contributor indices (one succinct opening)")
    p.add_argument("job_id")
    p.add_argument("indices", nargs="+", type=int, help="contributor indices, manifest order")
    p.add_argument("--out", help="write the opening's bytes here")
    p.set_defaults(remote_func=cmd_open)

    p = cmds.add_parser("payout-proof", help="a withdrawal's balance opening over a dataset's settled epochs")
    p.add_argument("dataset_id")
    p.add_argument("jobs", nargs="+", help="the jobs of epochs 1, 2, … in order ('-' leaves an epoch out; "
                                           "consecutive ones form one range on chain)")
    p.add_argument("--contributor", required=True, help="the contributor id")
    p.add_argument("--out", help="write the opening (JSON: cumulative, commitment, excluded epochs and their "
                                 "ranges, opening hex) here")
    p.set_defaults(remote_func=cmd_payout_proof)

    p = cmds.add_parser("open-rows", help="open registered rows (features and scales) in one succinct opening")
    p.add_argument("dataset_id")
    p.add_argument("rows", nargs="+", type=int, help="row indices, manifest (grouped) order")
    p.add_argument("--out", help="write the opening's bytes here")
    p.set_defaults(remote_func=cmd_open_rows)

    p = cmds.add_parser("info", help="server versions, SRS and limits")
    p.set_defaults(remote_func=cmd_info)
    p = cmds.add_parser("list", help="registered datasets")
    p.set_defaults(remote_func=cmd_list)
    p = cmds.add_parser("cancel", help="cancel a queued or running job")
    p.add_argument("job_id")
    p.set_defaults(remote_func=cmd_cancel)
