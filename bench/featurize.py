"""Suite ``featurize``: per-example features of a small PyTorch model through TRAK / dattri, streamed to disk.

Each configuration runs in a fresh subprocess (so that its peak memory is its own): the MLP of
``attrib demo --torch`` (64-32-10, 2,410 parameters, three SGD checkpoints trained on scikit-learn's
digits) featurizes N examples — the 1,733 training digits, then noisy copies of them (±1 of 16 on each
pixel, drawn per batch), produced by a generator so that the examples are never all in memory —
owned by 1,000 contributors, through attrib.prover.featurize into features.npy (N × 96 float32,
written batch by batch).  Reported: the featurization's wall time and examples/s, the process's peak
resident memory (bench.timing.peak_rss_mb, VmHWM) after set-up and after featurizing, the file's size,
then the time to read it back as a Dataset (Dataset.from_memmap: two passes in blocks) and the peak
after that.  ``--threads`` sets torch's intra-op threads (a model this small gains nothing from a pool,
and loses much when another process holds a core).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from attrib.bench.report import fmt_n, fmt_num, log, table

DESCRIPTION = "PyTorch features through TRAK / dattri streamed to disk: time and peak memory by N"

FULL = [(100_000, 1, "trak"), (100_000, 2, "trak"), (100_000, 1, "dattri")]
QUICK = [(10_000, 1, "trak")]

CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from attrib.bench.timing import peak_rss_mb
n, threads, library, batch = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
torch.set_num_threads(threads)
from attrib.demo.torch_digits import ENCODING, digits, encode, train_checkpoints
from attrib.demo.tracin import assign_contributors
from attrib.prover.featurize import Featurizer
x, y, _, _ = digits(64, 0)
model, states, lr = train_checkpoints(x, y)
owners = assign_contributors(n, 1000, 2)

def pairs():
    gen = torch.Generator().manual_seed(0)
    for start in range(0, n, 1024):
        idx = torch.arange(start, min(start + 1024, n)) % len(y)
        xs = x[idx]
        noisy = torch.arange(start, start + len(idx)) >= len(y)
        noise = torch.randint(-1, 2, xs.shape, generator=gen) / 16.0
        xs = torch.where(noisy[:, None], (xs + noise).clamp(0, 1), xs)
        for i in range(len(idx)):
            yield (xs[i], y[idx[i]]), owners[start + i]

options = {"weights": [lr] * len(states)} if library == "dattri" else {}
featurizer = Featurizer(model, states, library=library, proj_dim=32, batch_size=batch, encode=encode,
                        encoding=ENCODING, **options)
setup_mb = peak_rss_mb()
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    files = featurizer.featurize(pairs(), Path(tmp) / "f", num_examples=n)
    t1 = time.perf_counter()
    featurize_mb = peak_rss_mb()
    size = (Path(tmp) / "f" / "features.npy").stat().st_size
    ds = files.dataset()
    t2 = time.perf_counter()
    print(json.dumps({"featurize_s": t1 - t0, "dataset_s": t2 - t1, "setup_mb": setup_mb, "featurize_mb": featurize_mb,
                      "dataset_mb": peak_rss_mb(), "file_bytes": size, "k": files.num_columns,
                      "library": featurizer.library_version, "method": featurizer.method,
                      "torch": torch.__version__, "rows": ds.num_rows}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="N,THREADS,LIBRARY",
                        help="run only these configurations (repeatable), e.g. 100000,1,trak")
    parser.add_argument("--batch-size", type=int, default=1024)


def missing() -> list[str]:
    return [m for m in ("torch", "trak", "dattri", "sklearn") if importlib.util.find_spec(m) is None]


def run(args) -> dict:
    absent = missing()
    if absent:
        return {"results": [], "skipped": [{"impl": "featurize", "reason": f"not installed: {', '.join(absent)} "
                                                                          "(pip install 'attrib[torch]')"}]}
    configs = [(int(c.split(",")[0]), int(c.split(",")[1]), c.split(",")[2]) for c in args.config] if args.config \
        else (QUICK if args.quick else FULL)
    results = []
    for n, threads, library in configs:
        log(f"featurize: N = {n:,}, {library}, {threads} torch thread(s)")
        out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(n), str(threads), library, str(args.batch_size)],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            raise RuntimeError(f"configuration {(n, threads, library)} failed:\n{out.stderr[-2000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        row = {"op": "featurize", "impl": f"{r['library']} {r['method']}", "n": n, "threads": threads, **r,
               "median_s": r["featurize_s"], "min_s": r["featurize_s"], "max_s": r["featurize_s"],
               "examples_per_s": n / r["featurize_s"]}
        results.append(row)
        log(f"featurize: {n / r['featurize_s']:,.0f} examples/s ({r['featurize_s']:.1f} s), peak "
            f"{r['featurize_mb']:,.0f} MiB (after set-up {r['setup_mb']:,.0f} MiB), Dataset in {r['dataset_s']:.1f} s")
    return {"results": results,
            "notes": ["one run per configuration, each a fresh process; the model's training is not timed",
                      "peak memory: VmHWM of the process (torch's own libraries ≈ the set-up figure)"],
            "params": {"configs": configs, "batch_size": args.batch_size}}


def format_table(result: dict) -> str:
    body = [[fmt_n(r["n"]), r["impl"], str(r["threads"]), str(r["k"]), fmt_num(r["featurize_s"]),
             f"{r['examples_per_s']:,.0f}", f"{r['file_bytes'] / 2**20:,.1f}", f"{r['setup_mb']:,.0f}",
             f"{r['featurize_mb']:,.0f}", fmt_num(r["dataset_s"]), f"{r['dataset_mb']:,.0f}"]
            for r in result["results"]]
    return table(["N", "library", "threads", "k", "featurize s", "examples/s", "features.npy MiB",
                  "peak MiB after set-up", "peak MiB after featurize", "Dataset s", "peak MiB after Dataset"],
                 body, align="lllrrrrrrrr")
