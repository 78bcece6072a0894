"""The BN254 base field Fp (G1 coordinates), as Montgomery element arrays.

Every public method of :class:`kernels._field.PrimeField` is a function of this
module: ``from_ints``, ``to_ints``, ``from_int64``, ``add``, ``sub``, ``neg``,
``mul``, ``square``, ``pow``, ``inv``, ``sum``, ``inner``, ``scale``, ``equal``, ...
"""

from kernels._field import FP as FIELD

MODULUS: int = FIELD.modulus


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(name)
    return getattr(FIELD, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | {n for n in dir(FIELD) if not n.startswith("_")})
