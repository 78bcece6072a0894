"""Row openings (attrib.verifier.rows): any rows' features and scales opened against the manifest's
commitments in one succinct opening, and every wrong claim about them refused."""

import random

import numpy as np
import pytest

from attrib.prover import SRS, Dataset, Prover
from attrib.verifier import RowOpening, verify_rows
from attrib.verifier.recipe import example_digest


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    srs = SRS.dev(12, seed=41, cache_dir=tmp_path_factory.mktemp("srs"))
    rng = np.random.default_rng(41)
    rows = 600                                             # n0 = 10, with 424 padding rows
    ds = Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, 5)), [f"c{i % 7}" for i in range(rows)],
                 rng.integers(0, 2**24, rows), examples=[f"example {i}".encode() for i in range(rows)])
    return srs, Prover(srs).register(ds)


def check(srs, manifest, rows, values, opening) -> bool:
    return verify_rows(manifest, rows, values, opening, trusted_srs_digest=srs.digest())


@pytest.mark.parametrize("rows", [[0], [599], [5, 0, 599, 123], list(range(0, 600, 9))])
def test_honest_openings_verify(registered, rows):
    srs, reg = registered
    values, opening = Prover(srs).open_rows(reg, rows)
    digests = reg.example_digests
    assert values == [[int(v) for v in reg.features[r]] + [int(reg.scales[r]), digests[r]] for r in rows]
    grouped = [i for c in range(7) for i in range(c, 600, 7)]           # input row of each grouped row
    assert [v[-1] for v in values] == [example_digest(f"example {grouped[r]}".encode()) for r in rows]
    assert check(srs, reg.manifest, rows, values, opening)
    assert check(srs, reg.manifest.to_bytes(), np.array(rows), np.array(values), memoryview(opening.to_bytes()))
    assert RowOpening.from_bytes(opening.to_bytes()) == opening


def test_wrong_claims_are_refused(registered):
    srs, reg = registered
    rows = [17, 3, 511]
    values, opening = Prover(srs).open_rows(reg, rows)

    def changed(i, j, delta):
        out = [list(v) for v in values]
        out[i][j] += delta
        return out

    refused = {
        "a feature + 1": (rows, changed(1, 2, 1)),
        "a feature − 1 in the last column": (rows, changed(2, 4, -1)),
        "a scale + 1": (rows, changed(0, 5, 1)),
        "an example digest + 1": (rows, changed(1, 6, 1)),
        "another example's digest": (rows, [v[:6] + [example_digest(b"another example")] for v in values]),
        "a digest of 2^253": (rows, [v[:6] + [2**253] for v in values]),
        "a missing digest": (rows, [v[:6] for v in values]),
        "two rows' values swapped": (rows, [values[1], values[0], values[2]]),
        "another row's index": ([18, 3, 511], values),
        "the rows in another order": ([3, 17, 511], values),
        "a row past N": ([17, 3, 600], values),
        "a row twice": ([17, 17, 511], values),
        "one row fewer": (rows[:2], values[:2]),
        "a feature of 2^15": (rows, [[2**15] + v[1:] for v in values]),
        "a negative scale": (rows, [v[:5] + [-1] + v[6:] for v in values]),
        "a missing scale": (rows, [v[:5] + v[6:] for v in values]),
        "a bool index": ([True, 3, 511], values),
    }
    accepted = [name for name, (r, v) in refused.items() if check(srs, reg.manifest, r, v, opening)]
    assert accepted == []
    other = Prover(srs).register(Dataset(reg.features[:599], [f"c{i % 7}" for i in range(599)], reg.scales[:599]))
    assert not check(srs, other.manifest, rows, values, opening)                   # another manifest
    assert not verify_rows(reg.manifest, rows, values, opening, trusted_srs_digest=bytes(32))
    with pytest.raises(TypeError, match="trusted_srs_digest"):
        verify_rows(reg.manifest, rows, values, opening)
    data = opening.to_bytes()
    fuzz = random.Random(3)
    for _ in range(40):
        bad = bytearray(data)
        bit = fuzz.randrange(8 * len(bad))
        bad[bit // 8] ^= 1 << (bit % 8)
        assert not check(srs, reg.manifest, rows, values, bytes(bad))
    for bad in (data[:-1], data + bytes(32), b"", 5, None):
        assert not check(srs, reg.manifest, rows, values, bad)
    import dataclasses

    floats = [list(m) for m in opening.sumcheck]
    floats[0][0] = 1.5
    for bad in (dataclasses.replace(opening, sumcheck=tuple(map(tuple, floats))),
                dataclasses.replace(opening, opening=None), dataclasses.replace(opening, value_at_u=-1)):
        assert not check(srs, reg.manifest, rows, values, bad)          # False, never an exception
    for bad_rows in ([600], [3, 3], [], [-1]):
        with pytest.raises(ValueError, match=r"rows: distinct registered rows, each in \[0, 600\)"):
            Prover(srs).open_rows(reg, bad_rows)
