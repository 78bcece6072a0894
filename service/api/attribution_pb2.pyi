import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]

class JobEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_EVENT_TYPE_UNSPECIFIED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_SNAPSHOT: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_PROGRESS: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_STATE_CHANGED: _ClassVar[JobEventType]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_VALID: _ClassVar[Verdict]
    VERDICT_INVALID: _ClassVar[Verdict]
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
JOB_EVENT_TYPE_UNSPECIFIED: JobEventType
JOB_EVENT_TYPE_SNAPSHOT: JobEventType
JOB_EVENT_TYPE_PROGRESS: JobEventType
JOB_EVENT_TYPE_STATE_CHANGED: JobEventType
VERDICT_UNSPECIFIED: Verdict
VERDICT_VALID: Verdict
VERDICT_INVALID: Verdict

class RegisterDatasetRequest(_message.Message):
    __slots__ = ("header", "rows")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    header: DatasetHeader
    rows: RowChunk
    def __init__(self, header: _Optional[_Union[DatasetHeader, _Mapping]] = ..., rows: _Optional[_Union[RowChunk, _Mapping]] = ...) -> None: ...

class DatasetHeader(_message.Message):
    __slots__ = ("dataset_id", "num_rows", "num_columns", "has_scales", "recipe", "has_example_digests")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    NUM_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    HAS_SCALES_FIELD_NUMBER: _ClassVar[int]
    RECIPE_FIELD_NUMBER: _ClassVar[int]
    HAS_EXAMPLE_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    num_rows: int
    num_columns: int
    has_scales: bool
    recipe: bytes
    has_example_digests: bool
    def __init__(self, dataset_id: _Optional[str] = ..., num_rows: _Optional[int] = ..., num_columns: _Optional[int] = ..., has_scales: _Optional[bool] = ..., recipe: _Optional[bytes] = ..., has_example_digests: _Optional[bool] = ...) -> None: ...

class RowChunk(_message.Message):
    __slots__ = ("features", "contributors", "scales", "example_digests")
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTORS_FIELD_NUMBER: _ClassVar[int]
    SCALES_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    features: bytes
    contributors: _containers.RepeatedScalarFieldContainer[str]
    scales: _containers.RepeatedScalarFieldContainer[int]
    example_digests: bytes
    def __init__(self, features: _Optional[bytes] = ..., contributors: _Optional[_Iterable[str]] = ..., scales: _Optional[_Iterable[int]] = ..., example_digests: _Optional[bytes] = ...) -> None: ...

class Dataset(_message.Message):
    __slots__ = ("dataset_id", "manifest", "manifest_digest", "num_rows", "num_columns", "num_contributors", "insecure_srs", "created_at")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_DIGEST_FIELD_NUMBER: _ClassVar[int]
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    NUM_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    NUM_CONTRIBUTORS_FIELD_NUMBER: _ClassVar[int]
    INSECURE_SRS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    manifest: bytes
    manifest_digest: bytes
    num_rows: int
    num_columns: int
    num_contributors: int
    insecure_srs: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, dataset_id: _Optional[str] = ..., manifest: _Optional[bytes] = ..., manifest_digest: _Optional[bytes] = ..., num_rows: _Optional[int] = ..., num_columns: _Optional[int] = ..., num_contributors: _Optional[int] = ..., insecure_srs: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetManifestRequest(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets", "next_page_token")
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[Dataset]
    next_page_token: str
    def __init__(self, datasets: _Optional[_Iterable[_Union[Dataset, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SubmitProveJobRequest(_message.Message):
    __slots__ = ("dataset_id", "num_queries", "queries", "fees", "idempotency_key", "epoch")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    NUM_QUERIES_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    num_queries: int
    queries: _containers.RepeatedScalarFieldContainer[int]
    fees: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    epoch: int
    def __init__(self, dataset_id: _Optional[str] = ..., num_queries: _Optional[int] = ..., queries: _Optional[_Iterable[int]] = ..., fees: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ..., epoch: _Optional[int] = ...) -> None: ...

class SubmitProveJobResponse(_message.Message):
    __slots__ = ("job_id", "job", "deduplicated")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    DEDUPLICATED_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    job: Job
    deduplicated: bool
    def __init__(self, job_id: _Optional[str] = ..., job: _Optional[_Union[Job, _Mapping]] = ..., deduplicated: _Optional[bool] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("job_id", "dataset_id", "state", "stage", "stage_fraction", "fraction", "error", "attempts", "num_queries", "idempotency_key", "queue_position", "created_at", "started_at", "finished_at")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FRACTION_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NUM_QUERIES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    dataset_id: str
    state: JobState
    stage: str
    stage_fraction: float
    fraction: float
    error: str
    attempts: int
    num_queries: int
    idempotency_key: str
    queue_position: int
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., stage: _Optional[str] = ..., stage_fraction: _Optional[float] = ..., fraction: _Optional[float] = ..., error: _Optional[str] = ..., attempts: _Optional[int] = ..., num_queries: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., queue_position: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("type", "job")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    type: JobEventType
    job: Job
    def __init__(self, type: _Optional[_Union[JobEventType, str]] = ..., job: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetProofRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetProofResponse(_message.Message):
    __slots__ = ("job_id", "dataset_id", "manifest_digest", "claim", "proof", "evm_calldata", "payouts")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_DIGEST_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    EVM_CALLDATA_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    dataset_id: str
    manifest_digest: bytes
    claim: bytes
    proof: bytes
    evm_calldata: bytes
    payouts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, job_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., manifest_digest: _Optional[bytes] = ..., claim: _Optional[bytes] = ..., proof: _Optional[bytes] = ..., evm_calldata: _Optional[bytes] = ..., payouts: _Optional[_Iterable[str]] = ...) -> None: ...

class OpenPayoutsRequest(_message.Message):
    __slots__ = ("job_id", "indices")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    indices: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, job_id: _Optional[str] = ..., indices: _Optional[_Iterable[int]] = ...) -> None: ...

class OpenPayoutsResponse(_message.Message):
    __slots__ = ("values", "opening")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    opening: bytes
    def __init__(self, values: _Optional[_Iterable[str]] = ..., opening: _Optional[bytes] = ...) -> None: ...

class OpenBalanceRequest(_message.Message):
    __slots__ = ("dataset_id", "epoch_job_ids", "index")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    epoch_job_ids: _containers.RepeatedScalarFieldContainer[str]
    index: int
    def __init__(self, dataset_id: _Optional[str] = ..., epoch_job_ids: _Optional[_Iterable[str]] = ..., index: _Optional[int] = ...) -> None: ...

class OpenBalanceResponse(_message.Message):
    __slots__ = ("value", "commitment", "excluded", "opening")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    value: str
    commitment: bytes
    excluded: _containers.RepeatedScalarFieldContainer[int]
    opening: bytes
    def __init__(self, value: _Optional[str] = ..., commitment: _Optional[bytes] = ..., excluded: _Optional[_Iterable[int]] = ..., opening: _Optional[bytes] = ...) -> None: ...

class OpenRowsRequest(_message.Message):
    __slots__ = ("dataset_id", "rows")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    rows: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, dataset_id: _Optional[str] = ..., rows: _Optional[_Iterable[int]] = ...) -> None: ...

class OpenRowsResponse(_message.Message):
    __slots__ = ("values", "opening")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    OPENING_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[OpenedRow]
    opening: bytes
    def __init__(self, values: _Optional[_Iterable[_Union[OpenedRow, _Mapping]]] = ..., opening: _Optional[bytes] = ...) -> None: ...

class OpenedRow(_message.Message):
    __slots__ = ("features", "scale", "example_digest")
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedScalarFieldContainer[int]
    scale: int
    example_digest: bytes
    def __init__(self, features: _Optional[_Iterable[int]] = ..., scale: _Optional[int] = ..., example_digest: _Optional[bytes] = ...) -> None: ...

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("server_version", "grpc_version", "python_version", "manifest_version", "claim_version", "proof_version", "srs_digest", "srs_source", "srs_max_log_n", "insecure_srs", "max_rows", "max_columns", "max_queries", "queue_capacity", "queue_length", "workers", "max_message_bytes", "evm_calldata_available", "verify_max_bytes", "verify_max_columns", "verify_max_log_rows", "verify_deadline_ms", "verify_max_in_flight")
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    GRPC_VERSION_FIELD_NUMBER: _ClassVar[int]
    PYTHON_VERSION_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    CLAIM_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROOF_VERSION_FIELD_NUMBER: _ClassVar[int]
    SRS_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SRS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    SRS_MAX_LOG_N_FIELD_NUMBER: _ClassVar[int]
    INSECURE_SRS_FIELD_NUMBER: _ClassVar[int]
    MAX_ROWS_FIELD_NUMBER: _ClassVar[int]
    MAX_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    MAX_QUERIES_FIELD_NUMBER: _ClassVar[int]
    QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    EVM_CALLDATA_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    VERIFY_MAX_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    VERIFY_MAX_LOG_ROWS_FIELD_NUMBER: _ClassVar[int]
    VERIFY_DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    VERIFY_MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    server_version: str
    grpc_version: str
    python_version: str
    manifest_version: int
    claim_version: int
    proof_version: int
    srs_digest: bytes
    srs_source: str
    srs_max_log_n: int
    insecure_srs: bool
    max_rows: int
    max_columns: int
    max_queries: int
    queue_capacity: int
    queue_length: int
    workers: int
    max_message_bytes: int
    evm_calldata_available: bool
    verify_max_bytes: int
    verify_max_columns: int
    verify_max_log_rows: int
    verify_deadline_ms: int
    verify_max_in_flight: int
    def __init__(self, server_version: _Optional[str] = ..., grpc_version: _Optional[str] = ..., python_version: _Optional[str] = ..., manifest_version: _Optional[int] = ..., claim_version: _Optional[int] = ..., proof_version: _Optional[int] = ..., srs_digest: _Optional[bytes] = ..., srs_source: _Optional[str] = ..., srs_max_log_n: _Optional[int] = ..., insecure_srs: _Optional[bool] = ..., max_rows: _Optional[int] = ..., max_columns: _Optional[int] = ..., max_queries: _Optional[int] = ..., queue_capacity: _Optional[int] = ..., queue_length: _Optional[int] = ..., workers: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., evm_calldata_available: _Optional[bool] = ..., verify_max_bytes: _Optional[int] = ..., verify_max_columns: _Optional[int] = ..., verify_max_log_rows: _Optional[int] = ..., verify_deadline_ms: _Optional[int] = ..., verify_max_in_flight: _Optional[int] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("manifest", "claim", "proof", "trusted_srs_digest")
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_SRS_DIGEST_FIELD_NUMBER: _ClassVar[int]
    manifest: bytes
    claim: bytes
    proof: bytes
    trusted_srs_digest: bytes
    def __init__(self, manifest: _Optional[bytes] = ..., claim: _Optional[bytes] = ..., proof: _Optional[bytes] = ..., trusted_srs_digest: _Optional[bytes] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("verdict", "reason", "srs_digest")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SRS_DIGEST_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    reason: str
    srs_digest: bytes
    def __init__(self, verdict: _Optional[_Union[Verdict, str]] = ..., reason: _Optional[str] = ..., srs_digest: _Optional[bytes] = ...) -> None: ...
