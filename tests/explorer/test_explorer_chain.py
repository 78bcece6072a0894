"""The explorer with a real chain (anvil): a dataset registered and two epochs settled through the
Settlement contract from a service data directory, a withdrawal, then the explorer's dataset and
contributor pages (and their JSON) show the settlements and the withdrawal as the chain's events say."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from node_tools import require_node_tools
from starlette.testclient import TestClient

from attrib.explorer.app import Explorer, create_app
from attrib.prover import Dataset, Prover
from attrib.service.store import SUCCEEDED, Store
from attrib.service.worker import prove_job


def test_settlements_and_withdrawals_on_the_pages(tmp_path, srs):
    require_node_tools()
    pytest.importorskip("web3")
    from attrib.chain.rpc import Anvil, RpcClient
    from attrib.chain.settlement import deploy, register, settle, withdraw
    from attrib.explorer.chain import ChainView
    from attrib.verifier import Claim, Proof
    from attrib.verifier.terms import Terms, pool_fees

    rng = np.random.default_rng(5)
    rows, contributors = 40, 5
    with Anvil() as node:
        owner = RpcClient(node.url, node.keys[0])
        payees = [RpcClient(node.url, key).address for key in node.keys[4:4 + contributors]]
        terms = Terms.with_payees(owner.address, payees)
        prover = Prover(srs)
        reg = prover.register(Dataset(rng.integers(-2**15 + 1, 2**15, size=(rows, 3)),
                                      [f"c{r % contributors}" for r in range(rows)], rng.integers(1, 2**20, rows)),
                              terms=terms)
        store = Store(tmp_path / "data")
        staged = store.new_staging_dir()
        reg.save(staged)
        store.add_dataset(staged, "onchain", reg.manifest.to_bytes(), reg.manifest.digest(), rows, 3, contributors,
                          True)
        deployment, _ = deploy(owner, srs.verifying_key)
        register(owner, deployment, reg.manifest, reg.proof)
        payouts = {}
        for epoch in (1, 2):
            gross = [int(x) for x in rng.integers(10**12, 10**13, 4)]
            job = store.add_job("onchain", rng.integers(-2**15 + 1, 2**15, size=(4, 3)), pool_fees(gross, terms),
                                None, hashlib.sha256(bytes([epoch])).digest(), epoch)
            store.claim_job(job.job_id)
            prove_job(prover, store.dataset_dir("onchain"), store.job_dir(job.job_id), list(job.fees), epoch)
            store.finish_job(job.job_id, SUCCEEDED)
            claim, proof, payouts[epoch] = store.read_result(job.job_id)
            settle(owner, deployment, Claim.from_bytes(claim), Proof.from_bytes(proof), sum(gross))
        index = max(range(contributors), key=lambda c: payouts[1][c] + payouts[2][c])
        withdraw(owner, deployment, prover, reg.manifest, 2, payouts, index, payees)
        store.close()
        path = tmp_path / "deployment.json"
        deployment.save(path)

        explorer = Explorer(tmp_path / "data", tmp_path / "cache.sqlite", srs.digest(),
                            chain=ChainView(node.url, str(path)), refresh_s=0, verify_in_process_pool=False)
        explorer.refresh_once()
        digest = reg.manifest.digest().hex()
        with TestClient(create_app(explorer), raise_server_exceptions=False) as client:
            page = client.get(f"/datasets/{digest}", headers={"accept": "application/json"})
            assert page.status_code == 200, page.text
            assert page.json()["chain"] == {"settled_epochs": [1, 2]}
            assert all(e["settled"] is not None for e in page.json()["epochs"])
            page = client.get(f"/datasets/{digest}/contributors/{index}", headers={"accept": "application/json"})
            assert page.status_code == 200, page.text
            (w,) = page.json()["withdrawals"]
            assert (w["epoch"], int(w["amount"]), int(w["cumulative"])) == \
                (2, payouts[1][index] + payouts[2][index], payouts[1][index] + payouts[2][index])
            assert w["payee"].lower() == payees[index].lower()
            html = client.get(f"/datasets/{digest}/contributors/{index}").text
            assert f"{payouts[1][index] + payouts[2][index]:,}" in html


def test_an_appended_versions_page_shows_the_datasets_events(tmp_path, srs):
    """The contract keys every event by the dataset's id (its segment 0's digest), the pages by a version's
    digest: the page of a version appended after a settlement and a withdrawal shows them (datasetOf maps
    the version to the id), with the epoch settled under the new version, and so does the first version's."""
    require_node_tools()
    pytest.importorskip("web3")
    from attrib.chain.rpc import Anvil, RpcClient
    from attrib.chain.settlement import append, deploy, register, settle, withdraw
    from attrib.explorer.chain import ChainView
    from attrib.verifier import Claim, Proof
    from attrib.verifier.terms import Terms, pool_fees

    rng = np.random.default_rng(7)
    with Anvil() as node:
        owner = RpcClient(node.url, node.keys[0])
        accounts = [RpcClient(node.url, key).address for key in node.keys]
        prover = Prover(srs)
        first = [f"c{i}" for i in range(4)]
        v0 = prover.register(Dataset(rng.integers(-2**15 + 1, 2**15, size=(24, 3)), [first[r % 4] for r in range(24)],
                                     rng.integers(1, 2**20, 24)), terms=Terms.with_payees(owner.address, accounts[4:8]))
        more = ["c1", "n0", "n1"]
        v1 = prover.append(v0, Dataset(rng.integers(-2**15 + 1, 2**15, size=(12, 3)), [more[r % 3] for r in range(12)],
                                       rng.integers(1, 2**20, 12)),
                           Terms.with_payees(owner.address, accounts[8:10], base=4))
        assert v1.manifest.digest() != v0.manifest.digest()
        store = Store(tmp_path / "data")
        for name, reg in (("v0", v0), ("v1", v1)):
            staged = store.new_staging_dir()
            reg.save(staged)
            store.add_dataset(staged, name, reg.manifest.to_bytes(), reg.manifest.digest(), reg.manifest.num_rows, 3,
                              reg.manifest.num_contributors, True)
        deployment, _ = deploy(owner, srs.verifying_key)
        register(owner, deployment, v0.manifest, v0.proof)

        def settle_job(name, reg, epoch):
            gross = [int(x) for x in rng.integers(10**12, 10**13, 4)]
            job = store.add_job(name, rng.integers(-2**15 + 1, 2**15, size=(4, 3)), pool_fees(gross, reg.manifest.terms),
                                None, hashlib.sha256(bytes([epoch, 7])).digest(), epoch)
            store.claim_job(job.job_id)
            prove_job(prover, store.dataset_dir(name), store.job_dir(job.job_id), list(job.fees), epoch)
            store.finish_job(job.job_id, SUCCEEDED)
            claim, proof, payouts = store.read_result(job.job_id)
            settle(owner, deployment, Claim.from_bytes(claim), Proof.from_bytes(proof), sum(gross))
            return payouts

        payouts1 = settle_job("v0", v0, 1)
        index = max(range(4), key=lambda c: payouts1[c])
        withdraw(owner, deployment, prover, v0.manifest, 1, {1: payouts1}, index, accounts[4:8])
        append(owner, deployment, v1.manifest, v1.proof)
        settle_job("v1", v1, 2)
        store.close()
        path = tmp_path / "deployment.json"
        deployment.save(path)

        view = ChainView(node.url, str(path))
        assert view.dataset_id(v1.manifest.digest().hex()) == v0.manifest.digest()
        assert view.dataset_id(v0.manifest.digest().hex()) == v0.manifest.digest()
        assert view.dataset_id("ab" * 32) == bytes([0xab]) * 32             # no such version: nothing matches
        explorer = Explorer(tmp_path / "data", tmp_path / "cache.sqlite", srs.digest(), chain=view, refresh_s=0,
                            verify_in_process_pool=False)
        explorer.refresh_once()
        with TestClient(create_app(explorer), raise_server_exceptions=False) as client:
            for reg, epoch in ((v0, 1), (v1, 2)):
                digest = reg.manifest.digest().hex()
                page = client.get(f"/datasets/{digest}", headers={"accept": "application/json"})
                assert page.status_code == 200, page.text
                assert page.json()["chain"] == {"settled_epochs": [1, 2]}, digest
                (row,) = page.json()["epochs"]
                assert row["ledger_epoch"] == epoch and row["settled"]["version"] == digest
                page = client.get(f"/datasets/{digest}/contributors/{index}", headers={"accept": "application/json"})
                assert page.status_code == 200, page.text
                (w,) = page.json()["withdrawals"]
                assert (w["epoch"], int(w["amount"])) == (1, payouts1[index])
