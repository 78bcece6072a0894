"""``attrib export-verifier``: the Solidity AttributionVerifier for one SRS."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--srs", metavar="PTAU", help="a snarkjs / Perpetual Powers of Tau .ptau file")
    source.add_argument("--dev-srs", type=int, metavar="LOG_N", help="an INSECURE development SRS (tests only)")
    parser.add_argument("--max-log-n", type=int, help="powers to use from the .ptau (default: all it has)")
    parser.add_argument("-o", "--output", default="Verifier.sol", help="output file, or - for stdout")


def run(args: argparse.Namespace) -> int:
    from attrib.prover.srs import SRS, SRSError
    from attrib.verifier.evm import contract_source

    try:
        srs = SRS.from_ptau(args.srs, max_log_n=args.max_log_n) if args.srs else SRS.dev(args.dev_srs)
    except (SRSError, OSError) as exc:
        print(f"attrib export-verifier: {exc}", file=sys.stderr)
        return 2
    source = contract_source(srs.verifying_key)
    if args.output == "-":
        sys.stdout.write(source)
    else:
        Path(args.output).write_text(source)
        print(f"wrote {args.output}: AttributionVerifier for SRS {srs.digest().hex()} ({srs.source}, "
              f"2^{srs.max_log_n} powers)", file=sys.stderr)
    return 0
