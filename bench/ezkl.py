"""Suite ``ezkl``: the same statement proved by us and by EZKL, by N (k = 16).

Statement: scores s = Φ·q of a bias-free linear layer, Φ fixed (N × k int16 weights), q the
query (k int16 values).  Side by side for each N, in this run:

``ours``  a fresh process (``bench.attribution``'s child) with a random dataset of N rows ×
          k = 16 features, C = 16 contributors, 24-bit scales and the development SRS:
          ``Prover.register`` (commits Φ: the analogue of EZKL's setup, which bakes Φ into the
          proving key), ``Prover.prove`` of one epoch with T = 1 query, and the pure-Python
          ``verify_attribution``.  Our statement is larger: it also proves each contributor's
          σ-weighted total of s, and only the claim (C totals) is public.
``ezkl``  EZKL (bench/peers/ezkl.py): an ONNX ``MatMul`` with Φ as an initializer, fixed
          parameters, public q and s, scale 0 (exact integers); ``gen_srs`` locally (cached,
          timed apart), ``setup`` (keys), ``prove``, ``verify``, each phase in its own process.

Times: ``--repeat`` samples per N after one warm-up for N <= 1024; above that (EZKL takes
minutes and gigabytes there) one sample and no warm-up.  ``ratio`` = ours / EZKL (< 1: we
are faster / smaller).  Peak memory is each process's VmHWM (``bench.timing.peak_rss_mb``: not
``ru_maxrss``, which Linux carries from a forked parent into the child).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from attrib.bench.peers import PeerUnavailable
from attrib.bench.report import fmt_n, fmt_num, log, table

DESCRIPTION = "s = Φq (k = 16) proved by ours vs EZKL: setup/register, prove, verify, proof bytes, peak memory by N"

DEFAULT_SIZES = "256,1024,4096,16384"
QUICK_SIZES = "256,1024"
K = 16
CONTRIBUTORS = 16
SMALL_N = 1024  # above: one sample, no warm-up


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", metavar="N[,N...]",
                        help=f"row counts, powers of two (default {DEFAULT_SIZES}; --quick {QUICK_SIZES})")
    parser.add_argument("--impl", action="append", choices=("ours", "ezkl"), metavar="IMPL",
                        help="only these (repeatable; ours, ezkl)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per EZKL phase (default 3600)")


def _ours(log_n: int, seed: int) -> dict:
    from attrib.bench.attribution import CHILD

    out = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_n), str(K), "1", str(CONTRIBUTORS), str(seed)],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"ours at N = 2^{log_n} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(samples: list[float]) -> dict:
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples),
            "samples": samples}


def run(args) -> dict:
    sizes = [int(x) for x in (args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)).split(",")]
    for n in sizes:
        if n < CONTRIBUTORS or n & (n - 1):
            raise SystemExit(f"--sizes: {n} is not a power of two >= {CONTRIBUTORS}")
    impls = [i for i in ("ours", "ezkl") if not args.impl or i in args.impl]
    results, skipped, notes, peers = [], [], [], {}
    ezkl_ok = "ezkl" in impls
    if ezkl_ok:
        try:
            from attrib.bench.peers import ezkl as ezkl_peer
            peers["ezkl"] = {**ezkl_peer.check_available(), "curve": "BN254 (halo2, KZG)",
                             "srs": "ezkl.gen_srs (local, INSECURE; cached)", "decomp_legs": ezkl_peer.DECOMP_LEGS,
                             "settings": "input_scale = param_scale = 0, param_visibility fixed, "
                                         "input/output public, calibrate_settings(target=resources)"}
        except PeerUnavailable as exc:
            log(str(exc))
            skipped.append({"impl": "ezkl", "reason": str(exc)})
            ezkl_ok = False
    workroot = Path(tempfile.mkdtemp(prefix="attrib-bench-ezkl-"))
    try:
        for n in sizes:
            log_n = n.bit_length() - 1
            small = n <= SMALL_N
            repeat = args.repeat if small else 1
            if "ours" in impls:
                log(f"ezkl: ours at N = {n}, k = {K}, T = 1 ({repeat + (1 if small else 0)} fresh processes)")
                runs = [_ours(log_n, args.seed) for _ in range((1 if small else 0) + repeat)][(1 if small else 0):]
                row = {"impl": "ours", "op": "linear-layer", "n": n, "k": K, "T": 1, "C": CONTRIBUTORS,
                       "setup_s": statistics.median(r["register_s"] for r in runs),
                       "prove": _summary([r["prove_s"] for r in runs]),
                       "verify": _summary([r["verify_s"] for r in runs]),
                       "proof_bytes": runs[0]["proof_bytes"], "claim_bytes": runs[0]["claim_bytes"],
                       "peak_mb": max(r["peak_mb"] for r in runs),
                       "verified": all(r["verified"] for r in runs), "runs": runs}
                row.update(median_s=row["prove"]["median_s"], min_s=row["prove"]["min_s"],
                           max_s=row["prove"]["max_s"], prove_s=row["prove"]["median_s"],
                           verify_s=row["verify"]["median_s"])
                results.append(row)
                log(f"ezkl: ours   N={n:>6}: register {row['setup_s']:.3f} s, prove {row['prove_s']:.3f} s, "
                    f"verify {row['verify_s']:.3f} s, {row['proof_bytes']} B, peak {row['peak_mb']:.0f} MB")
            if ezkl_ok:
                log(f"ezkl: EZKL at N = {n}, k = {K} (setup, then {repeat} prove(s)"
                    f"{' after a warm-up' if small else ''})")
                t0 = time.perf_counter()
                try:
                    e = ezkl_peer.run_size(workroot / f"n{n}", n, K, args.seed, repeat=repeat,
                                           warmup=1 if small else 0, timeout=args.timeout)
                except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
                    reason = f"ezkl at N = {n} failed: {str(exc).strip().splitlines()[-1] if str(exc) else exc!r}"
                    log(reason)
                    skipped.append({"impl": "ezkl", "n": n, "reason": reason})
                    continue
                finally:
                    shutil.rmtree(workroot / f"n{n}", ignore_errors=True)
                row = {"impl": "ezkl", "op": "linear-layer", "n": n, "k": K,
                       "setup_s": e["setup_s"], "compile_s": e["compile_s"], "srs_s": e["srs_s"],
                       "witness_s": e["witness_s"], "prove": _summary(e["prove_samples"]),
                       "verify": _summary(e["verify_samples"]), "proof_bytes": e["proof_bytes"],
                       "proof_json_bytes": e["proof_json_bytes"], "public_instances": e["public_instances"],
                       "peak_mb": e["peak_mb"], "setup_peak_mb": e["setup_peak_mb"],
                       "prove_peak_mb": e["prove_peak_mb"], "logrows": e["logrows"], "num_rows": e["num_rows"],
                       "pk_bytes": e["pk_bytes"], "vk_bytes": e["vk_bytes"],
                       "verified": bool(e["verified"] and e["outputs_exact"]), "outputs_exact": e["outputs_exact"],
                       "wall_s": time.perf_counter() - t0}
                row.update(median_s=row["prove"]["median_s"], min_s=row["prove"]["min_s"],
                           max_s=row["prove"]["max_s"], prove_s=row["prove"]["median_s"],
                           verify_s=row["verify"]["median_s"])
                results.append(row)
                log(f"ezkl: EZKL   N={n:>6}: setup {row['setup_s']:.2f} s, prove {row['prove_s']:.2f} s, verify "
                    f"{row['verify_s']:.3f} s, {row['proof_bytes']} B, peak {row['peak_mb']:.0f} MB, "
                    f"logrows {row['logrows']}{'' if row['verified'] else ' (WRONG)'}")
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    _add_ratios(results)
    notes.append(f"N <= {SMALL_N}: median of --repeat samples after a warm-up; larger N: one sample, no warm-up")
    notes.append("ours proves more than s = Φq: the σ-weighted per-contributor totals of s (C = 16), with only "
                 "the C totals public; EZKL's public instances are q and all N outputs")
    notes.append("setup: ours = Prover.register (commit Φ); EZKL = ezkl.setup (keys for the circuit with Φ fixed); "
                 "EZKL's gen_srs is timed apart (srs_s, when not cached)")
    notes.append("SRS on both sides: insecure local development SRS")
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"sizes": sizes, "k": K, "T": 1, "C": CONTRIBUTORS, "seed": args.seed, "impls": impls}}


def _add_ratios(results: list[dict]) -> None:
    ez = {r["n"]: r for r in results if r["impl"] == "ezkl"}
    for r in results:
        if r["impl"] == "ours" and r["n"] in ez:
            e = ez[r["n"]]
            r["ratio_to_ezkl"] = {key: (r[key] / e[key] if e.get(key) else None)
                                  for key in ("setup_s", "prove_s", "verify_s", "proof_bytes", "peak_mb")}


def format_table(result: dict) -> str:
    body = []
    rows = sorted(result["results"], key=lambda r: (r["n"], r["impl"] != "ours"))
    for r in rows:
        body.append([r["impl"], fmt_n(r["n"]), fmt_num(r["setup_s"]), fmt_num(r["prove_s"]),
                     f"{fmt_num(r['prove']['min_s'])}–{fmt_num(r['prove']['max_s'])}", fmt_num(r["verify_s"]),
                     f"{r['proof_bytes']:,}", f"{r['peak_mb']:,.0f}", "" if r["verified"] else "WRONG"])
        ours = next((o for o in rows if o["impl"] == "ours" and o["n"] == r["n"]), None)
        ratio = ours.get("ratio_to_ezkl") if ours and r["impl"] == "ezkl" else None
        if ratio:
            cell = {k: (f"{v:.3g}" if v is not None else "-") for k, v in ratio.items()}
            body.append(["  ours / EZKL", "", cell["setup_s"], cell["prove_s"], "", cell["verify_s"],
                         cell["proof_bytes"], cell["peak_mb"], ""])
    return table(["impl", "N", "setup s", "prove s", "prove min–max", "verify s", "proof B", "peak MB", ""],
                 body, align="lrrrrrrrl")
