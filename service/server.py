"""The gRPC prover service (``attrib serve``): attribution.v1 ProverService and VerifierService.

One asyncio process answers every call; CPU-bound work runs in child processes (see
:mod:`prover.jobs` and :mod:`prover.worker`), durable state lives in a data directory
(:mod:`prover.store`).  Every handler validates its request completely before it starts
work, and answers a bad one with a status code and a message that names the field.

Also served: ``grpc.health.v1.Health`` (SERVING while up; NOT_SERVING from the start of a
graceful shutdown) and server reflection.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import logging
import re
import shutil
import signal
import sys
from concurrent.futures.process import BrokenProcessPool
from importlib.metadata import PackageNotFoundError, version

import grpc
import numpy as np
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from attrib.service import worker
from attrib.service.api import attribution_pb2 as pb
from attrib.service.api import attribution_pb2_grpc as pb_grpc
from attrib.service.config import (
    DATASET_ID,
    DEFAULT_PAGE_SIZE,
    MAX_BALANCE_EPOCHS,
    MAX_CONCURRENT_RPCS,
    MAX_ID_CHARS,
    MAX_OPENED_PAYOUTS,
    MAX_OPENED_ROWS_PER_CALL,
    MAX_PAGE_SIZE,
    MAX_RESPONSE_BYTES,
    ServiceConfig,
    is_loopback,
)
from attrib.service.jobs import JobEvents, Progress, RequestPool, Scheduler
from attrib.service.store import CANCELLED, QUEUED, RUNNING, SUCCEEDED, DatasetRecord, JobRecord, Store
from attrib.verifier.attribution import CLAIM_VERSION, PROOF_VERSION, EpochShape
from attrib.verifier.encoding import EncodingError
from attrib.verifier.limits import FEE_LIMIT, MAX_CONTRIBUTOR_ID_BYTES, MAX_SEQ, QUERY_LIMIT
from attrib.verifier.messages import MANIFEST_VERSION, Manifest

log = logging.getLogger("attrib.serve")

PROVER_SERVICE = pb.DESCRIPTOR.services_by_name["ProverService"].full_name
VERIFIER_SERVICE = pb.DESCRIPTOR.services_by_name["VerifierService"].full_name
# Methods that need the bearer token: all of ProverService except GetServerInfo.
PROTECTED_METHODS = frozenset(f"/{PROVER_SERVICE}/{m.name}"
                              for m in pb.DESCRIPTOR.services_by_name["ProverService"].methods
                              if m.name != "GetServerInfo")

FEE = re.compile(r"0|[1-9][0-9]{0,38}")
PAGE_TOKEN_PREFIX = "after:"


def server_version() -> str:
    try:
        return version("attrib")
    except PackageNotFoundError:
        return "unknown"


class Invalid(Exception):
    """A request refused with ``code``; raised by validators, turned into an abort by the handler."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def invalid(message: str) -> Invalid:
    return Invalid(grpc.StatusCode.INVALID_ARGUMENT, message)


def _timestamp(seconds: float | None) -> Timestamp | None:
    if seconds is None:
        return None
    ts = Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


def dataset_message(record: DatasetRecord, with_manifest: bool = True) -> pb.Dataset:
    return pb.Dataset(dataset_id=record.dataset_id, manifest=record.manifest if with_manifest else b"",
                      manifest_digest=record.manifest_digest, num_rows=record.num_rows,
                      num_columns=record.num_columns, num_contributors=record.num_contributors,
                      insecure_srs=record.insecure_srs, created_at=_timestamp(record.created_at))


def job_message(job: JobRecord, progress: Progress, queue_position: int = 0) -> pb.Job:
    running = job.state == RUNNING
    return pb.Job(job_id=job.job_id, dataset_id=job.dataset_id, state=pb.JobState.Value(f"JOB_STATE_{job.state}"),
                  stage=progress.stage if running else "", stage_fraction=progress.stage_fraction if running else 0.0,
                  fraction=1.0 if job.state == SUCCEEDED else progress.fraction if running else 0.0,
                  error=job.error, attempts=job.attempts, num_queries=job.num_queries,
                  idempotency_key=job.idempotency_key or "", queue_position=queue_position,
                  created_at=_timestamp(job.created_at), started_at=_timestamp(job.started_at),
                  finished_at=_timestamp(job.finished_at))


def _check_id(value: str, name: str) -> str:
    if not value:
        raise invalid(f"{name}: required")
    if len(value) > MAX_ID_CHARS:
        raise invalid(f"{name}: longer than {MAX_ID_CHARS} characters")
    return value


def _check_dataset_id(value: str, name: str = "dataset_id") -> str:
    _check_id(value, name)
    if not DATASET_ID.fullmatch(value):
        raise invalid(f"{name}: {value!r} is not a dataset id (1 to 64 letters, digits, '.', '_', '-'; "
                      "starting with a letter or digit)")
    return value


def handles_errors(method):
    """Turn :class:`Invalid` (and a broken request pool) into the call's status."""
    @functools.wraps(method)
    async def wrapper(self, request, context):
        try:
            return await method(self, request, context)
        except Invalid as exc:
            await context.abort(exc.code, str(exc))
        except BrokenProcessPool:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "a worker process died; retry the call")

    return wrapper


class ProverServicer(pb_grpc.ProverServiceServicer):
    """attribution.v1.ProverService."""

    def __init__(self, config: ServiceConfig, store: Store, scheduler: Scheduler, events: JobEvents,
                 pool: RequestPool, srs_info: dict) -> None:
        self.config = config
        self.store = store
        self.scheduler = scheduler
        self.events = events
        self.pool = pool
        self.srs_info = srs_info
        self.max_rows = min(config.max_rows or 1 << srs_info["max_log_n"], 1 << srs_info["max_log_n"])
        self.draining = False
        self._registering: set[str] = set()

    def _job_message(self, job: JobRecord) -> pb.Job:
        position = self.store.queue_position(job) if job.state == QUEUED else 0
        return job_message(job, self.events.progress(job.job_id), position)

    def _dataset(self, dataset_id: str) -> DatasetRecord:
        record = self.store.get_dataset(_check_dataset_id(dataset_id))
        if record is None:
            raise Invalid(grpc.StatusCode.NOT_FOUND, f"dataset_id: no dataset {dataset_id!r}")
        return record

    def _job(self, job_id: str) -> JobRecord:
        job = self.store.get_job(_check_id(job_id, "job_id"))
        if job is None:
            raise Invalid(grpc.StatusCode.NOT_FOUND, f"job_id: no job {job_id!r}")
        return job

    # ---- datasets ------------------------------------------------------------------

    def _check_header(self, header: pb.DatasetHeader) -> None:
        dataset_id = _check_dataset_id(header.dataset_id, "header.dataset_id")
        if header.num_rows < 1:
            raise invalid("header.num_rows: must be at least 1")
        if header.num_columns < 1:
            raise invalid("header.num_columns: must be at least 1")
        exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
        if header.num_rows > self.max_rows:
            raise Invalid(exhausted, f"header.num_rows: {header.num_rows} rows exceed this server's limit of "
                                     f"{self.max_rows} (SRS of 2^{self.srs_info['max_log_n']} powers)")
        if header.num_columns > self.config.max_columns:
            raise Invalid(exhausted, f"header.num_columns: {header.num_columns} columns exceed this server's "
                                     f"limit of {self.config.max_columns}")
        if 2 * header.num_rows * header.num_columns > self.config.max_dataset_bytes:
            raise Invalid(exhausted, f"header: {header.num_rows} × {header.num_columns} int16 features exceed "
                                     f"this server's limit of {self.config.max_dataset_bytes} bytes")
        if dataset_id in self._registering:
            raise Invalid(grpc.StatusCode.ALREADY_EXISTS,
                          f"header.dataset_id: {dataset_id!r} is being registered by another call")
        if self.store.get_dataset(dataset_id) is not None:
            raise Invalid(grpc.StatusCode.ALREADY_EXISTS, f"header.dataset_id: {dataset_id!r} is already registered")

    async def _receive_rows(self, requests, header: pb.DatasetHeader):
        """Collect the row chunks after the header into (features, contributors, scales, example digests)."""
        n, k = header.num_rows, header.num_columns
        features = np.empty((n, k), dtype=np.int16)
        scales = np.empty(n, dtype=np.int64) if header.has_scales else None
        digests = [] if header.has_example_digests else None
        contributors: list[str] = []
        received = 0
        async for request in requests:
            part = request.WhichOneof("part")
            if part != "rows":
                raise invalid("header: sent twice" if part == "header" else "rows: a message without a part")
            chunk = request.rows
            rows = len(chunk.contributors)
            where = f"rows (chunk starting at row {received})"
            if rows == 0:
                raise invalid(f"{where}.contributors: a chunk needs at least one row")
            if received + rows > n:
                raise invalid(f"{where}: more rows than header.num_rows = {n}")
            if len(chunk.features) != 2 * rows * k:
                raise invalid(f"{where}.features: {len(chunk.features)} bytes for {rows} rows of {k} int16 "
                              f"(expected {2 * rows * k})")
            if header.has_scales and len(chunk.scales) != rows:
                raise invalid(f"{where}.scales: {len(chunk.scales)} scales for {rows} rows")
            if not header.has_scales and len(chunk.scales):
                raise invalid(f"{where}.scales: scales sent, but header.has_scales is false")
            if len(chunk.example_digests) != (32 * rows if header.has_example_digests else 0):
                raise invalid(f"{where}.example_digests: {len(chunk.example_digests)} bytes for {rows} rows "
                              f"(32 per row when header.has_example_digests, else none)")
            for i, contributor in enumerate(chunk.contributors):
                if len(contributor.encode()) > MAX_CONTRIBUTOR_ID_BYTES:
                    raise invalid(f"{where}.contributors[{i}]: longer than {MAX_CONTRIBUTOR_ID_BYTES} bytes")
            features[received:received + rows] = np.frombuffer(chunk.features, dtype="<i2").reshape(rows, k)
            if scales is not None:
                scales[received:received + rows] = np.fromiter(chunk.scales, dtype=np.int64, count=rows)
            if digests is not None:
                raw = chunk.example_digests
                digests.extend(int.from_bytes(raw[32 * i:32 * i + 32], "big") for i in range(rows))
            contributors.extend(chunk.contributors)
            received += rows
        if received != n:
            raise invalid(f"rows: {received} rows received, header.num_rows = {n}")
        return features, contributors, scales, digests

    @handles_errors
    async def RegisterDataset(self, request_iterator, context):
        """Receive the header and rows, commit them in the request pool, then store the dataset."""
        first = await anext(aiter(request_iterator), None)
        if first is None or first.WhichOneof("part") != "header":
            raise invalid("header: the first message must carry the header")
        header = first.header
        self._check_header(header)
        dataset_id = header.dataset_id
        self._registering.add(dataset_id)
        staged = None
        try:
            features, contributors, scales, digests = await self._receive_rows(request_iterator, header)
            staged = self.store.new_staging_dir()
            work = asyncio.ensure_future(self.pool.run(worker.register_dataset, str(staged), features,
                                                       contributors, scales, bytes(header.recipe), digests))
            try:
                outcome = await asyncio.shield(work)
            except asyncio.CancelledError:        # the client left: clean up once the pool is done with it
                work.add_done_callback(lambda _, path=staged: shutil.rmtree(path, ignore_errors=True))
                staged = None
                raise
            if outcome[0] == "invalid":
                raise invalid(outcome[1])
            _, manifest, digest, num_contributors = outcome
            record = self.store.add_dataset(staged, dataset_id, manifest, digest, header.num_rows,
                                            header.num_columns, num_contributors, self.srs_info["insecure"])
            staged = None
        finally:
            self._registering.discard(dataset_id)
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
        log.info("registered dataset %s: %d rows × %d columns, %d contributors, manifest %s", dataset_id,
                 record.num_rows, record.num_columns, record.num_contributors, digest.hex()[:16])
        return dataset_message(record)

    @handles_errors
    async def GetManifest(self, request, context):
        return dataset_message(self._dataset(request.dataset_id))

    @handles_errors
    async def ListDatasets(self, request, context):
        size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        after = 0
        if request.page_token:
            try:
                text = base64.urlsafe_b64decode(request.page_token.encode()).decode()
                if not text.startswith(PAGE_TOKEN_PREFIX):
                    raise ValueError
                after = int(text.removeprefix(PAGE_TOKEN_PREFIX))
            except ValueError:
                raise invalid("page_token: not a token from this server") from None
        records = self.store.list_datasets(after, size + 1)
        token = ""
        if len(records) > size:
            records = records[:size]
            token = base64.urlsafe_b64encode(f"{PAGE_TOKEN_PREFIX}{records[-1].seq}".encode()).decode()
        return pb.ListDatasetsResponse(datasets=[dataset_message(r, with_manifest=False) for r in records],
                                       next_page_token=token)

    # ---- jobs ----------------------------------------------------------------------

    def _check_epoch(self, request, dataset: DatasetRecord) -> tuple[np.ndarray, list[int]]:
        t, k = request.num_queries, dataset.num_columns
        if t < 1:
            raise invalid("num_queries: must be at least 1")
        if t > self.config.max_queries:
            raise Invalid(grpc.StatusCode.RESOURCE_EXHAUSTED, f"num_queries: {t} queries exceed this server's "
                                                              f"limit of {self.config.max_queries}")
        shape = EpochShape(max(1, (t - 1).bit_length()), max(1, (dataset.num_contributors - 1).bit_length()),
                           (k - 1).bit_length())
        if shape.n > self.srs_info["max_log_n"]:
            raise Invalid(grpc.StatusCode.RESOURCE_EXHAUSTED,
                          f"num_queries: an epoch of {t} queries over {dataset.num_contributors} contributors needs "
                          f"an SRS of 2^{shape.n} powers; this server's has 2^{self.srs_info['max_log_n']}")
        if len(request.queries) != t * k:
            raise invalid(f"queries: expected num_queries × num_columns = {t} × {k} = {t * k} values, "
                          f"got {len(request.queries)}")
        queries = np.fromiter(request.queries, dtype=np.int64, count=t * k).reshape(t, k)
        bad = np.flatnonzero(np.abs(queries) >= QUERY_LIMIT)
        if bad.size:
            row, col = divmod(int(bad[0]), k)
            raise invalid(f"queries[{row}][{col}] = {queries[row, col]} is out of range: |value| must be < 2^15")
        if len(request.fees) != t:
            raise invalid(f"fees: {len(request.fees)} fees for {t} queries (one per query)")
        fees = []
        for i, text in enumerate(request.fees):
            if not FEE.fullmatch(text) or int(text) >= FEE_LIMIT:
                raise invalid(f"fees[{i}] = {text[:50]!r}: expected a decimal integer in [0, 2^128)")
            fees.append(int(text))
        return queries, fees

    @handles_errors
    async def SubmitProveJob(self, request, context):
        """Validate, deduplicate by idempotency key, admit (bounded queue), persist, enqueue."""
        dataset = self._dataset(request.dataset_id)
        queries, fees = self._check_epoch(request, dataset)
        key = request.idempotency_key or None
        if key is not None and (len(key) > MAX_ID_CHARS or not key.isprintable()):
            raise invalid(f"idempotency_key: at most {MAX_ID_CHARS} printable characters")
        if request.epoch >= MAX_SEQ:
            raise invalid(f"epoch: a ledger's epoch number below 2^64, got {request.epoch}")
        digest = hashlib.sha256(b"\0".join([dataset.dataset_id.encode(), queries.astype("<i8").tobytes(),
                                            ",".join(map(str, fees)).encode(), str(request.epoch).encode()])).digest()
        if key is not None:
            earlier = self.store.job_by_key(key)
            if earlier is not None:
                if earlier.request_digest != digest:
                    raise Invalid(grpc.StatusCode.ALREADY_EXISTS, f"idempotency_key: already used by job "
                                                                  f"{earlier.job_id} for a different request")
                return pb.SubmitProveJobResponse(job_id=earlier.job_id, job=self._job_message(earlier),
                                                 deduplicated=True)
        if self.draining:
            raise Invalid(grpc.StatusCode.UNAVAILABLE, "the server is shutting down; submit to it after its restart")
        active = self.store.active_jobs()
        if active >= self.config.queue_capacity:
            raise Invalid(grpc.StatusCode.RESOURCE_EXHAUSTED, f"the job queue is full ({active} jobs queued or "
                                                              f"running, capacity {self.config.queue_capacity}); "
                                                              "retry later")
        job = self.store.add_job(dataset.dataset_id, queries, fees, key, digest, request.epoch)
        self.scheduler.enqueue(job)
        log.info("job %s: queued (dataset %s, %d queries)", job.job_id, job.dataset_id, job.num_queries)
        return pb.SubmitProveJobResponse(job_id=job.job_id, job=self._job_message(job))

    async def WatchJob(self, request, context):
        """The job now, then every event until it reaches a terminal state."""
        try:
            job = self._job(request.job_id)
        except Invalid as exc:
            await context.abort(exc.code, str(exc))
        queue = self.events.subscribe(job.job_id)
        try:
            job = self.store.get_job(job.job_id)     # after subscribing: no event can fall in between
            yield pb.JobEvent(type=pb.JOB_EVENT_TYPE_SNAPSHOT, job=self._job_message(job))
            while not job.terminal:
                event = await queue.get()
                job = event.job
                position = self.store.queue_position(job) if job.state == QUEUED else 0
                yield pb.JobEvent(type=pb.JobEventType.Value(f"JOB_EVENT_TYPE_{event.type}"),
                                  job=job_message(job, event.progress, position))
        finally:
            self.events.unsubscribe(job.job_id, queue)

    @handles_errors
    async def GetJob(self, request, context):
        return self._job_message(self._job(request.job_id))

    @handles_errors
    async def CancelJob(self, request, context):
        job = self._job(request.job_id)
        if job.state == CANCELLED:
            return self._job_message(job)
        cancelled = self.store.cancel_job(job.job_id)
        if cancelled is None:
            job = self.store.get_job(job.job_id)
            raise Invalid(grpc.StatusCode.FAILED_PRECONDITION, f"job_id: job {job.job_id} already ended ({job.state})")
        self.scheduler.stop_running(job.job_id)
        self.events.state_changed(cancelled)
        log.info("job %s: cancelled (was %s)", job.job_id, job.state)
        return self._job_message(cancelled)

    @handles_errors
    async def GetProof(self, request, context):
        job = self._succeeded(request.job_id)
        claim, proof, payouts = self.store.read_result(job.job_id)
        return pb.GetProofResponse(job_id=job.job_id, dataset_id=job.dataset_id,
                                   manifest_digest=self._dataset(job.dataset_id).manifest_digest,
                                   claim=claim, proof=proof, payouts=[str(p) for p in payouts])

    @handles_errors
    async def OpenPayouts(self, request, context):
        job = self._succeeded(request.job_id)
        indices = list(request.indices)
        if not indices:
            raise invalid("indices: at least one contributor index")
        if len(indices) > MAX_OPENED_PAYOUTS:
            raise Invalid(grpc.StatusCode.RESOURCE_EXHAUSTED, f"indices: at most {MAX_OPENED_PAYOUTS} in one call")
        claim, _, payouts = self.store.read_result(job.job_id)
        outcome = await self.pool.run(worker.open_job_payouts, str(self.store.dataset_dir(job.dataset_id)), claim,
                                      payouts, indices)
        if outcome[0] == "invalid":
            raise invalid(outcome[1])
        _, values, opening = outcome
        return pb.OpenPayoutsResponse(values=[str(v) for v in values], opening=opening)

    @handles_errors
    async def OpenRows(self, request, context):
        dataset = self._dataset(request.dataset_id)
        rows = list(request.rows)
        if not rows:
            raise invalid("rows: at least one row")
        if len(rows) > MAX_OPENED_ROWS_PER_CALL:
            raise Invalid(grpc.StatusCode.RESOURCE_EXHAUSTED, f"rows: at most {MAX_OPENED_ROWS_PER_CALL} in one call")
        outcome = await self.pool.run(worker.open_dataset_rows, str(self.store.dataset_dir(dataset.dataset_id)), rows)
        if outcome[0] == "invalid":
            raise invalid(outcome[1])
        _, values, opening = outcome
        return pb.OpenRowsResponse(values=[pb.OpenedRow(features=v[:-2], scale=v[-2],
                                                        example_digest=v[-1].to_bytes(32, "big")) for v in values],
                                   opening=opening)

    @handles_errors
    async def OpenBalance(self, request, context):
        dataset = self._dataset(request.dataset_id)
        ids = list(request.epoch_job_ids)
        if not ids or len(ids) > MAX_BALANCE_EPOCHS:
            raise invalid(f"epoch_job_ids: 1 to {MAX_BALANCE_EPOCHS} epochs")
        if request.index >= dataset.num_contributors:
            raise invalid(f"index: a contributor index from 0 to {dataset.num_contributors - 1}")
        payouts, excluded = {}, []
        for position, job_id in enumerate(ids, start=1):
            if not job_id:
                excluded.append(position)
                continue
            job = self._succeeded(job_id)
            if job.dataset_id != dataset.dataset_id:
                raise invalid(f"epoch_job_ids[{position - 1}]: job {job_id} is of dataset {job.dataset_id}")
            if job.epoch != position:
                raise invalid(f"epoch_job_ids[{position - 1}]: job {job_id} proved epoch {job.epoch}, not {position}")
            payouts[position] = self.store.read_result(job.job_id)[2]
        outcome = await self.pool.run(worker.open_job_balance, str(self.store.dataset_dir(dataset.dataset_id)),
                                      len(ids), excluded, payouts, request.index)
        if outcome[0] == "invalid":
            raise invalid(outcome[1])
        _, value, commitment, opening = outcome
        return pb.OpenBalanceResponse(value=str(value), commitment=commitment, excluded=excluded, opening=opening)

    def _succeeded(self, job_id: str) -> JobRecord:
        job = self._job(job_id)
        if job.state != SUCCEEDED:
            detail = f": {job.error}" if job.error else ""
            raise Invalid(grpc.StatusCode.FAILED_PRECONDITION, f"job_id: job {job.job_id} is {job.state}{detail}; "
                                                               "a proof exists once it has SUCCEEDED")
        return job

    async def GetServerInfo(self, request, context):
        c = self.config
        return pb.ServerInfo(
            server_version=server_version(), grpc_version=grpc.__version__, python_version=sys.version.split()[0],
            manifest_version=MANIFEST_VERSION, claim_version=CLAIM_VERSION, proof_version=PROOF_VERSION,
            srs_digest=self.srs_info["digest"], srs_source=self.srs_info["source"],
            srs_max_log_n=self.srs_info["max_log_n"], insecure_srs=self.srs_info["insecure"],
            max_rows=self.max_rows, max_columns=c.max_columns, max_queries=c.max_queries,
            queue_capacity=c.queue_capacity, queue_length=self.store.active_jobs(), workers=c.workers,
            max_message_bytes=c.max_message_bytes, evm_calldata_available=False,
            verify_max_bytes=c.verify_max_bytes, verify_max_columns=c.verify_max_columns,
            verify_max_log_rows=self.srs_info["max_log_n"], verify_deadline_ms=round(c.verify_deadline_s * 1000),
            verify_max_in_flight=c.verify_max_in_flight)


class VerifierServicer(pb_grpc.VerifierServiceServicer):
    """attribution.v1.VerifierService: the verifier, in the request pool, with the backend of
    ``--verify-backend`` (native arithmetic when the kernels are built, by default).

    Verify needs no token, so its work is bounded before any of it starts: the request's
    bytes, the manifest's columns and rows (read from the manifest's header words, in the
    server process, before anything is decoded), the number of verifications queued or
    running, and a deadline enforced inside the pool process (worker.verify).  Every proof is
    checked against this server's own SRS digest, which the response names.
    """

    def __init__(self, config: ServiceConfig, pool: RequestPool, srs_info: dict) -> None:
        self.config = config
        self.pool = pool
        self.srs_digest = srs_info["digest"]
        self.max_log_rows = srs_info["max_log_n"]
        self.in_flight = 0

    def _check_bounds(self, request) -> None:
        c = self.config
        exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
        size = len(request.manifest) + len(request.claim) + len(request.proof)
        if size > c.verify_max_bytes:
            raise Invalid(exhausted, f"request: {size} bytes of manifest, claim and proof exceed this server's "
                                     f"verify limit of {c.verify_max_bytes}")
        try:
            header = Manifest.peek_header(request.manifest)
        except EncodingError as exc:
            raise invalid(f"manifest: does not decode ({exc})") from None
        if header.num_columns > c.verify_max_columns:
            raise Invalid(exhausted, f"manifest: {header.num_columns} columns exceed this server's verify limit "
                                     f"of {c.verify_max_columns}")
        if header.log_rows > self.max_log_rows:
            raise Invalid(exhausted, f"manifest: 2^{header.log_rows} rows exceed this server's verify limit of "
                                     f"2^{self.max_log_rows}")
        if self.in_flight >= c.verify_max_in_flight:
            raise Invalid(exhausted, f"{self.in_flight} verifications are queued or running (this server's limit "
                                     f"is {c.verify_max_in_flight}); retry later")

    @handles_errors
    async def Verify(self, request, context):
        for name in ("manifest", "claim", "proof"):
            if not getattr(request, name):
                raise invalid(f"{name}: required")
        trusted = request.trusted_srs_digest
        if trusted and trusted != self.srs_digest:
            raise invalid(f"trusted_srs_digest: this server verifies against its own SRS only (digest "
                          f"{self.srs_digest.hex()}), not {trusted.hex()[:64]}")
        self._check_bounds(request)
        self.in_flight += 1
        try:
            outcome = await self.pool.run(worker.verify, request.manifest, request.claim, request.proof,
                                          self.srs_digest, self.config.verify_deadline_s, self.config.verify_backend)
        finally:
            self.in_flight -= 1
        if outcome[0] == "malformed":
            raise invalid(f"{outcome[1]}: does not decode ({outcome[2]})")
        if outcome[0] == "deadline":
            raise Invalid(grpc.StatusCode.DEADLINE_EXCEEDED, f"the verification ran past this server's deadline of "
                                                             f"{self.config.verify_deadline_s:g} s and was stopped")
        _, valid, reason = outcome
        return pb.VerifyResponse(verdict=pb.VERDICT_VALID if valid else pb.VERDICT_INVALID, reason=reason,
                                 srs_digest=self.srs_digest)


class RequestGuard(grpc.aio.ServerInterceptor):
    """Refuses a call before its handler runs when

    * it is to a ``protected`` method without ``authorization: Bearer <token>``
      (UNAUTHENTICATED), or
    * a request message to an attribution.v1 method does not parse (INVALID_ARGUMENT;
      without this gRPC would answer UNKNOWN).
    """

    def __init__(self, token: str, protected: frozenset[str]) -> None:
        self._expected = f"Bearer {token}".encode()
        self._protected = protected

    async def intercept_service(self, continuation, details):
        handler = await continuation(details)
        if handler is None or not details.method.startswith("/attribution.v1."):
            return handler
        if details.method in self._protected:
            given = [v for k, v in details.invocation_metadata or () if k == "authorization"]
            if not (len(given) == 1 and isinstance(given[0], str)
                    and hmac.compare_digest(given[0].encode(), self._expected)):
                message = ("missing bearer token (metadata 'authorization: Bearer <token>')" if not given
                           else "invalid bearer token")
                return _rebuild(handler, _aborting(grpc.StatusCode.UNAUTHENTICATED, message),
                                handler.request_deserializer)
        return _decode_checked(handler)


class _Undecodable:
    """Stands in for a request message that did not parse, so the handler can refuse it."""

    def __init__(self, message: str) -> None:
        self.message = message


def _aborting(code: grpc.StatusCode, message: str):
    async def abort(request, context):
        await context.abort(code, message)
    return abort


def _rebuild(handler: grpc.RpcMethodHandler, behavior, deserializer) -> grpc.RpcMethodHandler:
    """A handler of ``handler``'s shape with another behavior and request deserializer."""
    factory = {(False, False): grpc.unary_unary_rpc_method_handler,
               (True, False): grpc.stream_unary_rpc_method_handler,
               (False, True): grpc.unary_stream_rpc_method_handler,
               (True, True): grpc.stream_stream_rpc_method_handler}[(handler.request_streaming,
                                                                      handler.response_streaming)]
    return factory(behavior, request_deserializer=deserializer, response_serializer=handler.response_serializer)


def _decode_checked(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """``handler`` with requests that fail to parse answered INVALID_ARGUMENT (attribution.v1 has
    unary and client-streaming requests only)."""
    deserialize = handler.request_deserializer

    def lenient(data: bytes):
        try:
            return deserialize(data)
        except DecodeError as exc:
            return _Undecodable(f"request: not a valid message ({exc})")

    async def check(request, context) -> None:
        if isinstance(request, _Undecodable):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.message)

    if handler.request_streaming:
        inner_stream = handler.stream_unary

        async def checked(requests, context):
            async for request in requests:
                await check(request, context)
                yield request

        async def stream_unary(requests, context):
            return await inner_stream(checked(requests, context), context)
        return _rebuild(handler, stream_unary, lenient)
    if handler.response_streaming:
        inner_streaming = handler.unary_stream

        async def unary_stream(request, context):
            await check(request, context)
            async for response in inner_streaming(request, context):
                yield response
        return _rebuild(handler, unary_stream, lenient)
    inner = handler.unary_unary

    async def unary_unary(request, context):
        await check(request, context)
        return await inner(request, context)
    return _rebuild(handler, unary_unary, lenient)


async def serve(config: ServiceConfig, ready=None) -> int:
    """Run the server until SIGTERM or SIGINT, then shut down gracefully; returns the exit code.

    ``ready(address)`` is called once the server accepts calls.  A configuration that
    ``ServiceConfig.validate`` refuses raises ConfigError before anything starts.
    """
    config.validate()
    if config.insecure_plaintext and not config.tls_cert and not is_loopback(config.host):
        log.warning("listening on %s WITHOUT TLS (--insecure-plaintext): the bearer token and every request "
                    "travel in clear unless a proxy in front terminates TLS", config.host)
    store = Store(config.data_dir)
    try:
        srs = config.srs.load()
        srs_info = {"digest": srs.digest(), "source": srs.source, "max_log_n": srs.max_log_n,
                    "insecure": srs.insecure}
        del srs                                         # the children load their own (memory-mapped) copies
        if srs_info["insecure"]:
            log.warning("INSECURE development SRS (%s, 2^%d powers): its tau is public, so proofs made with it "
                        "prove nothing; use --srs-ptau for real use", srs_info["source"], srs_info["max_log_n"])
        from attrib.verifier import backend as verifier_backend

        log.info("Verify runs the %s verifier backend (--verify-backend %s)",
                 verifier_backend.resolve(config.verify_backend), config.verify_backend)
        report = store.recover()
        log.info("recovery: %s", report.summary())
        for damaged in report.damaged_datasets:
            log.error("dataset %s is damaged; proving against it will fail", damaged)

        events = JobEvents()
        scheduler = Scheduler(store, events, config.srs, config.workers, config.threads_per_worker)
        pool = RequestPool(config.srs, config.pool_processes, config.threads_per_worker, config.dask)
        prover_servicer = ProverServicer(config, store, scheduler, events, pool, srs_info)
        health_servicer = health.aio.HealthServicer()
        server = grpc.aio.server(
            interceptors=[RequestGuard(config.token, PROTECTED_METHODS)],
            options=[("grpc.max_receive_message_length", config.max_message_bytes),
                     ("grpc.max_send_message_length", MAX_RESPONSE_BYTES),
                     ("grpc.so_reuseport", 0)],
            maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS)
        pb_grpc.add_ProverServiceServicer_to_server(prover_servicer, server)
        pb_grpc.add_VerifierServiceServicer_to_server(VerifierServicer(config, pool, srs_info), server)
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        services = (PROVER_SERVICE, VERIFIER_SERVICE, health.SERVICE_NAME)
        reflection.enable_server_reflection(services + (reflection.SERVICE_NAME,), server)

        address = f"{config.host}:{config.port}"
        try:
            if config.tls_cert:
                credentials = grpc.ssl_server_credentials([(config.tls_key.read_bytes(),
                                                            config.tls_cert.read_bytes())])
                port = server.add_secure_port(address, credentials)
            else:
                port = server.add_insecure_port(address)
        except RuntimeError:
            raise OSError(f"cannot listen on {address}: the port is taken or the address is not this "
                          "machine's") from None
        await server.start()
        scheduler.start([store.get_job(job_id) for job_id in report.queued])
        warm_up = asyncio.create_task(pool.warm_up())
        for name in ("",) + services:
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        bound = f"{config.host}:{port}"
        log.info("listening on %s (%s, %d prove workers, queue capacity %d, data in %s)", bound,
                 "TLS" if config.tls_cert else "plaintext", config.workers, config.queue_capacity, config.data_dir)
        if ready is not None:
            ready(bound)
        await stop.wait()

        log.info("shutting down: health NOT_SERVING, no new jobs, %d running get %.0f s to finish",
                 scheduler.running, config.shutdown_grace_s)
        await health_servicer.enter_graceful_shutdown()
        prover_servicer.draining = True
        requeued = await scheduler.drain(config.shutdown_grace_s)
        if requeued:
            log.info("requeued %d running jobs for the next start: %s", len(requeued), ", ".join(requeued))
        await server.stop(grace=5)
        warm_up.cancel()
        pool.shutdown()
        log.info("stopped")
        return 0
    finally:
        store.close()
