"""``python -m attrib.bench <suite> [--json OUT.json] [--quick] [--repeat N] [suite options]``.

``python -m attrib.bench --list`` lists the suites; ``python -m attrib.bench <suite> --help`` shows a
suite's own options.
"""

from __future__ import annotations

import sys

from attrib import bench
from attrib.bench.machine import summary_line
from attrib.bench.report import write_json

USAGE = "usage: python -m attrib.bench <suite> [--json OUT.json] [--quick] [--repeat N] [suite options]\n" \
        "       python -m attrib.bench --list"


def list_suites() -> str:
    lines = ["suites:"]
    for name in bench.SUITES:
        desc = getattr(bench.get_suite(name), "DESCRIPTION", "")
        lines.append(f"  {name:<12} {desc}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(USAGE + "\n\n" + list_suites(), file=sys.stderr)
        return 2
    if argv[0] in ("-h", "--help"):
        print(USAGE + "\n\n" + list_suites())
        return 0
    if argv[0] == "--list":
        print(list_suites())
        return 0
    name, rest = argv[0], argv[1:]
    try:
        module = bench.get_suite(name)
    except bench.UnknownSuite as exc:
        print(f"python -m attrib.bench: error: {exc}", file=sys.stderr)
        return 2
    args = bench.suite_parser(name, module).parse_args(rest)
    result = bench.run_suite(name, args=args)
    print(f"\n[{name}] {summary_line(result['machine'])}")
    quick = " (quick)" if result["config"].get("quick") else ""
    print(f"[{name}] repeat={result['config']['repeat']}{quick}, "
          f"{result['duration_s']:.1f} s\n")
    print(bench.format_result(result))
    for skip in result.get("skipped", []):
        print(f"skipped {skip.get('impl')}: {skip.get('reason')}")
    for note in result.get("notes", []):
        print(f"note: {note}")
    for warning in result.get("warnings", []):
        print(f"WARNING: {warning}")
    if args.json:
        path = write_json(args.json, result)
        print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
