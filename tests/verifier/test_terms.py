"""The manifest's on-chain terms: owner, payee tree and fee layers (attrib.verifier.terms)."""

import dataclasses
import random

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover
from attrib.verifier import EncodingError, Manifest, Terms, verify_registration
from attrib.verifier.terms import (
    BASIS_POINTS,
    address_int,
    payee_path,
    payee_root,
    pool_fees,
    split_fees,
    verify_payee_path,
)

ALICE, BOB, CAROL = 0xA11CE, 0xB0B, 0xCA501


def test_terms_are_validated():
    Terms(owner=ALICE, model_owner=BOB, model_share_bp=1500, platform=CAROL, platform_share_bp=500)
    bad = [dict(owner=1 << 160), dict(owner=-1), dict(model_owner=BOB, model_share_bp=BASIS_POINTS + 1),
           dict(model_owner=BOB, model_share_bp=6000, platform=CAROL, platform_share_bp=4001),
           dict(model_share_bp=10), dict(platform_share_bp=10), dict(payee_root=b"\0" * 31),
           dict(owner=True), dict(model_owner=BOB, model_share_bp=1.5)]
    for fields in bad:
        with pytest.raises(EncodingError):
            Terms(**fields)
    assert address_int("0x" + "00" * 19 + "0b") == 11
    assert address_int(bytes(19) + b"\x0b") == 11
    for value in ("0b", "0x123", "0x" + "zz" * 20, b"\x01" * 19, 2.0):
        with pytest.raises(EncodingError):
            address_int(value)


def test_terms_round_trip_and_bind_the_digest(tmp_path):
    srs = SRS.dev(8, seed=4, cache_dir=tmp_path)
    rng = np.random.default_rng(4)
    owners = [f"c{c % 5}" for c in range(40)]
    ds = Dataset(rng.integers(-100, 100, size=(40, 3)), owners, rng.integers(0, 2**10, 40))
    with pytest.raises(EncodingError, match="contributor 2 has no address"):
        Terms.with_payees(ALICE, [BOB, CAROL, 0, ALICE, BOB])
    terms = Terms.with_payees(ALICE, [BOB, CAROL, 7, ALICE, BOB], BOB, 1000, CAROL, 250)
    reg = Prover(srs).register(ds, terms=terms)
    manifest = reg.manifest
    assert verify_registration(manifest, reg.proof, trusted_srs_digest=srs.digest())
    other = dataclasses.replace(manifest, terms=dataclasses.replace(terms, owner=BOB))
    assert not verify_registration(other, reg.proof, trusted_srs_digest=srs.digest())   # the proof binds them
    with pytest.raises(TypeError, match="terms"):
        Prover(srs).register(ds, terms={"owner": ALICE})
    assert manifest.terms == terms
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest
    assert Manifest.from_json(manifest.to_json()) == manifest
    digests = {manifest.digest()}
    for change in (dict(owner=BOB), dict(payee_root=bytes(31) + b"\1"), dict(model_owner=ALICE),
                   dict(model_share_bp=999), dict(platform=ALICE), dict(platform_share_bp=251)):
        digests.add(dataclasses.replace(manifest, terms=dataclasses.replace(terms, **change)).digest())
    assert len(digests) == 7
    # a terms word out of range in the bytes is refused by name
    data = bytearray(manifest.to_bytes())
    start = 32 + 384 + 4 * 32                                     # version, key, sizes: then the terms
    assert bytes(data[start:start + 192]) == terms.words()
    data[start + 3 * 32:start + 4 * 32] = (BASIS_POINTS + 1).to_bytes(32, "big")
    with pytest.raises(EncodingError, match="share"):
        Manifest.from_bytes(bytes(data))


@pytest.mark.parametrize("model_bp,platform_bp", [(0, 0), (1500, 500), (3333, 3333), (10_000, 0), (1, 9999)])
def test_the_layers_are_exact(model_bp, platform_bp):
    terms = Terms(model_owner=BOB if model_bp else 0, model_share_bp=model_bp,
                  platform=CAROL if platform_bp else 0, platform_share_bp=platform_bp)
    rng = random.Random(model_bp + platform_bp)
    for _ in range(200):
        gross = rng.choice([0, 1, 7, 9999, 10_001, rng.randrange(1 << 96)])
        model, platform, pool = split_fees(gross, terms)
        assert model + platform + pool == gross
        assert model * BASIS_POINTS <= gross * model_bp < (model + 1) * BASIS_POINTS
        assert platform * BASIS_POINTS <= gross * platform_bp < (platform + 1) * BASIS_POINTS
        fees = [rng.randrange(10**12) for _ in range(rng.randrange(1, 9))]
        pools = pool_fees(fees, terms)
        assert sum(pools) == split_fees(sum(fees), terms)[2]
        keep = BASIS_POINTS - model_bp - platform_bp
        assert all(p >= f * keep // BASIS_POINTS for p, f in zip(pools, fees))
    with pytest.raises(ValueError):
        split_fees(-1, terms)


@pytest.mark.parametrize("count", [1, 2, 5, 8, 33])
def test_payee_paths(count):
    depth = max(1, (count - 1).bit_length())
    payees = [random.Random(c).randrange(1, 1 << 160) for c in range(count)]
    root = payee_root(payees, depth)
    for c in range(count):
        path = payee_path(payees, depth, c)
        assert verify_payee_path(root, depth, c, payees[c], path)
        assert not verify_payee_path(root, depth, c, payees[c] ^ 1, path)                 # another payee
        assert not verify_payee_path(root, depth, c ^ 1, payees[c], path)                 # another index
        assert not verify_payee_path(root, depth + 1, c, payees[c], path + [root])        # a deeper claim
        if depth > 1:
            assert not verify_payee_path(root, depth - 1, c >> 1, payees[c], path[1:])    # an inner node
        assert not verify_payee_path(root, depth, c, payees[c], path[:-1])
        assert not verify_payee_path(root, depth, c, payees[c], [b"x"] * depth)
    if count < 1 << depth:                                # a padding leaf carries address 0
        assert verify_payee_path(root, depth, count, 0, payee_path(payees, depth, count))
    with pytest.raises(ValueError, match="do not fit"):
        payee_root(payees + [1] * ((1 << depth) + 1 - count), depth)
    with pytest.raises(ValueError, match="outside"):
        payee_path(payees, depth, 1 << depth)
