"""Suite ``attribution``: register, prove, verify an epoch end to end, by dataset size.

Each configuration runs in a fresh subprocess (so that its peak memory, VmHWM, is its own): a random dataset of N rows × k int16 features over C contributors with 24-bit
scales, registered against the development SRS, then one epoch of T random queries proved
and checked by the pure-Python verifier.  Times are single runs (each is seconds long; the
spread across configurations shows the trend); ``--repeat`` repeats each configuration.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from attrib.bench.report import fmt_n, fmt_num, log, table

DESCRIPTION = "register / prove / verify seconds, proof bytes, peak memory by N (k = 32, T = 1 and 1024, C = 1000)"

FULL = [(log_n, 32, t, 1000) for log_n in (12, 14, 16, 18, 20) for t in (1, 1024)] + [(14, 16, 1, 1000)]
QUICK = [(log_n, 32, t, 1000) for log_n in (12, 14, 16) for t in (1, 1024)] + [(14, 16, 1, 1000)]

CHILD = r"""
import json, sys, time
from attrib.bench.timing import peak_rss_mb
import numpy as np
from attrib.prover import SRS, Dataset, Prover
from attrib.verifier import verify_attribution
log_n, k, T, C, seed = map(int, sys.argv[1:6])
N = 1 << log_n
srs = SRS.dev(log_n, seed=seed)
rng = np.random.default_rng(seed)
owners = np.sort(np.concatenate([np.arange(C), rng.integers(0, C, N - C)]))
ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(N, k), dtype=np.int16),
             [f"contributor-{o}" for o in owners], rng.integers(0, 2**24, N))
queries = rng.integers(-(2**15) + 1, 2**15, size=(T, k))
fees = [10**6] * T
prover = Prover(srs)
t0 = time.perf_counter(); reg = prover.register(ds); t1 = time.perf_counter()
claim, proof = prover.prove(reg, queries, fees); t2 = time.perf_counter()
ok = verify_attribution(reg.manifest, claim, proof, trusted_srs_digest=srs.digest()); t3 = time.perf_counter()
print(json.dumps({"register_s": t1 - t0, "prove_s": t2 - t1, "verify_s": t3 - t2, "verified": ok,
                  "proof_bytes": len(proof.to_bytes()), "claim_bytes": len(claim.to_bytes()),
                  "peak_mb": peak_rss_mb()}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="LOGN,K,T,C",
                        help="run only these configurations (repeatable), e.g. 20,32,1024,1000")
    parser.add_argument("--seed", type=int, default=3)


def run(args) -> dict:
    configs = [tuple(int(x) for x in c.split(",")) for c in args.config] if args.config else \
        (QUICK if args.quick else FULL)
    repeat = min(args.repeat, 1 if not args.config else args.repeat)
    results = []
    for log_n, k, t, c in configs:
        samples = []
        for _ in range(repeat):
            log(f"attribution: N = 2^{log_n}, k = {k}, T = {t}, C = {c}")
            out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_n), str(k), str(t), str(c), str(args.seed)],
                                 capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(f"configuration {(log_n, k, t, c)} failed:\n{out.stderr[-2000:]}")
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
        row = {"op": "epoch", "n": 1 << log_n, "log_n": log_n, "k": k, "T": t, "C": c, "runs": samples,
               "verified": all(s["verified"] for s in samples),
               "proof_bytes": samples[0]["proof_bytes"]}
        for key in ("register_s", "prove_s", "verify_s", "peak_mb"):
            row[key] = statistics.median(s[key] for s in samples)
        row["median_s"], row["min_s"], row["max_s"] = row["prove_s"], min(s["prove_s"] for s in samples), \
            max(s["prove_s"] for s in samples)
        results.append(row)
        log(f"attribution: register {row['register_s']:.2f} s, prove {row['prove_s']:.2f} s, verify "
            f"{row['verify_s']:.2f} s, {row['proof_bytes']} B, peak {row['peak_mb']:.0f} MB")
    return {"results": results, "notes": ["each configuration is a fresh process; SRS: insecure dev SRS "
                                          "(cached on disk; its build time is not included)"],
            "params": {"configs": configs, "seed": args.seed, "repeat": repeat}}


def format_table(result: dict) -> str:
    body = [[fmt_n(r["n"]), str(r["k"]), str(r["T"]), str(r["C"]), fmt_num(r["register_s"]),
             fmt_num(r["prove_s"]), fmt_num(r["verify_s"]), f"{r['proof_bytes']:,}", f"{r['peak_mb']:,.0f}",
             "" if r["verified"] else "REJECTED"] for r in result["results"]]
    return table(["N", "k", "T", "C", "register s", "prove s", "verify s", "proof B", "peak MB", ""], body,
                 align="lrrrrrrrrl")
