"""Shared fixtures: the two fields, run through one parametrised fixture (as py_ecc tests its curves)."""

import pytest

from kernels import fp, fr


@pytest.fixture(params=["fr", "fp"])
def field(request):
    """Each BN254 field module, so every field test runs on Fr and on Fp."""
    return {"fr": fr, "fp": fp}[request.param]
