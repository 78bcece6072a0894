"""attrib.prover.featurize: what it records (recipe, checkpoint and example digests), that it streams
(a generator of pairs, progress per batch, nothing half-written on failure), that queries made later from
the folder equal those made in the same process, and the command line (attrib featurize, attrib demo --torch)."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from attrib.demo.torch_digits import ENCODING, MLP, encode
from attrib.prover.feature_files import FeatureFiles
from attrib.prover.featurize import Featurizer, encode_example, state_dict_digest
from attrib.verifier.recipe import Recipe, example_digest


@pytest.fixture(scope="module")
def small(digits_setup):
    """The first 300 training examples and 8 queries of the shared set-up."""
    model, states, _, train, owners, queries, _ = digits_setup
    return model, states, train[:300], owners[:300], queries[:8]


def test_state_dict_digest_is_canonical():
    sd = MLP().state_dict()
    d = state_dict_digest(sd)
    assert len(d) == 32
    assert state_dict_digest(dict(reversed(list(sd.items())))) == d            # entry order does not matter
    assert state_dict_digest({k: v.clone() for k, v in sd.items()}) == d
    bumped = {k: v.clone() for k, v in sd.items()}
    bumped["fc1.bias"][0] = torch.nextafter(bumped["fc1.bias"][0], torch.tensor(1.0))   # one ulp
    assert state_dict_digest(bumped) != d
    assert state_dict_digest({k: v.double() for k, v in sd.items()}) != d           # the dtype is hashed
    renamed = {("x" + k): v for k, v in sd.items()}
    assert state_dict_digest(renamed) != d
    with pytest.raises(TypeError, match="entry 'a'"):
        state_dict_digest({"a": 1.0})


def test_encode_example_is_typed_and_shaped():
    x = torch.arange(6, dtype=torch.float32)
    a = encode_example((x, torch.tensor(3)))
    assert a == encode_example((x.clone(), 3)) == encode_example([x.numpy(), np.int64(3)])
    assert a != encode_example((x.reshape(2, 3), 3)) and a != encode_example((x.double(), 3))
    with pytest.raises(TypeError, match="tuple"):
        encode_example(x)


def test_featurize_streams_records_and_queries_later(small, tmp_path):
    model, states, train, owners, queries = small
    torch.save(states[1], tmp_path / "ckpt1.pt")
    featurizer = Featurizer(model, [states[0], str(tmp_path / "ckpt1.pt"), states[2]], proj_dim=16, seed=3,
                            batch_size=64, encode=encode, encoding=ENCODING)
    seen = []
    pairs = (pair for pair in zip(train, owners))                    # no len(): num_examples says how many
    files = featurizer.featurize(pairs, tmp_path / "out", num_examples=300,
                                 progress=lambda stage, f: seen.append((stage, f)))
    assert [f for _, f in seen] == sorted(f for _, f in seen) and seen[-1] == ("featurize", 1.0) and len(seen) == 5
    assert (files.num_rows, files.num_columns) == (300, 48)
    # the recipe pins the checkpoints, library, method, dimension, seed, quantization and encoding
    recipe = Recipe.from_json((tmp_path / "out" / "recipe.json").read_text())
    assert recipe == files.recipe == featurizer.recipe()
    assert recipe.models == tuple(state_dict_digest(s) for s in states)
    assert recipe.projection_library.startswith("traker 0.3.2 (torch 2.")
    assert "on the query side" in recipe.projection_method
    assert (recipe.projection_dimension, recipe.projection_seed, recipe.quantization_bits) == (48, 3, 16)
    assert recipe.example_encoding == ENCODING
    meta = json.loads((tmp_path / "out" / "featurize.json").read_text())
    assert meta["preconditioner"]["side"] == "query" and meta["recipe_digest"] == recipe.digest().hex()
    # example digests and contributors, in input order
    from attrib.prover.dataset import limbs_to_int

    assert [limbs_to_int(r) for r in files.example_digests()] == [example_digest(encode(e)) for e in train]
    assert files.contributors == owners
    # the same rows whatever the batch size; queries from the folder equal the in-process ones
    again = Featurizer(model, states, proj_dim=16, seed=3, batch_size=300, encode=encode, encoding=ENCODING)
    other = again.featurize(list(zip(train, owners)), tmp_path / "again")
    assert np.allclose(other.features(), files.features(), rtol=1e-5, atol=1e-7)
    fresh = Featurizer(model, states, proj_dim=16, seed=3, encode=encode, encoding=ENCODING)
    loaded = FeatureFiles.load(tmp_path / "out")
    assert np.allclose(fresh.queries(queries, loaded), featurizer.queries(queries), rtol=1e-5)
    ds = loaded.dataset()
    assert ds.recipe == recipe and ds.num_rows == 300 and ds.example_digests is not None
    with pytest.raises(ValueError, match="another library, method, checkpoints"):
        Featurizer(model, states, proj_dim=8, seed=3).queries(queries, loaded)
    with pytest.raises(ValueError, match="featurize first, or pass features="):
        fresh.queries(queries)


def test_featurize_refuses_bad_input_and_leaves_no_file(small, tmp_path):
    model, states, train, owners, _ = small
    pairs = list(zip(train[:10], owners[:10]))
    with pytest.raises(ValueError, match="pairs: 10 examples, num_examples = 12"):
        Featurizer(model, states, batch_size=4).featurize(pairs, tmp_path / "a", num_examples=12)
    assert not list((tmp_path / "a").glob("*.npy*"))
    with pytest.raises(ValueError, match="more than num_examples = 8"):
        Featurizer(model, states, batch_size=4).featurize(pairs, tmp_path / "b", num_examples=8)
    with pytest.raises(ValueError, match=r"pairs\[1\]: the contributor id"):
        Featurizer(model, states).featurize([pairs[0], (train[1], "")], tmp_path / "c")
    with pytest.raises(ValueError, match="num_examples: needed"):
        Featurizer(model, states).featurize(iter(pairs), tmp_path / "d")
    for kwargs, match in (({"library": "captum"}, "library"), ({"method": "tracin"}, "trak offers"),
                          ({"loss": torch.nn.functional.cross_entropy}, r"\(task=\), not loss="),
                          ({"library": "dattri", "weights": [1.0]}, "weights: 1 for 3 checkpoints"),
                          ({"library": "dattri", "method": "trak", "weights": [1.0] * 3}, "TracIn's"),
                          ({"proj_dim": 0}, "proj_dim"), ({"proj_type": "sjlt"}, "proj_type"),
                          ({"regularization": -1.0}, "regularization"), ({"encode": encode}, "together"),
                          ({"task": "no-such-task"}, "task")):
        with pytest.raises(ValueError, match=match):
            Featurizer(model, states, **kwargs)
    with pytest.raises(ValueError, match="not a loadable state dict"):
        Featurizer(model, [str(tmp_path / "missing.pt")])


def test_cli_featurize_writes_a_registrable_folder(tmp_path, capsys, digits_setup):
    from attrib.cli import main

    assert main(["featurize", "--out", str(tmp_path / "f"), "--library", "dattri", "--proj-dim", "8",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "dattri 0.3.0 tracin" in out and "queries.npy (64 × 24)" in out
    files = FeatureFiles.load(tmp_path / "f")
    assert files.queries().shape == (64, 24) and files.preconditioner() is None
    assert "query x lr 0.1,0.1,0.1" in files.recipe.projection_method
    ds = files.dataset()
    assert ds.num_columns == 24 and len(ds.contributors) == 50
    assert main(["featurize", "--out", str(tmp_path / "g"), "--source", "attrib.demo.torch_digits:MLP"]) == 2
    assert "not a Source" in capsys.readouterr().err


@pytest.mark.parametrize("library", ["trak", "dattri"])
def test_cli_demo_torch(capsys, digits_setup, library):
    from attrib.cli import main

    assert main(["demo", "--torch", "--library", library, "--contributors", "12", "--queries", "8"]) == 0
    out = capsys.readouterr().out
    assert "verified by the pure-Python verifier: OK" in out
    assert ("traker 0.3.2" in out) if library == "trak" else ("query x lr 0.1,0.1,0.1" in out)
