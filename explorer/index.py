"""The explorer's index of a data directory, kept in its own SQLite file.

The service's database (``DATA_DIR/attrib.sqlite3``) is only ever opened read-only (a
``file:…?mode=ro`` URI, one short read per refresh, so WAL lets the service write meanwhile);
the result files of SUCCEEDED jobs are read once, when the job is first seen.  What a page
needs is then in the cache:

    datasets      one row per registered dataset (digest, sizes, registration check)
    contributors  (dataset, index) → contributor id and row count
    epochs        one row per SUCCEEDED job: the claim's numbers, dust, top payouts, the proof check
    payouts       (dataset, contributor index, epoch) → payout: a contributor's page is one range read

Amounts are exact: an INTEGER when below 2^63, else its decimal TEXT (:func:`to_db`/:func:`from_db`).
Epochs are keyed by the job's ``seq`` in the service database (their order of submission);
``ledger_epoch`` is the claim's ``seq`` (0 when the job was not numbered for a ledger).

Verification is never assumed: a proof's status stays "not verified here" until this explorer
checks it with :func:`attrib.verifier.verify_attribution` (or the registration proof with
``verify_registration``) against a trusted SRS digest the user gave; the result, the digest and
the time are recorded.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CACHE_FILE = "explorer-cache.sqlite"
CACHE_SCHEMA_VERSION = 1
SERVICE_DB = "attrib.sqlite3"
TOP_PAYOUTS = 10
INT64_MAX = (1 << 63) - 1

VERIFIED, REJECTED, UNCHECKED = "verified", "rejected", None

CACHE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
    key              INTEGER PRIMARY KEY,       -- the service's datasets.seq
    dataset_id       TEXT NOT NULL UNIQUE,
    digest           TEXT NOT NULL UNIQUE,      -- manifest digest, 64 hex digits
    num_rows         INTEGER NOT NULL,
    num_columns      INTEGER NOT NULL,
    num_contributors INTEGER NOT NULL,
    insecure_srs     INTEGER NOT NULL,
    srs_digest       TEXT NOT NULL,
    created_at       REAL NOT NULL,
    reg_status       TEXT,                      -- NULL: not verified here
    reg_checked_at   REAL,
    reg_checked_srs  TEXT
);
CREATE TABLE IF NOT EXISTS contributors (
    dataset_key    INTEGER NOT NULL,
    idx            INTEGER NOT NULL,
    contributor_id TEXT NOT NULL,
    rows           INTEGER NOT NULL,
    PRIMARY KEY (dataset_key, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contributors_by_id ON contributors(contributor_id);
CREATE TABLE IF NOT EXISTS epochs (
    key            INTEGER PRIMARY KEY,         -- the service's jobs.seq
    dataset_key    INTEGER NOT NULL,
    job_id         TEXT NOT NULL UNIQUE,
    ledger_epoch   INTEGER NOT NULL,            -- the claim's seq
    num_queries    INTEGER NOT NULL,
    total_fees     TEXT NOT NULL,
    total_paid     TEXT NOT NULL,
    paid_count     INTEGER NOT NULL,            -- contributors with a non-zero payout
    top            TEXT NOT NULL,               -- JSON [[index, amount text], ...] largest first
    finished_at    REAL,
    sidecar_ok     INTEGER NOT NULL,            -- payouts.json has C entries summing to the claim's total_paid
    status         TEXT,                        -- NULL: not verified here
    checked_at     REAL,
    checked_srs    TEXT
);
CREATE INDEX IF NOT EXISTS epochs_by_dataset ON epochs(dataset_key, key);
CREATE TABLE IF NOT EXISTS payouts (
    dataset_key INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    epoch_key   INTEGER NOT NULL,
    amount      NOT NULL,                       -- INTEGER below 2^63, else decimal TEXT
    PRIMARY KEY (dataset_key, idx, epoch_key)
) WITHOUT ROWID;
"""


def to_db(amount: int):
    return amount if amount <= INT64_MAX else str(amount)


def from_db(value) -> int:
    return int(value)


def connect_readonly(path: Path) -> sqlite3.Connection:
    """The service's database, read-only (it is never written, locked for writing, or created here)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    db.row_factory = sqlite3.Row
    return db


@dataclass
class RefreshReport:
    datasets: int = 0
    epochs: int = 0
    skipped: list = None

    def __post_init__(self):
        self.skipped = self.skipped or []


class Index:
    """The cache file; one writer (the refresher), any number of per-request readers."""

    def __init__(self, data_dir: str | Path, cache_path: str | Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.cache_path = Path(cache_path) if cache_path else self.data_dir / CACHE_FILE
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        db = self._writer = sqlite3.connect(self.cache_path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        source = str(self.data_dir.resolve())
        if version not in (0, CACHE_SCHEMA_VERSION) or self._meta(db, "data_dir") not in (None, source):
            db.close()                      # another layout or another data directory: start over
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.cache_path}{suffix}").unlink(missing_ok=True)
            db = self._writer = sqlite3.connect(self.cache_path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(f"BEGIN; {CACHE_SCHEMA} PRAGMA user_version = {CACHE_SCHEMA_VERSION}; COMMIT;")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('data_dir', ?)", (source,))

    @staticmethod
    def _meta(db, key):
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None
        return row[0] if row else None

    def reader(self) -> sqlite3.Connection:
        """This thread's read connection to the cache."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"{self.cache_path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def close(self) -> None:
        self._writer.close()

    # ---- filling ---------------------------------------------------------------------

    def refresh(self) -> RefreshReport:
        """Take in every dataset and SUCCEEDED job the cache does not hold yet."""
        from attrib.verifier.attribution import Claim
        from attrib.verifier.messages import Manifest

        report = RefreshReport()
        service_db = self.data_dir / SERVICE_DB
        if not service_db.exists():
            return report
        with self._write_lock:
            db = self._writer
            known_ds = {r[0] for r in db.execute("SELECT key FROM datasets")}
            known_jobs = {r[0] for r in db.execute("SELECT key FROM epochs")}
            src = connect_readonly(service_db)
            try:
                new_ds = [r for r in src.execute("SELECT seq, dataset_id, manifest, manifest_digest, num_rows, "
                                                 "num_columns, num_contributors, insecure_srs, created_at "
                                                 "FROM datasets ORDER BY seq") if r["seq"] not in known_ds]
                jobs = [r for r in src.execute("SELECT j.seq, j.job_id, j.num_queries, j.fees, j.epoch, "
                                               "j.finished_at, d.seq AS dataset_seq FROM jobs j JOIN datasets d "
                                               "ON d.dataset_id = j.dataset_id WHERE j.state = 'SUCCEEDED' "
                                               "ORDER BY j.seq") if r["seq"] not in known_jobs]
            finally:
                src.close()
            manifests = {}
            for r in new_ds:
                manifest = Manifest.from_bytes(bytes(r["manifest"]))
                manifests[r["seq"]] = manifest
                offsets = manifest.offsets
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO datasets (key, dataset_id, digest, num_rows, num_columns, num_contributors, "
                           "insecure_srs, srs_digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (r["seq"], r["dataset_id"], bytes(r["manifest_digest"]).hex(), r["num_rows"],
                            r["num_columns"], r["num_contributors"], int(r["insecure_srs"]),
                            manifest.srs_digest.hex(), r["created_at"]))
                db.executemany("INSERT INTO contributors VALUES (?, ?, ?, ?)",
                               [(r["seq"], i, cid, offsets[i + 1] - offsets[i])
                                for i, cid in enumerate(manifest.contributors)])
                db.execute("COMMIT")
                report.datasets += 1
            sizes = dict(db.execute("SELECT key, num_contributors FROM datasets"))
            digests = dict(db.execute("SELECT key, digest FROM datasets"))
            for r in jobs:
                job_dir = self.data_dir / "jobs" / r["job_id"]
                try:
                    claim = Claim.from_bytes((job_dir / "claim.bin").read_bytes())
                    payouts = [int(p) for p in json.loads((job_dir / "payouts.json").read_text())]
                except (OSError, ValueError) as exc:
                    report.skipped.append(f"{r['job_id']}: {exc}")
                    continue
                ds = r["dataset_seq"]
                if bytes(claim.manifest_digest).hex() != digests.get(ds):
                    report.skipped.append(f"{r['job_id']}: the claim names another manifest")
                    continue
                sidecar_ok = len(payouts) == sizes[ds] and sum(payouts) == claim.total_paid
                top = sorted(range(len(payouts)), key=lambda c: -payouts[c])[:TOP_PAYOUTS]
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO epochs (key, dataset_key, job_id, ledger_epoch, num_queries, total_fees, "
                           "total_paid, paid_count, top, finished_at, sidecar_ok) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           (r["seq"], ds, r["job_id"], claim.seq, claim.num_queries, str(claim.total_fees),
                            str(claim.total_paid), sum(1 for p in payouts if p), 
                            json.dumps([[c, str(payouts[c])] for c in top]), r["finished_at"], int(sidecar_ok)))
                db.executemany("INSERT INTO payouts VALUES (?, ?, ?, ?)",
                               [(ds, c, r["seq"], to_db(p)) for c, p in enumerate(payouts)])
                db.execute("COMMIT")
                report.epochs += 1
        return report

    # ---- verification ----------------------------------------------------------------

    def pending_checks(self, trusted_srs_digest: bytes, limit: int = 10) -> list[tuple]:
        """Up to ``limit`` checks not yet made against ``trusted_srs_digest``: ("registration", key,
        manifest path, proof path) or ("epoch", key, manifest path, claim path, proof path)."""
        hexd = trusted_srs_digest.hex()
        db = self._writer
        out = []
        for key, dataset_id in db.execute("SELECT key, dataset_id FROM datasets WHERE reg_checked_srs IS NOT ? "
                                          "ORDER BY key LIMIT ?", (hexd, limit)):
            d = self.data_dir / "datasets" / dataset_id
            out.append(("registration", key, d / "manifest.bin", d / "registration_proof.bin"))
        for key, job_id, dataset_id in db.execute(
                "SELECT e.key, e.job_id, d.dataset_id FROM epochs e JOIN datasets d ON d.key = e.dataset_key "
                "WHERE e.checked_srs IS NOT ? ORDER BY e.key LIMIT ?", (hexd, max(0, limit - len(out)))):
            j = self.data_dir / "jobs" / job_id
            out.append(("epoch", key, self.data_dir / "datasets" / dataset_id / "manifest.bin",
                        j / "claim.bin", j / "proof.bin"))
        return out

    def record_check(self, kind: str, key: int, valid: bool, trusted_srs_digest: bytes,
                     at: float | None = None) -> None:
        at = time.time() if at is None else at
        status = VERIFIED if valid else REJECTED
        with self._write_lock:
            if kind == "registration":
                self._writer.execute("UPDATE datasets SET reg_status = ?, reg_checked_at = ?, reg_checked_srs = ? "
                                     "WHERE key = ?", (status, at, trusted_srs_digest.hex(), key))
            else:
                self._writer.execute("UPDATE epochs SET status = ?, checked_at = ?, checked_srs = ? WHERE key = ?",
                                     (status, at, trusted_srs_digest.hex(), key))


def run_check(check: tuple, trusted_srs_digest: bytes) -> bool:
    """One check of :meth:`Index.pending_checks` (runs in a worker process; False for missing files)."""
    from attrib.verifier import verify_attribution, verify_registration

    try:
        files = [Path(p).read_bytes() for p in check[2:]]
    except OSError:
        return False
    if check[0] == "registration":
        return verify_registration(*files, trusted_srs_digest=trusted_srs_digest)
    return verify_attribution(*files, trusted_srs_digest=trusted_srs_digest)


def check_all(index: Index, trusted_srs_digest: bytes, submit=None) -> int:
    """Make every pending check (``submit(fn, *args)`` → future, e.g. a process pool's; inline when None)."""
    done = 0
    while True:
        checks = index.pending_checks(trusted_srs_digest)
        if not checks:
            return done
        for check in checks:
            if submit is None:
                valid = run_check(check, trusted_srs_digest)
            else:
                valid = submit(run_check, check, trusted_srs_digest).result()
            index.record_check(check[0], check[1], valid, trusted_srs_digest)
            done += 1
