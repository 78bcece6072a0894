"""Suite ``pairing``: BN254 pairings, mcl against py_ecc (what our pure-Python verifier uses).

We have no native pairing: the verifier (``verifier.hyperkzg.check_batched_kzg``) checks
e(A, [1]_2)·e(B, [τ]_2) = 1 with py_ecc's ``optimized_bn128``: two Miller loops
(``pairing(..., final_exponentiate=False)``), their product, one final exponentiation.  That
is the ``2-pairing check`` row of ``py_ecc``; ``mcl`` does the same check with
``mclBn_millerLoopVec`` (2 pairs) + ``mclBn_finalExp``.  ``pairing`` rows are one full
pairing e(P, Q).  Inputs: P = [[s·t]G1, −[s]G1], Q = [G2, [t]G2], so the check holds; every
implementation must say so (``verified``), and must reject a broken pair.
"""

from __future__ import annotations

from attrib.bench.report import fmt_num, log, table
from attrib.bench.timing import auto_number, measure

DESCRIPTION = "BN254 pairing and 2-pairing check: mcl vs py_ecc (our verifier's pairing)"

S, T = 0x1234567890ABCDEF1234567890ABCDEF, 0xFEDCBA0987654321FEDCBA0987654321
OPS = ("pairing", "2-pairing check")
IMPLS = ("mcl", "py_ecc")


def add_arguments(parser) -> None:
    parser.add_argument("--impl", action="append", choices=IMPLS, metavar="IMPL",
                        help=f"only these implementations (repeatable; {', '.join(IMPLS)})")


def _py_ecc_cases():
    from py_ecc import optimized_bn128 as bn

    from attrib.verifier.polynomial import R

    p1, p2 = bn.multiply(bn.G1, S * T % R), bn.neg(bn.multiply(bn.G1, S))
    q1, q2 = bn.G2, bn.multiply(bn.G2, T)

    def check(a=p1):
        miller = bn.pairing(q1, a, final_exponentiate=False) * bn.pairing(q2, p2, final_exponentiate=False)
        return bn.final_exponentiate(miller) == bn.FQ12.one()

    ok = check() and not check(bn.G1)
    return {"pairing": (lambda: bn.pairing(q1, p1), True), "2-pairing check": (check, ok)}


def _mcl_cases(mcl):
    import numpy as np

    p, q = mcl.pairing_inputs(S, T)
    out = np.zeros(48, dtype=np.uint64)
    broken = p.copy()
    broken[0] = mcl.g1_generator()
    ok = mcl.pairing_check(p, q) and not mcl.pairing_check(broken, q)
    # bilinearity: e([st]G1, G2) == e([s]G1, [t]G2)
    e1 = mcl.pairing(p[0], q[0]).copy()
    e2 = mcl.pairing(mcl.g1_mul(mcl.g1_generator(), mcl.fr_from_ints([S])[0]), q[1]).copy()
    return {"pairing": (lambda: mcl.pairing(p[0], q[0], out), mcl.gt_equal(e1, e2)),
            "2-pairing check": (lambda: mcl.pairing_check(p, q, out), ok)}


def run(args) -> dict:
    impls = [i for i in IMPLS if not args.impl or i in args.impl]
    results, skipped, peers, notes = [], [], {}, []
    cases = {}
    if "mcl" in impls:
        from attrib.bench.peers import mcl as mcl_peer
        m = mcl_peer.load_or_skip(skipped, peers)
        if m is not None:
            cases["mcl"] = _mcl_cases(m)
    if "py_ecc" in impls:
        from importlib import metadata

        cases["py_ecc"] = _py_ecc_cases()
        peers["py_ecc"] = {"version": metadata.version("py_ecc"), "module": "py_ecc.optimized_bn128",
                           "used_by": "verifier.hyperkzg.check_batched_kzg (our verifier)"}
    for op in OPS:
        for impl, ops in cases.items():
            fn, ok = ops[op]
            slow = impl == "py_ecc"
            number = 1 if slow else auto_number(fn, min_sample_s=0.05)
            t = measure(fn, repeat=min(args.repeat, 5) if slow else args.repeat, warmup=1, number=number)
            results.append({"impl": impl, "op": op, "n": 2 if op.startswith("2") else 1, "threads": 1,
                            "median_s": t.median, "min_s": t.min, "max_s": t.max, "verified": bool(ok),
                            "timing": t.to_dict()})
            log(f"pairing: {op:<16} {impl:<7} {t.median * 1e3:10.3f} ms{'' if ok else '  (WRONG RESULT)'}")
    ref = {r["op"]: r["median_s"] for r in results if r["impl"] == "mcl"}
    for r in results:
        r["ratio_to_mcl"] = r["median_s"] / ref[r["op"]] if r["op"] in ref else None
    notes.append("we have no native pairing: our verifier's 2-pairing check IS the py_ecc row "
                 "(two Miller loops, one final exponentiation)")
    notes.append("mcl is called through ctypes, one call per pairing (~1 µs of overhead against ~0.3 ms)")
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes}


def format_table(result: dict) -> str:
    body = [[r["impl"], r["op"], fmt_num(r["median_s"] * 1e3), fmt_num(r["min_s"] * 1e3), fmt_num(r["max_s"] * 1e3),
             f"{r['ratio_to_mcl']:.0f}" if r.get("ratio_to_mcl") else "-", "" if r["verified"] else "WRONG"]
            for r in result["results"]]
    return table(["implementation", "op", "median ms", "min ms", "max ms", "x mcl", ""], body, align="llrrrrl")
