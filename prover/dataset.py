"""Datasets in fixed point: features Φ, per-example scales σ, contributors.

Rows are grouped by contributor in order of first appearance (input order kept
inside each group), so contributor c owns the contiguous rows
[offsets[c], offsets[c+1]).  Each row may carry its example's digest (keccak256 of the example's
canonical bytes, attrib.verifier.recipe.example_digest), committed beside the features so that an
audit can check it holds the registered example.  The bounds on features, scales, queries, fees, rows and
contributor ids are the spec's (attrib.verifier.limits, which says why); the checks
here are the only ones: the client and the service call them too.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import linalg
from attrib.verifier.limits import (
    FEATURE_BITS,
    FEATURE_LIMIT,
    FEE_LIMIT,
    MAX_COLUMNS,
    MAX_CONTRIBUTOR_ID_BYTES,
    MAX_CONTRIBUTORS,
    MAX_DATASET_ROWS,
    MAX_QUERIES,
    QUERY_LIMIT,
    SCALE_LIMIT,
    power_of_two,
)
from attrib.verifier.recipe import DIGEST_MASK, Recipe, example_digest


def _integer_array(values, name: str, ndim: int) -> np.ndarray:
    """An integer numpy array of the given rank, or a TypeError / ValueError naming ``name``."""
    if not isinstance(values, np.ndarray):
        if isinstance(values, (list, tuple)):
            values = np.asarray(values)
        else:
            raise TypeError(f"{name}: expected a numpy array or a list, got {type(values).__name__}")
    if values.dtype.kind not in "iub":
        raise TypeError(f"{name}: expected integers, got dtype {values.dtype}")
    if values.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {values.shape}")
    return values


def _float_array(values, name: str, ndim: int) -> np.ndarray:
    if not isinstance(values, (np.ndarray, list, tuple)):
        raise TypeError(f"{name}: expected a numpy array or a list, got {type(values).__name__}")
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name}{list(bad)} is {arr[tuple(bad)]}: NaN and infinity cannot be quantized")
    return arr


def quantize_rows(values: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row fixed point: φ = round(x / m · (2^(bits−1) − 1)) with m = max |x| of the row.

    Returns (φ as int64, m); a row of zeros quantizes to zeros with m = 0.
    """
    top = (1 << (bits - 1)) - 1
    m = np.abs(values).max(axis=1) if values.shape[1] else np.zeros(values.shape[0])
    safe = np.where(m > 0, m, 1.0)
    return np.rint(values / safe[:, None] * top).astype(np.int64), m


def _check_magnitude(values: np.ndarray, limit: int, name: str, symbol: str) -> None:
    """Refuse the first entry with |x| ≥ limit, naming it; for any integer dtype (a uint64 input
    is compared as it is, never wrapped into int64)."""
    bad = values >= limit if values.dtype.kind in "ub" else (values >= limit) | (values <= -limit)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name}[{i}, {j}] = {values[i, j]} is out of range: "
                         f"|{symbol}| must be < {power_of_two(limit)}")


def check_feature_shape(shape, error=ValueError) -> None:
    """1 ≤ N ≤ MAX_DATASET_ROWS rows and 1 ≤ k ≤ MAX_COLUMNS columns, else ``error`` naming the bound."""
    n, k = shape
    if n == 0 or k == 0:
        raise error(f"features: the dataset is empty (shape {tuple(shape)})")
    if n > MAX_DATASET_ROWS:
        raise error(f"features: {n} rows exceed the supported {MAX_DATASET_ROWS}")
    if k > MAX_COLUMNS:
        raise error(f"features: {k} columns exceed the supported {MAX_COLUMNS}")


def check_features(features) -> np.ndarray:
    """Features as int16 (N × k): integers with |φ| < 2^15, 1 ≤ N ≤ MAX_DATASET_ROWS, 1 ≤ k ≤ MAX_COLUMNS."""
    feats = _integer_array(features, "features", 2)
    check_feature_shape(feats.shape)
    _check_magnitude(feats, FEATURE_LIMIT, "features", "φ")
    return feats.astype(np.int16)


def check_scales(scales, num_rows: int) -> np.ndarray:
    """Scales as int64 (N): integers 0 ≤ σ < 2^24, one per row; None means every scale is 1."""
    if scales is None:
        return np.ones(num_rows, dtype=np.int64)
    sc = _integer_array(scales, "scales", 1)
    if sc.shape[0] != num_rows:
        raise ValueError(f"scales: {sc.shape[0]} entries for {num_rows} rows")
    bad = (sc < 0) | (sc >= SCALE_LIMIT)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"scales[{i}] = {sc[i]} is out of range: 0 <= σ < {power_of_two(SCALE_LIMIT)}")
    return sc.astype(np.int64)


def check_contributors(contributors, num_rows: int) -> list[str]:
    """Contributor ids: one non-empty string of at most MAX_CONTRIBUTOR_ID_BYTES UTF-8 bytes per row,
    at most MAX_CONTRIBUTORS distinct."""
    if isinstance(contributors, (str, bytes)) or not hasattr(contributors, "__len__"):
        raise TypeError("contributors: expected a sequence of strings, one per row")
    if len(contributors) != num_rows:
        raise ValueError(f"contributors: {len(contributors)} entries for {num_rows} rows")
    ids = []
    for i, c in enumerate(contributors):
        if not isinstance(c, str):
            raise TypeError(f"contributors[{i}]: expected a string, got {type(c).__name__}")
        if not c:
            raise ValueError(f"contributors[{i}] is an empty string")
        if len(c.encode()) > MAX_CONTRIBUTOR_ID_BYTES:
            raise ValueError(f"contributors[{i}]: longer than {MAX_CONTRIBUTOR_ID_BYTES} bytes of UTF-8")
        ids.append(c)
    if len(set(ids)) > MAX_CONTRIBUTORS:
        raise ValueError(f"contributors: {len(set(ids))} distinct ids exceed the supported {MAX_CONTRIBUTORS}")
    return ids


def digest_limbs(digests) -> np.ndarray:
    """Example digests (ints in [0, 2^253)) as an (N, 4) uint64 array of little-endian limbs."""
    out = np.empty((len(digests), 4), dtype=np.uint64)
    for i, d in enumerate(digests):
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= int(d) <= DIGEST_MASK:
            raise ValueError(f"example_digests[{i}]: expected an integer in [0, 2^253) "
                             "(attrib.verifier.recipe.example_digest of the example's bytes)")
        d = int(d)
        out[i] = [(d >> (64 * b)) & 0xFFFFFFFFFFFFFFFF for b in range(4)]
    return out


def limbs_to_int(limbs) -> int:
    return sum(int(x) << (64 * b) for b, x in enumerate(limbs))


def check_examples(examples, example_digests, num_rows: int) -> np.ndarray | None:
    """The per-row example digests as (N, 4) uint64 limbs, from the examples' canonical bytes
    (hashed with attrib.verifier.recipe.example_digest) or from the digests themselves (ints, or
    already (N, 4) uint64 little-endian limbs); None if neither."""
    if examples is not None and example_digests is not None:
        raise ValueError("give the examples' bytes or their digests, not both")
    if examples is None and example_digests is None:
        return None
    if isinstance(example_digests, np.ndarray) and example_digests.ndim == 2:
        if example_digests.dtype != np.uint64 or example_digests.shape != (num_rows, 4):
            raise ValueError(f"example_digests: limbs are a ({num_rows}, 4) uint64 array, got "
                             f"{example_digests.dtype} {example_digests.shape}")
        if (example_digests[:, 3] >> np.uint64(61)).any():
            i = int(np.argmax(example_digests[:, 3] >> np.uint64(61)))
            raise ValueError(f"example_digests[{i}]: expected an integer in [0, 2^253) "
                             "(attrib.verifier.recipe.example_digest of the example's bytes)")
        return np.array(example_digests, dtype=np.uint64)
    values = examples if examples is not None else example_digests
    name = "examples" if examples is not None else "example_digests"
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name}: expected a sequence, one entry per row")
    if len(values) != num_rows:
        raise ValueError(f"{name}: {len(values)} entries for {num_rows} rows")
    if examples is not None:
        for i, e in enumerate(examples):
            if not isinstance(e, (bytes, bytearray, memoryview)):
                raise TypeError(f"examples[{i}]: expected the example's canonical bytes, got {type(e).__name__}")
        values = [example_digest(e) for e in examples]
    return digest_limbs(values)


class Dataset:
    """A registered dataset's content: grouped features, scales, contributors, example digests and
    the recipe that made the features (attrib.verifier.recipe)."""

    def __init__(self, features, contributors, scales=None, *, recipe: Recipe | None = None, examples=None,
                 example_digests=None) -> None:
        feats = check_features(features)
        n = feats.shape[0]
        ids = check_contributors(contributors, n)
        sc = check_scales(scales, n)
        if recipe is not None and not isinstance(recipe, Recipe):
            raise TypeError(f"recipe: expected verifier.recipe.Recipe, got {type(recipe).__name__}")
        digests = check_examples(examples, example_digests, n)
        self.recipe = recipe or Recipe()
        # group rows by contributor, in order of first appearance, stable inside a group
        order_of, group = {}, np.empty(n, dtype=np.int64)
        for i, c in enumerate(ids):
            group[i] = order_of.setdefault(c, len(order_of))
        self.row_order = np.argsort(group, kind="stable")
        self.contributors = tuple(order_of)
        counts = np.bincount(group, minlength=len(order_of))
        self.offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(counts)]))
        self.features = np.ascontiguousarray(feats[self.row_order])
        self.scales = np.ascontiguousarray(sc[self.row_order])
        self.example_digests = None if digests is None else np.ascontiguousarray(digests[self.row_order])

    @classmethod
    def from_float(cls, features, contributors, bits: int = FEATURE_BITS, **options) -> "Dataset":
        """Quantize float features with one scale per example.

        φ_i = round(x_i / m_i · (2^(bits−1) − 1)) with m_i = max_j |x_ij|, and
        σ_i = round(m_i / max_i m_i · (2^24 − 1)), so x_ij ≈ φ_ij·σ_i·unit for a
        common unit: the per-example magnitude lives in σ, the direction in φ.
        """
        if not 2 <= bits <= FEATURE_BITS:
            raise ValueError(f"bits must be in [2, {FEATURE_BITS}], got {bits}")
        x = _float_array(features, "features", 2)
        if x.size == 0:
            raise ValueError(f"features: the dataset is empty (shape {x.shape})")
        phi, m = quantize_rows(x, bits)
        top = m.max()
        sigma = np.rint(m / top * (SCALE_LIMIT - 1)).astype(np.int64) if top > 0 else np.zeros(len(m), np.int64)
        return cls(phi, contributors, sigma, **options)

    @classmethod
    def from_memmap(cls, path, contributors, scales=None, *, bits: int = FEATURE_BITS, dtype=None, shape=None,
                    chunk_rows: int = 1 << 14, **options) -> Dataset:
        """A dataset from a 2-d array on disk, read ``chunk_rows`` rows at a time (never whole in memory).

        ``path`` is an ``.npy`` file (``np.save``, ``np.lib.format.open_memmap``, ``attrib featurize``'s
        features.npy) or a raw C-order memmap (``np.memmap``), for which ``dtype`` and ``shape`` (N, k) are
        required.  Float rows are quantized exactly as :meth:`from_float` does (the same φ and σ; ``scales``
        must then be None); integer rows are φ as they are, with ``scales`` (default all 1).
        ``example_digests`` may also be (N, 4) uint64 limbs or the path of example_digests.npy; the other
        ``options`` are the constructor's.  A wrong layout, dtype or shape raises
        :class:`attrib.prover.feature_files.FeatureFileError` (a ValueError) naming the file.
        """
        from attrib.prover.feature_files import dataset_from_array

        return dataset_from_array(cls, path, contributors, scales, bits=bits, dtype=dtype, shape=shape,
                                  chunk_rows=chunk_rows, **options)

    @classmethod
    def from_trak(cls, save_dir, contributors, *, preconditioned: str = "train", model_ids=None,
                  bits: int = FEATURE_BITS, chunk_rows: int = 1 << 14, **options) -> Dataset:
        """A dataset from a TRAK save directory (``TRAKer(save_dir=…)``, traker 0.3): per training example
        x_i = Q̄_i/M · [A_1(i) ‖ … ‖ A_M(i)] over its M checkpoints (``model_ids``, default all that are
        fully featurized), with Q̄_i the mean of TRAK's out-to-loss weights and A_m TRAK's finalized
        features (``preconditioned="train"``, the preconditioner (XᵀX)⁻¹ on this side) or its projected
        gradients (``"query"``: the queries carry it), quantized as :meth:`from_float`.  Proven totals
        with :func:`attrib.prover.feature_files.trak_queries` of the same side are TRAK's own scores
        summed per contributor.  The save_dir records neither the checkpoints, the projection seed nor
        the examples: pass ``recipe=`` and ``example_digests=`` for an auditable registration.  A
        missing file, or one of the wrong dtype or shape, raises FeatureFileError naming it.
        """
        from attrib.prover.feature_files import dataset_from_trak

        return dataset_from_trak(cls, save_dir, contributors, preconditioned=preconditioned, model_ids=model_ids,
                                 bits=bits, chunk_rows=chunk_rows, **options)

    @property
    def num_rows(self) -> int:
        return self.features.shape[0]

    @property
    def num_columns(self) -> int:
        return self.features.shape[1]



def aggregate_by_contributor(features: np.ndarray, scales: np.ndarray, offsets) -> np.ndarray:
    """G[c, j] = Σ_{i ∈ rows(c)} σ_i·φ_ij, exact in int64 (C × k), for rows grouped by contributor."""
    features, scales, starts = np.asarray(features), np.asarray(scales), np.asarray(offsets[:-1])
    if (features.dtype == np.int16 and features.ndim == 2 and scales.dtype == np.int64 and starts.ndim == 1
            and starts.dtype.kind == "i" and starts.size and 0 <= starts.min() and starts.max() < features.shape[0]):
        return linalg.group_sums(features, scales, starts)      # the same sums, without N × k int64 temporaries
    weighted = features.astype(np.int64) * scales[:, None]
    return np.add.reduceat(weighted, starts, axis=0)


def quantize_queries(queries, num_columns: int) -> np.ndarray:
    """Queries as int64 (T × k): integers are checked (|q| < 2^15); floats are
    quantized per query, q_t = round(Q_t / max|Q_t| · (2^15 − 1)).  A per-query
    scale multiplies that query's totals by one positive constant, which leaves
    its fee split unchanged."""
    arr = np.asarray(queries) if isinstance(queries, (list, tuple)) else queries
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"queries: expected a numpy array or a list, got {type(queries).__name__}")
    if arr.ndim != 2 or arr.shape[1] != num_columns:
        raise ValueError(f"queries: expected shape (T, {num_columns}), got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("queries: an epoch needs at least one query")
    if arr.shape[0] > MAX_QUERIES:
        raise ValueError(f"queries: {arr.shape[0]} queries exceed the most in one epoch, "
                         f"{power_of_two(MAX_QUERIES)}")
    if arr.dtype.kind in "iub":
        _check_magnitude(arr, QUERY_LIMIT, "queries", "q")
        return arr.astype(np.int64)
    q, _ = quantize_rows(_float_array(arr, "queries", 2), FEATURE_BITS)
    return q


def check_fees(fees, num_queries: int) -> list[int]:
    """Fees as Python ints: one non-negative integer below 2^128 per query."""
    if isinstance(fees, np.ndarray):
        if fees.dtype.kind not in "iu":
            raise TypeError(f"fees: expected integers, got dtype {fees.dtype}")
        fees = fees.tolist()
    if not isinstance(fees, (list, tuple)):
        raise TypeError(f"fees: expected a sequence of integers, got {type(fees).__name__}")
    if len(fees) != num_queries:
        raise ValueError(f"fees: {len(fees)} fees for {num_queries} queries (one per query)")
    out = []
    for t, f in enumerate(fees):
        if isinstance(f, bool) or not isinstance(f, (int, np.integer)):
            raise TypeError(f"fees[{t}]: expected an integer, got {type(f).__name__}")
        if not 0 <= int(f) < FEE_LIMIT:
            raise ValueError(f"fees[{t}] = {f}: fees must be non-negative and below {power_of_two(FEE_LIMIT)}")
        out.append(int(f))
    return out
