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
    vouches for its degree.  A table may be an ``mle.Rule`` (a gather, tile or repeat of a short
    table of values), which the first round reads by chunks without making it.  Each table is read
    once per round: binding u_j and forming the next
    message are one pass (``mle.fold_round_terms``), however many terms share a table, and the
    folds go into two buffers per table made once (half and a quarter of its size), not into new
    arrays every round.  With ``release`` the function empties the list ``tables`` and, in the
    first round, folds the tables one by one, dropping each as soon as it is folded, so that (if
    the caller keeps no other reference) the first round holds the tables plus one half-size fold,
    not one and a half times them (with Rules among the tables the first round is one pass too:
    the rules take no room, and their folds are the first ones made).
    """
    if not tables or not terms:
        raise ValueError("prove_sumcheck_terms needs tables and terms")
    size = len(tables[0])
    if size < 2 or size & (size - 1) or any(len(t) != size for t in tables):
        raise ValueError("tables must share one power-of-two length >= 2")
    if any(not idx for _, idx in terms):
        raise ValueError("every term has at least one factor")
    rounds = size.bit_length() - 1
    current = list(tables)
    if release:
        tables.clear()
    if size == 2:                                        # one round: its fold takes arrays
        current = [t.table() if isinstance(t, mle.Rule) else t for t in current]
    factors = [idx for _, idx in terms]
    messages: list[list[int]] = []
    point: list[int] = []
    buffers: list[list[np.ndarray]] = [[], []]         # round j folds into buffers[j % 2]
    sums = mle.round_terms(current, factors, degree)    # (terms, degree): every term in one pass
    for j in range(rounds):
        message = [0] * degree
        for (coeff, _), row in zip(terms, sums):
            for d, v in enumerate(fr.to_ints(row)):
                message[d] = (message[d] + coeff * v) % fr.MODULUS
        u = absorb_round(transcript, message)
        u_arr = fr.from_ints([u])
        m = len(current[0])
        if m == 2:                                       # the last round: the finals
            current = [mle.fold(t, u_arr) for t in current]
        elif j == 0 and release and not any(isinstance(t, mle.Rule) for t in current):
            for i, t in enumerate(current):
                current[i] = mle.fold(t, u_arr)
            t = None
            buffers[0] = list(current)
            sums = mle.round_terms(current, factors, degree)
        else:
            out = buffers[j % 2]
            if not out:
                out.extend(np.empty((m // 2, 4), dtype=np.uint64) for _ in current)
            current, sums = mle.fold_round_terms(current, u_arr, factors, degree, out=out, check=False)
        messages.append(message)
        point.append(u)
        if progress:
            progress(j + 1, rounds)
    return messages, point, [fr.to_ints(t)[0] for t in current]


def prove_sumcheck_pairs(pairs: list[tuple], num_rounds: int, transcript: Transcript
                         ) -> tuple[list[list[int]], list[int]]:
    """Prove Σ_{x ∈ {0,1}^n} Σ_p a_p(x)·b_p(x) for pairs of tables of 2^{m_p} ≤ 2^n entries, each read
    as zero-padded to 2^n; return (messages [p(0), p(2)] per round, point).

    A pair is kept at its own size: after its m_p rounds it is the scalar product c = a·b at index 0,
    and each later round adds c·(1 − X)² to the round polynomial (p(0) = p(2) = c) and binds
    a, b to a·(1 − u), b·(1 − u), exactly as folding the zero-padded tables would.

    ``b`` may be None for the table of ones (2^{m_p} of them): the pair is then Σ a, with no table
    to read or fold.  A pair may carry a third item, ``tail(prefix, bit)``, when b is not zero
    beyond 2^{m_p} but a is: b is then the head b[:2^{m_p}] of a longer table whose multilinear
    extension ``tail`` evaluates at (prefix, bit, 0, …, 0) (n coordinates); the rounds past m_p
    take b's two values there instead of c·(1 − X)², exactly as folding the whole of b would.
    """
    current = []
    for pair in pairs:
        a, b = pair[0], pair[1]
        tail = pair[2] if len(pair) > 2 else None
        if (b is not None and a.shape != b.shape) or a.shape[0] > 1 << num_rounds:
            raise ValueError(f"each pair's tables share one length of at most 2^{num_rounds}")
        current.append([a, b, tail])
    one = fr.from_ints([1])
    messages: list[list[int]] = []
    point: list[int] = []
    # the pairs of one size advance together: per size, their tables (b = None adds none), their terms
    # and the round sums the previous fold gave (None: to be computed)
    groups: dict[int, dict] = {}
    for k, (a, b, _) in enumerate(current):
        if a.shape[0] > 1:
            groups.setdefault(a.shape[0], {"members": [], "sums": None, "buffers": [[], []]})["members"].append(k)
    for j in range(num_rounds):
        p0 = p2 = 0
        for k, (a, b, tail) in enumerate(current):
            if a.shape[0] > 1:
                continue
            av = fr.to_ints(a)[0]
            if tail is None:
                c = av * (1 if b is None else fr.to_ints(b)[0]) % fr.MODULUS
                p0, p2 = p0 + c, p2 + c
            else:                                    # a·(1 − X) times b(prefix, X, 0, …) from its tail
                b0, b1 = tail(point, 0), tail(point, 1)
                p0, p2 = p0 + av * b0, p2 - av * (2 * b1 - b0)
        for size, g in groups.items():
            if g["sums"] is None:
                g["sums"] = [mle.round_terms(tabs, terms, 2) for tabs, terms in _chunks(current, g["members"])]
            for sums in g["sums"]:
                for e0, e2 in (fr.to_ints(row) for row in sums):
                    p0, p2 = p0 + e0, p2 + e2
        message = [p0 % fr.MODULUS, p2 % fr.MODULUS]
        u = absorb_round(transcript, message)
        u_arr = fr.from_ints([u])
        keep = fr.from_ints([(1 - u) % fr.MODULUS])
        for k, (a, b, tail) in enumerate(current):
            if a.shape[0] == 1:
                current[k][0] = fr.mul(a, keep)
                if tail is None:
                    current[k][1] = fr.mul(one if b is None else b, keep)
        advanced: dict[int, dict] = {}
        for size, g in groups.items():
            if size == 2:                            # these pairs become scalars
                for k in g["members"]:
                    a, b, _ = current[k]
                    current[k][0] = mle.fold(a, u_arr)
                    current[k][1] = None if b is None else mle.fold(b, u_arr)
                continue
            out = g["buffers"][j % 2]
            g["sums"], folded = [], []
            for tabs, terms in _chunks(current, g["members"]):
                start = len(folded)
                while len(out) < start + len(tabs):
                    out.append(np.empty((size // 2, 4), dtype=np.uint64))
                tables, sums = mle.fold_round_terms(tabs, u_arr, terms, 2, out=out[start: start + len(tabs)],
                                                    check=False)
                g["sums"].append(sums)
                folded.extend(tables)
            for k in g["members"]:                   # back in the order _chunks laid them out
                current[k][0] = folded.pop(0)
                if current[k][1] is not None:
                    current[k][1] = folded.pop(0)
            advanced[size // 2] = g
        groups = advanced
        messages.append(message)
        point.append(u)
    return messages, point


def _chunks(current: list, members: list[int]):
    """The members' tables (a, then b unless it is None) and their terms, by chunks of at most 32
    tables (what one kernel call takes): [(tables, terms)]."""
    out = []
    tabs: list[np.ndarray] = []
    terms: list[list[int]] = []
    for k in members:
        a, b, _ = current[k]
        need = 1 if b is None else 2
        if len(tabs) + need > 32:
            out.append((tabs, terms))
            tabs, terms = [], []
        if b is None:
            terms.append([len(tabs)])
            tabs.append(a)
        else:
            terms.append([len(tabs), len(tabs) + 1])
            tabs.extend((a, b))
    if tabs:
        out.append((tabs, terms))
    return out
