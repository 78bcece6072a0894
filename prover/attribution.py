"""Registering datasets and proving epochs (DESIGN §3b; protocol v2).

``Prover.register`` commits each feature column, the scales and the contributor aggregate G,
builds the manifest and proves G (attrib.prover.registration); ``Prover.prove`` proves an
epoch's fee split against G (attrib.prover.epoch) and returns an :class:`Epoch`, whose claim
has twelve words whatever C and T.  The transcript steps are the verifier's own functions.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from py_ecc.optimized_bn128 import add

from attrib.kernels import fr, g1
from attrib.prover.dataset import Dataset, aggregate_by_contributor, check_fees, limbs_to_int, quantize_queries
from attrib.prover.epoch import prove_epoch
from attrib.prover.hyperkzg import commit, commit_columns
from attrib.prover.payouts import open_balance, open_payouts
from attrib.prover.registration import aggregate_table, prove_registration
from attrib.prover.rows import open_rows
from attrib.prover.srs import SRS
from attrib.prover.storage import atomic_save_npy, atomic_write_bytes
from attrib.verifier.attribution import Claim, EpochShape, Proof, epoch_shape
from attrib.verifier.encoding import EncodingError
from attrib.verifier.encoding import g1_affine, g1_from_affine
from attrib.verifier.limits import MAX_CONTRIBUTORS, MAX_SEQ
from attrib.verifier.messages import INFINITY, Manifest
from attrib.verifier.recipe import Recipe
from attrib.verifier.payouts import BalanceOpening, PayoutOpening
from attrib.verifier.registration import RegistrationProof
from attrib.verifier.rows import RowOpening
from attrib.verifier.terms import Terms


def recipe_word(recipe: Recipe) -> bytes:
    """The manifest's recipe digest: zero for the unspecified recipe, else Recipe.digest()."""
    return bytes(32) if recipe.unspecified else recipe.digest()


@dataclass
class _Segment:
    """An append's rows, reordered by owner."""

    features: np.ndarray
    scales: np.ndarray
    example_digests: np.ndarray | None
    recipe: Recipe


class RegistrationError(ValueError):
    """A registration that cannot be used: wrong SRS, damaged files, mismatched arrays."""


@dataclass
class Registration:
    """One version of a registered dataset: its manifest and registration proof, the segment's grouped
    rows behind them, and the dataset-wide aggregate and contributor ids at this version."""

    manifest: Manifest
    proof: RegistrationProof
    features: np.ndarray          # (N, k) int16, this segment's rows grouped by owner
    scales: np.ndarray            # (N,) int64
    aggregate: np.ndarray         # (C, k) int64: G[c, j] = Σ_{i ∈ rows(c), every segment} σ_i·Φ[i, j], what C_G commits
    examples: np.ndarray | None = None     # (N, 4) uint64 limbs of the example digests, or None
    recipe: Recipe = field(default_factory=Recipe)
    contributor_ids: tuple = ()   # every contributor's id, global order (segment 0's manifest has them all)
    timings: dict = field(default_factory=dict)

    FILES = ("manifest.bin", "registration_proof.bin", "features.npy", "scales.npy", "aggregate.npy")

    def __post_init__(self) -> None:
        if not self.contributor_ids:
            self.contributor_ids = tuple(self.manifest.contributors)

    @property
    def example_digests(self) -> list[int] | None:
        return None if self.examples is None else [limbs_to_int(x) for x in self.examples]

    def save(self, directory: str | Path) -> Path:
        """Persist atomically: the arrays and the proof first, the manifest last (its presence marks completion)."""
        d = Path(directory)
        atomic_save_npy(d / "features.npy", self.features)
        atomic_save_npy(d / "scales.npy", self.scales)
        atomic_save_npy(d / "aggregate.npy", self.aggregate)
        if self.examples is not None:
            atomic_save_npy(d / "examples.npy", self.examples)
        atomic_write_bytes(d / "recipe.json", self.recipe.to_json().encode())
        if self.manifest.segment:
            atomic_write_bytes(d / "contributors.json", json.dumps(list(self.contributor_ids)).encode())
        atomic_write_bytes(d / "registration_proof.bin", self.proof.to_bytes())
        atomic_write_bytes(d / "manifest.bin", self.manifest.to_bytes())
        return d

    @classmethod
    def load(cls, directory: str | Path) -> Registration:
        """Reload without recomputation; arrays are memory-mapped and checked against the manifest."""
        d = Path(directory)
        missing = [name for name in cls.FILES if not (d / name).exists()]
        if missing:
            raise RegistrationError(f"{d}: not a complete registration (missing {', '.join(missing)})")
        try:
            manifest = Manifest.from_bytes((d / "manifest.bin").read_bytes())
            proof = RegistrationProof.from_bytes((d / "registration_proof.bin").read_bytes())
            recipe = Recipe.from_json((d / "recipe.json").read_text()) if (d / "recipe.json").exists() else Recipe()
        except EncodingError as exc:
            raise RegistrationError(f"{d}: {exc}") from None
        if recipe_word(recipe) != manifest.recipe_digest:
            raise RegistrationError(f"{d / 'recipe.json'}: its digest is not the manifest's recipe digest")
        features = np.load(d / "features.npy", mmap_mode="r", allow_pickle=False)
        scales = np.load(d / "scales.npy", mmap_mode="r", allow_pickle=False)
        if features.dtype != np.int16 or features.shape != (manifest.num_rows, manifest.num_columns):
            expected = (manifest.num_rows, manifest.num_columns)
            raise RegistrationError(f"{d / 'features.npy'}: expected int16 {expected}, "
                                    f"got {features.dtype} {features.shape}")
        if scales.dtype != np.int64 or scales.shape != (manifest.num_rows,):
            raise RegistrationError(f"{d / 'scales.npy'}: expected int64 ({manifest.num_rows},), "
                                    f"got {scales.dtype} {scales.shape}")
        aggregate = np.load(d / "aggregate.npy", allow_pickle=False)
        if aggregate.dtype != np.int64 or aggregate.shape != (manifest.num_contributors, manifest.num_columns):
            raise RegistrationError(f"{d / 'aggregate.npy'}: expected int64 "
                                    f"({manifest.num_contributors}, {manifest.num_columns}), "
                                    f"got {aggregate.dtype} {aggregate.shape}")
        examples = None
        if (d / "examples.npy").exists():
            examples = np.load(d / "examples.npy", allow_pickle=False)
            if examples.dtype != np.uint64 or examples.shape != (manifest.num_rows, 4):
                raise RegistrationError(f"{d / 'examples.npy'}: expected uint64 ({manifest.num_rows}, 4), "
                                        f"got {examples.dtype} {examples.shape}")
        ids = tuple(manifest.contributors)
        if manifest.segment:
            try:
                ids = tuple(json.loads((d / "contributors.json").read_text()))
            except (OSError, ValueError) as exc:
                raise RegistrationError(f"{d / 'contributors.json'}: {exc}") from None
            if len(ids) != manifest.num_contributors or ids[manifest.contributor_base:] != tuple(manifest.contributors):
                raise RegistrationError(f"{d / 'contributors.json'}: does not end with the manifest's new ids")
        return cls(manifest, proof, features, scales, aggregate, examples, recipe, ids)


def log2_ceil(n: int) -> int:
    return max(1, (n - 1).bit_length())


def required_log_n(num_rows: int, num_columns: int, num_contributors: int, num_queries: int) -> int:
    """The SRS (as log₂ of its powers) that registering such a dataset and proving such an epoch need."""
    m_c, m_k = log2_ceil(num_contributors), (num_columns - 1).bit_length()
    return max(log2_ceil(num_rows), m_c + m_k, EpochShape(log2_ceil(num_queries), m_c, m_k).n)


class Prover:
    """Registers datasets and proves epochs against one SRS."""

    def __init__(self, srs: SRS, progress=None, cluster=None) -> None:
        """``cluster``: a dask.distributed Client or a scheduler address; registrations then run
        their row shards on its workers (attrib.prover.distributed) and give the same bytes."""
        if not isinstance(srs, SRS):
            raise TypeError(f"srs: expected prover.SRS, got {type(srs).__name__}")
        self.srs = srs
        self.progress = progress or (lambda stage, fraction: None)
        self.cluster = cluster

    def register_stream(self, source, terms: Terms | None = None, *, memory_budget: int | None = None,
                        **options) -> Registration:
        """Register a :class:`attrib.prover.streaming.RowSource` (rows on disk, read by blocks) with
        the manifest and proof bytes ``register`` would give for the same rows: in this process with a
        peak of about ``memory_budget`` bytes (attrib.prover.streaming; default 4 GiB), or on the
        prover's Dask cluster (attrib.prover.distributed: ``memory_budget`` then bounds each task's
        blocks, ``options`` such as ``shards`` go to ``register_dask``)."""
        if self.cluster is not None:
            from attrib.prover.distributed import register_dask

            if memory_budget is not None:
                options.setdefault("worker_budget", memory_budget)
            return register_dask(self, source, terms, **options)
        from attrib.prover.streaming import DEFAULT_MEMORY_BUDGET, register_stream

        return register_stream(self, source, terms,
                               memory_budget=DEFAULT_MEMORY_BUDGET if memory_budget is None else memory_budget,
                               **options)

    def register(self, ds: Dataset, terms: Terms | None = None) -> Registration:
        """Commit Φ column by column, σ, the example digests and the aggregate G; build the manifest
        (with the dataset's recipe and ``terms``, the on-chain owner, payee root and fee layers of
        attrib.verifier.terms, none by default) and prove G (attrib.verifier.registration).  With a
        ``cluster``, the rows are scattered to its workers and registered there: the same bytes."""
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds: expected prover.Dataset, got {type(ds).__name__}")
        if terms is not None and not isinstance(terms, Terms):
            raise TypeError(f"terms: expected verifier.terms.Terms, got {type(terms).__name__}")
        if self.cluster is not None:
            from attrib.prover.streaming import RowSource

            return self.register_stream(RowSource.from_dataset(ds), terms)
        owners = tuple(range(len(ds.contributors)))
        return self._segment(ds, owners, ds.offsets, len(ds.contributors), ds.contributors, terms or Terms(),
                             aggregate_by_contributor(ds.features, ds.scales, ds.offsets), None)

    def append(self, reg: Registration, ds: Dataset, terms: Terms | None = None) -> Registration:
        """A new version of ``reg``'s dataset with the rows of ``ds`` appended as a segment (issue:
        appends).  A row's contributor id may be one of ``reg``'s (its rows then span segments) or
        new (given the next global index, in order of first appearance).  Only the new rows are
        committed and proven: the cost is O(max(rows, C·k)), not O(N).  ``terms`` carries the payee
        root of the new contributors (``Terms.with_payees(owner, addresses, base=…)``) and must keep
        the owner and the fee layers; by default they are reg's with no new payees."""
        self._check_registration(reg)
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds: expected prover.Dataset, got {type(ds).__name__}")
        old = reg.manifest
        if ds.num_columns != old.num_columns:
            raise ValueError(f"features: the dataset has {old.num_columns} columns, the append {ds.num_columns}")
        if ds.recipe.digest() != reg.recipe.digest():
            raise ValueError("recipe: an append keeps the dataset's recipe (the features must be made alike)")
        if (ds.example_digests is None) != (reg.examples is None):
            raise ValueError("examples: give example digests for the appended rows exactly when the dataset has them")
        if terms is None:
            terms = Terms(old.terms.owner, bytes(32), old.terms.model_owner, old.terms.model_share_bp,
                          old.terms.platform, old.terms.platform_share_bp)
        if not isinstance(terms, Terms):
            raise TypeError(f"terms: expected verifier.terms.Terms, got {type(terms).__name__}")
        if (terms.owner, terms.model_owner, terms.model_share_bp, terms.platform, terms.platform_share_bp) != (
                old.terms.owner, old.terms.model_owner, old.terms.model_share_bp, old.terms.platform,
                old.terms.platform_share_bp):
            raise ValueError("terms: an append keeps the owner and the fee layers; only the payee root is new")
        index = {c: i for i, c in enumerate(reg.contributor_ids)}
        base = len(index)
        new_ids = [c for c in ds.contributors if c not in index]
        if base + len(new_ids) > MAX_CONTRIBUTORS:
            raise ValueError(f"contributors: {base + len(new_ids)} in all exceed the supported {MAX_CONTRIBUTORS}")
        index.update({c: base + i for i, c in enumerate(new_ids)})
        group_of = np.array([index[c] for c in ds.contributors], dtype=np.int64)    # the groups' global indices
        counts = np.diff(ds.offsets)
        order = np.argsort(group_of, kind="stable")                                # returning first, then new
        rows = np.concatenate([np.arange(ds.offsets[g], ds.offsets[g + 1]) for g in order])
        owners = tuple(int(group_of[g]) for g in order)
        offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(counts[order])]))
        seg = _Segment(np.ascontiguousarray(ds.features[rows]), np.ascontiguousarray(ds.scales[rows]),
                       None if ds.example_digests is None else np.ascontiguousarray(ds.example_digests[rows]),
                       ds.recipe)
        delta = np.zeros((base + len(new_ids), old.num_columns), dtype=np.int64)
        delta[list(owners)] = aggregate_by_contributor(seg.features, seg.scales, offsets)
        return self._segment(seg, owners, offsets, base + len(new_ids), tuple(new_ids), terms, delta, reg)

    def _segment(self, ds, owners, offsets, num_contributors: int, new_ids, terms: Terms, delta: np.ndarray,
                 previous: Registration | None) -> Registration:
        """Commit one segment's rows and ΔG, build its manifest (linked to ``previous``) and prove it."""
        n = log2_ceil(ds.features.shape[0])
        num_columns = ds.features.shape[1]
        log_contributors = log2_ceil(num_contributors)
        log_columns = (num_columns - 1).bit_length()
        powers = self.srs.powers_for(max(n, log_contributors + log_columns))   # names the sizes if too small
        start = time.perf_counter()
        columns = commit_columns(powers, ds.features, lambda done: self.progress("commit columns", done / num_columns))
        scale = commit(powers, ds.scales)
        examples = (INFINITY if ds.example_digests is None
                    else g1.to_ints(commit(powers, fr.from_limbs(ds.example_digests))))
        delta_commitment = g1.to_ints(commit(powers, aggregate_table(delta, log_columns, log_contributors)))
        if previous is None:
            aggregate, total, link = delta, delta_commitment, {}
        else:
            old = previous.manifest
            aggregate = delta.copy()
            aggregate[: old.num_contributors] += np.asarray(previous.aggregate)
            total = g1_affine(add(old.aggregate_point(), g1_from_affine(*delta_commitment)))
            link = {"segment": old.segment + 1, "previous": old.digest(), "contributor_base": old.num_contributors,
                    "returning": tuple(c for c in owners if c < old.num_contributors),
                    "appended_aggregate": delta_commitment}
        manifest = Manifest(
            verifying_key=self.srs.verifying_key, log_rows=n, num_rows=ds.features.shape[0],
            contributors=tuple(new_ids), offsets=tuple(offsets),
            column_commitments=tuple(g1.to_ints(np.stack(columns))), scale_commitment=g1.to_ints(scale),
            aggregate_commitment=total, terms=terms, recipe_digest=recipe_word(ds.recipe),
            example_commitment=examples, **link)
        committed = time.perf_counter()
        proof = prove_registration(powers, manifest, ds.features, ds.scales, delta, self.progress)
        done = time.perf_counter()
        ids = tuple(new_ids) if previous is None else (*previous.contributor_ids, *new_ids)
        return Registration(manifest, proof, ds.features, ds.scales, aggregate, ds.example_digests, ds.recipe, ids,
                            {"commit_s": committed - start, "registration_proof_s": done - committed,
                             "register_s": done - start})

    def _check_registration(self, reg: Registration) -> None:
        if not isinstance(reg, Registration):
            raise TypeError(f"reg: expected prover.Registration, got {type(reg).__name__}")
        if reg.manifest.srs_digest != self.srs.digest():
            raise RegistrationError("the registration was made with another SRS "
                                    f"(manifest SRS digest {reg.manifest.srs_digest.hex()[:16]}…, "
                                    f"this prover's {self.srs.digest().hex()[:16]}…)")

    def prove(self, reg: Registration, queries, fees, seq: int = 0) -> Epoch:
        """Prove one epoch of T queries (integers with |q| < 2^15, or floats, quantized per query)
        with T fees (integers below 2^96): its claim, proof, payouts and exact totals."""
        self._check_registration(reg)
        manifest = reg.manifest
        q = quantize_queries(queries, manifest.num_columns)
        fee_list = check_fees(fees, q.shape[0])
        if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < MAX_SEQ:
            raise ValueError(f"seq: expected an integer in [0, 2^64), got {seq!r}")
        shape = epoch_shape(manifest, q.shape[0])
        powers = self.srs.powers_for(shape.n)      # names the sizes if the SRS is too small
        start = time.perf_counter()
        result = prove_epoch(powers, manifest, np.asarray(reg.aggregate), q, fee_list, seq, self.progress)
        return Epoch(manifest, result.claim, result.proof, result.payouts, result.totals, q, fee_list, powers,
                     {"prove_s": time.perf_counter() - start})

    def open_rows(self, reg: Registration, rows) -> tuple[list[list[int]], RowOpening]:
        """One succinct opening of the registered rows ``rows`` (of reg's segment, manifest order): (per
        row its k features, its scale and its example digest, the opening; attrib.verifier.rows.verify_rows
        checks it)."""
        self._check_registration(reg)
        rows = [int(r) for r in rows]
        n = reg.manifest.num_rows
        if not rows or len(set(rows)) != len(rows) or not all(0 <= r < n for r in rows):
            raise ValueError(f"rows: distinct registered rows, each in [0, {n}) (got {rows[:8]}"
                             f"{'…' if len(rows) > 8 else ''})")
        powers = self.srs.powers_for(reg.manifest.log_rows)
        return open_rows(powers, reg.manifest, reg.features, reg.scales, reg.examples, rows)

    def open_balance(self, manifest: Manifest, epoch: int, payouts_by_epoch: dict, index: int, excluded=(),
                     dataset_id: bytes | None = None) -> tuple[int, object, BalanceOpening]:
        """A withdrawal's opening: contributor ``index``'s cumulative payout over the settled epochs
        1 … ``epoch`` except ``excluded`` (``payouts_by_epoch``: each included epoch's published
        payouts; older, shorter vectors are padded), the commitment W of that sum (a py_ecc point)
        and its opening (attrib.verifier.payouts.verify_balance).  ``dataset_id`` is the dataset's
        segment-0 digest, required for an appended version (segment 0's own digest otherwise)."""
        if not isinstance(manifest, Manifest):
            raise TypeError(f"manifest: expected verifier.Manifest, got {type(manifest).__name__}")
        if manifest.srs_digest != self.srs.digest():
            raise RegistrationError("the manifest was registered with another SRS")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch < MAX_SEQ:
            raise ValueError(f"epoch: expected a settled epoch number in [1, 2^64), got {epoch!r}")
        excluded = sorted({int(e) for e in excluded})
        if any(not 1 <= e <= epoch for e in excluded):
            raise ValueError(f"excluded epochs must lie in [1, {epoch}]")
        powers = self.srs.powers_for(manifest.log_contributors)
        return open_balance(powers, manifest, epoch, excluded, payouts_by_epoch, int(index), dataset_id=dataset_id)


@dataclass
class Epoch:
    """One proved epoch: what goes to the ledger (``claim``, ``proof``), what is published beside it
    (``queries``, ``fees``, ``payouts``: the sidecar), and what stays with the prover (``totals``,
    the exact C × T influences, which the proof keeps private)."""

    manifest: Manifest
    claim: Claim
    proof: Proof
    payouts: list                 # C ints, manifest order
    totals: list                  # C × T exact ints A[c][t]
    queries: np.ndarray           # T × k int64
    fees: list                    # T ints
    powers: np.ndarray = field(repr=False)
    timings: dict = field(default_factory=dict)

    def open_payouts(self, indices) -> PayoutOpening:
        """One succinct opening of the payouts at any set of contributor indices (manifest order)."""
        indices = [int(c) for c in indices]
        if not indices or len(set(indices)) != len(indices) or not all(0 <= c < len(self.payouts) for c in indices):
            raise ValueError(f"indices: distinct contributor indices from 0 to {len(self.payouts) - 1}")
        _, opening = open_payouts(self.powers, self.claim, self.payouts, self.manifest.log_contributors, indices)
        return opening
