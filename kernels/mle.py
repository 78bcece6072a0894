"""Multilinear evaluation tables over Fr: eq tables, folding, sum-check rounds (see kernels._mle)."""

from attrib.kernels._mle import (  # noqa: F401
    MAX_FACTORS,
    Gathered,
    Repeated,
    Rule,
    Tiled,
    axpy,
    eq_table,
    evaluate,
    fold,
    fold_round_terms,
    gather,
    gather_add,
    round_evals,
    round_terms,
    scatter_add,
)
