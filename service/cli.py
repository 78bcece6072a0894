"""``attrib serve``: run the gRPC prover service until SIGTERM / SIGINT.

Every option's default is :class:`attrib.service.config.ServiceConfig`'s.  The bearer token
comes from ``$ATTRIB_TOKEN`` or ``--token-file``, never from the command line (where every
user of the machine can read it in ``ps``), and must be at least 16 bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attrib.service.config import ConfigError, ServiceConfig, read_token
from attrib.service.srs_spec import SRSSpec

D = ServiceConfig.default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=D("host"),
                        help=f"address to listen on (default {D('host')}; another than loopback needs TLS)")
    parser.add_argument("--port", type=int, default=D("port"), help=f"port (default {D('port')}; 0 picks a free one)")
    parser.add_argument("--data-dir", required=True, help="where datasets, jobs and proofs are kept")
    parser.add_argument("--token-file", metavar="PATH",
                        help="file whose first line is the bearer token that ProverService calls must carry "
                             "(default: $ATTRIB_TOKEN); at least 16 bytes")
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve TLS instead of plaintext")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--insecure-plaintext", action="store_true",
                        help="allow a non-loopback --host without TLS (behind a proxy that terminates TLS); "
                             "logged as a warning")
    srs = parser.add_mutually_exclusive_group()
    srs.add_argument("--srs-ptau", metavar="PATH", help="SRS from a powers-of-tau ceremony file (snarkjs .ptau)")
    srs.add_argument("--dev-srs", type=int, default=SRSSpec.DEFAULT_DEV_LOG_N, metavar="LOG_N",
                     help=f"INSECURE development SRS of 2^LOG_N powers (the default, with LOG_N = "
                          f"{SRSSpec.DEFAULT_DEV_LOG_N})")
    parser.add_argument("--srs-log-n", type=int, help="with --srs-ptau: use only 2^N powers of the file")
    parser.add_argument("--workers", type=int, default=D("workers"),
                        help=f"prove worker processes (default {D('workers')})")
    parser.add_argument("--threads-per-worker", type=int, default=D("threads_per_worker"),
                        help="kernel threads of each worker process (default 0: every core)")
    parser.add_argument("--pool-processes", type=int, default=D("pool_processes"),
                        help=f"processes for registration and verification (default: one per core, "
                             f"{D('pool_processes')} here)")
    parser.add_argument("--queue-capacity", type=int, default=D("queue_capacity"),
                        help=f"jobs queued or running at most (default {D('queue_capacity')})")
    parser.add_argument("--max-message-bytes", type=int, default=D("max_message_bytes"),
                        help=f"largest request message (default {D('max_message_bytes')})")
    parser.add_argument("--max-rows", type=int, default=D("max_rows"),
                        help="largest dataset, in rows (default: what the SRS allows)")
    parser.add_argument("--max-columns", type=int, default=D("max_columns"),
                        help=f"most feature columns (default {D('max_columns')})")
    parser.add_argument("--max-queries", type=int, default=D("max_queries"),
                        help=f"most queries in one epoch (default {D('max_queries')})")
    parser.add_argument("--max-dataset-bytes", type=int, default=D("max_dataset_bytes"),
                        help=f"largest dataset, in feature bytes (default {D('max_dataset_bytes')})")
    parser.add_argument("--shutdown-grace", type=float, default=D("shutdown_grace_s"),
                        help=f"seconds running jobs get to finish on SIGTERM before they are requeued "
                             f"(default {D('shutdown_grace_s'):g})")
    verify = parser.add_argument_group("the open Verify call (no token) is bounded before it starts")
    verify.add_argument("--verify-max-bytes", type=int, default=D("verify_max_bytes"),
                        help=f"most bytes of manifest + claim + proof (default {D('verify_max_bytes')})")
    verify.add_argument("--verify-max-columns", type=int, default=D("verify_max_columns"),
                        help=f"most manifest columns (default {D('verify_max_columns')})")
    verify.add_argument("--verify-deadline", type=float, default=D("verify_deadline_s"),
                        help=f"seconds after which a verification is stopped (default {D('verify_deadline_s'):g})")
    verify.add_argument("--verify-max-in-flight", type=int, default=D("verify_max_in_flight"),
                        help=f"verifications queued or running at once (default {D('verify_max_in_flight')})")
    verify.add_argument("--verify-backend", choices=("auto", "native", "python"), default=D("verify_backend"),
                        help="the verifier's curve arithmetic: native (the compiled MSM and pairing), python (the "
                             f"pure-Python specification) or auto (native when built; default {D('verify_backend')})")
    parser.add_argument("--dask", metavar="ADDRESS", default=D("dask"),
                        help="register datasets on this Dask scheduler (tcp://host:port): row shards commit and "
                             "prove on its workers, which must import attrib and see the SRS cache "
                             "(pip install 'attrib[dask]'); the bytes are the same as without it")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))


def config_from_args(args: argparse.Namespace) -> ServiceConfig:
    """The ServiceConfig the options describe, validated (ConfigError names the option)."""
    srs = SRSSpec(ptau=args.srs_ptau, log_n=args.srs_log_n) if args.srs_ptau else SRSSpec(log_n=args.dev_srs)
    return ServiceConfig(
        data_dir=Path(args.data_dir), token=read_token(args.token_file), srs=srs, host=args.host, port=args.port,
        tls_cert=Path(args.tls_cert) if args.tls_cert else None, tls_key=Path(args.tls_key) if args.tls_key else None,
        insecure_plaintext=args.insecure_plaintext, workers=args.workers, threads_per_worker=args.threads_per_worker,
        pool_processes=args.pool_processes, dask=args.dask, queue_capacity=args.queue_capacity,
        max_message_bytes=args.max_message_bytes, max_rows=args.max_rows, max_columns=args.max_columns,
        max_queries=args.max_queries, max_dataset_bytes=args.max_dataset_bytes, shutdown_grace_s=args.shutdown_grace,
        verify_max_bytes=args.verify_max_bytes, verify_max_columns=args.verify_max_columns,
        verify_deadline_s=args.verify_deadline, verify_max_in_flight=args.verify_max_in_flight,
        verify_backend=args.verify_backend).validate()


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from attrib.prover.srs import SRSError
    from attrib.service.server import serve
    from attrib.service.store import DataDirLocked

    try:
        config = config_from_args(args)
    except ConfigError as exc:
        print(f"attrib serve: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(serve(config, ready=lambda address: print(f"listening on {address}", flush=True)))
    except (DataDirLocked, SRSError, OSError) as exc:
        print(f"attrib serve: error: {exc}", file=sys.stderr)
        return 2
