"""Linear algebra over Fr with small-integer matrices (see kernels/src/matvec.h)."""

from attrib.kernels._mle import matvec_small_int  # noqa: F401
