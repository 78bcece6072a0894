"""A real JSON-RPC chain: anvil (npm ``@foundry-rs/anvil``, pinned in package.json; it ships its
binary, nothing is downloaded at run time) on a loopback port, and a small web3.py client that
deploys and calls the project's contracts on any JSON-RPC endpoint with a local private key.

    with Anvil() as node:                       # node.url, node.keys (funded dev accounts)
        client = RpcClient(node.url, node.keys[0])
        address = client.deploy(artifact, constructor_args)
        receipt = client.transact(address, artifact.abi, "register", manifest, proof)
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

from attrib.chain.evm import Artifact
from attrib.chain.node import REPO_ROOT, ensure_node_tools

START_TIMEOUT_S = 60
GAS_LIMIT = 30_000_000


class ChainError(RuntimeError):
    """A transaction reverted, or the node could not be reached; the message names which and why."""


def anvil_binary(root: Path = REPO_ROOT) -> Path:
    return ensure_node_tools(root) / "anvil"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Anvil:
    """An anvil node on 127.0.0.1 for the life of a ``with`` block: ``url`` and ``keys`` (its ten
    funded development accounts' private keys, read from its --config-out file)."""

    def __init__(self, port: int | None = None, accounts: int = 10, gas_limit: int = GAS_LIMIT) -> None:
        self.port = port or free_port()
        self.accounts = accounts
        self.gas_limit = gas_limit
        self.process: subprocess.Popen | None = None
        self.keys: list[str] = []
        self._dir = tempfile.TemporaryDirectory(prefix="attrib-anvil-")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        config = Path(self._dir.name) / "anvil.json"
        self._log = log = open(Path(self._dir.name) / "anvil.log", "w")  # closed in __exit__
        self.process = subprocess.Popen(
            [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port), "--accounts", str(self.accounts),
             "--gas-limit", str(self.gas_limit), "--config-out", str(config), "--hardfork", "cancun"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self._dir.name)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ChainError(f"anvil exited with {self.process.returncode}: "
                                 f"{(Path(self._dir.name) / 'anvil.log').read_text()[-2000:]}")
            if config.exists() and _answers(self.url):
                self.keys = json.loads(config.read_text())["private_keys"]
                return self
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise ChainError(f"anvil did not answer on {self.url} within {START_TIMEOUT_S} s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "_log", None):
            self._log.close()
        self._dir.cleanup()


def _answers(url: str) -> bool:
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}),
                                    timeout=1) as reply:
            return "result" in json.loads(reply.read())
    except OSError:
        return False


class RpcClient:
    """Deploy and call contracts over JSON-RPC, signing locally with one private key."""

    def __init__(self, url: str, private_key: str) -> None:
        from eth_account import Account
        from web3 import Web3

        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        if not self.w3.is_connected():
            raise ChainError(f"no JSON-RPC node answers at {url}")
        self.account = Account.from_key(private_key)
        self.address = self.account.address
        self.chain_id = self.w3.eth.chain_id

    def _send(self, tx: dict, abi: list | None = None):
        tx = {"from": self.address, "nonce": self.w3.eth.get_transaction_count(self.address),
              "chainId": self.chain_id, **tx}
        try:
            tx.setdefault("gas", int(self.w3.eth.estimate_gas(tx) * 1.2) + 50_000)
        except Exception as exc:  # noqa: BLE001 - the node's revert reason, whatever its class
            raise ChainError(f"the transaction would revert: {_reason(exc, abi)}") from None
        tx.setdefault("gasPrice", self.w3.eth.gas_price)
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if receipt.status != 1:
            raise ChainError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def deploy(self, artifact: Artifact, constructor_args: bytes = b"") -> str:
        receipt = self._send({"data": "0x" + (artifact.bytecode + constructor_args).hex()})
        return receipt.contractAddress

    def contract(self, address: str, abi: list):
        return self.w3.eth.contract(address=self.w3.to_checksum_address(address), abi=abi)

    def transact(self, address: str, abi: list, function: str, *args, value: int = 0):
        """Send a transaction calling ``function(*args)``; the receipt (ChainError with the reason on a revert)."""
        data = self.contract(address, abi).encode_abi(function, args=list(args))
        return self._send({"to": self.w3.to_checksum_address(address), "data": data, "value": value}, abi)

    def call(self, address: str, abi: list, function: str, *args):
        fn = getattr(self.contract(address, abi).functions, function)
        try:
            return fn(*args).call({"from": self.address})
        except Exception as exc:  # noqa: BLE001
            raise ChainError(f"{function} reverted: {_reason(exc, abi)}") from None

    def events(self, address: str, abi: list, name: str, receipt) -> list[dict]:
        event = getattr(self.contract(address, abi).events, name)()
        return [dict(e["args"]) for e in event.process_receipt(receipt)]


class RpcChain:
    """attrib.chain.evm.Chain's interface (account, deploy, call -> CallResult) on a JSON-RPC development node
    that impersonates accounts (anvil): every call is a mined transaction, its gas the receipt's.

    Gas measured here is what a chain charges: each transaction starts with cold accounts and storage slots
    (EIP-2929) and prices SSTORE by the slot's value at its start (EIP-2200/3529).  pyrevm's Chain keeps one
    journal across its calls, so slots a previous call touched stay warm there and later calls are charged
    less; the gas benchmark (attrib.bench.evm) measures here for that reason."""

    DEPLOYER = "0x" + "d0" * 20

    def __init__(self, url: str) -> None:
        from web3 import Web3

        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 600}))
        if not self.w3.is_connected():
            raise ChainError(f"no JSON-RPC node answers at {url}")
        self.account(None, 10**30, address=self.DEPLOYER)

    def _rpc(self, method: str, *params):
        reply = self.w3.provider.make_request(method, list(params))
        if "error" in reply:
            raise ChainError(f"{method}: {reply['error']}")
        return reply.get("result")

    def account(self, index: int | None, balance: int = 10**24, address: str | None = None) -> str:
        """Chain.account's address 0xA000 + index (or ``address``), funded and impersonated."""
        address = address or "0x" + (0xA000 + index).to_bytes(20, "big").hex()
        self._rpc("anvil_setBalance", address, hex(balance))
        self._rpc("anvil_impersonateAccount", address)
        return address

    def _send(self, tx: dict):
        tx = {"from": self.w3.to_checksum_address(tx.pop("from")), **tx}
        tx_hash = self.w3.eth.send_transaction(tx)
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=600)

    def deploy(self, artifact: Artifact, constructor_args: bytes = b"") -> str:
        receipt = self._send({"from": self.DEPLOYER, "data": "0x" + (artifact.bytecode + constructor_args).hex(),
                              "gas": 30_000_000})
        if receipt.status != 1:
            raise ChainError(f"deploying {artifact.name} reverted")
        return receipt.contractAddress

    def call(self, to: str, data: bytes, caller: str | None = None, value: int = 0, gas: int = 30_000_000):
        """Mine one transaction; its CallResult (the output is an eth_call's on the state before it)."""
        from attrib.chain.evm import TX_BASE_GAS, CallResult, calldata_gas

        tx = {"from": caller or self.DEPLOYER, "to": self.w3.to_checksum_address(to), "data": "0x" + bytes(data).hex(),
              "value": value, "gas": gas}
        reason = ""
        try:
            output = bytes(self.w3.eth.call(dict(tx, **{"from": self.w3.to_checksum_address(tx["from"])})))
        except Exception as exc:  # noqa: BLE001 - the node's revert, whatever its class
            output, reason = b"", _reason(exc)
        receipt = self._send(dict(tx))
        success = receipt.status == 1
        intrinsic = TX_BASE_GAS + calldata_gas(data)
        return CallResult(success, output, receipt.gasUsed, receipt.gasUsed - intrinsic, len(data),
                          "" if success else (reason or "reverted"))


def _reason(exc: Exception, abi: list | None = None) -> str:
    """The revert's custom error by name (with its arguments) when the ABI declares it, else the text."""
    import re

    text = " ".join(str(a) for a in getattr(exc, "args", ())) or str(exc)
    found = re.search(r"0x([0-9a-fA-F]{8})([0-9a-fA-F]*)", text)
    if found and abi:
        from eth_abi import decode
        from eth_utils import keccak

        for entry in abi:
            if entry.get("type") != "error":
                continue
            types = [i["type"] for i in entry.get("inputs", [])]
            if keccak(text=f"{entry['name']}({','.join(types)})")[:4].hex() == found.group(1).lower():
                try:
                    values = decode(types, bytes.fromhex(found.group(2))) if types else ()
                except Exception:  # noqa: BLE001 - a short payload: name the error alone
                    values = ()
                return f"{entry['name']}({', '.join(map(str, values))})"
    return text if len(text) < 600 else text[:600] + "…"
