"""Opening payouts against an epoch's payout commitment (the mirror of attrib.verifier.payouts)."""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, mle
from attrib.prover.hyperkzg import open_batch
from attrib.prover.sumcheck import prove_sumcheck_pairs
from attrib.verifier.attribution import Claim
from attrib.verifier.payouts import PAYOUT_LABEL, PayoutOpening, draw_payout_challenge
from attrib.verifier.transcript import Transcript


def open_payouts(powers: np.ndarray, claim: Claim, payouts: list[int], log_contributors: int,
                 indices: list[int]) -> tuple[list[int], PayoutOpening]:
    """(the values at ``indices``, one opening of them against claim.payouts_commitment)."""
    size = 1 << log_contributors
    table = fr.from_ints([p % fr.MODULUS for p in payouts] + [0] * (size - len(payouts)))
    values = [payouts[c] for c in indices]
    transcript = Transcript(PAYOUT_LABEL)
    gamma = draw_payout_challenge(transcript, claim, list(indices), values)
    kernel = fr.zeros(size)
    eqs = [mle.eq_table(fr.from_ints([(c >> b) & 1 for b in range(log_contributors)])) for c in indices]
    power = 1
    for eq in eqs:
        fr.add(kernel, fr.scale(fr.from_ints([power]), eq), out=kernel)
        power = power * gamma % fr.MODULUS
    messages, x = prove_sumcheck_pairs([(table, kernel)], log_contributors, transcript)
    value = fr.to_ints(fr.inner(table, mle.eq_table(fr.from_ints(x))))
    _, opening = open_batch(powers, [table], [claim.payouts_commitment], x, transcript, values=[value])
    return values, PayoutOpening(tuple(map(tuple, messages)), value, opening)
