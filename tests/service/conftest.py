"""A real ``attrib serve`` on loopback (a child process, free port, temporary data directory).

``server`` is shared by the module that asks for it; tests that kill or stop a server
start their own with ``start_server``.  Every server uses a dev SRS of 2^16 powers
(cached in a session directory): the smallest an epoch's range table [0, 2^16) allows,
and big enough for a 2^14-row dataset whose proof takes long enough to interrupt.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from attrib.prover import SRS
from attrib.service.local import LocalServer

SRS_LOG_N = 16
TOKEN = "service-test-token"
VERIFY_MAX_BYTES = 1_600_000     # under the 2 MiB message limit below, over the crafted flood request
SERVER_ARGS = ["--dev-srs", str(SRS_LOG_N), "--queue-capacity", "12", "--max-message-bytes", str(2 << 20),
               "--max-queries", "256", "--max-columns", "64", "--shutdown-grace", "30",
               "--verify-max-bytes", str(VERIFY_MAX_BYTES)]


@pytest.fixture(scope="session")
def srs_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("srs-cache")


@pytest.fixture(scope="session")
def srs(srs_cache):
    """The servers' SRS, as the tests' own Prover sees it (same seed, same digest)."""
    return SRS.dev(SRS_LOG_N, seed=0, cache_dir=srs_cache)


@pytest.fixture
def start_server(tmp_path, srs_cache, srs):
    """``start_server(*extra_args)`` → a started LocalServer; every one is stopped at teardown."""
    servers = []

    def start(*extra_args, data_dir=None):
        server = LocalServer(data_dir or tmp_path / f"data{len(servers)}", TOKEN, SERVER_ARGS + list(extra_args),
                             env={"ATTRIB_SRS_CACHE_DIR": str(srs_cache)})
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory, srs_cache, srs):
    with LocalServer(tmp_path_factory.mktemp("server") / "data", TOKEN, SERVER_ARGS,
                     env={"ATTRIB_SRS_CACHE_DIR": str(srs_cache)}) as s:
        yield s


@pytest.fixture(scope="module")
def client(server):
    with server.client() as c:
        yield c


def make_rows(rows: int, cols: int, contributors: int, seed: int = 0):
    """(features, contributor ids, scales) of a random dataset."""
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"contributor-{int(x)}" for x in rng.integers(0, contributors, rows)]
    scales = rng.integers(0, 2**24, rows)
    return features, owners, scales


def make_epoch(queries: int, cols: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.integers(-(2**15) + 1, 2**15, size=(queries, cols)), [int(x) for x in rng.integers(0, 10**9, queries)]


@pytest.fixture(name="make_rows", scope="session")
def make_rows_fixture():
    return make_rows


@pytest.fixture(name="make_epoch", scope="session")
def make_epoch_fixture():
    return make_epoch


@pytest.fixture(scope="session")
def verify(srs):
    """verify_attribution with the tests' SRS pinned, as every verifier must pin the SRS it trusts."""
    from attrib.verifier import verify_attribution

    return functools.partial(verify_attribution, trusted_srs_digest=srs.digest())
