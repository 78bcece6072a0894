"""Univariate polynomials over Fr as coefficient arrays, lowest degree first (see kernels._mle)."""

from attrib.kernels._mle import divide_linear, evaluate_univariate, powers  # noqa: F401
