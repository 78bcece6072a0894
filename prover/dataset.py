"""Datasets in fixed point: features Φ, per-example scales σ, contributors.

Rows are grouped by contributor in order of first appearance (input order kept
inside each group), so contributor c owns the contiguous rows
[offsets[c], offsets[c+1]).  Features are integers with |φ| < 2^15 (int16);
scales are integers 0 ≤ σ < 2^24.  These bounds keep every per-contributor sum
Σ σ_i·φ_ij exact in int64 for up to 2^24 rows, and every total far below r/2.
"""

from __future__ import annotations

import numpy as np

FEATURE_LIMIT = 1 << 15          # |φ| < 2^15
SCALE_LIMIT = 1 << 24            # 0 <= σ < 2^24
QUERY_LIMIT = 1 << 15            # |q| < 2^15
MAX_ROWS = 1 << 24


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


class Dataset:
    """A registered dataset's content: grouped features, scales and contributors."""

    def __init__(self, features, contributors, scales=None) -> None:
        feats = _integer_array(features, "features", 2)
        n, k = feats.shape
        if n == 0 or k == 0:
            raise ValueError(f"features: the dataset is empty (shape {feats.shape})")
        if n > MAX_ROWS:
            raise ValueError(f"features: {n} rows exceed the supported {MAX_ROWS}")
        if np.abs(feats.astype(np.int64)).max() >= FEATURE_LIMIT:
            i, j = np.argwhere(np.abs(feats.astype(np.int64)) >= FEATURE_LIMIT)[0]
            raise ValueError(f"features[{i}, {j}] = {feats[i, j]} is out of range: |φ| must be < 2^15")
        if isinstance(contributors, (str, bytes)) or not hasattr(contributors, "__len__"):
            raise TypeError("contributors: expected a sequence of strings, one per row")
        if len(contributors) != n:
            raise ValueError(f"contributors: {len(contributors)} entries for {n} rows")
        ids = []
        for i, c in enumerate(contributors):
            if not isinstance(c, str):
                raise TypeError(f"contributors[{i}]: expected a string, got {type(c).__name__}")
            if not c:
                raise ValueError(f"contributors[{i}] is an empty string")
            ids.append(c)
        if scales is None:
            sc = np.ones(n, dtype=np.int64)
        else:
            sc = _integer_array(scales, "scales", 1)
            if sc.shape[0] != n:
                raise ValueError(f"scales: {sc.shape[0]} entries for {n} rows")
            if (sc < 0).any() or (sc.astype(np.int64) >= SCALE_LIMIT).any():
                i = int(np.argmax((sc < 0) | (sc.astype(np.int64) >= SCALE_LIMIT)))
                raise ValueError(f"scales[{i}] = {sc[i]} is out of range: 0 <= σ < 2^24")
        # group rows by contributor, in order of first appearance, stable inside a group
        order_of, group = {}, np.empty(n, dtype=np.int64)
        for i, c in enumerate(ids):
            group[i] = order_of.setdefault(c, len(order_of))
        self.row_order = np.argsort(group, kind="stable")
        self.contributors = tuple(order_of)
        counts = np.bincount(group, minlength=len(order_of))
        self.offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(counts)]))
        self.features = np.ascontiguousarray(feats[self.row_order].astype(np.int16))
        self.scales = np.ascontiguousarray(sc[self.row_order].astype(np.int64))

    @classmethod
    def from_float(cls, features, contributors, bits: int = 16) -> "Dataset":
        """Quantize float features with one scale per example.

        φ_i = round(x_i / m_i · (2^(bits−1) − 1)) with m_i = max_j |x_ij|, and
        σ_i = round(m_i / max_i m_i · (2^24 − 1)), so x_ij ≈ φ_ij·σ_i·unit for a
        common unit: the per-example magnitude lives in σ, the direction in φ.
        """
        if not 2 <= bits <= 16:
            raise ValueError(f"bits must be in [2, 16], got {bits}")
        x = _float_array(features, "features", 2)
        if x.size == 0:
            raise ValueError(f"features: the dataset is empty (shape {x.shape})")
        phi, m = quantize_rows(x, bits)
        top = m.max()
        sigma = np.rint(m / top * (SCALE_LIMIT - 1)).astype(np.int64) if top > 0 else np.zeros(len(m), np.int64)
        return cls(phi, contributors, sigma)

    @property
    def num_rows(self) -> int:
        return self.features.shape[0]

    @property
    def num_columns(self) -> int:
        return self.features.shape[1]

    def contributor_features(self) -> np.ndarray:
        """G[c, j] = Σ_{i ∈ rows(c)} σ_i·φ_ij, exact in int64 (C × k)."""
        weighted = self.features.astype(np.int64) * self.scales[:, None]
        return np.add.reduceat(weighted, np.asarray(self.offsets[:-1]), axis=0)


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
    if arr.dtype.kind in "iu":
        q = arr.astype(np.int64)
        if np.abs(q).max() >= QUERY_LIMIT:
            t, j = np.argwhere(np.abs(q) >= QUERY_LIMIT)[0]
            raise ValueError(f"queries[{t}, {j}] = {q[t, j]} is out of range: |q| must be < 2^15")
        return q
    q, _ = quantize_rows(_float_array(arr, "queries", 2), 16)
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
        if not 0 <= int(f) < 1 << 128:
            raise ValueError(f"fees[{t}] = {f}: fees must be non-negative and below 2^128")
        out.append(int(f))
    return out
