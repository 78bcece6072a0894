"""``attrib serve`` and ``attrib remote …`` (run in-process against the module's server)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from attrib.cli import main
from attrib.service.client import ServiceError
from attrib.verifier import Claim, verify_payouts


@pytest.fixture
def remote(server, monkeypatch, capsys):
    """``remote(*args)`` → (exit code, stdout, stderr) of ``attrib remote --server ADDR *args``."""
    monkeypatch.setenv("ATTRIB_TOKEN", server.token)

    def run(*args):
        code = main(["remote", "--server", server.address, *map(str, args)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_register_prove_verify(remote, tmp_path, make_rows, make_epoch, srs):
    features, owners, scales = make_rows(300, 4, 5)
    np.savez(tmp_path / "data.npz", features=features, contributors=np.array(owners), scales=scales)
    code, out, _ = remote("register", "cli-data", tmp_path / "data.npz", "--out", tmp_path / "manifest.json")
    assert code == 0 and "registered cli-data: 300 rows × 4 columns, 5 contributors" in out
    assert json.loads((tmp_path / "manifest.json").read_text())["num_rows"] == 300

    queries, fees = make_epoch(3, 4)
    (tmp_path / "epoch.json").write_text(json.dumps({"queries": queries.tolist(), "fees": fees}))
    code, out, err = remote("prove", "cli-data", tmp_path / "epoch.json", "--out", tmp_path / "proof")
    assert code == 0 and "SUCCEEDED" in out and "SUCCEEDED" in err, (out, err)
    job_id = next(line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("job "))
    for name in ("manifest.bin", "claim.bin", "claim.json", "proof.bin", "payouts.json"):
        assert (tmp_path / "proof" / name).exists()
    claim_object = Claim.from_json((tmp_path / "proof" / "claim.json").read_text())
    payouts = [int(p) for p in json.loads((tmp_path / "proof" / "payouts.json").read_text())]
    assert claim_object.total_fees == sum(fees) and claim_object.total_paid == sum(payouts)

    files = [tmp_path / "proof" / n for n in ("manifest.bin", "claim.bin", "proof.bin")]
    assert remote("verify", *files)[:2] == (0, "VALID\n")
    assert remote("verify", tmp_path / "manifest.json", *files[1:])[:2] == (0, "VALID\n")
    claim = json.loads((tmp_path / "proof" / "claim.json").read_text())
    claim["total_paid"] = str(int(claim["total_paid"]) + 1)
    (tmp_path / "bad.json").write_text(json.dumps(claim))
    code, out, _ = remote("verify", files[0], tmp_path / "bad.json", files[2])
    assert code == 1 and out.startswith("INVALID: the proof does not check against the claim")
    code, out, _ = remote("open", job_id, "0", "2", "--out", tmp_path / "opening.bin")
    assert code == 0 and out == f"0\t{payouts[0]}\n2\t{payouts[2]}\n"
    manifest = (tmp_path / "proof" / "manifest.bin").read_bytes()
    assert verify_payouts(manifest, claim_object, [0, 2], [payouts[0], payouts[2]],
                          (tmp_path / "opening.bin").read_bytes(), trusted_srs_digest=srs.digest())
    assert not verify_payouts(manifest, claim_object, [0, 2], [payouts[0] + 1, payouts[2]],
                              (tmp_path / "opening.bin").read_bytes(), trusted_srs_digest=srs.digest())


def test_prove_without_waiting_then_watch(remote, tmp_path, make_rows, make_epoch):
    np.savez(tmp_path / "data.npz", features=make_rows(50, 2, 2)[0], contributors=np.array(["x", "y"] * 25))
    assert remote("register", "cli-watch", tmp_path / "data.npz")[0] == 0
    queries, fees = make_epoch(2, 2)
    np.savez(tmp_path / "epoch.npz", queries=queries, fees=np.array([str(f) for f in fees]))
    code, out, _ = remote("prove", "cli-watch", tmp_path / "epoch.npz", "--no-wait", "--idempotency-key", "w1")
    job_id = out.split()[1]
    assert code == 0 and out.endswith("queued\n")
    assert remote("prove", "cli-watch", tmp_path / "epoch.npz", "--no-wait", "--idempotency-key", "w1")[1] \
        == f"job {job_id} (already submitted with this idempotency key)\n"
    code, out, _ = remote("watch", job_id, "--out", tmp_path / "w")
    assert code == 0 and (tmp_path / "w" / "proof.bin").exists()
    code, out, _ = remote("list")
    assert code == 0 and "cli-watch\t50×2\t2 contributors" in out
    code, out, _ = remote("info")
    assert code == 0 and json.loads(out)["srs_max_log_n"] == 16
    code, out, _ = remote("cancel", job_id)
    assert code == 1


def test_errors_are_one_line(remote, monkeypatch, tmp_path):
    monkeypatch.delenv("ATTRIB_TOKEN")
    code, _, err = remote("list")
    assert code == 1 and err.startswith("attrib remote: error: UNAUTHENTICATED: missing bearer token")
    code, _, err = remote("register", "x", tmp_path / "absent.npz")
    assert code == 2 and "absent.npz" in err


def test_serve_needs_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ATTRIB_TOKEN", raising=False)
    assert main(["serve", "--data-dir", str(tmp_path)]) == 2
    assert "a bearer token is required ($ATTRIB_TOKEN or --token-file)" in capsys.readouterr().err


def test_serve_refuses_a_short_token_and_a_token_in_argv(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ATTRIB_TOKEN", "x" * 15)
    assert main(["serve", "--data-dir", str(tmp_path)]) == 2
    assert "is 15 bytes; at least 16 are required" in capsys.readouterr().err
    (tmp_path / "token").write_text("short\n")
    assert main(["serve", "--data-dir", str(tmp_path), "--token-file", str(tmp_path / "token")]) == 2
    assert f"--token-file {tmp_path / 'token'} is 5 bytes" in capsys.readouterr().err
    with pytest.raises(SystemExit):                 # argv would show the token to every user in `ps`
        main(["serve", "--data-dir", str(tmp_path), "--token", "x" * 32])
    assert "unrecognized arguments: --token" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "example.org"])
def test_serve_refuses_plaintext_off_loopback(host, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ATTRIB_TOKEN", "x" * 16)
    assert main(["serve", "--data-dir", str(tmp_path), "--host", host]) == 2
    assert f"--host {host} is reachable from other machines" in capsys.readouterr().err
    assert not (tmp_path / "attrib.sqlite3").exists()          # refused before anything was written


def test_plaintext_off_loopback_needs_the_explicit_flag():
    from attrib.service.config import ConfigError, ServiceConfig

    config = ServiceConfig(data_dir="d", token="x" * 16, host="0.0.0.0")
    with pytest.raises(ConfigError, match="--insecure-plaintext"):
        config.validate()
    ServiceConfig(data_dir="d", token="x" * 16, host="0.0.0.0", insecure_plaintext=True).validate()
    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"):
        ServiceConfig(data_dir="d", token="x" * 16, host=host).validate()


def test_serve_defaults_are_the_configs():
    """`attrib serve`'s option defaults and ServiceConfig's cannot disagree (they did: 2 vs the CPU count)."""
    import argparse

    from attrib.service import cli as serve_cli
    from attrib.service.config import ServiceConfig

    parser = argparse.ArgumentParser()
    serve_cli.add_arguments(parser)
    args = parser.parse_args(["--data-dir", "d"])
    renamed = {"shutdown_grace": "shutdown_grace_s", "verify_deadline": "verify_deadline_s"}
    compared = 0
    for name, value in vars(args).items():
        field = renamed.get(name, name)
        try:
            expected = ServiceConfig.default(field)
        except KeyError:
            continue
        assert value == expected, name
        compared += 1
    assert compared == 21          # every option that has a ServiceConfig field


def test_serve_reads_the_token_from_a_file(start_server, tmp_path, monkeypatch):
    token = "f" * 32
    (tmp_path / "token").write_text(token + "\n")
    server = start_server("--token-file", str(tmp_path / "token"))
    with server.client(token=token) as c:
        assert list(c.list_datasets()) == []
    with server.client() as c, pytest.raises(ServiceError, match="UNAUTHENTICATED"):   # $ATTRIB_TOKEN lost
        list(c.list_datasets())


def test_tls(start_server, tmp_path):
    """With --tls-cert/--tls-key the server speaks TLS only."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    assert "(TLS," in server.log()
    with server.client(tls_ca=cert, timeout=10) as c:
        assert c.server_info().srs_max_log_n == 16 and c.health() == "SERVING"
    from attrib.service.client import ServiceError

    with server.client(timeout=5) as plain, pytest.raises(ServiceError) as info:
        plain.server_info()
    assert info.value.code.name == "UNAVAILABLE"


def test_payout_proof_for_a_withdrawal(remote, tmp_path, make_rows, make_epoch, srs):
    """Epochs proved with --seq, then `attrib remote payout-proof` over them (one left out): the
    JSON it writes checks with verify_balance."""
    from attrib.verifier import verify_balance
    from attrib.verifier.encoding import g1_from_affine

    features, owners, scales = make_rows(120, 3, 4)
    np.savez(tmp_path / "data.npz", features=features, contributors=np.array(owners), scales=scales)
    assert remote("register", "cli-bal", tmp_path / "data.npz", "--out", tmp_path / "m.bin")[0] == 0
    jobs = []
    for epoch in (1, 2):
        queries, fees = make_epoch(3, 3, seed=epoch)
        (tmp_path / f"e{epoch}.json").write_text(json.dumps({"queries": queries.tolist(), "fees": fees}))
        code, out, _ = remote("prove", "cli-bal", tmp_path / f"e{epoch}.json", "--seq", str(epoch),
                              "--out", tmp_path / f"p{epoch}")
        assert code == 0
        jobs.append(next(line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("job ")))
    manifest = (tmp_path / "m.bin").read_bytes()
    from attrib.verifier import Manifest

    name = Manifest.from_bytes(manifest).contributors[1]
    code, _, err = remote("payout-proof", "cli-bal", jobs[0], "-", "--contributor", name,
                          "--out", tmp_path / "w.json")
    assert code == 0 and "less [2]" in err
    record = json.loads((tmp_path / "w.json").read_text())
    payouts = json.loads((tmp_path / "p1" / "payouts.json").read_text())
    assert (record["index"], record["epoch"], record["excluded"], record["ranges"], int(record["cumulative"])) == \
        (1, 2, [2], [[2, 2]], int(payouts[1]))
    assert record["dataset_id"] == Manifest.from_bytes(manifest).digest().hex()
    commitment = g1_from_affine(*(int(v, 16) for v in record["commitment"]))
    assert verify_balance(manifest, 2, record["ranges"], commitment, 1, int(record["cumulative"]),
                          bytes.fromhex(record["opening"]), trusted_srs_digest=srs.digest(),
                          dataset_id=bytes.fromhex(record["dataset_id"]))
    code, _, err = remote("payout-proof", "cli-bal", jobs[1], "--contributor", name)
    assert code != 0 and "proved epoch 2, not 1" in err
    code, _, err = remote("payout-proof", "cli-bal", jobs[0], "--contributor", "nobody")
    assert code != 0 and "no contributor 'nobody'" in err


def test_open_rows_for_an_audit(remote, tmp_path, make_rows, srs):
    from attrib.verifier import Manifest, verify_rows

    features, owners, scales = make_rows(64, 3, 4)
    np.savez(tmp_path / "data.npz", features=features, contributors=np.array(owners), scales=scales)
    assert remote("register", "cli-rows", tmp_path / "data.npz", "--out", tmp_path / "m.bin")[0] == 0
    code, out, err = remote("open-rows", "cli-rows", "2", "63", "--out", tmp_path / "rows.bin")
    assert code == 0 and "one opening of 2 rows" in err
    values = [[int(x) for x in line.split("\t")[1].split()] + [int(line.split("\t")[2].removeprefix("scale ")),
                                                                int(line.split("example ")[1], 16)]
              for line in out.splitlines()]
    manifest = Manifest.from_bytes((tmp_path / "m.bin").read_bytes())
    assert verify_rows(manifest, [2, 63], values, (tmp_path / "rows.bin").read_bytes(),
                       trusted_srs_digest=srs.digest())
    code, _, err = remote("open-rows", "cli-rows", "64")
    assert code != 0 and "rows" in err



def test_audit_against_the_service(server, monkeypatch, capsys):
    """`attrib audit` with the demo's recipe: the demo dataset as registered passes; the same dataset
    with 10 % of its rows' features negated fails, naming exactly the falsified rows it sampled."""
    pytest.importorskip("sklearn")
    from attrib.demo.recipe import _dataset
    from attrib.verifier.audit import sample_rows

    monkeypatch.setenv("ATTRIB_TOKEN", server.token)
    from attrib.prover.dataset import limbs_to_int

    ds = _dataset()
    grouped = [ds.contributors[c] for c in np.repeat(np.arange(len(ds.contributors)), np.diff(ds.offsets))]
    digests = [limbs_to_int(x) for x in ds.example_digests]
    with server.client() as client:
        client.register("audit-honest", ds.features, grouped, ds.scales, recipe=ds.recipe, example_digests=digests)
        bad = sorted(np.random.default_rng(1).choice(ds.num_rows, ds.num_rows // 10, replace=False).tolist())
        falsified = ds.features.copy()
        falsified[bad] = -falsified[bad]
        client.register("audit-falsified", falsified, grouped, ds.scales, recipe=ds.recipe, example_digests=digests)
        other = digests.copy()
        other[bad[0]] = 12345                               # registered with another example at one row
        client.register("audit-swapped", ds.features, grouped, ds.scales, recipe=ds.recipe, example_digests=other)

    def audit(dataset_id):
        code = main(["audit", "--server", server.address, "--dataset", dataset_id, "--seed", "ab" * 32,
                     "--samples", "40", "--recompute", "attrib.demo.recipe:recompute_rows"])
        return code, capsys.readouterr()

    code, (out, _) = audit("audit-honest")
    assert code == 0 and "PASSED: 0 mismatched rows" in out and "opening verified" in out
    code, (out, _) = audit("audit-falsified")
    sampled = sample_rows(bytes.fromhex("ab" * 32), ds.num_rows, 40)
    caught = sorted(set(sampled) & set(bad))
    assert caught                                          # 40 of 1,597 rows with 10 % falsified: certain here
    assert code == 1 and f"FAILED: {len(caught)} mismatched rows" in out
    assert sorted(int(line.split()[1].rstrip(":")) for line in out.splitlines() if line.startswith("  row ")) == caught
    name = ds.contributors[0]
    owned = list(range(ds.offsets[0], ds.offsets[1]))
    code = main(["audit", "--server", server.address, "--dataset", "audit-falsified", "--contributor", name,
                 "--recompute", "attrib.demo.recipe:recompute_rows"])
    out = capsys.readouterr().out
    mine = sorted(set(owned) & set(bad))
    assert f"audited {len(owned)} rows" in out and f"{len(mine)} mismatched rows of {len(owned)}" in out
    assert code == (1 if mine else 0)
    code = main(["audit", "--server", server.address, "--dataset", "audit-swapped", "--contributor",
                 ds.contributors[int(np.searchsorted(ds.offsets, bad[0], side="right")) - 1],
                 "--recompute", "attrib.demo.recipe:recompute_rows"])
    out = capsys.readouterr().out
    assert code == 1 and f"  row {bad[0]}:" in out and "FAILED: 1 mismatched rows" in out
    code = main(["audit", "--server", server.address, "--dataset", "audit-honest", "--seed", "zz",
                 "--recompute", "attrib.demo.recipe:recompute_rows"])
    assert code == 2 and "non-hexadecimal" in capsys.readouterr().err
    code = main(["audit", "--server", server.address, "--dataset", "audit-honest", "--seed", "ab",
                 "--recompute", "nowhere"])
    assert code == 2 and "MODULE:FUNCTION" in capsys.readouterr().err
