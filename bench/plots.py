"""PNG plots of an ``attrib bench`` record (matplotlib, Agg backend; installed by the ``peers`` extra).

:func:`make_all` draws what the record has data for and returns
``{"written": [{"file", "title"}], "skipped": [reason, ...]}``; without matplotlib every plot
is skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

from attrib.bench.summary import _rows

COLORS = {"ours": "#1f77b4", "ours-1t": "#1f77b4", "ours-all": "#17becf", "mcl": "#d62728", "ezkl": "#ff7f0e",
          "python": "#7f7f7f", "galois": "#9467bd", "py_ecc": "#8c564b", "ckzg": "#2ca02c"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(plt, fig, ax, path: Path, title: str, written: list) -> None:
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append({"file": path.name, "title": title})


def _series(ax, xs, ys, label, color=None, style="o-"):
    pts = sorted((x, y) for x, y in zip(xs, ys) if y is not None)
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label, color=color)
    return bool(pts)


def _by_n(rows, key):
    return [r["n"] for r in rows], [r.get(key) for r in rows]


def prove_and_verify(record, out: Path, plt, written, skipped) -> None:
    ez = _rows(record, "ezkl")
    att = _rows(record, "attribution")
    for key, fname, what in (("prove_s", "prove_vs_n.png", "Prove time"), ("verify_s", "verify_vs_n.png",
                                                                           "Verify time")):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        drawn = False
        ours = [r for r in ez if r["impl"] == "ours"]
        drawn |= _series(ax, *_by_n(ours, key), "ours, k = 16, T = 1" + (" (Python verifier)" if key == "verify_s"
                                                                          else ""), COLORS["ours"])
        ezkl = [r for r in ez if r["impl"] == "ezkl"]
        drawn |= _series(ax, *_by_n(ezkl, key), "EZKL, k = 16", COLORS["ezkl"])
        for t, style in ((1, "s--"), (1024, "^:")):
            rows = [r for r in att if r["T"] == t and r["k"] == 32]
            drawn |= _series(ax, *_by_n(rows, key), f"ours, k = 32, T = {t}", "#2c7fb8", style)
        if not drawn:
            plt.close(fig)
            skipped.append(f"{fname}: no ezkl or attribution results")
            continue
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("N (dataset rows)")
        ax.set_ylabel("seconds")
        _finish(plt, fig, ax, out / fname, f"{what} against N (log-log)", written)


def proof_size(record, out: Path, plt, written, skipped) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = False
    ez = _rows(record, "ezkl")
    drawn |= _series(ax, *_by_n([r for r in ez if r["impl"] == "ours"], "proof_bytes"), "ours, k = 16, T = 1",
                     COLORS["ours"])
    drawn |= _series(ax, *_by_n([r for r in ez if r["impl"] == "ezkl"], "proof_bytes"), "EZKL, k = 16",
                     COLORS["ezkl"])
    att = [r for r in _rows(record, "attribution") if r["T"] == 1 and r["k"] == 32]
    drawn |= _series(ax, *_by_n(att, "proof_bytes"), "ours, k = 32, T = 1", "#2c7fb8", "s--")
    pcs = _rows(record, "pcs")
    drawn |= _series(ax, [1 << r["n"] for r in pcs], [r["proof_bytes"] for r in pcs], "HyperKZG opening (2 polys)",
                     "#41ab5d", "d:")
    if not drawn:
        plt.close(fig)
        skipped.append("proof_size.png: no ezkl, attribution or pcs results")
        return
    ax.set_xscale("log", base=2)
    ax.set_xlabel("N (rows / table size)")
    ax.set_ylabel("bytes")
    ax.set_ylim(bottom=0)
    _finish(plt, fig, ax, out / "proof_size.png", "Proof size against N", written)


def epoch(record, out: Path, plt, written, skipped) -> None:
    """The succinct epoch by C·T: seconds (prove; Python verify against recomputing from G and Q) and bytes."""
    rows = _rows(record, "epoch")
    if not rows:
        skipped.append("epoch.png: no epoch results")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    cells = [r["cells"] for r in rows]
    _series(left, cells, [r["prove_s"] for r in rows], "prove", COLORS["ours"])
    _series(left, cells, [r["verify_s"] for r in rows], "verify (pure Python)", "#17becf", "s-")
    _series(left, cells, [r["recompute_s"] for r in rows], "recompute payouts from G, Q (numpy)", "#7f7f7f", "^--")
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.set_xlabel("cells C·T (k = 32)")
    left.set_ylabel("seconds")
    left.set_title("time", fontsize=10)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    _series(right, cells, [r["claim_bytes"] + r["proof_bytes"] for r in rows], "claim + proof", COLORS["ours"])
    _series(right, cells, [r["recompute_bytes"] for r in rows], "G + Q + fees", "#7f7f7f", "^--")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("cells C·T (k = 32)")
    right.set_ylabel("bytes a verifier holds")
    _finish(plt, fig, right, out / "epoch.png", "the succinct epoch against recomputing it", written)


def evm(record, out: Path, plt, written, skipped) -> None:
    """Gas on the EVM: settlement by C·T (flat), withdrawal and registration by C."""
    rows = _rows(record, "evm")
    if not rows:
        skipped.append("evm.png: no evm results")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    diagonal = sorted((r for r in rows if r["C"] == r["T"]), key=lambda r: r["C"])
    others = [r for r in rows if r["C"] != r["T"]]
    cells = [r["C"] * r["T"] for r in diagonal]
    _series(left, cells, [r["settle"]["total"] for r in diagonal], "settle, C = T (an epoch after the first)",
            COLORS["ours"])
    _series(left, cells, [r["settle_first"]["total"] for r in diagonal], "settle, C = T (the first epoch)", "#17becf",
            "s-")
    for r in others:
        left.annotate(f"C=2^{r['C'].bit_length() - 1}, T=2^{r['T'].bit_length() - 1}", (r["C"] * r["T"], r["settle"]["total"]),
                      fontsize=7, xytext=(4, -10), textcoords="offset points")
    left.plot([r["C"] * r["T"] for r in others], [r["settle"]["total"] for r in others], "D", color=COLORS["ours"],
              ms=5, label="settle, C ≠ T")
    left.set_xscale("log", base=2)
    left.set_xlabel("cells C·T (k = 32)")
    left.set_ylabel("gas (transaction total)")
    left.set_title("settlement", fontsize=10)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    by_c = {r["C"]: r for r in sorted(rows, key=lambda r: r["C"])}           # one row per C (the last measured)
    single = [r for r in by_c.values() if r.get("register")]
    _series(right, [r["C"] for r in single], [r["register"]["total"] for r in single], "register (with its proof)",
            "#7f7f7f", "^--")
    big = [r for r in by_c.values() if not r.get("register") and r.get("register_pyrevm")]
    if big:
        _series(right, [single[-1]["C"], *(r["C"] for r in big)],
                [single[-1]["register"]["total"], *(r["register_pyrevm"]["total"] for r in big)],
                "register in one transaction (pyrevm: too large a request for the node)", "#7f7f7f", "^:")
    contributors = list(by_c)
    _series(right, contributors, [r["withdraw"]["total"] for r in by_c.values()], "withdraw (relayed, to a new address)",
            COLORS["ours"])
    own = [r for r in by_c.values() if r.get("withdraw_own")]
    _series(right, [r["C"] for r in own], [r["withdraw_own"]["total"] for r in own], "withdraw (by the payee)",
            "#17becf", "s-")
    right.axhline(30_000_000, color="#d62728", lw=0.8, ls=":", label="30 M gas")
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xlabel("contributors C")
    right.set_ylabel("gas (transaction total)")
    _finish(plt, fig, right, out / "evm.png", "gas on the EVM", written)


def msm(record, out: Path, plt, written, skipped) -> None:
    rows = _rows(record, "msm")
    if not rows:
        skipped.append("msm.png: no msm results")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for impl in ("ours-1t", "ours-all", "mcl"):
        for kind, style in (("full", "o-"), ("i16", "s--")):
            sel = [r for r in rows if r["impl"] == impl and r["scalars"] == kind]
            if sel:
                threads = sel[0]["threads"]
                _series(ax, [r["n"] for r in sel], [r["ns_per_point"]["median"] for r in sel],
                        f"{impl} ({threads}t), {kind} scalars", COLORS[impl], style)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("points n")
    ax.set_ylabel("ns per point (median)")
    _finish(plt, fig, ax, out / "msm.png", "G1 MSM: ns per point, ours vs mcl", written)


def field(record, out: Path, plt, written, skipped) -> None:
    rows = _rows(record, "kernels")
    if not rows:
        skipped.append("field.png: no kernels results")
        return
    cells = sorted({(r["op"], r["n"]) for r in rows}, key=lambda c: (c[0] != "mul", c[1]))
    impls = [i for i in ("ours-1t", "ours-all", "mcl", "galois", "python") if any(r["impl"] == i for r in rows)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    width = 0.8 / max(1, len(impls))
    for j, impl in enumerate(impls):
        ys = []
        for op, n in cells:
            r = next((r for r in rows if r["impl"] == impl and r["op"] == op and r["n"] == n), None)
            ys.append(r["ns_per_el"]["median"] if r else 0)
        threads = next(r["threads"] for r in rows if r["impl"] == impl)
        ax.bar([i + j * width for i in range(len(cells))], ys, width, label=f"{impl} ({threads}t)",
               color=COLORS.get(impl))
    ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(cells))])
    ax.set_xticklabels([f"{op} 2^{n.bit_length() - 1}" for op, n in cells])
    ax.set_yscale("log")
    ax.set_ylabel("ns per element (median, log scale)")
    _finish(plt, fig, ax, out / "field.png", "BN254 Fr: ns per element, ours vs mcl", written)


PLOTS = (prove_and_verify, proof_size, epoch, evm, msm, field)


def make_all(record: dict, out: Path) -> dict:
    written: list[dict] = []
    skipped: list[str] = []
    try:
        plt = _plt()
    except ImportError:
        return {"written": [], "skipped": ["matplotlib is not installed (pip install -e '.[peers]'): no plots"]}
    for fn in PLOTS:
        try:
            fn(record, out, plt, written, skipped)
        except Exception as exc:  # noqa: BLE001 - a plot must not lose the report
            skipped.append(f"{fn.__name__}: {type(exc).__name__}: {exc}")
            plt.close("all")
    return {"written": written, "skipped": skipped}
