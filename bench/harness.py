"""``attrib bench``: run the suites, write ``results.json``, ``report.md`` and PNG plots.

::

    attrib bench --quick --out bench-results          # under 5 minutes
    attrib bench --out bench/results                  # the full run (the committed report)
    attrib bench --suites kernels,msm --out /tmp/b    # a subset
    attrib bench --suite-args 'kernels=--sizes 8 --impl ours-1t' --suites kernels --out /tmp/b
    attrib bench --rebuild bench/results              # report.md and plots again from results.json
    attrib bench --quick --compare bench/results      # flag headline figures that got worse

Each suite runs in this process through :func:`bench.run_suite` with the arguments of
:data:`QUICK_PLAN` or :data:`FULL_PLAN`; a suite that fails is recorded with its error and
the run goes on.  ``results.json`` is rewritten after every suite, so an interrupted run
keeps what it measured.  The load average is read before and after every suite and the
report says when the machine was busy.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from attrib import bench
from attrib.bench.report import log, write_json

SCHEMA = "attrib-bench-report/1"

# (suite, arguments).  --quick is added to every suite of the quick plan.
QUICK_PLAN: list[tuple[str, list[str]]] = [
    ("kernels", ["--sizes", "16"]),
    ("msm", ["--sizes", "10,12,16", "--py-ecc-max", "8", "--no-memory"]),
    ("pcs", ["--sizes", "10,12,14"]),
    ("attribution", ["--config", "12,32,1,1000", "--config", "14,32,1,1000", "--config", "14,32,1024,1000"]),
    ("epoch", ["--cells", "10,12,14"]),
    ("evm", []),
    ("pairing", []),
    ("ezkl", ["--sizes", "256,1024"]),
    ("ckzg", []),
    ("service", ["--clients", "1,4", "--log-n", "12", "--verify-seconds", "2", "--jobs-per-client", "1"]),
]
FULL_PLAN: list[tuple[str, list[str]]] = [
    ("kernels", []),
    ("msm", []),
    ("pcs", []),
    ("attribution", []),
    ("epoch", []),
    ("evm", []),
    ("pairing", []),
    ("ezkl", []),
    ("ckzg", []),
    ("service", []),
]
BUSY_LOAD = 1.0  # 1-minute load average at the start above which the report calls the machine busy
BUSY_OTHERS = 0.25  # share of the CPU capacity other processes used during a suite, above which likewise
BUSY_STEAL = 0.10  # share of the CPU capacity the hypervisor took (steal) during a suite, above which likewise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _uptime() -> str | None:
    try:
        import subprocess

        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5, check=False).stdout.strip() or None
    except (OSError, ValueError):
        return None


def cpu_snapshot() -> dict:
    """CPU seconds so far: the whole machine's busy and steal time (/proc/stat), this process and its
    waited-for children (os.times), and a wall clock.  Two snapshots give :func:`cpu_usage`."""
    snap = {"wall": time.perf_counter(), "busy_s": None, "steal_s": None}
    t = os.times()
    snap["own_s"] = t.user + t.system + t.children_user + t.children_system
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        snap["busy_s"] = (user + nice + system + irq + softirq) / hz
        snap["steal_s"] = steal / hz
    except (OSError, ValueError):
        pass
    return snap


def cpu_usage(before: dict, after: dict, cores: int | None) -> dict:
    """Shares of the machine's CPU capacity (wall time × cores) between two snapshots: used by this
    run (``own``), by every other process (``others`` = machine busy time − ours) and taken by the
    hypervisor (``steal``)."""
    wall = after["wall"] - before["wall"]
    cores = cores or os.cpu_count() or 1
    out = {"wall_s": round(wall, 2), "cores": cores, "own_share": None, "others_share": None, "steal_share": None}
    if wall <= 0:
        return out
    own = after["own_s"] - before["own_s"]
    out["own_share"] = round(own / (wall * cores), 3)
    if before["busy_s"] is not None and after["busy_s"] is not None:
        out["others_share"] = round(max(0.0, after["busy_s"] - before["busy_s"] - own) / (wall * cores), 3)
        out["steal_share"] = round(max(0.0, after["steal_s"] - before["steal_s"]) / (wall * cores), 3)
    return out


def plan_for(quick: bool, suites: list[str] | None = None,
             suite_args: dict[str, list[str]] | None = None) -> list[tuple[str, list[str]]]:
    plan = [(name, list(args)) for name, args in (QUICK_PLAN if quick else FULL_PLAN)]
    known = {name for name, _ in plan}
    if suites:
        unknown = [s for s in suites if s not in known]
        if unknown:
            raise SystemExit(f"attrib bench: unknown suite(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        plan = [(name, args) for name, args in plan if name in suites]
    for name, args in (suite_args or {}).items():
        plan = [(n, list(args) if n == name else a) for n, a in plan]
    return plan


def run(out_dir: str | Path, quick: bool = False, suites: list[str] | None = None,
        suite_args: dict[str, list[str]] | None = None, repeat: int | None = None,
        compare: str | Path | None = None, echo: bool = True, notes: list[str] | None = None) -> dict:
    """Run the plan, write results.json / report.md / plots into ``out_dir``; return the record."""
    from attrib.bench.machine import machine_record, summary_line
    from attrib.bench.timing import loadavg

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = plan_for(quick, suites, suite_args)
    record = {
        "schema": SCHEMA, "quick": quick, "started_at": _now(), "finished_at": None, "duration_s": None,
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else None,
        "plan": [{"suite": n, "args": a + (["--quick"] if quick else [])
                  + (["--repeat", str(repeat)] if repeat else [])} for n, a in plan],
        "machine": machine_record(),
        "load": {"at_start": loadavg(), "uptime_at_start": _uptime(), "at_end": None, "uptime_at_end": None},
        "suites": {}, "order": [], "notes": list(notes or []),
    }
    log(f"attrib bench: {'quick' if quick else 'full'} run of {', '.join(n for n, _ in plan)} -> {out}")
    log(f"attrib bench: {summary_line(record['machine'])}; load {record['load']['at_start']}")
    t_all = time.perf_counter()
    cores = record["machine"]["cpu"].get("usable_cores")
    run_cpu = cpu_snapshot()
    for entry in record["plan"]:
        name, argv = entry["suite"], entry["args"]
        log(f"\n=== {name} {' '.join(argv)}")
        before, t0, cpu0 = loadavg(), time.perf_counter(), cpu_snapshot()
        try:
            result = bench.run_suite(name, argv)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one suite must not end the run
            tb = traceback.format_exc(limit=6)
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
            log(f"=== {name} FAILED: {reason}")
            result = {"suite": name, "error": reason, "traceback": tb[-4000:], "results": [], "skipped": [],
                      "notes": [], "warnings": []}
        result["harness"] = {"args": argv, "wall_s": round(time.perf_counter() - t0, 2), "loadavg_before": before,
                             "loadavg_after": loadavg(), "cpu": cpu_usage(cpu0, cpu_snapshot(), cores)}
        record["suites"][name] = result
        record["order"].append(name)
        if echo and "error" not in result:
            print(f"\n[{name}] {result['duration_s']:.1f} s\n{bench.format_result(result)}", flush=True)
        record["duration_s"] = round(time.perf_counter() - t_all, 2)
        write_json(out / "results.json", record)
    record["finished_at"] = _now()
    record["duration_s"] = round(time.perf_counter() - t_all, 2)
    record["load"]["at_end"] = loadavg()
    record["load"]["uptime_at_end"] = _uptime()
    record["load"]["cpu"] = cpu_usage(run_cpu, cpu_snapshot(), cores)
    finish(record, out, compare=compare)
    return record


def finish(record: dict, out: Path, compare: str | Path | None = None) -> dict:
    """Headline, plots and report.md for a record; rewrites results.json."""
    from attrib.bench import plots, summary

    record["headline"] = summary.headline(record)
    record["load"]["busy"] = summary.busy_reasons(record, BUSY_LOAD, BUSY_OTHERS, BUSY_STEAL)
    if compare:
        old = load_record(compare)
        record["comparison"] = summary.compare(old, record)
    record["plots"] = plots.make_all(record, out)
    write_json(out / "results.json", record)
    (out / "report.md").write_text(summary.report_markdown(record))
    log(f"\nattrib bench: wrote {out / 'results.json'}, {out / 'report.md'} and "
        f"{len(record['plots']['written'])} plots in {record['duration_s']:.0f} s")
    for reason in record["plots"]["skipped"]:
        log(f"attrib bench: plot skipped: {reason}")
    return record


def load_record(path: str | Path) -> dict:
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    data = json.loads(path.read_text())
    if data.get("schema") != SCHEMA:
        raise SystemExit(f"{path}: not an attrib bench record (schema {data.get('schema')!r})")
    return data


# ---- command line ---------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="small sizes and 3 samples: under 5 minutes")
    parser.add_argument("--out", default="bench-results", metavar="DIR",
                        help="where results.json, report.md and the PNG plots go (default ./bench-results)")
    parser.add_argument("--suites", metavar="A,B,...", help="only these suites (default: all, in order: "
                        + ", ".join(n for n, _ in FULL_PLAN) + ")")
    parser.add_argument("--suite-args", action="append", default=[], metavar="SUITE=ARGS",
                        help="replace a suite's plan arguments, e.g. 'kernels=--sizes 12 --impl ours-1t' (repeatable)")
    parser.add_argument("--repeat", type=int, metavar="N", help="timed samples per figure for every suite")
    parser.add_argument("--compare", metavar="DIR|results.json",
                        help="a previous run: the report flags headline figures more than 10%% worse")
    parser.add_argument("--rebuild", metavar="DIR", help="only rebuild report.md and the plots from DIR/results.json")
    parser.add_argument("--note", action="append", default=[], metavar="TEXT",
                        help="a line about the conditions of this run, kept in results.json and the report")


def main(args: argparse.Namespace) -> int:
    if args.rebuild:
        record = load_record(args.rebuild)
        record.setdefault("notes", []).extend(args.note)
        finish(record, Path(args.rebuild), compare=args.compare)
        return 0
    suite_args = {}
    for item in args.suite_args:
        name, sep, rest = item.partition("=")
        if not sep:
            raise SystemExit(f"attrib bench: --suite-args expects SUITE=ARGS, got {item!r}")
        suite_args[name.strip()] = shlex.split(rest)
    suites = [s.strip() for s in args.suites.split(",") if s.strip()] if args.suites else None
    record = run(args.out, quick=args.quick, suites=suites, suite_args=suite_args, repeat=args.repeat,
                 compare=args.compare, notes=args.note)
    failed = [n for n, r in record["suites"].items() if "error" in r]
    print(f"\nreport: {Path(args.out) / 'report.md'} ({record['duration_s']:.0f} s"
          f"{'; failed: ' + ', '.join(failed) if failed else ''})")
    return 0


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attrib.bench.harness", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(cli())
