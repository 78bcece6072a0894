"""Fast BN254 arithmetic for the prover: fields, G1, MSM, multilinear helpers.

No protocol logic lives here.  ``kernels.fr`` and ``kernels.fp`` are the two
fields; ``kernels.params`` declares their constants once.
"""

from attrib.kernels._field import has_openmp, max_threads, scalar_backend, set_threads, simd_backend

__all__ = ["has_openmp", "max_threads", "scalar_backend", "set_threads", "simd_backend"]
