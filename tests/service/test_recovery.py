"""Crashes and stops: kill -9 during a proof, SIGTERM, a second server on the same directory."""

from __future__ import annotations

import os
import time
from pathlib import Path

import grpc
import pytest

from attrib.service.api import attribution_pb2 as pb
from attrib.service.client import ServiceError
from attrib.service.local import ServerExited

LARGE = (1 << 14, 32, 40)          # rows, columns, contributors: a proof of about a second here


def wait_until_running(client, job_id: str) -> None:
    """Return once the job has reported progress (its worker is proving it)."""
    for event in client.watch(job_id):
        if event.type == pb.JOB_EVENT_TYPE_PROGRESS:
            return
    pytest.fail(f"job {job_id} ended before it reported progress")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def memory_map(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def test_kill_9_during_a_proof_then_restart(start_server, make_rows, make_epoch, verify):
    server = start_server()
    with server.client() as c:
        registered = c.register("large", *make_rows(*LARGE, seed=5))
        small = c.register("small", *make_rows(500, 4, 3))
        epochs = [make_epoch(16, 32, seed=s) for s in range(3)]
        jobs = [c.submit("large", *epoch).job_id for epoch in epochs]
        wait_until_running(c, jobs[0])
        children = server.children()
        offset = server.log_path.stat().st_size
        server.kill()
    assert len(children) >= 2                    # a prove worker and the request pool
    deadline = time.monotonic() + 5
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in children), "children outlived the killed server"

    server.start()
    log = server.log(offset)
    assert (f"recovery: 2 datasets intact; 1 interrupted jobs requeued ({jobs[0]}); 3 jobs to run; "
            "0 incomplete files removed") in log
    with server.client() as c:
        assert c.dataset("large").manifest == registered.manifest
        assert c.dataset("small").manifest == small.manifest
        manifest = c.manifest("large")
        for job_id, (queries, fees) in zip(jobs, epochs):
            final = c.wait(job_id, timeout=120)
            assert final.state == pb.JOB_STATE_SUCCEEDED, final
            result = c.proof(job_id)
            assert result.claim.total_fees == sum(fees) and result.claim.num_queries == len(fees)
            assert verify(manifest, result.claim, result.proof)
        assert c.job(jobs[0]).attempts == 2           # started before the kill and again after
        assert [c.job(j).attempts for j in jobs[1:]] == [1, 1]


def test_a_crashed_worker_is_replaced_and_the_job_retried(start_server, make_rows, make_epoch, verify):
    server = start_server()
    with server.client() as c:
        c.register("large", *make_rows(*LARGE, seed=5))
        queries, fees = make_epoch(16, 32)
        job_id = c.submit("large", queries, fees).job_id
        wait_until_running(c, job_id)
        # the prove worker is the child that has the dataset's features memory-mapped
        proving = [p for p in server.children() if "features.npy" in memory_map(p)]
        assert len(proving) == 1
        os.kill(proving[0], 9)
        final = c.wait(job_id, timeout=120)
        assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 2
        assert verify(c.manifest("large"), c.proof(job_id).claim, c.proof(job_id).proof)
    assert f"job {job_id}: requeued: the prove worker died (exit code -9)" in server.log()


def test_sigterm_lets_the_running_job_finish(start_server, make_rows, make_epoch, verify):
    server = start_server()
    with server.client() as c:
        c.register("large", *make_rows(*LARGE, seed=5))
        job_id = c.submit("large", *make_epoch(16, 32)).job_id
        wait_until_running(c, job_id)
        server.process.send_signal(15)
        deadline = time.monotonic() + 10
        while c.health() != "NOT_SERVING" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.health() == "NOT_SERVING"
        with pytest.raises(ServiceError) as info:
            c.submit("large", *make_epoch(1, 32))
        assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert server.process.wait(60) == 0
    assert f"job {job_id}: succeeded" in server.log()
    server.start()
    with server.client() as c:
        assert c.job(job_id).state == pb.JOB_STATE_SUCCEEDED
        result = c.proof(job_id)
        assert verify(c.manifest("large"), result.claim, result.proof)


def test_sigterm_after_the_grace_period_requeues(start_server, make_rows, make_epoch):
    server = start_server("--shutdown-grace", "0")
    with server.client() as c:
        c.register("large", *make_rows(*LARGE, seed=5))
        job_id = c.submit("large", *make_epoch(16, 32)).job_id
        wait_until_running(c, job_id)
    assert server.terminate() == 0
    assert f"requeued 1 running jobs for the next start: {job_id}" in server.log()
    server.start()
    with server.client() as c:
        assert c.wait(job_id, timeout=120).state == pb.JOB_STATE_SUCCEEDED
        assert c.job(job_id).attempts == 2


def test_one_server_per_data_directory(start_server):
    first = start_server()
    with pytest.raises(ServerExited, match="is in use by another server"):
        start_server(data_dir=first.data_dir)
    with first.client() as c:
        assert c.health() == "SERVING"
