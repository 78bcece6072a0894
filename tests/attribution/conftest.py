"""A small registered dataset and one proved epoch, shared by the attribution tests."""

import functools

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover


@pytest.fixture(scope="session")
def srs(tmp_path_factory):
    """2^16 powers: an epoch's range table [0, 2^16) sets the smallest batch."""
    return SRS.dev(16, seed=11, cache_dir=tmp_path_factory.mktemp("srs"))


@pytest.fixture(scope="session")
def other_srs(tmp_path_factory):
    return SRS.dev(16, seed=12, cache_dir=tmp_path_factory.mktemp("srs2"))


def make_dataset(seed=0, rows=300, cols=6, contributors=7):
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"c{int(x)}" for x in rng.integers(0, contributors, rows)]
    scales = rng.integers(0, 2**24, rows)
    return Dataset(features, owners, scales), features, owners, scales


@pytest.fixture(name="make_dataset", scope="session")
def make_dataset_fixture():
    return make_dataset


@pytest.fixture(scope="session")
def proved(srs):
    """(prover, registration, queries, fees, Epoch) for a 300-row dataset and 5 queries."""
    ds, *_ = make_dataset()
    prover = Prover(srs)
    reg = prover.register(ds)
    rng = np.random.default_rng(1)
    queries = rng.integers(-(2**15) + 1, 2**15, size=(5, 6))
    fees = [10**6, 0, 7, 2**95, 123456]
    return prover, reg, queries, fees, prover.prove(reg, queries, fees)


@pytest.fixture(scope="session")
def epoch(proved):
    """(prover, registration, queries, fees, claim, proof)."""
    prover, reg, queries, fees, result = proved
    return prover, reg, queries, fees, result.claim, result.proof


@pytest.fixture(scope="session")
def verify(srs):
    """verify_attribution with the tests' SRS pinned, as every verifier must pin the SRS it trusts."""
    from attrib.verifier import verify_attribution

    return functools.partial(verify_attribution, trusted_srs_digest=srs.digest())
