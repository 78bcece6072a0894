"""A small PyTorch model on a dataset that ships with scikit-learn, and the helpers the featurize tests share.

The MLP of attrib.demo.torch_digits (64-32-10, three SGD checkpoints) on scikit-learn's digits, split
among 40 contributors, 32 test digits as the queries.  Torch runs on one thread: for a 2,410-parameter
model a contended thread pool is only slower (tenfold on two busy cores)."""

import numpy as np
import pytest

CONTRIBUTORS, QUERIES, FEE = 40, 32, 1_000_000


@pytest.fixture(scope="session")
def digits_setup():
    """(model, checkpoints, learning rate, train examples, owners, query examples, accuracy)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from attrib.demo.torch_digits import setup

    torch.set_num_threads(1)
    return setup(QUERIES, CONTRIBUTORS, seed=0)


@pytest.fixture(scope="session")
def featurize_srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(16, seed=21, cache_dir=tmp_path_factory.mktemp("srs"))


@pytest.fixture(scope="session")
def prove(featurize_srs):
    """prove(dataset, queries) -> the verified Epoch of one epoch of equal fees."""
    from attrib.prover import Prover
    from attrib.verifier import verify_attribution

    def run(ds, queries):
        prover = Prover(featurize_srs)
        reg = prover.register(ds)
        epoch = prover.prove(reg, queries, [FEE] * len(queries))
        assert verify_attribution(reg.manifest.to_bytes(), epoch.claim.to_bytes(), epoch.proof.to_bytes(),
                                  trusted_srs_digest=featurize_srs.digest())
        return epoch
    return run


@pytest.fixture(scope="session")
def check_fidelity():
    return _check_fidelity


def _check_fidelity(epoch, reference_scores, owners, contributors, payout_bound=1e-4):
    """The proven totals against the library's per-example scores summed per contributor: Spearman
    ≥ 0.999 per query, identical top-10 contributors in every query, and each query's proven split of
    its fee within ``payout_bound`` of that fee from the float split.  Returns the figures."""
    from attrib.demo.tracin import contributor_totals, fidelity

    reference = contributor_totals(reference_scores, owners, contributors)
    fig = fidelity(np.array(epoch.totals, dtype=float), reference, epoch.payouts, [FEE] * reference.shape[1])
    assert fig["spearman_min"] >= 0.999, fig["spearman_min"]
    assert fig["top10_identical"] == 1.0
    assert fig["payout_deviation_per_query"] <= payout_bound, fig["payout_deviation_per_query"]
    return fig
