"""Audits (attrib.verifier.audit) on the demo's real pipeline: TracIn features of scikit-learn's digits,
registered with 1 % of the rows falsified; audits from public seeds catch it at the stated rate,
and name exactly the falsified rows they sampled.  A swapped example is caught by its digest, and a
contributor's audit of its own rows checks every one of them."""

from math import comb, sqrt

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover
from attrib.prover.dataset import limbs_to_int
from attrib.verifier.audit import audit, audit_contributor, contributor_rows, detection_probability, sample_rows
from attrib.verifier.recipe import example_digest


@pytest.fixture(scope="module")
def falsified(tmp_path_factory):
    pytest.importorskip("sklearn")
    from attrib.demo.tracin import assign_contributors, recipe_of, tracin_features

    data = tracin_features(num_queries=20, seed=0)
    contributors = assign_contributors(len(data.train_labels), 20, seed=0)
    honest = Dataset.from_float(data.train_features, contributors, recipe=recipe_of(data),
                                examples=data.train_examples)        # what the auditor recomputes
    n = honest.num_rows
    rng = np.random.default_rng(7)
    bad_rows = sorted(int(r) for r in rng.choice(n, n // 100, replace=False))     # 1 % of the rows
    features = honest.features.copy()
    features[bad_rows] = -features[bad_rows]              # a registrant who flips its rows' influence
    # the registered dataset: rows already grouped, so Dataset keeps their order
    grouped = [honest.contributors[c] for c in np.repeat(np.arange(len(honest.contributors)),
                                                             np.diff(honest.offsets))]
    digests = [limbs_to_int(x) for x in honest.example_digests]
    registered = Dataset(features, grouped, honest.scales, recipe=honest.recipe, example_digests=digests)
    assert registered.offsets == honest.offsets
    srs = SRS.dev(12, seed=5, cache_dir=tmp_path_factory.mktemp("srs"))
    reg = Prover(srs).register(registered)
    return srs, reg, honest, bad_rows


def test_sampling_is_a_function_of_the_seed():
    rows = sample_rows(b"\x01" * 32, 1000, 50)
    assert rows == sample_rows(b"\x01" * 32, 1000, 50) and len(set(rows)) == 50
    assert rows != sample_rows(b"\x02" * 32, 1000, 50)
    assert sorted(sample_rows(b"s", 10, 10)) == list(range(10))
    for bad in ((b"", 10, 1), (b"s", 10, 11), (b"s", 10, 0), ("s", 10, 1)):
        with pytest.raises(ValueError):
            sample_rows(*bad)
    assert detection_probability(0.01, 300) == pytest.approx(0.951, abs=1e-3)


def test_a_falsified_percent_is_caught_at_the_stated_rate(falsified):
    srs, reg, honest, bad_rows = falsified
    prover = Prover(srs)
    n, m, s, audits = reg.manifest.num_rows, len(bad_rows), 150, 24

    def recompute(rows):
        return [[int(v) for v in honest.features[r]] + [int(honest.scales[r]), limbs_to_int(honest.example_digests[r])]
                for r in rows]

    caught = 0
    for i in range(audits):
        seed = (i + 1).to_bytes(32, "big")                # stands in for 24 block hashes
        report = audit(reg.manifest, seed, s, lambda rows: prover.open_rows(reg, rows), recompute,
                       trusted_srs_digest=srs.digest(), fraction=m / n)
        assert report.opening_verified                    # the registrant answers with what it registered
        assert sorted(report.mismatches) == sorted(set(report.rows) & set(bad_rows))
        caught += not report.passed
    exact = 1 - comb(n - m, s) / comb(n, s)               # sampling without replacement
    assert exact >= detection_probability(m / n, s) - 1e-9
    sd = sqrt(exact * (1 - exact) / audits)
    assert abs(caught / audits - exact) <= 3 * sd + 1e-9, (caught, audits, exact)
    clean = audit(reg.manifest, b"seed", 5, lambda rows: prover.open_rows(reg, rows),
                  lambda rows: recompute(rows), trusted_srs_digest=srs.digest())
    assert clean.opening_verified
    # a registrant that answers with something other than rows of integers fails the audit, quietly
    junk = audit(reg.manifest, b"seed", 5, lambda rows: (None, prover.open_rows(reg, rows)[1]), recompute,
                 trusted_srs_digest=srs.digest())
    assert not junk.passed and not junk.opening_verified and len(junk.mismatches) == 5


def test_a_swapped_example_and_a_contributors_own_rows(falsified):
    """A registrant that keeps the features but registers another example's digest is caught on that
    row; a contributor's audit opens all of its rows (in one opening here) and finds its falsified ones."""
    srs, reg, honest, bad_rows = falsified
    prover = Prover(srs)

    def recompute(rows):
        return [[int(v) for v in honest.features[r]] + [int(honest.scales[r]), limbs_to_int(honest.example_digests[r])]
                for r in rows]

    def swapped(rows):                       # the registrant answers row 0 with another example's digest
        values, opening = prover.open_rows(reg, rows)
        return [v[:-1] + [example_digest(b"a different image")] if r == 0 else v for r, v in zip(rows, values)], opening

    report = audit(reg.manifest, b"seed", 40, swapped, recompute, trusted_srs_digest=srs.digest())
    if 0 in report.rows:
        assert not report.opening_verified
    sample = [0, 5, 9]
    values, opening = swapped(sample)
    from attrib.verifier import verify_rows
    assert not verify_rows(reg.manifest, sample, values, opening, trusted_srs_digest=srs.digest())

    owner_of_bad = reg.manifest.owner_of(bad_rows[0])
    name = reg.manifest.contributors[owner_of_bad]
    rows = contributor_rows(reg.manifest, name)
    assert rows == list(range(reg.manifest.offsets[owner_of_bad], reg.manifest.offsets[owner_of_bad + 1]))
    own = audit_contributor(reg.manifest, name, lambda rows: prover.open_rows(reg, rows), recompute,
                            trusted_srs_digest=srs.digest())
    assert own.opening_verified and own.rows == rows
    assert own.mismatches == [r for r in bad_rows if r in rows] and not own.passed
    with pytest.raises(ValueError, match="not one of this manifest's contributors"):
        contributor_rows(reg.manifest, "nobody")
