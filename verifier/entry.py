"""Opening one entry of a committed table: its value at a Boolean point, with few group operations.

A table a of 2^n entries is committed as HyperKZG commits it (attrib.verifier.hyperkzg): W = Σ_i a_i·[τ^i]_1,
the coefficients of the univariate A(X) = Σ_i a_i·X^i, bit b of i being the multilinear variable x_b.  Its
multilinear extension at the Boolean point bits(c) is the one coefficient a_c.  HyperKZG opens any point with
binary folds, one committed fold (one scalar multiplication on chain, about 6,000 gas) per variable past its
clear tail.  At a Boolean point a fold only keeps every other coefficient, so this opening keeps every N-th
(N = 2^K, K = RADIX_LOG bits of c at a time): a third of the fold commitments, for N values per fold.

**Folds.**  Any polynomial f splits uniquely as f(X) = Σ_{t<N} X^t·g_t(X^N).  With digit s_j = bits
[K·j, K·(j+1)) of c, f_0 = A and f_{j+1} = g_{s_j} of f_j: f_{j+1} holds the coefficients of f_j at
indices ≡ s_j (mod N).  After L folds f_L holds A's coefficients at c_low + 2^{KL}·i (c_low = c mod 2^{KL});
it has 2^m of them (n = K·L + m) and goes in the clear, the tail, whose entry c >> KL is a_c.  The prover
commits f_1 … f_{L−1}.  For a random r, with ζ a primitive N-th root of unity and ρ = r^N,

    N·r^s·g_s(ρ) = Σ_{i<N} ζ^{−i·s}·f(ζ^i·r)                                   (1)

(Σ_i ζ^{i(t−s)} = N if t = s, else 0), so the values of f_j at the N points ζ^i·r give f_{j+1}(ρ), and the
last of them must be the tail's value at ρ.  The values f_j(ζ^i·r) (sent) and f_j(ρ) (derived by (1) for
j ≥ 1; sent for f_0) are proved by one KZG multi-point opening of B = Σ_j q^j f_j on
S = {ζ^i·r : i < N} ∪ {ρ}, exactly HyperKZG's equation (2) with this S:

    e(C_B − I(z)·[1]_1 − Z_S(z)·W_q + z·W', [1]_2) = e(W', [τ]_2),   C_B = W + Σ_{j≥1} q^j·F_j      (2)

(I the interpolant of B on S, Z_S(X) = (X^N − ρ)(X − ρ), W_q = [(B − I)/Z_S], W' = [L/(X − z)],
L = B − I(z) − Z_S(z)·(B − I)/Z_S).  On chain that is L − 1 + 3 scalar multiplications and two pairings,
against n − 5 + 3 for HyperKZG (C = 2^16: 6 against 13).

Transcript (after the caller's statement): W, n, c, the value; F_1 … F_{L−1} and the tail → r; the L·N
values f_j(ζ^i·r), then f_0(ρ) → q; W_q → z; W'.  r, z are refused when S has fewer than N + 1 points
or z ∈ S (both sides; a prover can only retry with other inputs).

| a cheating prover tries | stopped by |
|---|---|
| a value other than a_c | the tail must hold it at c >> KL, and the tail must be f_L: (1) at ρ ties each fold to the one before (Schwartz–Zippel at ρ = r^N, drawn after every F_j and the tail: ≤ N·D/r each, D the SRS degree) |
| f_{j+1} that is not the digit's part of f_j | (1) at ρ, as above |
| values f_j(x) that are not the committed polynomials' | (2): B − I vanishes on S (z after W_q: (D + N)/r), then the q-combination (L/r per point) |
| the value of another index (or of another dataset's, state's, range's) | c (and the caller's statement) are absorbed before r; the digits s_j come from c |
| a table of more than 2^n entries | the tail's 2^m coefficients: f_L = g_s would have more (the last fold check fails), so a_c is c's coefficient of W whatever its degree |
| r or z with coincident points (Z_S(z) = 0 would drop points from (2)) | refused (r = 0, ρ = ζ^i·r, z ∈ S) |
| non-canonical scalars, points off the curve, lengths | refused before any check (decode, is_g1, the shape of n) |
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.encoding import (
    FIELD_BYTES,
    G1_BYTES,
    EncodingError,
    decode_g1,
    decode_scalar,
    encode_g1,
    encode_scalar,
    is_g1,
)
from attrib.verifier.hyperkzg import VerifyingKey, challenge_powers, kzg_pairing_check, linear_combination
from attrib.verifier.polynomial import R, inverse
from attrib.verifier.transcript import Transcript

RADIX_LOG = 3            # K: bits of the index folded at once (N = 8 values per fold)
ENTRY_TAIL_LOG = 4       # the clear tail has at most 2^4 coefficients
MULTIPLICATIVE_GENERATOR = 5     # generates Fr^* (5 is a quadratic non-residue mod r)


def root_of_unity(order: int) -> int:
    """A primitive ``order``-th root of unity in Fr (order a power of two, at most 2^28)."""
    if order < 1 or order & (order - 1) or (R - 1) % order:
        raise ValueError(f"Fr has no primitive root of unity of order {order}")
    zeta = pow(MULTIPLICATIVE_GENERATOR, (R - 1) // order, R)
    assert order == 1 or pow(zeta, order // 2, R) == R - 1
    return zeta


def entry_shape(n: int) -> tuple[int, int, int]:
    """(K, L, m) for a table of 2^n entries: L folds of K bits, then a clear tail of 2^m coefficients
    (n = K·L + m, L ≥ 1, 0 ≤ m ≤ ENTRY_TAIL_LOG).  A table of at most 2^RADIX_LOG entries is one fold of
    all its n bits (K = n, m = 0)."""
    if n < 1:
        raise ValueError(f"an entry opening needs n >= 1, got {n}")
    if n <= RADIX_LOG:
        return n, 1, 0
    layers = max(1, -(-(n - ENTRY_TAIL_LOG) // RADIX_LOG))
    return RADIX_LOG, layers, n - RADIX_LOG * layers


def digits(index: int, n: int) -> list[int]:
    """s_0 … s_{L−1}: the K-bit digits of ``index`` that the L folds keep, lowest first."""
    k, layers, _ = entry_shape(n)
    return [(index >> (k * j)) & ((1 << k) - 1) for j in range(layers)]


def entry_points(r: int, n: int) -> tuple[list[int], int]:
    """([ζ^i·r for i < N], ρ = r^N): the opening set S less ρ, and ρ."""
    k = entry_shape(n)[0]
    zeta = root_of_unity(1 << k)
    xs, x = [], r % R
    for _ in range(1 << k):
        xs.append(x)
        x = x * zeta % R
    return xs, pow(r, 1 << k, R)


def usable_entry_challenge(r: int, n: int) -> bool:
    """Whether S = {ζ^i·r} ∪ {ρ} has N + 1 distinct points (r ≠ 0 and ρ ∉ {ζ^i·r})."""
    if r % R == 0:
        return False
    xs, rho = entry_points(r, n)
    return rho not in xs


def fold_value(evals_j, s: int, r: int, k: int) -> int:
    """f_{j+1}(ρ) by (1): (1/N)·r^(−s)·Σ_i ζ^(−i·s)·f_j(ζ^i·r), for the digit s."""
    order = 1 << k
    zeta_inv = inverse(root_of_unity(order))
    step = pow(zeta_inv, s, R)
    acc, w = 0, 1
    for e in evals_j:
        acc = (acc + w * e) % R
        w = w * step % R
    return acc * inverse(order) % R * pow(inverse(r), s, R) % R


def lagrange_at(xs: list[int], ys: list[int], z: int) -> int:
    """I(z) for the polynomial through (xs[i], ys[i]) (distinct xs; Lagrange form)."""
    total = 0
    for i, (xi, yi) in enumerate(zip(xs, ys)):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i:
                num = num * (z - xj) % R
                den = den * (xi - xj) % R
        total = (total + yi * num % R * inverse(den)) % R
    return total


@dataclass(frozen=True, eq=False)
class EntryOpening:
    """F_1 … F_{L−1}, the tail f_L, values[j][i] = f_j(ζ^i·r), f_0(ρ), W_q, W'.  Equality is equality of the
    canonical bytes."""

    folds: tuple
    tail: tuple
    values: tuple
    at_rho: int
    w: object
    w_z: object

    def to_bytes(self) -> bytes:
        return (b"".join(encode_g1(f) for f in self.folds)
                + b"".join(encode_scalar(v) for v in self.tail)
                + b"".join(encode_scalar(v) for row in self.values for v in row)
                + encode_scalar(self.at_rho) + encode_g1(self.w) + encode_g1(self.w_z))

    def __eq__(self, other) -> bool:
        return isinstance(other, EntryOpening) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    @staticmethod
    def size(n: int) -> int:
        k, layers, m = entry_shape(n)
        return (layers - 1) * G1_BYTES + ((1 << m) + layers * (1 << k) + 1) * FIELD_BYTES + 2 * G1_BYTES

    @classmethod
    def from_bytes(cls, data: bytes, n: int) -> "EntryOpening":
        if not 1 <= n or len(data) != cls.size(n):
            raise EncodingError(f"an entry opening for n = {n} is {cls.size(max(n, 1))} bytes, got {len(data)}")
        k, layers, m = entry_shape(n)
        pos = 0

        def take(size):
            nonlocal pos
            pos += size
            return data[pos - size:pos]

        folds = tuple(decode_g1(take(G1_BYTES)) for _ in range(layers - 1))
        tail = tuple(decode_scalar(take(FIELD_BYTES)) for _ in range(1 << m))
        values = tuple(tuple(decode_scalar(take(FIELD_BYTES)) for _ in range(1 << k)) for _ in range(layers))
        at_rho = decode_scalar(take(FIELD_BYTES))
        return cls(folds, tail, values, at_rho, decode_g1(take(G1_BYTES)), decode_g1(take(G1_BYTES)))


# ---- the transcript steps both sides take (the prover calls these too) ----

def absorb_entry_claim(transcript: Transcript, commitment, n: int, index: int, value: int) -> None:
    transcript.absorb_g1([commitment])
    transcript.absorb_scalars([n, index, value])


def absorb_entry_folds(transcript: Transcript, folds, tail) -> int:
    """Absorb F_1 … F_{L−1} and the tail; draw r."""
    transcript.absorb_g1(list(folds))
    transcript.absorb_scalars(list(tail))
    return transcript.challenge_scalar()


def absorb_entry_values(transcript: Transcript, values, at_rho: int) -> int:
    """Absorb the L·N values (fold by fold) and f_0(ρ); draw q."""
    transcript.absorb_scalars([v for row in values for v in row] + [at_rho])
    return transcript.challenge_scalar()


def absorb_entry_witness(transcript: Transcript, w) -> int:
    transcript.absorb_g1([w])
    return transcript.challenge_scalar()


def verify_entry(vk: VerifyingKey, commitment, n: int, index: int, value: int, proof: EntryOpening,
                 transcript: Transcript) -> bool:
    """Whether ``proof`` shows that the table committed in ``commitment`` holds ``value`` at ``index``
    (its coefficient of X^index), as an n-variable table (index < 2^n).  ``transcript`` carries the
    caller's statement; the opening absorbs (commitment, n, index, value) itself."""
    if not (isinstance(n, int) and 1 <= n <= vk.max_log_n and isinstance(index, int) and 0 <= index < 1 << n):
        return False
    if not (isinstance(value, int) and 0 <= value < R) or not isinstance(proof, EntryOpening):
        return False
    k, layers, m = entry_shape(n)
    parts = (proof.folds, proof.tail, proof.values)
    if not all(isinstance(x, (tuple, list)) for x in parts):
        return False
    if len(proof.folds) != layers - 1 or len(proof.tail) != 1 << m or len(proof.values) != layers:
        return False
    if any(not isinstance(row, (tuple, list)) or len(row) != 1 << k for row in proof.values):
        return False
    scalars = (*proof.tail, *(v for row in proof.values for v in row), proof.at_rho)
    if not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x < R for x in scalars):
        return False
    if not all(is_g1(p) for p in (commitment, *proof.folds, proof.w, proof.w_z)):
        return False
    absorb_entry_claim(transcript, commitment, n, index, value)
    r = absorb_entry_folds(transcript, proof.folds, proof.tail)
    q = absorb_entry_values(transcript, proof.values, proof.at_rho)
    z = absorb_entry_witness(transcript, proof.w)
    transcript.absorb_g1([proof.w_z])
    if not usable_entry_challenge(r, n):
        return False
    xs, rho = entry_points(r, n)
    if z in xs or z == rho:
        return False
    # the folds: f_{j+1}(ρ) from f_j's values by (1); the last must be the tail's, whose entry c >> KL is the value
    at_rho = [proof.at_rho]
    for j, s in enumerate(digits(index, n)):
        at_rho.append(fold_value(proof.values[j], s, r, k))
    tail_at_rho = 0
    for coefficient in reversed(proof.tail):
        tail_at_rho = (tail_at_rho * rho + coefficient) % R
    if at_rho.pop() != tail_at_rho or proof.tail[index >> (k * layers)] != value:
        return False
    # (2): B = Σ_j q^j f_j on S
    q_pows = challenge_powers(q, layers)
    ys = [sum(qj * row[i] for qj, row in zip(q_pows, proof.values)) % R for i in range(1 << k)]
    ys.append(sum(qj * v for qj, v in zip(q_pows, at_rho)) % R)
    points = xs + [rho]
    i_z = lagrange_at(points, ys, z)
    z_s = 1
    for x in points:
        z_s = z_s * (z - x) % R
    terms = [(commitment, 1), *zip(proof.folds, q_pows[1:]), (vk.g1, -i_z), (proof.w, -z_s), (proof.w_z, z)]
    return kzg_pairing_check(vk, linear_combination(terms), proof.w_z)


__all__ = ["EntryOpening", "entry_shape", "verify_entry"]
