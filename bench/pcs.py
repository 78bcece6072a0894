"""Suite ``pcs``: HyperKZG commit / open / verify and the sum-check prover.

For each n: two random tables of 2^n Fr elements are committed (full-scalar MSM), opened
together at one random point (``prover.hyperkzg.open_batch``: folds, fold commitments,
the SHPLONK-style W and W'), and the proof is checked by the pure-Python verifier
(``verifier.hyperkzg.verify_hyperkzg``, py_ecc).  Proof bytes are the canonical encoding.
The sum-check rows time ``prover.sumcheck.prove_sumcheck`` on three tables (degree 3) of
2^n terms.  The SRS is the insecure development SRS (cached on disk after the first run).
"""

from __future__ import annotations

import random

from attrib.bench.report import fmt_n, fmt_num, log, table
from attrib.bench.timing import measure

DESCRIPTION = "HyperKZG commit/open/verify times and proof bytes by n; sum-check prover throughput"

DEFAULT_LOGS = "10,12,14,16,18,20"
QUICK_LOGS = "10,12,14,16"


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", metavar="N[,N...]", help=f"n values (default {DEFAULT_LOGS}; quick {QUICK_LOGS})")
    parser.add_argument("--seed", type=int, default=1)


def run(args) -> dict:
    from attrib.kernels import fr, g1
    from attrib.prover.hyperkzg import commit, open_batch
    from attrib.prover.srs import SRS
    from attrib.prover.sumcheck import prove_sumcheck
    from attrib.verifier.hyperkzg import HyperKZGProof, verify_hyperkzg
    from attrib.verifier.transcript import Transcript

    logs = [int(x) for x in (args.sizes or (QUICK_LOGS if args.quick else DEFAULT_LOGS)).split(",")]
    log(f"pcs: development SRS with 2^{max(logs)} powers")
    srs = SRS.dev(max(logs), seed=args.seed)
    vk = srs.verifying_key
    rng = random.Random(args.seed)
    results = []
    for n in logs:
        powers = srs.powers_for(n)
        tables = [fr.random(1 << n, args.seed + 10 * n + m) for m in range(2)]
        point = [rng.randrange(fr.MODULUS) for _ in range(n)]
        repeat = max(1, min(args.repeat, 3 if n >= 18 else args.repeat))
        t_commit = measure(lambda: [commit(powers, t) for t in tables], repeat=repeat)
        coms = [g1.to_py_ecc(commit(powers, t)) for t in tables]
        state = {}

        def prove():
            state["values"], state["proof"] = open_batch(powers, tables, coms, point, Transcript(b"bench"))
        t_open = measure(prove, repeat=repeat)
        values, proof = state["values"], state["proof"]
        ok = verify_hyperkzg(vk, coms, point, values, proof, Transcript(b"bench"))
        t_verify = measure(lambda: verify_hyperkzg(vk, coms, point, values, proof, Transcript(b"bench")),
                           repeat=min(repeat, 3), warmup=0)
        size = len(proof.to_bytes())
        assert size == HyperKZGProof.size(n)
        sc_tables = [fr.random(1 << n, args.seed + 100 + j) for j in range(3)]
        t_sumcheck = measure(lambda: prove_sumcheck(sc_tables, Transcript(b"bench")), repeat=repeat)
        row = {"op": "hyperkzg", "n": n, "polys": 2, "commit_s": t_commit.median / 2,
               "open_s": t_open.median, "verify_s": t_verify.median, "proof_bytes": size,
               "sumcheck_s": t_sumcheck.median, "sumcheck_terms_per_s": (1 << n) / t_sumcheck.median,
               "median_s": t_open.median, "min_s": t_open.min, "max_s": t_open.max, "verified": ok,
               "timings": {"commit": t_commit.to_dict(), "open": t_open.to_dict(), "verify": t_verify.to_dict(),
                           "sumcheck": t_sumcheck.to_dict()}}
        results.append(row)
        log(f"pcs: n={n:2d} commit {row['commit_s']:.3f} s, open {row['open_s']:.3f} s, verify "
            f"{row['verify_s']:.3f} s, {size} B, sum-check {row['sumcheck_s']:.3f} s{'' if ok else ' (REJECTED)'}")
    return {"results": results, "notes": [
        "open = the whole batched opening of 2 polynomials (ρ-combination, folds, fold commitments, "
        "evaluations, W, W'); commit = one polynomial",
        f"SRS: {srs.source}"], "params": {"sizes": logs, "seed": args.seed}}


def format_table(result: dict) -> str:
    body = [[str(r["n"]), fmt_n(1 << r["n"]), fmt_num(r["commit_s"]), fmt_num(r["open_s"]), fmt_num(r["verify_s"]),
             f"{r['proof_bytes']:,}", fmt_num(r["sumcheck_s"]), f"{r['sumcheck_terms_per_s'] / 1e6:.1f} M",
             "" if r["verified"] else "REJECTED"] for r in result["results"]]
    return table(["n", "size", "commit s", "open (2 polys) s", "verify s", "proof B", "sum-check s",
                  "terms/s", ""], body, align="lrrrrrrrl")
