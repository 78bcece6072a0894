"""The explorer's pages over HTTP (Starlette's TestClient): numbers against the claims and payouts files,
JSON at the same URLs, proof checks, and 400/404 pages for bad input."""

from __future__ import annotations

import re
import sqlite3

import pytest
from starlette.testclient import TestClient

from attrib.explorer.app import Explorer, create_app

TRACEBACK = re.compile(r"Traceback|File \"|line \d+, in ")


@pytest.fixture(scope="module")
def explorer(data_dir, tmp_path_factory):
    root, expected = data_dir
    ex = Explorer(root, tmp_path_factory.mktemp("cache") / "cache.sqlite", expected["srs_digest"], refresh_s=0,
                  verify_in_process_pool=False)
    ex.refresh_once()
    return ex


@pytest.fixture(scope="module")
def client(explorer):
    with TestClient(create_app(explorer), raise_server_exceptions=False) as c:
        yield c


def get_json(client, url):
    r = client.get(url, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json() == client.get(url + ("&" if "?" in url else "?") + "format=json").json()
    return r.json()


def test_datasets_page(client, data_dir):
    _, expected = data_dir
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "tiny" in r.text and "empty" in r.text and expected["digest"][:16] in r.text
    data = get_json(client, "/")
    tiny = next(d for d in data["datasets"] if d["dataset_id"] == "tiny")
    assert tiny["manifest_digest"] == expected["digest"]
    assert tiny["num_contributors"] == 6 and tiny["num_rows"] == 48 and tiny["epochs"] == 4
    assert tiny["registration_proof"]["status"] == "verified"
    assert tiny["registration_proof"]["by"] == "this explorer"
    assert tiny["registration_proof"]["trusted_srs_digest"] == expected["srs_digest"].hex()


def test_dataset_page_numbers(client, data_dir):
    _, expected = data_dir
    url = f"/datasets/{expected['digest']}"
    data = get_json(client, url)
    epochs = expected["epochs"]
    forged = expected["forged"]["claim"]
    claims = [e["claim"] for e in epochs] + [forged]
    assert data["epoch_count"] == 4            # the queued and failed jobs are not epochs
    assert int(data["total_fees"]) == sum(c.total_fees for c in claims)
    assert int(data["total_paid"]) == sum(c.total_paid for c in claims)
    assert int(data["dust"]) == sum(c.total_fees - c.total_paid for c in claims)
    by_job = {e["job_id"]: e for e in data["epochs"]}
    assert expected["queued"] not in by_job and expected["failed"] not in by_job
    for e in epochs:
        row = by_job[e["job_id"]]
        assert int(row["total_fees"]) == e["claim"].total_fees == sum(e["fees"])
        assert int(row["total_paid"]) == e["claim"].total_paid == sum(e["payouts"])
        assert int(row["dust"]) == e["claim"].total_fees - e["claim"].total_paid
        assert row["num_queries"] == e["claim"].num_queries and row["ledger_epoch"] == e["ledger_epoch"]
        assert row["proof"]["status"] == "verified" and row["proof"]["by"] == "this explorer"
    assert by_job[expected["forged"]["job_id"]]["proof"]["status"] == "rejected"
    html = client.get(url).text
    assert f"{epochs[0]['claim'].total_fees:,}" in html and "<svg" in html
    assert "REJECTED" in html and "verified by this explorer" in html


def test_epoch_page_payouts(client, data_dir):
    _, expected = data_dir
    manifest = expected["manifest"]
    for e in expected["epochs"]:
        url = f"/datasets/{expected['digest']}/epochs/{e['job_id']}"
        data = get_json(client, url)
        assert [int(p["amount"]) for p in data["payouts"]] == e["payouts"]
        assert [p["contributor"] for p in data["payouts"]] == list(manifest.contributors)
        assert int(data["total_fees"]) == e["claim"].total_fees and int(data["total_paid"]) == e["claim"].total_paid
        assert data["sidecar_consistent"] is True
        assert int(data["top"][0]["amount"]) == max(e["payouts"])
        html = client.get(url).text
        for p in e["payouts"]:
            assert f'data-value="{p}"' in html
        assert f"{e['claim'].total_paid:,}" in html
    claim = client.get(f"/datasets/{expected['digest']}/epochs/{expected['epochs'][0]['job_id']}/claim.bin")
    assert claim.content == expected["epochs"][0]["claim"].to_bytes()
    assert client.get(f"/datasets/{expected['digest']}/manifest.bin").content == manifest.to_bytes()


def test_contributor_page(client, data_dir):
    _, expected = data_dir
    manifest = expected["manifest"]
    order = [e["payouts"] for e in expected["epochs"]] + [expected["forged"]["payouts"]]
    for index in range(manifest.num_contributors):
        url = f"/datasets/{expected['digest']}/contributors/{index}"
        data = get_json(client, url)
        assert data["contributor"] == manifest.contributors[index]
        assert data["rows"] == manifest.offsets[index + 1] - manifest.offsets[index]
        assert [int(e["payout"]) for e in data["epochs"]] == [p[index] for p in order]
        assert int(data["cumulative"]) == sum(p[index] for p in order)
        assert data["withdrawals"] is None
        # the forged (rejected) epoch is last: the check command names the last verified one
        assert f"--index {index} --payout {order[2][index]}" in data["check_command"]
        assert expected["epochs"][2]["job_id"] in data["check_command"]
        html = client.get(url).text
        assert f"{sum(p[index] for p in order):,}" in html and html.count("<svg") == 2


def test_check_command_verifies(data_dir, tmp_path, srs):
    """The command the contributor page shows accepts a real opening and rejects a wrong payout."""
    from attrib.explorer.check_opening import main
    from attrib.prover.payouts import open_payouts

    _, expected = data_dir
    e, manifest = expected["epochs"][0], expected["manifest"]
    powers = srs.powers_for(manifest.log_contributors)
    _, opening = open_payouts(powers, e["claim"], e["payouts"], manifest.log_contributors, [2])
    for name, blob in (("m", manifest.to_bytes()), ("c", e["claim"].to_bytes()), ("o", opening.to_bytes())):
        (tmp_path / name).write_bytes(blob)
    args = [str(tmp_path / n) for n in "mco"] + ["--index", "2", "--trusted-srs-digest", srs.digest().hex()]
    assert main(args + ["--payout", str(e["payouts"][2])]) == 0
    assert main(args + ["--payout", str(e["payouts"][2] + 1)]) == 1


def test_search(client, data_dir):
    _, expected = data_dir
    found = get_json(client, "/search?q=contributor-3")["results"]
    assert [r["url"] for r in found] == [f"/datasets/{expected['digest']}/contributors/3"]
    assert get_json(client, f"/search?q={expected['digest'][:12]}")["results"][0]["url"] == \
        f"/datasets/{expected['digest']}"
    job = expected["epochs"][1]["job_id"]
    assert any(r["url"].endswith(job) for r in get_json(client, f"/search?q={job}")["results"])
    assert get_json(client, "/search?q=tiny")["results"][0]["kind"] == "dataset"
    r = client.get("/search?q=nobody-at-all")
    assert r.status_code == 200 and "Nothing matches" in r.text


def test_unverified_without_trusted_digest(data_dir, tmp_path):
    """Without --trusted-srs-digest nothing is claimed verified, even with a cache that holds checks."""
    root, expected = data_dir
    ex = Explorer(root, tmp_path / "cache.sqlite", None, refresh_s=0)
    ex.refresh_once()
    with TestClient(create_app(ex)) as c:
        data = get_json(c, f"/datasets/{expected['digest']}")
        assert data["registration_proof"]["status"] == "not verified here"
        assert {e["proof"]["status"] for e in data["epochs"]} == {"not verified here"}
        assert "verified by" not in c.get(f"/datasets/{expected['digest']}").text


def test_incremental_and_read_only(data_dir, tmp_path):
    """A second refresh adds nothing; the service database is never written (its file is untouched)."""
    root, _ = data_dir
    db_file = root / "attrib.sqlite3"
    before = db_file.read_bytes()
    ex = Explorer(root, tmp_path / "cache.sqlite", None, refresh_s=0)
    first = ex.index.refresh()
    again = ex.index.refresh()
    assert (first.datasets, first.epochs) == (2, 4) and (again.datasets, again.epochs) == (0, 0)
    assert db_file.read_bytes() == before
    with pytest.raises(sqlite3.OperationalError):
        from attrib.explorer.index import connect_readonly

        connect_readonly(db_file).execute("DELETE FROM jobs")


BAD = [
    ("/datasets/zz", 400), ("/datasets/" + "0" * 64, 404), ("/datasets/" + "0" * 65, 400),
    ("/?page=0", 400), ("/?page=-1", 400), ("/?page=abc", 400), ("/?page=" + "9" * 40, 400), ("/?page=2", 404),
    ("/?page=999999", 404), ("/?format=xml", 400), ("/search?q=" + "x" * 2000, 400), ("/nowhere", 404),
]


@pytest.mark.parametrize("url,status", BAD)
def test_bad_input(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert not TRACEBACK.search(r.text)
    assert "text/html" in r.headers["content-type"]


def test_bad_input_in_dataset(client, data_dir):
    _, expected = data_dir
    d = f"/datasets/{expected['digest']}"
    cases = [(f"{d}/epochs/not-a-job", 400), (f"{d}/epochs/{'a' * 32}", 404), (f"{d}/contributors/x", 400),
             (f"{d}/contributors/-1", 400), (f"{d}/contributors/6", 404), (f"{d}/contributors/{'9' * 30}", 400),
             (f"{d}/contributors/0?page=2", 404), (f"{d}?page={'1' * 19}", 400),
             (f"{d}/epochs/{expected['epochs'][0]['job_id']}?page=99999", 404),
             (f"/datasets/{expected['empty_digest']}/epochs/{expected['epochs'][0]['job_id']}", 404),
             (f"{d}/epochs/{expected['queued']}", 404), (f"{d}/epochs/{'b' * 32}/claim.bin", 404)]
    for url, status in cases:
        r = client.get(url)
        assert r.status_code == status, url
        assert not TRACEBACK.search(r.text), url
        j = client.get(url, headers={"accept": "application/json"})
        assert j.status_code == status and j.json()["error"] == status, url


def test_while_the_service_holds_the_directory(data_dir, tmp_path):
    """The explorer takes no lock: it reads while a Store (the running service) holds the data directory."""
    from attrib.service.store import Store

    root, expected = data_dir
    store = Store(root)
    try:
        ex = Explorer(root, tmp_path / "cache.sqlite", None, refresh_s=0)
        assert ex.index.refresh().epochs == 4
        with TestClient(create_app(ex)) as c:
            assert c.get(f"/datasets/{expected['digest']}").status_code == 200
    finally:
        store.close()


def test_demo_publish(srs, tmp_path):
    """`attrib demo --explorer` writes a data directory the explorer reads (registration + epochs, all verified)."""
    import numpy as np

    from attrib.explorer.demo import publish
    from attrib.prover.attribution import Prover
    from attrib.prover.dataset import Dataset

    from attrib.verifier.recipe import Recipe

    rng = np.random.default_rng(5)
    prover = Prover(srs)
    recipe = Recipe(models=(bytes(32),), projection_library="tests", projection_method="none", projection_dimension=4,
                    quantization_bits=16, example_encoding="row index")
    reg = prover.register(Dataset(rng.integers(-1000, 1000, (32, 4)), [f"c{i % 4}" for i in range(32)],
                                  recipe=recipe, examples=[str(i).encode() for i in range(32)]))
    queries, fees = rng.integers(-1000, 1000, (8, 4)), [1000] * 8
    epoch = prover.prove(reg, queries, fees)
    dataset_id = publish(tmp_path / "data", prover, reg, epoch, queries, fees, extra_epochs=1, say=lambda *a: None)
    ex = Explorer(tmp_path / "data", None, srs.digest(), refresh_s=0, verify_in_process_pool=False)
    ex.refresh_once()
    with TestClient(create_app(ex)) as c:
        data = get_json(c, f"/datasets/{reg.manifest.digest().hex()}")
    assert data["dataset_id"] == dataset_id == "digits" and data["registration_proof"]["status"] == "verified"
    assert [e["ledger_epoch"] for e in data["epochs"]] == [1, 2]
    assert data["recipe"]["matches"] and data["recipe"]["digest"] == recipe.digest().hex()
    with TestClient(create_app(ex)) as c:
        page = c.get(f"/datasets/{reg.manifest.digest().hex()}").text
    assert 'id="recipe"' in page and "tests, none, dimension 4" in page and "pinned by the manifest" in page
    (tmp_path / "data" / "datasets" / dataset_id / "recipe.json").write_text(Recipe(projection_seed=1).to_json())
    with TestClient(create_app(ex)) as c:
        data = get_json(c, f"/datasets/{reg.manifest.digest().hex()}")
    assert data["recipe"]["matches"] is False
    assert {e["proof"]["status"] for e in data["epochs"]} == {"verified"}
    assert int(data["epochs"][0]["total_paid"]) == epoch.claim.total_paid
