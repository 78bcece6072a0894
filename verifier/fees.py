"""The fee split (DESIGN §3b): how one epoch's fees are paid out to contributors.

For totals A[c,t] (contributor c, inference t) and fees F_t (0 ≤ F_t < 2^96):

    A⁺ = max(A, 0),   S_t = Σ_c A⁺[c,t]
    π_t = ⌊F_t·2^128 / S_t⌋       (π_t = 0 when S_t = 0: the fee stays with the payer)
    P_c = ⌊Σ_t π_t·A⁺[c,t] / 2^128⌋

One division per inference and one per contributor.  Σ_c P_c ≤ Σ_t F_t, and P_c is ⌊E_c⌋ or
⌊E_c⌋ − 1 for the exact share E_c = Σ_t F_t·A⁺[c,t]/S_t (each cell's rounding is below
A⁺/2^128 < 2^−48).  The dust ΣF − ΣP, which returns to the payer, is at most
Σ_{t: S_t = 0} F_t + C: the fees of inferences nobody influenced positively, plus at most one
unit per contributor.  The epoch proof (attrib.verifier.attribution) proves exactly this rule;
these functions are its reference, on Python integers.
"""

from __future__ import annotations

FEE_SHIFT = 128


def inference_rates(totals: list[list[int]], fees: list[int]) -> list[int]:
    """π_t = ⌊F_t·2^128 / S_t⌋ for each inference (0 when S_t = 0)."""
    rates = []
    for t, fee in enumerate(fees):
        s = sum(row[t] for row in totals if row[t] > 0)
        rates.append((fee << FEE_SHIFT) // s if s else 0)
    return rates


def compute_payouts(totals: list[list[int]], fees: list[int]) -> list[int]:
    """P_c = ⌊Σ_t π_t·max(A[c,t], 0) / 2^128⌋ for totals A[c][t] (C × T) and fees F (T)."""
    rates = inference_rates(totals, fees)
    return [sum(p * a for p, a in zip(rates, row) if a > 0) >> FEE_SHIFT for row in totals]


def dust_bound(totals: list[list[int]], fees: list[int]) -> int:
    """The most the dust ΣF − ΣP can be: the fees nobody influenced, plus one unit per contributor."""
    unpaid = sum(fee for t, fee in enumerate(fees) if all(row[t] <= 0 for row in totals))
    return unpaid + len(totals)
