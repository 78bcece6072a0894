"""Verifying a sum-check: claim = Σ_{x ∈ {0,1}^n} g(x) for g of degree ≤ d per variable.

Round j's message is the univariate p_j(X) = Σ_{x_{j+1..}} g(u_0, …, u_{j−1}, X, x_{j+1}, …)
sent as its values at X = 0, 2, 3, …, d: p_j(1) is implied by the running claim,
p_j(1) = claim_j − p_j(0), which is exactly the round check p_j(0) + p_j(1) = claim_j.
The verifier absorbs the message, draws u_j, and moves to claim_{j+1} = p_j(u_j).
Variables are bound in the order x_0, x_1, … (see verifier.polynomial).
"""

from __future__ import annotations

from dataclasses import dataclass

from attrib.verifier.polynomial import R, interpolate_at
from attrib.verifier.transcript import Transcript


@dataclass(frozen=True)
class SumcheckParams:
    """What prover and verifier agree on before the rounds: size, degree, claim."""

    num_rounds: int
    degree: int
    claim: int


def round_values(message: list[int], claim: int) -> list[int]:
    """[p(0), p(1), …, p(d)] from the message [p(0), p(2), …, p(d)] and the running claim."""
    return [message[0], (claim - message[0]) % R, *message[1:]]


def absorb_round(transcript: Transcript, message: list[int]) -> int:
    """Absorb one round's message [p(0), p(2), …, p(d)] and draw that round's u_j."""
    transcript.absorb_scalars(message)
    return transcript.challenge_scalar()


def verify_sumcheck(params: SumcheckParams, messages: list[list[int]],
                    transcript: Transcript) -> tuple[list[int], int] | None:
    """Run the rounds; return (u, g(u) as claimed) for the caller's final check, or None.

    The caller must still check that the returned value equals g at the point u
    (for attribution: w̃(u)·σ̃(u)·s̃(u), with σ̃(u), s̃(u) opened by HyperKZG).
    """
    if len(messages) != params.num_rounds:
        return None
    claim = params.claim % R
    point = []
    for message in messages:
        if len(message) != params.degree or not all(0 <= v < R for v in message):
            return None
        u = absorb_round(transcript, message)
        claim = interpolate_at(round_values(message, claim), u)
        point.append(u)
    return point, claim
