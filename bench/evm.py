"""``python -m attrib.bench evm``: gas of the EVM verifier (AttributionVerifier) and of Settlement.settle.

For each configuration (n = log2 rows, k columns, T queries, C contributors) a random dataset
(|φ| < 2^15, σ < 2^24, N = 2^n − 2^(n−4) rows) is registered and one epoch proved with the
prover on an INSECURE dev SRS (``SRS.dev(max n, seed=1)``, cached); the generated contract is
compiled with the pinned solc-js and run in pyrevm (Cancun rules: EIP-1108 precompile prices).

Figures (exact, deterministic: ``--repeat`` does not apply):

* ``execution_gas``: the verify transaction's gas less the intrinsic 21,000 and the calldata's own
  gas (EIP-2028: 16 per non-zero byte, 4 per zero byte); ``calldata_bytes`` / ``calldata_gas``
  apart; ``tx_gas`` is the whole transaction.
* precompile calls from a step trace: ecMul, ecAdd, ecPairing (and pairs), modexp, their gas, and
  ``other_gas`` = execution gas outside the precompiles.
* ``settle_gas``: Settlement.settle for the same epoch (execution gas, storage writes included),
  on a dataset registered beforehand.

The Python verdict (``verify_attribution`` with the SRS digest pinned) is recorded next to the
contract's; a disagreement is a WRONG row.
"""

from __future__ import annotations

import time

from attrib.bench.report import log, table

DESCRIPTION = "AttributionVerifier gas (execution, calldata, precompile calls) by n, k, T, C; Settlement.settle"

TARGET = (20, 32, 1, 16)
TARGET_GAS = 450_000
# (n, k, C) datasets, each with the T values proved on it
DATASETS = [((12, 8, 4), (1, 4)), ((16, 16, 8), (1,)), ((20, 32, 16), (1, 2, 4)), ((20, 8, 64), (1,))]
QUICK_DATASETS = [((12, 8, 4), (1, 4)), ((20, 32, 16), (1,))]


def add_arguments(parser) -> None:
    parser.add_argument("--configs", metavar="n,k,C:T[+T...][;...]",
                        help="datasets and their query counts, e.g. '12,8,4:1+4;20,32,16:1' "
                             "(default: a handful including the target n=20, k=32, T=1, C=16)")
    parser.add_argument("--srs-cache", metavar="DIR", help="SRS cache directory (default: the prover's)")


def _parse_configs(text: str):
    out = []
    for part in text.split(";"):
        shape, queries = part.split(":")
        out.append((tuple(int(x) for x in shape.split(",")), tuple(int(t) for t in queries.split("+"))))
    return out


def _tools():
    """attrib.chain.evm: compile with solc-js, run in pyrevm (imported when the suite runs)."""
    from attrib.chain import evm

    return evm


def _dataset(n: int, k: int, contributors: int, seed: int):
    import numpy as np

    from attrib.prover import Dataset

    rows = (1 << n) - (1 << max(n - 4, 0))
    rng = np.random.default_rng(seed)
    features = rng.integers(-(2**15) + 1, 2**15, size=(rows, k), dtype=np.int16)
    owners = [f"contributor-{int(c)}" for c in np.sort(rng.integers(0, contributors, rows))]
    owners[:contributors] = [f"contributor-{c}" for c in range(contributors)]
    scales = rng.integers(0, 2**24, rows)
    return Dataset(features, owners, scales)


def run(args) -> dict:
    import numpy as np

    from attrib.prover import SRS, Prover
    from attrib.verifier import verify_attribution
    from attrib.verifier.evm import calldata, contract_source, settle_calldata, settlement_source

    tools = _tools()
    datasets = _parse_configs(args.configs) if args.configs else (QUICK_DATASETS if args.quick else DATASETS)
    max_n = max(shape[0] for shape, _ in datasets)
    log(f"[evm] SRS.dev({max_n}) …")
    srs = SRS.dev(max_n, seed=1, cache_dir=args.srs_cache)
    vk = srs.verifying_key
    log("[evm] compiling AttributionVerifier and Settlement with solc-js …")
    artifacts = tools.compile_solidity({"AttributionVerifier.sol": contract_source(vk),
                                        "Settlement.sol": settlement_source()})
    chain = tools.Chain()
    verifier = chain.deploy(artifacts["AttributionVerifier"])
    settlement = chain.deploy(artifacts["Settlement"], int(verifier, 16).to_bytes(32, "big"))
    payer = chain.account(1, balance=10**40)

    results = []
    prover = Prover(srs)
    for seed, ((n, k, contributors), query_counts) in enumerate(datasets):
        log(f"[evm] n={n} k={k} C={contributors}: registering …")
        t0 = time.perf_counter()
        reg = prover.register(_dataset(n, k, contributors, seed))
        register_s = time.perf_counter() - t0
        manifest = reg.manifest
        payees = ["0x" + (0xB000 + c).to_bytes(20, "big").hex() for c in range(contributors)]
        chain.call(settlement, tools.encode_call("register(bytes,address[])", manifest.to_bytes(), payees))
        rng = np.random.default_rng(1000 + seed)
        for T in query_counts:
            log(f"[evm] n={n} k={k} T={T} C={contributors}: proving …")
            queries = rng.integers(-(2**15) + 1, 2**15, size=(T, k))
            fees = [int(f) for f in rng.integers(10**15, 10**18, T)]
            t0 = time.perf_counter()
            claim, proof = prover.prove(reg, queries, fees)
            prove_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            python_verdict = verify_attribution(manifest, claim, proof, trusted_srs_digest=vk.digest())
            python_verify_s = time.perf_counter() - t0
            data = calldata(manifest, claim, proof)
            call = chain.call(verifier, data)
            verdict = call.success and call.output == bytes(31) + b"\x01"
            profile = tools.precompile_profile(chain, verifier, data)
            settle = chain.call(settlement, settle_calldata(manifest, claim, proof), caller=payer, value=sum(fees))
            results.append({
                "impl": "AttributionVerifier", "op": "verify", "n": n, "k": k, "T": T, "C": contributors,
                "rows": manifest.num_rows, "execution_gas": call.execution_gas,
                "calldata_bytes": call.calldata_bytes, "calldata_gas": tools.calldata_gas(data),
                "tx_gas": call.gas_used, "verdict": verdict, "python_verdict": python_verdict,
                "verified": verdict == python_verdict is True,
                "ecmul": profile["ecmul"]["calls"], "ecadd": profile["ecadd"]["calls"],
                "ecpairing_pairs": profile["ecpairing_pairs"], "modexp": profile["modexp"]["calls"],
                "precompile_gas": profile["precompile_gas"], "other_gas": profile["other_gas"],
                "precompiles": profile, "settle_gas": settle.execution_gas if settle.success else None,
                "prove_s": round(prove_s, 2), "register_s": round(register_s, 2),
                "python_verify_s": round(python_verify_s, 2),
            })
    notes = [f"target: n=20, k=32, T=1, C=16 at <= {TARGET_GAS:,} execution gas (calldata excluded)",
             (f"contract: {artifacts['AttributionVerifier'].deployed_size:,} bytes of runtime code; "
              f"solc-js {tools.installed_solc_version()}, evmVersion {tools.EVM_VERSION}, "
              f"optimizer runs {tools.OPTIMIZER_RUNS}"),
             "gas figures are exact and deterministic; --repeat does not apply"]
    for row in results:
        if (row["n"], row["k"], row["T"], row["C"]) == TARGET:
            notes.append(f"target row: {row['execution_gas']:,} gas "
                         f"({'within' if row['execution_gas'] <= TARGET_GAS else 'OVER'} the target)")
    warnings = [f"verdict mismatch at n={r['n']} k={r['k']} T={r['T']} C={r['C']}: contract {r['verdict']}, "
                f"Python {r['python_verdict']}" for r in results if not r["verified"]]
    return {"results": results, "notes": notes, "warnings": warnings,
            "peers": {"solc": tools.installed_solc_version(), "evm": "pyrevm (revm), Cancun"}}


def format_table(result: dict) -> str:
    headers = ["n", "k", "T", "C", "exec gas", "calldata B", "calldata gas", "ecMul", "ecAdd", "pairs",
               "precompile gas", "other gas", "settle gas", "ok"]
    rows = []
    for r in result["results"]:
        rows.append([str(r["n"]), str(r["k"]), str(r["T"]), str(r["C"]), f"{r['execution_gas']:,}",
                     f"{r['calldata_bytes']:,}", f"{r['calldata_gas']:,}", str(r["ecmul"]), str(r["ecadd"]),
                     str(r["ecpairing_pairs"]), f"{r['precompile_gas']:,}", f"{r['other_gas']:,}",
                     f"{r['settle_gas']:,}" if r["settle_gas"] is not None else "-",
                     "yes" if r["verified"] else "WRONG"])
    return table(headers, rows)
