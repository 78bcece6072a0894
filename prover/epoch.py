"""The epoch prover (protocol v2): the witness of the fee split, its commitments, six sum-checks,
the batching sum-check and one radix-8 HyperKZG batch (attrib.prover.radix).

The mirror of ``attrib.verifier.attribution`` (read its docstring for the statement, the bounds and the
transcript order): every challenge, every claim and every kernel comes from the verifier's own
functions; this module computes the witness (exact integers, in numpy where the bounds keep
int64 exact) and the tables, and runs the sum-checks on the kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attrib.kernels import fr, g1, mle
from attrib.prover.claims import constant, element, kernel_table
from attrib.prover.hyperkzg import commit
from attrib.prover.radix import open_radix_combined
from attrib.prover.sumcheck import prove_sumcheck_pairs, prove_sumcheck_terms
from attrib.verifier.attribution import (
    DEGREES,
    EPOCH_LABEL,
    FEE_SHIFT,
    FINALS,
    LOOKUP_BITS,
    MAX_LOG_CONTRIBUTORS,
    MAX_LOG_INFERENCES,
    PER_INFERENCE,
    PI_SPLIT,
    QUERY_SHIFT,
    SLOTS,
    STAGES,
    Claim,
    EpochShape,
    Proof,
    absorb_claim,
    absorb_finals,
    absorb_phase1,
    absorb_phase2,
    absorb_values,
    batch_claims,
    draw_batching_challenge,
    epoch_shape,
)
from attrib.verifier.hyperkzg import absorb_opening_claim, challenge_powers
from attrib.verifier.kernels import LIMB_BITS, SLOT_BITS, evaluate_kernel
from attrib.verifier.limits import MAGNITUDE_LIMBS
from attrib.verifier.messages import Manifest
from attrib.verifier.transcript import Transcript

R = fr.MODULUS
LIMB_MASK = (1 << LIMB_BITS) - 1


# ---- the witness --------------------------------------------------------------------------

@dataclass
class EpochWitness:
    """Every integer of one epoch (padded to the shape), and its exact outcome."""

    shape: EpochShape
    queries: np.ndarray           # (Tp, kp) int64, zero padded
    fees: list                    # Tp ints (0 on padding)
    limbs: np.ndarray             # (5, Cp·Tp) int64, cell t + Tp·c
    sign: np.ndarray              # (Cp·Tp,) int64: B = [A < 0]
    per_t: dict                   # name → Tp ints (F, S, PI_LO, PI_HI, E, D, KAPPA, Z)
    payouts: list                 # Cp ints
    remainders: list              # Cp ints: ε_c = R_c mod 2^128
    totals: list                  # C × T exact ints: A[c][t]
    slots: np.ndarray | None = None           # X: int64, row + 2^row_bits·slot (fill_tables)
    multiplicities: np.ndarray | None = None  # Mu: int64, 2^16 counts (fill_tables)


def _limbs_of(value: int, count: int) -> list[int]:
    if not 0 <= value < 1 << (LIMB_BITS * count):
        raise ArithmeticError(f"{value} does not fit {count} limbs of {LIMB_BITS} bits")
    return [(value >> (LIMB_BITS * i)) & LIMB_MASK for i in range(count)]


def compute_witness(shape: EpochShape, aggregate: np.ndarray, queries: np.ndarray, fees: list[int]) -> EpochWitness:
    """A = G·Qᵀ exactly, its sign and magnitude limbs, the per-inference division with its carry
    and the per-contributor payouts (fill_tables then lays them out in X and counts the lookups)."""
    c_real, k = aggregate.shape
    t_real = queries.shape[0]
    tp, cp, kp = 1 << shape.m_t, 1 << shape.m_c, 1 << shape.m_k
    # A = hi·2^32 + lo exactly: G's halves times |q| < 2^15 over k ≤ 2^20 columns stay inside int64
    lo_g = aggregate & 0xFFFFFFFF
    hi_g = aggregate >> 32
    a_lo = lo_g @ queries.T
    a_hi = hi_g @ queries.T + (a_lo >> 32)
    a_lo &= 0xFFFFFFFF
    negative = a_hi < 0
    mag_lo = np.where(negative, (-a_lo) & 0xFFFFFFFF, a_lo)
    mag_hi = np.where(negative, -a_hi - (a_lo > 0), a_hi)
    if (mag_hi >> 48).any():
        raise ArithmeticError("|A| ≥ 2^80: the aggregate or the queries are outside their bounds")
    cells = np.zeros((MAGNITUDE_LIMBS, cp, tp), dtype=np.int64)
    for i, part in enumerate((mag_lo & LIMB_MASK, mag_lo >> 16, mag_hi & LIMB_MASK, (mag_hi >> 16) & LIMB_MASK,
                              mag_hi >> 32)):
        cells[i, :c_real, :t_real] = part
    sign = np.zeros((cp, tp), dtype=np.int64)
    sign[:c_real, :t_real] = negative
    positive = 1 - sign
    # A = hi·2^32 + lo (lo in [0, 2^32)), as int64 when |hi| < 2^31 and as Python ints otherwise
    exact = a_hi.astype(object) if (np.abs(a_hi) >> 31).any() else a_hi
    totals = ((exact << 32) + a_lo).tolist()

    # S_t = Σ_c A⁺[c,t], limb by limb (each limb sum < Cp·2^16 ≤ 2^32)
    limb_sums = [(cells[i] * positive).sum(axis=0).tolist() for i in range(MAGNITUDE_LIMBS)]
    s = [sum(limb_sums[i][t] << (LIMB_BITS * i) for i in range(MAGNITUDE_LIMBS)) for t in range(tp)]
    fee = list(fees) + [0] * (tp - t_real)
    per_t = {name: [] for name in PER_INFERENCE}
    pis = []
    for t in range(tp):
        z = int(s[t] == 0)
        s_prime, f_prime = s[t] + z, (1 - z) * fee[t]
        pi, e = divmod(f_prime << FEE_SHIFT, s_prime)
        pi_lo, pi_hi = pi & ((1 << PI_SPLIT) - 1), pi >> PI_SPLIT
        kappa = ((f_prime << (FEE_SHIFT - PI_SPLIT)) - pi_hi * s_prime)
        for name, v in (("F", fee[t]), ("S", s[t]), ("PI_LO", pi_lo), ("PI_HI", pi_hi), ("E", e),
                        ("D", s_prime - 1 - e), ("KAPPA", kappa), ("Z", z)):
            per_t[name].append(v)
        pis.append(pi)

    # R_c = Σ_t π_t·A⁺[c,t] via 16-bit limbs of π and of A⁺: each partial sum < Tp·2^32 ≤ 2^48
    pi_limbs = np.array([_limbs_of(p, 14) for p in pis], dtype=np.int64)            # (Tp, 14)
    partial = np.stack([(cells[i] * positive) @ pi_limbs for i in range(MAGNITUDE_LIMBS)])   # (5, Cp, 14)
    payouts, remainders = [], []
    for c in range(cp):
        r_c = sum(int(partial[i, c, a]) << (LIMB_BITS * (i + a)) for i in range(MAGNITUDE_LIMBS) for a in range(14))
        payouts.append(r_c >> FEE_SHIFT)
        remainders.append(r_c & ((1 << FEE_SHIFT) - 1))

    q = np.zeros((tp, kp), dtype=np.int64)
    q[:t_real, :k] = queries
    return EpochWitness(shape, q, fee, cells.reshape(MAGNITUDE_LIMBS, -1), sign.reshape(-1), per_t, payouts,
                        remainders, totals)


def fill_tables(wit: EpochWitness) -> None:
    """The slot table X (each per-inference and per-contributor value as 16-bit limbs) and the
    multiplicities Mu of every looked-up entry (limbs, X, Q + 2^15) in the table [0, 2^16)."""
    shape = wit.shape
    cp = 1 << shape.m_c
    rows = 1 << shape.row_bits
    slots = np.zeros((1 << SLOT_BITS, rows), dtype=np.int64)
    for name, (first, count) in SLOTS.items():
        values = wit.per_t[name] if name in wit.per_t else (wit.payouts if name == "P" else wit.remainders)[:cp]
        slots[first:first + count, :len(values)] = np.array([_limbs_of(v, count) for v in values]).T
    wit.slots = slots.reshape(-1)
    looked_up = np.concatenate([wit.limbs.reshape(-1), wit.slots, (wit.queries + QUERY_SHIFT).reshape(-1)])
    in_table = looked_up[(looked_up >= 0) & (looked_up < 1 << LOOKUP_BITS)]    # all of them, when honest
    wit.multiplicities = np.bincount(in_table, minlength=1 << LOOKUP_BITS).astype(np.int64)


# ---- tables ---------------------------------------------------------------------------------

def _fr(values) -> np.ndarray:
    """Python ints or an int64 array as an Fr element array."""
    if isinstance(values, np.ndarray):
        return fr.from_int64(np.ascontiguousarray(values, dtype=np.int64))
    return fr.from_ints([v % R for v in values])



def _reciprocals(alpha: int, values: np.ndarray, shift: int = 0) -> np.ndarray:
    """1/(α − shift − v) for every entry (batch inversion)."""
    return fr.inv(fr.sub(constant(alpha - shift, values.shape[0]), _fr(values)))


@dataclass
class _Indexed:
    """A table f[x] = values[idx[x]] of a function of small indices (a limb, the sign bit, a helper
    1/(α − L)), kept as its index array: combined with others by one gather-add per index array
    (the functions of one index array combine first, over 2^16 values), and evaluated through the
    sums of the weights per index, without ever making the table."""

    idx: np.ndarray               # int64, every entry in [0, len(values))
    values: np.ndarray            # Fr element array


def _length(table) -> int:
    return table.idx.shape[0] if isinstance(table, _Indexed) else table.shape[0]


def _combine(parts, size: int) -> np.ndarray:
    """Σ c·table[:size] over the parts (table, c) — Fr arrays or _Indexed tables — zero-padded
    to ``size`` entries."""
    acc = fr.zeros(size)
    by_index: dict[int, list] = {}
    for table, c in parts:
        if isinstance(table, _Indexed):
            entry = by_index.setdefault(id(table.idx), [table.idx, fr.zeros(table.values.shape[0])])
            if entry[1].shape[0] < table.values.shape[0]:
                entry[1] = np.concatenate([entry[1], fr.zeros(table.values.shape[0] - entry[1].shape[0])])
            mle.axpy(entry[1], element(c), table.values)
        else:
            mle.axpy(acc, element(c), table[:size])
    for idx, values in by_index.values():
        n = min(idx.shape[0], size)
        mle.gather_add(acc[:n], values, idx[:n])
    return acc


def _is_bits(values: np.ndarray) -> bool:
    return bool(((values == 0) | (values == 1)).all())


def _magnitude(limbs: np.ndarray) -> np.ndarray:
    """M = Σ_i 2^(16i)·L_i < 2^80 for 16-bit limbs (5, n), as Fr elements from its two low words."""
    u = limbs.astype(np.uint64)
    words = np.zeros((limbs.shape[1], 4), dtype=np.uint64)
    words[:, 0] = u[0] | (u[1] << np.uint64(16)) | (u[2] << np.uint64(32)) | (u[3] << np.uint64(48))
    words[:, 1] = u[4]
    return fr.from_limbs(words)


class _LookedUp:
    """A table whose entries are looked up in [0, 2^16) (after adding ``shift``), committed through
    its bucket sums: B_v = Σ_{i : entry_i + shift = v} [τ^i]_1.  Its own commitment is then
    Σ_v (v − shift)·B_v and its LogUp helper's Σ_v B_v/(α − v): MSMs of 2^16 points, not of the
    table's length, and the helper itself is a gather from the 2^16 reciprocals.  A table with an
    entry outside the range (only a cheating prover's) takes the direct way; the bytes are the same."""

    def __init__(self, powers: np.ndarray, values: np.ndarray, shift: int = 0) -> None:
        self.values, self.shift = values, shift
        self.in_range = bool(((values >= -shift) & (values < (1 << LOOKUP_BITS) - shift)).all())
        self.powers = powers[: values.shape[0]]
        self.buckets = g1.buckets(self.powers, values + shift, LOOKUP_BITS, check=False) if self.in_range else None

    def commitment(self) -> np.ndarray:
        if not self.in_range:
            return g1.msm(self.powers, self.values, check=False)
        return g1.msm(self.buckets, np.arange(-self.shift, (1 << LOOKUP_BITS) - self.shift, dtype=np.int64),
                      check=False)

    def helper_commitment(self, alpha: int, reciprocals: np.ndarray) -> np.ndarray:
        """The commitment of the helper 1/(α − v) (``reciprocals``: 1/(α − v) for v < 2^16); the
        bucket sums are then dropped."""
        if not self.in_range:
            return commit(self.powers, self.helper(alpha, reciprocals))
        commitment, self.buckets = g1.msm(self.buckets, reciprocals, check=False), None
        return commitment

    def helper(self, alpha: int, reciprocals: np.ndarray) -> np.ndarray:
        """The helper table 1/(α − v) over the entries, made when needed (a gather: cheap to make
        again, so large epochs need not keep it)."""
        if not self.in_range:
            return _reciprocals(alpha, self.values, self.shift)
        return mle.gather(reciprocals, self.values + self.shift if self.shift else self.values)

    def indexed(self, values: np.ndarray) -> _Indexed | None:
        """The table v(entry + shift) for a table ``values`` of v over [0, 2^16), unmade (None out of range)."""
        if not self.in_range:
            return None
        return _Indexed(self.values + self.shift if self.shift else self.values, values)


def _evaluate(table: np.ndarray, point: list[int]) -> int:
    """Σ_{i < 2^|point|} table[i]·eq(point, i): the MLE at ``point`` of the table's first 2^|point|
    entries (a longer table's tail is what the verifier's zero-extended kernels ignore)."""
    head = table[: 1 << len(point)]
    return fr.to_ints(fr.inner(head, mle.eq_table(fr.from_ints(point)))) if point else fr.to_ints(head)[0]


def _partial(table_cm: np.ndarray, weights: list[int]) -> np.ndarray:
    """Σ_row weights[row]·table[row, :] over the rows of a (rows × width) int64 table, as Fr."""
    width = table_cm.shape[1]
    acc = fr.zeros(width)
    for row, w in enumerate(weights):
        if row < table_cm.shape[0] and w:
            fr.add(acc, fr.scale(element(w), _fr(table_cm[row])), out=acc)
    return acc


# ---- the prover -----------------------------------------------------------------------------

@dataclass
class EpochResult:
    """An epoch's claim and proof, its payouts, and the totals that stay with the prover."""

    claim: Claim
    proof: Proof
    payouts: list                 # C ints, manifest order
    totals: list                  # C × T exact ints A[c][t]


def prove_epoch(powers: np.ndarray, manifest: Manifest, aggregate: np.ndarray, queries: np.ndarray,
                fees: list[int], seq: int = 0, progress=None) -> EpochResult:
    """Prove the fee split of one epoch (queries T × k int64 with |q| < 2^15, fees < 2^96)."""
    step = progress or (lambda stage, fraction: None)
    t_real = queries.shape[0]
    shape = epoch_shape(manifest, t_real)
    if shape.m_t > MAX_LOG_INFERENCES or shape.m_c > MAX_LOG_CONTRIBUTORS:
        raise ValueError(f"an epoch has at most 2^{MAX_LOG_INFERENCES} queries and 2^{MAX_LOG_CONTRIBUTORS} "
                         "contributors")
    if powers.shape[0] < 1 << shape.n:
        raise ValueError(f"this epoch needs an SRS of 2^{shape.n} powers, it has {powers.shape[0]}")
    wit = compute_witness(shape, aggregate, queries, fees)
    fill_tables(wit)
    step("witness", 1.0)
    tp, cp = 1 << shape.m_t, 1 << shape.m_c

    # the public commitments and the claim (E1)
    q_table = wit.queries.reshape(-1)
    f_table = _fr(wit.fees)
    p_table = _fr(wit.payouts)
    claim = Claim(manifest.digest(), seq, t_real, _point(commit(powers, q_table)),
                       _point(commit(powers, f_table)), _point(commit(powers, p_table)),
                       sum(wit.fees), sum(wit.payouts[: manifest.num_contributors]))
    transcript = Transcript(EPOCH_LABEL)
    absorb_claim(transcript, claim)

    # phase 1 (E2): limbs, sign, slots, multiplicities → α
    # (the looked-up tables through their bucket sums, which phase 2 reuses)
    looked_up = [_LookedUp(powers, wit.limbs[i]) for i in range(MAGNITUDE_LIMBS)] + [_LookedUp(powers, wit.slots)]
    phase1 = tuple(_point(t.commitment()) for t in looked_up[:MAGNITUDE_LIMBS]) + (
        _point(commit(powers, wit.sign)), _point(looked_up[-1].commitment()),
        _point(commit(powers, wit.multiplicities)))
    alpha = absorb_phase1(transcript, phase1)
    step("phase 1", 1.0)

    # phase 2 (E3): the LogUp helpers → τ
    iota = np.arange(1 << LOOKUP_BITS, dtype=np.int64)
    reciprocals = _reciprocals(alpha, iota)                                  # 1/(α − v), v < 2^16
    looked_up.append(_LookedUp(powers, q_table, QUERY_SHIFT))
    g_t = fr.mul(reciprocals, _fr(wit.multiplicities))
    phase2 = tuple(_point(t.helper_commitment(alpha, reciprocals)) for t in looked_up) + (
        _point(commit(powers, g_t)),)
    taus = absorb_phase2(transcript, phase2, shape)
    step("phase 2", 1.0)

    # E4: v_A = Ã(τ_cell), v_S = S̃(τ_t), v_P = P̃(τ_c), v_ε = ε̃(τ_c) → λ
    # (eq(τ) and M are made here and dropped by the cells sum-check as it folds them; an honest
    # witness's limbs are 16-bit and its sign bits 0 or 1, so every other cell table is a rule over
    # 2^16 or 2 values, for the sum-check as for the batching step; any other witness takes the
    # direct way, with the same bytes)
    limbs_in_range = all(t.in_range for t in looked_up[:MAGNITUDE_LIMBS])
    sign_is_bits = _is_bits(wit.sign)
    if limbs_in_range:
        magnitude = _magnitude(wit.limbs)
    else:
        magnitude = fr.zeros(tp * cp)
        for i in range(MAGNITUDE_LIMBS):
            fr.add(magnitude, fr.scale(element(1 << (LIMB_BITS * i)), _fr(wit.limbs[i])), out=magnitude)
    if sign_is_bits:
        sign = None                                                                     # (a rule below)
        signed = fr.neg(magnitude)                                                      # A = (1 − 2B)·M
        np.copyto(signed, magnitude, where=(wit.sign == 0)[:, None])
    else:
        sign = _fr(wit.sign)
        signed = fr.sub(magnitude, fr.scale(element(2), fr.mul(sign, magnitude)))
    eq_cell = mle.eq_table(fr.from_ints(taus.cell(shape)))
    v_a = fr.to_ints(fr.inner(signed, eq_cell))
    del signed
    v_s = _evaluate(_fr(wit.per_t["S"]), taus.t(shape))
    v_p = _evaluate(p_table, taus.c(shape))
    v_e = _evaluate(_fr(wit.remainders), taus.c(shape))
    values = (v_a, v_s, v_p, v_e)
    lam_pows = absorb_values(transcript, values)

    rounds, finals, points = [], [], {}
    per_t = {name: _fr(v) for name, v in wit.per_t.items()}

    def run(stage, tables, terms, final_values):
        """One sum-check; ``final_values(point, bound)`` picks its finals from the tables bound at the point.
        The sum-check takes the list ``tables`` over (it is emptied, each table dropped as it is folded)."""
        if shape.rounds(stage):
            messages, point, bound = prove_sumcheck_terms(tables, terms, DEGREES[stage], transcript, release=True)
        else:
            messages, point, bound = [], [], [fr.to_ints(t)[0] for t in tables]
        vals = final_values(point, bound)
        assert len(vals) == len(FINALS[stage])
        absorb_finals(transcript, vals)
        rounds.append(tuple(map(tuple, messages)))
        finals.append(tuple(vals))
        points[stage] = point
        step(f"{stage} sum-check", 1.0)

    # cells: I1 (A = (1 − 2B)·M), I4, I5, B boolean, the five helpers.  Every table but eq(τ) and M
    # is a rule over a short table of values (mle.Rule: eq(τ_t) tiled, eq(τ_c) repeated, π tiled,
    # B, 1 − B, 1 − 2B by the sign bits, 1/(α − L_i) and α − L_i by the limbs), which the first
    # round reads by chunks: only its folds, of half the size, are ever made
    size = tp * cp
    eq_t = mle.Tiled(mle.eq_table(fr.from_ints(taus.t(shape))), size)
    eq_c = mle.Repeated(mle.eq_table(fr.from_ints(taus.c(shape))), tp)
    pi_cells = mle.Tiled(_fr([(hi << PI_SPLIT) + lo for lo, hi in zip(wit.per_t["PI_LO"], wit.per_t["PI_HI"])]),
                         size)
    # the summands in product form, each product once: (1 − 2B), (1 − B) and α − L_i as tables
    if sign_is_bits:
        sign, not_b, signed = (mle.Gathered(fr.from_ints([a % R, b % R]), wit.sign)
                               for a, b in ((0, 1), (1, 0), (1, -1)))
    else:
        not_b = fr.sub(constant(1, size), sign)
        signed = fr.sub(not_b, sign)
    tables = [eq_cell, eq_t, eq_c, pi_cells, magnitude, sign, not_b, signed]
    tables += [mle.Gathered(reciprocals, wit.limbs[i]) if looked_up[i].in_range
               else looked_up[i].helper(alpha, reciprocals) for i in range(MAGNITUDE_LIMBS)]
    alpha_minus = fr.sub(constant(alpha, 1 << LOOKUP_BITS), _fr(iota))               # α − v, v < 2^16
    tables += [mle.Gathered(alpha_minus, wit.limbs[i]) if looked_up[i].in_range
               else fr.sub(constant(alpha, size), _fr(wit.limbs[i])) for i in range(MAGNITUDE_LIMBS)]
    del eq_cell, eq_t, eq_c, pi_cells, magnitude, sign, not_b, signed
    EQ, EQT, EQC, PI, M, B, NB, SB = range(8)
    H = list(range(8, 8 + MAGNITUDE_LIMBS))
    A = list(range(8 + MAGNITUDE_LIMBS, 8 + 2 * MAGNITUDE_LIMBS))
    lp = lam_pows
    terms = [(lp[0], [EQ, SB, M]),                      # eq(τ)·(1 − 2B)·M                 → v_A
             (lp[1], [EQT, NB, M]),                     # eq(τ_t)·(1 − B)·M                → v_S
             (lp[2], [EQC, PI, NB, M]),                 # eq(τ_c)·π·(1 − B)·M              → 2^128·v_P + v_ε
             (lp[3], [EQ, B, NB]),                      # eq(τ)·B·(1 − B)                  → 0
             (-sum(lp[4:4 + MAGNITUDE_LIMBS]), [EQ])]   # the helpers' − eq(τ) parts, together
    terms += [(lp[4 + i], [EQ, H[i], A[i]]) for i in range(MAGNITUDE_LIMBS)]   # eq(τ)·H_i·(α − L_i)
    terms = [(c % R, idx) for c, idx in terms]
    pi_lo, pi_hi = per_t["PI_LO"], per_t["PI_HI"]
    run("cells", tables, terms,
        lambda u, v: [(alpha - v[i]) % R for i in A] + [v[B]] + [v[i] for i in H]
        + [_evaluate(pi_lo, u[: shape.m_t]), _evaluate(pi_hi, u[: shape.m_t])])

    # inferences: D1–D5
    eq = mle.eq_table(fr.from_ints(taus.t(shape)))
    names = list(PER_INFERENCE)
    tables = [eq] + [per_t[n] for n in names]
    E, F, S, PL, PH, Ee, D, K, Z = 0, *range(1, 9)
    terms = [(lp[0], [E, PL, S]), (lp[0], [E, PL, Z]), (lp[0], [E, Ee]), (-lp[0] * (1 << PI_SPLIT), [E, K]),
             (lp[1], [E, PH, S]), (lp[1], [E, PH, Z]), (lp[1], [E, K]),
             (-lp[1] * (1 << (FEE_SHIFT - PI_SPLIT)), [E, F]), (lp[1] * (1 << (FEE_SHIFT - PI_SPLIT)), [E, Z, F]),
             (lp[2], [E, S]), (lp[2], [E, Z]), (-lp[2], [E]), (-lp[2], [E, Ee]), (-lp[2], [E, D]),
             (lp[3], [E, Z]), (-lp[3], [E, Z, Z]), (lp[4], [E, Z, S])]
    run("inferences", tables, [(c % R, idx) for c, idx in terms],
        lambda u, v: v[1:])

    # the slot table X, the queries and the range table: their LogUp helpers
    x_table = _fr(wit.slots)
    h_x, h_q = (looked_up[i].helper(alpha, reciprocals) for i in (MAGNITUDE_LIMBS, MAGNITUDE_LIMBS + 1))
    run("slots", [mle.eq_table(fr.from_ints(taus.prefix(shape.slots))), x_table, h_x],
        [(alpha, [0, 2]), (R - 1, [0, 2, 1]), (R - 1, [0])],
        lambda u, v: [v[1], v[2]])
    q_fr = _fr(q_table)
    run("queries", [mle.eq_table(fr.from_ints(taus.prefix(shape.queries))), q_fr, h_q],
        [((alpha - QUERY_SHIFT) % R, [0, 2]), (R - 1, [0, 2, 1]), (R - 1, [0])],
        lambda u, v: [v[1], v[2]])
    mu = _fr(wit.multiplicities)
    run("lookup", [mle.eq_table(fr.from_ints(taus.prefix(LOOKUP_BITS))), g_t, _fr(iota), mu],
        [(alpha, [0, 1]), (R - 1, [0, 1, 2]), (R - 1, [0, 3])],
        lambda u, v: [v[3], v[1]])

    # G·Q: v_A = Σ_j G̃(j, τ_c)·Q̃(j, τ_t)
    g_rows = np.zeros((cp, 1 << shape.m_k), dtype=np.int64)
    g_rows[: aggregate.shape[0], : aggregate.shape[1]] = aggregate
    g_vec = _partial(g_rows, fr.to_ints(mle.eq_table(fr.from_ints(taus.c(shape)))))
    q_vec = _partial(wit.queries, fr.to_ints(mle.eq_table(fr.from_ints(taus.t(shape)))))
    run("gq", [g_vec, q_vec], [(1, [0, 1])], lambda u, v: v)

    # batching: every claim to one point, then one opening
    claims = batch_claims(shape, claim, taus, points, _finals_by_stage(finals), values)
    gamma = draw_batching_challenge(transcript)
    g_table = _fr(_aggregate_layout(aggregate, shape))
    # the eleven cell tables as their index arrays (limbs and helpers over the limbs, B over the
    # sign bits): combined and evaluated below without being made
    iota_fr = _fr(iota)
    limbs = [looked_up[i].indexed(iota_fr) or _fr(wit.limbs[i]) for i in range(MAGNITUDE_LIMBS)]
    helpers = [looked_up[i].indexed(reciprocals) or looked_up[i].helper(alpha, reciprocals)
               for i in range(MAGNITUDE_LIMBS)]
    sign_table = _Indexed(wit.sign, fr.from_ints([0, 1])) if sign_is_bits else _fr(wit.sign)
    committed = limbs + [sign_table, x_table, mu] + helpers + [h_x, h_q, g_t, q_fr, f_table, p_table, g_table]
    del limbs, helpers
    # Σ_j γ^j Σ_parts c·⟨f, κ⟩ grouped by kernel: one pair (Σ_f γ^j·c·f, κ) per distinct kernel, so the
    # eleven cell tables, whose claims share eq(u, ·) (and ones), cost two pairs, not eleven.  A pair
    # is kept at the size of its tables: a table of ones is not made, and K_hi (a degree kernel, zero
    # on its tables' own 2^m entries) enters through its head and its multilinear extension beyond
    parts: dict = {}
    power = 1
    for c in claims:
        for index, kernel, coefficient in c.parts:
            parts.setdefault(kernel, []).append((committed[index], power * coefficient % R))
        power = power * gamma % R
    pairs = [_batching_pair(kernel, kernel_parts, shape.n) for kernel, kernel_parts in parts.items()]
    parts = None
    batch_messages, x = prove_sumcheck_pairs(pairs, shape.n, transcript)
    del pairs
    evaluations = _evaluate_extended(committed, x)
    step("batching sum-check", 1.0)
    commitments = [*phase1, *phase2, claim.queries_commitment, claim.fees_commitment, claim.payouts_commitment,
                   manifest.aggregate_point()]
    # open_batch's combination, made here from the index arrays: Σ_k ρ^k·f_k, then the opening
    rho = absorb_opening_claim(transcript, commitments, x, evaluations)
    combined = _combine(list(zip(committed, challenge_powers(rho, len(committed)))), 1 << shape.n)
    committed = None
    opening = open_radix_combined(powers, combined, x, transcript, step)
    proof = Proof(phase1, phase2, values, tuple(rounds), tuple(finals), tuple(map(tuple, batch_messages)),
                       tuple(evaluations), opening)
    c, t_count = manifest.num_contributors, t_real
    return EpochResult(claim, proof, wit.payouts[:c], [row[:t_count] for row in wit.totals[:c]])


def _point(commitment: np.ndarray):
    return g1.to_py_ecc(commitment)


def _finals_by_stage(finals) -> dict:
    return {stage: dict(zip(FINALS[stage], values, strict=True)) for stage, values in zip(STAGES, finals)}


def _aggregate_layout(aggregate: np.ndarray, shape: EpochShape) -> np.ndarray:
    table = np.zeros((1 << shape.m_c, 1 << shape.m_k), dtype=np.int64)
    table[: aggregate.shape[0], : aggregate.shape[1]] = aggregate
    return table.reshape(-1)


def _batching_pair(kernel, parts, n: int) -> tuple:
    """The batching sum-check's pair for one kernel: (Σ c·f, κ) at the size of its tables (see
    attrib.prover.sumcheck.prove_sumcheck_pairs: None for ones, a tail for a degree kernel)."""
    if kernel.kind != "degree":
        size = 1 << kernel.bits                # beyond a kernel's own size it is zero (zero-extended)
        return (_combine(parts, size), None if kernel.kind == "ones" else kernel_table(kernel, kernel.bits))
    # K_hi(ξ, ·) of 2^n entries against tables of 2^m ≤ 2^n (zero beyond): the pair is the tables' 2^m
    # entries and K_hi's head there (zero when 2^m is the kernel's own size), then K̃_hi itself
    longest = max(_length(t) for t, _ in parts)
    bits = min(n, max(0, (longest - 1).bit_length()))
    head = fr.zeros(1 << bits) if bits <= kernel.bits else kernel_table(kernel, n)[: 1 << bits]

    def tail(prefix, bit):
        return evaluate_kernel(kernel, [*prefix, bit] + [0] * (n - len(prefix) - 1))
    return _combine(parts, 1 << bits), head, tail


def _evaluate_extended(tables: list, x: list[int]) -> list[int]:
    """Each zero-padded table's MLE at x: f̃(x_{<m})·Π_{i ≥ m}(1 − x_i), one eq table per length.
    An _Indexed table's is ⟨values, w⟩ with w the sums of eq per index, one w per index array."""
    eqs: dict[int, np.ndarray] = {}
    weights: dict[int, np.ndarray] = {}
    bins = {}
    for table in tables:
        if isinstance(table, _Indexed):
            bins[id(table.idx)] = max(bins.get(id(table.idx), 1), table.values.shape[0])
    values = []
    for table in tables:
        m = _length(table).bit_length() - 1
        if m not in eqs:
            eqs[m] = mle.eq_table(fr.from_ints(x[:m]))
        if isinstance(table, _Indexed):
            key = id(table.idx)
            if key not in weights:
                weights[key] = mle.scatter_add(table.idx, bins[key], eqs[m])
            value = fr.to_ints(fr.inner(table.values, weights[key][: table.values.shape[0]]))
        else:
            value = fr.to_ints(fr.inner(table, eqs[m]))
        for v in x[m:]:
            value = value * (1 - v) % R
        values.append(value)
    return values
