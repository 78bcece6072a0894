"""Suite ``verify``: the verifier's backends side by side, and mcl's pairing beside ours.

``2-pairing check``
    e(A, [1]₂)·e(B, [τ]₂) = 1, the check every opening ends in: ``py_ecc`` (what the pure-Python
    backend runs: two Miller loops and one final exponentiation), ``native`` (the kernels'
    pairing with the verifying key's G2 lines precomputed, attrib.verifier.native) and ``mcl``
    (``mclBn_millerLoopVec`` + ``mclBn_finalExp`` through bench/peers/mcl.py).  Each must accept
    the relation and refuse a broken pair before it is timed.
``MSM``
    Σ kᵢ·Pᵢ over 37 points with 254-bit scalars (the size of the epoch's batched KZG check at
    N = 2^20): the Python bucket method against the native backend's (Straus with width-5 NAFs,
    kernels/src/msm_small.h).
``verify epoch`` / ``verify registration``
    a whole verification, ``python`` against ``native`` backend, of an epoch (C = T = 1,024) and
    of the registration of a dataset of N = 2^log_n rows × k = 32 (``--log-n``, default 20; 16
    with --quick), in a fresh process.  The native rows are the median of warm runs; the first
    run, which also builds the key's G2 lines, is reported apart.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

from attrib.bench.report import fmt_num, log, table
from attrib.bench.timing import auto_number, measure

DESCRIPTION = "verifier backends: python (py_ecc) vs native, pairing check vs mcl, whole epoch/registration"

S, T = 0x1234567890ABCDEF1234567890ABCDEF, 0xFEDCBA0987654321FEDCBA0987654321

CHILD = r"""
import json, statistics, sys, time
import numpy as np
from attrib.prover import SRS, Dataset, Prover
from attrib.prover.attribution import required_log_n
from attrib.verifier import verify_attribution, verify_registration

log_n, k, c_count, t_count, repeat = map(int, sys.argv[1:6])
rows = 1 << log_n
rng = np.random.default_rng(3)
owners = np.sort(np.concatenate([np.arange(c_count), rng.integers(0, c_count, rows - c_count)]))
ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(rows, k), dtype=np.int16), [f"c{o}" for o in owners],
             rng.integers(0, 2**24, rows))
srs = SRS.dev(required_log_n(rows, k, c_count, t_count), seed=3)
prover = Prover(srs)
reg = prover.register(ds)
queries = rng.integers(-(2**15) + 1, 2**15, size=(t_count, k))
epoch = prover.prove(reg, queries, [int(f) for f in rng.integers(1, 10**12, t_count)])
digest = srs.digest()
manifest, claim, proof, reg_proof = (reg.manifest.to_bytes(), epoch.claim.to_bytes(), epoch.proof.to_bytes(),
                                     reg.proof.to_bytes())
out = {"proof_bytes": len(proof), "claim_bytes": len(claim), "manifest_bytes": len(manifest)}
for op, fn in (("verify epoch", lambda b: verify_attribution(manifest, claim, proof, trusted_srs_digest=digest,
                                                             backend=b)),
               ("verify registration", lambda b: verify_registration(manifest, reg_proof, trusted_srs_digest=digest,
                                                                     backend=b))):
    for backend, runs in (("native", repeat + 1), ("python", max(3, repeat // 5))):
        times, verdicts = [], []
        for _ in range(runs):
            t0 = time.perf_counter(); verdicts.append(fn(backend)); times.append(time.perf_counter() - t0)
        first = times[0]
        warm = times[1:] if backend == "native" else times
        out[f"{op}/{backend}"] = {"median_s": statistics.median(warm), "min_s": min(warm), "max_s": max(warm),
                                  "runs": len(warm), "first_s": first, "verified": all(verdicts)}
print(json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--log-n", type=int, help="log2 of the dataset rows N (default 20; --quick 16)")
    parser.add_argument("--contributors", type=int, default=1024, help="C (default 1024)")
    parser.add_argument("--queries", type=int, default=1024, help="T (default 1024)")


def _pairing_cases(skipped: list, peers: dict) -> dict:
    from py_ecc import optimized_bn128 as bn

    from attrib.bench import pairing as pairing_suite
    from attrib.verifier import native
    from attrib.verifier.encoding import R_MODULUS as R

    cases = {"py_ecc": pairing_suite._py_ecc_cases()["2-pairing check"]}
    p = [bn.multiply(bn.G1, S * T % R), bn.neg(bn.multiply(bn.G1, S))]
    q = [bn.G2, bn.multiply(bn.G2, T)]
    native.g2_lines(q[0]), native.g2_lines(q[1])                       # per key, once

    def native_check(a=p[0]):
        return native.pairings_are_one([(a, q[0]), (p[1], q[1])])

    cases["native"] = (native_check, native_check() and not native_check(bn.G1))
    from attrib.bench.peers import mcl as mcl_peer

    m = mcl_peer.load_or_skip(skipped, peers)
    if m is not None:
        cases["mcl"] = pairing_suite._mcl_cases(m)["2-pairing check"]
    return cases


def _msm_cases() -> dict:
    from py_ecc import optimized_bn128 as bn

    from attrib.verifier import native
    from attrib.verifier.encoding import R_MODULUS as R
    from attrib.verifier.hyperkzg import python_linear_combination

    from attrib.verifier.encoding import g1_affine, g1_from_affine

    rng = random.Random(11)
    # affine points, as the verifier has them after decoding a proof
    terms = [(g1_from_affine(*g1_affine(bn.multiply(bn.G1, rng.randrange(1, R)))), rng.randrange(R))
             for _ in range(37)]
    same = bn.eq(native.linear_combination(terms), python_linear_combination(terms))
    return {"py_ecc": (lambda: python_linear_combination(terms), same),
            "native": (lambda: native.linear_combination(terms), same)}


def run(args) -> dict:
    results, skipped, peers = [], [], {}
    for op, cases in (("2-pairing check", _pairing_cases(skipped, peers)), ("MSM", _msm_cases())):
        for impl, (fn, ok) in cases.items():
            slow = impl == "py_ecc"
            number = 1 if slow else auto_number(fn, min_sample_s=0.05)
            t = measure(fn, repeat=min(args.repeat, 5) if slow else args.repeat, warmup=1, number=number)
            results.append({"impl": impl, "op": op, "n": 2 if op.startswith("2") else 37, "median_s": t.median,
                            "min_s": t.min, "max_s": t.max, "verified": bool(ok), "timing": t.to_dict()})
            log(f"verify: {op:<16} {impl:<7} {t.median * 1e3:10.3f} ms{'' if ok else '  (WRONG RESULT)'}")
    log_n = args.log_n or (16 if args.quick else 20)
    log(f"verify: registering N = 2^{log_n}, k = 32, C = {args.contributors} and proving T = {args.queries} "
        "(a fresh process)")
    out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_n), "32", str(args.contributors),
                          str(args.queries), str(max(args.repeat, 5) * 3)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"verify child failed:\n{out.stderr[-2000:]}")
    child = json.loads(out.stdout.strip().splitlines()[-1])
    for op in ("verify epoch", "verify registration"):
        for impl in ("python", "native"):
            row = child[f"{op}/{impl}"]
            results.append({"impl": impl, "op": op, "n": 1 << log_n, **row})
            log(f"verify: {op:<20} {impl:<7} {row['median_s'] * 1e3:10.2f} ms (first {row['first_s'] * 1e3:.1f} ms)")
    by = {(r["op"], r["impl"]): r["median_s"] for r in results}
    for r in results:
        base = by.get((r["op"], "mcl")) if r["op"] == "2-pairing check" else by.get((r["op"], "native"))
        r["ratio"] = r["median_s"] / base if base else None
    notes = [f"N = 2^{log_n} rows, k = 32, C = {args.contributors}, T = {args.queries}; the epoch proof is "
             f"{child['proof_bytes']:,} B, the manifest {child['manifest_bytes']:,} B",
             "x: time over mcl's for the pairing check, over the native backend's for the rest",
             "native = the kernels' small MSM and pairing under the same Python verifier (attrib.verifier.backend); "
             "verification objects are decoded from bytes on every run"]
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"log_n": log_n, "k": 32, "C": args.contributors, "T": args.queries}}


def format_table(result: dict) -> str:
    body = [[r["op"], r["impl"], fmt_num(r["median_s"] * 1e3), fmt_num(r["min_s"] * 1e3), fmt_num(r["max_s"] * 1e3),
             f"{r['ratio']:.2f}" if r.get("ratio") else "-", "" if r["verified"] else "WRONG"]
            for r in result["results"]]
    return table(["op", "implementation", "median ms", "min ms", "max ms", "x", ""], body, align="llrrrrl")
