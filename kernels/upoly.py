"""Univariate polynomials over Fr as coefficient arrays, lowest degree first (see kernels._mle)."""

from attrib.kernels._mle import (  # noqa: F401
    divide_linear,
    divide_linear_inplace,
    divide_roots_inplace,
    evaluate_univariate,
    powers,
)
