"""A data directory as the service leaves it: a real Store, real registrations and proofs (dev SRS 2^16).

Dataset "tiny": 6 contributors, three SUCCEEDED epochs (ledger epochs 1-3), one QUEUED and one
FAILED job (which the explorer must not show), and one SUCCEEDED job whose proof file is another
epoch's proof (the explorer must show it REJECTED once it checks).  Dataset "empty": registered,
no epoch.  ``expected`` holds what the files say, for the tests to compare pages with.
"""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from attrib.prover import SRS
from attrib.prover.attribution import Prover
from attrib.prover.dataset import Dataset
from attrib.service.store import FAILED, SUCCEEDED, Store
from attrib.service.worker import prove_job
from attrib.verifier.attribution import Claim

SRS_LOG_N = 16
ROWS, COLS, CONTRIBUTORS, QUERIES = 48, 4, 6, 8


def _rows(seed: int, contributors: int):
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(ROWS, COLS))
    owners = [f"contributor-{i % contributors}" for i in range(ROWS)]      # every contributor has rows
    scales = rng.integers(0, 2**24, ROWS)
    return features, owners, scales


def _epoch(seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(-(2**15) + 1, 2**15, size=(QUERIES, COLS)), [int(x) for x in rng.integers(0, 10**9, QUERIES)]


def _register(store: Store, prover: Prover, dataset_id: str, seed: int, contributors: int):
    reg = prover.register(Dataset(*_rows(seed, contributors)))
    staged = store.new_staging_dir()
    reg.save(staged)
    store.add_dataset(staged, dataset_id, reg.manifest.to_bytes(), reg.manifest.digest(), ROWS, COLS,
                      reg.manifest.num_contributors, prover.srs.insecure)
    return reg


def _job(store: Store, dataset_id: str, seed: int, epoch: int):
    queries, fees = _epoch(seed)
    digest = hashlib.sha256(f"{dataset_id}/{seed}".encode()).digest()
    return store.add_job(dataset_id, queries, fees, None, digest, epoch), fees


@pytest.fixture(scope="session")
def srs(tmp_path_factory):
    return SRS.dev(SRS_LOG_N, seed=0, cache_dir=tmp_path_factory.mktemp("srs-cache"))


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, srs):
    """(path, expected) of the data directory described above."""
    root = tmp_path_factory.mktemp("explorer") / "data"
    store = Store(root)
    prover = Prover(srs)
    reg = _register(store, prover, "tiny", 0, CONTRIBUTORS)
    empty = _register(store, prover, "empty", 1, 3)
    epochs = []
    for e in (1, 2, 3):
        job, fees = _job(store, "tiny", 10 + e, e)
        store.claim_job(job.job_id)
        prove_job(prover, store.dataset_dir("tiny"), store.job_dir(job.job_id), fees, e)
        store.finish_job(job.job_id, SUCCEEDED)
        claim, _, payouts = store.read_result(job.job_id)
        epochs.append({"job_id": job.job_id, "claim": Claim.from_bytes(claim), "payouts": payouts, "fees": fees,
                       "ledger_epoch": e})
    queued, _ = _job(store, "tiny", 20, 4)
    failed, _ = _job(store, "tiny", 21, 4)
    store.claim_job(failed.job_id)
    store.finish_job(failed.job_id, FAILED, "test: failed")
    forged, fees = _job(store, "tiny", 22, 4)          # its claim is its own, its proof another epoch's
    store.claim_job(forged.job_id)
    prove_job(prover, store.dataset_dir("tiny"), store.job_dir(forged.job_id), fees, 4)
    shutil.copy(store.job_dir(epochs[0]["job_id"]) / "proof.bin", store.job_dir(forged.job_id) / "proof.bin")
    store.finish_job(forged.job_id, SUCCEEDED)
    claim, _, payouts = store.read_result(forged.job_id)
    store.close()
    expected = {"digest": reg.manifest.digest().hex(), "manifest": reg.manifest, "epochs": epochs,
                "forged": {"job_id": forged.job_id, "claim": Claim.from_bytes(claim), "payouts": payouts},
                "queued": queued.job_id, "failed": failed.job_id, "empty_digest": empty.manifest.digest().hex(),
                "srs_digest": srs.digest()}
    return root, expected
