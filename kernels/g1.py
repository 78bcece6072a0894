"""BN254 G1 point arrays and multi-scalar multiplication (see kernels._g1)."""

from attrib.kernels._g1 import (  # noqa: F401
    add,
    buckets,
    check,
    double,
    from_bytes,
    from_ints,
    from_py_ecc,
    generator,
    infinity,
    is_on_curve,
    msm,
    msm_columns,
    neg,
    random,
    release_scratch,
    scalar_mul,
    to_bytes,
    to_ints,
    to_py_ecc,
)
