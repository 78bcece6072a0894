"""The Settlement contract's events, read over JSON-RPC for the explorer (``--rpc URL --deployment FILE``).

Read only: a plain web3 provider (no key: the explorer sends no transaction) and the contract's
ABI from :func:`attrib.chain.settlement.settlement_abi`.  Answers are kept for ``ttl_s`` seconds
so that a page load costs at most one round of ``eth_getLogs``; an unreachable node is reported
on the page, not raised.

A dataset grown by appends has a digest per version, but the contract keys every event by the
dataset's id (the digest of its segment 0).  The pages name a version's digest, so each is mapped
to its id first (``Settlement.datasetOf``; an id never changes once the version is registered, so
a found one is kept for good): an appended version's page shows the dataset's settlements and
withdrawals, those made before the append included.
"""

from __future__ import annotations

import threading
import time


class ChainError(RuntimeError):
    pass


class ChainView:
    def __init__(self, url: str, deployment_path: str, ttl_s: float = 5.0) -> None:
        from web3 import Web3

        from attrib.chain.settlement import Deployment, settlement_abi

        self.url = url
        self.deployment = Deployment.load(deployment_path)
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
        self.contract = self.w3.eth.contract(address=self.w3.to_checksum_address(self.deployment.settlement),
                                             abi=settlement_abi())
        self.ttl_s = ttl_s
        self._cache: dict = {}
        self._ids: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def dataset_id(self, digest_hex: str) -> bytes:
        """The id (segment 0's digest) of the dataset that has a version ``digest_hex``; the digest itself
        while the chain has no such version (so nothing matches yet; asked again after ``ttl_s``)."""
        digest = bytes.fromhex(digest_hex)
        with self._lock:
            if digest in self._ids:
                return self._ids[digest]
            hit = self._cache.get(("datasetOf", digest))
            if hit and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
        try:
            found = bytes(self.contract.functions.datasetOf(digest).call())
        except Exception as exc:  # noqa: BLE001 - any node failure is shown, not raised
            raise ChainError(f"{self.url}: {type(exc).__name__}: {exc}") from None
        with self._lock:
            if found != bytes(32):
                self._ids[digest] = found
                return found
            self._cache[("datasetOf", digest)] = (time.monotonic(), digest)
        return digest

    def _logs(self, event: str, **filters) -> list:
        key = (event, tuple(sorted(filters.items())))
        with self._lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
        try:
            logs = getattr(self.contract.events, event).get_logs(from_block=0, argument_filters=filters)
        except Exception as exc:  # noqa: BLE001 - any node failure is shown, not raised
            raise ChainError(f"{self.url}: {type(exc).__name__}: {exc}") from None
        with self._lock:
            self._cache[key] = (time.monotonic(), logs)
        return logs

    def withdrawals(self, digest_hex: str, index: int) -> list[dict]:
        try:
            logs = self._logs("Withdrawn", digest=self.dataset_id(digest_hex), contributor=index)
        except ChainError as exc:
            return [{"block": "—", "epoch": "—", "cumulative": 0, "amount": 0, "payee": f"unavailable: {exc}"}]
        return [{"block": e["blockNumber"], "epoch": int(e["args"]["epoch"]),
                 "cumulative": str(int(e["args"]["cumulative"])), "amount": str(int(e["args"]["amount"])),
                 "payee": e["args"]["payee"], "tx": e["transactionHash"].hex()} for e in logs]

    def settled(self, digest_hex: str) -> dict[int, dict] | str:
        """{ledger epoch: {block, settler, paid}} of the dataset with a version ``digest_hex`` (all of its
        epochs, whichever version each settled under), or an error message."""
        try:
            logs = self._logs("Settled", digest=self.dataset_id(digest_hex))
        except ChainError as exc:
            return str(exc)
        return {int(e["args"]["seq"]): {"block": e["blockNumber"], "settler": e["args"]["settler"],
                                        "paid": str(int(e["args"]["paid"])), "tx": e["transactionHash"].hex(),
                                        "version": bytes(e["args"]["version"]).hex()}
                for e in logs}
