"""Suite ``msm``: multi-scalar multiplication on BN254 G1, per-point nanoseconds.

Implementations:

``ours-1t``   ``kernels.g1.msm`` after ``kernels.set_threads(1)``
``ours-all``  the same with the default thread count
``mcl``       mcl's ``mclBnG1_mulVec`` from the mclbn256 package, single-threaded, timed in C
``py_ecc``    a naive Σ k_i·P_i with py_ecc's optimized_bn128, at sizes up to ``--py-ecc-max``

Scalars: ``full`` (uniform 254-bit Fr elements) and ``i16`` (signed 16-bit integers, our
small-scalar path; mcl gets the same values as Fr elements).  Every implementation gets the
same points and scalars, and every result is checked against ours (``verified``).  Peak memory
of one 2^20 MSM per scalar kind is measured in a fresh subprocess that loads the inputs from
.npy files (peak RSS after loading, and after the MSM; see ``bench.timing.peak_rss_mb``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

import numpy as np

from attrib.bench.report import add_peer_ratios, fmt_n, fmt_num, log, table
from attrib.bench.timing import measure

DESCRIPTION = "G1 MSM ns/point, full and 16-bit scalars: ours (1 thread, all threads) vs mcl, py_ecc"

IMPLS = ("ours-1t", "ours-all", "mcl", "py_ecc")
KINDS = ("full", "i16")
DEFAULT_LOG_SIZES = (10, 12, 16, 18, 20)
QUICK_LOG_SIZES = (10, 12, 16)


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", metavar="K[,K...]",
                        help="log2 of the point counts (default 10,12,16,18,20; --quick: 10,12,16)")
    parser.add_argument("--impl", action="append", choices=IMPLS, metavar="IMPL",
                        help=f"only these implementations (repeatable; {', '.join(IMPLS)})")
    parser.add_argument("--py-ecc-max", type=int, default=10, metavar="K",
                        help="largest log2 size py_ecc runs at (default 10: about 9 s)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--seed", type=int, default=1)


def inputs(n: int, seed: int):
    from attrib.kernels import fr, g1

    points = g1.random(n, seed)
    full = fr.random(n, seed + 1)
    small = np.random.default_rng(seed + 2).integers(-(2**15), 2**15, size=n, dtype=np.int16)
    return points, {"full": full, "i16": small}


def peak_memory_mb(points: np.ndarray, scalars: np.ndarray) -> dict:
    """Peak resident memory of a fresh process that loads the inputs from .npy files and runs one MSM."""
    code = """
import json, sys, numpy as np
from attrib.bench.timing import peak_rss_mb
from attrib.kernels import g1
pts, scalars = np.load(sys.argv[1]), np.load(sys.argv[2])
before = peak_rss_mb()
g1.msm(pts, scalars, check=False)
print(json.dumps({"peak_mb": peak_rss_mb(), "inputs_mb": before}))
"""
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/points.npy", points)
        np.save(f"{tmp}/scalars.npy", scalars)
        out = subprocess.run([sys.executable, "-P", "-c", code, f"{tmp}/points.npy", f"{tmp}/scalars.npy"],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args) -> dict:
    from attrib import kernels
    from attrib.kernels import fr, g1

    logs = [int(k) for k in args.sizes.split(",")] if args.sizes else \
        list(QUICK_LOG_SIZES if args.quick else DEFAULT_LOG_SIZES)
    impls = [i for i in IMPLS if not args.impl or i in args.impl]
    default_threads = kernels.max_threads()
    results, skipped, notes, peers = [], [], [], {}
    mcl = None
    if "mcl" in impls:
        from attrib.bench.peers import mcl as mcl_peer
        mcl = mcl_peer.load_or_skip(skipped, peers)
    try:
        for log_n in logs:
            n = 1 << log_n
            log(f"msm: preparing {fmt_n(n)} points")
            points, scalars = inputs(n, args.seed)
            mcl_points = _to_mcl_points(points) if mcl is not None else None
            for kind in KINDS:
                reference = g1.msm(points, scalars[kind], check=False)
                for impl in impls:
                    if impl == "mcl" and mcl is None:
                        continue
                    if impl == "py_ecc" and log_n > args.py_ecc_max:
                        continue
                    threads = default_threads if impl == "ours-all" else 1
                    if impl.startswith("ours"):
                        kernels.set_threads(threads)
                        fn, self_timed = (lambda s=scalars[kind]: g1.msm(points, s, check=False)), False
                        ok = bool(np.array_equal(fn(), reference))
                    elif impl == "mcl":
                        limbs = fr.to_limbs(scalars[kind]) if kind == "full" else \
                            fr.to_limbs(fr.from_int64(scalars[kind].astype(np.int64)))
                        ms = mcl.fr_from_canonical_limbs(limbs)
                        _, got = mcl.g1_mul_vec(mcl_points.copy(), ms)
                        ok = mcl.g1_affine(got) == tuple(g1.to_ints(reference))
                        fn, self_timed = (lambda ms=ms: mcl.g1_mul_vec(mcl_points, ms)[0]), True
                    else:
                        fn, self_timed, ok = _py_ecc_case(points, scalars[kind], reference)
                    repeat = 1 if impl == "py_ecc" else args.repeat
                    t = measure(fn, repeat=repeat, warmup=0 if impl == "py_ecc" else 1, self_timed=self_timed)
                    row = {"impl": impl, "op": f"msm-{kind}", "scalars": kind, "n": n, "threads": threads,
                           "median_s": t.median, "min_s": t.min, "max_s": t.max,
                           "ns_per_point": t.per_element(n), "verified": ok, "timing": t.to_dict()}
                    results.append(row)
                    log(f"msm: {kind:<4} {fmt_n(n):>5} {impl:<8} {t.median:9.4f} s"
                        f"{'' if ok else '  (WRONG RESULT)'}")
    finally:
        kernels.set_threads(default_threads)
    memory = []
    if not args.no_memory and 20 in logs:
        points, scalars = inputs(1 << 20, args.seed)
        for kind in KINDS:
            log(f"msm: peak memory of one 2^20 {kind} MSM (subprocess)")
            memory.append({"n": 1 << 20, "scalars": kind, **peak_memory_mb(points, scalars[kind])})
    add_peer_ratios(results, "mcl")
    notes.append("x mcl = median / mcl's median (single-threaded) for the same scalars and n")
    notes.append("mcl receives the 16-bit scalars as Fr elements: it has no small-scalar entry point")
    return {"results": results, "memory": memory, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"log_sizes": logs, "impls": impls, "default_threads": default_threads, "seed": args.seed}}


def _to_mcl_points(points: np.ndarray) -> np.ndarray:
    """mcl's Jacobian (x, y, z) Montgomery layout: the same R = 2^256, so affine limbs carry over, z = 1·R."""
    from attrib.kernels import fp

    out = np.zeros((points.shape[0], 12), dtype=np.uint64)
    out[:, :8] = points
    out[:, 8:] = fp.from_ints([1])
    return out


def _py_ecc_case(points, scalars, reference):
    from py_ecc import optimized_bn128 as bn

    from attrib.kernels import fr, g1

    pts = g1.to_py_ecc(points)
    ks = fr.to_ints(scalars) if scalars.dtype == np.uint64 else [int(k) % fr.MODULUS for k in scalars]

    def naive():
        acc = bn.Z1
        for p, k in zip(pts, ks):
            acc = bn.add(acc, bn.multiply(p, k))
        return acc
    ok = bn.eq(naive(), g1.to_py_ecc(reference))
    return naive, False, ok


def format_table(result: dict) -> str:
    order = {impl: i for i, impl in enumerate(IMPLS)}
    rows = sorted(result["results"], key=lambda r: (KINDS.index(r["scalars"]), r["n"], order[r["impl"]]))
    body = []
    for r in rows:
        impl = r["impl"] + (f" ({r['threads']}t)" if r["impl"] == "ours-all" else "")
        ratio = r.get("ratio_to_mcl")
        body.append([impl, r["scalars"], fmt_n(r["n"]), fmt_num(r["median_s"]), fmt_num(r["min_s"]),
                     fmt_num(r["max_s"]), fmt_num(r["ns_per_point"]["median"]),
                     f"{ratio:.2f}" if ratio is not None else "-", "" if r["verified"] else "WRONG"])
    text = table(["implementation", "scalars", "n", "median s", "min s", "max s", "ns/point", "x mcl", ""],
                 body, align="llrrrrrrl")
    if result.get("memory"):
        text += "\n\n" + table(["peak memory", "scalars", "n", "inputs MB", "peak MB"],
                               [["one MSM", m["scalars"], fmt_n(m["n"]), f"{m['inputs_mb']:.0f}",
                                 f"{m['peak_mb']:.0f}"] for m in result["memory"]], align="llrrr")
    return text
