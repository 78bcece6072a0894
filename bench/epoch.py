"""Suite ``epoch``: the succinct epoch against recomputing it, by the number of cells C·T (k = 32).

For each size (C = T = 2^(m/2), or C = 2T when m is odd), in a fresh process: a dataset of
max(4C, 2^12) rows is registered (not timed here), then one epoch is proved (time and peak
memory, VmHWM) and verified by the pure-Python verifier.  Beside it, what a verifier holding G
(C × k) and Q (T × k) would do instead: recompute A = G·Qᵀ exactly and the fee split with numpy
(``recompute_s``), and the bytes each must hold: the claim and proof against G, Q and the fees.
The proof pays for itself where ``verify_s`` < ``recompute_s`` and where its bytes are fewer.
"""

from __future__ import annotations

import json
import subprocess
import sys

from attrib.bench.report import fmt_num, log, table

DESCRIPTION = "prove / verify / peak memory by C·T cells (k = 32) against recomputing the payouts with numpy"

FULL = list(range(10, 23, 2))
QUICK = [10, 12, 14]
K = 32

CHILD = r"""
import json, sys, time
import numpy as np
from attrib.bench.timing import peak_rss_mb
from attrib.prover import SRS, Dataset, Prover
from attrib.prover.attribution import required_log_n
from attrib.verifier import verify_attribution

m, k, seed = map(int, sys.argv[1:4])
t_count = 1 << (m // 2)
c_count = 1 << (m - m // 2)
rows = max(4 * c_count, 1 << 12)
rng = np.random.default_rng(seed)
owners = np.concatenate([np.arange(c_count), rng.integers(0, c_count, rows - c_count)])
ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(rows, k)), [f"c{o}" for o in owners],
             rng.integers(0, 2**24, rows))
srs = SRS.dev(required_log_n(rows, k, c_count, t_count), seed=seed)
prover = Prover(srs)
reg = prover.register(ds)
queries = rng.integers(-(2**15) + 1, 2**15, size=(t_count, k))
fees = [int(f) for f in rng.integers(1, 10**12, t_count)]
before = peak_rss_mb()
t0 = time.perf_counter(); epoch = prover.prove(reg, queries, fees); t1 = time.perf_counter()
ok = verify_attribution(reg.manifest, epoch.claim, epoch.proof, trusted_srs_digest=srs.digest(), backend="python")
t2 = time.perf_counter()
native = []
for _ in range(8):                      # the first run also builds the key's G2 lines (cached after)
    n0 = time.perf_counter()
    ok_native = verify_attribution(reg.manifest, epoch.claim, epoch.proof, trusted_srs_digest=srs.digest(),
                                   backend="native")
    native.append(time.perf_counter() - n0)


def recompute(g, q, fees):
    # A = G·Qᵀ exactly (32-bit halves of G keep int64 exact), then the fee rule of attrib.verifier.fees
    lo, hi = g & 0xFFFFFFFF, g >> 32
    a_lo = lo @ q.T
    a_hi = hi @ q.T + (a_lo >> 32)
    a_lo &= 0xFFFFFFFF
    positive = a_hi >= 0
    s = [(int(h) << 32) + int(l) for h, l in zip(np.where(positive, a_hi, 0).sum(axis=0),
                                                  np.where(positive, a_lo, 0).sum(axis=0))]
    pi = [(f << 128) // s_t if s_t else 0 for f, s_t in zip(fees, s)]
    pi_hi = np.array([p >> 112 for p in pi], dtype=object)
    pi_lo = np.array([p & ((1 << 112) - 1) for p in pi], dtype=object)
    a_pos_hi = np.where(positive, a_hi, 0).astype(object)
    a_pos_lo = np.where(positive, a_lo, 0).astype(object)
    r = (a_pos_hi @ pi_hi) * (1 << 144) + (a_pos_hi @ pi_lo) * (1 << 32) + (a_pos_lo @ pi_hi) * (1 << 112) \
        + a_pos_lo @ pi_lo
    return [int(v) >> 128 for v in r]


t3 = time.perf_counter(); payouts = recompute(np.asarray(reg.aggregate), queries, fees); t4 = time.perf_counter()
warm = sorted(native[1:])
print(json.dumps({"C": c_count, "T": t_count, "cells": c_count * t_count, "prove_s": t1 - t0, "verify_s": t2 - t1,
                  "verify_native_s": warm[len(warm) // 2], "verify_native_min_s": warm[0],
                  "verify_native_max_s": warm[-1], "verify_native_first_s": native[0],
                  "verified_native": ok_native,
                  "recompute_s": t4 - t3, "recompute_matches": payouts == epoch.payouts, "verified": ok,
                  "claim_bytes": len(epoch.claim.to_bytes()), "proof_bytes": len(epoch.proof.to_bytes()),
                  "recompute_bytes": 8 * c_count * k + 2 * t_count * k + 12 * t_count,
                  "peak_mb": peak_rss_mb(), "peak_before_prove_mb": before}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--cells", metavar="LOG2[,LOG2...]",
                        help=f"log2 of C·T (default {','.join(map(str, FULL))}; --quick {','.join(map(str, QUICK))})")
    parser.add_argument("--seed", type=int, default=5)


def run(args) -> dict:
    sizes = [int(x) for x in args.cells.split(",")] if args.cells else (QUICK if args.quick else FULL)
    results = []
    for m in sizes:
        log(f"epoch: C·T = 2^{m}, k = {K}")
        out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(m), str(K), str(args.seed)],
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"C·T = 2^{m} failed:\n{out.stderr[-2000:]}")
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row.update({"op": "epoch", "n": row["cells"], "median_s": row["prove_s"]})
        results.append(row)
        row["recompute_over_native"] = row["recompute_s"] / row["verify_native_s"]
        log(f"epoch: prove {row['prove_s']:.2f} s, verify {row['verify_s']:.3f} s (native "
            f"{row['verify_native_s'] * 1e3:.1f} ms), recompute {row['recompute_s']:.3f} s "
            f"({row['recompute_over_native']:.1f}x native), peak {row['peak_mb']:.0f} MB")
    crossing = next((r["cells"] for r in results if r["recompute_s"] > r["verify_s"]), None)
    native_crossing = next((r["cells"] for r in results if r["recompute_s"] > r["verify_native_s"]), None)
    bytes_crossing = next((r["cells"] for r in results
                           if r["recompute_bytes"] > r["claim_bytes"] + r["proof_bytes"]), None)
    notes = [f"the Python verifier is faster than recomputing from G and Q from C·T = {crossing} cells"
             if crossing else "recomputing from G and Q stayed faster than the Python verifier at every size",
             f"the native verifier backend is faster than recomputing from C·T = {native_crossing} cells"
             if native_crossing else "recomputing stayed faster than the native verifier at every size",
             "verify_native_s: the median of 7 warm runs with backend='native' (the first run, which also "
             "builds the verifying key's G2 lines, is verify_native_first_s)",
             f"the claim and proof are smaller than G, Q and the fees from C·T = {bytes_crossing} cells"
             if bytes_crossing else "G, Q and the fees stayed smaller than the claim and proof at every size",
             "one run per size (seconds each); a fresh process per size"]
    return {"results": results, "notes": notes, "params": {"cells_log2": sizes, "k": K, "seed": args.seed}}


def format_table(result: dict) -> str:
    body = [[f"2^{r['cells'].bit_length() - 1}", str(r["C"]), str(r["T"]), fmt_num(r["prove_s"]),
             f"{r['peak_mb']:,.0f}", fmt_num(r["verify_s"]), fmt_num(r["verify_native_s"] * 1e3),
             fmt_num(r["recompute_s"]), f"{r['recompute_over_native']:.1f}",
             f"{r['claim_bytes'] + r['proof_bytes']:,}", f"{r['recompute_bytes']:,}",
             "" if r["verified"] and r["verified_native"] and r["recompute_matches"] else "MISMATCH"]
            for r in result["results"]]
    return table(["C·T", "C", "T", "prove s", "peak MB", "verify s (Python)", "verify ms (native)", "recompute s",
                  "recompute / native", "claim+proof B", "G+Q+F B", ""], body, align="lrrrrrrrrrrl")
