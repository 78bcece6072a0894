"""Feature files without torch: Dataset.from_memmap (.npy and raw memmaps, read in blocks) quantizes exactly as
Dataset.from_float; Dataset.from_trak reads a TRAK save directory laid out as traker 0.3's MmapSaver writes
it (metadata.json, id_<m>.json, <m>/*.mmap .npy-format memmaps); and every wrong layout, dtype or shape is
refused with an error naming the file."""

import json

import numpy as np
import pytest

from attrib.prover import Dataset
from attrib.prover.feature_files import FeatureFileError, FeatureFiles, NpyWriter, trak_preconditioner, trak_queries


def floats(rows=53, cols=7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)) * rng.lognormal(0, 2, (rows, 1))
    owners = [f"c{int(i)}" for i in rng.integers(0, 5, rows)]
    return x, owners


def same(a: Dataset, b: Dataset) -> None:
    assert a.offsets == b.offsets and a.contributors == b.contributors
    assert np.array_equal(a.features, b.features) and np.array_equal(a.scales, b.scales)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_from_memmap_quantizes_as_from_float_in_blocks(tmp_path, dtype):
    x, owners = floats()
    x = x.astype(dtype)
    np.save(tmp_path / "x.npy", x)
    same(Dataset.from_memmap(tmp_path / "x.npy", owners, chunk_rows=8), Dataset.from_float(x, owners))
    same(Dataset.from_memmap(tmp_path / "x.npy", owners, bits=9, chunk_rows=5), Dataset.from_float(x, owners, bits=9))


def test_from_memmap_raw_files_and_integers(tmp_path):
    x, owners = floats()
    raw = np.memmap(tmp_path / "x.memmap", dtype=np.float32, mode="w+", shape=x.shape)
    raw[:] = x
    raw.flush()
    same(Dataset.from_memmap(tmp_path / "x.memmap", owners, dtype=np.float32, shape=x.shape, chunk_rows=4),
         Dataset.from_float(x.astype(np.float32), owners))
    phi = np.rint(x * 100).astype(np.int32)
    scales = np.arange(len(owners))
    np.save(tmp_path / "phi.npy", phi)
    same(Dataset.from_memmap(tmp_path / "phi.npy", owners, scales), Dataset(phi, owners, scales))


def test_from_memmap_takes_example_digests_as_limbs(tmp_path):
    x, owners = floats(rows=6)
    np.save(tmp_path / "x.npy", x)
    digests = [3 ** 100 + i for i in range(6)]
    ds = Dataset.from_float(x, owners, example_digests=digests)
    from attrib.prover.dataset import digest_limbs

    np.save(tmp_path / "d.npy", digest_limbs(digests))
    for given in (digest_limbs(digests), tmp_path / "d.npy"):
        assert np.array_equal(Dataset.from_memmap(tmp_path / "x.npy", owners, example_digests=given).example_digests,
                              ds.example_digests)
    too_big = digest_limbs(digests)
    too_big[4, 3] = np.uint64(1 << 61)                            # a digest of 2^253 or more
    refused(r"example_digests\[4\]: expected an integer in \[0, 2\^253\)", Dataset, x.astype(int), owners,
            example_digests=too_big)
    refused(r"limbs are a \(6, 4\) uint64 array", Dataset, x.astype(int), owners,
            example_digests=too_big.astype(np.int64))
    np.save(tmp_path / "d.npy", digest_limbs(digests)[:, :3])
    refused(f"{tmp_path / 'd.npy'}: expected example digests as \\(N, 4\\) uint64", Dataset.from_memmap,
            tmp_path / "x.npy", owners, example_digests=tmp_path / "d.npy")


def refused(match, call, *args, **kwargs):
    with pytest.raises((FeatureFileError, ValueError, TypeError), match=match):
        call(*args, **kwargs)


def test_from_memmap_errors_name_the_file(tmp_path):
    x, owners = floats(rows=4, cols=3)
    path = tmp_path / "x.npy"
    name = str(path)
    np.save(path, x[None])                                         # 3-d
    refused(f"{name}: expected a 2-d", Dataset.from_memmap, path, owners)
    np.save(path, x[:, 0])                                         # 1-d
    refused(f"{name}: expected a 2-d", Dataset.from_memmap, path, owners)
    np.save(path, x.astype(np.complex64))
    refused(f"{name}: dtype complex64 is not a feature dtype", Dataset.from_memmap, path, owners)
    np.save(path, x > 0)
    refused(f"{name}: dtype bool", Dataset.from_memmap, path, owners)
    np.save(path, np.array([["a", "b"]]))
    refused(f"{name}: dtype <U1", Dataset.from_memmap, path, owners)
    np.save(path, np.array([[object()]]), allow_pickle=True)
    refused(f"{name}: not a readable .npy", Dataset.from_memmap, path, owners)
    np.save(path, np.zeros((0, 3)))
    refused(f"{name}: the array is empty", Dataset.from_memmap, path, [])
    np.save(path, x)
    refused(f"{name}: holds shape \\(4, 3\\), expected \\(4, 2\\)", Dataset.from_memmap, path, owners, shape=(4, 2))
    refused(f"{name}: holds dtype float64, expected float32", Dataset.from_memmap, path, owners, dtype=np.float32)
    refused(f"{name}: contributors: 3 entries for 4 rows", Dataset.from_memmap, path, owners[:3])
    refused(f"{name}: scales: float features", Dataset.from_memmap, path, owners, [1, 2, 3, 4])
    bad = x.copy()
    bad[2, 1] = np.nan
    np.save(path, bad)
    refused(f"{name}: row 2, column 1 is nan", Dataset.from_memmap, path, owners)
    np.save(path, np.full((4, 3), 40000, dtype=np.int32))
    refused(f"{name}: features\\[0, 0\\] = 40000 is out of range", Dataset.from_memmap, path, owners)
    raw = tmp_path / "x.bin"
    x.astype(np.float32).tofile(raw)
    refused(f"{raw}: not an .npy file .*dtype= and shape=", Dataset.from_memmap, raw, owners)
    refused(f"{raw}: 48 bytes, but a raw float32 array of shape \\(5, 3\\) is 60 bytes",
            Dataset.from_memmap, raw, owners, dtype=np.float32, shape=(5, 3))
    refused(f"{tmp_path / 'nothing.npy'}: no such file", Dataset.from_memmap, tmp_path / "nothing.npy", owners)


# ---- TRAK save directories, laid out as traker 0.3's MmapSaver writes them -------------------

def trak_dir(root, n=30, p=4, models=2, seed=1, dtype=np.float32, finalized=True, targets=3):
    """A save_dir with what TRAKer.featurize / finalize_features / score write; returns the arrays."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "metadata.json").write_text(json.dumps({"JL dimension": p, "JL matrix type": "normal",
                                                    "train set size": n}))
    (root / "experiments.json").write_text(json.dumps({"exp": {"num_targets": targets, "scores_path": "x",
                                                               "scores_finalized": 1}}))
    arrays = {}
    for m in range(models):
        (root / f"id_{m}.json").write_text(json.dumps({str(m): {"is_featurized": 1, "is_finalized": int(finalized)}}))
        d = root / str(m)
        d.mkdir(exist_ok=True)
        g = rng.standard_normal((n, p))
        feats = g @ trak_preconditioner(g.T @ g)
        q = rng.uniform(0, 1, (n, 1))
        t = rng.standard_normal((targets, p))
        for name, value in (("grads", g), ("features", feats), ("out_to_loss", q), ("exp_grads", t)):
            mm = np.lib.format.open_memmap(d / f"{name}.mmap", mode="w+", dtype=dtype, shape=value.shape)
            mm[:] = value
            mm.flush()
            del mm
        np.lib.format.open_memmap(d / "_is_featurized.mmap", mode="w+", dtype=np.int32, shape=(n, 1))[:] = 1
        arrays[m] = {k: np.load(d / f"{k}.mmap").astype(np.float64) for k in ("grads", "features", "out_to_loss",
                                                                             "exp_grads")}
    return arrays


def trak_scores(arrays):
    """TRAK's finalize_scores: (1/M Σ_m features_m targets_mᵀ) · (1/M Σ_m Q_m)."""
    models = len(arrays)
    s = sum(a["features"] @ a["exp_grads"].T for a in arrays.values()) / models
    return s * (sum(a["out_to_loss"] for a in arrays.values()) / models)


@pytest.mark.parametrize("side", ["train", "query"])
def test_from_trak_rows_and_queries_give_trak_scores(tmp_path, side):
    arrays = trak_dir(tmp_path / "trak")
    owners = [f"c{i % 4}" for i in range(30)]
    ds = Dataset.from_trak(tmp_path / "trak", owners, preconditioned=side, chunk_rows=7)
    assert (ds.num_rows, ds.num_columns) == (30, 8)
    q = trak_queries(tmp_path / "trak", "exp", preconditioned=side)
    weight = sum(a["out_to_loss"] for a in arrays.values()) / 4
    name = "features" if side == "train" else "grads"
    rows = np.hstack([arrays[m][name] for m in (0, 1)]) * weight
    same(ds, Dataset.from_float(rows, owners))
    scores = rows @ q.T
    assert np.allclose(scores, trak_scores(arrays), rtol=1e-4, atol=1e-6 * np.abs(scores).max())
    one = Dataset.from_trak(tmp_path / "trak", owners, model_ids=[1], preconditioned=side)
    assert one.num_columns == 4


def test_from_trak_errors_name_the_file(tmp_path):
    owners = [f"c{i % 4}" for i in range(30)]
    root = tmp_path / "trak"
    refused(f"{root / 'metadata.json'}: not found", Dataset.from_trak, root, owners)
    trak_dir(root, finalized=False)
    refused(f"{root / 'id_0.json'}: model id 0 is not finalized", Dataset.from_trak, root, owners)
    assert Dataset.from_trak(root, owners, preconditioned="query").num_rows == 30
    refused(f"{root / 'id_7.json'}: not found", Dataset.from_trak, root, owners, model_ids=[7])
    refused("preconditioned: 'train'", Dataset.from_trak, root, owners, preconditioned="both")
    (root / "id_1.json").write_text(json.dumps({"1": {"is_featurized": 0, "is_finalized": 0}}))
    refused(f"{root / 'id_1.json'}: model id 1 is not fully featurized", Dataset.from_trak, root, owners,
            preconditioned="query")
    root = tmp_path / "t2"
    trak_dir(root)
    grads = root / "1" / "grads.mmap"
    np.save(grads, np.zeros((30, 4)))
    (root / "1" / "grads.mmap.npy").rename(grads)
    refused(f"{grads}: dtype float64, expected float16 or float32", Dataset.from_trak, root, owners,
            preconditioned="query")
    np.save(grads, np.zeros((29, 4), np.float16))
    (root / "1" / "grads.mmap.npy").rename(grads)
    refused(f"{grads}: shape \\(29, 4\\), expected \\(30, 4\\)", Dataset.from_trak, root, owners,
            preconditioned="query")
    grads.write_bytes(b"not a numpy file at all")
    refused(f"{grads}: not an .npy-format memmap", Dataset.from_trak, root, owners, preconditioned="query")
    grads.unlink()
    refused(f"{grads}: not found", Dataset.from_trak, root, owners, preconditioned="query")
    refused(f"{root}: contributors: 29 entries for 30 rows", Dataset.from_trak, root, owners[:29])
    refused(f"{root / 'experiments.json'}: no experiment 'other'", trak_queries, root, "other")
    (root / "metadata.json").write_text("{}")
    refused(f"{root / 'metadata.json'}: expected TRAK's metadata", Dataset.from_trak, root, owners)
    root = tmp_path / "t3"
    root.mkdir()
    (root / "metadata.json").write_text(json.dumps({"JL dimension": 4, "train set size": 30}))
    refused(f"{root}: no id_<model id>.json", Dataset.from_trak, root, owners)


def test_npy_writer_streams_and_leaves_nothing_half_written(tmp_path):
    w = NpyWriter(tmp_path / "a.npy", (5, 3), np.float32)
    w.write(np.ones((2, 3)))
    w.write(np.zeros((3, 3)))
    w.close()
    assert np.array_equal(np.load(tmp_path / "a.npy", mmap_mode="r"), np.r_[np.ones((2, 3)), np.zeros((3, 3))])
    w = NpyWriter(tmp_path / "b.npy", (5, 3), np.float32)
    w.write(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 rows written, 5 expected"):
        w.close()
    assert not list(tmp_path.glob("b.npy*"))
    with pytest.raises(ValueError, match="do not fit"):
        NpyWriter(tmp_path / "c.npy", (1, 3), np.float32).write(np.ones((2, 3)))


def test_feature_files_load_names_what_is_missing(tmp_path):
    with pytest.raises(FeatureFileError, match=f"{tmp_path / 'featurize.json'}: not found"):
        FeatureFiles.load(tmp_path)
