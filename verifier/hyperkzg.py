"""Verifying a batched HyperKZG opening of multilinear polynomials at one point.

A multilinear f in n variables with table f[0..2^n) is committed as the KZG
commitment of the univariate f_0(X) = Σ_i f[i]·X^i: C = Σ_i f[i]·[τ^i]_1, using
powers of τ from a powers-of-tau ceremony.  To open f̃ at u = (u_0, …, u_{n−1})
the prover folds x_0 first, f_{i+1}[k] = (1 − u_i)·f_i[2k] + u_i·f_i[2k+1], so
f_n = f̃(u), and commits to f_1 … f_{n−1}.  Writing f_i(X) = E(X²) + X·O(X²),

    2r·f_{i+1}(r²) = r·(1 − u_i)·(f_i(r) + f_i(−r)) + u_i·(f_i(r) − f_i(−r))      (1)

so the values of every f_i at r, −r and r² tie the folds together, and one
batched KZG opening of B = Σ_i q^i f_i at the three points proves them:

    e(Σ_j d^j (C_B − B(x_j)·[1]_1 + x_j·W_j), [1]_2) = e(Σ_j d^j W_j, [τ]_2)      (2)

with C_B = Σ_i q^i C_i, x = (r, −r, r²) and W_j the commitment to
(B(X) − B(x_j)) / (X − x_j).  Several polynomials at one point are first
combined with a challenge ρ: C = Σ_m ρ^m C^(m), v = Σ_m ρ^m v^(m).

Transcript order: commitments, point, values → ρ; fold commitments → r
(r = 0 is rejected); the 3n values → q; W_0, W_1, W_2 → d.
"""

from __future__ import annotations

from dataclasses import dataclass

from py_ecc import optimized_bn128 as bn

from verifier.encoding import (
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
from verifier.polynomial import R, inverse
from verifier.transcript import Transcript, keccak256

SRS_DOMAIN = b"ATTRIB-V1/SRS"
NUM_POINTS = 3  # r, -r, r^2


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
        if insecure not in (0, 1) or max_log_n > 64:
            raise EncodingError("verifying key flags are malformed")
        return cls(g1, g2, tau_g2, max_log_n, bool(insecure))

    def __eq__(self, other) -> bool:
        return isinstance(other, VerifyingKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def digest(self) -> bytes:
        """keccak256(SRS_DOMAIN ‖ to_bytes()): names the SRS in manifests."""
        return keccak256(SRS_DOMAIN + self.to_bytes())


@dataclass(frozen=True, eq=False)
class HyperKZGProof:
    """Fold commitments C_1..C_{n−1}, values f_i(x_j) as evals[j][i], witnesses W_0..W_2.

    Equality is equality of the canonical bytes.
    """

    com: tuple
    evals: tuple
    w: tuple

    def to_bytes(self) -> bytes:
        return (b"".join(encode_g1(c) for c in self.com)
                + b"".join(encode_scalar(v) for row in self.evals for v in row)
                + b"".join(encode_g1(c) for c in self.w))

    def __eq__(self, other) -> bool:
        return isinstance(other, HyperKZGProof) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    @staticmethod
    def size(n: int) -> int:
        return (n - 1) * G1_BYTES + NUM_POINTS * n * FIELD_BYTES + NUM_POINTS * G1_BYTES

    @classmethod
    def from_bytes(cls, data: bytes, n: int) -> "HyperKZGProof":
        if n < 1 or len(data) != cls.size(n):
            raise EncodingError(f"a HyperKZG proof for n = {n} is {cls.size(max(n, 1))} bytes, got {len(data)}")
        pos = 0
        com = []
        for _ in range(n - 1):
            com.append(decode_g1(data[pos:pos + G1_BYTES]))
            pos += G1_BYTES
        evals = []
        for _ in range(NUM_POINTS):
            evals.append(tuple(decode_scalar(data[pos + 32 * i: pos + 32 * i + 32]) for i in range(n)))
            pos += 32 * n
        w = tuple(decode_g1(data[pos + G1_BYTES * j: pos + G1_BYTES * (j + 1)]) for j in range(NUM_POINTS))
        return cls(tuple(com), tuple(evals), w)


def absorb_opening_claim(transcript: Transcript, commitments, point, values) -> int:
    """Absorb what is being opened and draw ρ, the batching challenge."""
    transcript.absorb_g1(commitments)
    transcript.absorb_scalars(point)
    transcript.absorb_scalars(values)
    return transcript.challenge_scalar()


def check_fold_consistency(point: list[int], evals, value: int, r: int) -> bool:
    """Equation (1) for every i, with f_n(r²) = value, the claimed evaluation."""
    pos, neg, sq = evals
    n = len(point)
    for i, u in enumerate(point):
        nxt = sq[i + 1] if i + 1 < n else value
        lhs = 2 * r * nxt % R
        rhs = (r * (1 - u) * (pos[i] + neg[i]) + u * (pos[i] - neg[i])) % R
        if lhs != rhs:
            return False
    return True


def check_batched_kzg(vk: VerifyingKey, commitments: list, evals, w, r: int, q: int, d: int) -> bool:
    """Equation (2), as e(L, [1]_2)·e(−Rw, [τ]_2) = 1 with one MSM for L."""
    xs = (r, (-r) % R, r * r % R)
    n = len(commitments)
    q_pows = [pow(q, i, R) for i in range(n)]
    d_pows = [pow(d, j, R) for j in range(NUM_POINTS)]
    b_at = [sum(qi * e for qi, e in zip(q_pows, evals[j])) % R for j in range(NUM_POINTS)]
    d_sum = sum(d_pows) % R
    terms = [(c, q_pows[i] * d_sum % R) for i, c in enumerate(commitments)]
    terms.append((vk.g1, (-sum(dj * bj for dj, bj in zip(d_pows, b_at))) % R))
    terms += [(w[j], d_pows[j] * xs[j] % R) for j in range(NUM_POINTS)]
    lhs = linear_combination(terms)
    rhs = linear_combination([(w[j], d_pows[j]) for j in range(NUM_POINTS)])
    miller = bn.pairing(vk.g2, lhs, final_exponentiate=False) * bn.pairing(vk.tau_g2, bn.neg(rhs),
                                                                           final_exponentiate=False)
    return bn.final_exponentiate(miller) == bn.FQ12.one()


def linear_combination(terms) -> tuple:
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
    if len(proof.com) != n - 1 or len(proof.evals) != NUM_POINTS or len(proof.w) != NUM_POINTS:
        return False
    if any(len(row) != n for row in proof.evals):
        return False
    if not all(isinstance(x, int) and 0 <= x < R for x in (*point, *values, *(v for row in proof.evals for v in row))):
        return False
    if not all(is_g1(p) for p in (*commitments, *proof.com, *proof.w)):
        return False
    rho = absorb_opening_claim(transcript, commitments, point, values)
    rho_pows = [pow(rho, m, R) for m in range(len(commitments))]
    combined = linear_combination(list(zip(commitments, rho_pows)))
    value = sum(p * v for p, v in zip(rho_pows, values)) % R
    transcript.absorb_g1(proof.com)
    r = transcript.challenge_scalar()
    if r == 0:
        return False
    transcript.absorb_scalars([v for row in proof.evals for v in row])
    q = transcript.challenge_scalar()
    transcript.absorb_g1(proof.w)
    d = transcript.challenge_scalar()
    if not check_fold_consistency(point, proof.evals, value, r):
        return False
    return check_batched_kzg(vk, [combined, *proof.com], proof.evals, proof.w, r, q, d)


__all__ = ["HyperKZGProof", "VerifyingKey", "verify_hyperkzg", "inverse"]
