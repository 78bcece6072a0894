"""``attrib serve --dask ADDRESS``: the service registers on a Dask cluster, with the same manifest."""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from attrib.prover import SRS, Dataset, Prover
from attrib.service.local import LocalServer
from attrib.verifier.registration import verify_registration


def _mapped_the_srs() -> bool:
    """On a worker: whether a registration task opened the SRS file here (attrib.prover.distributed)."""
    from attrib.prover import distributed as d

    return any(isinstance(key, tuple) and key[0] == "powers" for key in d._CACHE)


def test_the_service_registers_on_dask_with_the_same_bytes(tmp_path):
    cache = tmp_path / "srs"
    srs = SRS.dev(12, seed=0, cache_dir=cache)                 # the server's SRS, cached where workers map it
    rng = np.random.default_rng(4)
    features = rng.integers(-(2**15) + 1, 2**15, size=(700, 6))
    owners = [f"c{int(x)}" for x in rng.integers(0, 5, 700)]
    scales = rng.integers(0, 2**24, 700)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    try:
        with LocalServer(tmp_path / "data", "dask-test-token-0123456789",
                         ["--dev-srs", "12", "--pool-processes", "1", "--dask", cluster.scheduler_address],
                         env={"ATTRIB_SRS_CACHE_DIR": str(cache)}) as server, server.client() as client:
            ds = client.register("on-dask", features, owners, scales)
            with distributed.Client(cluster) as c:
                worked = c.run(_mapped_the_srs)
    finally:
        cluster.close()
    expected = Prover(srs).register(Dataset(features, owners, scales))
    assert ds.manifest == expected.manifest.to_bytes()
    assert any(worked.values())                               # the workers did the registration
    assert verify_registration(ds.manifest, expected.proof, trusted_srs_digest=srs.digest())
