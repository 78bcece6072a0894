"""Sum-check: prover (kernels) against verifier (spec), in sync, and tampering."""

import random

import pytest

from attrib.kernels import fr
from attrib.prover.sumcheck import prove_sumcheck
from attrib.verifier.polynomial import R, evaluate_multilinear
from attrib.verifier.sumcheck import SumcheckParams, verify_sumcheck
from attrib.verifier.transcript import Transcript


def instance(n, factors, seed):
    rng = random.Random(seed)
    tables = [[rng.randrange(R) for _ in range(1 << n)] for _ in range(factors)]
    claim = 0
    for i in range(1 << n):
        prod = 1
        for t in tables:
            prod = prod * t[i] % R
        claim = (claim + prod) % R
    return tables, claim


@pytest.mark.parametrize("factors", [1, 2, 3])
@pytest.mark.parametrize("n", list(range(1, 13)))
def test_random_instances_verify_and_transcripts_agree(n, factors):
    tables, claim = instance(n, factors, seed=n * 10 + factors)
    tp, tv = Transcript(b"sumcheck-test"), Transcript(b"sumcheck-test")
    messages, point, finals = prove_sumcheck([fr.from_ints(t) for t in tables], tp)
    result = verify_sumcheck(SumcheckParams(n, factors, claim), messages, tv)
    assert result is not None
    u, final_claim = result
    assert u == point
    assert tp.state == tv.state                        # prover and verifier transcripts in sync
    assert finals == [evaluate_multilinear(t, point) for t in tables]
    prod = 1
    for v in finals:
        prod = prod * v % R
    assert final_claim == prod


def run_verifier(n, degree, claim, messages):
    return verify_sumcheck(SumcheckParams(n, degree, claim), messages, Transcript(b"sumcheck-test"))


def final_ok(result, tables):
    if result is None:
        return False
    u, claim = result
    prod = 1
    for t in tables:
        prod = prod * evaluate_multilinear(t, u) % R
    return prod == claim


def test_every_tampered_message_element_is_caught():
    n, factors = 5, 3
    tables, claim = instance(n, factors, seed=99)
    messages, _, _ = prove_sumcheck([fr.from_ints(t) for t in tables], Transcript(b"sumcheck-test"))
    assert final_ok(run_verifier(n, factors, claim, messages), tables)
    for j in range(n):
        for k in range(factors):
            bad = [list(m) for m in messages]
            bad[j][k] = (bad[j][k] + 1) % R
            assert not final_ok(run_verifier(n, factors, claim, bad), tables), (j, k)
    assert not final_ok(run_verifier(n, factors, (claim + 1) % R, messages), tables)


def test_malformed_messages_are_rejected_not_raised():
    n, factors = 3, 2
    tables, claim = instance(n, factors, seed=5)
    messages, _, _ = prove_sumcheck([fr.from_ints(t) for t in tables], Transcript(b"sumcheck-test"))
    assert run_verifier(n, factors, claim, messages[:-1]) is None            # a round missing
    assert run_verifier(n, factors, claim, [m + [0] for m in messages]) is None  # too long
    assert run_verifier(n, factors, claim, [[R] + m[1:] for m in messages]) is None  # non-canonical


def test_prover_rejects_bad_tables():
    with pytest.raises(ValueError, match="power-of-two"):
        prove_sumcheck([fr.random(6, 1)], Transcript(b""))
    with pytest.raises(ValueError, match="power-of-two"):
        prove_sumcheck([fr.random(8, 1), fr.random(4, 1)], Transcript(b""))
