"""Radix-8 HyperKZG (attrib.verifier.radix, attrib.prover.radix): honest openings at random and Boolean points
for every shape, the proof's bytes, and cheating provers, each stopped by the check the module names."""

import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fr, g1, mle, upoly
from attrib.prover.claims import element
from attrib.prover.hyperkzg import commit, evaluate_powers
from attrib.prover.radix import _commit, divide_by_vanishing, open_radix_batch
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.hyperkzg import (
    absorb_final_witness,
    absorb_folds,
    absorb_opening_claim,
    absorb_witness,
    challenge_powers,
)
from attrib.verifier.polynomial import evaluate_multilinear
from attrib.verifier.radix import (
    RadixProof,
    absorb_radix_evaluations,
    radix_points,
    radix_shape,
    root_of_unity,
    verify_radix,
)
from attrib.verifier.transcript import Transcript

LABEL = b"radix-test"


def case(powers, n, count, seed, boolean=False):
    rng = random.Random(seed)
    tables = [fr.random(1 << n, seed * 11 + m) for m in range(count)]
    coms = [g1.to_py_ecc(commit(powers, t)) for t in tables]
    point = [rng.randrange(2) if boolean else rng.randrange(R) for _ in range(n)]
    tp = Transcript(LABEL)
    values, proof = open_radix_batch(powers, tables, coms, point, tp)
    return tables, coms, point, values, proof, tp


def verify(vk, coms, point, values, proof):
    return verify_radix(vk, coms, point, values, proof, Transcript(LABEL))


def test_shapes():
    """n = K·L + m with L ≥ 1 and 0 ≤ m ≤ 5; three variables a fold past n = 3."""
    assert [radix_shape(n) for n in (1, 2, 3, 4, 5, 8, 9, 16, 20)] == [
        (1, 1, 0), (2, 1, 0), (3, 1, 0), (3, 1, 1), (3, 1, 2), (3, 1, 5), (3, 2, 3), (3, 4, 4), (3, 5, 5)]
    for n in range(1, 40):
        k, layers, m = radix_shape(n)
        assert k * layers + m == n and layers >= 1 and 0 <= m <= 5
    zeta = root_of_unity(8)
    assert pow(zeta, 4, R) == R - 1 and pow(zeta, 8, R) == 1


@pytest.mark.parametrize("n", list(range(1, 13)))
def test_random_and_boolean_points(test_srs, n):
    powers, vk = test_srs
    for boolean in (False, True):
        tables, coms, point, values, proof, tp = case(powers, n, 1 + n % 3, n, boolean)
        assert values == [evaluate_multilinear(fr.to_ints(t), point) for t in tables]
        tv = Transcript(LABEL)
        assert verify_radix(vk, coms, point, values, proof, tv)
        assert tv.state == tp.state                      # the two transcripts end equal
        assert len(proof.to_bytes()) == RadixProof.size(n)
        assert RadixProof.from_bytes(proof.to_bytes(), n) == proof
        assert not verify(vk, coms, point, [(values[0] + 1) % R, *values[1:]], proof)


def test_boolean_point_is_the_entry(test_srs):
    """At bits(c) the value is entry c; another entry, or the entry under another index, is refused."""
    powers, vk = test_srs
    n = 10
    table = fr.random(1 << n, 5)
    entries = fr.to_ints(table)
    com = g1.to_py_ecc(commit(powers, table))
    for c in (0, 1, 517, 1023):
        bits = [(c >> b) & 1 for b in range(n)]
        values, proof = open_radix_batch(powers, [table], [com], bits, Transcript(LABEL))
        assert values == [entries[c]] and verify(vk, [com], bits, values, proof)
        other = [(c ^ 8 >> b) & 1 for b in range(n)]
        assert not verify(vk, [com], other, values, proof)
        assert not verify(vk, [com], bits, [entries[c ^ 8]], proof)


def size_of(n):
    k, layers, m = radix_shape(n)
    return (layers - 1) * 64 + ((1 << m) + layers * (1 << k) + 1) * 32 + 128


def test_proof_sizes():
    """n = 20: 4 fold commitments, a 32-value tail, 41 values, W, W' (2,720 bytes; HyperKZG's is 3,488)."""
    assert RadixProof.size(20) == size_of(20) == 4 * 64 + (32 + 41) * 32 + 128 == 2720
    assert RadixProof.size(16) == 3 * 64 + (16 + 33) * 32 + 128 == 1888


# ---- cheating provers -------------------------------------------------------------------------------

def cheat(powers, tables, coms, point, values, transcript, *, fold_of=None, tail_delta=0, eval_delta=None):
    """open_radix_batch with one lie: ``fold_of`` (j, other point) makes fold j the fold at another point (every
    later fold follows from it), ``tail_delta`` adds to the tail's first value, ``eval_delta`` (j, i, δ) adds δ to
    the value f_j(x_i) it sends.  Everything else is computed honestly from what it committed."""
    n = len(point)
    size = 1 << n
    rho_c = absorb_opening_claim(transcript, coms, point, values)
    combined = fr.zeros(size)
    for w, t in zip(challenge_powers(rho_c, len(tables)), tables):
        mle.axpy(combined, element(w), t)
    k, layers, _ = radix_shape(n)
    folds = [combined]
    for j in range(layers):
        u = point if fold_of is None or j < fold_of[0] else fold_of[1]
        f = folds[-1]
        for b in range(k):
            f = mle.fold(f, fr.from_ints([u[k * j + b]]))
        folds.append(f)
    tail = list(fr.to_ints(folds.pop()))
    tail[0] = (tail[0] + tail_delta) % R
    com = tuple(_commit(powers, f) for f in folds[1:])
    r = absorb_folds(transcript, com, tail)
    xs, rho = radix_points(r, k)
    evals = [[evaluate_powers(f, x) for x in xs] for f in folds]
    if eval_delta:
        j, i, delta = eval_delta
        evals[j][i] = (evals[j][i] + delta) % R
    evals = tuple(map(tuple, evals))
    at_rho = evaluate_powers(folds[0], rho)
    q = absorb_radix_evaluations(transcript, evals, at_rho)
    batched = folds[0].copy()
    for qj, f in zip(challenge_powers(q, len(folds))[1:], folds[1:]):
        mle.axpy(batched, element(qj), f)
    h = divide_by_vanishing(batched, k, rho)
    w = _commit(powers, h)
    z = absorb_witness(transcript, w)
    z_s = 1
    for x in (*xs, rho):
        z_s = z_s * (z - x) % R
    fr.sub(batched[: h.shape[0]], fr.scale(element(z_s), h), out=batched[: h.shape[0]])
    quotient, _ = upoly.divide_linear(batched, element(z))
    w_z = _commit(powers, np.ascontiguousarray(quotient))
    absorb_final_witness(transcript, w_z)
    return RadixProof(com, tuple(tail), evals, at_rho, w, w_z)


def test_cheating_provers_are_refused(test_srs):
    powers, vk = test_srs
    n = 11                                                # K = 3, L = 2, m = 5: one committed fold
    tables, coms, point, values, _, _ = case(powers, n, 2, 3)
    # the honest cheat-free path of the same code verifies (the harness itself is right)
    assert verify(vk, coms, point, values, cheat(powers, tables, coms, point, values, Transcript(LABEL)))
    # a second fold at other coordinates, so that the tail holds the value at another point (one table, so that
    # the claimed value is the tail's own): every check but (1) at rho passes, and (1) stops it
    other = [*point[:3], *(random.Random(9).randrange(R) for _ in range(3)), *point[6:]]
    lie = [evaluate_multilinear(fr.to_ints(tables[0]), other)]
    assert lie != values[:1]
    forged = cheat(powers, tables[:1], coms[:1], point, lie, Transcript(LABEL), fold_of=(1, other))
    assert evaluate_multilinear(list(forged.tail), point[6:]) == lie[0]
    assert not verify(vk, coms[:1], point, lie, forged)
    # a tail moved so that its value is another one: the last fold check
    k, layers, m = radix_shape(n)
    delta = 5
    shift = delta * evaluate_multilinear([1] + [0] * ((1 << m) - 1), point[k * layers:]) % R
    lie = [(values[0] + shift) % R, values[1]]
    assert not verify(vk, coms, point, lie, cheat(powers, tables, coms, point, lie, Transcript(LABEL),
                                                  tail_delta=delta))
    # one value f_j(x_i) that is not the committed polynomial's (W and W' built honestly around it): (2)
    for j, i in ((0, 0), (0, 5), (1, 7)):
        assert not verify(vk, coms, point, values, cheat(powers, tables, coms, point, values, Transcript(LABEL),
                                                         eval_delta=(j, i, 1)))


def tampered(proof):
    """Every proof that differs from ``proof`` in one element."""
    bump = lambda p: bn.add(p, bn.G1)
    for j in range(len(proof.com)):
        yield RadixProof(proof.com[:j] + (bump(proof.com[j]),) + proof.com[j + 1:], proof.tail, proof.evals,
                         proof.at_rho, proof.w, proof.w_z)
    for j in range(len(proof.tail)):
        tail = list(proof.tail)
        tail[j] = (tail[j] + 1) % R
        yield RadixProof(proof.com, tuple(tail), proof.evals, proof.at_rho, proof.w, proof.w_z)
    for j, row in enumerate(proof.evals):
        for i in range(len(row)):
            evals = [list(r) for r in proof.evals]
            evals[j][i] = (evals[j][i] + 1) % R
            yield RadixProof(proof.com, proof.tail, tuple(map(tuple, evals)), proof.at_rho, proof.w, proof.w_z)
    yield RadixProof(proof.com, proof.tail, proof.evals, (proof.at_rho + 1) % R, proof.w, proof.w_z)
    yield RadixProof(proof.com, proof.tail, proof.evals, proof.at_rho, bump(proof.w), proof.w_z)
    yield RadixProof(proof.com, proof.tail, proof.evals, proof.at_rho, proof.w, bump(proof.w_z))


def test_every_tampered_element_is_refused(test_srs):
    powers, vk = test_srs
    for n, boolean in ((9, False), (12, True)):
        _, coms, point, values, proof, _ = case(powers, n, 2, 17, boolean)
        assert verify(vk, coms, point, values, proof)
        count = 0
        for bad in tampered(proof):
            assert not verify(vk, coms, point, values, bad)
            count += 1
        assert count == size_of(n) // 32 - len(proof.com) - 2   # every scalar and every point, once


def test_malformed_inputs_return_false(test_srs):
    powers, vk = test_srs
    _, coms, point, values, proof, _ = case(powers, 7, 1, 23)
    data = proof.to_bytes()
    assert not verify(vk, coms, point, values, "proof")
    assert not verify(vk, coms, point[:-1], values, proof)                   # another n: another shape
    assert not verify(vk, coms, point, values + [1], proof)
    assert not verify(vk, [], point, [], proof)
    assert not verify(vk, coms, [*point[:-1], R], values, proof)             # a coordinate >= r
    assert not verify(vk, [(bn.FQ(1), bn.FQ(3), bn.FQ(1))], point, values, proof)     # off the curve
    short = RadixProof(proof.com, proof.tail[:-1], proof.evals, proof.at_rho, proof.w, proof.w_z)
    assert not verify(vk, coms, point, values, short)
    assert not verify(vk, coms, point, values, RadixProof(proof.com, proof.tail, proof.evals, R, proof.w, proof.w_z))
    assert not verify(vk, coms, point, values, RadixProof(proof.com, proof.tail, proof.evals, True, proof.w,
                                                          proof.w_z))
    rng = random.Random(4)
    for _ in range(40):                                                       # bytes: flips and cuts
        bad = bytearray(data)
        if rng.randrange(2):
            bit = rng.randrange(8 * len(bad))
            bad[bit // 8] ^= 1 << (bit % 8)
        else:
            bad = bad[:rng.randrange(len(bad))]
        try:
            decoded = RadixProof.from_bytes(bytes(bad), 7)
        except Exception as exc:                                              # noqa: BLE001 - must be EncodingError
            assert type(exc).__name__ == "EncodingError"
            continue
        assert not verify(vk, coms, point, values, decoded)
