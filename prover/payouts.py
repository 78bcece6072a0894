"""Opening payouts against an epoch's payout commitment (the mirror of attrib.verifier.payouts)."""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, mle
from attrib.prover.hyperkzg import commit, open_batch
from attrib.prover.sumcheck import prove_sumcheck_pairs
from attrib.verifier.attribution import Claim
from attrib.verifier.messages import Manifest
from attrib.verifier.payouts import (
    BALANCE_LABEL,
    PAYOUT_LABEL,
    BalanceOpening,
    PayoutOpening,
    absorb_balance,
    draw_payout_challenge,
)
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


def open_balance(powers: np.ndarray, manifest: Manifest, epoch: int, excluded: list[int],
                 payouts_by_epoch: dict[int, list[int]], index: int) -> tuple[int, object, BalanceOpening]:
    """(contributor ``index``'s cumulative payout over epochs 1 … ``epoch`` except ``excluded``,
    the commitment W of that sum (a py_ecc point: what the chain forms from its state), its opening).

    ``payouts_by_epoch`` maps each included epoch to its payout vector (the published sidecars)."""
    included = [e for e in range(1, epoch + 1) if e not in set(excluded)]
    missing = [e for e in included if e not in payouts_by_epoch]
    if missing:
        raise ValueError(f"the payouts of epochs {missing} are needed (or leave those epochs out)")
    n = manifest.log_contributors
    if not 0 <= index < manifest.num_contributors:
        raise ValueError(f"index {index} is not a contributor (0 to {manifest.num_contributors - 1})")
    totals = [0] * (1 << n)
    for e in included:
        vector = payouts_by_epoch[e]
        if len(vector) != manifest.num_contributors:
            raise ValueError(f"epoch {e}: {len(vector)} payouts for {manifest.num_contributors} contributors")
        for c, v in enumerate(vector):
            totals[c] += v
    table = fr.from_ints([t % fr.MODULUS for t in totals])
    commitment = g1.to_py_ecc(commit(powers, table))
    value = totals[index]
    transcript = Transcript(BALANCE_LABEL)
    absorb_balance(transcript, manifest.digest(), epoch, sorted(excluded), commitment, n, index, value)
    point = [(index >> b) & 1 for b in range(n)]
    _, opening = open_batch(powers, [table], [commitment], point, transcript, values=[value])
    return value, commitment, BalanceOpening(n, opening)

