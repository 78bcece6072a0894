"""Proved epochs for the EVM tests and ``bench.evm``.

``integer_epoch`` goes through the public prover (``Prover.register`` / ``Prover.prove``).
``field_epoch`` proves the same statement for data that the public prover refuses
(features, scales and queries anywhere in the field, contributor ids as raw bytes,
fees of any size, a manifest whose bytes break a structural rule), so that the
contract's exact arithmetic and its structural checks can be tested with proofs that
are otherwise valid.  It follows ``Prover.prove`` step by step on the prover's
sum-check and HyperKZG kernels, with the spec's own transcript functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attrib.kernels import fr, g1
from attrib.prover import Dataset, Prover
from attrib.prover.hyperkzg import commit, open_batch
from attrib.prover.sumcheck import prove_sumcheck
from attrib.verifier.attribution import ATTRIBUTION_LABEL, absorb_statement, combine_queries
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.encoding import g1_from_affine
from attrib.verifier.fees import compute_payouts
from attrib.verifier.hyperkzg import linear_combination
from attrib.verifier.messages import (
    CONTRIBUTORS_DOMAIN,
    HALF_R,
    MANIFEST_DOMAIN,
    MANIFEST_VERSION,
    Claim,
    Proof,
    word,
)
from attrib.verifier.transcript import Transcript, keccak256


@dataclass
class Epoch:
    """Canonical bytes of one manifest, claim and proof (and the objects when they exist)."""

    manifest: bytes
    claim: bytes
    proof: bytes
    label: str = ""
    claim_obj: Claim | None = None
    proof_obj: Proof | None = None
    manifest_obj: object = None


def integer_epoch(srs, rows: int, cols: int, contributors: int, queries: int, seed: int = 0,
                  fees=None, label: str = "", query_seed: int | None = None) -> Epoch:
    """A random dataset (|φ| < 2^15, σ < 2^24) registered and proved with the public prover.

    ``query_seed``, if given, draws the queries (and fees) from their own generator: the same
    data with another epoch."""
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    owners = [f"c{int(x)}" for x in rng.integers(0, contributors, rows)]
    owners[:contributors] = [f"c{i}" for i in range(contributors)]       # every contributor owns a row
    scales = rng.integers(0, 2**24, rows)
    prover = Prover(srs)
    reg = prover.register(Dataset(features, owners, scales))
    if query_seed is not None:
        rng = np.random.default_rng(query_seed)
    q = rng.integers(-(2**15) + 1, 2**15, size=(queries, cols))
    fees = [int(x) for x in rng.integers(0, 10**12, queries)] if fees is None else fees
    claim, proof = prover.prove(reg, q, fees)
    return Epoch(reg.manifest.to_bytes(), claim.to_bytes(), proof.to_bytes(), label or
                 f"n={reg.manifest.log_rows} k={cols} T={queries} C={contributors}", claim, proof, reg.manifest)


def signed(x: int) -> int:
    x %= R
    return x - R if x > HALF_R else x


class RawManifest:
    """Manifest bytes built field by field, with no validation (ids are raw bytes)."""

    def __init__(self, vk, log_rows, num_rows, ids, offsets, columns, scale, *, ids_hash=None,
                 padding=b"", version=MANIFEST_VERSION):
        self.vk, self.log_rows, self.num_rows = vk, log_rows, num_rows
        self.ids, self.offsets, self.columns, self.scale = list(ids), list(offsets), list(columns), scale
        self.num_columns, self.num_contributors = len(self.columns), len(self.ids)
        self.ids_hash = ids_hash if ids_hash is not None else keccak256(
            CONTRIBUTORS_DOMAIN + b"".join(keccak256(i) for i in self.ids))
        self.padding = padding          # bytes written into the last id's padding
        self.version = version

    def digest_preimage(self) -> bytes:
        parts = [word(self.version), self.vk.to_bytes(), word(self.log_rows), word(self.num_rows),
                 word(self.num_columns), word(self.num_contributors), self.ids_hash]
        parts += [word(o) for o in self.offsets]
        parts += [word(x) + word(y) for x, y in (*self.columns, self.scale)]          # as given, unchecked
        return b"".join(parts)

    def digest(self) -> bytes:
        return keccak256(MANIFEST_DOMAIN + self.digest_preimage())

    def to_bytes(self) -> bytes:
        out = []
        for i, raw in enumerate(self.ids):
            padded = raw.ljust(-(-len(raw) // 32) * 32, b"\0")
            if i == len(self.ids) - 1 and self.padding:
                padded = padded[:len(padded) - len(self.padding)] + self.padding
            out.append(word(len(raw)) + padded)
        return self.digest_preimage() + b"".join(out)


def field_epoch(srs, features, scales, offsets, queries, fees, ids=None, label: str = "",
                manifest_changes: dict | None = None, claim_changes: dict | None = None) -> Epoch:
    """Prove an epoch for field-valued data: features (N × k) and scales (N) are ints taken mod r.

    ``offsets`` group the rows by contributor (as in a manifest); ``ids`` are raw bytes
    (default b"c0", b"c1", …).  ``manifest_changes`` are RawManifest keyword arguments
    (e.g. a bad id or offsets) applied before proving, so the proof is valid for those bytes.
    ``claim_changes`` replace Claim fields (e.g. a fee of 2^128) before proving.
    """
    features = [[int(x) % R for x in row] for row in features]
    scales = [int(x) % R for x in scales]
    num_rows, k = len(features), len(features[0])
    n = max(1, (num_rows - 1).bit_length())
    size = 1 << n
    contributors = len(offsets) - 1
    ids = ids if ids is not None else [f"c{i}".encode() for i in range(contributors)]
    powers = srs.powers_for(n)

    def padded(values):
        values = list(values)
        return fr.from_ints(values + [0] * (size - len(values)))

    columns = [tuple(g1.to_ints(commit(powers, padded(row[j] for row in features)))) for j in range(k)]
    scale = tuple(g1.to_ints(commit(powers, padded(scales))))
    fields = {"vk": srs.verifying_key, "log_rows": n, "num_rows": num_rows, "ids": ids, "offsets": offsets,
                  "columns": columns, "scale": scale}
    fields.update(manifest_changes or {})
    manifest = RawManifest(**fields)

    # row i counts for contributor c with weight [i < off_{c+1}] − [i < off_c] (evaluate_weights),
    # which is membership of [off_c, off_{c+1}) when the offsets increase
    offsets = manifest.offsets

    def weight(i, c):
        return int(i < offsets[c + 1]) - int(i < offsets[c])

    queries = [[signed(x) for x in row] for row in queries]
    totals = []
    for c in range(contributors):
        rows = [(i, weight(i, c)) for i in range(num_rows) if weight(i, c)]
        totals.append([signed(sum(m * scales[i] * sum(f * q for f, q in zip(features[i], query))
                                  for i, m in rows)) for query in queries])
    claim = Claim(queries=tuple(map(tuple, queries)), fees=tuple(fees), totals=tuple(map(tuple, totals)),
                  payouts=tuple(compute_payouts(totals, list(fees))))
    if claim_changes:
        claim = Claim(**{**claim.__dict__, **claim_changes})

    transcript = Transcript(ATTRIBUTION_LABEL)
    delta, beta = absorb_statement(transcript, manifest, claim)
    qstar = combine_queries(claim.queries, delta)
    s = [sum(f * q for f, q in zip(row, qstar)) % R for row in features]
    w = [sum(pow(beta, c, R) * weight(i, c) for c in range(contributors)) % R for i in range(size)]
    messages, u, (_, sigma_u, s_u) = prove_sumcheck([fr.from_ints(w), padded(scales), padded(s)], transcript)
    s_commitment = linear_combination([(g1_from_affine(*p), q) for p, q in zip(columns, qstar)])
    if manifest.scale != scale:
        raise ValueError("field_epoch opens the committed scales: keep scale as computed")
    _, opening = open_batch(powers, [padded(scales), padded(s)], [g1_from_affine(*scale), s_commitment], u,
                            transcript, values=[sigma_u, s_u])
    proof = Proof(sumcheck=tuple(map(tuple, messages)), sigma_at_u=sigma_u, s_at_u=s_u, opening=opening)
    return Epoch(manifest.to_bytes(), claim.to_bytes(), proof.to_bytes(), label, claim, proof, manifest)
