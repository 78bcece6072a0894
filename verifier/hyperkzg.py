"""Verifying a batched HyperKZG opening of multilinear polynomials at one point.

A multilinear f in n variables with table f[0..2^n) is committed as the KZG
commitment of the univariate f_0(X) = Σ_i f[i]·X^i: C = Σ_i f[i]·[τ^i]_1, using
powers of τ from a powers-of-tau ceremony.  To open f̃ at u = (u_0, …, u_{n−1})
the prover folds x_0 first, f_{i+1}[k] = (1 − u_i)·f_i[2k] + u_i·f_i[2k+1], so
that f_n = f̃(u).  It commits to f_1 … f_{ℓ−1} and sends the last fold f_ℓ in
the clear (its 2^m coefficients, ℓ = n − m, m = min(TAIL_LOG, n − 1)): the
verifier evaluates the tail itself, which saves m commitments (and on the EVM
m scalar multiplications).  Writing f_i(X) = E(X²) + X·O(X²),

    2r·f_{i+1}(r²) = r·(1 − u_i)·(f_i(r) + f_i(−r)) + u_i·(f_i(r) − f_i(−r))      (1)

ties every fold to the one before it at a random r, and f̃_ℓ(u_ℓ, …, u_{n−1})
must equal the claimed value.  The values of f_0 … f_{ℓ−1} at S = {r, −r, r²}
are proved by one KZG multi-point opening of B = Σ_i q^i f_i, in the
single-polynomial form of Boneh–Drake–Fisch–Gabizon (SHPLONK): with I the
quadratic through (x, B(x)) for x ∈ S and Z_S(X) = Π_{x∈S} (X − x), the prover
commits W = [(B − I)/Z_S]; after a challenge z it commits
W' = [L/(X − z)] for L = B − I(z) − Z_S(z)·(B − I)/Z_S, which vanishes at z, and

    e(C_B − I(z)·[1]_1 − Z_S(z)·W + z·W', [1]_2) = e(W', [τ]_2)                (2)

with C_B = Σ_i q^i C_i.  Several polynomials at one point are first combined
with a challenge ρ: C = Σ_m ρ^m C^(m), v = Σ_m ρ^m v^(m).

Transcript order: commitments, point, values → ρ; fold commitments and the
tail → r (r ∈ {0, 1, −1} is rejected: S needs three distinct points); the 3ℓ values → q; W → z; W'.
"""

from __future__ import annotations

from dataclasses import dataclass

from py_ecc import optimized_bn128 as bn

from attrib.verifier import backend
from attrib.verifier.encoding import (
    FIELD_BYTES,
    G1_BYTES,
    G2_BYTES,
    EncodingError,
    decode_g1,
    decode_g2,
    decode_scalar,
    encode_g1,
    encode_g2,
    encode_scalar,
    is_g1,
)
from attrib.verifier.limits import MAX_SRS_LOG_N
from attrib.verifier.polynomial import R, evaluate_multilinear, inverse
from attrib.verifier.transcript import Transcript, keccak256

SRS_DOMAIN = b"ATTRIB-V1/SRS"
NUM_POINTS = 3  # r, -r, r^2
TAIL_LOG = 5    # the last fold, of at most 2^TAIL_LOG entries, goes in the clear


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    """[1]_1, [1]_2, [τ]_2 of a powers-of-tau SRS with 2^max_log_n powers in G1.

    Two keys are equal when their canonical bytes are (points compare as
    group elements, whatever their projective representation).
    """

    g1: tuple
    g2: tuple
    tau_g2: tuple
    max_log_n: int
    insecure: bool = False

    def __post_init__(self) -> None:
        # A point at infinity would make the pairing check hold with no τ at all (e(·, 0) = 1),
        # so that anything "verifies" under such a key.
        if bn.is_inf(self.g1) or bn.is_inf(self.g2) or bn.is_inf(self.tau_g2):
            raise EncodingError("verifying key: [1]_1, [1]_2 and [τ]_2 must not be the point at infinity")

    def to_bytes(self) -> bytes:
        return (encode_g1(self.g1) + encode_g2(self.g2) + encode_g2(self.tau_g2)
                + self.max_log_n.to_bytes(32, "big") + int(self.insecure).to_bytes(32, "big"))

    @classmethod
    def from_bytes(cls, data: bytes) -> "VerifyingKey":
        if len(data) != G1_BYTES + 2 * G2_BYTES + 64:
            raise EncodingError(f"a verifying key is {G1_BYTES + 2 * G2_BYTES + 64} bytes, got {len(data)}")
        g1 = decode_g1(data[:64])
        g2 = decode_g2(data[64:192])
        tau_g2 = decode_g2(data[192:320])
        max_log_n = int.from_bytes(data[320:352], "big")
        insecure = int.from_bytes(data[352:384], "big")
        if insecure not in (0, 1) or max_log_n > MAX_SRS_LOG_N:
            raise EncodingError("verifying key flags are malformed")
        return cls(g1, g2, tau_g2, max_log_n, bool(insecure))

    def __eq__(self, other) -> bool:
        return isinstance(other, VerifyingKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def digest(self) -> bytes:
        """keccak256(SRS_DOMAIN ‖ to_bytes()): names the SRS in manifests."""
        return keccak256(SRS_DOMAIN + self.to_bytes())


class ByCanonicalBytes:
    """Equality and hash of a proof's canonical bytes (to_bytes), for proofs that hold py_ecc points (whose
    projective coordinates differ between equal points)."""

    def __eq__(self, other) -> bool:
        return isinstance(other, type(self)) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


def tail_log(n: int) -> int:
    """m: how many variables the clear tail keeps (at least one committed layer remains)."""
    return min(TAIL_LOG, n - 1)


@dataclass(frozen=True, eq=False)
class HyperKZGProof(ByCanonicalBytes):
    """Fold commitments C_1..C_{ℓ−1}, the tail f_ℓ, values evals[j][i] = f_i(x_j) for i < ℓ, W, W'.

    Equality is equality of the canonical bytes.
    """

    com: tuple
    tail: tuple
    evals: tuple
    w: object
    w_z: object

    def to_bytes(self) -> bytes:
        return (b"".join(encode_g1(c) for c in self.com)
                + b"".join(encode_scalar(v) for v in self.tail)
                + b"".join(encode_scalar(v) for row in self.evals for v in row)
                + encode_g1(self.w) + encode_g1(self.w_z))

    @staticmethod
    def size(n: int) -> int:
        m = tail_log(n)
        layers = n - m
        return (layers - 1) * G1_BYTES + (1 << m) * FIELD_BYTES + NUM_POINTS * layers * FIELD_BYTES + 2 * G1_BYTES

    @classmethod
    def from_bytes(cls, data: bytes, n: int) -> "HyperKZGProof":
        if n < 1 or len(data) != cls.size(n):
            raise EncodingError(f"a HyperKZG proof for n = {n} is {cls.size(max(n, 1))} bytes, got {len(data)}")
        m = tail_log(n)
        layers = n - m
        pos = 0

        def take(size):
            nonlocal pos
            pos += size
            return data[pos - size:pos]

        com = tuple(decode_g1(take(G1_BYTES)) for _ in range(layers - 1))
        tail = tuple(decode_scalar(take(FIELD_BYTES)) for _ in range(1 << m))
        evals = tuple(tuple(decode_scalar(take(FIELD_BYTES)) for _ in range(layers)) for _ in range(NUM_POINTS))
        w = decode_g1(take(G1_BYTES))
        w_z = decode_g1(take(G1_BYTES))
        return cls(com, tail, evals, w, w_z)


# ---- the transcript steps and formulas both sides compute (the prover calls these too) ----

def absorb_opening_claim(transcript: Transcript, commitments, point, values) -> int:
    """Absorb what is being opened and draw ρ, the batching challenge."""
    transcript.absorb_g1(commitments)
    transcript.absorb_scalars(point)
    transcript.absorb_scalars(values)
    return transcript.challenge_scalar()


def absorb_folds(transcript: Transcript, fold_commitments, tail) -> int:
    """Absorb C_1..C_{ℓ−1} and the clear tail f_ℓ; draw r (the caller rejects r = 0)."""
    transcript.absorb_g1(fold_commitments)
    transcript.absorb_scalars(tail)
    return transcript.challenge_scalar()


def usable_fold_challenge(r: int) -> bool:
    """Whether r, −r and r² are three distinct points (r ∉ {0, 1, −1}) and so S has a quadratic
    interpolant.  Both sides refuse any other r; a prover can only retry with new inputs."""
    return r not in (0, 1, R - 1)


def absorb_evaluations(transcript: Transcript, evals) -> int:
    """Absorb the 3ℓ values f_i(x) (row by row: x = r, −r, r²); draw q."""
    transcript.absorb_scalars([v for row in evals for v in row])
    return transcript.challenge_scalar()


def absorb_witness(transcript: Transcript, w) -> int:
    """Absorb W = [(B − I)/Z_S]; draw z."""
    transcript.absorb_g1([w])
    return transcript.challenge_scalar()


def absorb_final_witness(transcript: Transcript, w_z) -> None:
    """Absorb W' = [L/(X − z)], so that a protocol continuing the transcript depends on it."""
    transcript.absorb_g1([w_z])


def challenge_powers(x: int, count: int) -> list[int]:
    """[1, x, x², …, x^(count−1)] mod r: the weights of ρ- and q-batching."""
    powers = [1] * count
    for i in range(1, count):
        powers[i] = powers[i - 1] * x % R
    return powers


def opening_points(r: int) -> tuple[int, int, int]:
    """S = (r, −r, r²)."""
    return (r, (-r) % R, r * r % R)


def batch_evaluations(evals, q: int) -> list[int]:
    """y_j = B(x_j) = Σ_i q^i·f_i(x_j) for each opening point x_j."""
    q_pows = challenge_powers(q, len(evals[0]))
    return [sum(qi * e for qi, e in zip(q_pows, row)) % R for row in evals]


def vanishing_at(xs, z: int) -> int:
    """Z_S(z) = Π_{x ∈ S} (z − x)."""
    acc = 1
    for x in xs:
        acc = acc * (z - x) % R
    return acc


def interpolant_coefficients(xs, ys) -> list[int]:
    """Coefficients (lowest first) of I, the quadratic with I(xs[j]) = ys[j] (Lagrange form)."""
    coeffs = [0, 0, 0]
    for j in range(3):
        a, b = (xs[k] for k in range(3) if k != j)
        scale = ys[j] * inverse((xs[j] - a) * (xs[j] - b)) % R
        for deg, c in enumerate((a * b, -(a + b), 1)):       # (X − a)(X − b) = X² − (a + b)X + ab
            coeffs[deg] = (coeffs[deg] + scale * c) % R
    return coeffs


def evaluate_univariate(coeffs, x: int) -> int:
    """Σ_i coeffs[i]·x^i (Horner)."""
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


def check_fold_consistency(point: list[int], evals, tail, value: int, r: int) -> bool:
    """Equation (1) for every committed layer i < ℓ, then f̃_ℓ(u_ℓ, …) = value."""
    pos, neg, sq = evals
    layers = len(pos)
    for i in range(layers):
        nxt = sq[i + 1] if i + 1 < layers else evaluate_univariate(tail, r * r % R)
        lhs = 2 * r * nxt % R
        u = point[i]
        rhs = (r * (1 - u) * (pos[i] + neg[i]) + u * (pos[i] - neg[i])) % R
        if lhs != rhs:
            return False
    return evaluate_multilinear(list(tail), point[layers:]) == value


def check_batched_kzg(vk: VerifyingKey, opened: list, fold_commitments: list, evals, w, w_z,
                      r: int, q: int, z: int) -> bool:
    """Equation (2), as e(F + z·W', [1]_2)·e(−W', [τ]_2) = 1 with one MSM for the left side.

    ``opened`` are (C^(m), ρ^m) pairs, so that C_0 = Σ_m ρ^m C^(m) needs no MSM of its own.
    """
    xs = opening_points(r)
    q_pows = challenge_powers(q, len(fold_commitments) + 1)
    i_z = evaluate_univariate(interpolant_coefficients(xs, batch_evaluations(evals, q)), z)
    z_s = vanishing_at(xs, z)
    terms = list(opened) + list(zip(fold_commitments, q_pows[1:]))
    terms += [(vk.g1, -i_z), (w, -z_s), (w_z, z)]
    return kzg_pairing_check(vk, linear_combination(terms), w_z)


def kzg_pairing_check(vk: VerifyingKey, lhs, w_z) -> bool:
    """e(lhs, [1]_2)·e(−W', [τ]_2) = 1: equation (2) once its left side is formed (the entry opening,
    attrib.verifier.entry, ends in the same check)."""
    if backend.current() == "native":
        # The same check with the kernels' pairing (attrib.verifier.native).
        from attrib.verifier import native
        return native.pairings_are_one([(lhs, vk.g2), (bn.neg(w_z), vk.tau_g2)])
    miller = bn.pairing(vk.g2, lhs, final_exponentiate=False) * bn.pairing(vk.tau_g2, bn.neg(w_z),
                                                                           final_exponentiate=False)
    return bn.final_exponentiate(miller) == bn.FQ12.one()


def linear_combination(terms) -> tuple:
    """Σ k·P over (P, k) pairs (py_ecc points, integers); by the kernels' MSM under the native
    backend, else by :func:`python_linear_combination`."""
    if backend.current() == "native":
        from attrib.verifier import native
        return native.linear_combination(terms)
    return python_linear_combination(terms)


def python_linear_combination(terms) -> tuple:
    """Σ k·P over (P, k) pairs, by the bucket method with w-bit windows.

    For each window from the top: double the accumulator w times, drop every
    point into the bucket of its w-bit digit, and add Σ_b b·bucket_b (as a
    running sum).  About 254 doublings plus (points + 2^w)·254/w additions,
    against 254 doublings and 127 additions per point for one-by-one products.
    """
    terms = [(p, k % R) for p, k in terms if k % R and not bn.is_inf(p)]
    if len(terms) < 4:
        acc = bn.Z1
        for point, k in terms:
            acc = bn.add(acc, bn.multiply(point, k))
        return acc
    w = 3 if len(terms) < 16 else 4 if len(terms) < 64 else 5
    acc = bn.Z1
    for shift in range(((R.bit_length() + w - 1) // w - 1) * w, -1, -w):
        for _ in range(w):
            acc = bn.double(acc)
        buckets = [bn.Z1] * (1 << w)
        for point, k in terms:
            digit = (k >> shift) & ((1 << w) - 1)
            if digit:
                buckets[digit] = bn.add(buckets[digit], point)
        running = bn.Z1
        for digit in range((1 << w) - 1, 0, -1):
            running = bn.add(running, buckets[digit])
            acc = bn.add(acc, running)
    return acc


def verify_hyperkzg(vk: VerifyingKey, commitments: list, point: list[int], values: list[int],
                    proof: HyperKZGProof, transcript: Transcript) -> bool:
    """Whether f̃^(m)(point) = values[m] for the polynomials committed in ``commitments``."""
    n = len(point)
    if not commitments or len(values) != len(commitments) or not 1 <= n <= vk.max_log_n:
        return False
    m = tail_log(n)
    layers = n - m
    parts = (proof.com, proof.tail, proof.evals)
    if not all(isinstance(x, (tuple, list)) for x in parts) or len(proof.evals) != NUM_POINTS:
        return False
    if len(proof.com) != layers - 1 or len(proof.tail) != 1 << m:
        return False
    if any(not isinstance(row, (tuple, list)) or len(row) != layers for row in proof.evals):
        return False
    scalars = (*point, *values, *proof.tail, *(v for row in proof.evals for v in row))
    if not all(isinstance(x, int) and 0 <= x < R for x in scalars):
        return False
    if not all(is_g1(p) for p in (*commitments, *proof.com, proof.w, proof.w_z)):
        return False
    rho = absorb_opening_claim(transcript, commitments, point, values)
    rho_pows = challenge_powers(rho, len(commitments))
    value = sum(p * v for p, v in zip(rho_pows, values)) % R
    r = absorb_folds(transcript, proof.com, proof.tail)
    if not usable_fold_challenge(r):
        return False
    q = absorb_evaluations(transcript, proof.evals)
    z = absorb_witness(transcript, proof.w)
    absorb_final_witness(transcript, proof.w_z)
    if not check_fold_consistency(point, proof.evals, proof.tail, value, r):
        return False
    return check_batched_kzg(vk, list(zip(commitments, rho_pows)), list(proof.com), proof.evals,
                             proof.w, proof.w_z, r, q, z)


__all__ = ["HyperKZGProof", "VerifyingKey", "verify_hyperkzg"]
