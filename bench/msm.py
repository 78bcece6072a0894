"""Suite ``msm``: multi-scalar multiplication on BN254 G1, per-point nanoseconds.

Implementations:

``ours-1t``   ``kernels.g1.msm`` after ``kernels.set_threads(1)``
``ours-all``  the same with the default thread count
``ours-ifma``, ``ours-portable``, ``ours-int128``
              ``kernels.g1.msm`` in a fresh process on that path, 1 thread: AVX-512 IFMA batches;
              ATTRIB_NO_IFMA=1 (the one-element field code, mulx / adcx / adox where the CPU has
              BMI2 and ADX); ATTRIB_NO_IFMA=1 ATTRIB_NO_ADX=1 (portable C __int128).  The path is
              chosen when the extension loads, so each runs in a child (``bench.kernels.PATHS``,
              :func:`bench.kernels.run_path_child`) that loads the inputs from .npy files, checks
              both results against the reference before timing, and reports its backends; a child
              that did not get its path (no IFMA on this CPU) is skipped with the reason.
``mcl``       mcl's ``mclBnG1_mulVec`` from the mclbn256 package, single-threaded, timed in C
``py_ecc``    a naive Σ k_i·P_i with py_ecc's optimized_bn128, at sizes up to ``--py-ecc-max``

Scalars: ``full`` (uniform 254-bit Fr elements) and ``i16`` (signed 16-bit integers, our
small-scalar path; mcl gets the same values as Fr elements).  Every implementation gets the
same points and scalars, and every result is checked before it is timed (``verified``): against
the reference (``ours-1t`` in this process), which is itself checked against mcl's ``mulVec``
when mcl is there (and py_ecc at small sizes); the path children's points are compared with
the reference and with mcl's.  Peak memory
of one 2^20 MSM per scalar kind is measured in a fresh subprocess that loads the inputs from
.npy files (peak RSS after loading, and after the MSM; see ``bench.timing.peak_rss_mb``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from attrib.bench.kernels import (
    PATHS,
    backend_of,
    child_row,
    fmt_backend,
    launch_path_child,
    path_mismatch,
    this_backend,
)
from attrib.bench.report import add_peer_ratios, fmt_n, fmt_num, log, table
from attrib.bench.timing import measure, ns_per_element

DESCRIPTION = ("G1 MSM ns/point, full and 16-bit scalars: ours (1 thread, all threads; IFMA, portable and __int128 "
               "paths) vs mcl, py_ecc")

IMPLS = ("ours-1t", "ours-all", *PATHS, "mcl", "py_ecc")
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
    here = this_backend()
    results, skipped, notes, peers = [], [], [], {}
    unavailable: set[str] = set()
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
            kernels.set_threads(default_threads)
            references = {kind: g1.msm(points, scalars[kind], check=False) for kind in KINDS}
            mcl_cases = {}
            if mcl is not None:  # mcl's result for each kind, compared with the reference before timing
                for kind in KINDS:
                    limbs = fr.to_limbs(scalars[kind]) if kind == "full" else \
                        fr.to_limbs(fr.from_int64(scalars[kind].astype(np.int64)))
                    ms = mcl.fr_from_canonical_limbs(limbs)
                    _, got = mcl.g1_mul_vec(mcl_points.copy(), ms)
                    mcl_cases[kind] = (ms, mcl.g1_affine(got))
            child_rows = {}
            paths = [i for i in impls if i in PATHS and i not in unavailable]
            if paths:
                child_rows = _path_rows(paths, n, points, scalars, references, mcl_cases, args.repeat,
                                        skipped, unavailable)
            for kind in KINDS:
                reference = references[kind]
                for impl in impls:
                    if impl in PATHS:
                        if (impl, kind) in child_rows:
                            results.append(child_rows[impl, kind])
                        continue
                    if impl == "mcl" and mcl is None:
                        continue
                    if impl == "py_ecc" and log_n > args.py_ecc_max:
                        continue
                    threads = default_threads if impl == "ours-all" else 1
                    if impl.startswith("ours"):
                        kernels.set_threads(threads)
                        fn, self_timed = (lambda p=points, s=scalars[kind]: g1.msm(p, s, check=False)), False
                        ok = bool(np.array_equal(fn(), reference))
                    elif impl == "mcl":
                        ms, got = mcl_cases[kind]
                        ok = got == tuple(g1.to_ints(reference))
                        fn, self_timed = (lambda mp=mcl_points, ms=ms: mcl.g1_mul_vec(mp, ms)[0]), True
                    else:
                        fn, self_timed, ok = _py_ecc_case(points, scalars[kind], reference)
                    repeat = 1 if impl == "py_ecc" else args.repeat
                    t = measure(fn, repeat=repeat, warmup=0 if impl == "py_ecc" else 1, self_timed=self_timed)
                    row = {"impl": impl, "op": f"msm-{kind}", "scalars": kind, "n": n, "threads": threads,
                           "median_s": t.median, "min_s": t.min, "max_s": t.max,
                           "ns_per_point": t.per_element(n), "verified": ok, "timing": t.to_dict()}
                    if impl.startswith("ours"):
                        row["backend"] = dict(here)
                        row["process"] = {"kind": "this"}
                    results.append(row)
                    _log_row(row)
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
    if any(i in PATHS for i in impls):
        notes.append(f"ours-1t / ours-all run in this process on path {here['simd']}/{here['scalar']}; "
                     + "; ".join(f"{i}: {PATHS[i]['what']}" for i in impls if i in PATHS)
                     + " (each in a fresh process, 1 thread; path = simd/scalar backend the process reported)")
    return {"results": results, "memory": memory, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"log_sizes": logs, "impls": impls, "default_threads": default_threads, "seed": args.seed,
                       "backend": here}}


def _path_rows(paths, n, points, scalars, references, mcl_cases, repeat, skipped, unavailable) -> dict:
    """{(impl, kind): row} from one child process per path at size n."""
    from attrib.kernels import g1

    rows = {}
    with tempfile.TemporaryDirectory(prefix="attrib-bench-msm-") as tmp:
        np.save(f"{tmp}/points.npy", points)
        for kind in KINDS:
            np.save(f"{tmp}/{kind}.npy", scalars[kind])
            np.save(f"{tmp}/ref-{kind}.npy", references[kind])
        for impl in paths:
            log(f"msm: {fmt_n(n):>5} {impl}: child process ({PATHS[impl]['what']})")
            report = launch_path_child(impl, "attrib.bench.msm", [tmp, str(repeat)], skipped, unavailable)
            if report is None:
                continue
            reason = path_mismatch(impl, report)
            if reason:
                log(reason)
                skipped.append({"impl": impl, "reason": reason, "backend": backend_of(report)})
                unavailable.add(impl)
                continue
            for kind in KINDS:
                got = report["kinds"][kind]
                point = tuple(int(x) for x in got["got"])
                # the child compared with the reference before timing; compare its point here too,
                # with the reference and with mcl's
                ok = bool(got["verified"]) and point == tuple(g1.to_ints(references[kind]))
                if kind in mcl_cases:
                    ok = ok and point == mcl_cases[kind][1]
                t = got["timing"]
                row = child_row(impl, report, t, n, op=f"msm-{kind}", scalars=kind)
                row["ns_per_point"] = {k: ns_per_element(t[f"{k}_s"], n) for k in ("median", "min", "max")}
                row["verified"] = ok
                rows[impl, kind] = row
                _log_row(row)
    return rows


def path_child(argv: list[str]) -> None:
    """The child of :func:`bench.kernels.run_path_child` for this suite: ``DIR REPEAT``.  DIR holds
    points.npy, full.npy, i16.npy and the reference results ref-full.npy, ref-i16.npy.  Prints
    one JSON object: the backends, and per scalar kind the check, the point and the timing."""
    print(json.dumps(path_child_run(Path(argv[0]), int(argv[1]))), flush=True)


def path_child_run(workdir: Path, repeat: int) -> dict:
    from attrib import kernels
    from attrib.kernels import g1

    kernels.set_threads(1)
    points = np.load(workdir / "points.npy")
    out = {}
    for kind in KINDS:
        s = np.load(workdir / f"{kind}.npy")
        reference = np.load(workdir / f"ref-{kind}.npy")
        got = g1.msm(points, s, check=False)
        ok = bool(np.array_equal(got, reference))  # checked before anything is timed
        t = measure(lambda s=s: g1.msm(points, s, check=False), repeat=repeat, warmup=1)
        out[kind] = {"verified": ok, "got": [str(int(x)) for x in g1.to_ints(got)], "timing": t.to_dict()}
    return {"simd_backend": kernels.simd_backend(), "scalar_backend": kernels.scalar_backend(),
            "max_threads": kernels.max_threads(), "threads": 1, "n": int(points.shape[0]), "kinds": out}


def _log_row(row: dict) -> None:
    log(f"msm: {row['scalars']:<4} {fmt_n(row['n']):>5} {row['impl']:<13} {row['median_s']:9.4f} s"
        f"{'' if row['verified'] else '  (WRONG RESULT)'}")


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
    rows = sorted(result["results"], key=lambda r: (KINDS.index(r["scalars"]), r["n"], order.get(r["impl"], 99)))
    body = []
    for r in rows:
        impl = r["impl"] + (f" ({r['threads']}t)" if r["impl"] == "ours-all" else "")
        ratio = r.get("ratio_to_mcl")
        body.append([impl, fmt_backend(r), r["scalars"], fmt_n(r["n"]), fmt_num(r["median_s"]), fmt_num(r["min_s"]),
                     fmt_num(r["max_s"]), fmt_num(r["ns_per_point"]["median"]),
                     f"{ratio:.2f}" if ratio is not None else "-", "" if r["verified"] else "WRONG"])
    text = table(["implementation", "path", "scalars", "n", "median s", "min s", "max s", "ns/point", "x mcl", ""],
                 body, align="lllrrrrrrl")
    if result.get("memory"):
        text += "\n\n" + table(["peak memory", "scalars", "n", "inputs MB", "peak MB"],
                               [["one MSM", m["scalars"], fmt_n(m["n"]), f"{m['inputs_mb']:.0f}",
                                 f"{m['peak_mb']:.0f}"] for m in result["memory"]], align="llrrr")
    return text
