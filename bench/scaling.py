"""Beyond one machine (issue 17): the streamed registration at N = 2^24, Dask at 1 and 2 workers, and
the scaling model fitted to them.

    python -m attrib.bench.scaling stream [--log-rows 24] [--columns 32] [--budget-gb 4] [--dir DIR]
    python -m attrib.bench.scaling dask [--log-rows 20] [--workers 1,2] [--dir DIR]
    python -m attrib.bench.scaling model [--fit FILE.json]

``stream`` writes a memory-mapped dataset of random int16 features (k columns, C = 1024 equal
contributors, random scales and example digests) once into DIR, then, in a fresh subprocess,
registers it with ``Prover.register_stream`` under the budget, saves the registration, proves an
epoch of T = 1024 queries against it and verifies both; it prints each stage's wall time and the
subprocess's peak resident memory (VmHWM: file-backed pages included), with the load average.

``dask`` registers the same kind of dataset on a ``LocalCluster`` of W worker processes (one
thread each) for each W given, checks that the bytes are the single-process ones, and prints the
stage times; ``model`` prints the scaling table (README "Scaling model") from the constants
fitted to those runs (the defaults are this machine's, measured as the README says).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CONTRIBUTORS = 1024
QUERIES = 1024


def make_dataset(directory: Path, log_rows: int, columns: int, seed: int = 7) -> dict:
    """features.npy (N × k int16), scales.npy (N int64), examples.npy (N × 4 uint64) and
    meta.json (contributors, offsets) in ``directory``, written by blocks; kept if present."""
    directory.mkdir(parents=True, exist_ok=True)
    meta_path = directory / "meta.json"
    n = 1 << log_rows
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["num_rows"] == n and meta["num_columns"] == columns:
            return meta
    rng = np.random.default_rng(seed)
    feats = np.lib.format.open_memmap(directory / "features.npy", mode="w+", dtype=np.int16, shape=(n, columns))
    scales = np.lib.format.open_memmap(directory / "scales.npy", mode="w+", dtype=np.int64, shape=(n,))
    examples = np.lib.format.open_memmap(directory / "examples.npy", mode="w+", dtype=np.uint64, shape=(n, 4))
    block = 1 << 20
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        feats[lo:hi] = rng.integers(-(1 << 15) + 1, 1 << 15, size=(hi - lo, columns), dtype=np.int16)
        scales[lo:hi] = rng.integers(0, 1 << 24, size=hi - lo)
        limbs = rng.integers(0, 1 << 63, size=(hi - lo, 4), dtype=np.uint64)
        limbs[:, 3] >>= np.uint64(3)
        examples[lo:hi] = limbs
    for a in (feats, scales, examples):
        a.flush()
    del feats, scales, examples
    counts = np.full(CONTRIBUTORS, n // CONTRIBUTORS)
    counts[: n % CONTRIBUTORS] += 1
    meta = {"num_rows": n, "num_columns": columns, "contributors": [f"contributor-{i:05d}" for i in range(CONTRIBUTORS)],
            "offsets": [0, *np.cumsum(counts).tolist()]}
    meta_path.write_text(json.dumps(meta))
    return meta


def open_source(directory: Path):
    from attrib.prover.streaming import RowSource

    meta = json.loads((directory / "meta.json").read_text())
    return RowSource(directory / "features.npy", meta["contributors"], meta["offsets"], directory / "scales.npy",
                     directory / "examples.npy")


def _stream_child(args) -> dict:
    """Runs in the fresh subprocess: register, save, epoch, verify; stage times and peak memory."""
    from attrib.bench.timing import loadavg, peak_rss_mb
    from attrib.prover import SRS, Prover
    from attrib.verifier.attribution import verify_attribution
    from attrib.verifier.registration import verify_registration

    out = {"loadavg_before": loadavg()}
    directory = Path(args.dir)
    srs = SRS.dev(args.srs_log, seed=3)
    out["rss_after_srs_mb"] = peak_rss_mb()
    source = open_source(directory)
    prover = Prover(srs)
    t = time.perf_counter()
    reg = prover.register_stream(source, memory_budget=int(args.budget_gb * (1 << 30)))
    out["register_s"] = time.perf_counter() - t
    out["timings"] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in reg.timings.items()}
    out["peak_after_register_mb"] = peak_rss_mb()
    if args.save:
        t = time.perf_counter()
        reg.save(directory / "registration")
        out["save_s"] = time.perf_counter() - t
        out["peak_after_save_mb"] = peak_rss_mb()
    rng = np.random.default_rng(11)
    queries = rng.integers(-(1 << 15) + 1, 1 << 15, size=(QUERIES, source.num_columns))
    fees = [int(x) for x in rng.integers(1, 1 << 60, size=QUERIES)]
    t = time.perf_counter()
    epoch = prover.prove(reg, queries, fees)
    out["epoch_s"] = time.perf_counter() - t
    out["peak_after_epoch_mb"] = peak_rss_mb()
    if args.verify:
        t = time.perf_counter()
        out["registration_verifies"] = verify_registration(reg.manifest, reg.proof, trusted_srs_digest=srs.digest())
        out["epoch_verifies"] = verify_attribution(reg.manifest, epoch.claim, epoch.proof,
                                                   trusted_srs_digest=srs.digest())
        out["verify_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = peak_rss_mb()
    out["loadavg_after"] = loadavg()
    return out


def cmd_stream(args) -> int:
    directory = Path(args.dir)
    t = time.perf_counter()
    make_dataset(directory, args.log_rows, args.columns)
    print(f"dataset in {directory} ({time.perf_counter() - t:.1f} s)", flush=True)
    cmd = [sys.executable, "-m", "attrib.bench.scaling", "_stream_child", "--dir", str(directory),
           "--budget-gb", str(args.budget_gb), "--srs-log", str(args.srs_log)]
    cmd += ["--save"] if args.save else []
    cmd += ["--verify"] if args.verify else []
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=2))
    return 0


def _dask_child(args) -> dict:
    """Runs in a fresh subprocess: one registration, in this process (``--mode single``, the kernels'
    threads) or on a LocalCluster of ``--workers`` processes of one thread each; its stage times,
    the tasks' CPU seconds, the peaks of this process (the coordinator) and of the workers, and the
    sha256 of the manifest and proof bytes."""
    import hashlib

    from attrib.bench.timing import loadavg, peak_rss_mb
    from attrib.kernels import set_threads
    from attrib.prover import SRS, Prover

    directory = Path(args.dir)
    srs = SRS.dev(args.srs_log, seed=3)
    source = open_source(directory)
    out = {"mode": args.mode, "loadavg_before": loadavg()}
    start, cpu = time.perf_counter(), time.process_time()
    if args.mode == "single":
        if args.threads:
            set_threads(args.threads)
        out["threads"] = args.threads or "all"
        reg = Prover(srs).register_stream(source)
    else:
        import dask
        import distributed

        with dask.config.set({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}):
            cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=40, memory_limit=0)
            client = distributed.Client(cluster)
            try:
                start, cpu = time.perf_counter(), time.process_time()
                reg = Prover(srs, cluster=client).register_stream(source, shards=args.shards * args.workers)
                out["workers"] = args.workers
                out["worker_peak_mb"] = [round(v) for v in client.run(peak_rss_mb).values()]
            finally:
                client.close()
                cluster.close()
    out["register_s"] = round(time.perf_counter() - start, 2)
    out["coordinator_cpu_s"] = round(time.process_time() - cpu, 2)
    out["coordinator_peak_mb"] = round(peak_rss_mb())
    out["timings"] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in reg.timings.items()}
    out["bytes_sha256"] = hashlib.sha256(reg.manifest.to_bytes() + reg.proof.to_bytes()).hexdigest()
    out["loadavg_after"] = loadavg()
    return out


def cmd_dask(args) -> int:
    directory = Path(args.dir)
    make_dataset(directory, args.log_rows, args.columns)
    runs = [["--mode", "single"], ["--mode", "single", "--threads", "1"]]
    runs += [["--mode", "dask", "--workers", w] for w in args.workers.split(",")]
    results = []
    for extra in runs:
        cmd = [sys.executable, "-m", "attrib.bench.scaling", "_dask_child", "--dir", str(directory),
               "--srs-log", str(args.srs_log), "--shards", args.shards, *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        results[-1]["same_bytes_as_single"] = results[-1]["bytes_sha256"] == results[0]["bytes_sha256"]
        print(json.dumps(results[-1]), flush=True)
    return 0


def _epoch_child(args) -> dict:
    """One epoch of C contributors × T queries (k columns) in this fresh process: time and peak."""
    from attrib.bench.timing import loadavg, peak_rss_mb
    from attrib.prover import SRS, Dataset, Prover
    from attrib.prover.attribution import required_log_n

    c, t, k = args.contributors, args.queries, args.columns
    rng = np.random.default_rng(3)
    rows = 4 * c
    ids = [f"c{i}" for i in np.repeat(np.arange(c), 4)]
    ds = Dataset(rng.integers(-(1 << 15) + 1, 1 << 15, size=(rows, k)), ids, rng.integers(0, 1 << 24, rows))
    srs = SRS.dev(max(required_log_n(rows, k, c, t), args.srs_log), seed=3)
    prover = Prover(srs)
    reg = prover.register(ds)
    base = peak_rss_mb()
    queries = rng.integers(-(1 << 15) + 1, 1 << 15, size=(t, k))
    fees = [int(x) for x in rng.integers(1, 1 << 60, size=t)]
    before = loadavg()
    start, cpu = time.perf_counter(), time.process_time()
    prover.prove(reg, queries, fees)
    return {"contributors": c, "queries": t, "cells": c * t, "epoch_s": round(time.perf_counter() - start, 2),
            "epoch_cpu_s": round(time.process_time() - cpu, 2), "peak_mb": round(peak_rss_mb()),
            "peak_before_epoch_mb": round(base), "loadavg_before": before, "loadavg_after": loadavg()}


def cmd_epoch(args) -> int:
    out = []
    for spec in args.sizes.split(","):
        c, t = (int(x) for x in spec.split("x"))
        cmd = [sys.executable, "-m", "attrib.bench.scaling", "_epoch_child", "--contributors", str(c),
               "--queries", str(t), "--columns", str(args.columns), "--srs-log", str(args.srs_log)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(out[-1]), flush=True)
    return 0


# ---- the scaling model -------------------------------------------------------------------------------
#
# Fitted to ``_dask_child`` at N = 2^24 (k = 32, C = 1024, example digests; 1 and 2 workers of one
# thread, 2 shards each; task CPU seconds summed over the workers, which the load of this shared
# 2-core machine (load average 2–4 during the runs) does not inflate the way it does wall time),
# checked against the runs at 2^20 and 2^21 (the same per-row CPU within 10 %), and ``epoch`` at
# C·T = 2^16 … 2^22.  Per unit, one thread:
FIT = {
    "commit_s_per_row": 4.2e-6,        # k = 32 int16 MSMs + σ + the example digest's Fr MSM, per row
    "sumcheck_s_per_entry": 0.9e-6,    # the tables built by windows, the shard-local rounds, per 2^nR entry
    "opening_s_per_entry": 5.7e-6,     # the sharded HyperKZG opening (per-fold MSMs, ≈ 5/3 of one process's)
    "single_s_per_row": 7.8e-6,        # one process, one thread, everything (register_stream, at 2^21)
    "stage_latency_s": 0.03,           # one coordinator round trip (submit, gather, absorb) at small N
    "worker_base_mb": 181,             # a worker's peak = base + bytes per entry · 2^nR / W (fitted at 2^23, 2^24)
    "worker_bytes_per_entry": 193,
    "coordinator_mb": 130,             # measured 83–130 MB at 2^20 … 2^24 (C·k·8 bytes and 2^s terms aside)
    "epoch_s_per_cell": 9.0e-6,        # one process (the epoch is not sharded), CPU seconds per cell
    "epoch_bytes_per_cell": 930,       # its peak per cell
}


def model_registration(log_rows: int, workers: int, columns: int = 32, contributors: int = 1024,
                       shards_per_worker: int = 2, fit: dict = FIT) -> dict:
    """Per-worker time and memory, and the bytes each step moves, for one registration of 2^log_rows
    rows on ``workers`` workers (C·k below the rows, so nR = log N)."""
    n = log_rows
    rows = 1 << n
    s = max(1, (workers * shards_per_worker - 1).bit_length())
    cpu = (fit["commit_s_per_row"] * (columns / 32) + 0) * rows + \
        (fit["sumcheck_s_per_entry"] + fit["opening_s_per_entry"]) * rows
    stages = 1 + (n - s + 1) + 7
    return {
        "rows": f"2^{n}", "workers": workers,
        "time_per_worker_s": cpu / workers + stages * fit["stage_latency_s"],
        "memory_per_worker_gb": (fit["worker_base_mb"] * 2**20 + fit["worker_bytes_per_entry"] * rows / workers) / 2**30,
        "rows_read_per_worker_gb": 3 * rows * (2 * columns + 8) / workers / 2**30 + rows * 32 / workers / 2**30,
        "srs_read_per_worker_gb": 3 * rows * 64 / workers / 2**30,
        "coordinator_traffic_mb": (contributors * columns * 8 + (1 << s) * ((columns + 2) * 64 + (n + 8) * 6 * 32)
                                   + workers * (contributors * 40 + (1 << 15) * 8)) / 2**20,
        "one_process_s": fit["single_s_per_row"] * rows,
        "one_process_floor_gb": (96 * rows + (512 << 20)) / 2**30,   # register_stream's opening floor + an MSM block
    }


def model_epoch(cells: float, workers: int, fit: dict = FIT) -> dict:
    """One epoch of ``cells`` = C·T: measured in one process; the W-worker figures are a projection
    for an epoch sharded over contributors, which is not implemented."""
    return {"cells": cells, "workers": workers, "time_s": fit["epoch_s_per_cell"] * cells / workers,
            "memory_gb": fit["epoch_bytes_per_cell"] * cells / workers / 2**30,
            "within_limits": cells <= 2**32}


def cmd_model(args) -> int:
    reg = [model_registration(n, w) for n in (26, 28, 30) for w in (1, 8, 64)]
    ep = [model_epoch(c, w) for c in (1e8, 1e9, 1e10) for w in (1, 8, 64)]
    if args.json:
        print(json.dumps({"fit": FIT, "registration": reg, "epoch": ep}, indent=2))
        return 0
    print("| N | W | time per worker | memory per worker | rows read per worker | SRS read per worker "
          "| coordinator ↔ workers | one process, one thread (memory floor) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in reg:
        print(f"| {r['rows']} | {r['workers']} | {_duration(r['time_per_worker_s'])} | {r['memory_per_worker_gb']:.1f} GB "
              f"| {r['rows_read_per_worker_gb']:.1f} GB | {r['srs_read_per_worker_gb']:.1f} GB "
              f"| {r['coordinator_traffic_mb']:.1f} MB | {_duration(r['one_process_s'])} "
              f"({r['one_process_floor_gb']:.0f} GB) |")
    print()
    print("| C·T | W | time per worker | memory per worker | note |")
    print("|---|---|---|---|---|")
    for e in ep:
        note = "one process (linear in C·T, fitted up to 2^22)" if e["workers"] == 1 else \
            "projection: epoch sharding is not implemented"
        if not e["within_limits"]:
            note += "; beyond C, T ≤ 2^16"
        print(f"| {e['cells']:.0e} | {e['workers']} | {_duration(e['time_s'])} | {e['memory_gb']:.0f} GB | {note} |")
    return 0


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attrib.bench.scaling")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("stream", "_stream_child"):
        p = sub.add_parser(name)
        p.add_argument("--dir", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "attrib-stream24"))
        p.add_argument("--log-rows", type=int, default=24)
        p.add_argument("--columns", type=int, default=32)
        p.add_argument("--budget-gb", type=float, default=4.0)
        p.add_argument("--srs-log", type=int, default=24)
        p.add_argument("--save", action="store_true")
        p.add_argument("--verify", action="store_true")
    for name in ("dask", "_dask_child"):
        p = sub.add_parser(name)
        p.add_argument("--dir", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "attrib-dask20"))
        p.add_argument("--log-rows", type=int, default=20)
        p.add_argument("--columns", type=int, default=32)
        p.add_argument("--srs-log", type=int, default=20)
        p.add_argument("--workers", default="1,2")
        p.add_argument("--shards", default="2", help="shards per worker")
        p.add_argument("--mode", default="single", choices=("single", "dask"))
        p.add_argument("--threads", type=int, default=0)
    for name in ("epoch", "_epoch_child"):
        p = sub.add_parser(name)
        p.add_argument("--sizes", default="256x256,512x512,1024x1024,2048x2048", help="C x T, comma-separated")
        p.add_argument("--contributors", type=int, default=1024)
        p.add_argument("--queries", type=int, default=1024)
        p.add_argument("--columns", type=int, default=32)
        p.add_argument("--srs-log", type=int, default=16)
    p = sub.add_parser("model")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    args = parser.parse_args(argv)
    if args.cmd == "epoch":
        return cmd_epoch(args)
    if args.cmd == "_epoch_child":
        print(json.dumps(_epoch_child(args)))
        return 0
    if args.cmd == "model":
        return cmd_model(args)
    if args.cmd == "dask":
        return cmd_dask(args)
    if args.cmd == "_dask_child":
        args.workers = int(args.workers.split(",")[0])
        args.shards = int(args.shards)
        print(json.dumps(_dask_child(args)))
        return 0
    if args.cmd == "stream":
        return cmd_stream(args)
    if args.cmd == "_stream_child":
        print(json.dumps(_stream_child(args)))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
