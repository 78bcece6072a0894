"""The tampered messages the verifiers' tests try, in Python (tests/attribution) and on the EVM
(tests/chain): every epoch claim field, every part of an epoch proof and every element of a
registration proof, changed by one; forged manifests (any field, any segment) with a proof made
for their digest by the prover's own code; and balance openings of any n variables, made as an
honest prover would, or with a transcript that absorbs another index than the point opened."""

import dataclasses
from types import SimpleNamespace

import numpy as np
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


# ---- forged manifests: a valid proof for a manifest's digest, whatever its fields ----------------

def word(x: int) -> bytes:
    return int(x).to_bytes(32, "big")


def segment_delta(reg, owners, offsets, size) -> np.ndarray:
    """The segment's ΔG (``size`` × k): each group's σ-weighted row sum added at its owner's index."""
    k = reg.manifest.num_columns
    weighted = np.asarray(reg.features).astype(np.int64) * np.asarray(reg.scales)[:, None]
    delta = np.zeros((size, k), dtype=np.int64)
    for i, owner in enumerate(owners):
        delta[owner] += weighted[offsets[i]:offsets[i + 1]].sum(axis=0)
    return delta


def forge(srs, reg, *, ids=None, offsets=None, terms_words=None, vk_bytes=None, version=None, segment=None,
          previous=None, base=None, returning=None, recipe=None, aggregate=None, segment_aggregate=None,
          previous_aggregate=None):
    """(manifest bytes, proof bytes) for ``reg``'s segment rows under a manifest with the given ids (raw
    bytes), offsets, terms words, key bytes, version, segment, previous, base, returning owners, recipe
    digest, C_G or C_ΔG, none of them checked here; the proof is made by the prover's own code for that
    manifest's digest (computed as Manifest.digest() would).  C_ΔG is the commitment of the ΔG these
    owners and offsets imply (unless given); C_G is C_ΔG in segment 0, else ``previous_aggregate`` (an affine
    pair; by default the previous version's C_G as ``reg``'s manifest implies it) + C_ΔG."""
    from attrib.kernels import g1
    from attrib.prover.hyperkzg import commit
    from attrib.prover.registration import aggregate_table, prove_registration
    from attrib.verifier.encoding import encode_g1, g1_affine, g1_from_affine
    from attrib.verifier.hyperkzg import SRS_DOMAIN
    from attrib.verifier.limits import MAGNITUDE_LIMBS
    from attrib.verifier.messages import CONTRIBUTORS_DOMAIN, MANIFEST_DOMAIN
    from attrib.verifier.registration import registration_rounds
    from attrib.verifier.transcript import keccak256

    m = reg.manifest
    ids = [c.encode() for c in m.contributors] if ids is None else ids
    offsets = tuple(m.offsets) if offsets is None else tuple(offsets)
    terms_words = m.terms.words() if terms_words is None else terms_words
    vk_bytes = m.verifying_key.to_bytes() if vk_bytes is None else vk_bytes
    version = m.version if version is None else version
    segment = m.segment if segment is None else segment
    previous = m.previous if previous is None else previous
    base = m.contributor_base if base is None else base
    returning = tuple(m.returning) if returning is None else tuple(returning)
    recipe = m.recipe_digest if recipe is None else recipe
    c, k = base + len(ids), m.num_columns
    mc, mk = max(1, (c - 1).bit_length()), (k - 1).bit_length()
    owners = returning + tuple(range(base, c))
    n = max(m.log_rows, mc + mk)
    powers = srs.powers_for(n)
    delta = segment_delta(reg, owners, offsets, max([c, *(o + 1 for o in owners)]))
    if segment_aggregate is None:
        segment_aggregate = g1.to_ints(commit(powers, aggregate_table(delta, mk, mc)))
    if aggregate is None and segment == 0:
        aggregate = segment_aggregate
    elif aggregate is None:
        before = (bn.add(m.aggregate_point(), bn.neg(g1_from_affine(*m.segment_aggregate)))
                  if previous_aggregate is None else g1_from_affine(*previous_aggregate))
        aggregate = g1_affine(bn.add(before, g1_from_affine(*segment_aggregate)))
    ids_hash = keccak256(CONTRIBUTORS_DOMAIN + b"".join(keccak256(i) for i in ids))
    offsets_words = b"".join(word(o) for o in offsets)
    returning_words = b"".join(word(o) for o in returning)
    points = b"".join(encode_g1(g1_from_affine(*p))
                      for p in (*m.column_commitments, m.scale_commitment, m.example_commitment))
    c_g = encode_g1(g1_from_affine(*aggregate))
    c_dg = encode_g1(g1_from_affine(*segment_aggregate))
    header = b"".join([word(version), keccak256(SRS_DOMAIN + vk_bytes), word(m.log_rows), word(m.num_rows),
                       word(k), word(c), word(mc), word(mk), word(MAGNITUDE_LIMBS), c_g,
                       keccak256(offsets_words), keccak256(points), ids_hash, terms_words, recipe, word(segment),
                       previous, word(base), keccak256(returning_words), c_dg])
    digest = keccak256(MANIFEST_DOMAIN + header)
    body = b"".join(word(len(i)) + i + bytes(-len(i) % 32) for i in ids)
    manifest_bytes = b"".join([word(version), vk_bytes, word(m.log_rows), word(m.num_rows), word(k), word(c),
                               terms_words, ids_hash, recipe, word(segment), previous, word(base),
                               word(len(returning)), returning_words, offsets_words, points, c_g, c_dg, body])
    standin = SimpleNamespace(log_rows=m.log_rows, num_rows=m.num_rows, log_contributors=mc, log_columns=mk,
                              num_contributors=c, num_columns=k, offsets=offsets, owners=owners,
                              column_commitments=m.column_commitments, scale_commitment=m.scale_commitment,
                              segment_aggregate=segment_aggregate, digest=lambda: digest)
    proof = prove_registration(srs.powers_for(registration_rounds(standin)), standin, reg.features, reg.scales,
                               delta)
    return manifest_bytes, proof.to_bytes()


def balance_opening(srs, dataset_id: bytes, epoch: int, ranges, totals, n: int, index: int, absorbed_index=None):
    """(W, value, BalanceOpening): the commitment of the table ``totals`` (at most 2^n entries, zeros after) and
    an n-variable opening of it at bits(``index``), bound to (dataset_id, epoch, ranges), as a version of
    C <= 2^n opens it; its transcript absorbs ``absorbed_index`` (default ``index``: the honest opening)."""
    from attrib.kernels import fr, g1
    from attrib.prover.radix import open_radix_batch
    from attrib.prover.hyperkzg import commit
    from attrib.verifier.payouts import BALANCE_LABEL, BalanceOpening, absorb_balance
    from attrib.verifier.transcript import Transcript

    table = [int(t) for t in totals] + [0] * ((1 << n) - len(totals))
    assert len(table) == 1 << n
    powers = srs.powers_for(n)
    values = fr.from_ints(table)
    commitment = g1.to_py_ecc(commit(powers, values))
    value = table[index % (1 << n)]
    transcript = Transcript(BALANCE_LABEL)
    absorb_balance(transcript, dataset_id, epoch, ranges, commitment, n,
                   index if absorbed_index is None else absorbed_index, value)
    _, opening = open_radix_batch(powers, [values], [commitment], [(index >> b) & 1 for b in range(n)], transcript,
                                  values=[value])
    return commitment, value, BalanceOpening(n, opening)
