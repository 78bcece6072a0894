"""Suite ``kernels``: BN254 Fr multiplication and inner product, ns per element.

Implementations (``--impl`` picks a subset):

``ours-1t``   ``kernels.fr.mul`` / ``kernels.fr.inner`` after ``kernels.set_threads(1)``
``ours-all``  the same with the default thread count (``kernels.max_threads()`` at start)
``ours-ifma``      ``kernels.fr`` in a fresh process on the AVX-512 IFMA path, 1 thread (skipped,
                   with the reason, on a CPU without IFMA)
``ours-portable``  the same in a fresh process with ATTRIB_NO_IFMA=1: the one-element loop, on
                   mulx / adcx / adox where the CPU has BMI2 and ADX
``ours-int128``    the same with ATTRIB_NO_IFMA=1 ATTRIB_NO_ADX=1: the portable C __int128 loop
``mcl``       mcl's ``mclBnFr_mul`` (+ ``mclBnFr_add`` for the inner product) called from a
              C loop, single-threaded (bench/peers/mcl.py)
``python``    Python ints: ``[(x * y) % r for x, y in zip(xs, ys)]`` and
              ``sum(x * y for x, y in zip(xs, ys)) % r``
``galois``    ``galois.GF(r)`` arrays: ``a * b`` and ``np.dot(a, b)``

Every implementation gets the same inputs (``kernels.fr.random`` with fixed seeds, converted),
and its output is checked against Python integers before it is timed (``verified`` in JSON).
Each figure is the median (and min / max) over ``--repeat`` samples after one warm-up;
fast calls are looped so one sample lasts >= 50 ms.  ``x mcl`` is median / mcl's median for
the same op and size (> 1 means slower than mcl).

Our multiply path is chosen when the extension loads (environment variables ATTRIB_NO_IFMA and
ATTRIB_NO_ADX), so one process cannot time two paths: ``ours-1t`` / ``ours-all`` run in this
process on whatever path it loaded, and each ``ours-<path>`` runs in a child process
(:func:`run_path_child`) started with that path's environment.  The child loads the same inputs
from .npy files, checks its results against the Python-integer values before timing, times with
:func:`bench.timing.measure` and reports its ``kernels.simd_backend()`` / ``scalar_backend()``;
a child that did not get the path it was named for is not counted (``skipped``).  The parent
checks the child's results again.  Every row of ours names its path (``backend`` in JSON, the
``path`` column of the table).  ``bench/msm.py`` uses the same children for the MSM.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from attrib.bench.peers import PeerUnavailable
from attrib.bench.report import add_peer_ratios, fmt_n, fmt_num, log, table
from attrib.bench.timing import auto_number, measure, ns_per_element

DESCRIPTION = ("Fr mul and inner product in ns/element: ours (1 thread, all threads) vs mcl, "
               "Python ints, galois")

# Our multiply paths, each timed in its own child process: the environment it starts with, and the
# backends (kernels.simd_backend(), kernels.scalar_backend()) it must report; None = either.
PATH_ENV_VARS = ("ATTRIB_NO_IFMA", "ATTRIB_NO_ADX")
PATHS: dict[str, dict] = {
    "ours-ifma": {"env": {}, "simd": "avx512ifma", "scalar": None,
                  "what": "AVX-512 IFMA, 8 elements per step (no ATTRIB_NO_IFMA / ATTRIB_NO_ADX)"},
    "ours-portable": {"env": {"ATTRIB_NO_IFMA": "1"}, "simd": "portable", "scalar": None,
                      "what": "ATTRIB_NO_IFMA=1: one element at a time, mulx/adcx/adox where the CPU has BMI2 + ADX"},
    "ours-int128": {"env": {"ATTRIB_NO_IFMA": "1", "ATTRIB_NO_ADX": "1"}, "simd": "portable", "scalar": "int128",
                    "what": "ATTRIB_NO_IFMA=1 ATTRIB_NO_ADX=1: the portable C __int128 loop"},
}
IMPLS = ("ours-1t", "ours-all", *PATHS, "mcl", "python", "galois")
OPS = ("mul", "inner")
DEFAULT_LOG_SIZES = (16, 20)
MIN_SAMPLE_S = 0.05
CHECK_SAMPLES = 64
CHILD_TIMEOUT_S = 3600


# ---- our paths in child processes (used by bench/msm.py too) ------------------------------

def path_env(impl: str) -> dict[str, str]:
    """This process's environment with ``impl``'s path switches in place of any inherited ones."""
    env = {k: v for k, v in os.environ.items() if k not in PATH_ENV_VARS}
    env.update(PATHS[impl]["env"])
    return env


def backend_of(report: dict) -> dict:
    return {"simd": report["simd_backend"], "scalar": report["scalar_backend"]}


def this_backend() -> dict:
    from attrib import kernels

    return {"simd": kernels.simd_backend(), "scalar": kernels.scalar_backend()}


def run_path_child(impl: str, module: str, argv: list[str], timeout: float | None = CHILD_TIMEOUT_S) -> dict:
    """Run ``module.path_child(argv)`` in a fresh interpreter with ``impl``'s environment and
    return the JSON object it prints last on stdout (it must carry ``simd_backend`` and
    ``scalar_backend``).  Raises RuntimeError with the child's stderr when it fails."""
    code = f"import sys\nfrom {module} import path_child\npath_child(sys.argv[1:])\n"
    done = subprocess.run([sys.executable, "-P", "-c", code, *argv], env=path_env(impl),
                          capture_output=True, text=True, timeout=timeout, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip()[-2000:]
        raise RuntimeError(f"{impl}: child process failed (exit {done.returncode}): {tail}")
    report = json.loads(lines[-1])
    report["env"] = PATHS[impl]["env"]
    return report


def launch_path_child(impl, module, args, skipped, unavailable) -> dict | None:
    """:func:`run_path_child`, or None when the child could not run (then ``impl`` is recorded as
    skipped, with the reason, and marked unavailable)."""
    try:
        return run_path_child(impl, module, args)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        reason = f"{impl}: skipped, {exc}"
        log(reason)
        skipped.append({"impl": impl, "reason": reason})
        unavailable.add(impl)
        return None


def path_mismatch(impl: str, report: dict) -> str | None:
    """Why a child's backends are not the path ``impl`` names, or None when they are."""
    want = PATHS[impl]
    simd, scalar = report["simd_backend"], report["scalar_backend"]
    if simd != want["simd"]:
        if impl == "ours-ifma":
            return (f"{impl}: skipped, this CPU (or OS) does not run AVX-512 IFMA: the child process "
                    f"reported simd backend {simd!r}")
        return f"{impl}: skipped, the child process reported simd backend {simd!r}, not {want['simd']!r}"
    if want["scalar"] is not None and scalar != want["scalar"]:
        return f"{impl}: skipped, the child process reported scalar backend {scalar!r}, not {want['scalar']!r}"
    return None


def child_row(impl: str, report: dict, timing: dict, n: int, **fields) -> dict:
    """A result row for a figure a path child measured (``timing``: ``Timing.to_dict()``)."""
    row = {"impl": impl, **fields, "n": n, "threads": 1,
           "median_s": timing["median_s"], "min_s": timing["min_s"], "max_s": timing["max_s"]}
    row["backend"] = backend_of(report)
    row["process"] = {"kind": "child", "env": report["env"], "max_threads": report.get("max_threads")}
    row["timing"] = timing
    return row


def fmt_backend(row: dict) -> str:
    b = row.get("backend")
    return f"{b['simd']}/{b['scalar']}" if b else "-"


def path_child(argv: list[str]) -> None:
    """The child of :func:`run_path_child` for this suite: ``DIR REPEAT``.  DIR holds a.npy, b.npy,
    idx.npy and want.json (the Python-integer products at idx and the inner product).  Prints one
    JSON object: the backends, and per op the check and the timing."""
    workdir, repeat = Path(argv[0]), int(argv[1])
    print(json.dumps(path_child_run(workdir, repeat)), flush=True)


def path_child_run(workdir: Path, repeat: int) -> dict:
    from attrib import kernels
    from attrib.kernels import fr

    kernels.set_threads(1)
    a, b = np.load(workdir / "a.npy"), np.load(workdir / "b.npy")
    idx = np.load(workdir / "idx.npy")
    want = json.loads((workdir / "want.json").read_text())
    want_mul, want_inner = [int(x) for x in want["mul"]], int(want["inner"])
    n = a.shape[0]
    cases = _cases("ours-1t", n, a, b, None, None, fr.MODULUS, None, None, fr)
    ops = {}
    for op in OPS:
        fn, _, result = cases[op]
        got = result()
        ok = _verify(op, got, idx, want_mul, want_inner)  # checked before anything is timed
        number = auto_number(fn, min_sample_s=MIN_SAMPLE_S)
        t = measure(fn, repeat=repeat, warmup=1, number=number)
        ops[op] = {"verified": ok, "timing": t.to_dict(),
                   "got": str(int(got)) if op == "inner" else [str(int(got[i])) for i in idx]}
    return {"simd_backend": kernels.simd_backend(), "scalar_backend": kernels.scalar_backend(),
            "max_threads": kernels.max_threads(), "threads": 1, "n": int(n), "ops": ops}


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_LOG_SIZES)), metavar="K[,K...]",
                        help="log2 of the element counts (default 16,20)")
    parser.add_argument("--impl", action="append", choices=IMPLS, metavar="IMPL",
                        help=f"only these implementations (repeatable; {', '.join(IMPLS)})")
    parser.add_argument("--seed", type=int, default=1, help="input seed (default 1)")


def _galois_field(r: int):
    try:
        import galois
    except ImportError:
        raise PeerUnavailable("galois: skipped, Python package 'galois' is not installed "
                              "(pip install -e '.[peers]')") from None
    t0 = time.perf_counter()
    # 5 generates Fr^* for BN254; passing it (and verify=False) skips factoring r - 1,
    # which otherwise takes over a minute.  Neither matters for mul / dot.
    gf = galois.GF(r, primitive_element=5, verify=False)
    return gf, time.perf_counter() - t0, galois.__version__


def run(args) -> dict:
    from attrib import kernels
    from attrib.kernels import fr

    r = fr.MODULUS
    sizes = [1 << int(k) for k in str(args.sizes).split(",") if k.strip()]
    impls = [i for i in IMPLS if not args.impl or i in args.impl]
    default_threads = kernels.max_threads()
    results: list[dict] = []
    skipped: list[dict] = []
    notes: list[str] = []
    peers: dict = {}
    here = this_backend()
    unavailable: set[str] = set()  # paths whose child did not get the named backend

    mcl = gf = None
    if "mcl" in impls:
        from attrib.bench.peers import mcl as mcl_peer
        mcl = mcl_peer.load_or_skip(skipped, peers)
    if "galois" in impls:
        try:
            gf, gf_s, gf_version = _galois_field(r)
            peers["galois"] = {"version": gf_version, "field_construction_s": round(gf_s, 4),
                               "field": "galois.GF(r, primitive_element=5, verify=False)"}
        except PeerUnavailable as exc:
            log(str(exc))
            skipped.append({"impl": "galois", "reason": str(exc)})
    if default_threads == 1 and "ours-all" in impls:
        notes.append("kernels.max_threads() is 1 (no OpenMP or one core): ours-all equals ours-1t")

    try:
        for n in sizes:
            log(f"kernels: preparing inputs n = {fmt_n(n)}")
            a = fr.random(n, seed=args.seed)
            b = fr.random(n, seed=args.seed + 1)
            xs, ys = fr.to_ints(a), fr.to_ints(b)
            rng = np.random.default_rng(args.seed + 2)
            idx = np.unique(np.concatenate([[0, n - 1], rng.integers(0, n, CHECK_SAMPLES)]))
            want_mul = [xs[i] * ys[i] % r for i in idx]
            want_inner = sum(x * y for x, y in zip(xs, ys)) % r

            with tempfile.TemporaryDirectory(prefix="attrib-bench-kernels-") as tmp:
                if any(i in PATHS for i in impls):
                    np.save(f"{tmp}/a.npy", a)
                    np.save(f"{tmp}/b.npy", b)
                    np.save(f"{tmp}/idx.npy", idx)
                    Path(tmp, "want.json").write_text(json.dumps({"mul": [str(x) for x in want_mul],
                                                                  "inner": str(want_inner)}))
                for impl in impls:
                    if impl in PATHS:
                        if impl not in unavailable:
                            results.extend(_path_rows(impl, tmp, n, args.repeat, idx, want_mul, want_inner,
                                                      skipped, unavailable, notes))
                        continue
                    if (impl == "mcl" and mcl is None) or (impl == "galois" and gf is None):
                        continue
                    threads = 1
                    if impl == "ours-1t":
                        kernels.set_threads(1)
                    elif impl == "ours-all":
                        kernels.set_threads(default_threads)
                        threads = default_threads
                    cases = _cases(impl, n, a, b, xs, ys, r, mcl, gf, fr)
                    for op in OPS:
                        fn, self_timed, got = cases[op]
                        ok = _verify(op, got(), idx, want_mul, want_inner)
                        if not ok:
                            notes.append(f"{impl} {op} n={fmt_n(n)}: result does NOT match Python ints")
                        number = 1 if self_timed else auto_number(fn, min_sample_s=MIN_SAMPLE_S)
                        if self_timed:  # the C loop's own figure; loop it the same way
                            probe = float(fn())
                            number = max(1, min(1000, int(MIN_SAMPLE_S / probe) + 1)) if probe > 0 else 1000
                        t = measure(fn, repeat=args.repeat, warmup=1, number=number, self_timed=self_timed)
                        row = {
                            "impl": impl, "op": op, "n": n, "threads": threads,
                            "median_s": t.median, "min_s": t.min, "max_s": t.max,
                            "ns_per_el": t.per_element(n), "verified": ok, "timing": t.to_dict(),
                        }
                        if impl.startswith("ours"):
                            row["backend"] = dict(here)
                            row["process"] = {"kind": "this"}
                        results.append(row)
                        _log_row(row)
                    del cases
    finally:
        kernels.set_threads(default_threads)

    add_peer_ratios(results, "mcl")
    notes.append("x mcl = median / mcl median for the same op and n; mcl is single-threaded, "
                 "so ours-all / mcl mixes thread counts")
    if any(i in PATHS for i in impls):
        notes.append(f"ours-1t / ours-all run in this process on path {here['simd']}/{here['scalar']}; "
                     + "; ".join(f"{i}: {PATHS[i]['what']}" for i in impls if i in PATHS)
                     + " (each in a fresh process, 1 thread; path = simd/scalar backend the process reported)")
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"sizes": sizes, "impls": impls, "default_threads": default_threads,
                       "seed": args.seed, "min_sample_s": MIN_SAMPLE_S, "backend": here}}


def _path_rows(impl, tmp, n, repeat, idx, want_mul, want_inner, skipped, unavailable, notes) -> list[dict]:
    """The rows of one path child at size n (none when the child did not run the named path)."""
    log(f"kernels: {fmt_n(n):>5} {impl}: child process ({PATHS[impl]['what']})")
    report = launch_path_child(impl, "attrib.bench.kernels", [tmp, str(repeat)], skipped, unavailable)
    if report is None:
        return []
    reason = path_mismatch(impl, report)
    if reason:
        log(reason)
        skipped.append({"impl": impl, "reason": reason, "backend": backend_of(report)})
        unavailable.add(impl)
        return []
    rows = []
    for op in OPS:
        got = report["ops"][op]
        # the child checked before timing; check its values here too
        value = int(got["got"]) if op == "inner" else {int(i): int(x) for i, x in zip(idx, got["got"])}
        ok = bool(got["verified"]) and _verify(op, value, idx, want_mul, want_inner)
        if not ok:
            notes.append(f"{impl} {op} n={fmt_n(n)}: result does NOT match Python ints")
        t = got["timing"]
        row = child_row(impl, report, t, n, op=op)
        row["ns_per_el"] = {k: ns_per_element(t[f"{k}_s"], n) for k in ("median", "min", "max")}
        row["verified"] = ok
        rows.append(row)
        _log_row(row)
    return rows


def _log_row(row: dict) -> None:
    log(f"kernels: {row['op']:<5} {fmt_n(row['n']):>5} {row['impl']:<13} {row['ns_per_el']['median']:10.2f} ns/el"
        f"{'' if row['verified'] else '  (WRONG RESULT)'}")


def _cases(impl, n, a, b, xs, ys, r, mcl, gf, fr):
    """{op: (timed fn, self_timed, fn giving the result to verify)}."""
    if impl in ("ours-1t", "ours-all"):
        out = fr.zeros(n)
        return {
            "mul": (lambda: fr.mul(a, b, out=out), False, lambda: fr.to_ints(fr.mul(a, b, out=out))),
            "inner": (lambda: fr.inner(a, b), False, lambda: fr.to_ints(fr.inner(a, b))),
        }
    if impl == "mcl":
        ma = mcl.fr_from_canonical_limbs(fr.to_limbs(a))
        mb = mcl.fr_from_canonical_limbs(fr.to_limbs(b))
        out = mcl.fr_empty(n)

        def mul_result():
            mcl.fr_mul(out, ma, mb)
            return mcl.fr_to_ints(out)
        return {
            "mul": (lambda: mcl.fr_mul(out, ma, mb), True, mul_result),
            "inner": (lambda: mcl.fr_inner(ma, mb)[0], True,
                      lambda: mcl.fr_to_ints(mcl.fr_inner(ma, mb)[1])[0]),
        }
    if impl == "python":
        def mul():
            return [(x * y) % r for x, y in zip(xs, ys)]

        def inner():
            return sum(x * y for x, y in zip(xs, ys)) % r
        return {"mul": (mul, False, mul), "inner": (inner, False, inner)}
    if impl == "galois":
        ga, gb = gf(xs), gf(ys)
        return {
            "mul": (lambda: ga * gb, False, lambda: ga * gb),
            "inner": (lambda: np.dot(ga, gb), False, lambda: int(np.dot(ga, gb))),
        }
    raise ValueError(impl)


def _verify(op, got, idx, want_mul, want_inner) -> bool:
    if op == "inner":
        return int(got) == want_inner
    return [int(got[i]) for i in idx] == want_mul


def format_table(result: dict) -> str:
    order = {impl: i for i, impl in enumerate(IMPLS)}
    rows = sorted(result["results"], key=lambda r: (OPS.index(r["op"]), r["n"], order.get(r["impl"], 99)))
    body = []
    for r in rows:
        impl = r["impl"] + (f" ({r['threads']}t)" if r["impl"] == "ours-all" else "")
        ns = r["ns_per_el"]
        ratio = r.get("ratio_to_mcl")
        body.append([impl, fmt_backend(r), r["op"], fmt_n(r["n"]), fmt_num(ns["median"]), fmt_num(ns["min"]),
                     fmt_num(ns["max"]), f"{ratio:.2f}" if ratio is not None else "-",
                     "" if r.get("verified", True) else "WRONG"])
    headers = ["implementation", "path", "op", "n", "median ns/el", "min", "max", "x mcl", ""]
    return table(headers, body, align="lllrrrrrl")
