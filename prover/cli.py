"""The ``attrib`` command line."""

from __future__ import annotations

import argparse
import sys


def cmd_demo(args: argparse.Namespace) -> int:
    """TracIn on scikit-learn's digits: register, prove an epoch, verify, pay out."""
    from prover.demo import run_demo

    result = run_demo(contributors=args.contributors, queries=args.queries, seed=args.seed, ptau=args.ptau)
    return 0 if result["ok"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attrib", description="Verifiable data attribution prover")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the end-to-end demo")
    demo.add_argument("--contributors", type=int, default=50, help="contributors to split the data among")
    demo.add_argument("--queries", type=int, default=200, help="inferences in the epoch")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--ptau", help="a snarkjs .ptau file to use as the SRS (default: an insecure dev SRS)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
