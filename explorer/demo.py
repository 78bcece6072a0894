"""``attrib demo --explorer``: the demo's registration and epochs in a service data directory, then the explorer.

The demo proves in memory; :func:`publish` writes what it proved into a data directory the way the
service does (``attrib.service.store.Store``: the registration staged and committed, each epoch a
job QUEUED → RUNNING → SUCCEEDED with its payouts, claim and proof files), and proves a few more
epochs there with the service's own :func:`attrib.service.worker.prove_job`, so that the explorer
has a series to chart.  :func:`serve_demo` then serves the explorer over it and prints the URL.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np

EXTRA_EPOCHS = 3


def publish(data_dir: str | Path, prover, registration, epoch, queries: np.ndarray, fees: list[int],
            extra_epochs: int = EXTRA_EPOCHS, say=print) -> str:
    """Register the demo's dataset, prove its epoch again as ledger epoch 1 and ``extra_epochs`` more over
    random halves of its queries with random fees (ledger epochs 2, 3, …), all through the store; returns
    the dataset id."""
    from attrib.service.store import SUCCEEDED, Store
    from attrib.service.worker import prove_job

    store = Store(data_dir)
    try:
        dataset_id, n = "digits", 1
        while store.get_dataset(dataset_id) is not None:
            n += 1
            dataset_id = f"digits-{n}"
        staged = store.new_staging_dir()
        registration.save(staged)
        manifest = registration.manifest
        store.add_dataset(staged, dataset_id, manifest.to_bytes(), manifest.digest(), manifest.num_rows,
                          manifest.num_columns, manifest.num_contributors, prover.srs.insecure)
        jobs = [(epoch.queries, list(epoch.fees))]
        rng = np.random.default_rng(len(fees))
        t = len(fees)
        for e in range(extra_epochs):
            chosen = np.sort(rng.choice(t, size=max(1, t // 2), replace=False))
            jobs.append((np.asarray(epoch.queries)[chosen], [int(f) for f in rng.integers(1, 2 * max(fees) + 2,
                                                                                         len(chosen))]))
        for seq, (q, f) in enumerate(jobs, start=1):
            request = hashlib.sha256(f"{dataset_id}/{seq}".encode()).digest()
            job = store.add_job(dataset_id, np.asarray(q, dtype=np.int64), f, None, request, seq)
            store.claim_job(job.job_id)
            job_dir = store.job_dir(job.job_id)
            prove_job(prover, store.dataset_dir(dataset_id), job_dir, f, seq)   # again: the demo's seq is 0
            store.finish_job(job.job_id, SUCCEEDED)
            say(f"explorer data: epoch {seq} of {dataset_id} proved as job {job.job_id}")
    finally:
        store.close()
    return dataset_id


def serve_demo(keep: dict, data_dir: str | None = None, host: str = "127.0.0.1", port: int = 8080) -> int:
    """Publish the demo's artifacts (``keep``: prover, registration, epoch, queries, fees) and serve the explorer."""
    from attrib.explorer.app import Explorer, create_app
    from attrib.explorer.cli import serve

    data_dir = data_dir or tempfile.mkdtemp(prefix="attrib-demo-data-")
    publish(data_dir, keep["prover"], keep["registration"], keep["epoch"], keep["queries"], keep["fees"])
    digest = keep["prover"].srs.digest()
    explorer = Explorer(data_dir, None, digest, refresh_s=2.0)
    explorer.index.refresh()
    print(f"data directory: {data_dir} (the explorer verifies its proofs against the demo's SRS {digest.hex()[:16]}…)")
    serve(create_app(explorer), host, port,
          announce=lambda url: print(f"explorer: {url}  (Ctrl-C to stop; later: attrib explorer --data-dir "
                                     f"{data_dir} --trusted-srs-digest {digest.hex()})", flush=True))
    return 0
