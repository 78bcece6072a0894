"""Growing datasets (appends) and the feature recipe: a dataset registered as segment 0 grows by
appended segments whose ΔG is proven and whose C_G adds up; epochs and row openings work on any
version; every broken link, cheating append and tampered recipe is refused."""

import dataclasses

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover, Registration
from attrib.prover.registration import prove_registration
from attrib.verifier import Manifest, verify_attribution, verify_registration, verify_rows
from attrib.verifier.encoding import EncodingError
from attrib.verifier.recipe import Recipe, example_digest
from attrib.verifier.registration import follows, verify_versions
from attrib.verifier.terms import Terms, payee_path, verify_payee_path

K = 6
OWNER = 0xA11CE
RECIPE = Recipe(models=(bytes(range(32)), bytes(32)), projection_library="tests", projection_method="gaussian",
                projection_dimension=K, projection_seed=9, quantization_bits=16, scale_rule="max-abs",
                example_encoding="utf-8 text")


def rows_of(rng, n, ids):
    return Dataset(rng.integers(-3000, 3000, (n, K)), ids, rng.integers(0, 1000, n), recipe=RECIPE,
                   examples=[f"{ids[i]}:{i}:{rng.integers(1 << 30)}".encode() for i in range(n)])


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    srs = SRS.dev(16, seed=17, cache_dir=tmp_path_factory.mktemp("srs"))
    rng = np.random.default_rng(17)
    prover = Prover(srs)
    first = rows_of(rng, 90, [f"c{i % 5}" for i in range(90)])
    v0 = prover.register(first, Terms.with_payees(OWNER, [0x100 + c for c in range(5)], 0xB0B, 1000))
    # an append: returning contributors c1 and c4, and three new ones
    second = rows_of(rng, 37, [["c4", "n0", "c1", "n1", "n2"][i % 5] for i in range(37)])
    v1 = prover.append(v0, second, Terms.with_payees(OWNER, [0x200, 0x201, 0x202], 0xB0B, 1000, base=5))
    # and one more with only returning contributors
    third = rows_of(rng, 11, [["n1", "c0"][i % 2] for i in range(11)])
    v2 = prover.append(v1, third)
    return srs, prover, [v0, v1, v2], [first, second, third]


def test_versions_verify_and_their_aggregate_is_every_segments(versions):
    srs, _, regs, datasets = versions
    d = srs.digest()
    manifests = [r.manifest for r in regs]
    proofs = [r.proof for r in regs]
    assert verify_versions(manifests, proofs, trusted_srs_digest=d)
    assert verify_versions([m.to_bytes() for m in manifests], [p.to_bytes() for p in proofs], trusted_srs_digest=d)
    v1 = manifests[1]
    assert (v1.segment, v1.contributor_base, v1.num_contributors, v1.returning) == (1, 5, 8, (1, 4))
    assert v1.contributors == ("n0", "n1", "n2") and v1.previous == manifests[0].digest()
    assert regs[2].contributor_ids == ("c0", "c1", "c2", "c3", "c4", "n0", "n1", "n2")
    assert manifests[2].contributors == () and manifests[2].owners == (0, 6)
    # G at the last version is the aggregate of every row of every segment, by contributor id
    index = {c: i for i, c in enumerate(regs[2].contributor_ids)}
    expected = np.zeros((8, K), dtype=np.int64)
    for ds in datasets:
        for group, c in enumerate(ds.contributors):
            lo, hi = ds.offsets[group], ds.offsets[group + 1]
            expected[index[c]] += (ds.features[lo:hi].astype(np.int64) * ds.scales[lo:hi, None]).sum(axis=0)
    assert np.array_equal(regs[2].aggregate, expected)
    # bytes and JSON round trips keep every new field
    for m in manifests:
        assert Manifest.from_bytes(m.to_bytes()) == m and Manifest.from_json(m.to_json()) == m
    assert manifests[0].recipe_digest == RECIPE.digest() and manifests[0].example_commitment != (0, 0)


def test_an_epoch_on_an_appended_version(versions):
    srs, prover, regs, _ = versions
    rng = np.random.default_rng(3)
    epoch = prover.prove(regs[1], rng.integers(-500, 500, (8, K)), [10**6] * 8, seq=4)
    assert verify_attribution(regs[1].manifest, epoch.claim, epoch.proof, trusted_srs_digest=srs.digest())
    assert len(epoch.payouts) == 8 and sum(epoch.payouts) == epoch.claim.total_paid
    # the same epoch against another version of the dataset is refused (its digest is in the claim)
    for other in (regs[0].manifest, regs[2].manifest):
        assert not verify_attribution(other, epoch.claim, epoch.proof, trusted_srs_digest=srs.digest())


def test_rows_open_against_their_own_version_only(versions):
    srs, prover, regs, datasets = versions
    d = srs.digest()
    rows = [0, 17, 36]
    values, opening = prover.open_rows(regs[1], rows)
    assert verify_rows(regs[1].manifest, rows, values, opening, trusted_srs_digest=d)
    assert [v[-1] for v in values] == [regs[1].example_digests[r] for r in rows]
    for other in (regs[0].manifest, regs[2].manifest):
        assert not verify_rows(other, rows, values, opening, trusted_srs_digest=d)      # another version
    v0_values, v0_opening = prover.open_rows(regs[0], rows)
    assert not verify_rows(regs[1].manifest, rows, v0_values, v0_opening, trusted_srs_digest=d)
    owner = regs[1].manifest.owner_of(0)
    assert owner == regs[1].manifest.owners[0] == 1                                    # c1's returning rows first


def test_broken_links_are_refused(versions):
    srs, prover, regs, _ = versions
    d = srs.digest()
    v0, v1, v2 = (r.manifest for r in regs)
    assert follows(v0, v1) and follows(v1, v2) and not follows(v0, v2) and not follows(v1, v1)
    assert not verify_registration(v1, regs[1].proof, trusted_srs_digest=d)                 # no previous
    assert not verify_registration(v1, regs[1].proof, trusted_srs_digest=d, previous=v2)    # a wrong one
    assert not verify_registration(v0, regs[0].proof, trusted_srs_digest=d, previous=v1)    # segment 0 has none
    assert not verify_versions([v0, v2], [regs[0].proof, regs[2].proof], trusted_srs_digest=d)
    assert not verify_versions([v1, v0], [regs[1].proof, regs[0].proof], trusted_srs_digest=d)
    assert not verify_versions([v0, v1], [regs[0].proof], trusted_srs_digest=d)
    other_owner = dataclasses.replace(v1.terms, owner=0xE11E)
    tampered = {
        "segment + 1": dataclasses.replace(v1, segment=2),
        "another previous": dataclasses.replace(v1, previous=bytes(31) + b"\x01"),
        "base − 1": dataclasses.replace(v1, contributor_base=4, returning=(1,), contributors=("c4x", *v1.contributors)),
        "another owner": dataclasses.replace(v1, terms=other_owner),
        "another model share": dataclasses.replace(v1, terms=dataclasses.replace(v1.terms, model_share_bp=999)),
        "another recipe": dataclasses.replace(v1, recipe_digest=Recipe(projection_seed=1).digest()),
        "C_G not C_G(prev) + C_ΔG": dataclasses.replace(v1, aggregate_commitment=v1.segment_aggregate),
        "C_ΔG not its rows'": dataclasses.replace(v1, appended_aggregate=v0.aggregate_commitment),
        "a returning owner dropped": dataclasses.replace(v1, returning=(4,), offsets=(0,) + v1.offsets[2:]),
        "rows moved to another owner": dataclasses.replace(v1, returning=(0, 4)),
        "an example commitment of another segment": dataclasses.replace(v1, example_commitment=v0.example_commitment),
    }
    accepted = [name for name, m in tampered.items()
                if verify_registration(m, regs[1].proof, trusted_srs_digest=d, previous=v0)]
    assert accepted == []
    with pytest.raises(EncodingError, match="segment 0"):
        dataclasses.replace(v0, returning=(0,))
    with pytest.raises(EncodingError, match="previous"):
        dataclasses.replace(v1, previous=bytes(32))
    with pytest.raises(EncodingError, match="returning"):
        dataclasses.replace(v1, returning=(4, 1))


def test_a_cheating_append_is_refused(versions):
    """An append whose ΔG credits a contributor more than its rows (e.g. an old contributor who owns
    no row of the segment), proven with the prover's own code: the sum-check cannot close."""
    srs, prover, regs, _ = versions
    v0, v1 = regs[0], regs[1]
    powers = srs.powers_for(v1.manifest.log_rows)
    for c, j in ((0, 0), (5, 3), (1, K - 1)):                # c0 has no row in segment 1; n0 and c1 do
        delta = (np.asarray(v1.aggregate) - np.pad(np.asarray(v0.aggregate), ((0, 3), (0, 0)))).copy()
        delta[c, j] += 1
        from attrib.kernels import g1
        from attrib.prover.hyperkzg import commit
        from attrib.prover.registration import aggregate_table
        m = v1.manifest
        wrong = g1.to_ints(commit(powers, aggregate_table(delta, m.log_columns, m.log_contributors)))
        from py_ecc.optimized_bn128 import add
        from attrib.verifier.encoding import g1_affine, g1_from_affine
        total = g1_affine(add(v0.manifest.aggregate_point(), g1_from_affine(*wrong)))
        cheat = dataclasses.replace(m, appended_aggregate=wrong, aggregate_commitment=total)
        assert follows(v0.manifest, cheat)                    # the link holds: only the proof can catch it
        proof = prove_registration(powers, cheat, v1.features, v1.scales, delta)
        assert not verify_registration(cheat, proof, trusted_srs_digest=srs.digest(), previous=v0.manifest)


def test_append_refuses_what_would_break_the_dataset(versions):
    srs, prover, regs, _ = versions
    rng = np.random.default_rng(5)
    v0 = regs[0]
    with pytest.raises(ValueError, match="columns"):
        prover.append(v0, Dataset(rng.integers(-5, 5, (3, K + 1)), ["x"] * 3, recipe=RECIPE,
                                  examples=[b"a", b"b", b"c"]))
    with pytest.raises(ValueError, match="recipe"):
        prover.append(v0, Dataset(rng.integers(-5, 5, (3, K)), ["x"] * 3, examples=[b"a", b"b", b"c"]))
    with pytest.raises(ValueError, match="examples"):
        prover.append(v0, Dataset(rng.integers(-5, 5, (3, K)), ["x"] * 3, recipe=RECIPE))
    with pytest.raises(ValueError, match="owner and the fee layers"):
        prover.append(v0, rows_of(rng, 3, ["x"] * 3), Terms.with_payees(0xE11E, [0x5], base=5))


def test_appended_versions_save_and_load(versions, tmp_path):
    _, prover, regs, _ = versions
    regs[1].save(tmp_path / "v1")
    back = Registration.load(tmp_path / "v1")
    assert back.manifest == regs[1].manifest and back.contributor_ids == regs[1].contributor_ids
    assert back.recipe == RECIPE and np.array_equal(back.examples, regs[1].examples)
    assert np.array_equal(back.aggregate, regs[1].aggregate)
    (tmp_path / "v1" / "recipe.json").write_text(Recipe(projection_seed=3).to_json())
    with pytest.raises(Exception, match="recipe digest"):
        Registration.load(tmp_path / "v1")


def test_a_segments_payee_root_covers_its_new_contributors():
    addresses = [0x200, 0x201, 0x202]
    terms = Terms.with_payees(OWNER, addresses, base=5)
    depth = 3                                                  # C = 8
    for i, a in enumerate(addresses):
        path = payee_path([0] * 5 + addresses, depth, 5 + i)
        assert verify_payee_path(terms.payee_root, depth, 5 + i, a, path)
        assert not verify_payee_path(terms.payee_root, depth, 5 + i, 0x999, path)
    assert not verify_payee_path(terms.payee_root, depth, 0, 0x100, payee_path([0] * 5 + addresses, depth, 0))


def test_the_recipe_is_canonical_and_bound():
    assert Recipe.from_bytes(RECIPE.to_bytes()) == RECIPE and Recipe.from_json(RECIPE.to_json()) == RECIPE
    assert Recipe().unspecified and not RECIPE.unspecified
    digests = {RECIPE.digest()}
    for change in ({"models": (bytes(32),)}, {"projection_library": "x"}, {"projection_method": "y"},
                   {"projection_dimension": 7}, {"projection_seed": 10}, {"quantization_bits": 8},
                   {"scale_rule": "z"}, {"example_encoding": "w"}):
        digests.add(dataclasses.replace(RECIPE, **change).digest())
    assert len(digests) == 9                                   # every field changes the digest
    for bad in ({"models": (b"short",)}, {"projection_seed": -1}, {"quantization_bits": 17},
                {"projection_library": "x" * 300}, {"version": 2}, {"projection_dimension": True}):
        with pytest.raises(EncodingError):
            dataclasses.replace(RECIPE, **bad)
    data = RECIPE.to_bytes()
    for bad in (data[:-1], data + bytes(32), data[:32] + (99).to_bytes(32, "big") + data[64:]):
        with pytest.raises(EncodingError):
            Recipe.from_bytes(bad)
    text = RECIPE.to_json().replace('"seed": 9', '"seed": 10')
    with pytest.raises(EncodingError, match="digest"):
        Recipe.from_json(text)
    assert example_digest(b"x") < 2**253 and example_digest(b"x") != example_digest(b"y")
    with pytest.raises(TypeError):
        example_digest("text")
    with pytest.raises(ValueError, match="not both"):
        Dataset([[1]], ["a"], examples=[b"x"], example_digests=[1])
    with pytest.raises(ValueError, match="2 entries for 1 rows"):
        Dataset([[1]], ["a"], examples=[b"x", b"y"])
    with pytest.raises(ValueError, match="2\\^253"):
        Dataset([[1]], ["a"], example_digests=[2**253])


def test_a_balance_spans_versions(versions):
    """A withdrawal's balance over an epoch proved at version 0 (C = 5) and one at version 1 (C = 8):
    Prover.open_balance pads the older payouts and binds the dataset's id (its segment-0 digest)."""
    from py_ecc.optimized_bn128 import add

    from attrib.verifier import verify_balance

    srs, prover, regs, _ = versions
    rng = np.random.default_rng(11)
    e1 = prover.prove(regs[0], rng.integers(-500, 500, (4, K)), [10**6] * 4, seq=1)
    e2 = prover.prove(regs[1], rng.integers(-500, 500, (4, K)), [10**6] * 4, seq=2)
    ident = regs[0].manifest.digest()
    w = add(e1.claim.payouts_commitment, e2.claim.payouts_commitment)
    for index in (2, 6):                                     # an old contributor and one the append introduced
        value, commitment, opening = prover.open_balance(regs[1].manifest, 2, {1: e1.payouts, 2: e2.payouts}, index,
                                                         dataset_id=ident)
        expected = (e1.payouts[index] if index < 5 else 0) + e2.payouts[index]
        assert value == expected
        assert verify_balance(regs[1].manifest, 2, [], w, index, value, opening, trusted_srs_digest=srs.digest(),
                              dataset_id=ident)
        assert not verify_balance(regs[1].manifest, 2, [], w, index, value + 1, opening,
                                  trusted_srs_digest=srs.digest(), dataset_id=ident)
        assert not verify_balance(regs[1].manifest, 2, [], w, index, value, opening,
                                  trusted_srs_digest=srs.digest(), dataset_id=regs[1].manifest.digest())
