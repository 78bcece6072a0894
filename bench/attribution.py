"""Suite ``attribution``: register (with its proof), prove, verify an epoch end to end, by size.

Each configuration runs in a fresh subprocess (so that its peak memory, VmHWM, is its own): a
random dataset of N rows × k int16 features over C contributors with 24-bit scales, registered
against the development SRS (the registration proof included and verified), then one epoch of
T random queries proved (protocol v2) and checked by the pure-Python verifier.  Times are
single runs; ``--repeat`` repeats each configuration.  Beside each row, the protocol-v1
figures of the same configuration from the committed report (bench/results/results.json),
where it has them: v1's claim published every total, so its size grew with C·T.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from attrib.bench.report import fmt_n, fmt_num, log, table

DESCRIPTION = "register / prove / verify seconds, proof bytes, peak memory by N (k = 32, T = 1 and 1024, C = 1000)"

FULL = [(log_n, 32, t, 1000) for log_n in (12, 14, 16, 18, 20) for t in (1, 1024)] + [(14, 16, 1, 1000)]
QUICK = [(log_n, 32, t, 1000) for log_n in (12, 14, 16) for t in (1, 1024)] + [(14, 16, 1, 1000)]

V1_REPORT = Path(__file__).resolve().parent / "results" / "results.json"

CHILD = r"""
import json, sys, time
from attrib.bench.timing import peak_rss_mb
import numpy as np
from attrib.prover import SRS, Dataset, Prover
from attrib.prover.attribution import required_log_n
from attrib.verifier import verify_attribution, verify_registration
log_n, k, T, C, seed = map(int, sys.argv[1:6])
N = 1 << log_n
srs = SRS.dev(required_log_n(N, k, C, T), seed=seed)
rng = np.random.default_rng(seed)
owners = np.sort(np.concatenate([np.arange(C), rng.integers(0, C, N - C)]))
ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(N, k), dtype=np.int16),
             [f"contributor-{o}" for o in owners], rng.integers(0, 2**24, N))
queries = rng.integers(-(2**15) + 1, 2**15, size=(T, k))
fees = [10**6] * T
prover = Prover(srs)
t0 = time.perf_counter(); reg = prover.register(ds); t1 = time.perf_counter()
registered = verify_registration(reg.manifest, reg.proof, trusted_srs_digest=srs.digest())
t2 = time.perf_counter(); epoch = prover.prove(reg, queries, fees); t3 = time.perf_counter()
ok = verify_attribution(reg.manifest, epoch.claim, epoch.proof, trusted_srs_digest=srs.digest())
t4 = time.perf_counter()
print(json.dumps({"register_s": t1 - t0, "verify_registration_s": t2 - t1, "prove_s": t3 - t2, "verify_s": t4 - t3,
                  "verified": ok and registered, "proof_bytes": len(epoch.proof.to_bytes()),
                  "claim_bytes": len(epoch.claim.to_bytes()), "registration_proof_bytes": len(reg.proof.to_bytes()),
                  "peak_mb": peak_rss_mb()}))
"""


def v1_rows() -> dict:
    """(log_n, k, T, C) → the committed v1 row, where the committed report has one."""
    try:
        record = json.loads(V1_REPORT.read_text())
        rows = record["suites"]["attribution"]["results"]
    except (OSError, KeyError, ValueError):
        return {}
    return {(r["log_n"], r["k"], r["T"], r["C"]): r for r in rows}


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="LOGN,K,T,C",
                        help="run only these configurations (repeatable), e.g. 20,32,1024,1000")
    parser.add_argument("--seed", type=int, default=3)


def run(args) -> dict:
    configs = [tuple(int(x) for x in c.split(",")) for c in args.config] if args.config else \
        (QUICK if args.quick else FULL)
    repeat = min(args.repeat, 1 if not args.config else args.repeat)
    results = []
    v1 = v1_rows()
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
               "proof_bytes": samples[0]["proof_bytes"], "claim_bytes": samples[0]["claim_bytes"]}
        old = v1.get((log_n, k, t, c))
        if old:
            row["v1"] = {"prove_s": old["prove_s"], "verify_s": old["verify_s"],
                         "claim_bytes": old["runs"][0].get("claim_bytes"), "proof_bytes": old["proof_bytes"]}
        for key in ("register_s", "verify_registration_s", "prove_s", "verify_s", "peak_mb"):
            row[key] = statistics.median(s[key] for s in samples)
        row["median_s"], row["min_s"], row["max_s"] = row["prove_s"], min(s["prove_s"] for s in samples), \
            max(s["prove_s"] for s in samples)
        results.append(row)
        log(f"attribution: register {row['register_s']:.2f} s, prove {row['prove_s']:.2f} s, verify "
            f"{row['verify_s']:.2f} s, claim {row['claim_bytes']} B, proof {row['proof_bytes']} B, "
            f"peak {row['peak_mb']:.0f} MB")
    return {"results": results, "notes": ["each configuration is a fresh process; SRS: insecure dev SRS "
                                          "(cached on disk; its build time is not included)",
                                          "v1 columns: the committed report's protocol-v1 run of the same "
                                          "configuration (its claim published every total)"],
            "params": {"configs": configs, "seed": args.seed, "repeat": repeat}}


def format_table(result: dict) -> str:
    def v1(r, key, fmt):
        value = r.get("v1", {}).get(key)
        return fmt(value) if value is not None else "-"

    body = [[fmt_n(r["n"]), str(r["k"]), str(r["T"]), str(r["C"]), fmt_num(r["register_s"]),
             fmt_num(r["prove_s"]), fmt_num(r["verify_s"]), f"{r['claim_bytes']:,}", f"{r['proof_bytes']:,}",
             f"{r['peak_mb']:,.0f}", v1(r, "prove_s", fmt_num), v1(r, "verify_s", fmt_num),
             v1(r, "claim_bytes", lambda b: f"{b:,}"), "" if r["verified"] else "REJECTED"]
            for r in result["results"]]
    return table(["N", "k", "T", "C", "register s", "prove s", "verify s", "claim B", "proof B", "peak MB",
                  "v1 prove s", "v1 verify s", "v1 claim B", ""], body, align="lrrrrrrrrrrrrl")
