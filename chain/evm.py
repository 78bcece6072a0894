"""Compile Solidity with the pinned solc-js and run it in a real EVM (pyrevm), for the contracts' tests.

``compile_solidity(sources)`` runs the npm package ``solc`` (WebAssembly, pinned in package.json)
through ``node`` on a standard-JSON input and caches the output by its input's hash;
``Chain`` wraps a ``pyrevm.EVM`` on the Cancun rules (EIP-1108 precompile prices) with
deploy/call helpers that report execution gas and calldata bytes separately.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from attrib.chain.node import REPO_ROOT, ensure_node_tools
from attrib.paths import user_cache_dir
from attrib.verifier.transcript import keccak256

EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 1_000_000
TX_BASE_GAS = 21_000

# Reads a standard-JSON input on stdin and prints the compiler's output (nothing else) on stdout.
_COMPILE_JS = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(solc.compile(input))}));
});
"""


class CompileError(RuntimeError):
    """solc reported errors."""


def solc_module(root: Path = REPO_ROOT) -> Path:
    return ensure_node_tools(root).parent / "solc"


def installed_solc_version(root: Path = REPO_ROOT) -> str:
    return json.loads((solc_module(root) / "package.json").read_text())["version"]


def cache_dir() -> Path:
    """$ATTRIB_SOLC_CACHE_DIR, else $XDG_CACHE_HOME/attrib/solc, else ~/.cache/attrib/solc."""
    return user_cache_dir("solc", "ATTRIB_SOLC_CACHE_DIR")


def standard_json(sources: dict[str, str]) -> dict:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    bytecode: bytes            # creation code
    deployed_size: int         # runtime code bytes (EIP-170 limit: 24,576)


def compile_solidity(sources: dict[str, str], use_cache: bool = True) -> dict[str, Artifact]:
    """Compile ``{file name: source}``; return every contract's artifact by contract name."""
    module = solc_module()
    version = installed_solc_version()
    text = json.dumps(standard_json(sources), sort_keys=True)
    key = hashlib.sha256(f"{version}\n{text}".encode()).hexdigest()
    cached = cache_dir() / f"{key}.json"
    if use_cache and cached.exists():
        output = json.loads(cached.read_text())
    else:
        done = subprocess.run(["node", "-e", _COMPILE_JS, str(module)], input=text, text=True,
                              capture_output=True, cwd=REPO_ROOT, timeout=600, check=False)
        if done.returncode != 0:
            raise CompileError(f"node/solc failed (exit {done.returncode}):\n{done.stderr}")
        output = json.loads(done.stdout)["output"]
        errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
        if errors:
            raise CompileError("\n".join(e["formattedMessage"] for e in errors))
        if use_cache:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(output))
            tmp.replace(cached)
    artifacts = {}
    for contracts in output["contracts"].values():
        for name, c in contracts.items():
            artifacts[name] = Artifact(name, c["abi"], bytes.fromhex(c["evm"]["bytecode"]["object"]),
                                       len(c["evm"]["deployedBytecode"]["object"]) // 2)
    return artifacts


def selector(signature: str) -> bytes:
    """The 4-byte function selector: keccak256(signature)[:4]."""
    return keccak256(signature.encode())[:4]


def encode_call(signature: str, *args) -> bytes:
    """ABI calldata for ``signature`` with arguments of the types bytes, address[], bytes32, uint256, address."""
    types = signature[signature.index("(") + 1:-1].split(",") if not signature.endswith("()") else []
    if len(types) != len(args):
        raise ValueError(f"{signature} takes {len(types)} arguments, got {len(args)}")
    head, tail = [], b""
    for kind, value in zip(types, args):
        if kind in ("bytes", "address[]"):
            head.append(None)
            if kind == "bytes":
                body = len(value).to_bytes(32, "big") + bytes(value) + bytes(-len(value) % 32)
            else:
                body = len(value).to_bytes(32, "big") + b"".join(int(a, 16).to_bytes(32, "big") for a in value)
            tail += body
            head[-1] = len(tail) - len(body)
        elif kind == "address":
            head.append(int(value, 16).to_bytes(32, "big"))
        elif kind == "bytes32":
            head.append(bytes(value).ljust(32, b"\0"))
        elif kind == "uint256":
            head.append(int(value).to_bytes(32, "big"))
        else:
            raise ValueError(f"unsupported ABI type {kind}")
    base = 32 * len(types)
    words = [h if isinstance(h, bytes) else (base + h).to_bytes(32, "big") for h in head]
    return selector(signature) + b"".join(words) + tail


def words(data: bytes) -> list[int]:
    """Return data as 32-byte words."""
    return [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]


def calldata_gas(data: bytes) -> int:
    """The calldata part of the intrinsic gas (EIP-2028): 4 per zero byte, 16 per other byte."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


@dataclass(frozen=True)
class CallResult:
    success: bool
    output: bytes
    gas_used: int            # the whole transaction's gas, intrinsic included
    execution_gas: int       # gas_used less the intrinsic 21,000 and the calldata gas
    calldata_bytes: int
    reason: str


class Chain:
    """A fresh in-memory chain (pyrevm, Cancun rules) with funded accounts."""

    DEPLOYER = "0x" + "d0" * 20

    def __init__(self) -> None:
        import pyrevm

        self.evm = pyrevm.EVM(spec_id="CANCUN")
        self.evm.set_balance(self.DEPLOYER, 10**30)

    def account(self, index: int | None, balance: int = 10**24, address: str | None = None) -> str:
        """The address 0xA000 + index (or ``address``), funded."""
        address = address or "0x" + (0xA000 + index).to_bytes(20, "big").hex()
        self.evm.set_balance(address, balance)
        return address

    def deploy(self, artifact: Artifact, constructor_args: bytes = b"") -> str:
        return self.evm.deploy(self.DEPLOYER, artifact.bytecode + constructor_args)

    def call(self, to: str, data: bytes, caller: str | None = None, value: int = 0,
             gas: int = 30_000_000) -> CallResult:
        """Execute a transaction (state changes are kept); a revert is a result, not an exception."""
        caller = caller or self.DEPLOYER
        try:
            output = bytes(self.evm.message_call(caller, to, data, value=value, gas=gas))
        except RuntimeError as exc:
            reason = str(exc)
            found = re.search(r"output: 0x([0-9a-fA-F]*)", reason)
            output = bytes.fromhex(found.group(1)) if found else b""
        else:
            reason = ""
        result = self.evm.result
        gas_used = result.gas_used
        success = result.is_success and not reason
        intrinsic = TX_BASE_GAS + calldata_gas(data)
        return CallResult(success, output, gas_used, gas_used - intrinsic, len(data), reason or result.reason)


PRECOMPILES = {5: "modexp", 6: "ecadd", 7: "ecmul", 8: "ecpairing"}


def precompile_profile(chain: Chain, to: str, data: bytes) -> dict:
    """Re-run a call with pyrevm's step trace (EIP-3155 lines on file descriptor 1, captured
    here) and count the precompile calls and their gas: {"ecmul": {"calls", "gas"}, ...,
    "ecpairing_pairs", "precompile_gas", "other_gas"} ("other": every other opcode, the
    call's own execution gas less the precompiles)."""
    import sys
    import tempfile

    checkpoint = chain.evm.snapshot()
    sys.stdout.flush()
    saved = os.dup(1)
    text = io.StringIO()          # the trace arrives on fd 1, or on sys.stdout where that is replaced (pytest)
    with tempfile.TemporaryFile(mode="w+b") as trace, contextlib.redirect_stdout(text):
        os.dup2(trace.fileno(), 1)
        try:
            chain.evm.tracing = True
            result = chain.call(to, data)
        finally:
            chain.evm.tracing = False
            os.dup2(saved, 1)
            os.close(saved)
        trace.seek(0)
        lines = trace.read().decode().splitlines() + text.getvalue().splitlines()
        steps = [json.loads(line) for line in lines if line.startswith('{"pc"')]
    chain.evm.revert(checkpoint)
    counts = {name: {"calls": 0, "gas": 0} for name in PRECOMPILES.values()}
    pairs = 0
    depth = steps[0]["depth"] if steps else 0               # the called contract's own frame
    for step, following in itertools.pairwise(steps):
        if step["opName"] == "STATICCALL" and step["depth"] == depth:
            address, args_size = int(step["stack"][-2], 16), int(step["stack"][-4], 16)
            name = PRECOMPILES.get(address)
            if name:
                counts[name]["calls"] += 1
                counts[name]["gas"] += int(step["gas"], 16) - int(following["gas"], 16)
                if name == "ecpairing":
                    pairs += args_size // 192
    precompile_gas = sum(c["gas"] for c in counts.values())
    return {**counts, "ecpairing_pairs": pairs, "precompile_gas": precompile_gas,
            "other_gas": result.execution_gas - precompile_gas}
