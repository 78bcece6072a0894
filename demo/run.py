"""`attrib demo`: TracIn attribution on scikit-learn's digits, registered, proved, verified, paid out."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from attrib.demo.tracin import (
    assign_contributors,
    float_payouts,
    float_totals,
    spearman,
    tracin_features,
)
from attrib.prover.attribution import Prover, required_log_n
from attrib.demo.tracin import recipe_of
from attrib.prover.dataset import Dataset
from attrib.prover.srs import SRS
from attrib.verifier import verify_attribution, verify_payouts, verify_registration
from attrib.verifier.fees import dust_bound


class Progress:
    """tqdm bars per stage when tqdm is installed and the output is a terminal; quiet otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=1000, desc=f"  {stage}", leave=False, file=sys.stderr,
                                          bar_format="{desc:<24} {bar} {percentage:3.0f}%")
        bar.update(int(fraction * 1000) - bar.n)
        if fraction >= 1:
            bar.close()
            del self.bars[stage]


def run_demo(contributors: int = 50, queries: int = 200, fee: int = 1_000_000, seed: int = 0,
             ptau: str | None = None, progress: bool | None = None, out=None, keep: dict | None = None) -> dict:
    """The whole pipeline; returns the measured figures (also printed).  ``keep``, when given, receives
    the prover, registration, epoch, queries and fees (for ``--explorer``)."""
    out = out or sys.stdout
    say = lambda *a: print(*a, file=out, flush=True)  # noqa: E731
    bars = Progress(sys.stderr.isatty() if progress is None else progress)
    timings = {}

    start = time.perf_counter()
    data = tracin_features(num_queries=queries, seed=seed)
    timings["features_s"] = time.perf_counter() - start
    owners = assign_contributors(len(data.train_labels), contributors, seed + 2)
    ds = Dataset.from_float(data.train_features, owners, recipe=recipe_of(data), examples=data.train_examples)
    say(f"attrib demo: TracIn on scikit-learn digits — {ds.num_rows} training examples, "
        f"{ds.num_columns} features (4 checkpoints × 8 projected dims), {len(ds.contributors)} contributors, "
        f"{queries} inferences; model accuracy {data.accuracy:.1%}")

    n = required_log_n(ds.num_rows, ds.num_columns, len(ds.contributors), queries)
    start = time.perf_counter()
    srs = SRS.from_ptau(ptau, max_log_n=n) if ptau else SRS.dev(n, seed=seed)
    timings["srs_s"] = time.perf_counter() - start
    say(f"SRS: {srs.source}, 2^{srs.max_log_n} powers, digest {srs.digest().hex()[:16]}…"
        + ("  (INSECURE: tau is public; for demos only)" if srs.insecure else ""))

    prover = Prover(srs, progress=bars)
    start = time.perf_counter()
    reg = prover.register(ds)
    timings["register_s"] = time.perf_counter() - start
    start = time.perf_counter()
    registered = verify_registration(reg.manifest.to_bytes(), reg.proof.to_bytes(), trusted_srs_digest=srs.digest())
    timings["verify_registration_s"] = time.perf_counter() - start
    say(f"registered: manifest digest {reg.manifest.digest().hex()}; registration proof "
        f"{len(reg.proof.to_bytes()):,} bytes, verified: {'OK' if registered else 'FAILED'}")

    fees = [fee] * queries
    start = time.perf_counter()
    epoch = prover.prove(reg, data.query_features, fees)
    timings["prove_s"] = time.perf_counter() - start
    claim, proof = epoch.claim, epoch.proof
    proof_bytes = proof.to_bytes()

    start = time.perf_counter()
    ok = verify_attribution(reg.manifest.to_bytes(), claim.to_bytes(), proof_bytes, trusted_srs_digest=srs.digest())
    timings["verify_s"] = time.perf_counter() - start

    top = int(np.argmax(epoch.payouts))
    opening = epoch.open_payouts([top])
    opened = verify_payouts(reg.manifest, claim, [top], [epoch.payouts[top]], opening,
                            trusted_srs_digest=srs.digest())

    reference = float_totals(data.train_features, data.query_features, owners, ds.contributors)
    proven = np.array(epoch.totals, dtype=float)
    rho = [spearman(proven[:, t], reference[:, t]) for t in range(queries)]
    top10 = [set(np.argsort(-proven[:, t])[:10]) == set(np.argsort(-reference[:, t])[:10])
             for t in range(queries)]
    ref_pay = float_payouts(reference, np.array(fees, dtype=float))
    deviation = np.abs(np.array(epoch.payouts, dtype=float) - ref_pay).max() / fee

    say("")
    say(f"{'contributor':<18}{'rows':>6}{'payout':>14}{'share':>8}{'float ref':>14}")
    order = np.argsort(-np.array(epoch.payouts))
    for c in order[:10]:
        rows = reg.manifest.offsets[c + 1] - reg.manifest.offsets[c]
        say(f"{ds.contributors[c]:<18}{rows:>6}{epoch.payouts[c]:>14,}{epoch.payouts[c] / sum(fees):>8.2%}"
            f"{ref_pay[c]:>14,.1f}")
    say(f"{'… ' + str(len(order) - 10) + ' more':<18}")
    dust = claim.total_fees - claim.total_paid
    say(f"fees {claim.total_fees:,}; paid {claim.total_paid:,}; undistributed dust {dust:,} "
        f"(at most {dust_bound(epoch.totals, fees):,} by the fee rule)")
    say("")
    say(f"fidelity vs float TracIn totals: Spearman min {min(rho):.6f} (median {np.median(rho):.6f}), "
        f"identical top-10 in {np.mean(top10):.0%} of inferences, max payout deviation {deviation:.5%} of a fee")
    say(f"claim: {len(claim.to_bytes())} bytes (whatever the number of contributors and inferences); "
        f"proof: {len(proof_bytes):,} bytes; verified by the pure-Python verifier: {'OK' if ok else 'FAILED'}")
    say(f"payout of {ds.contributors[top]} opened against the claim ({len(opening.to_bytes()):,} bytes): "
        f"{'OK' if opened else 'FAILED'}")
    say("timings: " + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in timings.items()))
    ok = ok and registered and opened
    if keep is not None:
        keep.update(prover=prover, registration=reg, epoch=epoch, queries=data.query_features, fees=fees)
    return {"ok": ok, "timings": timings, "proof_bytes": len(proof_bytes), "spearman_min": min(rho),
            "top10_identical": float(np.mean(top10)), "payout_deviation": deviation}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contributors", type=int, default=50, help="contributors to split the data among")
    parser.add_argument("--queries", type=int, default=200, help="inferences in the epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ptau", help="a snarkjs .ptau file to use as the SRS (default: an insecure dev SRS)")
    parser.add_argument("--explorer", action="store_true",
                        help="then write the registration and epochs into a service data directory and leave "
                             "the web explorer running over it (needs the 'explorer' extra)")
    parser.add_argument("--explorer-dir", help="that data directory (default: a new temporary one)")
    parser.add_argument("--explorer-port", type=int, default=8080, help="the explorer's port (0: a free one)")
    parser.add_argument("--torch", action="store_true",
                        help="a PyTorch MLP featurized by an attribution library instead (attrib.demo.torch_digits; "
                             "needs the 'torch' extra)")
    parser.add_argument("--library", choices=("trak", "dattri"), default="trak", help="with --torch: the library")
    parser.add_argument("--method", choices=("trak", "tracin"),
                        help="with --torch: the library's method (trak's: trak; dattri's: tracin, the default, or trak)")
    parser.add_argument("--proj-dim", type=int, default=32, help="with --torch: projected dimensions per checkpoint")


def run(args: argparse.Namespace) -> int:
    if args.torch:
        if args.explorer:
            print("attrib demo: --explorer runs with the numpy demo, not --torch", file=sys.stderr)
            return 2
        try:
            from attrib.demo.torch_digits import run_torch_demo
        except ImportError as exc:
            print(f"attrib demo --torch: {exc} (pip install 'attrib[torch]')", file=sys.stderr)
            return 2
        result = run_torch_demo(library=args.library, method=args.method, contributors=args.contributors,
                                queries=args.queries, proj_dim=args.proj_dim, seed=args.seed, ptau=args.ptau)
        return 0 if result["ok"] else 1
    keep = {} if args.explorer else None
    result = run_demo(contributors=args.contributors, queries=args.queries, seed=args.seed, ptau=args.ptau, keep=keep)
    if args.explorer and result["ok"]:
        from attrib.explorer.demo import serve_demo

        return serve_demo(keep, args.explorer_dir, port=args.explorer_port)
    return 0 if result["ok"] else 1
