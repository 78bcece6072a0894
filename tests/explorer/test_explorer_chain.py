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
