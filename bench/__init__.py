"""Benchmark suites for the prover and the peers it is compared with.

Command line: ``python -m attrib.bench <suite> [--json OUT.json] [--quick] [--repeat N] [suite options]``
(``python -m attrib.bench --list`` lists the suites; see bench/README.md).

Writing a suite
---------------
A suite is a module ``bench/<name>.py`` whose name is listed in :data:`SUITES`.  It defines

``DESCRIPTION: str``
    one line for ``--list``.
``add_arguments(parser)`` (optional)
    adds suite-specific options to its argparse parser.
``run(args) -> dict``
    runs the benchmarks.  ``args`` is an ``argparse.Namespace`` with at least ``quick`` (bool)
    and ``repeat`` (int, already resolved from ``--repeat`` / ``--quick``), plus the suite's
    own options.  It returns a JSON-serialisable dict with

    * ``"results"``: a list of row dicts (one measurement each; by convention with ``impl``,
      ``op``, ``n``, ``median_s``, ``min_s``, ``max_s`` and, for per-element work,
      ``ns_per_el`` = {median, min, max}),
    * optionally ``"skipped"``: ``[{"impl": ..., "reason": ...}]`` for peers that could not run,
      ``"peers"``: descriptions of the peers used, ``"notes"``: list of strings.
``format_table(result) -> str`` (optional)
    the human-readable table; without it :func:`bench.report.format_rows` prints the rows.

:func:`run_suite` wraps the dict in the common envelope (schema, suite, machine record,
config, start time, duration, ``warnings`` such as a busy machine) that ``--json`` writes
and that ``attrib bench`` collects.
Suites print progress to stderr with :func:`bench.report.log`; stdout carries only tables.
"""

from __future__ import annotations

import argparse
import importlib
import time
from datetime import datetime, timezone
from types import ModuleType

SCHEMA = "attrib-bench/1"

# Every suite, in the order ``attrib bench`` runs them.
SUITES: tuple[str, ...] = ("kernels", "msm", "pcs", "attribution", "epoch", "growth", "audits", "evm", "pairing", "verify", "ezkl", "ckzg",
                           "service", "featurize")


class UnknownSuite(LookupError):
    """Raised for a suite name that is not registered."""


def get_suite(name: str) -> ModuleType:
    if name not in SUITES:
        raise UnknownSuite(f"unknown suite {name!r}; available: {', '.join(SUITES)}")
    module = importlib.import_module(f"{__name__}.{name}")
    if not callable(getattr(module, "run", None)):
        raise UnknownSuite(f"bench/{name}.py defines no run(args) function")
    return module


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="OUT.json", help="write every figure and the machine record here")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats (and smaller work where a suite says so)")
    parser.add_argument("--repeat", type=int, metavar="N", help="timed samples per measurement "
                        "(default 7, or 3 with --quick); one warm-up run always precedes them")


def suite_parser(name: str, module: ModuleType | None = None,
                 prog: str | None = None) -> argparse.ArgumentParser:
    module = module or get_suite(name)
    parser = argparse.ArgumentParser(prog=prog or f"python -m attrib.bench {name}",
                                     description=getattr(module, "DESCRIPTION", None))
    add_common_arguments(parser)
    if callable(getattr(module, "add_arguments", None)):
        module.add_arguments(parser)
    return parser


def resolve_args(args: argparse.Namespace) -> argparse.Namespace:
    from attrib.bench.timing import DEFAULT_REPEAT, QUICK_REPEAT

    if args.repeat is None:
        args.repeat = QUICK_REPEAT if args.quick else DEFAULT_REPEAT
    if args.repeat < 1:
        raise SystemExit("--repeat must be >= 1")
    return args


def run_suite(name: str, argv: list[str] | None = None, *, args: argparse.Namespace | None = None) -> dict:
    """Run one suite and return its result in the common envelope.

    Pass either ``argv`` (suite options as on the command line, e.g. ``["--quick"]``) or a
    ready ``args`` namespace.
    """
    from attrib.bench.machine import machine_record
    from attrib.bench.timing import loadavg

    module = get_suite(name)
    if args is None:
        args = suite_parser(name, module).parse_args(argv or [])
    args = resolve_args(args)
    load_at_start = loadavg()  # before this suite adds its own load
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    body = module.run(args)
    duration = time.perf_counter() - t0
    config = {k: v for k, v in vars(args).items() if k != "json"}
    envelope = {
        "schema": SCHEMA,
        "suite": name,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(duration, 3),
        "loadavg_at_start": load_at_start,
        "config": config,
        "machine": machine_record(),
    }
    envelope.update(body)
    envelope.setdefault("results", [])
    envelope.setdefault("skipped", [])
    envelope.setdefault("notes", [])
    from attrib.bench.report import noise_warnings

    envelope["warnings"] = list(envelope.get("warnings", [])) + noise_warnings(envelope)
    return envelope


def format_result(result: dict) -> str:
    """The human-readable table of a :func:`run_suite` result."""
    from attrib.bench.report import format_rows

    try:
        module = get_suite(result["suite"])
    except UnknownSuite:
        module = None
    fmt = getattr(module, "format_table", None)
    return fmt(result) if callable(fmt) else format_rows(result.get("results", []))
