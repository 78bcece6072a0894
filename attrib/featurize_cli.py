"""``attrib featurize``: per-example features of a PyTorch model through TRAK or dattri, streamed to disk.

::

    attrib featurize --out features/                                   # the demo's MLP on scikit-learn digits
    attrib featurize --out features/ --library dattri --method tracin
    attrib featurize --out features/ --source mypackage.attribution:source --proj-dim 128

``--source MODULE:FUNCTION`` names a function returning an :class:`attrib.prover.featurize.Source`
(the model, its checkpoints, the (example, contributor) pairs, optional query examples and the
library options); the default is the demo's (attrib.demo.torch_digits:source).  The folder gets
features.npy, example_digests.npy, contributors.json, recipe.json, featurize.json, the
preconditioner for preconditioned methods and queries.npy when the source has query examples
(attrib.prover.feature_files.FeatureFiles).  Register it with
``FeatureFiles.load(DIR).dataset()`` (or ``Dataset.from_memmap``), which needs numpy only.
Needs the 'torch' extra: ``pip install 'attrib[torch]'``.
"""

from __future__ import annotations

import argparse
import sys
import time

from attrib.cli import function_from_spec

DEFAULT_SOURCE = "attrib.demo.torch_digits:source"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write (created if need be)")
    parser.add_argument("--source", default=DEFAULT_SOURCE, metavar="MODULE:FUNCTION",
                        help=f"FUNCTION() returns an attrib.prover.featurize.Source (default {DEFAULT_SOURCE}: "
                             "an MLP on scikit-learn digits)")
    parser.add_argument("--library", choices=("trak", "dattri"), default="trak")
    parser.add_argument("--method", choices=("trak", "tracin"),
                        help="the library's method (trak: trak; dattri: tracin, the default, or trak)")
    parser.add_argument("--proj-dim", type=int, default=32, help="projected dimensions per checkpoint (default 32)")
    parser.add_argument("--proj-type", choices=("normal", "rademacher"), default="normal")
    parser.add_argument("--seed", type=int, default=0, help="the projection seed (recorded in the recipe)")
    parser.add_argument("--regularization", type=float, default=0.0,
                        help="λ added to XᵀX for preconditioned methods (TRAK's lambda_reg; default 0)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch's intra-op threads (default: torch's own; a small model is fastest on 1, "
                             "markedly so when another process holds a core)")
    parser.add_argument("--no-queries", action="store_true", help="do not make queries.npy of the source's queries")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    import resource

    from attrib.demo.run import Progress

    try:
        from attrib.prover.featurize import Featurizer, Source
    except ImportError as exc:
        print(f"attrib featurize: {exc}", file=sys.stderr)
        return 2
    bars = Progress(not args.no_progress and sys.stderr.isatty())
    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    try:
        source = function_from_spec(args.source, "--source")()
        if not isinstance(source, Source):
            raise ValueError(f"--source: {args.source} returned a {type(source).__name__}, "  # noqa: TRY004
                             "not a Source")
        options = dict(source.options)
        method = args.method or ("trak" if args.library == "trak" else "tracin")
        if method != "tracin":
            options.pop("weights", None)
        for key in (("loss", "target") if args.library == "trak" else ("task",)):
            options.pop(key, None)
        featurizer = Featurizer(source.model, source.checkpoints, library=args.library, method=method,
                                proj_dim=args.proj_dim, proj_type=args.proj_type, seed=args.seed,
                                regularization=args.regularization, batch_size=args.batch_size, **options)
        if source.description:
            print(f"attrib featurize: {source.description}")
        start = time.perf_counter()
        files = featurizer.featurize(source.pairs, args.out, num_examples=source.num_examples, progress=bars)
        elapsed = time.perf_counter() - start
        queries = None
        if source.queries is not None and not args.no_queries:
            queries = featurizer.queries(source.queries, progress=bars)
            featurizer.save_queries(queries, args.out)
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"attrib featurize: {exc}", file=sys.stderr)
        return 2
    n, k = files.num_rows, files.num_columns
    print(f"{featurizer.library_version} {featurizer.method}: {n:,} examples × {k} features "
          f"({len(featurizer.checkpoints)} checkpoints × {featurizer.proj_dim}) in {elapsed:.2f} s "
          f"({n / elapsed:,.0f} examples/s); peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    print(f"recipe {files.recipe.digest().hex()}: {files.recipe.projection_method}")
    written = ["features.npy", "example_digests.npy", "contributors.json", "recipe.json", "featurize.json"]
    if files.meta.get("preconditioner"):
        written.append("preconditioner.npy (XᵀX per checkpoint: the queries' preconditioner)")
    if queries is not None:
        written.append(f"queries.npy ({queries.shape[0]} × {k})")
    print(f"wrote {files.directory}/: " + ", ".join(written))
    print("register it with attrib.prover.feature_files.FeatureFiles.load(DIR).dataset()")
    return 0
