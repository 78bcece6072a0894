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
| open the features of another example | each row opens its example's digest too; the auditor hashes its own copy |

A contributor checks its own rows (``contributor_rows``, ``attrib audit --contributor ID``): all of
them, opened in chunks of at most MAX_OPENED_ROWS, with no sampling bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from attrib.verifier.limits import MAX_OPENED_ROWS
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


def check_rows_against(manifest, rows: list[int], open_rows, recompute, trusted_srs_digest: bytes
                       ) -> tuple[bool, list[int]]:
    """(every opening verified, the rows whose registered values differ from ``recompute(rows)``), opened
    in chunks of at most MAX_OPENED_ROWS rows."""
    verified, mismatches = True, []
    for start in range(0, len(rows), MAX_OPENED_ROWS):
        chunk = rows[start:start + MAX_OPENED_ROWS]
        values, opening = open_rows(chunk)
        verified = verify_rows(manifest, chunk, values, opening, trusted_srs_digest=trusted_srs_digest) and verified
        expected = recompute(chunk)
        try:
            mismatches += [r for r, got, want in zip(chunk, values, expected, strict=True)
                           if [int(v) for v in got] != [int(v) for v in want]]
        except (TypeError, ValueError):                 # the registrant's answer is not rows of integers
            mismatches, verified = mismatches + list(chunk), False
    return verified, mismatches


def audit(manifest, seed: bytes, samples: int, open_rows, recompute, *, trusted_srs_digest: bytes,
          fraction: float = 0.01) -> AuditReport:
    """Sample rows from ``seed``, get their values and one opening from ``open_rows(rows)`` (the
    registrant's side: a service or a prover), check the opening, and compare each row with
    ``recompute(rows)`` (the auditor's side: per row, the k features, the scale and the example digest
    it derives from its copy of the example and the recipe).  The report names every mismatched row."""
    rows = sample_rows(seed, manifest.num_rows, samples)
    verified, mismatches = check_rows_against(manifest, rows, open_rows, recompute, trusted_srs_digest)
    return AuditReport(rows, verified, mismatches, fraction, detection_probability(fraction, samples))


def contributor_rows(manifest, contributor: str) -> list[int]:
    """Every row of the manifest's segment that contributor ``contributor`` (an id this segment
    introduces) owns; ValueError if it has none here."""
    if contributor not in manifest.contributors:
        raise ValueError(f"contributor {contributor!r} is not one of this manifest's contributors")
    index = manifest.contributor_base + manifest.contributors.index(contributor)
    group = manifest.owners.index(index)
    return list(range(manifest.offsets[group], manifest.offsets[group + 1]))


def audit_contributor(manifest, contributor: str, open_rows, recompute, *, trusted_srs_digest: bytes
                      ) -> AuditReport:
    """Open and check every row of ``contributor`` (no sampling: probability 1 for these rows)."""
    rows = contributor_rows(manifest, contributor)
    verified, mismatches = check_rows_against(manifest, rows, open_rows, recompute, trusted_srs_digest)
    return AuditReport(rows, verified, mismatches, 1.0, 1.0)


__all__ = ["AuditReport", "audit", "audit_contributor", "contributor_rows", "detection_probability", "sample_rows"]
