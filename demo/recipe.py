"""The demo's recipe, as an auditor runs it: recompute the registered rows of ``attrib demo`` (TracIn
on scikit-learn's digits, default arguments) from the examples and the training procedure, so that
``attrib audit --recompute attrib.demo.recipe:recompute_rows`` can compare them with the registrant's."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def _dataset(contributors: int = 50, queries: int = 200, seed: int = 0):
    from attrib.demo.tracin import assign_contributors, recipe_of, tracin_features
    from attrib.prover import Dataset

    data = tracin_features(num_queries=queries, seed=seed)
    return Dataset.from_float(data.train_features, assign_contributors(len(data.train_labels), contributors,
                                                                       seed + 2),
                              recipe=recipe_of(data), examples=data.train_examples)


def recompute_rows(rows, manifest=None) -> list[list[int]]:
    """Per registered row (manifest order), its k features, its scale and its example's digest,
    recomputed from the examples and the training procedure the recipe names."""
    from attrib.prover.dataset import limbs_to_int

    ds = _dataset()
    if manifest is not None and (
            (ds.num_rows, ds.contributors) != (manifest.num_rows, manifest.contributors)
            or ds.recipe.digest() != manifest.recipe_digest):
        raise ValueError("this recipe recomputes the default `attrib demo` dataset, not this manifest's "
                         "(its size, contributors or recipe digest differ)")
    return [[int(v) for v in ds.features[r]] + [int(ds.scales[r]), limbs_to_int(ds.example_digests[r])]
            for r in rows]
