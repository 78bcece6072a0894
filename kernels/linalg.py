"""Linear algebra over Fr with small-integer matrices (see kernels/src/matvec.h)."""

from attrib.kernels._mle import group_sums, matvec_small_int  # noqa: F401
