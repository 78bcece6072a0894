"""The prover service's durable state: one SQLite database and array files in a data directory.

Layout of ``DATA_DIR``::

    LOCK                      held (flock) by the one server that uses the directory
    attrib.sqlite3            datasets and jobs (WAL, synchronous=FULL)
    datasets/<dataset_id>/    manifest.bin, features.npy, scales.npy (Registration.save)
    jobs/<job_id>/            queries.npy; payouts.json, claim.bin, proof.bin once proved
    staging/<random>/         registrations being built; emptied at every start

Commit points.  A dataset exists once its row is in ``datasets``: its directory is built
in ``staging/``, renamed into ``datasets/`` and only then inserted.  A job exists once
its row is in ``jobs``; its queries file is written (atomically) before the insert, its
result files before it is marked SUCCEEDED.  So after a crash every row points at
complete files, and :meth:`Store.recover` removes whatever has no row.

Job states (strings in the database, the proto's JobState names without the prefix)::

    QUEUED ──claim──▶ RUNNING ──▶ SUCCEEDED | FAILED
      │                 │  ╰──requeue (restart, drain, worker died)──▶ QUEUED
      ╰──────cancel─────┴──▶ CANCELLED

Every transition is one conditional UPDATE (``WHERE state = …``), so racing
transitions (a cancel and a finish) resolve to whichever commits first.

All methods are called from the server's event-loop thread; none of them blocks for
longer than a small write and an fsync.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attrib.prover.attribution import Registration, RegistrationError
from attrib.prover.storage import atomic_save_npy

DB_FILE = "attrib.sqlite3"
LOCK_FILE = "LOCK"
QUERIES_FILE = "queries.npy"
CLAIM_FILE = "claim.bin"
PAYOUTS_FILE = "payouts.json"
PROOF_FILE = "proof.bin"
SCHEMA_VERSION = 2            # 2: jobs.epoch (the claim's seq on a ledger)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id       TEXT NOT NULL UNIQUE,
    manifest         BLOB NOT NULL,
    manifest_digest  BLOB NOT NULL,
    num_rows         INTEGER NOT NULL,
    num_columns      INTEGER NOT NULL,
    num_contributors INTEGER NOT NULL,
    insecure_srs     INTEGER NOT NULL,
    created_at       REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id           TEXT NOT NULL UNIQUE,
    dataset_id       TEXT NOT NULL REFERENCES datasets(dataset_id),
    idempotency_key  TEXT UNIQUE,
    request_digest   BLOB NOT NULL,
    num_queries      INTEGER NOT NULL,
    fees             TEXT NOT NULL,
    epoch            INTEGER NOT NULL DEFAULT 0,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    created_at       REAL NOT NULL,
    started_at       REAL,
    finished_at      REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, seq);
"""


class DataDirLocked(RuntimeError):
    """Another server holds the data directory."""


@dataclass(frozen=True)
class DatasetRecord:
    seq: int
    dataset_id: str
    manifest: bytes
    manifest_digest: bytes
    num_rows: int
    num_columns: int
    num_contributors: int
    insecure_srs: bool
    created_at: float


@dataclass(frozen=True)
class JobRecord:
    seq: int
    job_id: str
    dataset_id: str
    idempotency_key: str | None
    request_digest: bytes
    num_queries: int
    fees: tuple[int, ...]
    epoch: int
    state: str
    attempts: int
    error: str
    created_at: float
    started_at: float | None
    finished_at: float | None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


@dataclass
class RecoveryReport:
    """What :meth:`Store.recover` found and did at start-up."""

    datasets: int = 0
    damaged_datasets: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)      # were RUNNING: interrupted
    queued: list[str] = field(default_factory=list)        # every job to run, requeued ones included
    removed: list[str] = field(default_factory=list)       # paths without a database row

    def summary(self) -> str:
        parts = [f"{self.datasets} datasets intact"]
        if self.damaged_datasets:
            parts.append(f"DAMAGED datasets: {', '.join(self.damaged_datasets)}")
        parts.append(f"{len(self.requeued)} interrupted jobs requeued"
                     + (f" ({', '.join(self.requeued)})" if self.requeued else ""))
        parts.append(f"{len(self.queued)} jobs to run")
        parts.append(f"{len(self.removed)} incomplete files removed"
                     + (f" ({', '.join(self.removed)})" if self.removed else ""))
        return "; ".join(parts)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """The data directory: opened (and locked) by one server at a time."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.datasets_dir = self.root / "datasets"
        self.jobs_dir = self.root / "jobs"
        self.staging_root = self.root / "staging"
        for d in (self.root, self.datasets_dir, self.jobs_dir, self.staging_root):
            d.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise DataDirLocked(f"{self.root} is in use by another server") from None
        self.db = sqlite3.connect(self.root / DB_FILE, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, 1, SCHEMA_VERSION):
            raise RuntimeError(f"{self.root / DB_FILE}: schema version {version}, this server knows "
                               f"{SCHEMA_VERSION}")
        upgrade = "ALTER TABLE jobs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;" if version == 1 else ""
        self.db.executescript(f"BEGIN; {upgrade} {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        self.db.close()
        os.close(self._lock_fd)

    def _transaction(self):
        """``with store._transaction():`` — BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error."""
        return _Transaction(self.db)

    # ---- paths ---------------------------------------------------------------------

    def dataset_dir(self, dataset_id: str) -> Path:
        return self.datasets_dir / dataset_id

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def new_staging_dir(self) -> Path:
        path = self.staging_root / uuid.uuid4().hex
        path.mkdir()
        return path

    # ---- datasets ------------------------------------------------------------------

    def get_dataset(self, dataset_id: str) -> DatasetRecord | None:
        row = self.db.execute("SELECT * FROM datasets WHERE dataset_id = ?", (dataset_id,)).fetchone()
        return _dataset(row) if row else None

    def list_datasets(self, after_seq: int, limit: int) -> list[DatasetRecord]:
        rows = self.db.execute("SELECT * FROM datasets WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit))
        return [_dataset(r) for r in rows]

    def add_dataset(self, staged: Path, dataset_id: str, manifest: bytes, manifest_digest: bytes,
                    num_rows: int, num_columns: int, num_contributors: int, insecure_srs: bool) -> DatasetRecord:
        """Move a complete registration from ``staged`` into place, then commit its row.

        The caller has checked that ``dataset_id`` is free (and nothing can take it
        in between: the event loop runs this without yielding).
        """
        target = self.dataset_dir(dataset_id)
        os.rename(staged, target)
        _fsync_dir(self.datasets_dir)
        try:
            with self._transaction():
                self.db.execute(
                    "INSERT INTO datasets (dataset_id, manifest, manifest_digest, num_rows, num_columns, "
                    "num_contributors, insecure_srs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (dataset_id, manifest, manifest_digest, num_rows, num_columns, num_contributors,
                     int(insecure_srs), time.time()))
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return self.get_dataset(dataset_id)

    # ---- jobs ----------------------------------------------------------------------

    def get_job(self, job_id: str) -> JobRecord | None:
        row = self.db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def job_by_key(self, idempotency_key: str) -> JobRecord | None:
        row = self.db.execute("SELECT * FROM jobs WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
        return _job(row) if row else None

    def add_job(self, dataset_id: str, queries: np.ndarray, fees: list[int], idempotency_key: str | None,
                request_digest: bytes, epoch: int = 0) -> JobRecord:
        """Write the job's queries, then commit it as QUEUED."""
        job_id = uuid.uuid4().hex
        atomic_save_npy(self.job_dir(job_id) / QUERIES_FILE, queries)
        with self._transaction():
            self.db.execute(
                "INSERT INTO jobs (job_id, dataset_id, idempotency_key, request_digest, num_queries, fees, "
                "epoch, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, dataset_id, idempotency_key, request_digest, len(fees), json.dumps([str(f) for f in fees]),
                 epoch, QUEUED, time.time()))
        return self.get_job(job_id)

    def active_jobs(self) -> int:
        """Jobs QUEUED or RUNNING."""
        return self.db.execute("SELECT COUNT(*) FROM jobs WHERE state IN (?, ?)", (QUEUED, RUNNING)).fetchone()[0]

    def queue_position(self, job: JobRecord) -> int:
        """QUEUED jobs submitted before ``job``."""
        return self.db.execute("SELECT COUNT(*) FROM jobs WHERE state = ? AND seq < ?",
                               (QUEUED, job.seq)).fetchone()[0]

    def _transition(self, job_id: str, from_states: tuple[str, ...], to_state: str, assignments: str = "",
                    params: tuple = ()) -> JobRecord | None:
        """Move a job from one of ``from_states`` to ``to_state`` (and apply ``assignments``, SQL
        ``col = ?`` pairs filled from ``params``); None if the job was in none of those states."""
        marks = ", ".join("?" * len(from_states))
        with self._transaction():
            cur = self.db.execute(f"UPDATE jobs SET state = ?{', ' + assignments if assignments else ''} "
                                  f"WHERE job_id = ? AND state IN ({marks})", (to_state, *params, job_id, *from_states))
        return self.get_job(job_id) if cur.rowcount else None

    def claim_job(self, job_id: str) -> JobRecord | None:
        """QUEUED → RUNNING for a worker; None if the job is no longer queued (cancelled)."""
        return self._transition(job_id, (QUEUED,), RUNNING, "attempts = attempts + 1, started_at = ?, error = ''",
                                (time.time(),))

    def finish_job(self, job_id: str, state: str, error: str = "") -> JobRecord | None:
        """RUNNING → SUCCEEDED or FAILED; None if the job was cancelled meanwhile."""
        return self._transition(job_id, (RUNNING,), state, "error = ?, finished_at = ?", (error, time.time()))

    def requeue_job(self, job_id: str, reason: str) -> JobRecord | None:
        """RUNNING → QUEUED (the work is lost; the job will start again)."""
        return self._transition(job_id, (RUNNING,), QUEUED, "error = ?", (reason,))

    def cancel_job(self, job_id: str) -> JobRecord | None:
        """QUEUED or RUNNING → CANCELLED; None if the job had already ended."""
        return self._transition(job_id, (QUEUED, RUNNING), CANCELLED, "finished_at = ?", (time.time(),))

    def read_result(self, job_id: str) -> tuple[bytes, bytes, list[int]]:
        """(claim bytes, proof bytes, payouts) of a proved job."""
        d = self.job_dir(job_id)
        payouts = [int(p) for p in json.loads((d / PAYOUTS_FILE).read_text())]
        return (d / CLAIM_FILE).read_bytes(), (d / PROOF_FILE).read_bytes(), payouts

    # ---- start-up ------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """Bring the directory back to its last committed state after any stop, clean or not.

        Interrupted (RUNNING) jobs go back to QUEUED; staging directories, and dataset or
        job directories without a row, are removed; every dataset's files are checked.
        """
        report = RecoveryReport()
        with self._transaction():
            report.requeued = [r[0] for r in self.db.execute(
                "SELECT job_id FROM jobs WHERE state = ? ORDER BY seq", (RUNNING,))]
            self.db.execute("UPDATE jobs SET state = ?, error = ? WHERE state = ?",
                            (QUEUED, "requeued: the server stopped while the job ran", RUNNING))
        report.queued = [r[0] for r in self.db.execute(
            "SELECT job_id FROM jobs WHERE state = ? ORDER BY seq", (QUEUED,))]
        for entry in sorted(self.staging_root.iterdir()):
            shutil.rmtree(entry, ignore_errors=True)
            report.removed.append(str(entry.relative_to(self.root)))
        datasets = {r[0] for r in self.db.execute("SELECT dataset_id FROM datasets")}
        jobs = {r[0] for r in self.db.execute("SELECT job_id FROM jobs")}
        for parent, known in ((self.datasets_dir, datasets), (self.jobs_dir, jobs)):
            for entry in sorted(parent.iterdir()):
                if entry.name not in known:
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink()
                    report.removed.append(str(entry.relative_to(self.root)))
                elif entry.is_dir():
                    for tmp in entry.glob(".*.tmp"):      # an atomic write cut short
                        tmp.unlink()
                        report.removed.append(str(tmp.relative_to(self.root)))
        for dataset_id in sorted(datasets):
            try:
                Registration.load(self.dataset_dir(dataset_id))
                report.datasets += 1
            except (RegistrationError, OSError, ValueError) as exc:
                report.damaged_datasets.append(f"{dataset_id} ({exc})")
        return report


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _dataset(row: sqlite3.Row) -> DatasetRecord:
    return DatasetRecord(row["seq"], row["dataset_id"], bytes(row["manifest"]), bytes(row["manifest_digest"]),
                         row["num_rows"], row["num_columns"], row["num_contributors"], bool(row["insecure_srs"]),
                         row["created_at"])


def _job(row: sqlite3.Row) -> JobRecord:
    return JobRecord(row["seq"], row["job_id"], row["dataset_id"], row["idempotency_key"],
                     bytes(row["request_digest"]), row["num_queries"], tuple(int(f) for f in json.loads(row["fees"])),
                     row["epoch"], row["state"], row["attempts"], row["error"], row["created_at"], row["started_at"],
                     row["finished_at"])
