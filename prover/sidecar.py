"""Checking an epoch's published sidecar (its queries, fees and payouts) against its claim.

The claim commits the queries (C_Q), fees (C_F) and payouts (C_P) and states ΣF and ΣP; the
vectors themselves are published beside it.  Whoever holds them and the SRS recomputes the
commitments (the same MSMs the prover made) and compares: a sidecar that does not match its
claim is not the epoch that was proved.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1
from attrib.prover.dataset import check_fees, quantize_queries
from attrib.prover.hyperkzg import commit
from attrib.prover.srs import SRS
from attrib.verifier.attribution import Claim, epoch_shape
from attrib.verifier.encoding import g1_affine
from attrib.verifier.messages import Manifest


def check_sidecar(srs: SRS, manifest: Manifest, claim: Claim, queries, fees, payouts=None) -> list[str]:
    """What does not match: [] when the queries (T × k integers), the fees and, if given, the
    payouts (C, manifest order) are exactly what ``claim`` commits to."""
    problems = []
    q = quantize_queries(queries, manifest.num_columns)
    fee_list = check_fees(fees, q.shape[0])
    if bytes(claim.manifest_digest) != manifest.digest():
        problems.append("the claim is for another manifest")
    if q.shape[0] != claim.num_queries:
        problems.append(f"{q.shape[0]} queries, the claim has {claim.num_queries}")
        return problems
    shape = epoch_shape(manifest, q.shape[0])
    powers = srs.powers_for(shape.n)
    table = np.zeros((1 << shape.m_t, 1 << shape.m_k), dtype=np.int64)
    table[: q.shape[0], : q.shape[1]] = q
    checks = [("queries", table.reshape(-1), claim.queries_commitment),
              ("fees", fr.from_ints(fee_list), claim.fees_commitment)]
    if sum(fee_list) != claim.total_fees:
        problems.append(f"the fees sum to {sum(fee_list)}, the claim says {claim.total_fees}")
    if payouts is not None:
        payouts = [int(p) for p in payouts]
        if len(payouts) != manifest.num_contributors or min(payouts) < 0:
            problems.append(f"payouts: expected {manifest.num_contributors} non-negative integers")
        else:
            checks.append(("payouts", fr.from_ints(payouts), claim.payouts_commitment))
            if sum(payouts) != claim.total_paid:
                problems.append(f"the payouts sum to {sum(payouts)}, the claim says {claim.total_paid}")
    for name, values, committed in checks:
        if tuple(g1.to_ints(commit(powers, values))) != g1_affine(committed):
            problems.append(f"the {name} do not match their commitment in the claim")
    return problems
