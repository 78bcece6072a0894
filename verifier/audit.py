"""Audits: sample registered rows from a public seed, open them, compare them with the features the
auditor recomputes from the examples and the recipe, and say how likely a falsification was caught.

No proof shows that features are the model's true gradients; an audit makes dishonesty likely to be
caught.  The rows are drawn from a public seed fixed after the registration and outside the
registrant's control (a future block's randomness named at registration, a commit–reveal among
auditors; not anything the registrant produces, such as an epoch's transcript, which it could
regenerate until an audit passes), without replacement, by
``sample_rows(seed, N, s)``: keccak256(AUDIT_DOMAIN ‖ seed ‖ counter) taken mod N, skipping
repeats.  Each sampled row is opened against the manifest (attrib.verifier.rows: one succinct
opening for all of them) and compared with the auditor's own recomputation.  If a fraction f of
the N rows is falsified, s rows sampled without replacement miss every falsified row with
probability at most (1 − f)^s, so the audit catches the registrant with probability at least

    1 − (1 − f)^s          (``detection_probability``; s = 300 gives 95 % at f = 1 %)

The guarantee is about a fraction of rows: a registrant who falsifies only a handful of rows (f ≈ m/N)
is caught with probability about s·m/N; auditing a contributor's own rows (all of them) has no such limit.

| a dishonest registrant tries | stopped by |
|---|---|
| falsify rows the audit will not look at | the seed is public only after registration; every row is equally likely |
| answer the audit with other values than registered | the row opening verifies against the manifest's commitments |
| claim the rows are fine | the auditor recomputes them itself, from the example and the recipe |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from attrib.verifier.rows import verify_rows
from attrib.verifier.transcript import keccak256

AUDIT_DOMAIN = b"ATTRIB-V2/AUDIT"


def sample_rows(seed: bytes, num_rows: int, samples: int) -> list[int]:
    """``samples`` distinct rows of [0, num_rows), drawn from ``seed`` (bytes) as the module docstring says."""
    if not isinstance(seed, (bytes, bytearray)) or not seed:
        raise ValueError("the seed is a non-empty byte string (e.g. a block hash)")
    if not 1 <= samples <= num_rows:
        raise ValueError(f"samples: 1 to {num_rows} rows, got {samples}")
    rows, seen, counter = [], set(), 0
    while len(rows) < samples:
        draw = int.from_bytes(keccak256(AUDIT_DOMAIN + bytes(seed) + counter.to_bytes(8, "big")), "big") % num_rows
        counter += 1
        if draw not in seen:
            seen.add(draw)
            rows.append(draw)
    return rows


def detection_probability(fraction: float, samples: int) -> float:
    """1 − (1 − f)^s: the chance that s sampled rows include at least one of a fraction f falsified."""
    if not 0 <= fraction <= 1 or samples < 0:
        raise ValueError("fraction in [0, 1] and samples ≥ 0")
    return 1.0 - (1.0 - fraction) ** samples


@dataclass
class AuditReport:
    rows: list                      # the sampled rows
    opening_verified: bool          # the opened values are the registered ones
    mismatches: list = field(default_factory=list)      # rows whose registered values differ from the recomputed
    fraction: float = 0.01
    probability: float = 0.0        # detection_probability(fraction, len(rows))

    @property
    def passed(self) -> bool:
        return self.opening_verified and not self.mismatches


def audit(manifest, seed: bytes, samples: int, open_rows, recompute, *, trusted_srs_digest: bytes,
          fraction: float = 0.01) -> AuditReport:
    """Sample rows from ``seed``, get their values and one opening from ``open_rows(rows)`` (the
    registrant's side: a service or a prover), check the opening, and compare each row with
    ``recompute(rows)`` (the auditor's side: per row, the k features and the scale it derives from the
    example and the recipe).  The report names every mismatched row."""
    rows = sample_rows(seed, manifest.num_rows, samples)
    values, opening = open_rows(rows)
    verified = verify_rows(manifest, rows, values, opening, trusted_srs_digest=trusted_srs_digest)
    expected = recompute(rows)
    try:
        mismatches = [r for r, got, want in zip(rows, values, expected, strict=True)
                      if [int(v) for v in got] != [int(v) for v in want]]
    except (TypeError, ValueError):                 # the registrant's answer is not rows of integers
        mismatches, verified = list(rows), False
    return AuditReport(rows, verified, mismatches, fraction, detection_probability(fraction, samples))


__all__ = ["AuditReport", "audit", "detection_probability", "sample_rows"]
