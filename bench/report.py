"""Output helpers shared by the suites: progress logging, tables, JSON files."""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path
from typing import Sequence


def log(msg: str) -> None:
    """Progress line on stderr (stdout is kept for tables)."""
    print(msg, file=sys.stderr, flush=True)


def fmt_num(x, digits: int = 3) -> str:
    """Human-friendly number: 3 significant digits, thousands separators for big values."""
    if x is None:
        return "-"
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return "-"
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}" if x else "0"


def fmt_n(n: int) -> str:
    """2^k for powers of two, else the integer."""
    if n > 0 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return f"{n:,}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """Plain-text table; ``align`` is one char per column, 'l' or 'r' (default: first l, rest r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def format_rows(rows: list[dict]) -> str:
    """Generic table for suites without their own ``format_table``."""
    if not rows:
        return "(no results)"
    headers = [k for k in ("impl", "op", "n", "threads", "median_s", "min_s", "max_s")
               if any(k in r for r in rows)]
    body = [[fmt_n(r[h]) if h == "n" and isinstance(r.get(h), int) else
             (fmt_num(r.get(h)) if not isinstance(r.get(h), str) else r[h]) for h in headers] for r in rows]
    return table(headers, body)


def noise_warnings(result: dict, load_threshold: float = 0.5, cpu_ratio: float = 0.85) -> list[str]:
    """Warnings that the machine was not quiet during a :func:`bench.run_suite` result.

    * the 1-minute load average *before the suite started* (other processes; the suite's
      own work raises it later) exceeded ``load_threshold``;
    * a single-threaded row (``threads == 1``) got less than ``cpu_ratio`` of a core on
      median (process CPU time / wall time of its samples): it was descheduled.
    """
    out = []
    start = result.get("loadavg_at_start")
    if start and start[0] > load_threshold:
        cores = result.get("machine", {}).get("cpu", {}).get("usable_cores")
        out.append(f"machine was busy before the run: 1-min load average {start[0]:.2f}"
                   f"{f' on {cores} usable cores' if cores else ''}")
    starved = []
    for row in result.get("results", []):
        t = row.get("timing") or {}
        pairs = [(c, w) for c, w in zip(t.get("cpu_samples") or [], t.get("samples") or []) if w > 0]
        if row.get("threads") == 1 and pairs:
            ratio = statistics.median(c / w for c, w in pairs)
            if ratio < cpu_ratio:
                starved.append(f"{row.get('impl')} {row.get('op')} n={fmt_n(row['n']) if 'n' in row else '?'}"
                               f" ({ratio:.2f})")
    if starved:
        out.append("descheduled (median CPU/wall < "
                   f"{cpu_ratio} for a single-threaded measurement, figures inflated): " + ", ".join(starved))
    return out


def write_json(path: str | Path, data: dict) -> Path:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=_default) + "\n")
    tmp.replace(path)
    return path


def _default(obj):
    try:
        import numpy as np
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def add_peer_ratios(results: list[dict], peer: str) -> None:
    """row["ratio_to_<peer>"] = median / the peer's median for the same (op, n); None without one."""
    ref = {(r["op"], r["n"]): r["median_s"] for r in results if r["impl"] == peer}
    for row in results:
        base = ref.get((row["op"], row["n"]))
        row[f"ratio_to_{peer}"] = row["median_s"] / base if base else None
