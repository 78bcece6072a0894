"""The data directory on its own: transitions, recovery after a crash, the directory lock."""

import numpy as np
import pytest

from attrib.prover import Dataset, Prover
from attrib.service.store import CANCELLED, QUEUED, RUNNING, SUCCEEDED, DataDirLocked, Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def dataset(store, srs):
    reg = Prover(srs).register(Dataset(np.arange(12).reshape(6, 2), ["a", "b", "a", "c", "b", "a"]))
    staged = store.new_staging_dir()
    reg.save(staged)
    return store.add_dataset(staged, "d", reg.manifest.to_bytes(), reg.manifest.digest(), 6, 2, 3, True)


def add_job(store, key=None):
    return store.add_job("d", np.ones((2, 2), np.int64), [1, 2**100], key, b"digest")


def test_transitions_are_conditional(store, dataset):
    job = add_job(store)
    assert (job.state, job.attempts, job.fees) == (QUEUED, 0, (1, 2**100))
    assert store.finish_job(job.job_id, SUCCEEDED) is None           # not running
    running = store.claim_job(job.job_id)
    assert (running.state, running.attempts) == (RUNNING, 1)
    assert store.claim_job(job.job_id) is None
    assert store.cancel_job(job.job_id).state == CANCELLED
    assert store.finish_job(job.job_id, SUCCEEDED) is None           # the cancel won
    assert store.requeue_job(job.job_id, "x") is None
    assert store.active_jobs() == 0


def test_idempotency_keys_are_unique(store, dataset):
    first = add_job(store, key="k")
    assert store.job_by_key("k") == first
    with pytest.raises(Exception, match="UNIQUE"):
        add_job(store, key="k")


def test_recover_requeues_and_removes_incomplete_files(tmp_path, store, dataset):
    running = add_job(store)
    store.claim_job(running.job_id)
    queued = add_job(store)
    (store.staging_root / "half-built").mkdir()
    (store.datasets_dir / "never-committed").mkdir()
    (store.jobs_dir / "never-committed").mkdir()
    (store.job_dir(queued.job_id) / ".claim.bin.1234.tmp").write_bytes(b"partial")
    report = store.recover()
    assert report.requeued == [running.job_id] and report.queued == [running.job_id, queued.job_id]
    assert report.datasets == 1 and not report.damaged_datasets
    assert sorted(report.removed) == sorted(["staging/half-built", "datasets/never-committed",
                                             "jobs/never-committed", f"jobs/{queued.job_id}/.claim.bin.1234.tmp"])
    assert store.get_job(running.job_id).state == QUEUED and "requeued" in store.get_job(running.job_id).error
    (store.dataset_dir("d") / "scales.npy").unlink()
    assert store.recover().damaged_datasets[0].startswith("d (")


def test_state_survives_reopening(tmp_path, srs):
    first = Store(tmp_path / "data")
    reg = Prover(srs).register(Dataset(np.arange(4).reshape(2, 2), ["a", "b"]))
    staged = first.new_staging_dir()
    reg.save(staged)
    dataset = first.add_dataset(staged, "d", reg.manifest.to_bytes(), reg.manifest.digest(), 2, 2, 2, True)
    job = first.add_job("d", np.ones((1, 2), np.int64), [5], "k", b"digest")
    first.close()
    again = Store(tmp_path / "data")
    try:
        assert again.get_dataset("d") == dataset and again.get_job(job.job_id) == job
        assert again.recover().datasets == 1
    finally:
        again.close()


def test_one_store_per_directory(tmp_path, store):
    with pytest.raises(DataDirLocked):
        Store(tmp_path / "data")


def test_a_version_1_data_directory_is_upgraded(tmp_path, srs):
    """A data directory written before jobs had an epoch opens with its jobs intact (epoch 0)."""
    import sqlite3

    from attrib.service.store import DB_FILE, SCHEMA_VERSION

    s = Store(tmp_path / "data")
    reg = Prover(srs).register(Dataset(np.arange(12).reshape(6, 2), ["a", "b", "a", "c", "b", "a"]))
    staged = s.new_staging_dir()
    reg.save(staged)
    s.add_dataset(staged, "d", reg.manifest.to_bytes(), reg.manifest.digest(), 6, 2, 3, True)
    job = s.add_job("d", np.ones((2, 2), np.int64), [5], None, b"digest", epoch=4)
    assert s.get_job(job.job_id).epoch == 4
    s.close()
    # turn it back into a version-1 directory: no epoch column
    db = sqlite3.connect(tmp_path / "data" / DB_FILE, isolation_level=None)
    db.executescript("BEGIN; ALTER TABLE jobs DROP COLUMN epoch; PRAGMA user_version = 1; COMMIT;")
    db.close()
    s = Store(tmp_path / "data")
    try:
        upgraded = s.get_job(job.job_id)
        assert (upgraded.fees, upgraded.epoch, upgraded.state) == ((5,), 0, QUEUED)
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        s.close()
    db = sqlite3.connect(tmp_path / "data" / DB_FILE, isolation_level=None)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        Store(tmp_path / "data")
