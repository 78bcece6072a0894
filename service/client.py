"""A Python client for the prover service (attribution.v1 over gRPC).

>>> with Client("127.0.0.1:50051", token="…") as c:
...     c.register("digits", features, contributors, scales)
...     result = c.prove("digits", queries, fees)            # submit, wait, fetch
...     c.verify(c.manifest("digits"), result.claim, result.proof)
(True, '')

Every failed call raises :class:`ServiceError` with the gRPC status code and the server's
message.  Unary calls are retried (up to 4 attempts) while the server is UNAVAILABLE;
SubmitProveJob is safe to retry because the client always sends an idempotency key.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

from attrib.prover.dataset import (
    check_contributors,
    check_examples,
    check_features,
    check_fees,
    check_scales,
    limbs_to_int,
    quantize_queries,
)
from attrib.service.api import attribution_pb2 as pb
from attrib.service.api import attribution_pb2_grpc as pb_grpc
from attrib.verifier import BalanceOpening, Claim, Manifest, PayoutOpening, Proof, RowOpening
from attrib.verifier.recipe import Recipe

DEFAULT_TARGET = "127.0.0.1:50051"
MAX_MESSAGE_BYTES = 256 << 20
CHUNK_BYTES = 1024 * 1024          # about 1 MiB of rows per upload message
TERMINAL_STATES = frozenset({pb.JOB_STATE_SUCCEEDED, pb.JOB_STATE_FAILED, pb.JOB_STATE_CANCELLED})
_UNARY_METHODS = ("GetManifest", "ListDatasets", "SubmitProveJob", "GetJob", "CancelJob", "GetProof", "OpenPayouts",
                  "OpenBalance", "OpenRows", "GetServerInfo")
SERVICE_CONFIG = json.dumps({"methodConfig": [{
    "name": [{"service": "attribution.v1.ProverService", "method": m} for m in _UNARY_METHODS]
    + [{"service": "attribution.v1.VerifierService"}],
    "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.2s", "maxBackoff": "2s", "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"]},
}]})


class ServiceError(Exception):
    """A call the server refused or could not complete."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details

    @classmethod
    def from_rpc(cls, err: grpc.RpcError) -> ServiceError:
        return cls(err.code(), err.details() or "")


@dataclass(frozen=True)
class ProofResult:
    """What GetProof returns, decoded."""

    job_id: str
    dataset_id: str
    manifest_digest: bytes
    claim: Claim
    proof: Proof
    evm_calldata: bytes
    payouts: list                 # C ints, manifest order


def job_state_name(state: int) -> str:
    """``JOB_STATE_RUNNING`` → ``RUNNING``."""
    return pb.JobState.Name(state).removeprefix("JOB_STATE_")


class Client:
    """A connection to one server.  ``tls_ca``: a PEM file of the CA to trust (turns on TLS);
    ``tls=True`` alone uses the system's roots.  ``timeout`` is each unary call's deadline."""

    def __init__(self, target: str = DEFAULT_TARGET, token: str | None = None, *, tls: bool = False,
                 tls_ca: str | Path | None = None, timeout: float = 120.0) -> None:
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.service_config", SERVICE_CONFIG)]
        if tls or tls_ca:
            roots = Path(tls_ca).read_bytes() if tls_ca else None
            self.channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(roots), options)
        else:
            self.channel = grpc.insecure_channel(target, options)
        self.target = target
        self.timeout = timeout
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.prover = pb_grpc.ProverServiceStub(self.channel)
        self.verifier = pb_grpc.VerifierServiceStub(self.channel)
        self.health_stub = health_pb2_grpc.HealthStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method, request, timeout: float | None = None):
        try:
            return method(request, timeout=timeout or self.timeout, metadata=self.metadata)
        except grpc.RpcError as err:
            raise ServiceError.from_rpc(err) from None

    # ---- datasets ------------------------------------------------------------------

    def register(self, dataset_id: str, features, contributors, scales=None, chunk_bytes: int = CHUNK_BYTES, *,
                 recipe: Recipe | None = None, examples=None, example_digests=None) -> pb.Dataset:
        """Upload a dataset in chunks of about ``chunk_bytes`` and return it with its manifest.

        ``features``: integers (N, k) with |x| < 2^15; ``contributors``: N strings (other values
        are converted with ``str``); ``scales``: N integers in [0, 2^24) or None for all 1;
        ``recipe``, ``examples`` (the examples' canonical bytes, hashed here) or ``example_digests``:
        as for prover.Dataset.  The rows are checked with the Dataset rules (attrib.prover.dataset)
        before anything is sent.
        """
        feats = check_features(features)          # the Dataset rules, so the server cannot refuse them
        n, k = feats.shape
        ids = check_contributors([c if isinstance(c, str) else str(c) for c in contributors], n)
        sc = None if scales is None else check_scales(scales, n)
        if recipe is not None and not isinstance(recipe, Recipe):
            raise TypeError(f"recipe: expected verifier.recipe.Recipe, got {type(recipe).__name__}")
        limbs = check_examples(examples, example_digests, n)
        digests = None if limbs is None else b"".join(limbs_to_int(x).to_bytes(32, "big") for x in limbs)
        le = feats.astype("<i2")
        rows_per_chunk = max(1, chunk_bytes // (2 * k + 40 + max((len(c) for c in ids), default=1)))

        def requests():
            yield pb.RegisterDatasetRequest(header=pb.DatasetHeader(
                dataset_id=dataset_id, num_rows=n, num_columns=k, has_scales=sc is not None,
                recipe=b"" if recipe is None or recipe.unspecified else recipe.to_bytes(),
                has_example_digests=digests is not None))
            for start in range(0, n, rows_per_chunk):
                stop = min(n, start + rows_per_chunk)
                yield pb.RegisterDatasetRequest(rows=pb.RowChunk(
                    features=le[start:stop].tobytes(), contributors=ids[start:stop],
                    scales=sc[start:stop].tolist() if sc is not None else (),
                    example_digests=digests[32 * start:32 * stop] if digests is not None else b""))

        return self._call(self.prover.RegisterDataset, requests())

    def dataset(self, dataset_id: str) -> pb.Dataset:
        return self._call(self.prover.GetManifest, pb.GetManifestRequest(dataset_id=dataset_id))

    def manifest(self, dataset_id: str) -> Manifest:
        return Manifest.from_bytes(self.dataset(dataset_id).manifest)

    def list_datasets(self, page_size: int = 100) -> Iterator[pb.Dataset]:
        """Every registered dataset (without manifests), fetching pages as needed."""
        token = ""
        while True:
            page = self._call(self.prover.ListDatasets, pb.ListDatasetsRequest(page_size=page_size, page_token=token))
            yield from page.datasets
            token = page.next_page_token
            if not token:
                return

    # ---- jobs ----------------------------------------------------------------------

    def submit(self, dataset_id: str, queries, fees, idempotency_key: str | None = None, epoch: int = 0
               ) -> pb.SubmitProveJobResponse:
        """Queue a proof of one epoch.  Float queries are quantized per query (as Prover.prove does);
        without ``idempotency_key`` a fresh one is made (it still protects this call's retries).
        ``epoch`` is the epoch's number on a ledger (the claim's seq; 0 when not for one)."""
        q = np.asarray(queries)
        if q.ndim != 2:
            raise ValueError(f"queries: expected a 2-d array, got shape {q.shape}")
        q = quantize_queries(q, q.shape[1])
        fee_list = check_fees(fees, q.shape[0])
        request = pb.SubmitProveJobRequest(dataset_id=dataset_id, num_queries=q.shape[0],
                                           queries=q.ravel().tolist(), fees=[str(f) for f in fee_list],
                                           idempotency_key=idempotency_key or uuid.uuid4().hex, epoch=int(epoch))
        return self._call(self.prover.SubmitProveJob, request)

    def job(self, job_id: str) -> pb.Job:
        return self._call(self.prover.GetJob, pb.GetJobRequest(job_id=job_id))

    def cancel(self, job_id: str) -> pb.Job:
        return self._call(self.prover.CancelJob, pb.CancelJobRequest(job_id=job_id))

    def watch(self, job_id: str) -> Iterator[pb.JobEvent]:
        """The job's events (SNAPSHOT first) until it ends."""
        try:
            yield from self.prover.WatchJob(pb.WatchJobRequest(job_id=job_id), metadata=self.metadata)
        except grpc.RpcError as err:
            raise ServiceError.from_rpc(err) from None

    def wait(self, job_id: str, on_event: Callable[[pb.JobEvent], None] | None = None,
             timeout: float | None = None, reconnect_s: float = 0.5) -> pb.Job:
        """Watch until the job ends and return it; a lost connection (a server restart) is re-watched
        every ``reconnect_s`` until ``timeout`` seconds have passed in all."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                for event in self.watch(job_id):
                    if on_event is not None:
                        on_event(event)
                    if event.job.state in TERMINAL_STATES:
                        return event.job
            except ServiceError as err:
                if err.code != grpc.StatusCode.UNAVAILABLE:
                    raise
            if deadline is not None and time.monotonic() > deadline:
                raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, f"job {job_id} did not end in {timeout} s")
            time.sleep(reconnect_s)

    def proof(self, job_id: str) -> ProofResult:
        r = self._call(self.prover.GetProof, pb.GetProofRequest(job_id=job_id))
        return ProofResult(r.job_id, r.dataset_id, r.manifest_digest, Claim.from_bytes(r.claim),
                           Proof.from_bytes(r.proof), r.evm_calldata, [int(p) for p in r.payouts])

    def open_balance(self, dataset_id: str, epoch_job_ids: list[str], index: int
                     ) -> tuple[int, object, list[int], BalanceOpening]:
        """A withdrawal's opening: (contributor ``index``'s cumulative payout over the epochs whose
        jobs are ``epoch_job_ids`` (epoch 1 first; "" leaves one out), the commitment W as a py_ecc
        point, the epochs left out, the BalanceOpening)."""
        from attrib.verifier.encoding import decode_g1

        r = self._call(self.prover.OpenBalance, pb.OpenBalanceRequest(
            dataset_id=dataset_id, epoch_job_ids=list(epoch_job_ids), index=int(index)))
        return int(r.value), decode_g1(r.commitment), list(r.excluded), BalanceOpening.from_bytes(r.opening)

    def open_rows(self, dataset_id: str, rows) -> tuple[list[list[int]], RowOpening]:
        """(per row its features, its scale and its example digest, one opening of them against the
        dataset's manifest)."""
        r = self._call(self.prover.OpenRows, pb.OpenRowsRequest(dataset_id=dataset_id, rows=[int(x) for x in rows]))
        return ([[*v.features, v.scale, int.from_bytes(v.example_digest, "big")] for v in r.values],
                RowOpening.from_bytes(r.opening))

    def open_payouts(self, job_id: str, indices) -> tuple[list[int], PayoutOpening]:
        """(the payouts at ``indices``, one opening of them against the job's claim)."""
        r = self._call(self.prover.OpenPayouts, pb.OpenPayoutsRequest(job_id=job_id, indices=[int(c) for c in indices]))
        return [int(v) for v in r.values], PayoutOpening.from_bytes(r.opening)

    def prove(self, dataset_id: str, queries, fees, idempotency_key: str | None = None,
              on_event: Callable[[pb.JobEvent], None] | None = None, timeout: float | None = None,
              epoch: int = 0) -> ProofResult:
        """Submit, wait and fetch the proof; ServiceError(FAILED_PRECONDITION) if the job did not succeed."""
        job = self.submit(dataset_id, queries, fees, idempotency_key, epoch).job
        final = self.wait(job.job_id, on_event, timeout)
        if final.state != pb.JOB_STATE_SUCCEEDED:
            raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION,
                               f"job {final.job_id} ended {job_state_name(final.state)}: {final.error}")
        return self.proof(final.job_id)

    # ---- verification and server ---------------------------------------------------

    def verify(self, manifest, claim, proof, trusted_srs_digest: bytes | None = None) -> tuple[bool, str]:
        """(valid, reason) from the server's verifier, which checks against its own SRS
        (``verify_result`` also returns that digest); each object may be given as its bytes.
        A ``trusted_srs_digest`` other than the server's is refused (ServiceError INVALID_ARGUMENT)."""
        valid, reason, _ = self.verify_result(manifest, claim, proof, trusted_srs_digest)
        return valid, reason

    def verify_result(self, manifest, claim, proof, trusted_srs_digest: bytes | None = None
                      ) -> tuple[bool, str, bytes]:
        """(valid, reason, the SRS digest the server checked against)."""
        def raw(x):
            return bytes(x) if isinstance(x, (bytes, bytearray, memoryview)) else x.to_bytes()

        r = self._call(self.verifier.Verify, pb.VerifyRequest(
            manifest=raw(manifest), claim=raw(claim), proof=raw(proof), trusted_srs_digest=trusted_srs_digest or b""))
        return r.verdict == pb.VERDICT_VALID, r.reason, r.srs_digest

    def server_info(self) -> pb.ServerInfo:
        return self._call(self.prover.GetServerInfo, pb.GetServerInfoRequest())

    def health(self, service: str = "") -> str:
        """The health service's status for ``service`` ("" = the whole server): SERVING, NOT_SERVING, …"""
        r = self._call(self.health_stub.Check, health_pb2.HealthCheckRequest(service=service))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(r.status)
