"""Shared fixtures: the two fields, run through one parametrised fixture (as py_ecc tests its curves)."""

import pytest

from attrib.kernels import fp, fr


@pytest.fixture(params=["fr", "fp"])
def field(request):
    """Each BN254 field module, so every field test runs on Fr and on Fp."""
    return {"fr": fr, "fp": fp}[request.param]


@pytest.fixture(scope="session")
def srs_small(tmp_path_factory):
    """An INSECURE dev SRS of 2^8 powers, for tests that only need a small one (cached per session)."""
    from attrib.prover import SRS

    return SRS.dev(8, seed=3, cache_dir=tmp_path_factory.mktemp("srs-small"))
