"""Feature files on disk: plain ``.npy`` / raw memmaps, TRAK save directories, and ``attrib featurize``'s folders.

Attribution libraries save per-example features as memory-mapped arrays, often larger than
memory.  This module reads them in blocks of rows, so that only the int16 result (what the prover
holds anyway) is ever whole in memory, and quantizes float rows exactly as
:meth:`attrib.prover.dataset.Dataset.from_float` does (the same φ and σ, bit for bit): per row
φ_i = round(x_i / m_i · (2^(bits−1) − 1)) with m_i = max_j |x_ij|, σ_i = round(m_i / max m · (2^24 − 1)).
It needs numpy only, not torch: a registrant's service can register files that a GPU machine made.

A TRAK save directory (``TRAKer(save_dir=…)``, traker 0.3) holds ``metadata.json`` (``JL dimension``,
``JL matrix type``, ``train set size``), one ``id_<m>.json`` per checkpoint (model id m:
``is_featurized``, ``is_finalized``), and per checkpoint a folder ``<m>/`` of ``.npy``-format
memmaps (named ``.mmap``): ``grads.mmap`` (N × p, the projected gradients g_i / √(#params)),
``out_to_loss.mmap`` (N × 1, Q_i = 1 − p_i), ``features.mmap`` (N × p, g (gᵀg)⁻¹ after
``finalize_features``) and ``<experiment>_grads.mmap`` (T × p, the targets' projected gradients),
float16 or float32.  TRAK's score is

    τ(i, t) = (1/M Σ_m ⟨φ_m(i), g_m(t)⟩) · (1/M Σ_m Q_m(i)),

an inner product once the per-row weight Q̄_i/M and the preconditioner are placed: rows
x_i = Q̄_i/M · [φ_1(i) ‖ … ‖ φ_M(i)] and queries [g_1(t) ‖ … ‖ g_M(t)].  Which side carries
TRAK's preconditioner (X_mᵀX_m)⁻¹ is ``preconditioned=``:

* ``"train"`` (TRAK's own files): rows are TRAK's finalized ``features.mmap``, queries the raw
  target gradients (:func:`trak_queries`).  Exactly TRAK's scores, but a row depends on the whole
  training set, so it cannot be recomputed from its example alone (audits) and changes on appends.
* ``"query"`` (what ``attrib featurize`` registers): rows are ``grads.mmap``, a function of the
  example and the checkpoints only; the queries carry c_m (X_mᵀX_m + λI)⁻¹ (c_m TRAK's
  normalization 1 / mean |(X_mᵀX_m + λI)⁻¹|), computed from the same files.

Every error names the file at fault and what was expected of it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attrib.verifier.limits import FEATURE_BITS, SCALE_LIMIT

CHUNK_ROWS = 1 << 14
FEATURE_KINDS = "fiu"      # float features are quantized; integer ones are φ as they are


class FeatureFileError(ValueError):
    """A feature file with the wrong layout, dtype or shape; the message names the file."""


# ---- plain arrays --------------------------------------------------------------------------

def open_array(path, dtype=None, shape=None) -> np.ndarray:
    """A read-only memmap of the 2-d array in ``path``: an ``.npy`` file (its header gives dtype and
    shape; ``dtype``/``shape``, if given, must agree) or a raw C-order memmap (``dtype`` and ``shape``
    required, and the file's size must be exactly theirs)."""
    path = Path(path)
    if not path.is_file():
        raise FeatureFileError(f"{path}: no such file")
    with open(path, "rb") as f:
        is_npy = f.read(6) == b"\x93NUMPY"
    if is_npy:
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FeatureFileError(f"{path}: not a readable .npy file ({exc})") from None
        if dtype is not None and arr.dtype != np.dtype(dtype):
            raise FeatureFileError(f"{path}: holds dtype {arr.dtype}, expected {np.dtype(dtype)}")
        if shape is not None and tuple(arr.shape) != tuple(shape):
            raise FeatureFileError(f"{path}: holds shape {arr.shape}, expected {tuple(shape)}")
    else:
        if dtype is None or shape is None:
            raise FeatureFileError(f"{path}: not an .npy file (no NumPy header); a raw memmap needs "
                                   "dtype= and shape= (N, k)")
        dt, shape = np.dtype(dtype), tuple(int(s) for s in shape)
        expected = dt.itemsize * int(np.prod(shape))
        size = path.stat().st_size
        if size != expected:
            raise FeatureFileError(f"{path}: {size:,} bytes, but a raw {dt} array of shape {shape} is "
                                   f"{expected:,} bytes")
        arr = np.memmap(path, dtype=dt, mode="r", shape=shape) if expected else np.empty(shape, dt)
    if arr.ndim != 2:
        raise FeatureFileError(f"{path}: expected a 2-d (N, k) array, got shape {arr.shape}")
    if arr.dtype.kind not in FEATURE_KINDS:
        raise FeatureFileError(f"{path}: dtype {arr.dtype} is not a feature dtype (floats, which are "
                               "quantized, or integers, which are φ as they are)")
    if 0 in arr.shape:
        raise FeatureFileError(f"{path}: the array is empty (shape {arr.shape})")
    return arr


def read_rows(arr: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of a 2-d array as float64.  A C-order memmap is read with a plain file read
    rather than through its mapping, whose pages would count in the process's resident memory until
    unmapped."""
    stop = min(stop, arr.shape[0])
    if isinstance(arr, np.memmap) and arr.filename and arr.flags.c_contiguous:
        k = arr.shape[1]
        with open(arr.filename, "rb") as f:
            f.seek(arr.offset + start * k * arr.dtype.itemsize)
            block = np.fromfile(f, dtype=arr.dtype, count=(stop - start) * k)
        if block.size != (stop - start) * k:
            raise FeatureFileError(f"{arr.filename}: truncated at row {start}")
        return block.reshape(stop - start, k).astype(np.float64)
    return np.asarray(arr[start:stop], dtype=np.float64)


def blocks_of(arr: np.ndarray, chunk_rows: int = CHUNK_ROWS):
    """(start, float64 rows) blocks of a 2-d array, ``chunk_rows`` rows at a time."""
    for start in range(0, arr.shape[0], chunk_rows):
        yield start, read_rows(arr, start, start + chunk_rows)


def quantize_blocks(blocks, num_rows: int, num_columns: int, bits: int = FEATURE_BITS,
                    name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Per-row fixed point of a float array given as a re-iterable ``blocks()`` of (start, rows):
    two passes (the row maxima, then φ), so only one block of floats is in memory at a time.
    Returns (φ as (N, k) int16, σ as (N,) int64), equal to Dataset.from_float's."""
    from attrib.prover.dataset import quantize_rows

    if not 2 <= bits <= FEATURE_BITS:
        raise ValueError(f"bits must be in [2, {FEATURE_BITS}], got {bits}")
    m = np.empty(num_rows)
    for start, x in blocks():
        if x.shape[1] != num_columns:
            raise FeatureFileError(f"{name}: a block of {x.shape[1]} columns, expected {num_columns}")
        finite = np.isfinite(x)
        if not finite.all():
            i, j = np.argwhere(~finite)[0]
            raise FeatureFileError(f"{name}: row {start + i}, column {j} is {x[i, j]}: NaN and infinity "
                                   "cannot be quantized")
        m[start:start + len(x)] = np.abs(x).max(axis=1)
    top = m.max()
    sigma = np.rint(m / top * (SCALE_LIMIT - 1)).astype(np.int64) if top > 0 else np.zeros(num_rows, np.int64)
    phi = np.empty((num_rows, num_columns), dtype=np.int16)
    for start, x in blocks():
        phi[start:start + len(x)] = quantize_rows(x, bits)[0]
    return phi, sigma


def digests_argument(example_digests):
    """Example digests as Dataset takes them (ints or (N, 4) uint64 limbs), also from the path of
    example_digests.npy."""
    if isinstance(example_digests, (str, os.PathLike)):
        path = Path(example_digests)
        limbs = open_array(path)
        if limbs.dtype != np.uint64 or limbs.shape[1] != 4:
            raise FeatureFileError(f"{path}: expected example digests as (N, 4) uint64 limbs, got "
                                   f"{limbs.dtype} {limbs.shape}")
        example_digests = limbs
    return example_digests          # Dataset takes (N, 4) uint64 limbs as they are


def dataset_from_array(cls, path, contributors, scales=None, *, bits: int = FEATURE_BITS, dtype=None, shape=None,
                       chunk_rows: int = CHUNK_ROWS, example_digests=None, **options):
    """Dataset.from_memmap (see there)."""
    arr = open_array(path, dtype, shape)
    n, k = arr.shape
    digests = digests_argument(example_digests)
    try:
        if arr.dtype.kind == "f":
            if scales is not None:
                raise ValueError("scales: float features carry their own (one per row, from its magnitude); "
                                 "give integer features to set scales")
            phi, sigma = quantize_blocks(lambda: blocks_of(arr, chunk_rows), n, k, bits, str(path))
            return cls(phi, contributors, sigma, example_digests=digests, **options)
        return cls(arr, contributors, scales, example_digests=digests, **options)
    except FeatureFileError:
        raise
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except TypeError as exc:
        raise TypeError(f"{path}: {exc}") from None


# ---- TRAK save directories -----------------------------------------------------------------

TRAK_DTYPES = (np.dtype(np.float16), np.dtype(np.float32))


@dataclass
class TrakDir:
    """A TRAK save directory's layout, checked: its dimension, rows and finished model ids."""

    path: Path
    proj_dim: int
    num_rows: int
    matrix_type: str
    model_ids: list[int]
    finalized: dict = field(default_factory=dict)

    @classmethod
    def open(cls, save_dir, model_ids=None) -> TrakDir:
        path = Path(save_dir)
        meta_file = path / "metadata.json"
        if not meta_file.is_file():
            raise FeatureFileError(f"{meta_file}: not found: {path} is not a TRAK save_dir "
                                   "(TRAKer(save_dir=…) writes metadata.json)")
        try:
            meta = json.loads(meta_file.read_text())
            proj_dim, num_rows = int(meta["JL dimension"]), int(meta["train set size"])
            matrix_type = str(meta.get("JL matrix type", ""))
        except (ValueError, KeyError, TypeError) as exc:
            raise FeatureFileError(f"{meta_file}: expected TRAK's metadata (JL dimension, train set size): "
                                   f"{exc!r}") from None
        if proj_dim < 1 or num_rows < 1:
            raise FeatureFileError(f"{meta_file}: JL dimension {proj_dim}, train set size {num_rows}")
        status = {}
        for f in sorted(path.glob("id_*.json")):
            try:
                for key, value in json.loads(f.read_text()).items():
                    status[int(key)] = (int(value["is_featurized"]), int(value["is_finalized"]), f)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise FeatureFileError(f"{f}: expected TRAK's {{model id: {{is_featurized, is_finalized}}}}: "
                                       f"{exc!r}") from None
        if not status:
            raise FeatureFileError(f"{path}: no id_<model id>.json: no checkpoint was featurized here")
        ids = sorted(status) if model_ids is None else [int(m) for m in model_ids]
        if not ids:
            raise ValueError("model_ids: at least one checkpoint")
        for m in ids:
            if m not in status:
                raise FeatureFileError(f"{path / f'id_{m}.json'}: not found: model id {m} was not featurized here "
                                       f"(found {sorted(status)})")
            if not status[m][0]:
                raise FeatureFileError(f"{status[m][2]}: model id {m} is not fully featurized "
                                       f"(is_featurized 0: some of the {num_rows} rows are missing)")
        return cls(path, proj_dim, num_rows, matrix_type, ids, {m: bool(status[m][1]) for m in ids})

    def array(self, model_id: int, name: str, rows: int | None = None, columns: int | None = None) -> np.ndarray:
        """One of a checkpoint's memmaps, checked to be a float16/float32 .npy of the expected shape."""
        f = self.path / str(model_id) / f"{name}.mmap"
        if not f.is_file():
            raise FeatureFileError(f"{f}: not found (TRAK's MmapSaver writes {name}.mmap for each model id)")
        try:
            arr = np.load(f, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FeatureFileError(f"{f}: not an .npy-format memmap as TRAK writes ({exc})") from None
        if arr.dtype not in TRAK_DTYPES:
            raise FeatureFileError(f"{f}: dtype {arr.dtype}, expected float16 or float32 (TRAK's)")
        shape = (self.num_rows if rows is None else rows, self.proj_dim if columns is None else columns)
        if arr.shape != shape:
            raise FeatureFileError(f"{f}: shape {arr.shape}, expected {shape} (metadata.json: train set size "
                                   f"{self.num_rows}, JL dimension {self.proj_dim})")
        return arr

    def train_arrays(self, preconditioned: str):
        if preconditioned not in ("train", "query"):
            raise ValueError(f"preconditioned: 'train' (TRAK's features.mmap) or 'query' (grads.mmap), "
                             f"got {preconditioned!r}")
        name = "features" if preconditioned == "train" else "grads"
        if name == "features":
            for m in self.model_ids:
                if not self.finalized[m]:
                    raise FeatureFileError(f"{self.path / f'id_{m}.json'}: model id {m} is not finalized "
                                           "(call TRAKer.finalize_features(), or read preconditioned='query')")
        rows = [self.array(m, name) for m in self.model_ids]
        weights = [self.array(m, "out_to_loss", columns=1) for m in self.model_ids]
        return rows, weights

    def blocks(self, preconditioned: str, chunk_rows: int = CHUNK_ROWS):
        """A re-iterable of (start, rows): x_i = Q̄_i/M · [A_1(i) ‖ … ‖ A_M(i)]."""
        rows, weights = self.train_arrays(preconditioned)
        count = len(rows)

        def gen():
            for start in range(0, self.num_rows, chunk_rows):
                stop = start + chunk_rows
                q = sum(read_rows(w, start, stop) for w in weights) / count
                x = np.hstack([read_rows(a, start, stop) for a in rows])
                yield start, x * (q / count)
        return gen

    def gram(self, model_id: int, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
        """X_mᵀX_m of a checkpoint's projected gradients (float64, p × p)."""
        g = self.array(model_id, "grads")
        out = np.zeros((self.proj_dim, self.proj_dim))
        for _, x in blocks_of(g, chunk_rows):
            out += x.T @ x
        return out


def trak_preconditioner(gram: np.ndarray, regularization: float = 0.0) -> np.ndarray:
    """TRAK's c·(XᵀX + λI)⁻¹, with its normalization c = 1 / mean |(XᵀX + λI)⁻¹| (BasicScoreComputer.
    get_x_xtx_inv, in float64 here)."""
    inv = np.linalg.inv(gram + regularization * np.eye(gram.shape[0]))
    return inv / np.abs(inv).mean()


def dataset_from_trak(cls, save_dir, contributors, *, preconditioned: str = "train", model_ids=None,
                      bits: int = FEATURE_BITS, chunk_rows: int = CHUNK_ROWS, example_digests=None, **options):
    """Dataset.from_trak (see there)."""
    trak = TrakDir.open(save_dir, model_ids)
    gen = trak.blocks(preconditioned, chunk_rows)
    phi, sigma = quantize_blocks(gen, trak.num_rows, trak.proj_dim * len(trak.model_ids), bits, str(trak.path))
    try:
        return cls(phi, contributors, sigma, example_digests=digests_argument(example_digests), **options)
    except ValueError as exc:
        raise ValueError(f"{trak.path}: {exc}") from None


def trak_queries(save_dir, experiment: str, *, preconditioned: str = "train", model_ids=None,
                 regularization: float = 0.0) -> np.ndarray:
    """The queries (T × M·p float64) that go with :meth:`Dataset.from_trak` rows of the same
    ``preconditioned`` side, from the experiment's target gradients ``<m>/<experiment>_grads.mmap``
    (written by ``TRAKer.start_scoring_checkpoint`` and ``score``): ⟨row_i, query_t⟩ is TRAK's
    score τ(i, t).  With ``preconditioned="query"`` each block is multiplied by TRAK's
    c_m (X_mᵀX_m + λI)⁻¹, λ = ``regularization`` (TRAKer's ``lambda_reg``; the save_dir does not record it)."""
    trak = TrakDir.open(save_dir, model_ids)
    exp_file = trak.path / "experiments.json"
    try:
        experiments = json.loads(exp_file.read_text())
        num_targets = int(experiments[experiment]["num_targets"])
    except FileNotFoundError:
        raise FeatureFileError(f"{exp_file}: not found (TRAKer.start_scoring_checkpoint writes it)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise FeatureFileError(f"{exp_file}: no experiment {experiment!r} with num_targets ({exc!r})") from None
    blocks = []
    for m in trak.model_ids:
        g = np.asarray(trak.array(m, f"{experiment}_grads", rows=num_targets), dtype=np.float64)
        if preconditioned == "query":
            g = g @ trak_preconditioner(trak.gram(m), regularization)
        elif preconditioned != "train":
            raise ValueError(f"preconditioned: 'train' or 'query', got {preconditioned!r}")
        blocks.append(g)
    return np.hstack(blocks)


# ---- attrib featurize's folders ------------------------------------------------------------

class NpyWriter:
    """An ``.npy`` file of known shape written block by block, in order, never whole in memory.

    The rows go to ``<path>.partial``, renamed to ``path`` by :meth:`close` once all of them are
    there, so that an interrupted run leaves no file that looks complete.  The result is an
    ordinary C-order ``.npy``: ``np.load(path, mmap_mode="r")`` maps it."""

    def __init__(self, path, shape, dtype) -> None:
        self.path = Path(path)
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype).newbyteorder("<") if np.dtype(dtype).itemsize > 1 else np.dtype(dtype)
        self.rows = 0
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.file = open(self.partial, "wb")    # noqa: SIM115 - kept open across write() calls, closed by close()
        np.lib.format.write_array_header_1_0(self.file, {"descr": np.lib.format.dtype_to_descr(self.dtype),
                                                         "fortran_order": False, "shape": self.shape})

    def write(self, rows) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.shape[1:] or self.rows + len(rows) > self.shape[0]:
            raise ValueError(f"{self.path}: {len(rows)} rows of shape {rows.shape[1:]} do not fit "
                             f"(written {self.rows} of {self.shape})")
        self.file.write(rows.tobytes())
        self.rows += len(rows)

    def close(self) -> None:
        self.file.close()
        if self.rows != self.shape[0]:
            self.abort()
            raise ValueError(f"{self.path}: {self.rows} rows written, {self.shape[0]} expected")
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.file.close()
        self.partial.unlink(missing_ok=True)


FEATURES_FILE, DIGESTS_FILE, CONTRIBUTORS_FILE = "features.npy", "example_digests.npy", "contributors.json"
RECIPE_FILE, META_FILE, PRECONDITIONER_FILE, QUERIES_FILE = ("recipe.json", "featurize.json", "preconditioner.npy",
                                                             "queries.npy")


@dataclass
class FeatureFiles:
    """A folder written by ``attrib featurize`` (attrib.prover.featurize.Featurizer.featurize):

    ``features.npy``         (N, k) float32 rows, in input order
    ``example_digests.npy``  (N, 4) uint64: each example's keccak256 digest (recipe.example_digest) as limbs
    ``contributors.json``    the N contributor ids, in input order
    ``recipe.json``          the Recipe (verifier.recipe) that the manifest will pin
    ``featurize.json``       what made them: library, versions, method, checkpoints, timings
    ``preconditioner.npy``   (M, p, p) float64 XᵀX per checkpoint, for methods preconditioned on the
                             query side (its keccak256 is in featurize.json); absent otherwise
    ``queries.npy``          (T, k) float64 queries, when some were made with the features

    Reading it needs numpy only (no torch)."""

    directory: Path
    meta: dict
    recipe: object
    contributors: list

    @classmethod
    def load(cls, directory) -> FeatureFiles:
        from attrib.verifier.encoding import EncodingError
        from attrib.verifier.recipe import Recipe

        d = Path(directory)
        files = {name: d / name for name in (META_FILE, RECIPE_FILE, CONTRIBUTORS_FILE, FEATURES_FILE, DIGESTS_FILE)}
        for f in files.values():
            if not f.is_file():
                raise FeatureFileError(f"{f}: not found ({d} is not a folder written by attrib featurize)")
        try:
            meta = json.loads(files[META_FILE].read_text())
            contributors = json.loads(files[CONTRIBUTORS_FILE].read_text())
        except ValueError as exc:
            raise FeatureFileError(f"{d}: {exc}") from None
        try:
            recipe = Recipe.from_json(files[RECIPE_FILE].read_text())
        except EncodingError as exc:
            raise FeatureFileError(f"{files[RECIPE_FILE]}: {exc}") from None
        out = cls(d, meta, recipe, contributors)
        n = out.features().shape[0]
        if not isinstance(contributors, list) or len(contributors) != n:
            raise FeatureFileError(f"{files[CONTRIBUTORS_FILE]}: expected a list of {n} ids (one per row of "
                                   f"{files[FEATURES_FILE]})")
        open_array(files[DIGESTS_FILE], np.uint64, (n, 4))
        return out

    def features(self) -> np.ndarray:
        return open_array(self.directory / FEATURES_FILE)

    @property
    def num_rows(self) -> int:
        return self.features().shape[0]

    @property
    def num_columns(self) -> int:
        return self.features().shape[1]

    def example_digests(self) -> np.ndarray:
        return open_array(self.directory / DIGESTS_FILE, np.uint64)

    def preconditioner(self) -> np.ndarray | None:
        f = self.directory / PRECONDITIONER_FILE
        return np.load(f, allow_pickle=False) if f.is_file() else None

    def queries(self) -> np.ndarray | None:
        f = self.directory / QUERIES_FILE
        return np.load(f, allow_pickle=False) if f.is_file() else None

    def dataset(self, **options):
        """The Dataset to register: these rows quantized (Dataset.from_memmap), with the recipe and the
        example digests."""
        from attrib.prover.dataset import Dataset

        options.setdefault("recipe", self.recipe)
        return Dataset.from_memmap(self.directory / FEATURES_FILE, self.contributors,
                                   example_digests=self.example_digests(), **options)
