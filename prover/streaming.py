"""Registering a dataset from disk in row blocks, with peak memory bounded by a budget (issue 17).

``Prover.register(Dataset(...))`` holds the N × k features, then five sum-check tables of 2^nR
field elements (32 bytes each), at once: about 3.4 GB at N = 2^22, k = 32.  :func:`register_stream`
reads the rows of a :class:`RowSource` (memory-mapped ``.npy`` files, or arrays) block by block
and produces the SAME manifest and registration proof, byte for byte, because every step is a sum
that may be split by rows:

- a column commitment is an MSM, Σ_i Φ[i, j]·[τ^i]_1 = Σ_blocks Σ_{i ∈ block} Φ[i, j]·[τ^i]_1:
  the blocks' points are added (the scales and the example digests likewise);
- G[c, j] = Σ_{i ∈ rows(c)} σ_i·Φ[i, j] is accumulated block by block in exact int64;
- the sum-check tables w, σ, s = Φ·eq(r_j, ·), G and E + λ·K_hi are built by windows of rows
  (:class:`RegistrationTables`); a round's message is a sum over the table's entry pairs, so the
  first rounds may be summed window by window.  Binding x_0 first (attrib.prover.sumcheck) keeps
  each window of 2^b aligned rows closed under the first b folds: round j ≤ b of a window is the
  window's own business.  With a small budget the first ``m`` rounds are streamed (each a pass
  over the rows, the window folded with u_0 … u_{j−1} before its round sums), then the tables
  folded m times (2^(nR−m) entries each) are built by one more pass, and the rest runs in memory;
- the HyperKZG opening's ρ-combination σ + ρ·s + ρ²·G is built by windows, and its MSMs run by
  blocks (attrib.prover.hyperkzg.open_combined).

What is held at once (:class:`Plan` sizes it from the budget): the commit pass, one block of rows
and its MSM scratch; the sum-check, 5·2^(nR−m) elements (plus one half-size fold); the opening,
about three tables of 2^nR elements (96·2^nR bytes: 1.5 GB at nR = 24) plus an MSM block, the
floor below which a budget is refused.  Memory-mapped inputs (and the SRS cache, mapped again
read-only) are read block by block and their pages released after each block (they stay in the
page cache), so the peak resident size follows the budget, not N·k: at N = 2^24, k = 32 the peak
was 2.2 GB under the default 4 GiB budget and 1.9 GB under 2 GiB, where ``Prover.register``
would need about 14 GB (3.4 GB measured at 2^22; bench/README.md, "Beyond one machine").

Limits: a streamed registration is a first segment (appends still go through ``Prover.append``);
the rows must already be grouped by contributor (contributor c owns rows [offsets[c],
offsets[c+1])), in the order in which ``Dataset`` would group them, and the bounds are those of
``Dataset`` (checked block by block, before anything is returned).
"""

from __future__ import annotations

import mmap
import os
import time
from pathlib import Path

import numpy as np

from attrib.kernels import fr, g1, linalg, mle
from attrib.prover.dataset import check_contributors, check_feature_shape, check_features, check_scales
from attrib.prover.hyperkzg import commit, open_combined
from attrib.prover.registration import aggregate_table
from attrib.prover.storage import mapping_of, read_block, readonly_map
from attrib.verifier.hyperkzg import absorb_opening_claim, challenge_powers
from attrib.verifier.kernels import zero_extension
from attrib.verifier.limits import (
    FEATURE_LIMIT,
    MAX_CONTRIBUTORS,
    SCALE_LIMIT,
    power_of_two,
)
from attrib.verifier.messages import INFINITY, Manifest
from attrib.verifier.recipe import Recipe
from attrib.verifier.registration import (
    REGISTRATION_DEGREE,
    REGISTRATION_LABEL,
    RegistrationProof,
    column_weights,
    draw_registration_challenges,
    eq_of_index,
    registration_rounds,
)
from attrib.verifier.sumcheck import absorb_round
from attrib.verifier.terms import Terms
from attrib.verifier.transcript import Transcript

R = fr.MODULUS
DEFAULT_MEMORY_BUDGET = 4 << 30         # bytes
TERMS = [(1, [0, 1, 2]), (R - 1, [3, 4])]   # w·σ·s − G·(E + λ·K_hi): the registration's summand
FACTORS = [idx for _, idx in TERMS]
TABLES = 5
ELEMENT = 32                            # bytes per Fr element
MSM_SCRATCH = 190 + 64                  # bytes per entry of a full-scalar MSM (digits, limbs) + its powers
OPENING_TABLES = 3                      # B, h and one quotient at once (attrib.prover.hyperkzg.open_combined)
MIN_BLOCK_LOG = 10
BASELINE = 256 << 20                    # bytes a prover process holds before any work (imports, SRS handle)
MAX_BLOCK_LOG = 22


class SourceError(ValueError):
    """A row source that cannot be registered: wrong shapes or dtypes, or a value out of bounds."""


# ---- reading arrays by blocks -----------------------------------------------------------------

def _open_array(value, name: str):
    """A path to a .npy file (memory-mapped read-only) or an array, as an array; None stays None."""
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        try:
            return np.load(Path(value), mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise SourceError(f"{name}: cannot memory-map {value}: {exc}") from None
    if isinstance(value, (list, tuple)):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a numpy array, a memmap or a path to a .npy file, "
                        f"got {type(value).__name__}")
    return value


class _Reopen:
    """Pickles a memory-mapped array as its file and offset (a Dask worker maps it again), an
    in-memory array by value."""

    @staticmethod
    def pack(a):
        if a is None:
            return None
        if isinstance(a, np.memmap) and isinstance(a.base, mmap.mmap) and a.filename:
            return ("memmap", a.filename, int(a.offset), a.dtype.str, tuple(a.shape),
                    "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C")
        return ("array", np.asarray(a))

    @staticmethod
    def unpack(packed):
        if packed is None:
            return None
        if packed[0] == "memmap":
            _, filename, offset, dtype, shape, order = packed
            return np.memmap(filename, dtype=np.dtype(dtype), mode="r", offset=offset, shape=shape, order=order)
        return packed[1]


# ---- the rows ---------------------------------------------------------------------------------

class RowSource:
    """A dataset's rows, grouped by contributor, to be read by blocks.

    ``features`` (N × k integers with |φ| < 2^15), ``scales`` (N integers in [0, 2^24), or None for
    all ones) and ``example_digests`` (N × 4 uint64 little-endian limbs of digests below 2^253, or
    None) are arrays, memory-mapped arrays or paths to ``.npy`` files (mapped read-only); files and
    memmaps must already have the registration's dtypes (int16, int64, uint64: the returned
    ``Registration`` keeps them, and ``save`` copies them as they are), arrays in memory are checked
    and converted here.  ``contributors`` are the C distinct ids in group order and ``offsets``
    their C + 1 row boundaries (contributor c owns rows [offsets[c], offsets[c+1]), each
    non-empty): exactly what ``Dataset(features, ids_per_row, …)`` makes when each id's rows are
    contiguous and the ids appear in this order, so that both register to the same bytes.
    :meth:`from_row_groups` derives the offsets from per-row group indices instead.

    Nothing is read here but the shapes and the (C + 1) offsets; the values are checked block by
    block while they are committed.  A source pickles memory-mapped arrays as file names and
    offsets, so that Dask workers (attrib.prover.distributed) map the same files themselves."""

    def __init__(self, features, contributors, offsets, scales=None, example_digests=None, *,
                 recipe: Recipe | None = None) -> None:
        feats = _open_array(features, "features")
        if feats.ndim != 2 or feats.dtype.kind not in "iu":
            raise SourceError(f"features: expected an N × k integer array, got {feats.dtype} {feats.shape}")
        if feats.dtype != np.int16:             # a registration keeps int16 features (Registration.load)
            if mapping_of(feats) is not None:
                raise SourceError(f"features: a memory-mapped source must be int16, got {feats.dtype}")
            feats = check_features(feats)
        n, k = feats.shape
        check_feature_shape(feats.shape, SourceError)
        sc = _open_array(scales, "scales")
        if sc is not None and (sc.shape != (n,) or sc.dtype.kind not in "iu"):
            raise SourceError(f"scales: expected {n} integers, got {sc.dtype} {sc.shape}")
        if sc is not None and sc.dtype != np.int64:
            if mapping_of(sc) is not None:
                raise SourceError(f"scales: a memory-mapped source must be int64, got {sc.dtype}")
            sc = check_scales(sc, n)
        ex = _open_array(example_digests, "example_digests")
        if ex is not None and (ex.shape != (n, 4) or ex.dtype != np.uint64):
            raise SourceError(f"example_digests: expected ({n}, 4) uint64 limbs, got {ex.dtype} {ex.shape}")
        if recipe is not None and not isinstance(recipe, Recipe):
            raise TypeError(f"recipe: expected verifier.recipe.Recipe, got {type(recipe).__name__}")
        ids = check_contributors(list(contributors), len(contributors))
        if len(set(ids)) != len(ids):
            raise SourceError("contributors: the ids of the groups must be distinct (rows are grouped by id)")
        if not ids or len(ids) > MAX_CONTRIBUTORS:
            raise SourceError(f"contributors: 1 to {MAX_CONTRIBUTORS} groups, got {len(ids)}")
        off = np.asarray(offsets, dtype=np.int64)
        if off.shape != (len(ids) + 1,) or off[0] != 0 or off[-1] != n or (np.diff(off) <= 0).any():
            raise SourceError(f"offsets: expected {len(ids) + 1} strictly increasing row boundaries from 0 to {n}")
        self.features, self.scales, self.example_digests = feats, sc, ex
        self.contributors = tuple(ids)
        self.offsets = off
        self.recipe = recipe or Recipe()

    @classmethod
    def from_row_groups(cls, features, row_groups, contributors, scales=None, example_digests=None, *,
                        recipe: Recipe | None = None, block_rows: int = 1 << 22) -> RowSource:
        """A source whose rows carry their group index (``row_groups[i]``: contributor
        ``contributors[row_groups[i]]``; an array, memmap or .npy path), read by blocks: the
        indices must run 0, …, 0, 1, …, 1, 2, … (the rows grouped, groups in order)."""
        groups = _open_array(row_groups, "row_groups")
        if groups.ndim != 1 or groups.dtype.kind not in "iu":
            raise SourceError(f"row_groups: expected a 1-d integer array, got {groups.dtype} {groups.shape}")
        starts, previous = [0], None
        for lo in range(0, groups.shape[0], block_rows):
            g = read_block(groups, lo, lo + block_rows).astype(np.int64)
            head = np.concatenate([[0 if previous is None else previous], g])
            step = np.diff(head)
            if previous is None and g.size and g[0] != 0:
                raise SourceError(f"row_groups[0] = {g[0]}: the first row belongs to group 0")
            if ((step != 0) & (step != 1)).any():
                i = int(np.flatnonzero((step != 0) & (step != 1))[0])
                raise SourceError(f"row_groups[{lo + i}] = {g[i]}: rows must be grouped, groups numbered in order")
            starts.extend((lo + np.flatnonzero(step == 1)).tolist())
            previous = int(g[-1]) if g.size else previous
        return cls(features, contributors, [*starts, groups.shape[0]], scales, example_digests, recipe=recipe)

    @property
    def num_rows(self) -> int:
        return self.features.shape[0]

    @property
    def num_columns(self) -> int:
        return self.features.shape[1]

    def read(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Rows [lo, hi) checked against the bounds: (features int16, scales int64, example limbs or None)."""
        feats = read_block(self.features, lo, hi)
        if feats.dtype != np.int16 or (feats == -FEATURE_LIMIT).any():
            bad = (feats >= FEATURE_LIMIT) | (feats <= -FEATURE_LIMIT)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                raise SourceError(f"features[{lo + i}, {j}] = {feats[i, j]} is out of range: "
                                  f"|φ| must be < {power_of_two(FEATURE_LIMIT)}")
            feats = feats.astype(np.int16)
        if self.scales is None:
            scales = np.ones(hi - lo, dtype=np.int64)
        else:
            scales = read_block(self.scales, lo, hi)
            bad = (scales < 0) | (scales >= SCALE_LIMIT)
            if bad.any():
                i = int(np.argmax(bad))
                raise SourceError(f"scales[{lo + i}] = {scales[i]} is out of range: "
                                  f"0 <= σ < {power_of_two(SCALE_LIMIT)}")
            scales = scales.astype(np.int64)
        examples = None
        if self.example_digests is not None:
            examples = read_block(self.example_digests, lo, hi)
            bad = examples[:, 3] >> np.uint64(61)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise SourceError(f"example_digests[{lo + i}]: a digest is below 2^253 "
                                  "(attrib.verifier.recipe.example_digest)")
        return feats, scales, examples

    def group_span(self, lo: int, hi: int) -> tuple[int, np.ndarray]:
        """(first group, row counts per group) of the rows [lo, hi), hi ≤ N."""
        g0 = int(np.searchsorted(self.offsets, lo, side="right")) - 1
        g1 = int(np.searchsorted(self.offsets, hi - 1, side="right")) - 1
        bounds = np.clip(self.offsets[g0: g1 + 2], lo, hi)
        return g0, np.diff(bounds)

    def __getstate__(self):
        return {"features": _Reopen.pack(self.features), "scales": _Reopen.pack(self.scales),
                "example_digests": _Reopen.pack(self.example_digests), "contributors": self.contributors,
                "offsets": self.offsets, "recipe": self.recipe}

    def __setstate__(self, state):
        self.features = _Reopen.unpack(state["features"])
        self.scales = _Reopen.unpack(state["scales"])
        self.example_digests = _Reopen.unpack(state["example_digests"])
        self.contributors, self.offsets, self.recipe = state["contributors"], state["offsets"], state["recipe"]

    @classmethod
    def from_dataset(cls, ds) -> RowSource:
        """The rows of an in-memory ``Dataset`` (already grouped) as a source."""
        return cls(ds.features, ds.contributors, ds.offsets, ds.scales, ds.example_digests, recipe=ds.recipe)


# ---- the commitments, by blocks -----------------------------------------------------------------

class Commitments:
    """Partial commitments and aggregate of some rows: the k column points, the scale and example
    points (affine (8,) arrays) and the per-contributor sums of the groups the rows touch.
    Partials of disjoint row ranges add up (:meth:`add`) to those of their union."""

    def __init__(self, num_columns: int, num_contributors: int) -> None:
        self.columns = g1.infinity(num_columns)
        self.scale = g1.infinity(1)
        self.examples = g1.infinity(1)
        self.aggregate = np.zeros((num_contributors, num_columns), dtype=np.int64)

    def add(self, other: Commitments) -> Commitments:
        self.columns = g1.add(self.columns, other.columns, check=False)
        self.scale = g1.add(self.scale, other.scale, check=False)
        self.examples = g1.add(self.examples, other.examples, check=False)
        self.aggregate += other.aggregate
        return self


def commit_rows(powers: np.ndarray, source: RowSource, lo: int, hi: int, block: int) -> Commitments:
    """The commitments of rows [lo, hi) by blocks of ``block`` rows: per block, k small-scalar MSMs,
    one for σ, one full-scalar MSM for the example digests, and the block's σ-weighted group sums."""
    out = Commitments(source.num_columns, len(source.contributors))
    with_examples = source.example_digests is not None
    for a in range(lo, hi, block):
        b = min(a + block, hi)
        feats, scales, examples = source.read(a, b)
        pw = read_block(powers, a, b)
        cols = np.stack([g1.msm(pw, np.ascontiguousarray(feats[:, j]), check=False)
                         for j in range(feats.shape[1])])
        out.columns = g1.add(out.columns, cols, check=False)
        out.scale = g1.add(out.scale, g1.msm(pw, scales, check=False)[None], check=False)
        if with_examples:
            out.examples = g1.add(out.examples, g1.msm(pw, fr.from_limbs(examples), check=False)[None], check=False)
        g0, counts = source.group_span(a, b)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out.aggregate[g0: g0 + counts.shape[0]] += np.add.reduceat(feats.astype(np.int64) * scales[:, None],
                                                                    starts, axis=0)
    return out


# ---- the registration tables, by windows ----------------------------------------------------------

def eq_window(point: list[int], lo: int, log_size: int) -> np.ndarray:
    """eq(point, x) for x in [lo, lo + 2^log_size) (lo a multiple of the window), the index's bits
    beyond len(point) required zero (the zero-padded table of attrib.prover.claims.kernel_table)."""
    p = len(point)
    size = 1 << log_size
    if lo >= 1 << p:
        return fr.zeros(size)
    if log_size >= p:
        out = fr.zeros(size)
        out[: 1 << p] = mle.eq_table(fr.from_ints(point))
        return out
    table = mle.eq_table(fr.from_ints(point[:log_size]))
    return fr.scale(fr.from_ints([eq_of_index(point[log_size:], lo >> log_size)]), table)


class RegistrationTables:
    """The registration sum-check's tables (attrib.prover.registration) by aligned windows of rows:
    w (eq(r_c, owner) on real rows), σ, s = Φ·eq(r_j, ·), G (laid out at j + 2^mk·c) and the
    combined kernel E + λ·K_hi, each the window [lo, lo + 2^l) of the 2^nR-entry table that
    ``prove_registration`` builds, so that the windows' round sums and folds are the table's."""

    def __init__(self, manifest: Manifest, challenges, aggregate: np.ndarray) -> None:
        self.n = registration_rounds(manifest)
        self.num_rows = manifest.num_rows
        self.n_g = manifest.log_columns + manifest.log_contributors
        self.weights = fr.from_ints(column_weights(challenges.r_j, manifest.num_columns))
        self.eq_c = mle.eq_table(fr.from_ints(challenges.r_c))
        self.owners = np.asarray(manifest.owners, dtype=np.int64)
        self.offsets = np.asarray(manifest.offsets, dtype=np.int64)
        self.g = aggregate_table(aggregate, manifest.log_columns, manifest.log_contributors)
        self.e_point = list(challenges.r_j) + list(challenges.r_c)
        self.xi = list(challenges.xi)
        self.lam = challenges.lam
        self.high = zero_extension(self.xi, self.n_g)

    def empty(self, lo: int) -> bool:
        """Whether a window starting at ``lo`` lies past the rows and past G: there w, σ, s and G are
        zero, so its round sums are zero (only its kernel values matter, after the local rounds)."""
        return lo >= max(self.num_rows, 1 << self.n_g)

    def kernel(self, lo: int, log_size: int) -> np.ndarray:
        e = eq_window(self.e_point, lo, log_size)
        k_hi = eq_window(self.xi, lo, log_size)
        if lo < 1 << self.n_g:
            head = eq_window(self.xi[: self.n_g], lo, log_size)
            fr.sub(k_hi, fr.scale(fr.from_ints([self.high]), head), out=k_hi)
        fr.add(e, fr.scale(fr.from_ints([self.lam]), k_hi), out=e)
        return e

    def _rows(self, source: RowSource, lo: int, size: int):
        """(σ, s, w) of the window's real rows, zero-padded to ``size``."""
        sigma, s, w = fr.zeros(size), fr.zeros(size), fr.zeros(size)
        hi = min(lo + size, self.num_rows)
        if hi > lo:
            feats, scales, _ = source.read(lo, hi)
            sigma[: hi - lo] = fr.from_int64(scales)
            s[: hi - lo] = linalg.matvec_small_int(feats, self.weights)
            g0, counts = source.group_span(lo, hi)
            w[: hi - lo] = np.repeat(self.eq_c[self.owners[g0: g0 + counts.shape[0]]], counts, axis=0)
        return sigma, s, w

    def _g(self, lo: int, size: int) -> np.ndarray:
        out = fr.zeros(size)
        part = self.g[lo: lo + size]
        if part.shape[0]:
            out[: part.shape[0]] = fr.from_int64(part)
        return out

    def window(self, source: RowSource, lo: int, log_size: int) -> list[np.ndarray]:
        """[w, σ, s, G, kernel] on [lo, lo + 2^log_size)."""
        size = 1 << log_size
        sigma, s, w = self._rows(source, lo, size)
        return [w, sigma, s, self._g(lo, size), self.kernel(lo, log_size)]

    def combined(self, source: RowSource, lo: int, log_size: int, rho: int) -> np.ndarray:
        """σ + ρ·s + ρ²·G on the window: the table HyperKZG opens (open_batch's combination)."""
        size = 1 << log_size
        sigma, s, _ = self._rows(source, lo, size)
        _, r1, r2 = challenge_powers(rho, 3)
        fr.add(sigma, fr.scale(fr.from_ints([r1]), s), out=sigma)
        fr.add(sigma, fr.scale(fr.from_ints([r2]), self._g(lo, size)), out=sigma)
        return sigma


def round_message(sums) -> list[int]:
    """The round message Σ_k c_k·sums[k] (sums: ints, terms × degree)."""
    return [sum(coeff * row[d] for (coeff, _), row in zip(TERMS, sums)) % R for d in range(REGISTRATION_DEGREE)]


def window_round_sums(tables: list[np.ndarray]) -> list[list[int]]:
    """Each term's round sums (ints, terms × degree) over a window's tables."""
    return [fr.to_ints(row) for row in mle.round_terms(tables, FACTORS, REGISTRATION_DEGREE)]


def add_sums(acc, part):
    return [[(a + b) % R for a, b in zip(ra, rb)] for ra, rb in zip(acc, part)]


def zero_sums():
    return [[0] * REGISTRATION_DEGREE for _ in TERMS]


def fold_all(tables: list[np.ndarray], challenges) -> list[np.ndarray]:
    for u in challenges:
        u_arr = fr.from_ints([u])
        tables = [mle.fold(t, u_arr) for t in tables]
    return tables


# ---- the plan: block sizes from the budget -------------------------------------------------------

class Plan:
    """Block sizes and streamed rounds for one registration under ``budget`` bytes (the process's
    peak: 256 MiB of it are set aside for the interpreter and the libraries when the budget exceeds 1 GiB).

    commit_block: rows per commit block (about 10·k + 350 bytes per row: the rows, their int64
    weighting, the powers and one MSM's scratch); streamed: the sum-check rounds run window by
    window before the tables are held (5·32·2^(nR−m) bytes, plus a half-size fold); window_log:
    those windows' size; msm_block: the opening's MSM block.  The opening's floor (three tables of
    2^nR elements) must fit, or :class:`SourceError` names the smallest budget that would."""

    def __init__(self, n: int, num_rows: int, num_columns: int, budget: int) -> None:
        self.budget = budget
        if budget > 4 * BASELINE:               # the interpreter, numpy and the kernels are not working memory
            budget -= BASELINE
        self.msm_block = 1 << max(6, min(MAX_BLOCK_LOG, n, ((budget // 4) // MSM_SCRATCH).bit_length() - 1))
        floor = OPENING_TABLES * ELEMENT * (1 << n) + MSM_SCRATCH * self.msm_block
        if floor > budget:
            least = floor + (BASELINE if floor > 3 * BASELINE else 0)
            raise SourceError(f"memory_budget = {self.budget} bytes is below the opening's floor for 2^{n} entries "
                              f"(about {least} bytes: three tables of 2^{n} field elements and an MSM block); "
                              "give a larger budget or register on Dask (attrib.prover.distributed)")
        per_row = 10 * num_columns + 350
        rows = max(1 << MIN_BLOCK_LOG, budget // 2 // per_row)
        self.commit_block = min(1 << (rows.bit_length() - 1), 1 << MAX_BLOCK_LOG, 1 << max(1, (num_rows - 1).bit_length()))
        self.streamed = 0
        while self.streamed < n - 1 and (TABLES + 1) * ELEMENT * (1 << (n - self.streamed)) > budget * 3 // 4:
            self.streamed += 1
        # a window holds 5 tables and their first fold, and the rows behind them (2k + 8·3 bytes a row)
        per_entry = 2 * TABLES * ELEMENT + 2 * num_columns + 24
        window = max(self.streamed, MIN_BLOCK_LOG, min(MAX_BLOCK_LOG, ((budget // 4) // per_entry).bit_length() - 1))
        self.window_log = min(n, window)

    def __repr__(self) -> str:
        return (f"Plan(commit_block={self.commit_block}, streamed={self.streamed}, window=2^{self.window_log}, "
                f"msm_block={self.msm_block})")


# ---- the streamed registration ---------------------------------------------------------------------

def _log2_ceil(n: int) -> int:
    return max(1, (n - 1).bit_length())


def register_stream(prover, source: RowSource, terms: Terms | None = None, *,
                    memory_budget: int = DEFAULT_MEMORY_BUDGET, plan: Plan | None = None):
    """Register ``source``'s rows as ``prover.register`` would (segment 0, the same manifest and proof
    bytes), reading them by blocks with a peak resident size of about ``memory_budget`` bytes (see
    the module docstring for what is held).  Returns a ``Registration`` whose features, scales and example
    digests are the source's arrays (memory-mapped if they were), so that ``save`` copies them."""
    from attrib.prover.attribution import Registration, recipe_word

    if not isinstance(source, RowSource):
        raise TypeError(f"source: expected prover.streaming.RowSource, got {type(source).__name__}")
    if terms is not None and not isinstance(terms, Terms):
        raise TypeError(f"terms: expected verifier.terms.Terms, got {type(terms).__name__}")
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, int) or memory_budget <= 0:
        raise ValueError(f"memory_budget: expected a positive number of bytes, got {memory_budget!r}")
    step = prover.progress
    num_rows, num_columns, num_contributors = source.num_rows, source.num_columns, len(source.contributors)
    log_rows = _log2_ceil(num_rows)
    log_contributors = _log2_ceil(num_contributors)
    log_columns = (num_columns - 1).bit_length()
    n = max(log_rows, log_contributors + log_columns)
    powers = readonly_map(prover.srs.powers_for(n))   # names the sizes if too small; pages released by blocks
    plan = plan or Plan(n, num_rows, num_columns, memory_budget)
    start = time.perf_counter()

    total = Commitments(num_columns, num_contributors)
    for lo in range(0, num_rows, plan.commit_block):
        total.add(commit_rows(powers, source, lo, min(lo + plan.commit_block, num_rows), plan.commit_block))
        step("commit columns", min(lo + plan.commit_block, num_rows) / num_rows)
    manifest = build_manifest(prover.srs, source, total, terms or Terms(), log_rows, log_columns, log_contributors,
                              powers, recipe_word)
    committed = time.perf_counter()
    proof = prove_registration_stream(powers, manifest, source, total.aggregate, plan, step)
    done = time.perf_counter()
    scales = source.scales if source.scales is not None else np.broadcast_to(np.int64(1), (num_rows,))
    reg = Registration(manifest, proof, source.features, scales, total.aggregate, source.example_digests,
                       source.recipe, tuple(source.contributors),
                       {"commit_s": committed - start, "registration_proof_s": done - committed,
                        "register_s": done - start, "plan": repr(plan)})
    return reg


def build_manifest(srs, source: RowSource, total: Commitments, terms: Terms, log_rows: int, log_columns: int,
                   log_contributors: int, powers: np.ndarray, recipe_word) -> Manifest:
    """The segment-0 manifest of ``Prover._segment`` from the summed commitments."""
    delta_commitment = g1.to_ints(commit(powers, aggregate_table(total.aggregate, log_columns, log_contributors)))
    examples = INFINITY if source.example_digests is None else g1.to_ints(total.examples[0])
    return Manifest(
        verifying_key=srs.verifying_key, log_rows=log_rows, num_rows=source.num_rows,
        contributors=tuple(source.contributors), offsets=tuple(int(x) for x in source.offsets),
        column_commitments=tuple(g1.to_ints(total.columns)), scale_commitment=g1.to_ints(total.scale[0]),
        aggregate_commitment=delta_commitment, terms=terms, recipe_digest=recipe_word(source.recipe),
        example_commitment=examples)


def prove_registration_stream(powers: np.ndarray, manifest: Manifest, source: RowSource, aggregate: np.ndarray,
                              plan: Plan, progress=None) -> RegistrationProof:
    """``prove_registration`` with the tables built by windows: ``plan.streamed`` rounds summed window
    by window, the rest on the tables folded that many times, then the opening of σ, s, G with the
    combination built by windows (the same transcript, so the same proof)."""
    step = progress or (lambda stage, fraction: None)
    n = registration_rounds(manifest)
    transcript = Transcript(REGISTRATION_LABEL)
    ch = draw_registration_challenges(transcript, manifest)
    tables = RegistrationTables(manifest, ch, aggregate)
    m = min(plan.streamed, n - 1)
    b = max(plan.window_log, m)
    b = min(b, n)
    messages, point = [], []
    for j in range(m):                                   # streamed rounds: one pass each
        sums = zero_sums()
        for lo in range(0, 1 << n, 1 << b):
            if tables.empty(lo):
                continue
            sums = add_sums(sums, window_round_sums(fold_all(tables.window(source, lo, b), point)))
        message = round_message(sums)
        point.append(absorb_round(transcript, message))
        messages.append(message)
        step("registration sum-check", (j + 1) / n)
    held = [fr.zeros(1 << (n - m)) for _ in range(TABLES)]
    for lo in range(0, 1 << n, 1 << b):                  # the tables folded m times, by windows
        if tables.empty(lo):
            folded = fold_all([tables.kernel(lo, b)], point)
            held[4][lo >> m: (lo >> m) + folded[0].shape[0]] = folded[0]
            continue
        for t, f in zip(held, fold_all(tables.window(source, lo, b), point)):
            t[lo >> m: (lo >> m) + f.shape[0]] = f
    step("registration tables", 1.0)
    from attrib.prover.sumcheck import prove_sumcheck_terms

    rest, u, finals = prove_sumcheck_terms(held, TERMS, REGISTRATION_DEGREE, transcript,
                                           lambda done, total: step("registration sum-check", (m + done) / n),
                                           release=True)
    messages += rest
    point += u
    _, sigma_u, s_u, g_u, _ = finals

    columns = g1.from_ints(list(manifest.column_commitments))
    s_commitment = g1.to_py_ecc(g1.msm(columns, tables.weights, check=False))
    scale_commitment, aggregate_commitment = g1.to_py_ecc(
        g1.from_ints([manifest.scale_commitment, manifest.segment_aggregate]))
    rho = absorb_opening_claim(transcript, [scale_commitment, s_commitment, aggregate_commitment], point,
                               [sigma_u, s_u, g_u])
    combined = fr.zeros(1 << n)
    for lo in range(0, 1 << n, 1 << b):
        if lo >= max(manifest.num_rows, 1 << tables.n_g):
            break
        part = tables.combined(source, lo, b, rho)
        combined[lo: lo + part.shape[0]] = part
    opening = open_combined(powers, combined, point, transcript, step, plan.msm_block)
    return RegistrationProof(sumcheck=tuple(map(tuple, messages)), sigma_at_u=sigma_u, s_at_u=s_u, g_at_u=g_u,
                             opening=opening)
