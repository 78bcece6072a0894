"""What the prover service runs in its child processes.

Two kinds of child, both started with the ``spawn`` method (a fresh interpreter, so no
gRPC or event-loop state is inherited):

* prove workers (:func:`prove_worker`): one long-lived process per scheduler slot, driven
  over a pipe by :class:`prover.jobs.WorkerProcess`.  It proves one job at a time, sends
  progress messages, and writes the claim and proof into the job's directory.
  The scheduler stops a job (cancel, shutdown) by killing its worker.
* the request pool (:func:`init_pool` plus :func:`register_dataset` and :func:`verify`):
  a ``ProcessPoolExecutor`` for the CPU-bound work of synchronous calls, so that
  commitments and the pure-Python verifier never hold the server's GIL.

Every child exits within a fraction of a second once the server process is gone, even
after ``kill -9`` (a watchdog thread polls the parent pid).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from attrib.prover.attribution import Prover, Registration
from attrib.prover.dataset import Dataset
from attrib.prover.payouts import open_payouts
from attrib.prover.storage import atomic_write_bytes
from attrib.verifier.recipe import Recipe
from attrib.service.srs_spec import SRSSpec
from attrib.service.store import CLAIM_FILE, PAYOUTS_FILE, PROOF_FILE, QUERIES_FILE
from attrib.verifier import Claim, Manifest, Proof, verify_attribution
from attrib.verifier.encoding import EncodingError

PROGRESS_INTERVAL_S = 0.1
PARENT_POLL_S = 0.2


def _child_setup(threads: int, parent_pid: int) -> None:
    """Cap the kernels' threads, quiet the SRS warning (the server logged it) and die with the parent."""
    from attrib import kernels

    if threads > 0:
        kernels.set_threads(threads)
    logging.getLogger("attrib.prover.srs").setLevel(logging.ERROR)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


# ---- prove workers ------------------------------------------------------------------

def prove_worker(conn: Connection, srs_spec: SRSSpec, threads: int, parent_pid: int) -> None:
    """Main of a prove worker.

    Protocol (pickled tuples over ``conn``): the worker sends ``("ready",)`` once its SRS is
    loaded (or ``("fatal", message)`` and exits).  Then, per job, it receives
    ``(job_id, dataset_dir, job_dir, fees, epoch)``, sends any number of ``("progress", stage,
    fraction)`` and finally ``("done",)`` or ``("failed", message)``.  EOF ends it.
    """
    _child_setup(threads, parent_pid)
    try:
        prover = Prover(srs_spec.load())
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the job
        _send(conn, ("fatal", f"cannot load the SRS: {type(exc).__name__}: {exc}"))
        return
    _send(conn, ("ready",))
    while True:
        try:
            _job_id, dataset_dir, job_dir, fees, epoch = conn.recv()
        except EOFError:
            return
        prover.progress = _throttled(conn)
        try:
            prove_job(prover, Path(dataset_dir), Path(job_dir), fees, epoch)
        except Exception as exc:  # noqa: BLE001 - any failure of one job is that job's result
            _send(conn, ("failed", f"{type(exc).__name__}: {exc}"))
        else:
            _send(conn, ("done",))


def _send(conn: Connection, message: tuple) -> None:
    """Send to the server; if it is gone (killed), end this worker quietly."""
    try:
        conn.send(message)
    except OSError:
        os._exit(1)


def _throttled(conn: Connection):
    """A progress callback that forwards at most one message per PROGRESS_INTERVAL_S per stage."""
    last = {"stage": None, "at": 0.0}

    def progress(stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage != last["stage"] or fraction >= 1 or now - last["at"] >= PROGRESS_INTERVAL_S:
            last.update(stage=stage, at=now)
            _send(conn, ("progress", stage, float(fraction)))

    return progress


def prove_job(prover: Prover, dataset_dir: Path, job_dir: Path, fees: list[int], seq: int = 0) -> None:
    """Prove one job (its claim's seq = ``seq``, the epoch's number on a ledger) and write its payouts,
    claim and proof (atomically, the proof last) into ``job_dir``."""
    reg = Registration.load(dataset_dir)
    queries = np.load(job_dir / QUERIES_FILE, allow_pickle=False)
    epoch = prover.prove(reg, queries, fees, seq=seq)
    atomic_write_bytes(job_dir / PAYOUTS_FILE, json.dumps([str(p) for p in epoch.payouts]).encode())
    atomic_write_bytes(job_dir / CLAIM_FILE, epoch.claim.to_bytes())
    atomic_write_bytes(job_dir / PROOF_FILE, epoch.proof.to_bytes())


def open_job_payouts(dataset_dir: str, claim: bytes, payouts: list[int], indices: list[int]) -> tuple:
    """("ok", values, opening bytes) for a proved job's payouts at ``indices``, or ("invalid", message)."""
    manifest = Registration.load(dataset_dir).manifest
    bad = [c for c in indices if not 0 <= c < manifest.num_contributors]
    if not indices or len(set(indices)) != len(indices) or bad:
        return ("invalid", f"indices: distinct contributor indices from 0 to {manifest.num_contributors - 1}"
                           + (f" (got {bad[0]})" if bad else ""))
    powers = _pool_prover.srs.powers_for(manifest.log_contributors)
    values, opening = open_payouts(powers, Claim.from_bytes(claim), payouts, manifest.log_contributors, indices)
    return ("ok", values, opening.to_bytes())


def open_job_balance(dataset_dir: str, epoch: int, excluded: list[int], payouts_by_epoch: dict[int, list[int]],
                     index: int) -> tuple:
    """("ok", value, commitment bytes, opening bytes) for contributor ``index``'s balance over epochs
    1 … ``epoch`` less ``excluded``, or ("invalid", message)."""
    from attrib.verifier.encoding import encode_g1

    manifest = Registration.load(dataset_dir).manifest
    if not 0 <= index < manifest.num_contributors:
        return ("invalid", f"index: a contributor index from 0 to {manifest.num_contributors - 1} (got {index})")
    try:
        value, commitment, opening = _pool_prover.open_balance(manifest, epoch, payouts_by_epoch, index, excluded)
    except ValueError as exc:             # e.g. an appended version, whose dataset id it cannot name
        return ("invalid", str(exc))
    return ("ok", value, encode_g1(commitment), opening.to_bytes())


def open_dataset_rows(dataset_dir: str, rows: list[int]) -> tuple:
    """("ok", values, opening bytes) for a registered dataset's ``rows``, or ("invalid", message)."""
    reg = Registration.load(dataset_dir)
    n = reg.manifest.num_rows
    bad = [r for r in rows if not 0 <= r < n]
    if not rows or len(set(rows)) != len(rows) or bad:
        return ("invalid", f"rows: distinct rows from 0 to {n - 1}" + (f" (got {bad[0]})" if bad else ""))
    values, opening = _pool_prover.open_rows(reg, rows)
    return ("ok", values, opening.to_bytes())


# ---- the request pool ---------------------------------------------------------------

_pool_prover: Prover | None = None


def init_pool(srs_spec: SRSSpec, threads: int, parent_pid: int, dask: str | None = None) -> None:
    """Initializer of a request-pool process; with ``dask`` (a scheduler address, ``attrib serve --dask``)
    its registrations run on that cluster (attrib.prover.distributed: the same bytes)."""
    global _pool_prover
    _child_setup(threads, parent_pid)
    _pool_prover = Prover(srs_spec.load(), cluster=dask)


def ping() -> int:
    """A no-op task that starts a pool process ahead of the first request."""
    return os.getpid()


def register_dataset(staging_dir: str, features: np.ndarray, contributors: list[str],
                     scales: np.ndarray | None, recipe: bytes = b"", example_digests: list | None = None) -> tuple:
    """Check the rows, commit them and save the registration into ``staging_dir``.

    Returns ``("invalid", message)`` for rows the Dataset rules reject (the message names
    the field and index), else ``("ok", manifest_bytes, manifest_digest, num_contributors)``.
    """
    try:
        parsed = Recipe.from_bytes(recipe) if recipe else Recipe()
    except EncodingError as exc:
        return ("invalid", f"header.recipe: {exc}")
    try:
        ds = Dataset(features, contributors, scales, recipe=parsed, example_digests=example_digests)
    except (TypeError, ValueError) as exc:
        return ("invalid", str(exc))
    reg = _pool_prover.register(ds)
    reg.save(staging_dir)
    return ("ok", reg.manifest.to_bytes(), reg.manifest.digest(), len(ds.contributors))


class DeadlineExceeded(Exception):
    """Raised inside a pool process by the interval timer of :func:`deadline`."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Interrupt the block with DeadlineExceeded after ``seconds`` (a pool process runs its tasks
    in its main thread, where the pure-Python verifier is interruptible between bytecodes)."""
    def expire(signum, frame):
        raise DeadlineExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@functools.lru_cache(maxsize=4)
def decode_manifest(data: bytes) -> Manifest:
    """Manifest.from_bytes, remembered for the last few manifests: a verifier checks many epochs
    against one dataset, and decoding a manifest of C contributors (and its digest, kept on the
    object) costs more than the rest of a native verification.  A manifest that does not decode
    raises EncodingError, which is not remembered."""
    return Manifest.from_bytes(data)


def verify(manifest: bytes, claim: bytes, proof: bytes, trusted_srs_digest: bytes, deadline_s: float,
           backend: str | None = None) -> tuple:
    """Decode and verify against the SRS of ``trusted_srs_digest``, stopping after ``deadline_s`` seconds,
    with the verifier backend ``backend`` (attrib.verifier.backend; None: the environment's).

    Returns ``("malformed", field, message)`` when a field does not decode, ``("deadline",)``
    when the time ran out, else ``("verdict", valid, reason)``.
    """
    try:
        with deadline(deadline_s):
            decoded = []
            for name, decode, data in (("manifest", decode_manifest, manifest), ("claim", Claim.from_bytes, claim),
                                       ("proof", Proof.from_bytes, proof)):
                try:
                    decoded.append(decode(data))
                except EncodingError as exc:
                    return ("malformed", name, str(exc))
            m, c, p = decoded
            if verify_attribution(m, c, p, trusted_srs_digest=trusted_srs_digest, backend=backend):
                return ("verdict", True, "")
            return ("verdict", False, rejection_reason(m, c, p, trusted_srs_digest))
    except DeadlineExceeded:
        return ("deadline",)


def rejection_reason(manifest: Manifest, claim: Claim, proof: Proof, trusted_srs_digest: bytes) -> str:
    """The first cheap check a rejected proof fails, else the catch-all for the sum-checks and the opening."""
    if manifest.srs_digest != trusted_srs_digest:
        return (f"the manifest was registered with another SRS (digest {manifest.srs_digest.hex()[:16]}…) "
                f"than the trusted one ({trusted_srs_digest.hex()[:16]}…)")
    if bytes(claim.manifest_digest) != manifest.digest():
        return "the claim is for another manifest (its manifest digest differs)"
    return "the proof does not check against the claim and the manifest (a sum-check or the opening fails)"
