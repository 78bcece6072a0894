"""Registration on a Dask LocalCluster (2 worker processes): the same bytes as one process, and a
worker killed mid-task does not change them (or fails clearly, leaving nothing written)."""

import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from attrib.prover import Prover, Registration
from attrib.prover.distributed import DistributedError
from attrib.prover.streaming import RowSource, SourceError
from attrib.verifier.registration import verify_registration

sys.path.insert(0, str(Path(__file__).parent))
from killer import KillOnTask


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each; a task may kill one worker and be retried (allowed-failures
    = 1: the second death of the same task fails the job)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
        c = distributed.Client(cluster)
        yield c
        c.close()
        cluster.close()


@pytest.mark.parametrize("shards", [2, 4, 32])
def test_dask_bytes_are_the_single_process_bytes(srs, make_case, client, shards):
    case = make_case(rows=1000, cols=5, contributors=7)
    reg = Prover(srs, cluster=client).register_stream(case.source(), shards=shards)
    assert case.same_bytes(reg)
    assert reg.timings["shards"] == shards and reg.timings["workers"] == 2


def test_shards_past_the_rows_hold_only_the_kernel(srs, make_case, client):
    """N = 600 padded to 1024: with 16 shards of 64 rows, shards 10 … 15 lie past the rows and past G."""
    case = make_case(rows=600, cols=5, contributors=7)
    reg = Prover(srs, cluster=client).register_stream(case.source(), shards=16)
    assert case.same_bytes(reg)


def test_dask_shapes_and_in_memory_datasets(srs, make_case, client):
    """G beyond the rows (C·k > N), no scales or digests, an in-memory dataset (scattered)."""
    case = make_case(rows=64, cols=3, contributors=40, scales=False, examples=False)
    assert case.same_bytes(Prover(srs, cluster=client).register_stream(case.source(), shards=8))
    wide = make_case(rows=300, cols=33, contributors=3, examples=False)
    assert wide.same_bytes(Prover(srs, cluster=client).register(wide.dataset))


def test_a_bad_row_fails_on_the_worker_with_its_name(srs, make_case, client):
    case = make_case(rows=1000, cols=5, contributors=7)
    feats = case.features.copy()
    feats[901, 2] = -(2**15)
    with pytest.raises(SourceError, match=r"features\[901, 2\]"):
        Prover(srs, cluster=client).register_stream(RowSource(feats, case.dataset.contributors, case.dataset.offsets))


@pytest.mark.parametrize("pattern", ["-commit-", "-round3-", "-open5-"])
def test_a_killed_worker_is_retried_and_the_proof_is_the_same(srs, make_case, client, tmp_path, pattern):
    case = make_case(rows=1000, cols=5, contributors=7)
    (tmp_path / "kill-1").touch()
    client.register_plugin(KillOnTask(str(tmp_path), pattern))
    try:
        out = tmp_path / "registration"
        reg = Prover(srs, cluster=client).register_stream(case.source(), shards=4)
        assert not out.exists()                      # the job itself writes nothing
        reg.save(out)
    finally:
        client.unregister_worker_plugin(KillOnTask.name)
    assert list(tmp_path.glob("killed-*")), "the plugin killed no worker"
    assert case.same_bytes(reg)
    back = Registration.load(out)
    assert verify_registration(back.manifest, back.proof, trusted_srs_digest=srs.digest())
    assert not [p for p in out.iterdir() if p.name.startswith(".")]      # no temporary files left


def test_losing_the_last_copy_of_the_scattered_job_reruns_the_stage(srs, make_case, client, tmp_path):
    """Worker A dies in round 1 (its shards move to B; A restarts without the job), then B dies in
    round 5: the job scattered to both is gone (scattered data has no lineage), Dask cancels the
    round, and the runner scatters again and reruns it: the same bytes."""
    case = make_case(rows=1000, cols=5, contributors=7)
    client.wait_for_workers(2, timeout=60)
    (tmp_path / "kill-1").write_text("-round1-")
    (tmp_path / "kill-2").write_text("-round5-")
    client.register_plugin(KillOnTask(str(tmp_path), ""))
    try:
        reg = Prover(srs, cluster=client).register_stream(case.source(), shards=2)
    finally:
        client.unregister_worker_plugin(KillOnTask.name)
    assert len(list(tmp_path.glob("killed-*"))) == 2
    assert case.same_bytes(reg)
    assert reg.timings["stage_reruns"] >= 1
    client.wait_for_workers(2, timeout=60)


def test_a_task_that_keeps_killing_workers_fails_clearly(srs, make_case, client, tmp_path):
    case = make_case(rows=1000, cols=5, contributors=7)
    client.wait_for_workers(2, timeout=60)
    for i in range(10):          # more than 3 attempts × (allowed-failures + 1) deaths can use
        (tmp_path / f"kill-{i:02d}").touch()
    client.register_plugin(KillOnTask(str(tmp_path), "-round2-0"))
    out = tmp_path / "registration"
    try:
        with pytest.raises(DistributedError, match="round2.*nothing was written"):
            reg = Prover(srs, cluster=client).register_stream(case.source(), shards=4)
            reg.save(out)
    finally:
        client.unregister_worker_plugin(KillOnTask.name)
        for p in tmp_path.glob("kill-*"):
            p.unlink()
    assert not out.exists()
    client.wait_for_workers(2, timeout=60)
