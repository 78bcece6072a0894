"""Balances: a contributor's cumulative payout over settled epochs, opened for a withdrawal
(attrib.verifier.payouts.verify_balance), with epochs left out (as ranges) when their payouts are withheld."""

import numpy as np
import pytest
from py_ecc import optimized_bn128 as bn
from tampering import balance_opening

from attrib.prover import SRS, Dataset, Prover
from attrib.verifier import BalanceOpening, verify_balance


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    """A dataset of 6 contributors and three proved epochs (seq 1, 2, 3)."""
    srs = SRS.dev(16, seed=23, cache_dir=tmp_path_factory.mktemp("srs"))
    rng = np.random.default_rng(8)
    owners = [f"c{c % 6}" for c in range(48)]
    reg = Prover(srs).register(Dataset(rng.integers(-2**15 + 1, 2**15, size=(48, 4)), owners,
                                       rng.integers(1, 2**20, 48)))
    epochs = {}
    for seq in (1, 2, 3):
        queries = rng.integers(-2**15 + 1, 2**15, size=(3 + seq, 4))
        epochs[seq] = Prover(srs).prove(reg, queries, [10**9 * seq + t for t in range(3 + seq)], seq=seq)
    return srs, reg, epochs


def running_sum(epochs, included):
    total = None
    for e in included:
        total = epochs[e].claim.payouts_commitment if total is None else bn.add(total, epochs[e].claim.payouts_commitment)
    return total


def test_balances_open_and_leave_withheld_epochs_out(settled):
    srs, reg, epochs = settled
    prover, digest = Prover(srs), srs.digest()
    payouts = {e: ep.payouts for e, ep in epochs.items()}
    for index in (0, 5):
        value, commitment, opening = prover.open_balance(reg.manifest, 3, payouts, index)
        assert value == sum(payouts[e][index] for e in (1, 2, 3)) and value > 0
        assert bn.eq(commitment, running_sum(epochs, (1, 2, 3)))         # what the chain forms from its state
        assert verify_balance(reg.manifest, 3, [], commitment, index, value, opening, trusted_srs_digest=digest)
        assert verify_balance(reg.manifest.to_bytes(), 3, [], commitment, index, value,
                              memoryview(opening.to_bytes()), trusted_srs_digest=digest)
        assert BalanceOpening.from_bytes(opening.to_bytes()) == opening
        # the ledger's affine (x, y) form and numpy integers are the same inputs
        from attrib.verifier.encoding import g1_affine

        assert verify_balance(reg.manifest, np.int64(3), np.array([], dtype=np.int64), g1_affine(commitment),
                              np.uint16(index), value, opening, trusted_srs_digest=digest)
    # epoch 2's payouts withheld: a withdrawal over 1 and 3 still opens
    withheld = {1: payouts[1], 3: payouts[3]}
    with pytest.raises(ValueError, match="epochs \\[2\\]"):
        prover.open_balance(reg.manifest, 3, withheld, 2)
    value, commitment, opening = prover.open_balance(reg.manifest, 3, withheld, 2, excluded=[2])
    assert value == payouts[1][2] + payouts[3][2]
    assert bn.eq(commitment, running_sum(epochs, (1, 3)))
    assert verify_balance(reg.manifest, 3, [(2, 2)], commitment, 2, value, opening, trusted_srs_digest=digest)
    # ... not as the flat list of epochs, nor with the range written otherwise
    assert not verify_balance(reg.manifest, 3, [2], commitment, 2, value, opening, trusted_srs_digest=digest)
    assert not verify_balance(reg.manifest, 3, [(2, 3)], commitment, 2, value, opening, trusted_srs_digest=digest)


def test_wrong_balances_are_refused(settled):
    srs, reg, epochs = settled
    digest = srs.digest()
    payouts = {e: ep.payouts for e, ep in epochs.items()}
    value, commitment, opening = Prover(srs).open_balance(reg.manifest, 3, payouts, 4)
    good = dict(manifest=reg.manifest, epoch=3, excluded=[], commitment=commitment, index=4, value=value,
                opening=opening)
    assert verify_balance(*good.values(), trusted_srs_digest=digest)
    other_value = payouts[1][3] + payouts[2][3] + payouts[3][3]
    refused = {
        "one more": dict(value=value + 1),
        "another contributor's balance": dict(value=other_value),
        "another index": dict(index=3),
        "an index past C": dict(index=6),
        "another epoch": dict(epoch=2),
        "an epoch left out that was not": dict(excluded=[(1, 1)]),
        "a range past the settled epoch": dict(excluded=[(3, 4)]),
        "a range that runs backwards": dict(excluded=[(2, 1)]),
        "a range from epoch 0": dict(excluded=[(0, 0)]),
        "ranges out of order": dict(excluded=[(3, 3), (1, 1)]),
        "ranges that overlap": dict(excluded=[(1, 2), (2, 3)]),
        "ranges that touch (one range written as two)": dict(excluded=[(1, 1), (2, 2)]),
        "a range of three numbers": dict(excluded=[(1, 1, 1)]),
        "a range of a bool": dict(excluded=[(True, True)]),
        "another state's commitment": dict(commitment=running_sum(epochs, (1, 2))),
        "a negative value": dict(value=-1),
        "a value of r": dict(value=bn.curve_order),
        "a bool index": dict(index=True),
        "a commitment off the curve": dict(commitment=(1, 3)),
        "a commitment that is no point": dict(commitment=(1, 2, 3)),
        "excluded epochs that are no list": dict(excluded=5),
        "excluded ranges that are bytes": dict(excluded=b"\x01\x01"),
        "another dataset's id": dict(dataset_id=bytes(32)),
    }
    def verdict(change):
        args = good | change
        ident = args.pop("dataset_id", None)
        return verify_balance(*args.values(), trusted_srs_digest=digest, dataset_id=ident)

    accepted = [name for name, change in refused.items() if verdict(change)]
    assert accepted == []
    assert not verify_balance(*good.values(), trusted_srs_digest=bytes(32))
    data = opening.to_bytes()
    for bad in (data[:-1], data + bytes(32), b"", bytes(64)):
        assert not verify_balance(*(good | dict(opening=bad)).values(), trusted_srs_digest=digest)
    with pytest.raises(TypeError, match="trusted_srs_digest"):
        verify_balance(*good.values())


def test_ranges_and_dataset_ids(settled):
    """The ranges' canonical form (excluded_ranges), the ledger's W over ranges (ledger_commitment), openings
    bound to the dataset id (an appended version must name it), and an opening of an older, smaller table
    (a version before an append) taken for any n with index < 2^n <= 2^mC."""
    from types import SimpleNamespace

    from attrib.verifier.payouts import check_ranges, excluded_ranges, ledger_commitment, resolve_dataset_id

    assert excluded_ranges([7, 2, 3, 4, 9, 8]) == [(2, 4), (7, 9)] and excluded_ranges([]) == []
    assert check_ranges(9, [(2, 4), (7, 9)]) == [(2, 4), (7, 9)]
    assert check_ranges(9, [(2, 4), (5, 9)]) is None and check_ranges(8, [(2, 4), (7, 9)]) is None
    srs, reg, epochs = settled
    digest = srs.digest()
    payouts = {e: ep.payouts for e, ep in epochs.items()}
    sums = {1: running_sum(epochs, (1,)), 2: running_sum(epochs, (1, 2)), 3: running_sum(epochs, (1, 2, 3))}
    assert bn.eq(ledger_commitment(sums, 3, [(1, 2)]), running_sum(epochs, (3,)))
    assert bn.eq(ledger_commitment(sums, 3, [(2, 3)]), running_sum(epochs, (1,)))
    value, commitment, opening = Prover(srs).open_balance(reg.manifest, 3, {3: payouts[3]}, 1, excluded=[1, 2])
    assert value == payouts[3][1] and bn.eq(commitment, ledger_commitment(sums, 3, [(1, 2)]))
    assert verify_balance(reg.manifest, 3, [(1, 2)], commitment, 1, value, opening, trusted_srs_digest=digest)
    assert verify_balance(reg.manifest, 3, [(1, 2)], commitment, 1, value, opening, trusted_srs_digest=digest,
                          dataset_id=reg.manifest.digest())
    # an appended version names only its previous: the id must be given for it (tests/chain has real appends)
    appended = SimpleNamespace(segment=1, digest=lambda: bytes(32))
    with pytest.raises(ValueError, match="dataset_id"):
        resolve_dataset_id(appended, None)
    assert resolve_dataset_id(appended, bytes([7]) * 32) == bytes([7]) * 32
    with pytest.raises(ValueError, match="32 bytes"):
        resolve_dataset_id(appended, bytes(31))
    # the opening's n is its own: any n with index < 2^n <= 2^mC (mC = 3 here) is taken, as for an opening
    # made at an older version of fewer contributors, over a table that fits n variables
    totals = [sum(payouts[e][c] for e in (1, 2, 3)) for c in range(6)]
    ident = reg.manifest.digest()
    for n in (1, 2, 3):
        index = min((1 << n) - 1, 5)
        commitment, value, opening = balance_opening(srs, ident, 3, [], totals[:1 << n], n, index)
        assert opening.variables == n and value == totals[index]
        assert verify_balance(reg.manifest, 3, [], commitment, index, value, opening, trusted_srs_digest=digest)
    # ... not an n past the current mC, nor an n too small for the index: bits(5) cut to 2 bits is 1's point
    commitment, value, opening = balance_opening(srs, ident, 3, [], totals, 4, 1)
    assert not verify_balance(reg.manifest, 3, [], commitment, 1, value, opening, trusted_srs_digest=digest)
    commitment, value, opening = balance_opening(srs, ident, 3, [], totals[:4], 2, 1, absorbed_index=5)
    assert not verify_balance(reg.manifest, 3, [], commitment, 5, value, opening, trusted_srs_digest=digest)
