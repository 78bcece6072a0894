"""HyperKZG: prover (kernels) against verifier (spec), tampering, sizes."""

import random

import pytest
from py_ecc import optimized_bn128 as bn

from attrib.kernels import fr, g1
from attrib.prover.hyperkzg import commit, open_batch
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.hyperkzg import HyperKZGProof, verify_hyperkzg
from attrib.verifier.polynomial import evaluate_multilinear
from attrib.verifier.transcript import Transcript

LABEL = b"hyperkzg-test"


def make_case(powers, n, count, seed):
    rng = random.Random(seed)
    tables = [fr.random(1 << n, seed * 7 + m) for m in range(count)]
    coms = [g1.to_py_ecc(commit(powers, t)) for t in tables]
    point = [rng.randrange(R) for _ in range(n)]
    tp = Transcript(LABEL)
    values, proof = open_batch(powers, tables, coms, point, tp)
    return tables, coms, point, values, proof, tp


def verify(vk, coms, point, values, proof):
    return verify_hyperkzg(vk, coms, point, values, proof, Transcript(LABEL))


def test_hand_computed_table(test_srs):
    powers, vk = test_srs
    table = fr.from_ints([1, 2, 1, 4])
    com = g1.to_py_ecc(commit(powers, table))
    values, proof = open_batch(powers, [table], [com], [3, 4], Transcript(LABEL))
    assert values == [28]
    assert verify(vk, [com], [3, 4], [28], proof)
    assert not verify(vk, [com], [3, 4], [29], proof)


@pytest.mark.parametrize("n", list(range(1, 13)))
def test_random_instances(test_srs, n):
    powers, vk = test_srs
    count = 1 + n % 3
    tables, coms, point, values, proof, tp = make_case(powers, n, count, n)
    assert values == [evaluate_multilinear(fr.to_ints(t), point) for t in tables]
    tv = Transcript(LABEL)
    assert verify_hyperkzg(vk, coms, point, values, proof, tv)
    assert tv.state == tp.state                      # the two transcripts end equal
    assert len(proof.to_bytes()) == HyperKZGProof.size(n)
    assert HyperKZGProof.from_bytes(proof.to_bytes(), n) == proof


def bump_point(p):
    return bn.add(p, bn.G1)


def tampered_proofs(proof):
    """Every proof that differs from ``proof`` in exactly one element."""
    def with_(**changes):
        fields = dict(com=proof.com, tail=proof.tail, evals=proof.evals, w=proof.w, w_z=proof.w_z)
        fields.update(changes)
        return HyperKZGProof(**fields)

    for i in range(len(proof.com)):
        com = list(proof.com)
        com[i] = bump_point(com[i])
        yield f"com[{i}]", with_(com=tuple(com))
    for i in range(len(proof.tail)):
        tail = list(proof.tail)
        tail[i] = (tail[i] + 1) % R
        yield f"tail[{i}]", with_(tail=tuple(tail))
    for j, row in enumerate(proof.evals):
        for i in range(len(row)):
            evals = [list(r) for r in proof.evals]
            evals[j][i] = (evals[j][i] + 1) % R
            yield f"evals[{j}][{i}]", with_(evals=tuple(map(tuple, evals)))
    yield "w", with_(w=bump_point(proof.w))
    yield "w_z", with_(w_z=bump_point(proof.w_z))


def test_every_tampered_element_is_rejected(test_srs):
    powers, vk = test_srs
    n = 8
    tables, coms, point, values, proof, _ = make_case(powers, n, 2, 42)
    assert verify(vk, coms, point, values, proof)
    count = 0
    for name, bad in tampered_proofs(proof):
        assert not verify(vk, coms, point, values, bad), name
        count += 1
    assert count == 2 + 32 + 3 * 3 + 2      # com, tail, evals, w, w_z
    for m in range(2):
        bad_values = list(values)
        bad_values[m] = (bad_values[m] + 1) % R
        assert not verify(vk, coms, point, bad_values, proof)
        bad_coms = list(coms)
        bad_coms[m] = bump_point(bad_coms[m])
        assert not verify(vk, bad_coms, point, values, proof)
    for k in range(n):
        bad_point = list(point)
        bad_point[k] = (bad_point[k] + 1) % R
        assert not verify(vk, coms, bad_point, values, proof)
    assert not verify(vk, coms[::-1], point, values[::-1], proof)   # order matters


def test_malformed_inputs_return_false(test_srs):
    powers, vk = test_srs
    tables, coms, point, values, proof, _ = make_case(powers, 7, 1, 7)
    off_curve = (bn.FQ(1), bn.FQ(3), bn.FQ(1))
    assert not verify(vk, [off_curve], point, values, proof)
    tail, evals = proof.tail, proof.evals
    assert not verify(vk, coms, point, values, HyperKZGProof(proof.com, tail, evals, off_curve, proof.w_z))
    assert not verify(vk, coms, point, values, HyperKZGProof(proof.com, tail, evals, proof.w, "junk"))
    assert not verify(vk, coms, point, values, HyperKZGProof(proof.com, tail[:-1], evals, proof.w, proof.w_z))
    assert not verify(vk, coms, point, [R], proof)
    assert not verify(vk, coms, point, [values[0], 1], proof)
    assert not verify(vk, coms, point[:-1], values, proof)
    assert not verify(vk, [], [], [], proof)
    with pytest.raises(ValueError):
        HyperKZGProof.from_bytes(proof.to_bytes()[:-1], 7)
    flipped = bytearray(proof.to_bytes())
    flipped[63] ^= 1
    with pytest.raises(ValueError):
        HyperKZGProof.from_bytes(bytes(flipped), 7)


def test_proof_size_regression():
    # n = 20: 14 fold commitments, a 32-entry tail, 3 × 15 values, W and W'
    assert HyperKZGProof.size(20) == 14 * 64 + 32 * 32 + 3 * 15 * 32 + 2 * 64 == 3488   # <= 3.5 KB
    assert HyperKZGProof.size(1) == 1 * 32 + 3 * 32 + 2 * 64


def test_srs_too_small_is_a_clear_error(test_srs):
    powers, _ = test_srs
    with pytest.raises(ValueError, match="SRS"):
        commit(powers[:8], fr.random(16, 1))
    with pytest.raises(ValueError, match="2\\^3"):
        open_batch(powers, [fr.random(16, 1)], [bn.G1], [1, 2, 3], Transcript(LABEL))
