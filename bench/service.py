"""Suite ``service``: the gRPC prover service on loopback, under 1, 4 and 16 concurrent clients.

One ``attrib serve`` child process (dev SRS of 2^log_n powers, default prove workers) holds a
registered dataset of N = 2^16 rows × k = 32 columns over C = 64 contributors.  Each client is
a thread with its own channel.  For every client count:

``verify``     every client calls VerifierService.Verify back to back on one valid proof for
               ``--verify-seconds``; **calls/s** = completed calls / wall time (calls still in
               flight at the deadline finish and count).  Latency = one call, client side.
``prove-job``  every client submits ``--jobs-per-client`` epochs of T = 64 queries one after
               another: SubmitProveJob, WatchJob to the end, GetProof.  Latency = submit to proof
               in hand; the server's own timestamps split it into queue wait and proving time.

Any failed call or job, a verdict other than VALID, or a proof the Python verifier rejects
(every job's proof is checked after the timings) is counted under **failed** and raised as a
warning.  ``--repeat`` is not used: the durations and job counts above set the sample sizes.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from attrib.bench.report import fmt_num, log, table

DESCRIPTION = "gRPC service on loopback: verify calls/s and prove-job latency (N = 2^16, k = 32, T = 64) " \
              "with 1, 4 and 16 concurrent clients"

TOKEN = "bench-service-token"


def add_arguments(parser) -> None:
    parser.add_argument("--clients", default="1,4,16", metavar="C[,C...]", help="concurrent clients (default 1,4,16)")
    parser.add_argument("--log-n", type=int, default=16, help="log2 of the dataset rows N (default 16)")
    parser.add_argument("--columns", type=int, default=32, help="feature columns k (default 32)")
    parser.add_argument("--queries", type=int, default=64, help="queries per epoch T (default 64)")
    parser.add_argument("--contributors", type=int, default=64, help="contributors C (default 64)")
    parser.add_argument("--verify-seconds", type=float, help="verify phase length per client count "
                                                             "(default 10, or 4 with --quick)")
    parser.add_argument("--jobs-per-client", type=int, help="prove jobs each client submits in turn "
                                                            "(default 2, or 1 with --quick)")
    parser.add_argument("--workers", type=int, default=1, help="the server's prove workers (default 1)")
    parser.add_argument("--verify-backends", default="native,python", metavar="B[,B...]",
                        help="verifier backends to measure Verify with, one server each (attrib serve "
                             "--verify-backend; default native,python); prove jobs run on the first only")
    parser.add_argument("--seed", type=int, default=7)


def _summary(latencies: list[float]) -> dict:
    return {"median_s": statistics.median(latencies), "min_s": min(latencies), "max_s": max(latencies)}


def _check_proof(manifest: bytes, claim: bytes, proof: bytes, srs_digest: bytes) -> bool:
    from attrib.verifier import verify_attribution

    return verify_attribution(manifest, claim, proof, trusted_srs_digest=srs_digest)


def verify_level(server, clients: int, payload: tuple[bytes, bytes, bytes], seconds: float) -> dict:
    """``clients`` threads calling Verify back to back for ``seconds``."""
    latencies, failures = [], []
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client_loop(_):
        with server.client(token=None) as c:
            while True:
                t0 = time.perf_counter()
                try:
                    valid, reason = c.verify(*payload)
                    error = None if valid else f"verdict INVALID: {reason}"
                except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                    error = f"{type(exc).__name__}: {exc}"
                t1 = time.perf_counter()
                with lock:
                    if error:
                        failures.append(error)
                    else:
                        latencies.append(t1 - t0)
                if t1 >= deadline:
                    return

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    wall = time.perf_counter() - start
    row = {"impl": "service", "op": "verify", "clients": clients, "requests": len(latencies) + len(failures),
           "wall_s": wall, "rate_per_s": len(latencies) / wall, "failed": len(failures), "errors": failures[:5]}
    row.update(_summary(latencies or [float("nan")]))
    return row


def prove_level(server, clients: int, jobs_per_client: int, epochs) -> tuple[dict, list]:
    """``clients`` threads each proving ``jobs_per_client`` epochs in turn; returns the row and the proofs."""
    from attrib.service.client import job_state_name

    outcomes, failures = [], []
    lock = threading.Lock()
    start = time.perf_counter()

    def client_loop(index):
        with server.client() as c:
            for j in range(jobs_per_client):
                queries, fees = epochs[(index * jobs_per_client + j) % len(epochs)]
                t0 = time.perf_counter()
                try:
                    job_id = c.submit("bench", queries, fees).job_id
                    final = c.wait(job_id, timeout=3600)
                    if job_state_name(final.state) != "SUCCEEDED":
                        raise RuntimeError(f"job {job_id} ended {job_state_name(final.state)}: {final.error}")
                    result = c.proof(job_id)
                except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                latency = time.perf_counter() - t0
                queued = final.started_at.ToNanoseconds() - final.created_at.ToNanoseconds()
                ran = final.finished_at.ToNanoseconds() - final.started_at.ToNanoseconds()
                with lock:
                    outcomes.append((latency, queued / 1e9, ran / 1e9, result))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_loop, range(clients)))
    wall = time.perf_counter() - start
    row = {"impl": "service", "op": "prove-job", "clients": clients, "requests": len(outcomes) + len(failures),
           "wall_s": wall, "rate_per_s": len(outcomes) / wall, "failed": len(failures), "errors": failures[:5]}
    row.update(_summary([o[0] for o in outcomes] or [float("nan")]))
    if outcomes:
        row["queue_median_s"] = statistics.median(o[1] for o in outcomes)
        row["prove_median_s"] = statistics.median(o[2] for o in outcomes)
    return row, [o[3] for o in outcomes]


def run(args) -> dict:
    from attrib.service.local import LocalServer

    client_counts = [int(c) for c in str(args.clients).split(",") if c.strip()]
    verify_s = args.verify_seconds if args.verify_seconds is not None else (4.0 if args.quick else 10.0)
    jobs_per_client = args.jobs_per_client or (1 if args.quick else 2)
    from attrib.prover.attribution import required_log_n

    n, k, t = 1 << args.log_n, args.columns, args.queries
    rng = np.random.default_rng(args.seed)
    owners = np.sort(np.concatenate([np.arange(args.contributors), rng.integers(0, args.contributors,
                                                                               n - args.contributors)]))
    features = rng.integers(-(2**15) + 1, 2**15, size=(n, k), dtype=np.int16)
    scales = rng.integers(0, 2**24, n)
    epochs = [(rng.integers(-(2**15) + 1, 2**15, size=(t, k)), [10**6 + i for i in range(t)]) for _ in range(4)]
    capacity = max(64, max(client_counts) * jobs_per_client)
    results, warnings, all_proofs = [], [], []
    backends = [b.strip() for b in str(args.verify_backends).split(",") if b.strip()]
    unknown = sorted(set(backends) - {"auto", "native", "python"})
    if not backends or unknown:
        raise ValueError(f"--verify-backends: expected auto, native or python, got {args.verify_backends!r}")
    proofs_against = (b"", b"")                     # the first server's manifest and SRS digest
    for index, backend in enumerate(backends):
        with tempfile.TemporaryDirectory(prefix="attrib-bench-service-") as tmp:
            srs_log_n = required_log_n(n, k, args.contributors, t)
            server_args = ["--dev-srs", str(srs_log_n), "--workers", str(args.workers), "--queue-capacity",
                           str(capacity), "--max-queries", str(max(t, 4096)), "--verify-backend", backend]
            log(f"service: starting attrib serve (dev SRS 2^{srs_log_n}, {args.workers} prove workers, "
                f"verify backend {backend})")
            with LocalServer(Path(tmp) / "data", TOKEN, server_args) as server, server.client() as c:
                info = c.server_info()
                t0 = time.perf_counter()
                c.register("bench", features, [f"contributor-{o}" for o in owners], scales)
                register_s = time.perf_counter() - t0
                manifest = c.dataset("bench").manifest
                log(f"service: registered N = 2^{args.log_n}, k = {k} in {register_s:.2f} s; warm-up proof")
                warm = c.prove("bench", *epochs[0], timeout=3600)
                payload = (manifest, warm.claim.to_bytes(), warm.proof.to_bytes())
                for clients in client_counts:
                    log(f"service: {clients} clients: verify ({backend}) for {verify_s:g} s")
                    results.append({**verify_level(server, clients, payload, verify_s), "backend": backend})
                    if index:
                        continue
                    log(f"service: {clients} clients: {clients * jobs_per_client} prove jobs")
                    row, proofs = prove_level(server, clients, jobs_per_client, epochs)
                    results.append(row)
                    all_proofs += proofs
                    proofs_against = (manifest, info.srs_digest)
    log(f"service: checking {len(all_proofs)} proofs with the Python verifier")
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        checks = list(pool.map(_check_proof, [proofs_against[0]] * len(all_proofs),
                               [p.claim.to_bytes() for p in all_proofs], [p.proof.to_bytes() for p in all_proofs],
                               [proofs_against[1]] * len(all_proofs)))
    rejected = checks.count(False)
    for row in results:
        if row["failed"]:
            warnings.append(f"{row['op']} with {row['clients']} clients: {row['failed']} failed "
                            f"({'; '.join(row['errors'])})")
    if rejected:
        warnings.append(f"{rejected} of {len(checks)} proofs were REJECTED by the Python verifier")
    return {"results": results, "warnings": warnings,
            "params": {"n": n, "log_n": args.log_n, "k": k, "T": t, "C": args.contributors, "verify_backends": backends,
                       "clients": client_counts, "verify_seconds": verify_s, "jobs_per_client": jobs_per_client,
                       "workers": info.workers, "srs": info.srs_source, "register_s": register_s,
                       "proofs_checked": len(checks), "proofs_rejected": rejected},
            "notes": [(f"dataset N = 2^{args.log_n} × k = {k}, C = {args.contributors}; epochs of T = {t}; "
                       f"registration took {register_s:.2f} s"),
                      (f"server: {info.workers} prove worker(s) using every core, a request pool of one process "
                       "per core for Verify; insecure dev SRS (cached)"),
                      f"{len(checks)} job proofs checked with the Python verifier: {rejected} rejected"]}


def format_table(result: dict) -> str:
    body = []
    for r in result["results"]:
        split = (f"{fmt_num(r['queue_median_s'])} + {fmt_num(r['prove_median_s'])}"
                 if "prove_median_s" in r else "")
        op = f"{r['op']} ({r['backend']})" if r.get("backend") else r["op"]
        body.append([op, str(r["clients"]), str(r["requests"]), fmt_num(r["rate_per_s"]),
                     fmt_num(r["median_s"]), fmt_num(r["min_s"]), fmt_num(r["max_s"]), split, str(r["failed"])])
    return table(["op", "clients", "requests", "per s", "median s", "min s", "max s", "queue + prove s", "failed"],
                 body, align="lrrrrrrrr")
