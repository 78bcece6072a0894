"""Multilinear evaluation tables over Fr: eq tables, folding, sum-check rounds (see kernels._mle)."""

from attrib.kernels._mle import MAX_FACTORS, eq_table, evaluate, fold, round_evals, round_terms  # noqa: F401
