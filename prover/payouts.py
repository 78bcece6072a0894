"""Opening payouts against an epoch's payout commitment (the mirror of attrib.verifier.payouts)."""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, g1, mle
from attrib.prover.hyperkzg import commit
from attrib.prover.radix import open_radix_batch
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
    excluded_ranges,
    ranges_epochs,
    resolve_dataset_id,
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
    _, opening = open_radix_batch(powers, [table], [claim.payouts_commitment], x, transcript, values=[value])
    return values, PayoutOpening(tuple(map(tuple, messages)), value, opening)


def open_balance(powers: np.ndarray, manifest: Manifest, epoch: int, excluded, payouts_by_epoch: dict[int, list[int]],
                 index: int, dataset_id: bytes | None = None) -> tuple[int, object, BalanceOpening]:
    """(contributor ``index``'s cumulative payout over epochs 1 … ``epoch`` except the epochs ``excluded``,
    the commitment W of that sum (a py_ecc point: what the chain forms from its state), its opening).

    ``manifest`` is the version the opening is made at (normally the current one): the opening is of an
    mC-variable table of its C.  ``payouts_by_epoch`` maps each included epoch to its payout vector (the
    published sidecars); an epoch settled under an older version has a shorter vector (its C_P commits no
    payout for the contributors appended after it), padded here with zeros.  ``excluded`` is a set of epochs:
    the opening absorbs it as its ranges (attrib.verifier.payouts.excluded_ranges), which is what the
    contract takes.  ``dataset_id``: the digest of the dataset's segment 0 (default: the manifest's digest,
    right only when it is segment 0)."""
    ident = resolve_dataset_id(manifest, dataset_id)
    ranges = excluded_ranges(excluded)
    if ranges and not (1 <= ranges[0][0] and ranges[-1][1] <= epoch):
        raise ValueError(f"excluded epochs must lie in [1, {epoch}]")
    left_out = set(ranges_epochs(ranges))
    included = [e for e in range(1, epoch + 1) if e not in left_out]
    missing = [e for e in included if e not in payouts_by_epoch]
    if missing:
        raise ValueError(f"the payouts of epochs {missing} are needed (or leave those epochs out)")
    n, size = manifest.log_contributors, manifest.num_contributors
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not a contributor (0 to {size - 1})")
    totals = [0] * (1 << n)
    for e in included:
        vector = payouts_by_epoch[e]
        if len(vector) > size:
            raise ValueError(f"epoch {e}: {len(vector)} payouts, more than the {size} contributors of this "
                             "version (was it settled under a later one? open at the current version)")
        for c, v in enumerate(vector):
            totals[c] += int(v)
    table = fr.from_ints([t % fr.MODULUS for t in totals])
    commitment = g1.to_py_ecc(commit(powers, table))
    value = totals[index]
    transcript = Transcript(BALANCE_LABEL)
    absorb_balance(transcript, ident, epoch, ranges, commitment, n, index, value)
    point = [(index >> b) & 1 for b in range(n)]
    _, opening = open_radix_batch(powers, [table], [commitment], point, transcript, values=[value])
    return value, commitment, BalanceOpening(n, opening)
