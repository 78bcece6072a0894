"""The service at both sides of the spec's bounds, and the open Verify call's work bounded.

The outside edges of features, scales, queries, fees and contributor ids are in
test_service.py (REGISTER_CASES, SUBMIT_CASES); here the inside edges are accepted, and the
unauthenticated Verify call is refused before it can cost CPU.
"""

from __future__ import annotations

import dataclasses
import time

import grpc
import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from attrib.service.api import attribution_pb2 as pb
from attrib.service.config import ServiceConfig
from attrib.verifier import Claim, Manifest, limits
from attrib.verifier.encoding import g1_affine

FLOOD_COLUMNS = 12288          # a 786 KB manifest: 12,288 points to decode and hash without the bound


def register(client, dataset_id, features, owners, scales=None):
    header = pb.RegisterDatasetRequest(header=pb.DatasetHeader(
        dataset_id=dataset_id, num_rows=len(owners), num_columns=features.shape[1], has_scales=scales is not None))
    rows = pb.RegisterDatasetRequest(rows=pb.RowChunk(features=features.astype("<i2").tobytes(), contributors=owners,
                                                      scales=[] if scales is None else list(scales)))
    return client.prover.RegisterDataset(iter([header, rows]), metadata=client.metadata, timeout=60)


def test_inside_edges_are_accepted(client):
    edge = limits.FEATURE_LIMIT - 1
    features = np.array([[edge, -edge], [1, 2]])
    long_id = "x" * limits.MAX_CONTRIBUTOR_ID_BYTES
    ds = register(client, "edges", features, [long_id, "b"], [limits.SCALE_LIMIT - 1, 0])
    assert ds.num_rows == 2 and Manifest.from_bytes(ds.manifest).contributors[0] == long_id
    request = pb.SubmitProveJobRequest(dataset_id="edges", num_queries=1, queries=[edge, -edge],
                                       fees=[str(limits.FEE_LIMIT - 1)])
    job = client.prover.SubmitProveJob(request, metadata=client.metadata, timeout=30).job
    final = client.wait(job.job_id, timeout=60)
    assert final.state == pb.JOB_STATE_SUCCEEDED
    assert client.proof(job.job_id).claim.total_fees == limits.FEE_LIMIT - 1


def flood_request(columns: int = FLOOD_COLUMNS, log_rows: int = 1) -> pb.VerifyRequest:
    """A crafted request: a manifest of ``columns`` valid column commitments and 2^log_rows rows, with a
    claim that names it; the server must refuse it from the manifest's header words alone."""
    from attrib.prover import SRS

    vk = dataclasses.replace(SRS.dev(1, seed=5).verifying_key, max_log_n=log_rows)
    g = g1_affine(bn.G1)
    manifest = Manifest(vk, log_rows, 2, ("a",), (0, 2), (g,) * columns, g, g)
    claim = Claim(manifest.digest(), 0, 1, bn.G1, bn.G1, bn.G1, 0, 0)
    return pb.VerifyRequest(manifest=manifest.to_bytes(), claim=claim.to_bytes(), proof=b"\0" * 64)


def verify_call(client, request, timeout=30):
    start = time.perf_counter()
    try:
        client.verifier.Verify(request, timeout=timeout)
        code, details = grpc.StatusCode.OK, ""
    except grpc.RpcError as err:
        code, details = err.code(), err.details()
    return code, details, time.perf_counter() - start


def test_verify_flood_is_refused_before_any_work(server):
    request = flood_request()
    assert len(request.manifest) > 780_000
    with server.client(token=None) as open_client:             # Verify needs no token
        verify_call(open_client, pb.VerifyRequest(manifest=b"x", claim=b"x", proof=b"x"))   # connect first
        code, details, _ = verify_call(open_client, request)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert f"manifest: {FLOOD_COLUMNS} columns exceed this server's verify limit of 1024" in details
        times = sorted(verify_call(open_client, request)[2] for _ in range(5))
    assert times[2] < 0.5, times                                 # measured: a few ms (see the closing note)


def option(server, name: str) -> int:
    """The value of one of the server's command-line options."""
    return int(server.args[server.args.index(name) + 1])


def test_verify_bounds_on_bytes_and_rows(server):
    limit = option(server, "--verify-max-bytes")
    with server.client(token=None) as open_client:
        big = pb.VerifyRequest(manifest=b"\0" * (limit + 1), claim=b"x", proof=b"x")
        code, details, _ = verify_call(open_client, big)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and f"verify limit of {limit}" in details
        code, details, _ = verify_call(open_client, flood_request(columns=1, log_rows=17))
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "2^17 rows exceed" in details
        code, details, _ = verify_call(open_client, pb.VerifyRequest(manifest=b"\1" * 40, claim=b"x", proof=b"x"))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("manifest: does not decode")


def test_server_info_reports_the_verify_bounds(server, client):
    info = client.server_info()
    assert info.verify_max_bytes == option(server, "--verify-max-bytes")
    assert info.verify_max_columns == ServiceConfig.default("verify_max_columns")
    assert info.verify_max_log_rows == info.srs_max_log_n == 16
    assert info.verify_deadline_ms == round(ServiceConfig.default("verify_deadline_s") * 1000)
    assert info.verify_max_in_flight == ServiceConfig.default("verify_max_in_flight")


def test_verify_deadline_and_in_flight_limit(start_server, client, small_request):
    """A verification past the deadline is stopped (DEADLINE_EXCEEDED); beyond the in-flight limit,
    calls are refused at once; afterwards the server still verifies."""
    server = start_server("--verify-deadline", "0.02", "--verify-max-in-flight", "1")
    with server.client(token=None) as open_client:
        futures = [open_client.verifier.Verify.future(small_request, timeout=60) for _ in range(3)]
        codes = []
        for future in futures:
            try:
                future.result()
                codes.append(grpc.StatusCode.OK)
            except grpc.RpcError as err:
                codes.append(err.code())
        assert grpc.StatusCode.DEADLINE_EXCEEDED in codes and grpc.StatusCode.RESOURCE_EXHAUSTED in codes
        assert grpc.StatusCode.OK not in codes                     # a real verification takes longer than 20 ms
    log = server.log()
    assert "Traceback" not in log


@pytest.fixture(scope="module")
def small_request(client, make_rows, make_epoch):
    features, owners, scales = make_rows(64, 4, 3, seed=9)
    client.register("limits-small", features, owners, scales)
    result = client.prove("limits-small", *make_epoch(2, 4), timeout=60)
    manifest = client.manifest("limits-small")
    assert client.verify(manifest, result.claim, result.proof) == (True, "")
    return pb.VerifyRequest(manifest=manifest.to_bytes(), claim=result.claim.to_bytes(),
                            proof=result.proof.to_bytes())


@pytest.mark.parametrize("backend", ["native", "python"])
def test_verify_runs_the_chosen_backend(start_server, small_request, backend):
    """--verify-backend picks the verifier's arithmetic (auto, the default, is native where built): the log
    names it, and both give the same verdicts on a valid and a tampered proof."""
    server = start_server("--verify-backend", backend)
    tampered = pb.VerifyRequest()
    tampered.CopyFrom(small_request)
    proof = bytearray(small_request.proof)
    proof[-40] ^= 1                                            # the last opening point: off the curve or wrong
    tampered.proof = bytes(proof)
    with server.client(token=None) as open_client:
        assert open_client.verifier.Verify(small_request, timeout=60).verdict == pb.VERDICT_VALID
        try:
            verdict = open_client.verifier.Verify(tampered, timeout=60).verdict
        except grpc.RpcError as err:
            verdict = err.code()
        assert verdict in (pb.VERDICT_INVALID, grpc.StatusCode.INVALID_ARGUMENT)
    assert f"Verify runs the {backend} verifier backend (--verify-backend {backend})" in server.log()


def test_an_unknown_or_missing_backend_is_a_config_error(monkeypatch):
    from attrib.service.config import ConfigError, ServiceConfig
    from attrib.verifier import backend

    with pytest.raises(ConfigError, match="--verify-backend: unknown verifier backend 'gpu'"):
        ServiceConfig(data_dir="d", token="x" * 16, verify_backend="gpu").validate()
    monkeypatch.setattr(backend, "native_available", lambda: False)
    with pytest.raises(ConfigError, match="--verify-backend: the native verifier backend needs the compiled kernels"):
        ServiceConfig(data_dir="d", token="x" * 16, verify_backend="native").validate()
    assert ServiceConfig(data_dir="d", token="x" * 16).validate().verify_backend == "auto"
