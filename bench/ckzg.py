"""Suite ``ckzg``: a KZG commitment to 4096 field elements, ours (BN254) against C-KZG-4844 (BLS12-381).

``ckzg``      ``ckzg.blob_to_kzg_commitment(blob, settings)``: an MSM of the blob's 4096
              elements with the Lagrange-form G1 points of Ethereum's mainnet trusted setup
              (bench/peers/ckzg.py says where the setup file comes from), single-threaded.
``ours-1t``   ``prover.hyperkzg.commit(powers, table)`` of 4096 full-width (uniform 254-bit)
              Fr elements with the development SRS, after ``kernels.set_threads(1)``
``ours-all``  the same with every thread

The curves differ: ckzg works on BLS12-381 (381-bit base field, 255-bit scalars), we on
BN254 (254-bit base field and scalars), so ckzg's group operations cost more per point; the
ratio compares the two commitment calls as shipped, not the same arithmetic.  Both are
checked: ckzg's commitment opens (``compute_blob_kzg_proof`` / ``verify_blob_kzg_proof``);
ours equals [f(τ)]·G1 computed independently with Python integers and py_ecc (the dev SRS's
τ is public).
"""

from __future__ import annotations

import numpy as np

from attrib.bench.peers import PeerUnavailable
from attrib.bench.report import fmt_num, log, table
from attrib.bench.timing import auto_number, measure

DESCRIPTION = "KZG commitment to 4096 elements: ours (BN254, HyperKZG commit) vs ckzg (BLS12-381, EIP-4844 blob)"

N = 4096


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=5)


def run(args) -> dict:
    from py_ecc import optimized_bn128 as bn

    from attrib import kernels
    from attrib.kernels import fr, g1
    from attrib.prover.hyperkzg import commit
    from attrib.prover.srs import SRS, dev_tau

    results, skipped, peers, notes = [], [], {}, []
    default_threads = kernels.max_threads()
    rng = np.random.default_rng(args.seed)
    try:
        from attrib.bench.peers import ckzg as ckzg_peer
        ck = ckzg_peer.load()
        peers["ckzg"] = ck.describe()
        values = [int.from_bytes(rng.bytes(32), "big") % ckzg_peer.BLS12_381_R for _ in range(N)]
        blob = ck.blob(values)
        ok = ck.self_check(blob)
        fn = lambda: ck.commit(blob)
        t = measure(fn, repeat=args.repeat, warmup=1, number=auto_number(fn, min_sample_s=0.05))
        results.append({"impl": "ckzg", "op": "commit", "n": N, "threads": 1, "curve": "BLS12-381",
                        "median_s": t.median, "min_s": t.min, "max_s": t.max, "ns_per_el": t.per_element(N),
                        "verified": ok, "timing": t.to_dict()})
        log(f"ckzg: blob_to_kzg_commitment {t.median * 1e3:.2f} ms{'' if ok else ' (proof did NOT verify)'}")
        if not peers["ckzg"]["is_mainnet_setup"]:
            notes.append("ckzg: the trusted setup file is not the mainnet one (SHA-256 differs)")
    except PeerUnavailable as exc:
        log(str(exc))
        skipped.append({"impl": "ckzg", "reason": str(exc)})

    log("ckzg: our side, development SRS with 2^12 powers")
    srs = SRS.dev(12, seed=1)
    powers = srs.powers_for(12)
    table_ = fr.random(N, args.seed)
    tau = dev_tau(1)
    f_tau = 0
    for a in reversed(fr.to_ints(table_)):  # Horner: Σ a_i τ^i mod r
        f_tau = (f_tau * tau + a) % fr.MODULUS
    expected = bn.normalize(bn.multiply(bn.G1, f_tau))
    try:
        for impl, threads in (("ours-1t", 1), ("ours-all", default_threads)):
            kernels.set_threads(threads)
            got = commit(powers, table_)
            ok = bn.normalize(g1.to_py_ecc(got)) == expected
            fn = lambda: commit(powers, table_)
            t = measure(fn, repeat=args.repeat, warmup=1, number=auto_number(fn, min_sample_s=0.05))
            results.append({"impl": impl, "op": "commit", "n": N, "threads": threads, "curve": "BN254",
                            "median_s": t.median, "min_s": t.min, "max_s": t.max, "ns_per_el": t.per_element(N),
                            "verified": bool(ok),
                            "timing": t.to_dict()})
            log(f"ckzg: ours {impl} commit {t.median * 1e3:.2f} ms")
    finally:
        kernels.set_threads(default_threads)
    base = next((r["median_s"] for r in results if r["impl"] == "ckzg"), None)
    for r in results:
        r["ratio_to_ckzg"] = r["median_s"] / base if base else None
    notes.append("ckzg is BLS12-381 (381-bit base field), ours BN254 (254-bit): the same-size commitment, "
                 "not the same arithmetic")
    notes.append(f"our SRS: {srs.source}")
    return {"results": results, "skipped": skipped, "peers": peers, "notes": notes,
            "params": {"n": N, "seed": args.seed, "default_threads": default_threads}}


def format_table(result: dict) -> str:
    body = [[r["impl"] + (f" ({r['threads']}t)" if r["impl"] == "ours-all" else ""), r["curve"],
             fmt_num(r["median_s"] * 1e3), fmt_num(r["min_s"] * 1e3), fmt_num(r["max_s"] * 1e3),
             fmt_num(r["ns_per_el"]["median"]),
             f"{r['ratio_to_ckzg']:.2f}" if r.get("ratio_to_ckzg") else "-", "" if r["verified"] else "WRONG"]
            for r in result["results"]]
    return table(["implementation", "curve", "median ms", "min ms", "max ms", "ns/element", "x ckzg", ""], body,
                 align="llrrrrrl")
