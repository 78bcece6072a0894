"""``attrib audit``: audit a registered dataset's rows from a public seed (attrib.verifier.audit).

    attrib audit --server HOST:PORT --dataset ID --seed HEX --samples 256 \\
                 --recompute attrib.demo.recipe:recompute_rows [--fraction 0.01] [--trusted-srs-digest HEX]
    attrib audit --server HOST:PORT --dataset ID --contributor ID --recompute MODULE:FUNCTION

The registrant's service opens the sampled rows (OpenRows); the opening is checked against the
manifest with the pure-Python verifier (against ``--trusted-srs-digest``, else the server's own SRS
digest, which the report says it trusted); ``--recompute MODULE:FUNCTION`` names the auditor's own
recipe: ``FUNCTION(rows, manifest)`` returns, per row, the k features, the scale and the example's
digest (attrib.verifier.recipe.example_digest) it derives from its copy of the example and the model.
``--contributor ID`` checks every row of that contributor instead of a sample.  The report lists every mismatched row and the probability that an audit
of this size catches a fraction ``--fraction`` of falsified rows: 1 − (1 − f)^s.  Exit status 0 when
the audit passed, 1 when it found a mismatch or the opening did not verify, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

from attrib.cli import function_from_spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default=os.environ.get("ATTRIB_SERVER", "127.0.0.1:50051"),
                        help="the registrant's prover service (default $ATTRIB_SERVER or 127.0.0.1:50051)")
    parser.add_argument("--token-file", metavar="PATH", help="bearer token file (default $ATTRIB_TOKEN)")
    parser.add_argument("--dataset", required=True, help="the dataset id on that service")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--seed", help="the public seed, hex (a block hash, a commit-reveal among auditors, …)")
    what.add_argument("--contributor", metavar="ID", help="check every row of this contributor instead of a sample")
    parser.add_argument("--samples", type=int, default=256, help="rows to sample (default 256)")
    parser.add_argument("--fraction", type=float, default=0.01,
                        help="the falsified fraction to state the detection probability for (default 0.01)")
    parser.add_argument("--recompute", required=True, metavar="MODULE:FUNCTION",
                        help="the auditor's recipe: FUNCTION(rows, manifest) -> per row k features, scale, example digest")
    parser.add_argument("--trusted-srs-digest", metavar="HEX", help="the SRS to check the opening against")


def run(args) -> int:
    from attrib.service.client import Client, ServiceError
    from attrib.verifier.audit import audit, audit_contributor

    try:
        seed = bytes.fromhex(args.seed.removeprefix("0x")) if args.seed else b""
        recompute = function_from_spec(args.recompute, "--recompute")
        token = None
        if args.token_file:
            with open(args.token_file) as f:
                token = f.readline().strip()
        with Client(args.server, token=token or os.environ.get("ATTRIB_TOKEN")) as client:
            manifest = client.manifest(args.dataset)
            trusted = bytes.fromhex(args.trusted_srs_digest) if args.trusted_srs_digest else manifest.srs_digest
            opener, recomputer = (lambda rows: client.open_rows(args.dataset, rows),
                                  lambda rows: recompute(rows, manifest))
            if args.contributor:
                report = audit_contributor(manifest, args.contributor, opener, recomputer, trusted_srs_digest=trusted)
            else:
                report = audit(manifest, seed, args.samples, opener, recomputer, trusted_srs_digest=trusted,
                               fraction=args.fraction)
    except (ValueError, OSError, ImportError) as exc:
        print(f"attrib audit: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"attrib audit: the service said {exc}", file=sys.stderr)
        return 2
    source = f"contributor {args.contributor}'s rows" if args.contributor else f"seed {seed.hex()[:16]}…"
    print(f"audited {len(report.rows)} rows of {manifest.num_rows:,} ({source}); opening "
          f"{'verified' if report.opening_verified else 'DID NOT VERIFY'} against SRS {trusted.hex()[:16]}…"
          + ("" if args.trusted_srs_digest else " (the manifest's own: pass --trusted-srs-digest)"))
    for row in report.mismatches:
        print(f"  row {row}: the registered values differ from the recomputed ones")
    if args.contributor:
        print(f"{'PASSED' if report.passed else 'FAILED'}: {len(report.mismatches)} mismatched rows of "
              f"{len(report.rows)} (every row of {args.contributor})")
    else:
        print(f"{'PASSED' if report.passed else 'FAILED'}: {len(report.mismatches)} mismatched rows; an audit of "
              f"{len(report.rows)} rows catches {args.fraction:.2%} falsified rows with probability "
              f"{report.probability:.1%}")
    return 0 if report.passed else 1
