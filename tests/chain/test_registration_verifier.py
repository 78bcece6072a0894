"""RegistrationVerifier (attrib.verifier.evm_registration) on a real EVM: the same verdict as the Python
``verify_registration_impl(Manifest.from_bytes(m), RegistrationProof.from_bytes(p), digest)`` (a segment's
own proof, the link to the previous version being the ledger's) on honest, tampered, forged and fuzzed
registrations and appends (manifest v4), never a revert, and its gas.

The contract is generated for a 2^15 dev SRS (so that C = 2^10 contributors with k = 32 columns,
mC + mk = 15, fits it), compiled by solc-js and run in pyrevm.  Every call below asserts that the EVM
returned (no revert) twenty words, all zero when it refuses, and that its verdict equals Python's on
the same bytes.  "Forged" manifests carry a proof made by the prover's own code for the digest of
a manifest that Python's decoder refuses (invalid UTF-8, a repeated id, a zero-row contributor,
terms out of bounds, another SRS's key, returning owners out of order or not below the base, a
segment 0 with a history, C_ΔG ≠ C_G in segment 0…): each such case is refused only by the check
under test, since the proof itself verifies.
"""

from __future__ import annotations

import dataclasses
import itertools
import random

import numpy as np
import pytest
from node_tools import require_node_tools
from py_ecc import optimized_bn128 as bn
from tampering import forge, registration_proof_variants, segment_delta

from attrib.verifier.encoding import Q_MODULUS as Q
from attrib.verifier.encoding import R_MODULUS as R

EIP170_LIMIT = 24_576
BLOCK_GAS = 30_000_000
ZERO_OUTPUT = bytes(20 * 32)


# ---- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(15, seed=31, cache_dir=tmp_path_factory.mktemp("srs15"))


@pytest.fixture(scope="module")
def other_srs(tmp_path_factory):
    from attrib.prover import SRS

    return SRS.dev(10, seed=32, cache_dir=tmp_path_factory.mktemp("srs10"))


class DeployedVerifier:
    """A RegistrationVerifier for ``srs`` on a fresh chain, with Python's verdict alongside."""

    def __init__(self, srs) -> None:
        from attrib.chain.evm import Chain, compile_solidity
        from attrib.verifier.evm_registration import registration_contract_source

        self.srs = srs
        self.source = registration_contract_source(srs.verifying_key)
        self.artifact = compile_solidity({"RegistrationVerifier.sol": self.source})["RegistrationVerifier"]
        self.chain = Chain()
        self.address = self.chain.deploy(self.artifact)

    def call(self, manifest, proof):
        """(decoded output, CallResult); the call must return twenty words, all zero on a refusal."""
        from attrib.verifier.evm_registration import decode_registration_output, registration_calldata

        result = self.chain.call(self.address, registration_calldata(manifest, proof))
        assert result.success, result
        out = decode_registration_output(result.output)
        assert out["ok_word"] in (0, 1)
        if not out["ok"]:
            assert result.output == ZERO_OUTPUT
        return out, result

    def evm(self, manifest, proof) -> bool:
        return self.call(manifest, proof)[0]["ok"]

    def python(self, manifest, proof) -> bool:
        """verify_registration_impl on the decoded bytes (False on an EncodingError): the segment's own
        proof, for a registration and an append alike; for segment 0 it is verify_registration."""
        from attrib.verifier import verify_registration
        from attrib.verifier.encoding import EncodingError
        from attrib.verifier.messages import Manifest, decode_as
        from attrib.verifier.registration import RegistrationProof, verify_registration_impl

        try:
            m = decode_as(manifest, Manifest)
            verdict = verify_registration_impl(m, decode_as(proof, RegistrationProof), self.srs.digest())
        except EncodingError:
            return False
        if m.segment == 0:
            assert verify_registration(manifest, proof, trusted_srs_digest=self.srs.digest()) == verdict
        return verdict

    def agree(self, manifest, proof) -> bool:
        """Both verdicts on the same bytes, asserted equal; returns it."""
        expected = self.python(manifest, proof)
        assert self.evm(manifest, proof) == expected
        return expected


@pytest.fixture(scope="module")
def verifier(srs):
    require_node_tools()
    pytest.importorskip("pyrevm")
    return DeployedVerifier(srs)


def rows_of(rows, cols, names, seed=0, zero_column=False, zero_scales=False, recipe=None):
    """A Dataset of ``rows`` rows owned by ``names`` (each at least once)."""
    from attrib.prover import Dataset

    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, cols))
    if zero_column:
        features[:, 0] = 0
    owners = list(names) + [names[int(x)] for x in rng.integers(0, len(names), rows - len(names))]
    scales = np.zeros(rows, dtype=np.int64) if zero_scales else rng.integers(0, 2**24, rows)
    return Dataset(features, owners, scales, recipe=recipe)


def register(srs, rows, cols, contributors, seed=0, ids=None, terms=None, zero_column=False, zero_scales=False,
             recipe=None):
    from attrib.prover import Prover

    names = list(ids) if ids is not None else [f"c{c}" for c in range(contributors)]
    assert len(names) == contributors
    return Prover(srs).register(rows_of(rows, cols, names, seed, zero_column, zero_scales, recipe), terms=terms)


def append(srs, reg, rows, names, seed=0, terms=None):
    """``reg``'s dataset with a segment of ``rows`` rows owned by ``names`` (earlier ids return, others are new)."""
    from attrib.prover import Prover

    return Prover(srs).append(reg, rows_of(rows, reg.manifest.num_columns, names, seed, recipe=reg.recipe), terms)


def some_terms(contributors, seed=1):
    from attrib.verifier.terms import Terms

    rng = random.Random(seed)
    payees = [rng.getrandbits(160) for _ in range(contributors)]
    return Terms.with_payees(rng.getrandbits(160), payees, model_owner=rng.getrandbits(160), model_share_bp=1_500,
                             platform=rng.getrandbits(160), platform_share_bp=250)


@pytest.fixture(scope="module")
def registered(srs):
    """tests/attribution's registration shape: 300 rows, 6 columns, 7 contributors (n0 = 9)."""
    return register(srs, 300, 6, 7)


@pytest.fixture(scope="module")
def appended(srs, registered):
    """Segment 1 of ``registered``: 40 rows of two returning owners (c1, c4) and three new (C: 7 -> 10, mC 3 -> 4)."""
    reg = append(srs, registered, 40, ["c4", "n0", "c1", "n1", "n2"], seed=8)
    assert (reg.manifest.returning, reg.manifest.contributor_base, reg.manifest.num_contributors) == ((1, 4), 7, 10)
    return reg


def word(x: int) -> bytes:
    return int(x).to_bytes(32, "big")


def set_word(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + word(value) + data[offset + 32:]


def bump(x: int) -> int:
    return (x + 1) % R


# ---- forging: a proof for a manifest Python's decoder refuses (tests/tampering.py) ----------------

def test_the_forging_harness_makes_the_manifests_bytes(srs, registered, appended):
    """forge() with nothing changed writes exactly Manifest.to_bytes(), for segment 0 and for an append."""
    for reg in (registered, appended):
        manifest, _ = forge(srs, reg)
        assert manifest == reg.manifest.to_bytes()


# ---- the generated contract --------------------------------------------------------------------

def test_source_size_and_calldata(verifier, srs, registered):
    from attrib.chain.evm import selector
    from attrib.verifier.encoding import encode_g2
    from attrib.verifier.evm_registration import (
        TEMPLATE,
        VERIFY_REGISTRATION_SIGNATURE,
        registration_calldata,
        registration_constants,
        render,
    )

    vk = srs.verifying_key
    assert verifier.artifact.deployed_size < EIP170_LIMIT
    constants = registration_constants(vk)
    assert constants["SRS_DIGEST"] == int.from_bytes(vk.digest(), "big") and constants["MAX_LOG_N"] == 15
    assert b"".join(word(constants[f"VK_{i}"]) for i in range(12)) == vk.to_bytes()
    assert word(constants["TAU_X1"]) + word(constants["TAU_X0"]) + word(constants["TAU_Y1"]) + word(
        constants["TAU_Y0"]) == encode_g2(vk.tau_g2)
    with pytest.raises(ValueError, match="missing"):
        render(TEMPLATE, {k: v for k, v in constants.items() if k != "R"})
    m, p = registered.manifest.to_bytes(), registered.proof.to_bytes()
    data = registration_calldata(registered.manifest, registered.proof)
    assert data == registration_calldata(m, memoryview(p))
    assert data[:4] == selector(VERIFY_REGISTRATION_SIGNATURE)
    pad = lambda b: b + bytes(-len(b) % 32)
    assert data[4:] == word(64) + word(96 + len(pad(m))) + word(len(m)) + pad(m) + word(len(p)) + pad(p)
    assert [x["name"] for x in verifier.artifact.abi if x["type"] == "function"] == [
        "MAX_LOG_N", "SRS_DIGEST", "verifyRegistration"]


# ---- honest registrations ----------------------------------------------------------------------

NON_ASCII = ["Zoë", "北京の研究所", "e\u0301", "é", "😀 emoji", "a\x00b", "é" * 512, "ﬀ" + "x" * 40]

HONEST = {
    "C=1 k=1": {"rows": 2, "cols": 1, "contributors": 1},
    "C=5 k=5": {"rows": 13, "cols": 5, "contributors": 5},
    "C=7 k=6 (n0 > mC + mk)": {"rows": 300, "cols": 6, "contributors": 7},
    "C=8 k=5 (mC + mk > n0)": {"rows": 8, "cols": 5, "contributors": 8},
    "C=3 k=32": {"rows": 64, "cols": 32, "contributors": 3},
    "N = 2^n0 exactly": {"rows": 16, "cols": 2, "contributors": 3},
    "non-ASCII ids": {"rows": 40, "cols": 3, "contributors": len(NON_ASCII), "ids": NON_ASCII},
    "C=1 k=1 with terms": {"rows": 5, "cols": 1, "contributors": 1, "terms": 1},
    "C=5 k=5 with terms": {"rows": 13, "cols": 5, "contributors": 5, "terms": 1},
    "C=11 k=3 with terms": {"rows": 50, "cols": 3, "contributors": 11, "terms": 1},
    "zero column, zero scales (points at infinity)": {"rows": 20, "cols": 3, "contributors": 4, "zero_column": True,
                                                         "zero_scales": True},
}


@pytest.mark.parametrize("label", list(HONEST))
def test_honest_registrations_are_accepted(verifier, srs, label):
    spec = dict(HONEST[label])
    if spec.pop("terms", None):
        spec["terms"] = some_terms(spec["contributors"])
    reg = register(srs, seed=len(label), **spec)
    m = reg.manifest
    if label.startswith("zero"):
        assert m.scale_commitment == (0, 0) and m.aggregate_commitment == (0, 0)
    assert verifier.python(m.to_bytes(), reg.proof.to_bytes())
    out, _ = verifier.call(m, reg.proof)
    assert_outputs(out, m)
    assert (out["segment"], out["previous"], out["contributor_base"]) == (0, bytes(32), 0)
    assert out["segment_aggregate"] == out["aggregate"]


def assert_outputs(out, m) -> None:
    """The twenty returned words are the manifest's: what a ledger stores and what it checks a link with."""
    assert out["ok"] and out["digest"] == m.digest()
    assert (out["log_contributors"], out["log_columns"], out["num_contributors"], out["num_columns"]) == (
        m.log_contributors, m.log_columns, m.num_contributors, m.num_columns)
    assert out["aggregate"] == tuple(m.aggregate_commitment)
    assert out["segment_aggregate"] == tuple(m.segment_aggregate)
    assert out["terms"] == m.terms.words()
    assert (out["segment"], out["previous"], out["contributor_base"], out["recipe_digest"]) == (
        m.segment, m.previous, m.contributor_base, m.recipe_digest)


# ---- appends: a dataset grown by segments ----------------------------------------------------------

RECIPE_KWARGS = {"models": (bytes(range(32)),), "projection_library": "tests", "projection_method": "none",
                 "quantization_bits": 16, "example_encoding": "utf-8"}

APPENDS = {
    "returning and new owners (C 7 -> 10: mC grows)": {"base": (300, 6, 7), "segments": [
        (40, ["c4", "n0", "c1", "n1", "n2"])]},
    "new owners only": {"base": (13, 5, 5), "segments": [(6, ["n0", "n1"])]},
    "returning owners only (no new id)": {"base": (13, 5, 5), "segments": [(9, ["c0", "c3"])]},
    "one row of one returning owner": {"base": (13, 5, 5), "segments": [(1, ["c2"])]},
    "three segments in a row": {"base": (20, 3, 4), "segments": [
        (7, ["c1", "x"]), (5, ["x", "y", "c0"]), (9, ["z"])]},
    "non-ASCII new ids": {"base": (10, 3, 2), "segments": [(20, NON_ASCII)]},
    "new payees (a root from the base) and a recipe": {"base": (13, 5, 5), "terms": True, "recipe": True,
                                                       "segments": [(12, ["c1", "p0", "p2", "p1"])]},
    "k = 1, C = 1 then 2": {"base": (2, 1, 1), "segments": [(2, ["c0", "d"])]},
    "C crosses 2^mC (8 -> 9)": {"base": (16, 2, 8), "segments": [(4, ["c7", "n"])]},
}


def build_versions(srs, spec, seed=0):
    """Segment 0 and the appends of an APPENDS spec, in order."""
    from attrib.verifier.recipe import Recipe
    from attrib.verifier.terms import Terms

    rows, cols, contributors = spec["base"]
    terms = some_terms(contributors, seed=seed) if spec.get("terms") else None
    recipe = Recipe(**RECIPE_KWARGS) if spec.get("recipe") else None
    versions = [register(srs, rows, cols, contributors, seed=seed, terms=terms, recipe=recipe)]
    for i, (seg_rows, names) in enumerate(spec["segments"]):
        prev = versions[-1]
        new = [n for n in dict.fromkeys(names) if n not in prev.contributor_ids]
        seg_terms = None
        if terms is not None:
            seg_terms = Terms.with_payees(terms.owner, [0x5000 + j for j in range(len(new))], terms.model_owner,
                                          terms.model_share_bp, terms.platform, terms.platform_share_bp,
                                          base=prev.manifest.num_contributors)
        versions.append(append(srs, prev, seg_rows, names, seed=seed + 10 + i, terms=seg_terms))
    return versions


@pytest.mark.parametrize("label", list(APPENDS))
def test_honest_appends_are_accepted(verifier, srs, label):
    from attrib.verifier import verify_registration
    from attrib.verifier.registration import follows

    versions = build_versions(srs, APPENDS[label], seed=len(label))
    for prev, reg in itertools.pairwise(versions):
        m = reg.manifest
        assert m.segment == prev.manifest.segment + 1 and follows(prev.manifest, m)
        assert verify_registration(m.to_bytes(), reg.proof.to_bytes(), trusted_srs_digest=srs.digest(),
                                   previous=prev.manifest.to_bytes())
        assert verifier.python(m.to_bytes(), reg.proof.to_bytes())
        out, _ = verifier.call(m, reg.proof)
        assert_outputs(out, m)
        assert out["previous"] == prev.manifest.digest() and out["contributor_base"] == prev.manifest.num_contributors
    if APPENDS[label].get("recipe"):
        assert versions[-1].manifest.recipe_digest != bytes(32)


def test_every_append_field_is_bound(verifier, srs, registered, appended):
    """Each field of an appended manifest changed (Manifest's own validation passes): its proof no longer
    verifies, on the EVM as in Python (the digest binds every field; w̃ reads the owners and offsets)."""
    from attrib.verifier.encoding import g1_affine, g1_from_affine
    from attrib.verifier.transcript import keccak256

    m = appended.manifest
    moved = lambda p: g1_affine(bn.add(g1_from_affine(*p), bn.G1))
    variants = {"C_ΔG": dataclasses.replace(m, appended_aggregate=moved(m.segment_aggregate)),
                "C_G": dataclasses.replace(m, aggregate_commitment=moved(m.aggregate_commitment)),
                "the scale commitment": dataclasses.replace(m, scale_commitment=moved(m.scale_commitment)),
                "the example commitment": dataclasses.replace(m, example_commitment=moved(m.example_commitment))}
    for j in range(m.num_columns):
        cols = list(m.column_commitments)
        cols[j] = moved(cols[j])
        variants[f"column commitment {j}"] = dataclasses.replace(m, column_commitments=tuple(cols))
    for returning in ((1, 5), (0, 4), (1, 3), (4, 6)):                     # another returning owner, same count
        variants[f"returning {returning}"] = dataclasses.replace(m, returning=returning)
    merged = (0,) + m.offsets[2:]                                          # one returning owner dropped
    variants["returning (4,), its rows given to it"] = dataclasses.replace(m, returning=(4,), offsets=merged)
    variants["returning (1,), its rows given to it"] = dataclasses.replace(m, returning=(1,), offsets=merged)
    for i in range(1, len(m.owners)):
        for delta in (-1, 1):
            shifted = list(m.offsets)
            shifted[i] += delta
            if shifted[i - 1] < shifted[i] < shifted[i + 1]:
                variants[f"offset {i} {delta:+d}"] = dataclasses.replace(m, offsets=tuple(shifted))
    for base in (6, 8, 9):
        variants[f"base {base}"] = dataclasses.replace(m, contributor_base=base)
    variants["previous"] = dataclasses.replace(m, previous=keccak256(b"another history"))
    variants["recipe digest"] = dataclasses.replace(m, recipe_digest=keccak256(b"another recipe"))
    variants["segment 2"] = dataclasses.replace(m, segment=2)
    variants["new ids swapped"] = dataclasses.replace(m, contributors=(m.contributors[1], m.contributors[0],
                                                                       *m.contributors[2:]))
    variants["a new id renamed"] = dataclasses.replace(m, contributors=("someone", *m.contributors[1:]))
    variants["terms"] = dataclasses.replace(m, terms=some_terms(3))
    proof = appended.proof.to_bytes()
    assert verifier.agree(m.to_bytes(), proof)
    accepted = [name for name, v in variants.items() if verifier.agree(v.to_bytes(), proof)]
    assert accepted == []
    assert len(variants) >= 30
    assert not verifier.agree(m, registered.proof)                       # replay: segment 0's proof
    assert not verifier.agree(registered.manifest, appended.proof)


def test_a_cheating_appender_is_refused(verifier, srs, appended, monkeypatch):
    """C_ΔG that is not the segment's aggregate, with a proof made by the prover's code for it."""
    from attrib.kernels import g1
    from attrib.prover import registration as prover_registration
    from attrib.prover.hyperkzg import commit
    from attrib.prover.registration import aggregate_table, prove_registration
    from attrib.verifier.registration import registration_rounds

    reg = appended
    m = reg.manifest
    powers = srs.powers_for(registration_rounds(m))
    delta = segment_delta(reg, m.owners, m.offsets, m.num_contributors)

    def cheat(table):
        manifest = dataclasses.replace(m, appended_aggregate=g1.to_ints(commit(powers, table)))
        monkeypatch.setattr(prover_registration, "aggregate_table", lambda aggregate, mk, mc: table)
        proof = prove_registration(powers, manifest, reg.features, reg.scales, delta)
        return verifier.agree(manifest, proof)

    honest = aggregate_table(delta, m.log_columns, m.log_contributors)
    assert cheat(honest)
    width = 1 << m.log_columns
    cases = {}
    for name, (c, j) in {"ΔG off by one for a returning owner": (4, 2), "ΔG off by one for a new owner": (8, 0),
                         "ΔG for an earlier contributor without rows here": (0, 1),
                         "ΔG for a contributor past C": (m.num_contributors, 0)}.items():
        table = honest.copy()
        table[j + width * c] += 1
        cases[name] = table
    whole = aggregate_table(np.asarray(reg.aggregate), m.log_columns, m.log_contributors)
    cases["the whole dataset's G as the segment's (every row counted twice on chain)"] = whole
    assert {name: cheat(table) for name, table in cases.items()} == dict.fromkeys(cases, False)


def test_forged_appends(verifier, srs, registered, appended):
    """Manifests with a valid proof for their digest: those Python's decoder refuses are refused on the EVM
    by the check named, and those it accepts (the link to the previous version is the ledger's) are
    accepted, with outputs that let the ledger refuse them."""
    from attrib.verifier.encoding import g1_affine, g1_from_affine
    from attrib.verifier.limits import MAX_SEGMENTS
    from attrib.verifier.transcript import keccak256

    m = appended.manifest
    moved = lambda p: g1_affine(bn.add(g1_from_affine(*p), bn.G1))
    ids = [c.encode() for c in m.contributors]
    refused = {
        "returning owners out of order": forge(srs, appended, returning=(4, 1)),
        "a returning owner twice (its rows weighed twice)": forge(srs, appended, returning=(1, 1)),
        "a returning owner at the base (a new contributor's index)": forge(srs, appended, returning=(1, 7)),
        "a returning owner past C": forge(srs, appended, returning=(1, 12)),
        "an append with base 0 (no earlier contributor)": forge(
            srs, appended, base=0, returning=(), ids=[b"a", b"b", *ids]),
        "an append naming no previous version": forge(srs, appended, previous=bytes(32)),
        "a segment past MAX_SEGMENTS": forge(srs, appended, segment=MAX_SEGMENTS + 1),
        "segment 0 naming a previous version": forge(srs, registered, previous=keccak256(b"a history")),
        "segment 0 with C_ΔG != C_G": forge(srs, registered, aggregate=moved(registered.manifest.aggregate_commitment)),
        "segment 0 with a nonzero base": forge(srs, registered, base=1, ids=[c.encode() for c in
                                                                              registered.manifest.contributors[1:]],
                                               offsets=(0,) + registered.manifest.offsets[2:]),
        "segment 0 with returning owners (below a base of 0)": forge(
            srs, registered, returning=(0,), base=1,
            ids=[c.encode() for c in registered.manifest.contributors[1:]]),
        "an append's id repeated": forge(srs, appended, ids=[ids[0], ids[1], ids[0]]),
    }
    assert [name for name, (mb, pb) in refused.items() if verifier.agree(mb, pb)] == []
    accepted = {
        "as made": forge(srs, appended),
        "another previous version (a fork: the ledger compares it with its current)": forge(
            srs, appended, previous=keccak256(b"fork")),
        "another recipe digest (the ledger compares it)": forge(srs, appended, recipe=keccak256(b"recipe")),
        "C_G other than the previous C_G + C_ΔG (the ledger adds them)": forge(
            srs, appended, aggregate=moved(m.aggregate_commitment)),
        "another base, new ids renumbered (the ledger compares it with C)": forge(srs, appended, base=9),
        "an id an earlier segment registered (uniqueness is per segment)": forge(srs, appended, ids=[b"c0", *ids[1:]]),
        "segment MAX_SEGMENTS": forge(srs, appended, segment=MAX_SEGMENTS),
        "segment 0 again, with segment 0's rules": forge(srs, registered),
    }
    assert [name for name, (mb, pb) in accepted.items() if not verifier.agree(mb, pb)] == []
    out, _ = verifier.call(*accepted["another previous version (a fork: the ledger compares it with its current)"])
    assert out["previous"] == keccak256(b"fork") and out["segment"] == 1
    out, _ = verifier.call(*accepted["another base, new ids renumbered (the ledger compares it with C)"])
    assert (out["contributor_base"], out["num_contributors"]) == (9, 12)


def test_malformed_appends_are_refused(verifier, appended):
    """Byte-level damage to an append's own words: the returning list, its count, the base, the segment."""
    m, p = appended.manifest.to_bytes(), appended.proof.to_bytes()
    first, second = HEADER, HEADER + 32                                    # the returning owners 1, 4
    assert m[first:second + 32] == word(1) + word(4)
    for bad in (set_word(set_word(m, first, 4), second, 1),               # out of order
                set_word(m, second, 1),                                    # repeated
                set_word(m, second, 7),                                    # at the base
                set_word(m, second, 1 << 255),                             # huge
                set_word(m, 0x380, 3), set_word(m, 0x380, 1), set_word(m, 0x380, 0),   # R off
                set_word(m, 0x380, 8), set_word(m, 0x380, (1 << 256) - 1),
                set_word(m, 0x360, 0), set_word(m, 0x360, 11), set_word(m, 0x360, 1 << 200),   # base
                set_word(m, 0x320, 0), set_word(m, 0x320, 2), set_word(m, 0x320, (1 << 16) + 1),   # segment
                set_word(m, 0x340, 0),                                     # previous zero in an append
                m[:HEADER + 32], m[:-1], m + bytes(32)):
        assert not verifier.agree(bad, p)
    # base past C with R = 2 returning owners: R + C - base = 1 owner, the offsets (0, N) consistent with it, and
    # C - base = -1 ids (a verifier that trusted the base would loop over 2^256 - 1 ids: out of gas, a revert)
    offsets_at, points_at = HEADER + 64, points_region(appended.manifest)
    past = set_word(m, 0x360, 11)[:offsets_at] + word(0) + word(appended.manifest.num_rows) + m[points_at:]
    assert not verifier.agree(past, p)


# ---- every tampering of tests/attribution/test_registration.py, and more --------------------------

def test_the_srs_is_the_compiled_in_one(verifier, srs, other_srs, registered):
    alien = register(other_srs, 300, 6, 7)                    # the same rows under an SRS of its own
    assert not verifier.agree(alien.manifest, alien.proof)
    # a manifest naming the other SRS, with a proof made with this SRS's powers for its digest
    assert not verifier.agree(*forge(srs, registered, vk_bytes=other_srs.verifying_key.to_bytes()))
    key = registered.manifest.verifying_key.to_bytes()
    for offset, value in ((320, 64), (352, 0)):               # max_log_n, the insecure flag
        assert not verifier.agree(*forge(srs, registered, vk_bytes=set_word(key, offset, value)))
    assert verifier.agree(*forge(srs, registered))            # the forging harness itself is sound


def test_a_cheating_registrant_is_refused(verifier, srs, registered, monkeypatch):
    from attrib.kernels import g1
    from attrib.prover import registration as prover_registration
    from attrib.prover.hyperkzg import commit
    from attrib.prover.registration import aggregate_table, prove_registration
    from attrib.verifier.registration import registration_rounds

    reg = registered
    m = reg.manifest
    n = registration_rounds(m)
    powers = srs.powers_for(n)

    def cheat(table):
        manifest = dataclasses.replace(m, aggregate_commitment=g1.to_ints(commit(powers, table)))
        monkeypatch.setattr(prover_registration, "aggregate_table", lambda aggregate, mk, mc: table)
        proof = prove_registration(powers, manifest, reg.features, reg.scales, reg.aggregate)
        return verifier.agree(manifest, proof)

    honest = aggregate_table(reg.aggregate, m.log_columns, m.log_contributors)
    assert cheat(honest)
    n_g = 1 << (m.log_columns + m.log_contributors)
    cases = {}
    off_by_one = honest.copy()
    off_by_one[3 + (1 << m.log_columns) * 2] += 1
    cases["G off by one in one cell"] = off_by_one
    no_contributor = honest.copy()
    no_contributor[(1 << m.log_columns) * m.num_contributors] = 5
    cases["a coefficient for a contributor that does not exist"] = no_contributor
    no_column = honest.copy()
    no_column[m.num_columns] = 5
    cases["a coefficient for a column that does not exist"] = no_column
    beyond = np.zeros(1 << n, dtype=np.int64)
    beyond[:n_g] = honest
    beyond[n_g + 3] = 7
    cases["junk beyond the nominal table"] = beyond
    assert {name: cheat(table) for name, table in cases.items()} == dict.fromkeys(cases, False)


def test_every_proof_element_is_bound(verifier, registered):
    from attrib.verifier.registration import registration_rounds

    reg = registered
    variants = registration_proof_variants(reg.proof)
    n = registration_rounds(reg.manifest)
    layers = len(reg.proof.opening.com) + 1
    assert len(variants) == 3 * n + 3 + (layers - 1) + len(reg.proof.opening.tail) + 3 * layers + 2
    manifest = reg.manifest.to_bytes()
    assert [verifier.agree(manifest, v.to_bytes()) for v in variants] == [False] * len(variants)


def test_every_manifest_field_is_bound(verifier, srs, registered):
    from attrib.verifier.encoding import g1_affine, g1_from_affine

    reg = registered
    m = reg.manifest
    moved = lambda p: g1_affine(bn.add(g1_from_affine(*p), bn.G1))
    variants = {}
    for j in range(m.num_columns):                                 # each commitment moved
        cols = list(m.column_commitments)
        cols[j] = moved(cols[j])
        variants[f"column commitment {j}"] = dataclasses.replace(m, column_commitments=tuple(cols))
    variants["the scale commitment"] = dataclasses.replace(m, scale_commitment=moved(m.scale_commitment))
    variants["the aggregate commitment"] = dataclasses.replace(m, aggregate_commitment=moved(m.aggregate_commitment))
    for c in range(1, m.num_contributors):                         # each inner offset moved by one row
        for delta in (-1, 1):
            shifted = list(m.offsets)
            shifted[c] += delta
            if shifted[c - 1] < shifted[c] < shifted[c + 1]:
                variants[f"offset {c} {delta:+d}"] = dataclasses.replace(m, offsets=tuple(shifted))
    swapped = list(m.contributors)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    variants["contributor order"] = dataclasses.replace(m, contributors=tuple(swapped))
    renamed = list(m.contributors)
    renamed[3] = "someone else"
    variants["a contributor renamed"] = dataclasses.replace(m, contributors=tuple(renamed))
    variants["num_rows"] = dataclasses.replace(m, num_rows=m.num_rows + 1, offsets=m.offsets[:-1] + (m.num_rows + 1,))
    variants["log_rows"] = dataclasses.replace(m, log_rows=m.log_rows + 1)
    variants["terms"] = dataclasses.replace(m, terms=some_terms(m.num_contributors))
    proof = reg.proof.to_bytes()
    accepted = [name for name, v in variants.items() if verifier.agree(v.to_bytes(), proof)]
    assert accepted == []
    other = register(srs, 300, 6, 7, seed=4)                      # replay: a proof of another dataset
    assert not verifier.agree(m, other.proof)
    assert not verifier.agree(other.manifest, reg.proof)


HEADER = 0x3a0            # version, key (12), n0, N, k, C, terms (6), ids hash, recipe, segment, previous, base, R


def points_region(manifest) -> int:
    """The byte offset of C_0 in Manifest.to_bytes(): after the header, the returning owners and the offsets."""
    return HEADER + 32 * len(manifest.returning) + 32 * (len(manifest.owners) + 1)


def id_region(manifest) -> int:
    """The byte offset of the first contributor id's length word in Manifest.to_bytes()."""
    return points_region(manifest) + 64 * (manifest.num_columns + 4)


def test_malformed_bytes_are_refused(verifier, registered):
    reg = registered
    m, data = reg.manifest.to_bytes(), reg.proof.to_bytes()
    flipped = bytearray(data)
    flipped[70] ^= 0xFF                                          # a sum-check value made non-canonical
    g_word = 64 + 96 * len(reg.proof.sumcheck) + 64
    for bad in (data[:-1], data + bytes(32), bytes(flipped), b"", b"\x00" * 64,
                set_word(data, 0, 2),                            # version 2
                set_word(data, g_word, R),                       # G(u) = r
                set_word(data, g_word, reg.proof.g_at_u + R),    # G(u) + r: the same residue, not canonical
                reg.proof.to_bytes()[:-(96 * 1)]):
        assert not verifier.agree(m, bad)
    dropped = dataclasses.replace(reg.proof, sumcheck=reg.proof.sumcheck[:-1])
    assert not verifier.agree(m, dropped.to_bytes())
    start = id_region(reg.manifest)
    changed = bytearray(m)
    changed[start + 32] ^= 0x01                                  # an id's byte: its hash no longer matches
    padded = bytearray(m)
    assert m[start:start + 32] == word(2)                        # "c0": two bytes, thirty of padding
    padded[start + 32 + 5] = 0x01                                # nonzero padding (the digest is unchanged)
    at = points_region(reg.manifest) + 32                       # C_0's y
    y = int.from_bytes(m[at:at + 32], "big")
    for bad in (m[:-3], m[:-32], m + bytes(32), m + b"\x01", bytes(changed), bytes(padded),
                set_word(m, 0, 2),                               # manifest version 2
                set_word(m, at, y + Q),                          # C_0's y + q: the same point, not canonical
                set_word(m, at, Q - y)):                         # −C_0
        assert not verifier.agree(bad, data)


@pytest.mark.parametrize("raw, valid", [
    (b"\xc0\x80", False), (b"\xc1\xbf", False), (b"\xe0\x80\x80", False), (b"\xe0\x9f\xbf", False),
    (b"\xf0\x80\x80\x80", False), (b"\xf0\x8f\xbf\xbf", False),   # overlong forms
    (b"\xed\xa0\x80", False), (b"\xed\xbf\xbf", False),            # surrogates
    (b"\xf4\x90\x80\x80", False), (b"\xf5\x80\x80\x80", False), (b"\xff", False),   # above U+10FFFF
    (b"\x80", False), (b"ab\xc3", False), (b"\xe2\x82", False), (b"\xf0\x9f\x98", False),   # truncated
    (b"\xc3\x28", False), (b"\xe2\x28\xa1", False), (b"\xe2\x82\x28", False), (b"\xf0\x9f\x98\x28", False),
    (b"a" * 40 + b"\xc3" + b"a" * 5, False), (b"a" * 31 + b"\xc3", False), (b"a" * 1023 + b"\xe2", False),
    (b"\xed\x9f\xbf", True), (b"\xee\x80\x80", True), (b"\xf4\x8f\xbf\xbf", True), (b"\xf0\x90\x80\x80", True),
    (b"\xc2\x80", True), (b"\xe0\xa0\x80", True), (b"\x00", True), (b"\x7f" * 32, True),
    (b"a" * 31 + b"\xc3\xa9", True), ("é".encode() * 512, True),
    (b"", False), (b"x" * 1025, False),                            # empty; longer than 1,024 bytes
])
def test_contributor_ids_as_python_decodes_them(verifier, srs, registered, raw, valid):
    ids = [c.encode() for c in registered.manifest.contributors]
    ids[2] = raw
    assert verifier.agree(*forge(srs, registered, ids=ids)) is valid


def test_forged_manifests_python_refuses(verifier, srs, registered):
    from attrib.verifier.terms import BASIS_POINTS

    reg = registered
    m = reg.manifest
    ids = [c.encode() for c in m.contributors]
    cases = {}
    cases["a repeated id"] = forge(srs, reg, ids=ids[:3] + [ids[1]] + ids[4:])
    cases["the last id repeated"] = forge(srs, reg, ids=ids[:-1] + [ids[0]])
    # a contributor with no rows (C = 8 keeps mC = 3: C_G is the same commitment)
    cases["a zero-row contributor"] = forge(srs, reg, ids=ids + [b"nobody"], offsets=m.offsets + (m.num_rows,))
    cases["manifest version 2"] = forge(srs, reg, version=2)
    owner = word(1)

    def terms(*words):
        return b"".join(w if isinstance(w, bytes) else word(w) for w in words)

    cases["a model share above 100 %"] = forge(srs, reg, terms_words=terms(owner, bytes(32), 5, BASIS_POINTS + 1, 0, 0))
    cases["shares adding up past 100 %"] = forge(srs, reg, terms_words=terms(owner, bytes(32), 5, 6_000, 7, 4_001))
    cases["a model share without its address"] = forge(srs, reg, terms_words=terms(owner, bytes(32), 0, 10, 0, 0))
    cases["a platform share without its address"] = forge(srs, reg, terms_words=terms(owner, bytes(32), 0, 0, 0, 10))
    cases["an owner word past 2^160"] = forge(srs, reg, terms_words=terms(1 << 160, bytes(32), 0, 0, 0, 0))
    cases["a platform word past 2^160"] = forge(srs, reg, terms_words=terms(owner, bytes(32), 0, 0, (1 << 160) + 3, 1))
    accepted = [name for name, (mb, pb) in cases.items() if verifier.agree(mb, pb)]
    assert accepted == []
    # and forged manifests that Python accepts are accepted too (the harness is not what refuses above)
    fine = {
        "renamed ids": forge(srs, reg, ids=[b"renamed-%d" % i for i in range(len(ids))]),
        "all shares at their bounds": forge(srs, reg, terms_words=terms((1 << 160) - 1, b"\xff" * 32, 5, 6_000,
                                                                        7, 4_000)),
    }
    assert [name for name, (mb, pb) in fine.items() if not verifier.agree(mb, pb)] == []


# ---- differential fuzz ---------------------------------------------------------------------------

FUZZ_CASES = 320


def mutate(rng: random.Random, data: bytes, size_words: list[int]) -> bytes:
    """One random mutation: a bit flip, a truncation, an extension, a lying size word, a replaced word."""
    kind = rng.randrange(7)
    if kind == 0 or not data:
        if not data:
            return bytes(rng.randrange(1, 64))
        buf = bytearray(data)
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if kind == 1:
        return data[:rng.randrange(len(data))]
    if kind == 2:
        return data + (bytes(32 * rng.randrange(1, 3)) if rng.random() < 0.5
                       else bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 64))))
    words = len(data) // 32
    if kind in (3, 4) and size_words:
        at = rng.choice(size_words)
        old = int.from_bytes(data[at:at + 32], "big")
        new = rng.choice([old + 1, old - 1 if old else 1, 0, 1, old * 2, 1 << rng.randrange(1, 40),
                          (1 << 256) - 1, old + (1 << 32), rng.getrandbits(256)])
        return set_word(data, at, new % (1 << 256))
    if kind == 5 and words:
        at = 32 * rng.randrange(words)
        return set_word(data, at, rng.choice([R, Q, R - 1, Q - 1, 0, rng.getrandbits(256),
                                              int.from_bytes(data[at:at + 32], "big") + R]) % (1 << 256))
    if words >= 2:
        a, b = sorted(rng.sample(range(words), 2))
        w = [data[32 * i:32 * i + 32] for i in range(words)]
        w[a], w[b] = w[b], w[a]
        return b"".join(w) + data[32 * words:]
    return data[::-1]


def size_words_of(manifest, proof) -> tuple[list[int], list[int]]:
    """Byte offsets of the words that state sizes or indices: version, n0, N, k, C, segment, base, R, each
    returning owner, each id's length; proof version and rounds."""
    mwords = [0, 0x1a0, 0x1c0, 0x1e0, 0x200, 0x320, 0x360, 0x380]
    mwords += [HEADER + 32 * i for i in range(len(manifest.returning))]
    at = id_region(manifest)
    for c in manifest.contributors:
        mwords.append(at)
        at += 32 + 32 * -(-len(c.encode()) // 32)
    return mwords, [0, 32]


@pytest.fixture(scope="module")
def fuzz_bases(srs):
    first = register(srs, 13, 3, 5, seed=5, ids=["Zoë", "β", "c", "€uro", "😀"])
    second = register(srs, 40, 2, 3, seed=6, terms=some_terms(3))
    return [first, second, register(srs, 9, 1, 1, seed=7),
            append(srs, first, 11, ["β", "😀", "new", "ñew"], seed=8),                 # returning and new owners
            append(srs, second, 6, ["c2", "c0"], seed=9)]                               # returning owners only


def test_differential_fuzz(verifier, fuzz_bases):
    rng = random.Random(20261129)
    counted = {"manifest": 0, "proof": 0, "both": 0}
    accepted = unchanged = 0
    for case in range(FUZZ_CASES):
        reg = fuzz_bases[case % len(fuzz_bases)]
        original = m, p = reg.manifest.to_bytes(), reg.proof.to_bytes()
        mwords, pwords = size_words_of(reg.manifest, reg.proof)
        target = rng.choice(["manifest", "proof", "manifest", "proof", "both"])
        if target in ("manifest", "both"):
            m = mutate(rng, m, mwords)
        if target in ("proof", "both"):
            p = mutate(rng, p, pwords)
        counted[target] += 1
        unchanged += (m, p) == original     # a swap of two equal words, a size word set to its value
        if verifier.agree(m, p):
            accepted += 1
            assert (m, p) == original       # only the unchanged bytes verify
    assert sum(counted.values()) == FUZZ_CASES and min(counted.values()) > 0
    assert accepted == unchanged < FUZZ_CASES // 20


# ---- gas -----------------------------------------------------------------------------------------

GAS_CONTRIBUTORS = (1 << 4, 1 << 6, 1 << 8, 1 << 10)
GAS_COLUMNS = 32


def test_gas_by_contributors(verifier, srs, capsys):
    """verifyRegistration's gas for C = 2^4 … 2^10 (N = 2C rows, k = 32 columns, ids "c0", "c1", …):
    execution gas (the call less 21,000 and the calldata's own gas), calldata bytes and gas, and a
    least-squares fit gas ≈ a + b·C; the largest C within a 30,000,000-gas block is extrapolated from it."""
    from attrib.chain.evm import TX_BASE_GAS, calldata_gas
    from attrib.verifier.evm_registration import registration_calldata

    rows = []
    for c in GAS_CONTRIBUTORS:
        reg = register(srs, 2 * c, GAS_COLUMNS, c, seed=c)
        out, result = verifier.call(reg.manifest, reg.proof)
        assert out["ok"] and out["digest"] == reg.manifest.digest()
        assert verifier.python(reg.manifest.to_bytes(), reg.proof.to_bytes())
        cd = calldata_gas(registration_calldata(reg.manifest, reg.proof))
        rows.append((c, result.execution_gas, result.calldata_bytes, cd, result.gas_used))
        assert result.gas_used == result.execution_gas + TX_BASE_GAS + cd
    cs = np.array([r[0] for r in rows], dtype=float)
    fits = {}
    for name, col in (("execution", 1), ("transaction", 4)):
        b, a = np.polyfit(cs, np.array([r[col] for r in rows], dtype=float), 1)
        fits[name] = (a, b, int((BLOCK_GAS - a) // b))
    with capsys.disabled():
        print(f"\nverifyRegistration gas (N = 2C rows, k = {GAS_COLUMNS}, dev SRS 2^15)")
        print(f"{'C':>6} {'execution gas':>14} {'calldata bytes':>15} {'calldata gas':>13} {'tx gas':>11}")
        for c, gas, size, cd, total in rows:
            print(f"{c:>6} {gas:>14,} {size:>15,} {cd:>13,} {total:>11,}")
        for name, (a, b, c_max) in fits.items():
            print(f"fit ({name}): gas ≈ {a:,.0f} + {b:,.1f}·C; largest C within 30 M gas "
                  f"(extrapolated from the fit): {c_max:,}")
    gas = [r[1] for r in rows]
    assert gas == sorted(gas) and rows[-1][4] < BLOCK_GAS
    a, b, _ = fits["execution"]
    assert all(abs(a + b * c - g) < 0.1 * g for c, g in zip(cs, gas))   # close to linear in C


def test_gas_of_appends(verifier, srs, capsys):
    """verifyRegistration's gas for an append of c new contributors (2c rows, and 8 returning owners with a
    row each) to a dataset of 512 (k = 32), beside a registration of c: an append costs what a
    registration of its own segment does (w̃ over its owners, its ids, its rows), plus a little for the
    dataset's larger mC: the cost of growing a dataset is flat in the C it has."""
    base = register(srs, 1024, GAS_COLUMNS, 512, seed=1)
    rows = []
    for c in (16, 64, 256):
        names = [f"c{8 * i}" for i in range(8)] + [f"new-{i}" for i in range(c)]
        reg = append(srs, base, 8 + 2 * c, names, seed=c)
        assert reg.manifest.contributor_base == 512 and len(reg.manifest.returning) == 8
        out, result = verifier.call(reg.manifest, reg.proof)
        assert out["ok"] and verifier.python(reg.manifest.to_bytes(), reg.proof.to_bytes())
        fresh = register(srs, 2 * c, GAS_COLUMNS, c, seed=c)
        _, alone = verifier.call(fresh.manifest, fresh.proof)
        rows.append((c, result.gas_used, result.calldata_bytes, alone.gas_used))
    with capsys.disabled():
        print(f"\nverifyRegistration gas of an append to C = 512 (k = {GAS_COLUMNS}, 8 returning owners)")
        print(f"{'new c':>6} {'append tx gas':>14} {'calldata bytes':>15} {'registration of c':>18}")
        for c, gas, size, alone in rows:
            print(f"{c:>6} {gas:>14,} {size:>15,} {alone:>18,}")
    for c, gas, _, alone in rows:
        assert alone < gas < alone + 200_000 + 2_000 * 8          # the returning owners' words and a larger mC
