"""The BN254 scalar field Fr (r = the group order), as Montgomery element arrays.

Every public method of :class:`kernels._field.PrimeField` is a function of this
module: ``from_ints``, ``to_ints``, ``from_int64``, ``add``, ``sub``, ``neg``,
``mul``, ``square``, ``pow``, ``inv``, ``sum``, ``inner``, ``scale``, ``equal``, ...
"""

from attrib.kernels._field import FR as FIELD
from attrib.kernels._field import module_hooks

MODULUS: int = FIELD.modulus
__getattr__, __dir__ = module_hooks(FIELD)
