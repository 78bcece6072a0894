"""Registration and proving of attribution statements (DESIGN §2–3).

``Prover.register`` commits each feature column and the scales through the
small-scalar MSM and builds the manifest; ``Prover.prove`` computes the epoch's
exact totals and payouts and proves them with one sum-check and one batched
HyperKZG opening.  The transcript steps are the verifier's own functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attrib.kernels import fr, g1, linalg
from attrib.prover.dataset import Dataset, aggregate_by_contributor, check_fees, quantize_queries
from attrib.prover.hyperkzg import commit, open_batch
from attrib.prover.registration import aggregate_table, prove_registration
from attrib.prover.srs import SRS
from attrib.prover.storage import atomic_save_npy, atomic_write_bytes
from attrib.prover.sumcheck import prove_sumcheck
from attrib.verifier.attribution import ATTRIBUTION_LABEL, absorb_statement, combine_queries
from attrib.verifier.encoding import EncodingError
from attrib.verifier.fees import compute_payouts
from attrib.verifier.messages import Claim, Manifest, Proof
from attrib.verifier.registration import RegistrationProof
from attrib.verifier.transcript import Transcript


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
    def load(cls, directory: str | Path) -> "Registration":
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


def exact_totals(contributor_features: np.ndarray, queries: np.ndarray) -> list[list[int]]:
    """A = G·Qᵀ as exact Python ints (C × T), G split into 32-bit halves so int64 never overflows."""
    lo = contributor_features & 0xFFFFFFFF
    hi = contributor_features >> 32
    a_lo = lo @ queries.T
    a_hi = hi @ queries.T
    return [[(h << 32) + low for h, low in zip(row_hi, row_lo)]
            for row_hi, row_lo in zip(a_hi.tolist(), a_lo.tolist())]


class Prover:
    """Registers datasets and proves epochs against one SRS."""

    def __init__(self, srs: SRS, progress=None) -> None:
        if not isinstance(srs, SRS):
            raise TypeError(f"srs: expected prover.SRS, got {type(srs).__name__}")
        self.srs = srs
        self.progress = progress or (lambda stage, fraction: None)

    def register(self, ds: Dataset) -> Registration:
        """Commit Φ column by column, σ and the aggregate G; build the manifest and prove G
        (attrib.verifier.registration)."""
        if not isinstance(ds, Dataset):
            raise TypeError(f"ds: expected prover.Dataset, got {type(ds).__name__}")
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
            aggregate_commitment=g1.to_ints(aggregate_commitment))
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

    def prove(self, reg: Registration, queries, fees) -> tuple[Claim, Proof]:
        """Totals, payouts and their proof for one epoch of T queries with T fees."""
        self._check_registration(reg)
        manifest = reg.manifest
        q = quantize_queries(queries, manifest.num_columns)
        fee_list = check_fees(fees, q.shape[0])
        n = manifest.log_rows
        size = 1 << n
        powers = self.srs.powers_for(n)

        offsets = np.asarray(manifest.offsets)
        totals = exact_totals(reg.aggregate, q)
        claim = Claim(queries=tuple(map(tuple, q.tolist())), fees=tuple(fee_list),
                      totals=tuple(map(tuple, totals)), payouts=tuple(compute_payouts(totals, fee_list)))
        self.progress("totals", 1.0)

        transcript = Transcript(ATTRIBUTION_LABEL)
        delta, beta = absorb_statement(transcript, manifest, claim)
        qstar = combine_queries(claim.queries, delta)

        s = fr.zeros(size)
        s[: manifest.num_rows] = linalg.matvec_small_int(np.asarray(reg.features), fr.from_ints(qstar))
        sigma = fr.from_int64(np.concatenate([np.asarray(reg.scales), np.zeros(size - manifest.num_rows, np.int64)]))
        beta_pows = fr.from_ints([pow(beta, c, fr.MODULUS) for c in range(manifest.num_contributors)])
        w = np.concatenate([np.repeat(beta_pows, np.diff(offsets), axis=0), fr.zeros(size - manifest.num_rows)])
        self.progress("tables", 1.0)

        messages, u, (_, sigma_u, s_u) = prove_sumcheck(
            [w, sigma, s], transcript, lambda done, total: self.progress("sum-check", done / total))

        columns = g1.from_ints(list(manifest.column_commitments))
        s_commitment = g1.to_py_ecc(g1.msm(columns, fr.from_ints(qstar), check=False))
        scale_commitment = g1.to_py_ecc(g1.from_ints([manifest.scale_commitment])[0])
        _, opening = open_batch(powers, [sigma, s], [scale_commitment, s_commitment], u, transcript,
                                values=[sigma_u, s_u], progress=self.progress)
        proof = Proof(sumcheck=tuple(map(tuple, messages)), sigma_at_u=sigma_u, s_at_u=s_u, opening=opening)
        return claim, proof
