"""Inputs at the edges: malformed bytes, non-canonical values, bad points, and structural rules that
only the decoding enforces (checked with proofs that are otherwise valid), fee arithmetic beyond 2^256."""

import random

import pytest
from epochs import field_epoch

from attrib.chain.evm import encode_call, words
from attrib.verifier.encoding import Q_MODULUS as Q
from attrib.verifier.encoding import R_MODULUS as R
from attrib.verifier.evm import calldata
from attrib.verifier.limits import FEE_LIMIT as MAX_FEE
from attrib.verifier.messages import HALF_R


def word(x: int) -> bytes:
    return x.to_bytes(32, "big")


def set_word(data: bytes, index: int, value: int) -> bytes:
    return data[:32 * index] + word(value) + data[32 * index + 32:]


# ---- malformed bytes -------------------------------------------------------------------------


def test_truncated_extended_and_empty_inputs(verifier, epoch):
    m, c, p = epoch.manifest, epoch.claim, epoch.proof
    cases = [(m[:-1], c, p), (m[:-32], c, p), (m + bytes(32), c, p), (m, c[:-32], p), (m, c + bytes(32), p),
             (m, c, p[:-32]), (m, c, p + bytes(32)), (m, c, p[:-1]), (b"", b"", b""), (m, b"", p), (m, c, b""),
             (m[:575], c, p), (m, c[:127], p), (m, c, p[:63]), (b"\x01" * 3, c, p)]
    for i, args in enumerate(cases):
        assert not verifier.agree(*args), i


def test_versions_and_sizes(verifier, epoch):
    m, c, p = epoch.manifest, epoch.claim, epoch.proof
    for data, which in ((m, 0), (c, 1), (p, 2)):
        args = [m, c, p]
        args[which] = set_word(data, 0, 2)                          # version 2
        assert not verifier.agree(*args)
    assert not verifier.agree(set_word(m, 13, 10), c, p)            # log_rows
    assert not verifier.agree(set_word(m, 13, 0), c, p)
    assert not verifier.agree(set_word(m, 15, 7), c, p)             # num_columns
    assert not verifier.agree(m, set_word(c, 1, 4), p)              # T
    assert not verifier.agree(m, set_word(c, 2, 2**255), p)         # k beyond the length
    assert not verifier.agree(m, c, set_word(p, 1, 8))              # rounds
    assert not verifier.agree(m, c, set_word(p, 1, 0))


def test_non_canonical_scalars(verifier, epoch):
    m, c, p = epoch.manifest, epoch.claim, epoch.proof
    n = 9
    # proof: every scalar position (sum-check, σ, s, tail, evals) with x + r in place of x
    scalar_words = list(range(2, 2 + 3 * n + 2)) + list(range(2 + 3 * n + 2 + 2 * 3, len(p) // 32 - 4))
    for i in scalar_words[::3] + [scalar_words[-1]]:
        x = words(p)[i]
        assert not verifier.agree(m, c, set_word(p, i, x + R)), i
    # claim: a query, a total (both signed field elements), a fee of 2^128
    T, k = words(c)[1:3]
    query, fee, total = 4, 4 + T * k, 4 + T * k + T
    for i, value in ((query, words(c)[query] + R), (total, words(c)[total] + R), (fee, MAX_FEE)):
        assert not verifier.agree(m, set_word(c, i, value), p), i


def test_points_off_the_curve_or_not_canonical(verifier, epoch):
    m, c, p = epoch.manifest, epoch.claim, epoch.proof
    n = 9
    com0 = 2 + 3 * n + 2
    w = len(p) // 32 - 4
    for i, (x, y) in [(com0, (1, 1)), (com0, (words(p)[com0] + Q, words(p)[com0 + 1])), (w, (0, Q)), (w, (0, 0)),
                      (w + 2, (1, 3)), (w + 2, (0, 0)), (w + 2, (0, Q))]:
        bad = set_word(set_word(p, i, x), i + 1, y)
        assert not verifier.agree(m, c, bad), (i, x, y)
    cols = 18 + 7 + 1                                                # first column commitment word
    for x, y in ((1, 1), (0, Q), (Q, 2)):
        assert not verifier.agree(set_word(set_word(m, cols, x), cols + 1, y), c, p)


def test_bad_abi_reverts(verifier, epoch):
    good = calldata(epoch.manifest, epoch.claim, epoch.proof)
    chain = verifier.chain
    for data in (good[:4], good[:100], good[:4] + word(2**64) + good[36:], b"\x12\x34\x56\x78" + good[4:]):
        result = chain.call(verifier.address, data)
        assert not result.success, result
    assert chain.call(verifier.address, good).output[-1] == 1


def test_random_word_mutations(verifier, epochs):
    """Same verdict as Python for random words replaced anywhere in the three inputs."""
    rng = random.Random(2024)
    specials = [0, 1, R - 1, R, Q, HALF_R, HALF_R + 1, 2**128, 2**256 - 1]
    for e in (epochs[2], epochs[5]):
        parts = [e.manifest, e.claim, e.proof]
        for _ in range(40):
            which = rng.randrange(3)
            data = parts[which]
            i = rng.randrange(len(data) // 32)
            old = words(data)[i]
            value = rng.choice([rng.choice(specials), old + 1, old ^ (1 << rng.randrange(256)), rng.getrandbits(256)])
            args = list(parts)
            args[which] = set_word(data, i, value % 2**256)
            assert not verifier.agree(*args), (e.label, which, i, value)
        for _ in range(10):                                          # random truncations and bytes
            which = rng.randrange(3)
            args = list(parts)
            cut = rng.randrange(len(args[which]))
            args[which] = args[which][:cut] + bytes([rng.randrange(256)]) * rng.randrange(2)
            assert not verifier.agree(*args)


# ---- structural rules, with proofs that are valid for the malformed bytes -------------------


N = 12


def small_data(seed=0, cols=3):
    rng = random.Random(seed)
    features = [[rng.randrange(-1000, 1000) for _ in range(cols)] for _ in range(N)]
    scales = [rng.randrange(1, 100) for _ in range(N)]
    return features, scales


OFFSETS = [0, 3, 7, 12]


@pytest.mark.parametrize("ids, ok", [
    ([b"c0", b"c1", b"c2"], True),
    (["é".encode(), "日本語".encode(), "🙂 and more than thirty-two bytes of text".encode()], True),
    ([b"\x00nul", b"\x7f", "\U0010ffff".encode()], True),
    ([b"\xc0\x80", b"b", b"c"], False),                        # overlong NUL
    ([b"a", b"\xed\xa0\x80", b"c"], False),                    # a surrogate
    ([b"a", b"b", b"\xf4\x90\x80\x80"], False),                # above U+10FFFF
    ([b"a", b"\xe2\x82", b"c"], False),                        # truncated sequence
    ([b"a", b"\x80", b"c"], False),                            # a lone continuation byte
    ([b"a", b"x" * 40 + b"\xff", b"c"], False),                # invalid byte after 32 ASCII bytes
    ([b"a", b"\xe0\x80\xaf", b"c"], False),                    # overlong three-byte form
    ([b"a", b"\xf0\x8f\xbf\xbf", b"c"], False),                # overlong four-byte form
    ([b"a", b"b", b"a"], False),                               # a repeated id
    ([b"a", b"", b"c"], False),                                # an empty id
])
def test_contributor_ids(verifier, srs, ids, ok):
    features, scales = small_data()
    e = field_epoch(srs, features, scales, OFFSETS, [[5, -7, 9]], [1000], ids=ids)
    assert verifier.agree(e.manifest, e.claim, e.proof) is ok


@pytest.mark.parametrize("changes", [
    {"padding": b"\x01"},                                    # non-zero padding after the last id
    {"offsets": [0, 3, 3, 12]},                              # an empty contributor
    {"offsets": [0, 7, 3, 12]},                              # offsets not increasing
    {"offsets": [1, 3, 7, 12]},                              # not starting at 0
    {"offsets": [0, 3, 7, 11]},                              # not ending at num_rows
    {"num_rows": 17, "offsets": [0, 3, 7, 17]},                 # more rows than 2^log_rows
    {"ids_hash": bytes(32)},                                 # contributors hash not matching the ids
    {"version": 2},
], ids=["padding", "empty contributor", "decreasing", "start", "end", "rows", "ids hash", "version"])
def test_manifest_structure(verifier, srs, changes):
    features, scales = small_data()
    e = field_epoch(srs, features, scales, OFFSETS, [[5, -7, 9]], [1000], manifest_changes=changes)
    assert verifier.agree(e.manifest, e.claim, e.proof) is False


@pytest.mark.parametrize("cols, queries", [
    (8, [[-3, 1, 2, 3, 4, 5, 6, 7]]),                         # bucket path, −C_0
    (8, [[0, 1, 2, 3, 4, 5, 6, 7]]),                          # bucket path, 0·C_0
    (8, [[5, 1, 2, 3, 4, 5, 6, 7]]),                          # bucket path, +C_0
    (8, [[(-1) ** t * (t + j) for j in range(8)] for t in range(5)]),    # ecMul path
    (2, [[0, 9]]),                                            # ecMul path, 0·C_0
], ids=["bucket -", "bucket 0", "bucket +", "ecmul", "ecmul 0"])
def test_column_commitment_encodings(verifier, srs, cols, queries):
    """A zero column's commitment is the point at infinity (0, 0); (0, q) or a point off the curve
    in its place must be refused on both paths for C_s, whatever the column's query value."""
    rng = random.Random(7)
    features = [[rng.randrange(-1000, 1000) if j else 0 for j in range(cols)] for _ in range(N)]
    scales = [rng.randrange(1, 100) for _ in range(N)]
    fees = [100] * len(queries)
    honest = field_epoch(srs, features, scales, OFFSETS, queries, fees)
    assert verifier.agree(honest.manifest, honest.claim, honest.proof) is True
    assert honest.manifest_obj.columns[0] == (0, 0)
    for point in ((0, Q), (1, 1)):
        columns = [point] + honest.manifest_obj.columns[1:]
        e = field_epoch(srs, features, scales, OFFSETS, queries, fees, manifest_changes={"columns": columns})
        assert verifier.agree(e.manifest, e.claim, e.proof) is False, point


# ---- values: queries, totals and fees anywhere in their ranges --------------------------------


def test_large_queries_and_zero_queries(verifier, srs):
    features, scales = small_data(cols=8)
    big = [[2**200 + j for j in range(8)]]                       # T = 1 but too large for buckets
    for queries in (big, [[0] * 8], [[HALF_R, -HALF_R, 1, -1, 2**15, -(2**15), 0, 7]]):
        e = field_epoch(srs, features, scales, OFFSETS, queries, [10**6])
        assert verifier.agree(e.manifest, e.claim, e.proof) is True


def test_fee_split_beyond_256_bits(verifier, srs):
    """Totals near (r − 1)/2 for 16 contributors: Σ max(A, 0) > 2^256 and F·A > 2^256."""
    rng = random.Random(3)
    features = [[HALF_R - rng.randrange(1, 2**64)] for _ in range(16)]
    offsets = list(range(17))
    fees = [MAX_FEE - 1, 12345, 2**127 + 1]
    e = field_epoch(srs, features, [1] * 16, offsets, [[1], [1], [1]], fees)
    totals = e.claim_obj.totals
    assert sum(max(a[0], 0) for a in totals) > 2**256 and max(a[0] for a in totals) * fees[0] > 2**256
    assert verifier.agree(e.manifest, e.claim, e.proof) is True
    for delta in (1, -1):
        payouts = list(e.claim_obj.payouts)
        payouts[5] += delta
        bad = field_epoch(srs, features, [1] * 16, offsets, [[1], [1], [1]], fees,
                          claim_changes={"payouts": tuple(payouts)})
        assert verifier.agree(bad.manifest, bad.claim, bad.proof) is False
    # a fee of 2^128 is refused even with a proof made for it
    bad = field_epoch(srs, features, [1] * 16, offsets, [[1], [1], [1]], [MAX_FEE, 1, 1])
    assert verifier.agree(bad.manifest, bad.claim, bad.proof) is False


def test_mixed_signs_and_no_positive_influence(verifier, srs):
    features, scales = small_data(seed=4)
    for queries in ([[1, 1, 1]], [[-1, -1, -1]], [[0, 0, 0]], [[HALF_R, 1, 1]]):
        e = field_epoch(srs, features, scales, OFFSETS, queries, [999_999])
        assert verifier.agree(e.manifest, e.claim, e.proof) is True


def test_encode_call_helper():
    data = encode_call("f(bytes,address[],uint256)", b"\x01\x02", ["0x" + "11" * 20], 5)
    assert len(data) == 4 + 3 * 32 + 64 + 64
    assert words(data[4:])[:3] == [96, 160, 5]
