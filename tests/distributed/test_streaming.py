"""Streamed registration (attrib.prover.streaming): the bytes of Prover.register, under any plan."""

import pickle

import numpy as np
import pytest

from attrib.prover import Prover, Registration
from attrib.prover.streaming import Plan, RowSource, SourceError, register_stream
from attrib.verifier.registration import verify_registration


def plan(commit_block, streamed, window_log, msm_block=64):
    p = Plan.__new__(Plan)
    p.budget, p.commit_block, p.streamed, p.window_log, p.msm_block = 0, commit_block, streamed, window_log, msm_block
    return p


@pytest.mark.parametrize("blocks", [(1000, 0, 10), (128, 0, 4), (100, 3, 5), (37, 2, 2), (1 << 10, 9, 9)])
def test_streamed_bytes_are_the_in_memory_bytes(srs, make_case, blocks):
    case = make_case(rows=1000, cols=5, contributors=7)
    reg = register_stream(Prover(srs), case.source(), plan=plan(*blocks))
    assert case.same_bytes(reg)
    assert verify_registration(reg.manifest, reg.proof, trusted_srs_digest=srs.digest())


@pytest.mark.parametrize("shape", [{"rows": 64, "cols": 3, "contributors": 40, "scales": False, "examples": False},
                                   {"rows": 300, "cols": 33, "contributors": 3, "examples": False},
                                   {"rows": 2, "cols": 1, "contributors": 1}])
def test_shapes_where_g_or_padding_dominates(srs, make_case, shape):
    case = make_case(**shape)
    for p in (plan(16, 0, 3), plan(7, 5, 5), plan(1 << 12, 0, 12)):
        assert case.same_bytes(register_stream(Prover(srs), case.source(), plan=p))


def test_default_budget_and_prover_method(srs, make_case, tmp_path):
    case = make_case(rows=1000, cols=5, contributors=7)
    reg = Prover(srs).register_stream(case.source())
    assert case.same_bytes(reg)
    reg.save(tmp_path / "reg")
    again = Registration.load(tmp_path / "reg")
    assert again.manifest.to_bytes() == case.reference.manifest.to_bytes()
    assert np.array_equal(again.features, case.features) and np.array_equal(again.examples, case.dataset.example_digests)
    assert sorted(p.name for p in (tmp_path / "reg").iterdir() if p.name.startswith("."))  == []


def test_small_budget_streams_rounds_and_refuses_below_the_floor(srs, make_case):
    case = make_case(rows=1000, cols=5, contributors=7)
    p = Plan(10, 1000, 5, 240_000)
    assert p.streamed > 0
    assert case.same_bytes(register_stream(Prover(srs), case.source(), memory_budget=240_000))
    with pytest.raises(SourceError, match="floor"):
        Plan(24, 1 << 24, 32, 1 << 30)


def test_row_groups_give_the_offsets(make_case, tmp_path):
    case = make_case(rows=1000, cols=5, contributors=7)
    groups = np.repeat(np.arange(7), np.diff(case.dataset.offsets))
    np.save(tmp_path / "groups.npy", groups)
    src = RowSource.from_row_groups(case.dir / "features.npy", tmp_path / "groups.npy", case.dataset.contributors,
                                    block_rows=64)
    assert src.offsets.tolist() == list(case.dataset.offsets)
    bad = groups.copy()
    bad[500] = 0
    with pytest.raises(SourceError, match="grouped"):
        RowSource.from_row_groups(case.features, bad, case.dataset.contributors, block_rows=64)


def test_bounds_are_checked_while_reading(srs, make_case):
    case = make_case(rows=1000, cols=5, contributors=7)
    feats = case.features.copy()
    feats[777, 3] = -(2**15)
    with pytest.raises(SourceError, match=r"features\[777, 3\]"):
        register_stream(Prover(srs), RowSource(feats, case.dataset.contributors, case.dataset.offsets))
    scales = np.ones(1000, dtype=np.int64)
    scales[5] = 2**24
    with pytest.raises(SourceError, match=r"scales\[5\]"):
        register_stream(Prover(srs), RowSource(case.features, case.dataset.contributors, case.dataset.offsets, scales))
    with pytest.raises(SourceError, match="offsets"):
        RowSource(case.features, case.dataset.contributors, [0, 5, 5, 10, 20, 30, 40, 1000])
    with pytest.raises(SourceError, match="distinct"):
        RowSource(case.features, ["a", "a"], [0, 5, 1000])


def test_a_source_pickles_memmaps_as_files(make_case):
    case = make_case(rows=1000, cols=5, contributors=7)
    src = case.source()
    data = pickle.dumps(src)
    assert len(data) < 20_000                       # the rows are not in the pickle
    back = pickle.loads(data)
    assert isinstance(back.features, np.memmap) and np.array_equal(back.features, case.features)
    assert np.array_equal(back.read(10, 20)[0], case.features[10:20])


def test_memory_maps_are_read_by_blocks_and_saved_as_np_save_would(tmp_path):
    from attrib.prover.storage import atomic_save_npy, drop_pages, read_block, readonly_map

    a = np.arange(3000 * 7, dtype=np.int64).reshape(3000, 7)
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert np.array_equal(read_block(m, 100, 2900), a[100:2900]) and np.array_equal(read_block(m[50:], 0, 10), a[50:60])
    c = np.load(tmp_path / "a.npy", mmap_mode="c")
    assert np.array_equal(readonly_map(c[123:456]), a[123:456]) and readonly_map(c[123:456]).mode == "r"
    c[0, 0] = -1                                    # a copy-on-write mapping keeps what was written to it
    drop_pages(c)
    assert c[0, 0] == -1
    atomic_save_npy(tmp_path / "b.npy", m)
    np.save(tmp_path / "c.npy", a)
    assert (tmp_path / "b.npy").read_bytes() == (tmp_path / "c.npy").read_bytes()
