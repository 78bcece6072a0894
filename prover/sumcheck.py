"""The sum-check prover for Σ_x Π_j f_j(x) over the Boolean hypercube.

The mirror of ``verifier.sumcheck``: each round sends p(0), p(2), …, p(d) of the
round polynomial (p(1) is implied by the running claim), absorbs them, draws
u_j from the shared transcript and binds x_j = u_j in every table (x_0 first).
The loops run in ``kernels.mle``.
"""

from __future__ import annotations

import numpy as np

from attrib.kernels import fr, mle
from attrib.verifier.sumcheck import absorb_round
from attrib.verifier.transcript import Transcript


def prove_sumcheck(tables: list[np.ndarray], transcript: Transcript, progress=None
                   ) -> tuple[list[list[int]], list[int], list[int]]:
    """Prove Σ_x Π_j f_j(x); return (messages, point u, [f_j(u)]).

    ``tables`` are Fr element arrays of one power-of-two length; they are not
    modified.  ``progress(done, total)`` is called after each round if given.
    """
    if not tables:
        raise ValueError("prove_sumcheck needs at least one table")
    size = tables[0].shape[0]
    if size == 0 or size & (size - 1) or any(t.shape[0] != size for t in tables):
        raise ValueError("tables must share one power-of-two length")
    rounds = size.bit_length() - 1
    messages: list[list[int]] = []
    point: list[int] = []
    current = list(tables)
    for j in range(rounds):
        message = fr.to_ints(mle.round_evals(current))   # p(0), p(2), …, p(d)
        u = absorb_round(transcript, message)
        u_arr = fr.from_ints([u])
        current = [mle.fold(t, u_arr) for t in current]
        messages.append(message)
        point.append(u)
        if progress:
            progress(j + 1, rounds)
    return messages, point, [fr.to_ints(t)[0] for t in current]
