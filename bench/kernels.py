"""Suite ``kernels``: BN254 Fr multiplication and inner product, ns per element.

Implementations (``--impl`` picks a subset):

``ours-1t``   ``kernels.fr.mul`` / ``kernels.fr.inner`` after ``kernels.set_threads(1)``
``ours-all``  the same with the default thread count (``kernels.max_threads()`` at start)
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
"""

from __future__ import annotations

import time

import numpy as np

from attrib.bench.peers import PeerUnavailable
from attrib.bench.report import add_peer_ratios, fmt_n, fmt_num, log, table
from attrib.bench.timing import auto_number, measure

DESCRIPTION = ("Fr mul and inner product in ns/element: ours (1 thread, all threads) vs mcl, "
               "Python ints, galois")

IMPLS = ("ours-1t", "ours-all", "mcl", "python", "galois")
OPS = ("mul", "inner")
DEFAULT_LOG_SIZES = (16, 20)
MIN_SAMPLE_S = 0.05
CHECK_SAMPLES = 64


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

            for impl in impls:
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
                    results.append(row)
                    log(f"kernels: {op:<5} {fmt_n(n):>5} {impl:<8} {row['ns_per_el']['median']:10.2f} ns/el"
                        f"{'' if ok else '  (WRONG RESULT)'}")
                del cases
    finally:
        kernels.set_threads(default_threads)

    add_peer_ratios(results, "mcl")
    notes.append("x mcl = median / mcl median for the same op and n; mcl is single-threaded, "
                 "so ours-all / mcl mixes thread counts")
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"sizes": sizes, "impls": impls, "default_threads": default_threads,
                       "seed": args.seed, "min_sample_s": MIN_SAMPLE_S}}


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
        body.append([impl, r["op"], fmt_n(r["n"]), fmt_num(ns["median"]), fmt_num(ns["min"]),
                     fmt_num(ns["max"]), f"{ratio:.2f}" if ratio is not None else "-",
                     "" if r.get("verified", True) else "WRONG"])
    headers = ["implementation", "op", "n", "median ns/el", "min", "max", "x mcl", ""]
    return table(headers, body, align="llrrrrrl")
