"""The whole flow on a real JSON-RPC chain from the command line: anvil (npm, pinned) on a loopback
port, then ``attrib chain deploy | register | append | settle | withdraw | status`` as a user types them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from node_tools import require_node_tools


def attrib(*args, cwd) -> str:
    done = subprocess.run([sys.executable, "-m", "attrib", "chain", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"attrib chain {args[0]} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_whole_flow_on_anvil(tmp_path):
    require_node_tools()
    pytest.importorskip("web3")
    from attrib.chain.rpc import Anvil, RpcClient
    from attrib.chain.settlement import Deployment, settlement_abi

    rng = np.random.default_rng(2)
    contributors = [f"alice-{i}" for i in range(5)]
    rows = 40
    np.savez(tmp_path / "data.npz", features=rng.integers(-2**15 + 1, 2**15, size=(rows, 4)),
             contributors=np.array([contributors[r % 5] for r in range(rows)]), scales=rng.integers(1, 2**20, rows))
    (tmp_path / "epoch.json").write_text(json.dumps({
        "queries": rng.integers(-2**15 + 1, 2**15, size=(7, 4)).tolist(),
        "fees": [10**15 + 7 * t for t in range(7)]}))
    with Anvil() as node:
        owner, settler_key = node.keys[0], node.keys[1]
        accounts = [RpcClient(node.url, key).address for key in node.keys]
        payees = {name: accounts[5 + i % 5] for i, name in enumerate(contributors)}
        (tmp_path / "payees.json").write_text(json.dumps(payees))
        rpc = ["--rpc", node.url]
        out = attrib("deploy", *rpc, "--key", owner, "--out", "deployment.json", cwd=tmp_path)
        assert "Settlement" in out
        out = attrib("register", *rpc, "--key", owner, "--deployment", "deployment.json", "--dataset", "data.npz",
                     "--payees", "payees.json", "--out", "reg", "--model-owner", accounts[2], "--model-share-bp",
                     "1500", "--platform", accounts[3], "--platform-share-bp", "500", cwd=tmp_path)
        assert "registered" in out
        for _ in range(2):
            out = attrib("settle", *rpc, "--key", owner, "--deployment", "deployment.json", "--registration", "reg",
                         "--epoch", "epoch.json", cwd=tmp_path)
            assert "settled epoch" in out
        client = RpcClient(node.url, settler_key)
        deployment = Deployment.load(tmp_path / "deployment.json")
        before = client.w3.eth.get_balance(payees["alice-3"])
        out = attrib("withdraw", *rpc, "--key", settler_key, "--deployment", "deployment.json", "--registration",
                     "reg", "--contributor", "alice-3", cwd=tmp_path)
        earned = sum(int(json.loads((tmp_path / "reg" / "epochs" / str(e) / "payouts.json").read_text())[3])
                     for e in (1, 2))
        assert client.w3.eth.get_balance(payees["alice-3"]) - before == earned > 0
        assert f"{earned:,} wei" in out
        out = attrib("status", *rpc, "--deployment", "deployment.json", "--registration", "reg", cwd=tmp_path)
        assert "2 epochs settled" in out and f"withdrawn {earned:,}" in out
        # the model owner's layer is owed on chain, exactly its share of the gross
        from attrib.verifier.terms import Terms, split_fees

        gross = sum(json.loads((tmp_path / "epoch.json").read_text())["fees"])
        terms = Terms(model_owner=1, model_share_bp=1500, platform=1, platform_share_bp=500)
        owed = client.call(deployment.settlement, settlement_abi(), "owed", accounts[2])
        assert owed == 2 * split_fees(gross, terms)[0]
        # a stranger settling, and a second withdrawal of the same balance, are refused with their reasons
        failed = subprocess.run([sys.executable, "-m", "attrib", "chain", "settle", *rpc, "--key", node.keys[9],
                                 "--deployment", "deployment.json", "--registration", "reg", "--epoch", "epoch.json"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
        assert failed.returncode == 1 and "NotSettler" in failed.stderr
        failed = subprocess.run([sys.executable, "-m", "attrib", "chain", "withdraw", *rpc, "--key", settler_key,
                                 "--deployment", "deployment.json", "--registration", "reg", "--contributor",
                                 "alice-3"], cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
        assert failed.returncode == 1 and "NothingToWithdraw" in failed.stderr


def test_a_dataset_grown_by_an_append_on_anvil(tmp_path):
    """``attrib chain append``: a registered dataset grows by a segment (returning and new contributors);
    epochs then settle against the new version only, a new contributor withdraws through its segment's
    payee root and an old one through segment 0's, over epochs before and after the append."""
    require_node_tools()
    pytest.importorskip("web3")
    from attrib.chain.rpc import Anvil, RpcClient

    rng = np.random.default_rng(3)
    first = [f"alice-{i}" for i in range(4)]
    np.savez(tmp_path / "data.npz", features=rng.integers(-2**15 + 1, 2**15, size=(24, 4)),
             contributors=np.array([first[r % 4] for r in range(24)]), scales=rng.integers(1, 2**20, 24))
    more = ["alice-2", "bob-0", "bob-1"]
    np.savez(tmp_path / "more.npz", features=rng.integers(-2**15 + 1, 2**15, size=(15, 4)),
             contributors=np.array([more[r % 3] for r in range(15)]), scales=rng.integers(1, 2**20, 15))
    (tmp_path / "epoch.json").write_text(json.dumps({
        "queries": rng.integers(-2**15 + 1, 2**15, size=(5, 4)).tolist(), "fees": [10**15 + t for t in range(5)]}))
    with Anvil() as node:
        owner = node.keys[0]
        accounts = [RpcClient(node.url, key).address for key in node.keys]
        (tmp_path / "payees.json").write_text(json.dumps({name: accounts[3 + i] for i, name in enumerate(first)}))
        (tmp_path / "more-payees.json").write_text(json.dumps({"bob-0": accounts[7], "bob-1": accounts[8]}))
        common = ["--rpc", node.url, "--key", owner, "--deployment", "deployment.json"]
        attrib("deploy", "--rpc", node.url, "--key", owner, "--out", "deployment.json", cwd=tmp_path)
        attrib("register", *common, "--dataset", "data.npz", "--payees", "payees.json", "--out", "reg", cwd=tmp_path)
        attrib("settle", *common, "--registration", "reg", "--epoch", "epoch.json", cwd=tmp_path)
        out = attrib("append", *common, "--registration", "reg", "--dataset", "more.npz", "--payees",
                     "more-payees.json", "--out", "reg2", cwd=tmp_path)
        assert "appended segment 1" in out and "1 returning and 2 new contributors, C = 6" in out
        # the old folder is no longer the current version: neither settles nor appends
        for args in (["settle", *common, "--registration", "reg", "--epoch", "epoch.json"],
                     ["append", *common, "--registration", "reg", "--dataset", "more.npz", "--payees",
                      "more-payees.json", "--out", "reg3"]):
            failed = subprocess.run([sys.executable, "-m", "attrib", "chain", *args], cwd=tmp_path,
                                    capture_output=True, text=True, timeout=600, check=False)
            assert failed.returncode == 1 and "current version" in failed.stderr, failed.stderr[-2000:]
        attrib("settle", *common, "--registration", "reg2", "--epoch", "epoch.json", cwd=tmp_path)
        payouts = {e: [int(v) for v in json.loads((tmp_path / "reg2" / "epochs" / str(e) / "payouts.json").read_text())]
                   for e in (1, 2)}
        assert (len(payouts[1]), len(payouts[2])) == (4, 6)
        client = RpcClient(node.url, node.keys[9])
        for name, index, earned in (("bob-1", 5, payouts[2][5]), ("alice-1", 1, payouts[1][1] + payouts[2][1])):
            payee = accounts[8] if name == "bob-1" else accounts[4]
            before = client.w3.eth.get_balance(payee)
            out = attrib("withdraw", "--rpc", node.url, "--key", node.keys[9], "--deployment", "deployment.json",
                         "--registration", "reg2", "--contributor", name, cwd=tmp_path)
            assert f"(index {index})" in out
            assert client.w3.eth.get_balance(payee) - before == earned > 0
        # epoch 1 left out (as if its sidecar were withheld): a range of one epoch; it stays claimable later
        payee = accounts[5]
        before = client.w3.eth.get_balance(payee)
        out = attrib("withdraw", "--rpc", node.url, "--key", node.keys[9], "--deployment", "deployment.json",
                     "--registration", "reg2", "--contributor", "alice-2", "--exclude", "1", cwd=tmp_path)
        assert "leaving out epochs 1:" in out and client.w3.eth.get_balance(payee) - before == payouts[2][2] > 0
        before = client.w3.eth.get_balance(payee)
        attrib("withdraw", "--rpc", node.url, "--key", node.keys[9], "--deployment", "deployment.json",
               "--registration", "reg2", "--contributor", "alice-2", cwd=tmp_path)
        assert client.w3.eth.get_balance(payee) - before == payouts[1][2] > 0
        out = attrib("status", "--rpc", node.url, "--deployment", "deployment.json", "--registration", "reg2",
                     cwd=tmp_path)
        assert "6 contributors, segment 1 (current), 2 epochs settled" in out and "bob-1" in out
