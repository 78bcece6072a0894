"""The Settlement contract's events, read over JSON-RPC for the explorer (``--rpc URL --deployment FILE``).

Read only: a plain web3 provider (no key: the explorer sends no transaction) and the contract's
ABI from :func:`attrib.chain.settlement.settlement_abi`.  Answers are kept for ``ttl_s`` seconds
so that a page load costs at most one round of ``eth_getLogs``; an unreachable node is reported
on the page, not raised.
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
        self._lock = threading.Lock()

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
            logs = self._logs("Withdrawn", digest=bytes.fromhex(digest_hex), contributor=index)
        except ChainError as exc:
            return [{"block": "—", "epoch": "—", "cumulative": 0, "amount": 0, "payee": f"unavailable: {exc}"}]
        return [{"block": e["blockNumber"], "epoch": int(e["args"]["epoch"]),
                 "cumulative": str(int(e["args"]["cumulative"])), "amount": str(int(e["args"]["amount"])),
                 "payee": e["args"]["payee"], "tx": e["transactionHash"].hex()} for e in logs]

    def settled(self, digest_hex: str) -> dict[int, dict] | str:
        """{ledger epoch: {block, settler, paid}} or an error message."""
        try:
            logs = self._logs("Settled", digest=bytes.fromhex(digest_hex))
        except ChainError as exc:
            return str(exc)
        return {int(e["args"]["seq"]): {"block": e["blockNumber"], "settler": e["args"]["settler"],
                                        "paid": str(int(e["args"]["paid"])), "tx": e["transactionHash"].hex()}
                for e in logs}
