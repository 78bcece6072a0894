"""The prover service over gRPC, end to end, against one server started for this module."""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import numpy as np
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from attrib.prover import SRS, Dataset, Prover
from attrib.service.api import attribution_pb2 as pb
from attrib.service.api import attribution_pb2_grpc as pb_grpc
from attrib.service.client import ServiceError, job_state_name
from attrib.verifier import verify_attribution, verify_payouts

SMALL = {"rows": 1000, "cols": 8, "contributors": 7}


@pytest.fixture(scope="module")
def small(client, make_rows):
    """A registered 1000 × 8 dataset: (pb.Dataset, features, owners, scales)."""
    features, owners, scales = make_rows(**SMALL)
    return client.register("small", features, owners, scales), features, owners, scales


@pytest.fixture(scope="module")
def large(client, make_rows):
    """A registered 2^14 × 32 dataset, whose proofs take long enough to watch and cancel."""
    features, owners, scales = make_rows(1 << 14, 32, 40, seed=5)
    return client.register("large", features, owners, scales)


@pytest.fixture(scope="module")
def small_proof(client, small, make_epoch):
    queries, fees = make_epoch(5, SMALL["cols"])
    return client.prove("small", queries, fees)


def code_of(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value.code, info.value.details


# ---- the whole flow ------------------------------------------------------------------

def test_server_info_names_the_srs_and_limits(client, srs):
    info = client.server_info()
    assert info.srs_digest == srs.digest()
    assert info.insecure_srs and "INSECURE" in info.srs_source
    assert info.srs_max_log_n == 16 and info.max_rows == 1 << 16
    assert info.queue_capacity == 12 and info.max_queries == 256 and info.max_columns == 64
    assert (info.manifest_version, info.claim_version, info.proof_version) == (4, 1, 2)
    assert info.server_version and info.grpc_version == grpc.__version__
    assert not info.evm_calldata_available          # no on-chain verifier in this version


def test_whole_flow(client, small, srs, make_epoch, verify):
    ds, features, owners, scales = small
    assert (ds.dataset_id, ds.num_rows, ds.num_columns, ds.num_contributors) == ("small", 1000, 8, 7)
    expected = Prover(srs).register(Dataset(features, owners, scales)).manifest
    assert ds.manifest == expected.to_bytes() and ds.manifest_digest == expected.digest()
    assert client.manifest("small") == expected
    assert "small" in [d.dataset_id for d in client.list_datasets()]

    queries, fees = make_epoch(6, 8, seed=7)
    submitted = client.submit("small", queries, fees)
    events = []
    final = client.wait(submitted.job_id, on_event=events.append, timeout=60)
    assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 1 and final.fraction == 1.0
    assert events[0].type == pb.JOB_EVENT_TYPE_SNAPSHOT
    assert events[-1].type == pb.JOB_EVENT_TYPE_STATE_CHANGED and events[-1].job.state == pb.JOB_STATE_SUCCEEDED
    progress = [e.job for e in events if e.type == pb.JOB_EVENT_TYPE_PROGRESS]
    assert {"cells sum-check", "batching sum-check", "fold commitments"} <= {p.stage for p in progress}
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and 0 < fractions[-1] <= 1

    result = client.proof(submitted.job_id)
    assert result.manifest_digest == expected.digest() and result.dataset_id == "small"
    assert result.claim.total_fees == sum(fees) and result.claim.total_paid == sum(result.payouts)
    local = Prover(srs).prove(Prover(srs).register(Dataset(features, owners, scales)), queries, fees)
    assert result.payouts == local.payouts and result.claim == local.claim     # the same epoch, proved here
    assert verify(expected, result.claim, result.proof)
    assert result.evm_calldata == b""
    values, opening = client.open_payouts(submitted.job_id, [0, 3])
    assert values == [result.payouts[0], result.payouts[3]]
    assert verify_payouts(expected, result.claim, [0, 3], values, opening, trusted_srs_digest=srs.digest())
    code, details = code_of(lambda: client.open_payouts(submitted.job_id, [7]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "indices" in details
    assert client.verify(expected, result.claim, result.proof) == (True, "")
    assert client.verify(expected, result.claim, result.proof, trusted_srs_digest=srs.digest()) == (True, "")
    assert job_state_name(client.job(submitted.job_id).state) == "SUCCEEDED"


def test_balances_for_withdrawals(client, small, srs, make_epoch):
    """Epochs proved for a ledger (epoch = the claim's seq), then a withdrawal's balance opening over
    them, with epochs left out (one, then two in one range); each checks with verify_balance, and a wrong
    request is refused."""
    from attrib.verifier import verify_balance
    from attrib.verifier.payouts import excluded_ranges

    manifest = client.manifest("small")
    results = []
    for epoch in (1, 2, 3):
        queries, fees = make_epoch(4, 8, seed=20 + epoch)
        results.append(client.prove("small", queries, fees, epoch=epoch, timeout=120))
    assert [r.claim.seq for r in results] == [1, 2, 3]
    ids = [r.job_id for r in results]
    value, commitment, excluded, opening = client.open_balance("small", ids, 3)
    assert value == sum(r.payouts[3] for r in results) and excluded == []
    assert verify_balance(manifest, 3, [], commitment, 3, value, opening, trusted_srs_digest=srs.digest())
    value, commitment, excluded, opening = client.open_balance("small", [ids[0], "", ids[2]], 3)
    assert excluded == [2] and value == results[0].payouts[3] + results[2].payouts[3]
    assert verify_balance(manifest, 3, [(2, 2)], commitment, 3, value, opening, trusted_srs_digest=srs.digest())
    assert not verify_balance(manifest, 3, [], commitment, 3, value, opening, trusted_srs_digest=srs.digest())
    # two consecutive epochs left out: the opening is bound to them as one range (excluded_ranges)
    value, commitment, excluded, opening = client.open_balance("small", ["", "", ids[2]], 3)
    assert excluded == [1, 2] and excluded_ranges(excluded) == [(1, 2)] and value == results[2].payouts[3]
    assert verify_balance(manifest, 3, [(1, 2)], commitment, 3, value, opening, trusted_srs_digest=srs.digest())
    assert not verify_balance(manifest, 3, [(1, 1), (2, 2)], commitment, 3, value, opening,
                              trusted_srs_digest=srs.digest())
    for request, code, words in (((ids[1:],), grpc.StatusCode.INVALID_ARGUMENT, "proved epoch 2, not 1"),
                                 (([],), grpc.StatusCode.INVALID_ARGUMENT, "epoch_job_ids"),
                                 ((["no-such-job"],), grpc.StatusCode.NOT_FOUND, "no-such-job")):
        got, details = code_of(lambda: client.open_balance("small", *request, 0))
        assert got == code and words in details, (got, details)
    got, details = code_of(lambda: client.open_balance("small", ids, 7))
    assert got == grpc.StatusCode.INVALID_ARGUMENT and "index" in details


def test_rows_are_opened_for_audits(client, small, srs):
    """OpenRows: registered rows' features and scales with one opening that verify_rows accepts."""
    from attrib.verifier import verify_rows

    ds, features, owners, scales = small
    manifest = client.manifest("small")
    rows = [0, 999, 500]
    values, opening = client.open_rows("small", rows)
    local = Prover(srs).register(Dataset(features, owners, scales))
    assert values == [[int(v) for v in local.features[r]] + [int(local.scales[r]), 0] for r in rows]   # no digests
    assert verify_rows(manifest, rows, values, opening, trusted_srs_digest=srs.digest())
    wrong = [list(v) for v in values]
    wrong[1][0] += 1
    assert not verify_rows(manifest, rows, wrong, opening, trusted_srs_digest=srs.digest())
    for bad, words in (([1000], "rows"), ([3, 3], "rows"), ([], "at least one row")):
        got, details = code_of(lambda: client.open_rows("small", bad))
        assert got == grpc.StatusCode.INVALID_ARGUMENT and words in details, (got, details)
    got, _ = code_of(lambda: client.open_rows("no-such-dataset", [0]))
    assert got == grpc.StatusCode.NOT_FOUND


def test_verify_gives_reasons(client, small_proof, make_rows, make_epoch, srs):
    manifest = client.manifest("small")
    claim, proof = small_proof.claim, small_proof.proof
    valid, reason = client.verify(manifest, dataclasses.replace(claim, total_paid=claim.total_paid + 1), proof)
    assert not valid and "does not check against the claim" in reason
    other = Prover(srs).register(Dataset(*make_rows(1000, 8, 3, seed=9))).manifest
    assert client.verify(other, claim, proof) == (False, "the claim is for another manifest (its manifest digest "
                                                         "differs)")
    with pytest.raises(ServiceError, match="verifies against its own SRS only"):
        client.verify(manifest, claim, proof, trusted_srs_digest=bytes(32))
    assert client.verify_result(manifest, claim, proof) == (True, "", srs.digest())   # names the SRS it used
    alien_srs = SRS.dev(16, seed=77)                                 # a manifest made with an SRS of its own
    alien = Prover(alien_srs).register(Dataset(*make_rows(1000, 8, 7)))
    alien_epoch = Prover(alien_srs).prove(alien, *make_epoch(5, 8, seed=7))
    alien_claim, alien_proof = alien_epoch.claim, alien_epoch.proof
    assert verify_attribution(alien.manifest, alien_claim, alien_proof, trusted_srs_digest=alien_srs.digest())
    valid, reason = client.verify(alien.manifest, alien_claim, alien_proof)
    assert not valid and "another SRS" in reason


def test_idempotency_key_returns_the_same_job(client, small, make_epoch):
    queries, fees = make_epoch(3, 8, seed=11)
    first = client.submit("small", queries, fees, idempotency_key="epoch-42")
    again = client.submit("small", queries, fees, idempotency_key="epoch-42")
    assert again.job_id == first.job_id and again.deduplicated and not first.deduplicated
    code, details = code_of(lambda: client.submit("small", queries, [f + 1 for f in fees], idempotency_key="epoch-42"))
    assert code == grpc.StatusCode.ALREADY_EXISTS and "idempotency_key" in details and first.job_id in details
    assert client.wait(first.job_id, timeout=60).state == pb.JOB_STATE_SUCCEEDED
    assert client.submit("small", queries, fees, idempotency_key="epoch-42").job_id == first.job_id


def test_list_datasets_pages(client, small, make_rows):
    for i in range(3):
        client.register(f"page-{i}", *make_rows(20, 2, 2, seed=i))
    ids, token, pages = [], "", 0
    while True:
        page = client.prover.ListDatasets(pb.ListDatasetsRequest(page_size=2, page_token=token),
                                          metadata=client.metadata)
        assert all(d.manifest == b"" and d.manifest_digest for d in page.datasets)
        ids += [d.dataset_id for d in page.datasets]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert ids == [d.dataset_id for d in client.list_datasets()] and pages == -(-len(ids) // 2)
    assert ids.index("page-0") < ids.index("page-1") < ids.index("page-2")


# ---- concurrency -----------------------------------------------------------------------

def test_50_concurrent_verifies_and_10_concurrent_jobs(server, client, small, make_epoch, verify):
    """10 jobs submitted at once all prove correctly; then 50 verify calls at once (5 per proof) all
    say VALID while the test checks every proof with the Python verifier itself; and the server
    answers GetServerInfo promptly throughout."""
    manifest = client.manifest("small")
    epochs = [make_epoch(4, 8, seed=100 + i) for i in range(10)]
    stop = threading.Event()
    latencies = []

    def ping():
        with server.client() as c:
            while not stop.is_set():
                start = time.perf_counter()
                c.server_info()
                latencies.append(time.perf_counter() - start)
                time.sleep(0.05)

    def prove(epoch):
        with server.client() as c:
            return c.prove("small", *epoch, timeout=120)

    def verify_remote(result):
        with server.client(token=None) as c:   # verification is open
            return c.verify(manifest, result.claim, result.proof)

    pinger = threading.Thread(target=ping)
    pinger.start()
    try:
        with ThreadPoolExecutor(60) as pool:
            proofs = list(pool.map(prove, epochs))
            verdicts = [pool.submit(verify_remote, proofs[i % 10]) for i in range(50)]
            for (queries, fees), result in zip(epochs, proofs):
                assert result.claim.num_queries == len(fees) and result.claim.total_fees == sum(fees)
                assert verify(manifest, result.claim, result.proof)
            assert [v.result() for v in verdicts] == [(True, "")] * 50
    finally:
        stop.set()
        pinger.join()
    assert len({r.job_id for r in proofs}) == 10
    assert len(latencies) > 10 and max(latencies) < 1.0, f"slowest GetServerInfo: {max(latencies):.2f} s"


# ---- jobs: cancel, queue limits, proofs before they exist -------------------------------

def test_cancel_queued_and_running_jobs(client, large, small, make_epoch):
    queries, fees = make_epoch(8, 32)
    running = client.submit("large", queries, fees).job_id
    queued = client.submit("large", queries, fees).job_id
    for event in client.watch(running):
        if event.job.state == pb.JOB_STATE_RUNNING and event.type == pb.JOB_EVENT_TYPE_PROGRESS:
            break
    assert client.cancel(queued).state == pb.JOB_STATE_CANCELLED
    assert client.cancel(running).state == pb.JOB_STATE_CANCELLED
    assert client.cancel(running).state == pb.JOB_STATE_CANCELLED          # again: unchanged
    for job_id in (running, queued):
        assert client.wait(job_id, timeout=10).state == pb.JOB_STATE_CANCELLED
        code, details = code_of(lambda job_id=job_id: client.proof(job_id))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "CANCELLED" in details
    # the slot replaced the killed worker: the next job runs
    small_q, small_fees = make_epoch(2, 8, seed=3)
    done = client.prove("small", small_q, small_fees, timeout=60)
    assert done.claim.total_fees == sum(small_fees)
    code, details = code_of(lambda: client.cancel(done.job_id))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "SUCCEEDED" in details


def test_full_queue_is_resource_exhausted(client, large, make_epoch):
    queries, fees = make_epoch(2, 32)
    accepted, refused = [], None
    try:
        for _ in range(40):                  # capacity 12; a job may finish while we submit
            try:
                accepted.append(client.submit("large", queries, fees).job_id)
            except ServiceError as exc:
                refused = exc
                break
        assert refused is not None and refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "queue is full" in refused.details and "capacity 12" in refused.details and len(accepted) >= 12
        waiting = [j for j in accepted if client.job(j).state == pb.JOB_STATE_QUEUED]
        assert waiting and client.job(waiting[-1]).queue_position >= 1
        code, details = code_of(lambda: client.proof(waiting[-1]))
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "QUEUED" in details
    finally:
        for job_id in accepted:
            try:
                client.cancel(job_id)
            except ServiceError:
                pass                      # it finished meanwhile


# ---- security ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["missing", "wrong", "longer"])
def test_wrong_or_missing_token_is_refused(server, small, kind, make_rows, make_epoch):
    token = {"missing": None, "wrong": "wrong-token", "longer": server.token + "x"}[kind]
    with server.client(token=token) as c:
        calls = [lambda: c.register("sneaky", *make_rows(4, 2, 1)),
                 lambda: c.submit("small", *make_epoch(1, 8)),
                 lambda: list(c.list_datasets()),
                 lambda: c.dataset("small"),
                 lambda: c.job("0" * 32),
                 lambda: list(c.watch("0" * 32)),
                 lambda: c.cancel("0" * 32)]
        for call in calls:
            code, details = code_of(call)
            assert code == grpc.StatusCode.UNAUTHENTICATED
            assert ("missing" if token is None else "invalid") in details
        assert c.server_info().srs_max_log_n == 16                     # open
        assert c.health() == "SERVING"                                 # open
    with server.client() as c:
        assert "sneaky" not in [d.dataset_id for d in c.list_datasets()]


def test_health_and_reflection(server):
    with grpc.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "attribution.v1.ProverService", "attribution.v1.VerifierService"):
            status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status
            assert status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as info:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        assert info.value.code() == grpc.StatusCode.NOT_FOUND

        # what `grpcurl list` and `grpcurl describe` do, through the reflection service
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        assert {"attribution.v1.ProverService", "attribution.v1.VerifierService", "grpc.health.v1.Health",
                "grpc.reflection.v1alpha.ServerReflection"} <= services
        pool = descriptor_pool.DescriptorPool(database)
        prover = pool.FindServiceByName("attribution.v1.ProverService")
        assert [m.name for m in prover.methods] == ["RegisterDataset", "GetManifest", "ListDatasets",
                                                    "SubmitProveJob", "WatchJob", "GetJob", "CancelJob",
                                                    "GetProof", "OpenPayouts", "OpenBalance", "OpenRows",
                                                    "GetServerInfo"]
        assert pool.FindMessageTypeByName("attribution.v1.Job").fields_by_name["state"].enum_type.values[0].name \
            == "JOB_STATE_UNSPECIFIED"


# ---- malformed requests ------------------------------------------------------------------

def rows_request(features: np.ndarray, owners, scales=None) -> pb.RegisterDatasetRequest:
    return pb.RegisterDatasetRequest(rows=pb.RowChunk(features=features.astype("<i2").tobytes(), contributors=owners,
                                                      scales=[] if scales is None else list(scales)))


def header_request(dataset_id="bad", num_rows=2, num_columns=2, has_scales=False) -> pb.RegisterDatasetRequest:
    return pb.RegisterDatasetRequest(header=pb.DatasetHeader(dataset_id=dataset_id, num_rows=num_rows,
                                                             num_columns=num_columns, has_scales=has_scales))


ok_rows = np.array([[1, 2], [3, 4]])
REGISTER_CASES = {
    "empty stream": ([], grpc.StatusCode.INVALID_ARGUMENT, "header: the first message"),
    "rows first": ([rows_request(ok_rows, ["a", "b"])], grpc.StatusCode.INVALID_ARGUMENT, "header: the first"),
    "bad id": ([header_request("../escape")], grpc.StatusCode.INVALID_ARGUMENT, "header.dataset_id"),
    "no rows": ([header_request(num_rows=0)], grpc.StatusCode.INVALID_ARGUMENT, "header.num_rows"),
    "no columns": ([header_request(num_columns=0)], grpc.StatusCode.INVALID_ARGUMENT, "header.num_columns"),
    "too many rows": ([header_request(num_rows=(1 << 16) + 1)], grpc.StatusCode.RESOURCE_EXHAUSTED,
                      "header.num_rows"),
    "too many columns": ([header_request(num_columns=65)], grpc.StatusCode.RESOURCE_EXHAUSTED, "header.num_columns"),
    "taken id": ([header_request("small")], grpc.StatusCode.ALREADY_EXISTS, "header.dataset_id"),
    "header twice": ([header_request(), header_request()], grpc.StatusCode.INVALID_ARGUMENT, "header: sent twice"),
    "short features": ([header_request(), pb.RegisterDatasetRequest(rows=pb.RowChunk(features=b"\0" * 6,
                                                                                     contributors=["a", "b"]))],
                       grpc.StatusCode.INVALID_ARGUMENT, "features: 6 bytes for 2 rows of 2"),
    "extra rows": ([header_request(), rows_request(ok_rows, ["a", "b"]), rows_request(ok_rows[:1], ["c"])],
                   grpc.StatusCode.INVALID_ARGUMENT, "more rows than header.num_rows"),
    "missing rows": ([header_request(), rows_request(ok_rows[:1], ["a"])], grpc.StatusCode.INVALID_ARGUMENT,
                     "1 rows received, header.num_rows = 2"),
    "unasked scales": ([header_request(), rows_request(ok_rows, ["a", "b"], [1, 2])],
                       grpc.StatusCode.INVALID_ARGUMENT, "scales: scales sent"),
    "missing scales": ([header_request(has_scales=True), rows_request(ok_rows, ["a", "b"])],
                       grpc.StatusCode.INVALID_ARGUMENT, "scales: 0 scales for 2 rows"),
    "feature range": ([header_request(), rows_request(np.array([[1, 2], [-(2**15), 4]]), ["a", "b"])],
                      grpc.StatusCode.INVALID_ARGUMENT, "features[1, 0] = -32768 is out of range"),
    "scale range": ([header_request(has_scales=True), rows_request(ok_rows, ["a", "b"], [1, 2**24])],
                    grpc.StatusCode.INVALID_ARGUMENT, "scales[1] = 16777216 is out of range"),
    "long contributor": ([header_request(), rows_request(ok_rows, ["a", "b" * 1025])],
                         grpc.StatusCode.INVALID_ARGUMENT, "contributors[1]: longer than 1024 bytes"),
    "empty contributor": ([header_request(), rows_request(ok_rows, ["a", ""])], grpc.StatusCode.INVALID_ARGUMENT,
                          "contributors[1] is an empty string"),
    "over message limit": ([header_request(num_rows=1 << 14, num_columns=64),
                            rows_request(np.zeros((1 << 14, 64)), ["a"] * (1 << 14))],
                           grpc.StatusCode.RESOURCE_EXHAUSTED, ""),
}


@pytest.mark.parametrize("case", list(REGISTER_CASES))
def test_malformed_registrations(client, small, case):
    messages, code, words = REGISTER_CASES[case]
    with pytest.raises(grpc.RpcError) as info:
        client.prover.RegisterDataset(iter(messages), metadata=client.metadata, timeout=30)
    assert info.value.code() == code and words in info.value.details()


def submit_request(**changes) -> pb.SubmitProveJobRequest:
    fields = {"dataset_id": "small", "num_queries": 2, "queries": [1] * 16, "fees": ["1", "2"]}
    return pb.SubmitProveJobRequest(**{**fields, **changes})


SUBMIT_CASES = {
    "no dataset": (submit_request(dataset_id=""), grpc.StatusCode.INVALID_ARGUMENT, "dataset_id: required"),
    "unknown dataset": (submit_request(dataset_id="nope"), grpc.StatusCode.NOT_FOUND, "dataset_id"),
    "no queries": (submit_request(num_queries=0, queries=[], fees=[]), grpc.StatusCode.INVALID_ARGUMENT,
                   "num_queries"),
    "too many queries": (submit_request(num_queries=257), grpc.StatusCode.RESOURCE_EXHAUSTED, "num_queries"),
    "query count": (submit_request(queries=[1] * 15), grpc.StatusCode.INVALID_ARGUMENT, "queries: expected"),
    "query range": (submit_request(queries=[1] * 10 + [2**15] + [1] * 5), grpc.StatusCode.INVALID_ARGUMENT,
                    "queries[1][2] = 32768"),
    "fee count": (submit_request(fees=["1"]), grpc.StatusCode.INVALID_ARGUMENT, "fees: 1 fees for 2"),
    "negative fee": (submit_request(fees=["1", "-2"]), grpc.StatusCode.INVALID_ARGUMENT, "fees[1]"),
    "fee syntax": (submit_request(fees=["1e5", "2"]), grpc.StatusCode.INVALID_ARGUMENT, "fees[0]"),
    "huge fee": (submit_request(fees=["1", str(2**128)]), grpc.StatusCode.INVALID_ARGUMENT, "fees[1]"),
    "long key": (submit_request(idempotency_key="k" * 129), grpc.StatusCode.INVALID_ARGUMENT, "idempotency_key"),
}


@pytest.mark.parametrize("case", list(SUBMIT_CASES))
def test_malformed_submissions(client, small, case):
    request, code, words = SUBMIT_CASES[case]
    with pytest.raises(grpc.RpcError) as info:
        client.prover.SubmitProveJob(request, metadata=client.metadata, timeout=30)
    assert info.value.code() == code and words in info.value.details()


def test_other_malformed_requests(client, small, small_proof):
    manifest = client.dataset("small").manifest
    claim, proof = small_proof.claim.to_bytes(), small_proof.proof.to_bytes()
    cases = [
        (lambda: client.dataset(""), grpc.StatusCode.INVALID_ARGUMENT, "dataset_id: required"),
        (lambda: client.dataset("a/b"), grpc.StatusCode.INVALID_ARGUMENT, "dataset_id"),
        (lambda: client.dataset("missing"), grpc.StatusCode.NOT_FOUND, "dataset_id"),
        (lambda: client.job(""), grpc.StatusCode.INVALID_ARGUMENT, "job_id: required"),
        (lambda: client.job("j" * 200), grpc.StatusCode.INVALID_ARGUMENT, "job_id"),
        (lambda: client.job("0" * 32), grpc.StatusCode.NOT_FOUND, "job_id"),
        (lambda: list(client.watch("0" * 32)), grpc.StatusCode.NOT_FOUND, "job_id"),
        (lambda: client.cancel("0" * 32), grpc.StatusCode.NOT_FOUND, "job_id"),
        (lambda: client.proof("0" * 32), grpc.StatusCode.NOT_FOUND, "job_id"),
        (lambda: client.prover.ListDatasets(pb.ListDatasetsRequest(page_token="garbage!"), metadata=client.metadata),
         grpc.StatusCode.INVALID_ARGUMENT, "page_token"),
        (lambda: client.verify(b"", claim, proof), grpc.StatusCode.INVALID_ARGUMENT, "manifest: required"),
        (lambda: client.verify(manifest, claim[:-1], proof), grpc.StatusCode.INVALID_ARGUMENT,
         "claim: does not decode"),
        (lambda: client.verify(manifest, claim, b"\x01" * 64), grpc.StatusCode.INVALID_ARGUMENT,
         "proof: does not decode"),
        (lambda: client.verify(manifest, claim, proof, trusted_srs_digest=b"\x01"),
         grpc.StatusCode.INVALID_ARGUMENT, "trusted_srs_digest"),
    ]
    for call, code, words in cases:
        try:
            call()
        except ServiceError as exc:
            assert exc.code == code and words in exc.details, (exc, code, words)
        except grpc.RpcError as exc:
            assert exc.code() == code and words in exc.details(), (exc, code, words)
        else:
            pytest.fail(f"expected {code.name} with {words!r}")


def test_undecodable_bytes_are_refused_and_the_server_survives(server, client, small):
    with grpc.insecure_channel(server.address) as channel:
        raw = channel.unary_unary("/attribution.v1.ProverService/GetManifest",
                                  request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            raw(b"\xff\xff\xff\xff", metadata=client.metadata, timeout=10)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "request: not a valid" in info.value.details()
        stream = channel.stream_unary("/attribution.v1.ProverService/RegisterDataset",
                                      request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            stream(iter([header_request("undecodable").SerializeToString(), b"\x12\xff"]), metadata=client.metadata,
                   timeout=10)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "request: not a valid" in info.value.details()
        unknown = channel.unary_unary("/attribution.v1.ProverService/NoSuchMethod",
                                      request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            unknown(b"", timeout=10)
        assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert server.process.poll() is None
    assert client.health() == "SERVING"
    assert client.manifest("small").num_rows == 1000
    with grpc.insecure_channel(server.address) as channel:
        stub = pb_grpc.ProverServiceStub(channel)
        assert stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=10).srs_max_log_n == 16


def test_an_epoch_past_the_srs_is_refused_at_submit(client):
    """600 contributors × 256 queries need 2^18 cells: more than this server's 2^16-power SRS."""
    owners = [f"c{i}" for i in range(600)]
    client.register("many", np.ones((600, 1), dtype=np.int64), owners)
    code, details = code_of(lambda: client.submit("many", np.ones((256, 1), dtype=np.int64), [1] * 256))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "needs an SRS of 2^18 powers" in details
    assert client.submit("many", np.ones((4, 1), dtype=np.int64), [1] * 4).job.job_id    # 2^12 cells fit
