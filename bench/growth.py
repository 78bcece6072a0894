"""Suite ``growth``: auditing and growing a registered dataset — row openings and appends, by size.

Each configuration runs in a fresh subprocess: a random dataset of N rows × k int16 features over C
contributors, with 24-bit scales and one example digest per row, is registered (the time of a full
registration, its proof included), then ``s`` random rows are opened in one opening (prove time,
pure-Python verify time, bytes), then a segment of A rows is appended (half of its rows from
earlier contributors, the rest from C/16 new ones) and the append is verified against the previous
version.  The append's time is reported beside the full registration's, measured in the same
process, as a ratio.  ``--repeat`` repeats each configuration (medians, with min–max).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from attrib.bench.report import fmt_n, fmt_num, log, table

DESCRIPTION = "row openings (prove / verify / bytes) and appends (time vs a full registration) by N"

FULL = [(20, 32, 1024, 16, 64), (18, 32, 1024, 14, 64), (16, 32, 1024, 12, 64)]
QUICK = [(14, 32, 256, 10, 16)]

CHILD = r"""
import json, sys, time
import numpy as np
from attrib.bench.timing import peak_rss_mb
from attrib.prover import SRS, Dataset, Prover
from attrib.prover.attribution import required_log_n
from attrib.verifier import verify_registration, verify_rows
log_n, k, C, log_append, s, seed = map(int, sys.argv[1:7])
N, A = 1 << log_n, 1 << log_append
srs = SRS.dev(max(required_log_n(N, k, C + C // 16, 1), log_n), seed=seed)
rng = np.random.default_rng(seed)

def rows(n, owners):
    return Dataset(rng.integers(-(2**15) + 1, 2**15, size=(n, k), dtype=np.int16), owners,
                   rng.integers(0, 2**24, n), example_digests=[int(x) for x in rng.integers(0, 2**62, n)])

owners = np.sort(np.concatenate([np.arange(C), rng.integers(0, C, N - C)]))
ds = rows(N, [f"contributor-{o}" for o in owners])
prover = Prover(srs)
t0 = time.perf_counter(); reg = prover.register(ds); t1 = time.perf_counter()
picked = sorted(int(r) for r in rng.choice(N, s, replace=False))
t2 = time.perf_counter(); values, opening = prover.open_rows(reg, picked); t3 = time.perf_counter()
opened = verify_rows(reg.manifest, picked, values, opening, trusted_srs_digest=srs.digest())
t4 = time.perf_counter()
new = C // 16
extra = [f"contributor-{o}" for o in rng.integers(0, C, A // 2)] + [f"new-{o}" for o in np.arange(A - A // 2) % new]
t5 = time.perf_counter(); grown = prover.append(reg, rows(A, extra)); t6 = time.perf_counter()
appended = verify_registration(grown.manifest, grown.proof, trusted_srs_digest=srs.digest(), previous=reg.manifest)
t7 = time.perf_counter()
print(json.dumps({"register_s": t1 - t0, "open_s": t3 - t2, "verify_rows_s": t4 - t3, "opening_bytes": len(opening.to_bytes()),
                  "append_s": t6 - t5, "verify_append_s": t7 - t6, "append_ratio": (t6 - t5) / (t1 - t0),
                  "verified": bool(opened and appended), "contributors_after": grown.manifest.num_contributors,
                  "peak_mb": peak_rss_mb()}))
"""

KEYS = ("register_s", "open_s", "verify_rows_s", "append_s", "verify_append_s", "append_ratio", "peak_mb")


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="LOGN,K,C,LOGA,S",
                        help="run only these configurations (repeatable), e.g. 20,32,1024,16,64")
    parser.add_argument("--seed", type=int, default=3)


def run(args) -> dict:
    configs = [tuple(int(x) for x in c.split(",")) for c in args.config] if args.config else \
        (QUICK if args.quick else FULL)
    repeat = args.repeat if args.config else 1
    results = []
    for log_n, k, c, log_a, s in configs:
        samples = []
        for _ in range(repeat):
            log(f"growth: N = 2^{log_n}, k = {k}, C = {c}, append 2^{log_a} rows, open {s} rows")
            out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_n), str(k), str(c), str(log_a), str(s),
                                  str(args.seed)], capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(f"configuration {(log_n, k, c, log_a, s)} failed:\n{out.stderr[-2000:]}")
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
        row = {"op": "growth", "n": 1 << log_n, "log_n": log_n, "k": k, "C": c, "appended": 1 << log_a, "rows": s,
               "runs": samples, "verified": all(x["verified"] for x in samples),
               "opening_bytes": samples[0]["opening_bytes"], "contributors_after": samples[0]["contributors_after"]}
        for key in KEYS:
            values = [x[key] for x in samples]
            row[key] = statistics.median(values)
            row[key + "_range"] = [min(values), max(values)]
        row["median_s"], (row["min_s"], row["max_s"]) = row["append_s"], row["append_s_range"]
        results.append(row)
        log(f"growth: register {row['register_s']:.2f} s, open {s} rows {row['open_s']:.2f} s "
            f"(verify {row['verify_rows_s']:.2f} s, {row['opening_bytes']} B), append {row['append_s']:.2f} s "
            f"= {row['append_ratio']:.1%} of the registration")
    return {"results": results, "notes": ["each configuration is a fresh process; SRS: insecure dev SRS "
                                          "(cached on disk; its build time is not included)",
                                          "append ratio: the append's time over the full registration's, "
                                          "measured in the same process"],
            "params": {"configs": configs, "seed": args.seed, "repeat": repeat}}


def format_table(result: dict) -> str:
    def rng(r, key):
        lo, hi = r[key + "_range"]
        return f"{fmt_num(r[key])} ({fmt_num(lo)}–{fmt_num(hi)})" if len(r["runs"]) > 1 else fmt_num(r[key])

    body = [[fmt_n(r["n"]), str(r["k"]), str(r["C"]), rng(r, "register_s"), str(r["rows"]), rng(r, "open_s"),
             rng(r, "verify_rows_s"), f"{r['opening_bytes']:,}", fmt_n(r["appended"]), rng(r, "append_s"),
             f"{r['append_ratio']:.1%}", fmt_num(r["verify_append_s"]), f"{r['peak_mb']:,.0f}",
             "" if r["verified"] else "REJECTED"] for r in result["results"]]
    return table(["N", "k", "C", "register s", "rows", "open s", "verify s", "opening B", "append rows",
                  "append s", "append / register", "verify append s", "peak MB", ""], body,
                 align="lrrrrrrrrrrrrl")
