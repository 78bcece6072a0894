"""The tampered messages the verifiers' tests try, in Python (tests/attribution) and on the EVM
(tests/chain): every epoch claim field, every part of an epoch proof and every element of a
registration proof, changed by one."""

import dataclasses

from py_ecc import optimized_bn128 as bn

from attrib.verifier.encoding import R_MODULUS as R


def bump(x: int) -> int:
    return (x + 1) % R


def epoch_claim_variants(claim):
    variants = [dataclasses.replace(claim, manifest_digest=bytes(32)), dataclasses.replace(claim, seq=claim.seq + 1),
                dataclasses.replace(claim, num_queries=claim.num_queries + 1),
                dataclasses.replace(claim, total_fees=claim.total_fees + 1),
                dataclasses.replace(claim, total_paid=claim.total_paid - 1),
                dataclasses.replace(claim, version=2)]
    for name in ("queries_commitment", "fees_commitment", "payouts_commitment"):
        variants.append(dataclasses.replace(claim, **{name: bn.add(getattr(claim, name), bn.G1)}))
    return variants


def epoch_proof_variants(proof):
    """Each commitment, each E4 value, the first and last message value of every sum-check, every final
    value, every batch evaluation and every opening element, changed by one ."""
    variants = []
    for field in ("phase1", "phase2"):
        for i in range(len(getattr(proof, field))):
            points = list(getattr(proof, field))
            points[i] = bn.add(points[i], bn.G1)
            variants.append(dataclasses.replace(proof, **{field: tuple(points)}))
    for i in range(4):
        values = list(proof.values)
        values[i] = bump(values[i])
        variants.append(dataclasses.replace(proof, values=tuple(values)))
    for s, stage in enumerate(proof.rounds):
        for r in {0, len(stage) - 1} if stage else ():
            rounds = [list(map(list, st)) for st in proof.rounds]
            rounds[s][r][0] = bump(rounds[s][r][0])
            variants.append(dataclasses.replace(proof, rounds=tuple(tuple(map(tuple, st)) for st in rounds)))
        for f in range(len(proof.finals[s])):
            finals = [list(x) for x in proof.finals]
            finals[s][f] = bump(finals[s][f])
            variants.append(dataclasses.replace(proof, finals=tuple(map(tuple, finals))))
    for r in (0, len(proof.batch_rounds) - 1):
        batch = [list(m) for m in proof.batch_rounds]
        batch[r][1] = bump(batch[r][1])
        variants.append(dataclasses.replace(proof, batch_rounds=tuple(map(tuple, batch))))
    for i in range(len(proof.evaluations)):
        evaluations = list(proof.evaluations)
        evaluations[i] = bump(evaluations[i])
        variants.append(dataclasses.replace(proof, evaluations=tuple(evaluations)))
    opening = proof.opening
    variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, w=bn.add(opening.w, bn.G1))))
    variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, w_z=bn.add(opening.w_z, bn.G1))))
    tail = list(opening.tail)
    tail[0] = bump(tail[0])
    variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, tail=tuple(tail))))
    stage_rounds = sum(2 if len(stage) > 1 else len(stage) for stage in proof.rounds)
    assert len(variants) == 16 + 4 + stage_rounds + sum(map(len, proof.finals)) + 2 + 20 + 3
    return variants


def registration_proof_variants(proof):
    """Every element of the proof bumped."""
    variants = []
    for i, message in enumerate(proof.sumcheck):
        for j in range(len(message)):
            changed = list(map(list, proof.sumcheck))
            changed[i][j] = bump(changed[i][j])
            variants.append(dataclasses.replace(proof, sumcheck=tuple(map(tuple, changed))))
    for name in ("sigma_at_u", "s_at_u", "g_at_u"):
        variants.append(dataclasses.replace(proof, **{name: bump(getattr(proof, name))}))
    opening = proof.opening
    for i in range(len(opening.com)):
        com = list(opening.com)
        com[i] = bn.add(com[i], bn.G1)
        variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, com=tuple(com))))
    for i in range(len(opening.tail)):
        tail = list(opening.tail)
        tail[i] = bump(tail[i])
        variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, tail=tuple(tail))))
    for a in range(len(opening.evals)):
        for b in range(len(opening.evals[a])):
            evals = [list(row) for row in opening.evals]
            evals[a][b] = bump(evals[a][b])
            variants.append(dataclasses.replace(proof, opening=dataclasses.replace(opening, evals=tuple(map(tuple, evals)))))
    for name in ("w", "w_z"):
        variants.append(dataclasses.replace(proof, opening=dataclasses.replace(
            opening, **{name: bn.add(getattr(opening, name), bn.G1)})))
    return variants
