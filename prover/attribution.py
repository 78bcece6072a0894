"""Registering datasets and proving epochs (DESIGN §3b; protocol v2).

``Prover.register`` commits each feature column, the scales and the contributor aggregate G,
builds the manifest and proves G (attrib.prover.registration); ``Prover.prove`` proves an
epoch's fee split against G (attrib.prover.epoch) and returns an :class:`Epoch`, whose claim
has twelve words whatever C and T.  The transcript steps are the verifier's own functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attrib.kernels import g1
from attrib.prover.dataset import Dataset, aggregate_by_contributor, check_fees, quantize_queries
from attrib.prover.epoch import prove_epoch
from attrib.prover.hyperkzg import commit
from attrib.prover.payouts import open_balance, open_payouts
from attrib.prover.registration import aggregate_table, prove_registration
from attrib.prover.rows import open_rows
from attrib.prover.srs import SRS
from attrib.prover.storage import atomic_save_npy, atomic_write_bytes
from attrib.verifier.attribution import Claim, EpochShape, Proof, epoch_shape
from attrib.verifier.encoding import EncodingError
from attrib.verifier.limits import MAX_SEQ
from attrib.verifier.messages import Manifest
from attrib.verifier.payouts import BalanceOpening, PayoutOpening
from attrib.verifier.registration import RegistrationProof
from attrib.verifier.rows import RowOpening
from attrib.verifier.terms import Terms


class RegistrationError(ValueError):
    """A registration that cannot be used: wrong SRS, damaged files, mismatched arrays."""


@dataclass
class Registration:
    """A registered dataset: its manifest, its registration proof and the grouped arrays behind it."""

    manifest: Manifest
    proof: RegistrationProof
    features: np.ndarray          # (N, k) int16, rows grouped by contributor
    scales: np.ndarray            # (N,) int64
    aggregate: np.ndarray         # (C, k) int64: G[c, j] = Σ_{i ∈ rows(c)} σ_i·Φ[i, j], what C_G commits
    timings: dict = field(default_factory=dict)

    FILES = ("manifest.bin", "registration_proof.bin", "features.npy", "scales.npy", "aggregate.npy")

    def save(self, directory: str | Path) -> Path:
        """Persist atomically: the arrays and the proof first, the manifest last (its presence marks completion)."""
        d = Path(directory)
        atomic_save_npy(d / "features.npy", self.features)
        atomic_save_npy(d / "scales.npy", self.scales)
        atomic_save_npy(d / "aggregate.npy", self.aggregate)
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
        except EncodingError as exc:
            raise RegistrationError(f"{d}: {exc}") from None
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
        return cls(manifest, proof, features, scales, aggregate)


def log2_ceil(n: int) -> int:
    return max(1, (n - 1).bit_length())


def required_log_n(num_rows: int, num_columns: int, num_contributors: int, num_queries: int) -> int:
    """The SRS (as log₂ of its powers) that registering such a dataset and proving such an epoch need."""
    m_c, m_k = log2_ceil(num_contributors), (num_columns - 1).bit_length()
    return max(log2_ceil(num_rows), m_c + m_k, EpochShape(log2_ceil(num_queries), m_c, m_k).n)


class Prover:
    """Registers datasets and proves epochs against one SRS."""

    def __init__(self, srs: SRS, progress=None) -> None:
        if not isinstance(srs, SRS):
            raise TypeError(f"srs: expected prover.SRS, got {type(srs).__name__}")
        self.srs = srs
        self.progress = progress or (lambda stage, fraction: None)

    def register(self, ds: Dataset, terms: Terms | None = None) -> Registration:
        """Commit Φ column by column, σ and the aggregate G; build the manifest (with ``terms``, the
        on-chain owner, payee root and fee layers of attrib.verifier.terms, none by default) and
        prove G (attrib.verifier.registration)."""
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds: expected prover.Dataset, got {type(ds).__name__}")
        if terms is not None and not isinstance(terms, Terms):
            raise TypeError(f"terms: expected verifier.terms.Terms, got {type(terms).__name__}")
        n = log2_ceil(ds.num_rows)
        log_contributors = log2_ceil(len(ds.contributors))
        log_columns = (ds.num_columns - 1).bit_length()
        powers = self.srs.powers_for(max(n, log_contributors + log_columns))   # names the sizes if too small
        start = time.perf_counter()
        columns = []
        for j in range(ds.num_columns):
            columns.append(commit(powers, np.ascontiguousarray(ds.features[:, j])))
            self.progress("commit columns", (j + 1) / ds.num_columns)
        scale = commit(powers, ds.scales)
        aggregate = aggregate_by_contributor(ds.features, ds.scales, ds.offsets)
        aggregate_commitment = commit(powers, aggregate_table(aggregate, log_columns, log_contributors))
        manifest = Manifest(
            verifying_key=self.srs.verifying_key, log_rows=n, num_rows=ds.num_rows,
            contributors=ds.contributors, offsets=ds.offsets,
            column_commitments=tuple(g1.to_ints(np.stack(columns))), scale_commitment=g1.to_ints(scale),
            aggregate_commitment=g1.to_ints(aggregate_commitment), terms=terms or Terms())
        committed = time.perf_counter()
        proof = prove_registration(powers, manifest, ds.features, ds.scales, aggregate, self.progress)
        done = time.perf_counter()
        return Registration(manifest, proof, ds.features, ds.scales, aggregate,
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
        """One succinct opening of the registered rows ``rows`` (manifest order): (per row its k
        features and its scale, the opening; attrib.verifier.rows.verify_rows checks it)."""
        self._check_registration(reg)
        rows = [int(r) for r in rows]
        n = reg.manifest.num_rows
        if not rows or len(set(rows)) != len(rows) or not all(0 <= r < n for r in rows):
            raise ValueError(f"rows: distinct registered rows, each in [0, {n}) (got {rows[:8]}"
                             f"{'…' if len(rows) > 8 else ''})")
        powers = self.srs.powers_for(reg.manifest.log_rows)
        return open_rows(powers, reg.manifest, reg.features, reg.scales, rows)

    def open_balance(self, manifest: Manifest, epoch: int, payouts_by_epoch: dict, index: int, excluded=()
                     ) -> tuple[int, object, BalanceOpening]:
        """A withdrawal's opening: contributor ``index``'s cumulative payout over the settled epochs
        1 … ``epoch`` except ``excluded`` (``payouts_by_epoch``: each included epoch's published
        payouts), the commitment W of that sum (a py_ecc point) and its opening
        (attrib.verifier.payouts.verify_balance)."""
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
        return open_balance(powers, manifest, epoch, excluded, payouts_by_epoch, int(index))


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
