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
    """Prove Σ_x Π_j f_j(x) (degree len(tables)); return (messages, point u, [f_j(u)]).

    ``tables`` are Fr element arrays of one power-of-two length; they are not modified.
    ``progress(done, total)`` is called after each round if given.
    """
    if not tables:
        raise ValueError("prove_sumcheck needs at least one table")
    return prove_sumcheck_terms(tables, [(1, list(range(len(tables))))], len(tables), transcript, progress)


def prove_sumcheck_terms(tables: list[np.ndarray], terms: list[tuple[int, list[int]]], degree: int,
                         transcript: Transcript, progress=None, release: bool = False
                         ) -> tuple[list[list[int]], list[int], list[int]]:
    """Prove Σ_x Σ_k c_k·Π_{j ∈ terms[k]} tables[j](x) for terms (c_k, [table indices]) whose
    product has degree at most ``degree`` in each variable; return (messages, point u, [tables[j](u)]).

    Each round's message is Σ_k c_k·(p_k(0), p_k(2), …, p_k(degree)); a term with fewer factors
    is evaluated at the same points without padding.  A term may have more factors than ``degree``
    when some of them do not depend on each variable (eq(τ_c, ·) and π(t) over cells): the caller
    vouches for its degree.  Each table is read once per round (``mle.round_terms``) and folded
    once, however many terms share it.  With ``release`` the function empties the list ``tables``
    and drops each table as soon as it is folded, so that (if the caller keeps no other reference)
    the first round holds the tables plus one half-size fold, not one and a half times them.
    """
    if not tables or not terms:
        raise ValueError("prove_sumcheck_terms needs tables and terms")
    size = tables[0].shape[0]
    if size < 2 or size & (size - 1) or any(t.shape[0] != size for t in tables):
        raise ValueError("tables must share one power-of-two length >= 2")
    if any(not idx for _, idx in terms):
        raise ValueError("every term has at least one factor")
    rounds = size.bit_length() - 1
    current = list(tables)
    if release:
        tables.clear()
    factors = [idx for _, idx in terms]
    messages: list[list[int]] = []
    point: list[int] = []
    for j in range(rounds):
        sums = mle.round_terms(current, factors, degree)          # (terms, degree): every term in one pass
        message = [0] * degree
        for (coeff, _), row in zip(terms, sums):
            for d, v in enumerate(fr.to_ints(row)):
                message[d] = (message[d] + coeff * v) % fr.MODULUS
        u = absorb_round(transcript, message)
        u_arr = fr.from_ints([u])
        for i, t in enumerate(current):
            current[i] = mle.fold(t, u_arr)
        t = None
        messages.append(message)
        point.append(u)
        if progress:
            progress(j + 1, rounds)
    return messages, point, [fr.to_ints(t)[0] for t in current]


def prove_sumcheck_pairs(pairs: list[tuple[np.ndarray, np.ndarray]], num_rounds: int, transcript: Transcript
                         ) -> tuple[list[list[int]], list[int]]:
    """Prove Σ_{x ∈ {0,1}^n} Σ_p a_p(x)·b_p(x) for pairs of tables of 2^{m_p} ≤ 2^n entries, each read
    as zero-padded to 2^n; return (messages [p(0), p(2)] per round, point).

    A pair is kept at its own size: after its m_p rounds it is the scalar product c = a·b at index 0,
    and each later round adds c·(1 − X)² to the round polynomial (p(0) = p(2) = c) and binds
    a, b to a·(1 − u), b·(1 − u), exactly as folding the zero-padded tables would.
    """
    current = [(a, b) for a, b in pairs]
    if any(a.shape != b.shape or a.shape[0] > 1 << num_rounds for a, b in current):
        raise ValueError(f"each pair's tables share one length of at most 2^{num_rounds}")
    messages: list[list[int]] = []
    point: list[int] = []
    for _ in range(num_rounds):
        p0 = p2 = 0
        by_size: dict[int, list] = {}
        for a, b in current:
            if a.shape[0] > 1:
                by_size.setdefault(a.shape[0], []).extend((a, b))
            else:
                c = fr.to_ints(a)[0] * fr.to_ints(b)[0] % fr.MODULUS
                p0, p2 = p0 + c, p2 + c
        for tables in by_size.values():            # the pairs of one size in one pass
            for i in range(0, len(tables), 32):
                chunk = tables[i:i + 32]
                sums = mle.round_terms(chunk, [[j, j + 1] for j in range(0, len(chunk), 2)], 2)
                for e0, e2 in (fr.to_ints(row) for row in sums):
                    p0, p2 = p0 + e0, p2 + e2
        message = [p0 % fr.MODULUS, p2 % fr.MODULUS]
        u = absorb_round(transcript, message)
        u_arr = fr.from_ints([u])
        keep = fr.from_ints([(1 - u) % fr.MODULUS])
        current = [(mle.fold(a, u_arr), mle.fold(b, u_arr)) if a.shape[0] > 1 else (fr.mul(a, keep), fr.mul(b, keep))
                   for a, b in current]
        messages.append(message)
        point.append(u)
    return messages, point
