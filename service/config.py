"""What ``attrib serve`` is told, with every default and service policy in one place.

The protocol's bounds (features, scales, fees, sizes) are the spec's, in
:mod:`attrib.verifier.limits`; this module holds the service's own policies: how much work a
caller may ask for, how the server listens, how it authenticates.  ``attrib serve``'s options
take their defaults from :class:`ServiceConfig`, so the two cannot disagree.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from attrib.service.srs_spec import SRSSpec

# ---- request rules ------------------------------------------------------------------------

DATASET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")   # 1 to 64 characters
MAX_ID_CHARS = 128                 # job ids and idempotency keys
MAX_PAGE_SIZE = 1000
MAX_OPENED_PAYOUTS = 4096          # contributor indices in one OpenPayouts call
MAX_OPENED_ROWS_PER_CALL = 1024    # rows in one OpenRows call
MAX_BALANCE_EPOCHS = 4096          # epochs one OpenBalance call sums (each read from its job's files)
DEFAULT_PAGE_SIZE = 100
MAX_RESPONSE_BYTES = 256 << 20
MAX_CONCURRENT_RPCS = 1024
MIN_TOKEN_BYTES = 16
TOKEN_ENV = "ATTRIB_TOKEN"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class ConfigError(ValueError):
    """A configuration the server refuses to start with; the message names the option."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (a loopback address or ``localhost``)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str | None, source: str) -> str:
    """The bearer token, refused when missing or shorter than MIN_TOKEN_BYTES."""
    if not token:
        raise ConfigError(f"a bearer token is required ({source})")
    if len(token.encode()) < MIN_TOKEN_BYTES:
        raise ConfigError(f"the bearer token from {source} is {len(token.encode())} bytes; at least "
                          f"{MIN_TOKEN_BYTES} are required (e.g. `openssl rand -hex 16`)")
    return token


def read_token(token_file: str | Path | None, environ=os.environ) -> str:
    """The token from ``token_file`` (its first line) or else $ATTRIB_TOKEN; never from argv."""
    if token_file:
        path = Path(token_file)
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise ConfigError(f"--token-file {path}: {exc.strerror or exc}") from None
        return check_token(lines[0].strip() if lines else "", f"--token-file {path}")
    return check_token(environ.get(TOKEN_ENV), f"${TOKEN_ENV} or --token-file")


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``attrib serve`` is told; see ``attrib serve --help``."""

    data_dir: Path
    token: str
    srs: SRSSpec = field(default_factory=SRSSpec)
    host: str = "127.0.0.1"
    port: int = 50051
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure_plaintext: bool = False     # allow a non-loopback listen address without TLS
    workers: int = 1
    threads_per_worker: int = 0          # 0: the kernels' default (every core)
    pool_processes: int = field(default_factory=lambda: os.cpu_count() or 1)
    dask: str | None = None              # a Dask scheduler address: registrations run their row shards there
    queue_capacity: int = 64
    max_message_bytes: int = 8 << 20
    max_rows: int | None = None          # None: what the SRS allows
    max_columns: int = 1024
    max_queries: int = 4096
    max_dataset_bytes: int = 512 << 20
    shutdown_grace_s: float = 30.0
    # VerifierService.Verify needs no token, so its work is bounded before it starts:
    verify_max_bytes: int = 4 << 20      # manifest + claim + proof
    verify_max_columns: int = 1024       # the manifest's k (the verifier's MSM and point checks)
    verify_deadline_s: float = 10.0      # a verification still running then is stopped
    verify_max_in_flight: int = 64       # queued or running verifications; more are refused
    verify_backend: str = "auto"         # the verifier's arithmetic: native when built, else python

    POSITIVE = ("workers", "pool_processes", "queue_capacity", "max_message_bytes", "max_columns", "max_queries",
                "max_dataset_bytes", "verify_max_bytes", "verify_max_columns", "verify_max_in_flight")

    def validate(self) -> ServiceConfig:
        """Refuse what the server must not start with; each ConfigError names the option."""
        check_token(self.token, "the configuration")
        for name in self.POSITIVE:
            if getattr(self, name) < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
        if self.threads_per_worker < 0:
            raise ConfigError("--threads-per-worker must not be negative")
        if self.verify_deadline_s <= 0 or self.shutdown_grace_s < 0:
            raise ConfigError("--verify-deadline must be positive and --shutdown-grace not negative")
        from attrib.verifier import backend

        try:
            backend.resolve(self.verify_backend)
        except (ValueError, backend.BackendUnavailable) as exc:
            raise ConfigError(f"--verify-backend: {exc}") from None
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ConfigError("--tls-cert and --tls-key go together")
        if not self.tls_cert and not self.insecure_plaintext and not is_loopback(self.host):
            raise ConfigError(f"--host {self.host} is reachable from other machines, and without TLS the bearer "
                              "token would travel in clear: give --tls-cert/--tls-key, or --insecure-plaintext "
                              "if a proxy in front terminates TLS")
        return self

    @classmethod
    def default(cls, name: str):
        """The default of one field (a default_factory is called); KeyError for a field without one."""
        for f in fields(cls):
            if f.name == name:
                if f.default_factory is not MISSING:
                    return f.default_factory()
                if f.default is not MISSING:
                    return f.default
        raise KeyError(name)
