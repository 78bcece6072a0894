"""The ``attrib`` command.

Each subcommand lives in its own module, imported only when that subcommand runs: the
module defines ``add_arguments(parser)`` and an entry point ``run(args) -> int`` (named
otherwise where ``Command.entry`` says so).  So ``attrib serve``
loads the service and not the benchmark harness, and ``attrib --help`` loads neither.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NamedTuple


class Command(NamedTuple):
    module: str
    help: str
    description: str
    entry: str = "run"


COMMANDS: dict[str, Command] = {
    "demo": Command("attrib.demo.run", "run the end-to-end demo",
                    "TracIn on scikit-learn's digits: register, prove an epoch, verify, pay out "
                    "(--torch: a PyTorch model featurized by TRAK or dattri)."),
    "featurize": Command("attrib.featurize_cli", "compute per-example features of a PyTorch model (TRAK, dattri)",
                         "Per-example projected-gradient features of a PyTorch model through TRAK or dattri, "
                         "streamed to a folder (features.npy, recipe.json, example digests, queries) ready to "
                         "register. Needs the 'torch' extra."),
    "serve": Command("attrib.service.cli", "run the gRPC prover service",
                     "Serve attribution.v1 (ProverService, VerifierService, health, reflection)."),
    "remote": Command("attrib.service.remote", "talk to a running prover service",
                      "Talk to a running prover service (attrib serve) over gRPC."),
    "chain": Command("attrib.chain.cli", "deploy, register, append, settle and withdraw on a JSON-RPC chain",
                     "The Settlement contract and its verifiers on any JSON-RPC chain (anvil for a local try): "
                     "register a dataset, append segments to it, settle epochs, withdraw (withheld epochs left "
                     "out as ranges). Gas: python -m attrib.bench evm [--segments LOGCS,LOGC]."),
    "explorer": Command("attrib.explorer.cli", "serve a read-only web explorer over a service data directory",
                        "A read-only web explorer: datasets, epochs, contributors' payouts and proof checks, "
                        "as HTML pages and JSON, over a prover service's data directory (and, with --rpc, "
                        "the Settlement contract's events)."),
    "audit": Command("attrib.audit_cli", "audit a registered dataset's rows from a public seed",
                     "Sample rows from a public seed, have the registrant's service open them, check the opening "
                     "and compare the rows with your own recomputation (attrib.verifier.audit)."),
    "bench": Command("attrib.bench.harness", "run the benchmarks and write a report with plots",
                     "Run the benchmark suites (ours and the peers side by side) and write DIR/results.json, "
                     "DIR/report.md and PNG plots. See bench/README.md.", entry="main"),
}


def function_from_spec(spec: str, option: str):
    """The function a ``MODULE:FUNCTION`` option names, or a ValueError naming ``option`` (a usage error)."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ValueError(f"{option}: expected MODULE:FUNCTION, got {spec!r}")
    function = getattr(importlib.import_module(module_name), name, None)
    if not callable(function):
        raise ValueError(f"{option}: {spec} is not a function")  # noqa: TRY004 - a usage error, exit 2
    return function


def top_parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<17}{cmd.help}" for name, cmd in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="attrib", description="Verifiable data attribution prover",
        usage="attrib [-h] COMMAND [ARGS ...]", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"commands:\n{listing}\n\n`attrib COMMAND --help` describes one.")
    parser.add_argument("command", choices=COMMANDS, metavar="COMMAND", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def command_parser(name: str):
    """(parser, module) for one subcommand; imports that subcommand's module."""
    cmd = COMMANDS[name]
    module = importlib.import_module(cmd.module)
    parser = argparse.ArgumentParser(prog=f"attrib {name}", description=cmd.description, allow_abbrev=False)
    module.add_arguments(parser)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        top_parser().parse_args(argv)      # prints help, or names the unknown command, and exits
    parser, module = command_parser(argv[0])
    return getattr(module, COMMANDS[argv[0]].entry)(parser.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
