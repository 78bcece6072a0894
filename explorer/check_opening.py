"""Check one payout opening against an epoch's claim, with the pure-Python verifier.

    python -m attrib.explorer.check_opening manifest.bin claim.bin opening.bin \\
        --index I --payout P --trusted-srs-digest HEX

``opening.bin`` comes from ``attrib remote open JOB_ID I --out opening.bin``; the manifest and the
claim from the explorer (or the ledger).  Prints OK and exits 0 when the opening shows that the
claim's committed payout of contributor ``I`` is ``P``; prints FAILED and exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attrib.explorer.check_opening", description=__doc__.split("\n")[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("claim", type=Path)
    parser.add_argument("opening", type=Path)
    parser.add_argument("--index", type=int, required=True, help="the contributor's index in the manifest")
    parser.add_argument("--payout", type=int, required=True, help="the payout the explorer shows")
    parser.add_argument("--trusted-srs-digest", required=True, help="hex digest of the SRS you trust")
    args = parser.parse_args(argv)
    from attrib.verifier import verify_payouts

    try:
        digest = bytes.fromhex(args.trusted_srs_digest)
    except ValueError:
        parser.error("--trusted-srs-digest: not hex")
    ok = verify_payouts(args.manifest.read_bytes(), args.claim.read_bytes(), [args.index], [args.payout],
                        args.opening.read_bytes(), trusted_srs_digest=digest)
    print(f"payout {args.payout:,} of contributor {args.index}: {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
