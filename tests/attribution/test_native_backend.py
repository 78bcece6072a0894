"""The native verifier backend against the pure-Python specification.

Its pairing against py_ecc's (full pairings, value for value, and the 2-pairing check it is used
for); its MSM against the Python bucket method; then the verdicts of the two backends on every
tampered message of tests/tampering.py and on random bit flips, truncations and appended bytes of
every proof kind: they must agree on every case, and the cases are counted.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn
from tampering import bump, epoch_claim_variants, epoch_proof_variants, registration_proof_variants

from attrib.verifier import backend, verify_attribution, verify_payouts, verify_registration, verify_rows
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.hyperkzg import python_linear_combination

native = pytest.importorskip("attrib.verifier.native")


def both(fn, *args, **kwargs):
    """(python verdict, native verdict)."""
    return fn(*args, backend="python", **kwargs), fn(*args, backend="native", **kwargs)


# ---- the pairing ---------------------------------------------------------------------------

def test_pairings_equal_py_eccs_value_for_value():
    rng = random.Random(5)
    cases = [(bn.G1, bn.G2)] + [(bn.multiply(bn.G1, rng.randrange(1, R)), bn.multiply(bn.G2, rng.randrange(1, R)))
                                for _ in range(2)]
    for p, q in cases:
        assert native.pairing(p, q) == native.tower_of_py_ecc(bn.pairing(q, p))


def test_the_pairing_is_bilinear_and_not_degenerate():
    a, b = 0x1234567, 0x89ABCDEF
    e = native.pairing(bn.G1, bn.G2)
    one = [1] + [0] * 11
    assert e != one
    assert native.pairing(bn.multiply(bn.G1, a * b), bn.G2) == native.pairing(bn.multiply(bn.G1, a),
                                                                               bn.multiply(bn.G2, b))
    # e(P, Q)·e(−P, Q) = 1 and e(P, Q)·e(P, Q) ≠ 1 through the multi-pairing the verifier uses
    assert native.pairings_are_one([(bn.G1, bn.G2), (bn.neg(bn.G1), bn.G2)])
    assert not native.pairings_are_one([(bn.G1, bn.G2), (bn.G1, bn.G2)])


def test_the_kzg_check_holds_exactly_for_the_relation():
    s, t = 0x1234567890ABCDEF, 0xFEDCBA0987654321
    tau_g2 = bn.multiply(bn.G2, t)
    good = [(bn.multiply(bn.G1, s * t % R), bn.G2), (bn.neg(bn.multiply(bn.G1, s)), tau_g2)]
    assert native.pairings_are_one(good)
    for wrong in ((bn.multiply(bn.G1, (s * t + 1) % R), bn.G2), (bn.multiply(bn.G1, s * t % R), tau_g2),
                  (bn.Z1, bn.G2)):
        assert not native.pairings_are_one([wrong, good[1]])
    # infinity on either side contributes 1, as e(O, Q) = e(P, O) = 1
    assert native.pairings_are_one([(bn.Z1, bn.G2), (bn.G1, bn.Z2)])


def test_msm_equals_the_python_bucket_method():
    rng = random.Random(7)
    points = [bn.multiply(bn.G1, rng.randrange(1, R)) for _ in range(12)]
    scalars = [rng.randrange(R) for _ in points]
    scalars[3], scalars[5] = 0, R - 1                               # zero, −1
    points[7] = bn.Z1                                               # infinity
    points[9], points[10] = points[8], bn.neg(points[8])            # a repeat and its negative
    scalars[10] = scalars[8]                                        # cancelling pair
    terms = list(zip(points, scalars)) + [(bn.G1, -5), (bn.G1, R + 3)]   # scalars outside [0, r)
    assert bn.eq(native.linear_combination(terms), python_linear_combination(terms))
    assert bn.is_inf(native.linear_combination([(bn.G1, 3), (bn.G1, -3)]))
    assert bn.is_inf(native.linear_combination([]))


def test_the_backend_is_chosen_by_argument_or_environment(monkeypatch, epoch, verify):
    _, reg, _, _, claim, proof = epoch
    monkeypatch.setenv(backend.ENVIRONMENT, "native")
    assert backend.current() == "native"
    monkeypatch.setenv(backend.ENVIRONMENT, "auto")
    assert backend.current() == "native"
    monkeypatch.setenv(backend.ENVIRONMENT, "fast")
    with pytest.raises(ValueError, match="unknown verifier backend 'fast'.*ATTRIB_VERIFIER_BACKEND"):
        verify(reg.manifest, claim, proof)
    monkeypatch.delenv(backend.ENVIRONMENT)
    assert backend.current() == "python"
    with pytest.raises(ValueError, match="unknown verifier backend 'gpu'"):
        verify(reg.manifest, claim, proof, backend="gpu")
    monkeypatch.setattr(backend, "native_available", lambda: False)
    with pytest.raises(backend.BackendUnavailable, match="compiled kernels"):
        verify(reg.manifest, claim, proof, backend="native")
    assert backend.resolve("auto") == "python"
    assert verify(reg.manifest, claim, proof, backend="auto")


def test_the_native_path_is_the_one_that_runs(monkeypatch, epoch, verify):
    """A native verdict is the native pairing's: break it and honest proofs fail under native only."""
    _, reg, _, _, claim, proof = epoch
    monkeypatch.setattr(native, "pairings_are_one", lambda pairs: False)
    assert verify(reg.manifest, claim, proof, backend="python")
    assert not verify(reg.manifest, claim, proof, backend="native")


# ---- differential: the same verdict on every case ------------------------------------------

def byte_cases(data: bytes, seed: int, flips: int) -> list[bytes]:
    """Random single-bit flips, truncations and appended bytes of ``data``."""
    fuzz = random.Random(seed)
    cases = []
    for _ in range(flips):
        bad = bytearray(data)
        bit = fuzz.randrange(8 * len(bad))
        bad[bit // 8] ^= 1 << (bit % 8)
        cases.append(bytes(bad))
    cases += [data[:-1], data[:-32], data[: len(data) // 2], data + bytes(32), data + b"\x01", b""]
    return cases


def test_epoch_verdicts_agree(epoch, verify):
    _, reg, _, _, claim, proof = epoch
    agreed = accepted = 0
    cases = [(claim, proof)] + [(c, proof) for c in epoch_claim_variants(claim)]
    cases += [(claim, p) for p in epoch_proof_variants(proof)]
    cases += [(claim, bad) for bad in byte_cases(proof.to_bytes(), 1, 40)]
    cases += [(bad, proof) for bad in byte_cases(claim.to_bytes(), 2, 10)]
    # a different but valid witness point reaches the pairing itself
    opening = proof.opening
    cases.append((claim, dataclasses.replace(proof, opening=dataclasses.replace(opening, w_z=bn.double(opening.w_z)))))
    for c, p in cases:
        python, fast = both(verify, reg.manifest, c, p)
        assert python == fast, (c, p)
        agreed += 1
        accepted += python
    assert accepted == 1 and agreed == len(cases) >= 100


def test_registration_verdicts_agree(epoch, srs):
    _, reg, *_ = epoch
    digest = srs.digest()
    cases = [reg.proof, *registration_proof_variants(reg.proof), *byte_cases(reg.proof.to_bytes(), 3, 30)]
    verdicts = [both(verify_registration, reg.manifest, p, trusted_srs_digest=digest) for p in cases]
    assert all(python == fast for python, fast in verdicts)
    assert [python for python, _ in verdicts].count(True) == 1 and len(verdicts) >= 60


def test_row_and_payout_opening_verdicts_agree(epoch, proved, srs):
    prover, reg, *_ = epoch
    result = proved[4]
    digest = srs.digest()
    rows = [0, 7, 299]
    values, opening = prover.open_rows(reg, rows)
    wrong = [list(v) for v in values]
    wrong[1][0] = bump(wrong[1][0])
    row_cases = [(rows, values, opening), (rows, wrong, opening), ([0, 8, 299], values, opening)]
    row_cases += [(rows, values, bad) for bad in byte_cases(opening.to_bytes(), 4, 15)]
    for r, v, o in row_cases:
        python, fast = both(verify_rows, reg.manifest, r, v, o, trusted_srs_digest=digest)
        assert python == fast
    indices = [0, 3]
    payout_opening = result.open_payouts(indices)
    payouts = [result.payouts[i] for i in indices]
    payout_cases = [(payouts, payout_opening), ([payouts[0] + 1, payouts[1]], payout_opening)]
    payout_cases += [(payouts, bad) for bad in byte_cases(payout_opening.to_bytes(), 5, 15)]
    outcomes = []
    for v, o in payout_cases:
        python, fast = both(verify_payouts, reg.manifest, result.claim, indices, v, o, trusted_srs_digest=digest)
        assert python == fast
        outcomes.append(python)
    assert outcomes[0] and not outcomes[1]


def test_native_verification_of_honest_proofs_matches_on_other_shapes(srs, make_dataset):
    """Other sizes (one contributor, k = 1) go through the same two native steps."""
    from attrib.prover import Prover

    ds, *_ = make_dataset(seed=4, rows=40, cols=1, contributors=1)
    prover = Prover(srs)
    reg = prover.register(ds)
    epoch = prover.prove(reg, np.array([[5], [-7]]), [100, 3])
    digest = srs.digest()
    assert both(verify_registration, reg.manifest, reg.proof, trusted_srs_digest=digest) == (True, True)
    assert both(verify_attribution, reg.manifest, epoch.claim, epoch.proof, trusted_srs_digest=digest) == (True, True)
