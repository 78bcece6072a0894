"""One home for every bound: each entry point refuses exactly outside attrib.verifier.limits.

Every bound is tried at both sides of its edge through the Dataset rules, the client (which
must refuse before anything is sent), and the verifier's messages.  The service's side is
tests/service/test_limits_service.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from attrib.prover import Dataset
from attrib.prover.dataset import check_fees, quantize_queries
from attrib.service.client import Client
from attrib.verifier import limits

F = limits.FEATURE_LIMIT
S = limits.SCALE_LIMIT


@pytest.fixture(scope="module")
def offline_client():
    """A client whose server does not exist: what it refuses, it refuses before any call."""
    with Client("127.0.0.1:9", token="x" * 16, timeout=0.5) as c:
        yield c


@pytest.mark.parametrize("value, ok", [(F - 1, True), (-(F - 1), True), (F, False), (-F, False)])
def test_feature_edge_in_dataset_and_client(value, ok, offline_client):
    features = np.array([[value, 0]], dtype=np.int64)
    if ok:
        assert Dataset(features, ["a"]).features[0, 0] == value
        return
    with pytest.raises(ValueError, match=r"features\[0, 0\].*out of range"):
        Dataset(features, ["a"])
    # the client used to accept −2^15 (int16's minimum), which the server then refused
    with pytest.raises(ValueError, match=r"features\[0, 0\].*out of range"):
        offline_client.register("d", features, ["a"])


@pytest.mark.parametrize("value, ok", [(S - 1, True), (0, True), (S, False), (-1, False)])
def test_scale_edge_in_dataset_and_client(value, ok, offline_client):
    features = np.array([[1]], dtype=np.int64)
    scales = np.array([value], dtype=np.int64)
    if ok:
        assert Dataset(features, ["a"], scales).scales[0] == value
        return
    with pytest.raises(ValueError, match=r"scales\[0\].*out of range"):
        Dataset(features, ["a"], scales)
    # the client used to accept scales up to 2^32
    with pytest.raises(ValueError, match=r"scales\[0\].*out of range"):
        offline_client.register("d", features, ["a"], scales)


def test_unsigned_inputs_cannot_wrap_past_the_checks():
    with pytest.raises(ValueError, match="out of range"):
        Dataset(np.array([[1 << 63]], dtype=np.uint64), ["a"])
    with pytest.raises(ValueError, match="out of range"):
        quantize_queries(np.array([[1 << 63]], dtype=np.uint64), 1)


@pytest.mark.parametrize("value, ok", [(F - 1, True), (-(F - 1), True), (F, False), (-F, False)])
def test_query_edge_in_prover_and_client(value, ok, offline_client):
    queries = np.array([[value]], dtype=np.int64)
    if ok:
        assert quantize_queries(queries, 1)[0, 0] == value
        return
    with pytest.raises(ValueError, match=r"queries\[0, 0\].*out of range"):
        quantize_queries(queries, 1)
    with pytest.raises(ValueError, match=r"queries\[0, 0\].*out of range"):
        offline_client.submit("d", queries, [1])


@pytest.mark.parametrize("fee, ok", [(limits.FEE_LIMIT - 1, True), (0, True), (limits.FEE_LIMIT, False), (-1, False)])
def test_fee_edge_in_prover_and_client(fee, ok, offline_client):
    if ok:
        assert check_fees([fee], 1) == [fee]
        return
    with pytest.raises(ValueError, match=r"fees\[0\]"):
        check_fees([fee], 1)
    with pytest.raises(ValueError, match=r"fees\[0\]"):
        offline_client.submit("d", [[1]], [fee])


@pytest.mark.parametrize("length, ok", [(limits.MAX_CONTRIBUTOR_ID_BYTES, True),
                                        (limits.MAX_CONTRIBUTOR_ID_BYTES + 1, False)])
def test_contributor_id_length_edge(length, ok, offline_client, srs_small):
    from attrib.prover import Prover
    from attrib.verifier import Manifest

    ident = "é" * (length // 2) + "x" * (length % 2)          # multi-byte: the bound is in UTF-8 bytes
    assert len(ident.encode()) == length
    features = np.array([[1], [2]])
    if ok:
        manifest = Prover(srs_small).register(Dataset(features, [ident, "b"])).manifest
        assert Manifest.from_bytes(manifest.to_bytes()).contributors[0] == ident
        return
    with pytest.raises(ValueError, match=r"contributors\[0\]: longer than"):
        Dataset(features, [ident, "b"])
    with pytest.raises(ValueError, match=r"contributors\[0\]: longer than"):
        offline_client.register("d", features, [ident, "b"])


def test_product_code_has_no_private_copy_of_a_bound():
    """A bound written as a literal outside limits.py is how the client came to accept −2^15."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    literal = re.compile(r"(1 ?<< ?(15|16|20|24|32|128)\b|2 ?\*\* ?(15|16|20|24|32|128)\b)")
    offenders = []
    for folder in ("prover", "verifier", "kernels", "service", "chain", "demo", "attrib"):
        for path in (root / folder).rglob("*.py"):
            if path.name in ("limits.py", "params.py") or "_pb2" in path.name:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if literal.search(line.split("#")[0]):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


def test_contributor_count_edge():
    """C ≤ 2^16: an epoch's per-inference sums S_t < 2^96 rely on it (attrib.verifier.attribution)."""
    from attrib.prover.dataset import check_contributors

    at_limit = [f"c{i}" for i in range(limits.MAX_CONTRIBUTORS)]
    assert len(check_contributors(at_limit, len(at_limit))) == limits.MAX_CONTRIBUTORS
    over = at_limit + ["one more"]
    with pytest.raises(ValueError, match="distinct ids exceed the supported 65536"):
        check_contributors(over, len(over))
