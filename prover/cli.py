"""The ``attrib`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def cmd_demo(args: argparse.Namespace) -> int:
    """TracIn on scikit-learn's digits: register, prove an epoch, verify, pay out."""
    from prover.demo import run_demo

    result = run_demo(contributors=args.contributors, queries=args.queries, seed=args.seed, ptau=args.ptau)
    return 0 if result["ok"] else 1


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the gRPC prover service until SIGTERM / SIGINT."""
    import asyncio
    import logging

    from prover.service import ServiceConfig, serve
    from prover.srs import SRSError
    from prover.store import DataDirLocked
    from prover.worker import SRSSpec

    token = args.token or os.environ.get("ATTRIB_TOKEN")
    if not token:
        print("attrib serve: error: a bearer token is required (--token or $ATTRIB_TOKEN)", file=sys.stderr)
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        print("attrib serve: error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    for name in ("workers", "pool_processes", "queue_capacity", "max_message_bytes", "max_columns", "max_queries",
                 "max_dataset_bytes"):
        if getattr(args, name) < 1:
            print(f"attrib serve: error: --{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    srs = SRSSpec(ptau=args.srs_ptau, log_n=args.srs_log_n) if args.srs_ptau else SRSSpec(log_n=args.dev_srs)
    config = ServiceConfig(
        data_dir=Path(args.data_dir), token=token, srs=srs, host=args.host, port=args.port,
        tls_cert=Path(args.tls_cert) if args.tls_cert else None, tls_key=Path(args.tls_key) if args.tls_key else None,
        workers=args.workers, threads_per_worker=args.threads_per_worker, pool_processes=args.pool_processes,
        queue_capacity=args.queue_capacity, max_message_bytes=args.max_message_bytes, max_rows=args.max_rows,
        max_columns=args.max_columns, max_queries=args.max_queries, max_dataset_bytes=args.max_dataset_bytes,
        shutdown_grace_s=args.shutdown_grace)
    try:
        return asyncio.run(serve(config, ready=lambda address: print(f"listening on {address}", flush=True)))
    except (DataDirLocked, SRSError, OSError) as exc:
        print(f"attrib serve: error: {exc}", file=sys.stderr)
        return 2


def add_serve_parser(sub) -> None:
    serve = sub.add_parser("serve", help="run the gRPC prover service",
                           description="Serve attribution.v1 (ProverService, VerifierService, health, reflection).")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=50051, help="port (default 50051; 0 picks a free one)")
    serve.add_argument("--data-dir", required=True, help="where datasets, jobs and proofs are kept")
    serve.add_argument("--token", help="bearer token that ProverService calls must carry (default $ATTRIB_TOKEN; "
                                       "prefer the variable: arguments are visible to other users)")
    serve.add_argument("--tls-cert", help="PEM certificate chain: serve TLS instead of plaintext")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    srs = serve.add_mutually_exclusive_group()
    srs.add_argument("--srs-ptau", metavar="PATH", help="SRS from a powers-of-tau ceremony file (snarkjs .ptau)")
    srs.add_argument("--dev-srs", type=int, default=16, metavar="LOG_N",
                     help="INSECURE development SRS of 2^LOG_N powers (the default, with LOG_N = 16)")
    serve.add_argument("--srs-log-n", type=int, help="with --srs-ptau: use only 2^N powers of the file")
    serve.add_argument("--workers", type=int, default=1, help="prove worker processes (default 1)")
    serve.add_argument("--threads-per-worker", type=int, default=0,
                       help="kernel threads of each worker process (default 0: every core)")
    serve.add_argument("--pool-processes", type=int, default=os.cpu_count() or 1,
                       help="processes for registration and verification (default: one per core)")
    serve.add_argument("--queue-capacity", type=int, default=64, help="jobs queued or running at most (default 64)")
    serve.add_argument("--max-message-bytes", type=int, default=8 << 20,
                       help="largest request message (default 8 MiB)")
    serve.add_argument("--max-rows", type=int, help="largest dataset, in rows (default: what the SRS allows)")
    serve.add_argument("--max-columns", type=int, default=1024, help="most feature columns (default 1024)")
    serve.add_argument("--max-queries", type=int, default=4096, help="most queries in one epoch (default 4096)")
    serve.add_argument("--max-dataset-bytes", type=int, default=512 << 20,
                       help="largest dataset, in feature bytes (default 512 MiB)")
    serve.add_argument("--shutdown-grace", type=float, default=30.0,
                       help="seconds running jobs get to finish on SIGTERM before they are requeued (default 30)")
    serve.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    serve.set_defaults(func=cmd_serve)


def cmd_export_verifier(args: argparse.Namespace) -> int:
    """Write the Solidity AttributionVerifier for one SRS (its [τ]_2 and digest compiled in)."""
    from pathlib import Path

    from prover.srs import SRS, SRSError
    from verifier.evm import contract_source

    try:
        srs = SRS.from_ptau(args.srs, max_log_n=args.max_log_n) if args.srs else SRS.dev(args.dev_srs)
    except (SRSError, OSError) as exc:
        print(f"attrib export-verifier: {exc}", file=sys.stderr)
        return 2
    source = contract_source(srs.verifying_key)
    if args.output == "-":
        sys.stdout.write(source)
    else:
        Path(args.output).write_text(source)
        print(f"wrote {args.output}: AttributionVerifier for SRS {srs.digest().hex()} ({srs.source}, "
              f"2^{srs.max_log_n} powers)", file=sys.stderr)
    return 0


def add_export_verifier_parser(sub) -> None:
    export = sub.add_parser("export-verifier", help="write the Solidity verifier contract for an SRS")
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--srs", metavar="PTAU", help="a snarkjs / Perpetual Powers of Tau .ptau file")
    source.add_argument("--dev-srs", type=int, metavar="LOG_N", help="an INSECURE development SRS (tests only)")
    export.add_argument("--max-log-n", type=int, help="powers to use from the .ptau (default: all it has)")
    export.add_argument("-o", "--output", default="Verifier.sol", help="output file, or - for stdout")
    export.set_defaults(func=cmd_export_verifier)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark suites and write results.json, report.md and plots (bench/harness.py)."""
    from bench import harness

    return harness.main(args)


def add_bench_parser(sub) -> None:
    from bench import harness

    bench = sub.add_parser("bench", help="run the benchmarks and write a report with plots",
                           description="Run the benchmark suites (ours and the peers side by side) and write "
                                       "DIR/results.json, DIR/report.md and PNG plots. See bench/README.md.")
    harness.add_arguments(bench)
    bench.set_defaults(func=cmd_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attrib", description="Verifiable data attribution prover")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the end-to-end demo")
    demo.add_argument("--contributors", type=int, default=50, help="contributors to split the data among")
    demo.add_argument("--queries", type=int, default=200, help="inferences in the epoch")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--ptau", help="a snarkjs .ptau file to use as the SRS (default: an insecure dev SRS)")
    demo.set_defaults(func=cmd_demo)
    add_serve_parser(sub)
    add_export_verifier_parser(sub)
    from prover.remote import add_remote_parser

    add_remote_parser(sub)
    add_bench_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
