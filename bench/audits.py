"""Suite ``audits``: how often a sampled audit catches a registrant that falsified 1 % of its rows.

The demo's real pipeline (TracIn features of scikit-learn's digits) is registered with a fraction f
of its rows falsified (their features negated: the influence flipped).  For each sample size s, the
rows an audit would open are drawn from each of ``--seeds`` public seeds (attrib.verifier.audit.
sample_rows); an audit catches the registrant exactly when its sample holds a falsified row (a real
audit — openings verified, rows recomputed from the recipe — is run for the first ``--real`` seeds
of each s to check that it reports exactly those rows).  The measured rate is set beside the exact
rate of sampling without replacement, 1 − C(N − m, s)/C(N, s), and the bound 1 − (1 − f)^s.
"""

from __future__ import annotations

from math import comb

import numpy as np

from attrib.bench.report import log, table

DESCRIPTION = "audit catch rate against 1 - (1 - f)^s for s = 16, 64, 256 on the demo with 1 % falsified rows"


def add_arguments(parser) -> None:
    parser.add_argument("--seeds", type=int, default=2000, help="public seeds per sample size (default 2000)")
    parser.add_argument("--real", type=int, default=3, help="full audits (openings and recomputation) per size")
    parser.add_argument("--fraction", type=float, default=0.01)


def run(args) -> dict:
    from attrib.demo.recipe import recompute_rows
    from attrib.demo.recipe import _dataset as demo_dataset
    from attrib.prover import SRS, Dataset, Prover
    from attrib.prover.dataset import limbs_to_int
    from attrib.verifier.audit import audit, detection_probability, sample_rows

    honest = demo_dataset()
    n = honest.num_rows
    m = max(1, round(n * args.fraction))
    bad = set(int(r) for r in np.random.default_rng(7).choice(n, m, replace=False))
    features = honest.features.copy()
    features[sorted(bad)] = -features[sorted(bad)]
    grouped = [honest.contributors[c] for c in np.repeat(np.arange(len(honest.contributors)), np.diff(honest.offsets))]
    falsified = Dataset(features, grouped, honest.scales, recipe=honest.recipe,
                        example_digests=[limbs_to_int(x) for x in honest.example_digests])
    srs = SRS.dev(12, seed=5)
    prover = Prover(srs)
    reg = prover.register(falsified)
    sizes = (4, 16) if args.quick else (16, 64, 256)
    seeds = min(args.seeds, 200) if args.quick else args.seeds
    results = []
    for s in sizes:
        caught = 0
        for i in range(seeds):
            seed = (i + 1).to_bytes(32, "big")
            rows = sample_rows(seed, n, s)
            hit = bool(bad & set(rows))
            caught += hit
            if i < args.real:
                report = audit(reg.manifest, seed, s, lambda rows: prover.open_rows(reg, rows),
                               lambda rows: recompute_rows(rows), trusted_srs_digest=srs.digest())
                if not report.opening_verified or sorted(report.mismatches) != sorted(bad & set(rows)):
                    raise AssertionError(f"the real audit of seed {i + 1} did not report exactly the falsified rows")
        exact = 1 - comb(n - m, s) / comb(n, s)
        row = {"op": "audit", "n": n, "falsified": m, "s": s, "seeds": seeds, "caught": caught / seeds,
               "exact": exact, "bound": detection_probability(m / n, s), "real_audits": min(args.real, seeds)}
        results.append(row)
        log(f"audits: s = {s}: caught {row['caught']:.3f} over {seeds} seeds (exact {exact:.3f}, "
            f"bound {row['bound']:.3f})")
    return {"results": results, "notes": [f"N = {n} rows of the demo, {m} falsified (features negated); "
                                          f"{args.real} full audits per size checked the sampling's verdict"],
            "params": {"seeds": seeds, "fraction": args.fraction}}


def format_table(result: dict) -> str:
    body = [[str(r["s"]), f"{r['caught']:.3f}", f"{r['exact']:.3f}", f"{r['bound']:.3f}", str(r["seeds"]),
             f"{r['falsified']} of {r['n']:,}"] for r in result["results"]]
    return table(["s", "caught (measured)", "exact (hypergeometric)", "1 − (1 − f)^s", "seeds", "falsified rows"],
                 body, align="rrrrrl")
