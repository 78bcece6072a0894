"""Small datasets written as .npy files, their in-memory registrations, and one Dask LocalCluster."""

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover


@pytest.fixture(scope="session")
def srs(tmp_path_factory):
    """A disk-cached INSECURE dev SRS (2^12 powers): workers map its file."""
    return SRS.dev(12, seed=3, cache_dir=tmp_path_factory.mktemp("srs-dist"))


def grouped(seed=0, rows=1000, cols=5, contributors=7, scales=True, examples=True):
    """(features, per-row ids, scales, digests) whose rows are already grouped by id, ids in order."""
    rng = np.random.default_rng(seed)
    counts = 1 + np.bincount(rng.integers(0, contributors, rows - contributors), minlength=contributors)
    ids = np.repeat([f"c{i}" for i in range(contributors)], counts).tolist()
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols)).astype(np.int16)
    sc = rng.integers(0, 2**24, rows) if scales else None
    digests = [int(x) << 190 | int(y) for x, y in zip(rng.integers(0, 2**62, rows), rng.integers(0, 2**62, rows))] \
        if examples else None
    return features, ids, sc, digests


class Case:
    """A dataset on disk (features.npy, scales.npy, examples.npy) and its in-memory registration."""

    def __init__(self, srs, directory, **shape):
        self.features, self.ids, self.scales, self.digests = grouped(**shape)
        self.dataset = Dataset(self.features, self.ids, self.scales, example_digests=self.digests)
        self.reference = Prover(srs).register(self.dataset)
        self.dir = directory
        np.save(directory / "features.npy", self.features)
        if self.scales is not None:
            np.save(directory / "scales.npy", np.asarray(self.scales, dtype=np.int64))
        if self.digests is not None:
            np.save(directory / "examples.npy", self.dataset.example_digests)

    def source(self, **options):
        from attrib.prover.streaming import RowSource

        return RowSource(self.dir / "features.npy", self.dataset.contributors, self.dataset.offsets,
                         self.dir / "scales.npy" if self.scales is not None else None,
                         self.dir / "examples.npy" if self.digests is not None else None, **options)

    def same_bytes(self, reg) -> bool:
        return (reg.manifest.to_bytes() == self.reference.manifest.to_bytes()
                and reg.proof.to_bytes() == self.reference.proof.to_bytes()
                and np.array_equal(reg.aggregate, self.reference.aggregate))


@pytest.fixture(scope="session")
def make_case(srs, tmp_path_factory):
    cache = {}

    def make(**shape):
        key = tuple(sorted(shape.items()))
        if key not in cache:
            cache[key] = Case(srs, tmp_path_factory.mktemp("case"), **shape)
        return cache[key]

    return make
