"""The headline figures of an ``attrib bench`` record and its ``report.md``.

:func:`headline` pulls, from the suites' rows, every figure that has a peer to be compared
with: ``{"group", "figure", "unit", "ours", "peer", "peer_value", "ratio", ...}`` with
``ratio = ours / peer`` (< 1: ours is faster or smaller).  Missing suites or peers simply
give fewer rows.
"""

from __future__ import annotations

import math

from attrib import bench
from attrib.bench.report import fmt_n, fmt_num

REGRESSION = 0.10  # --compare flags a headline figure more than 10 % worse


def _suite(record: dict, name: str) -> dict:
    s = record.get("suites", {}).get(name) or {}
    return {} if "error" in s else s


def _rows(record: dict, name: str) -> list[dict]:
    return _suite(record, name).get("results", [])


def _row(rows, **match):
    return next((r for r in rows if all(r.get(k) == v for k, v in match.items())), None)


def _ratio(a, b):
    return a / b if a is not None and b else None


def headline(record: dict) -> list[dict]:
    out: list[dict] = []

    def add(group, figure, unit, ours_impl, ours, peer, peer_value, **extra):
        out.append({"group": group, "figure": figure, "unit": unit, "ours_impl": ours_impl, "ours": ours,
                    "peer": peer, "peer_value": peer_value, "ratio": _ratio(ours, peer_value), **extra})

    # field: ns / element, ours vs mcl and Python ints
    rows = _rows(record, "kernels")
    for op in ("mul", "inner"):
        for n in sorted({r["n"] for r in rows}):
            for peer in ("mcl", "python"):
                p = _row(rows, impl=peer, op=op, n=n)
                if not p:
                    continue
                for impl in ("ours-1t", "ours-all"):
                    o = _row(rows, impl=impl, op=op, n=n)
                    if o:
                        add("field", f"Fr {op} {fmt_n(n)}", "ns/element", f"{impl} ({o['threads']}t)",
                            o["ns_per_el"]["median"], peer, p["ns_per_el"]["median"], key=f"fr-{op}-{n}-{impl}-{peer}")
    # MSM: ns / point, ours vs mcl (and py_ecc where it ran)
    rows = _rows(record, "msm")
    for kind in ("full", "i16"):
        for n in sorted({r["n"] for r in rows}):
            for peer in ("mcl", "py_ecc"):
                p = _row(rows, impl=peer, scalars=kind, n=n)
                if not p:
                    continue
                for impl in ("ours-1t", "ours-all"):
                    o = _row(rows, impl=impl, scalars=kind, n=n)
                    if o:
                        add("msm", f"G1 MSM {fmt_n(n)} ({kind} scalars)", "ns/point", f"{impl} ({o['threads']}t)",
                            o["ns_per_point"]["median"], peer, p["ns_per_point"]["median"],
                            key=f"msm-{kind}-{n}-{impl}-{peer}")
    # pairing: our verifier's (py_ecc) vs mcl
    rows = _rows(record, "pairing")
    for op in ("2-pairing check", "pairing"):
        o, p = _row(rows, impl="py_ecc", op=op), _row(rows, impl="mcl", op=op)
        if o and p:
            add("pairing", f"BN254 {op}", "ms", "py_ecc (our verifier)", o["median_s"] * 1e3, "mcl",
                p["median_s"] * 1e3, key=f"pairing-{op}")
    # EZKL: the same statement
    rows = _rows(record, "ezkl")
    for n in sorted({r["n"] for r in rows}):
        o, p = _row(rows, impl="ours", n=n), _row(rows, impl="ezkl", n=n)
        if not (o and p):
            continue
        for field, label, unit, scale in (("setup_s", "setup (ours: register)", "s", 1), ("prove_s", "prove", "s", 1),
                                          ("verify_s", "verify", "s", 1), ("proof_bytes", "proof size", "bytes", 1),
                                          ("peak_mb", "peak memory", "MB", 1)):
            add("ezkl", f"N = {n:,}, k = 16: {label}", unit, "ours", o[field] * scale, "EZKL", p[field] * scale,
                key=f"ezkl-{n}-{field}", n=n)
    # ckzg: commitment to 4096 elements
    rows = _rows(record, "ckzg")
    p = _row(rows, impl="ckzg")
    if p:
        for impl in ("ours-1t", "ours-all"):
            o = _row(rows, impl=impl)
            if o:
                add("ckzg", "KZG commit, 4096 elements", "ms", f"{impl} ({o['threads']}t, BN254)", o["median_s"] * 1e3,
                    "ckzg (1t, BLS12-381)", p["median_s"] * 1e3, key=f"ckzg-commit-{impl}")
    return out


def busy_reasons(record: dict, load_threshold: float, others_threshold: float = 0.25,
                 steal_threshold: float = 0.10) -> list[str]:
    """Why the report calls the machine busy: the load average before anything of this run ran, and,
    per suite, the CPU share other processes used or the hypervisor stole while it ran.  (The load
    average before a later suite also counts this run's own previous suite, so it is not used.)"""
    reasons = []
    start = (record.get("load") or {}).get("at_start")
    if start and start[0] > load_threshold:
        reasons.append(f"1-minute load average {start[0]:.2f} before the run (above {load_threshold:g})")
    for name in record.get("order", []):
        cpu = record["suites"][name].get("harness", {}).get("cpu") or {}
        others, steal = cpu.get("others_share"), cpu.get("steal_share")
        if others is not None and others > others_threshold:
            reasons.append(f"{name}: other processes used {others:.0%} of the CPU capacity")
        if steal is not None and steal > steal_threshold:
            reasons.append(f"{name}: the hypervisor took {steal:.0%} (steal)")
    return reasons


def compare(old: dict, new: dict) -> list[dict]:
    """Headline figures of ``new`` against ``old`` (same key): change = new / old."""
    before = {h["key"]: h for h in old.get("headline") or headline(old)}
    rows = []
    for h in new.get("headline") or headline(new):
        o = before.get(h["key"])
        if o and o.get("ours") and h.get("ours") is not None:
            change = h["ours"] / o["ours"]
            rows.append({"key": h["key"], "group": h["group"], "figure": h["figure"], "ours_impl": h["ours_impl"],
                         "unit": h["unit"], "old": o["ours"], "new": h["ours"], "change": change,
                         "regression": change > 1 + REGRESSION})
    return rows


# ---- markdown -------------------------------------------------------------------------------

def _md_table(headers, rows) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _num(x, unit=None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if unit == "bytes":
        return f"{x:,.0f}"
    return fmt_num(float(x))


def _ratio_cell(r) -> str:
    if r is None:
        return "-"
    if r >= 1:
        return f"{r:.3g}×"
    return f"{r:.3g}× (1/{1 / r:.3g})"


def _duration(s) -> str:
    if s is None:
        return "?"
    s = float(s)
    return f"{s / 60:.1f} min ({s:.0f} s)" if s >= 90 else f"{s:.0f} s"


def _is_key(key: str) -> bool:
    if key.startswith("ezkl-"):
        return key.endswith(("-setup_s", "-prove_s", "-verify_s", "-proof_bytes"))
    return key in {"fr-mul-65536-ours-1t-mcl", "fr-mul-65536-ours-all-mcl", "msm-full-65536-ours-1t-mcl",
                   "msm-full-65536-ours-all-mcl", "msm-i16-65536-ours-1t-mcl", "pairing-2-pairing check",
                   "ckzg-commit-ours-1t", "ckzg-commit-ours-all"}


def report_markdown(record: dict) -> str:
    m = record.get("machine", {})
    cpu = m.get("cpu", {})
    git = m.get("git", {})
    load = record.get("load", {})
    pk = m.get("packages", {})
    lines = [f"# attrib benchmark report ({'quick' if record.get('quick') else 'full'} run)", ""]
    lines += [
        f"- **When**: {record.get('started_at')} to {record.get('finished_at')}; "
        f"**run time {_duration(record.get('duration_s'))}**",
        f"- **Machine**: {cpu.get('model')} ({cpu.get('arch')}), {cpu.get('logical_cores')} logical cores "
        f"({cpu.get('usable_cores')} usable), {(m.get('memory_total_bytes') or 0) / 2**30:.1f} GiB, "
        f"flags {', '.join(cpu.get('flags') or []) or '-'}, governor {cpu.get('governor') or '-'}; {m.get('os')}",
        f"- **Software**: Python {m.get('python', {}).get('version')}, kernels SIMD "
        f"{m.get('kernels', {}).get('simd_backend')}, {m.get('kernels', {}).get('max_threads')} threads; "
        + ", ".join(f"{k} {v}" for k, v in sorted(pk.items()) if v),
        f"- **Revision**: {git.get('commit') or '(no commit)'} on {git.get('branch') or '-'}"
        f"{' with uncommitted changes' if git.get('dirty') else ''}",
        f"- **Load**: 1/5/15-min load average {load.get('at_start')} at the start, {load.get('at_end')} at the end"
        f" (`uptime`: {load.get('uptime_at_start') or '-'})",
        f"- **Command**: `{record.get('command')}`",
        *(f"- **Note**: {note}" for note in record.get("notes") or []),
        "",
    ]
    cpu = load.get("cpu") or {}
    if cpu.get("others_share") is not None:
        lines.insert(-1, f"- **CPU during the run**: this run used {cpu['own_share']:.0%} of the capacity "
                         f"({cpu['cores']} cores × {_duration(cpu['wall_s'])}), other processes "
                         f"{cpu['others_share']:.0%}, hypervisor steal {cpu['steal_share']:.0%}")
    busy = load.get("busy") or []
    if busy:
        lines += ["> **The machine was busy** (other processes competed for its cores), so times are inflated "
                  "and noisier than on a quiet machine: " + "; ".join(busy) + ".", ""]
    peers_versions = []
    for name in ("ezkl", "ckzg", "onnx", "matplotlib"):
        try:
            from importlib import metadata
            peers_versions.append(f"{name} {metadata.version(name)}")
        except Exception:  # noqa: BLE001
            peers_versions.append(f"{name} (not installed)")
    lines += [f"Other peers: {', '.join(peers_versions)}.", ""]

    heads = record.get("headline") or []
    key_rows = [h for h in heads if _is_key(h["key"])]
    if key_rows:
        lines += ["## Key figures", "", "ours / peer from this run (below 1: ours is faster or smaller); the full "
                  "headline tables follow.", ""]
        lines.append(_md_table(["figure", "ours", "peer", "ours", "peer", "unit", "ours / peer"],
                               [[h["figure"], h["ours_impl"], h["peer"], _num(h["ours"], h["unit"]),
                                 _num(h["peer_value"], h["unit"]), h["unit"], _ratio_cell(h["ratio"])]
                                for h in key_rows]))
        lines.append("")
    problems = []
    for name in record.get("order", []):
        s = record["suites"][name]
        if "error" in s:
            problems.append(f"- suite **{name} failed**: `{s['error']}`")
        for skip in s.get("skipped", []):
            problems.append(f"- {name}: skipped {skip.get('impl')}"
                            f"{' at N = ' + str(skip['n']) if skip.get('n') else ''}: {skip.get('reason')}")
        wrong = [r for r in s.get("results", []) if r.get("verified") is False]
        if wrong:
            problems.append(f"- {name}: {len(wrong)} row(s) marked WRONG (output not verified)")
    if problems:
        lines += ["## Skipped, failed or wrong", "", *problems, ""]

    lines += ["## Headline: ours against each peer", "",
              "ratio = ours / peer, medians of the same run (below 1: ours is faster or smaller).", ""]
    groups = [("field", "Field: BN254 Fr, ns per element (vs mcl and Python ints)"),
              ("msm", "MSM: BN254 G1, ns per point (vs mcl and py_ecc)"),
              ("pairing", "Pairing (vs mcl): we have no native pairing; our verifier uses py_ecc"),
              ("ezkl", "EZKL: s = Φq, k = 16 (ours: register / prove T = 1 / Python verify)"),
              ("ckzg", "KZG commitment of 4096 elements (vs C-KZG-4844; different curves)")]
    for group, title in groups:
        rows = [h for h in heads if h["group"] == group]
        if not rows:
            continue
        lines += [f"### {title}", ""]
        lines.append(_md_table(["figure", "ours", "value", "peer", "peer value", "unit", "ours / peer"],
                               [[h["figure"], h["ours_impl"], _num(h["ours"], h["unit"]), h["peer"],
                                 _num(h["peer_value"], h["unit"]), h["unit"], _ratio_cell(h["ratio"])] for h in rows]))
        lines.append("")
    comparison = record.get("comparison")
    if comparison:
        worse = [c for c in comparison if c["regression"]]
        lines += ["## Against the previous run", "",
                  f"{len(worse)} of {len(comparison)} headline figures are more than {REGRESSION:.0%} worse.", ""]
        lines.append(_md_table(["figure", "ours", "old", "new", "unit", "new / old", ""],
                               [[c["figure"], c["ours_impl"], _num(c["old"]), _num(c["new"]), c["unit"],
                                 f"{c['change']:.2f}", "**WORSE**" if c["regression"] else ""] for c in comparison]))
        lines.append("")

    plots = record.get("plots") or {}
    if plots.get("written") or plots.get("skipped"):
        lines += ["## Plots", ""]
        for p in plots.get("written", []):
            lines += [f"![{p['title']}]({p['file']})", ""]
        for reason in plots.get("skipped", []):
            lines.append(f"- not drawn: {reason}")
        lines.append("")

    lines += ["## Suites", "", "Every figure, with min / max and the machine record, is in `results.json`.", ""]
    def share(s, key):
        v = (s.get("harness", {}).get("cpu") or {}).get(key)
        return "-" if v is None else f"{v:.0%}"
    lines.append(_md_table(["suite", "arguments", "wall time", "load before", "CPU: this run", "others", "steal",
                            "status"],
                           [[name, f"`{' '.join(s.get('harness', {}).get('args', []))}`",
                             _duration(s.get("harness", {}).get("wall_s")),
                             (s.get("harness", {}).get("loadavg_before") or ["-"])[0],
                             share(s, "own_share"), share(s, "others_share"), share(s, "steal_share"),
                             "FAILED" if "error" in s else "ok"]
                            for name, s in ((n, record["suites"][n]) for n in record.get("order", []))]))
    lines += ["", "CPU shares are of the machine's capacity (usable cores × wall time) while the suite ran: "
              "this run's process and its children, every other process (/proc/stat busy time minus ours), and "
              "the hypervisor's steal.  The load average before a suite includes this run's previous suite, so the "
              "suites' own \"machine was busy before the run\" warnings can come from this run itself; the CPU "
              "shares separate the two.", ""]
    for name in record.get("order", []):
        s = record["suites"][name]
        lines += [f"### {name}", ""]
        if "error" in s:
            lines += [f"**Failed**: `{s['error']}`", "", "```", s.get("traceback", "").rstrip(), "```", ""]
            continue
        lines += ["```", bench.format_result(s).rstrip(), "```", ""]
        for skip in s.get("skipped", []):
            lines.append(f"- skipped {skip.get('impl')}: {skip.get('reason')}")
        for note in s.get("notes", []):
            lines.append(f"- note: {note}")
        for warning in s.get("warnings", []):
            lines.append(f"- **warning**: {warning}")
        lines.append("")
    lines += ["## How to read and reproduce", "",
              "See `bench/README.md`. Reproduce with `pip install -e '.[peers]'` then "
              f"`{'attrib bench --quick' if record.get('quick') else 'attrib bench'} --out DIR`.", ""]
    return "\n".join(lines)
