"""The fee split: how one epoch's fees are paid out to contributors.

For each inference t with fee F_t, contributor c earns a share in proportion
to its positive influence:

    payout_t[c] = floor(F_t · max(A[c,t], 0) / Σ_c' max(A[c',t], 0))

and payout[c] = Σ_t payout_t[c].  Dust rule: the floors leave at most C − 1
units of each fee undistributed; that remainder, and the whole fee of an
inference with no positive influence at all, is not paid to anyone (it stays
with the payer).  Every verifier (Python, EVM) computes exactly this.
"""

from __future__ import annotations


def split_fee(fee: int, influences: list[int]) -> list[int]:
    """One inference's payouts: floor(fee · max(a, 0) / Σ max(a', 0))."""
    positive = [a if a > 0 else 0 for a in influences]
    total = sum(positive)
    if total == 0:
        return [0] * len(influences)
    return [fee * a // total for a in positive]


def compute_payouts(totals: list[list[int]], fees: list[int]) -> list[int]:
    """payout[c] = Σ_t split_fee(F_t, A[·, t])[c], for totals A[c][t] (C × T)."""
    payouts = [0] * len(totals)
    for t, fee in enumerate(fees):
        for c, share in enumerate(split_fee(fee, [row[t] for row in totals])):
            payouts[c] += share
    return payouts

