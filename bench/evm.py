"""Suite ``evm``: gas of the on-chain protocol (Settlement with the verifiers generated per SRS), on pyrevm.

For each configuration, in one process with one dev SRS: a dataset of C contributors is registered
through ``Settlement.register`` (the RegistrationVerifier checks the manifest and the registration
proof), one epoch of T inferences is proved and settled (``Settlement.settle``: the EpochVerifier,
the fee layers, the running payout commitment; ``settle`` is the second epoch, ``settle_first`` the
first, which also pays for the first writes of the layers' balances), and one contributor withdraws its balance
(``Settlement.withdraw``: the payee's Merkle path and a balance opening).  Gas is exact (pyrevm
executes the same bytecode a chain would): ``execution`` is the transaction's gas less the
intrinsic 21,000 and the calldata gas (EIP-2028), ``calldata`` that calldata gas, ``total`` their
sum with the 21,000.  Settlement gas should be flat in C·T (only the HyperKZG opening grows, with
log₂(C·T)); registration grows linearly in C (the verifier reads and hashes every contributor id
and evaluates w̃ over the offsets).
"""

from __future__ import annotations

import json
import subprocess
import sys

from attrib.bench.report import log, table

DESCRIPTION = "gas of register / settle / withdraw on the EVM by C and T (Settlement + generated verifiers)"

# (log2 C, log2 T, log2 N): settle flat in C·T; the N = 2^20, C = T = 1024 point; withdraw to C = 2^16
FULL = [(4, 4, 12), (6, 6, 12), (8, 8, 12), (10, 10, 20), (4, 10, 12), (10, 4, 12), (12, 8, 14), (16, 4, 17)]
QUICK = [(4, 4, 12), (6, 6, 12)]
K = 32

CHILD = r"""
import json, sys
import numpy as np
from attrib.chain.evm import Chain
from attrib.chain.settlement import address_word, contracts
from attrib.prover import SRS, Dataset, Prover
from attrib.prover.attribution import required_log_n
from attrib.verifier.encoding import g1_affine
from attrib.verifier.terms import Terms, payee_path, pool_fees
from eth_abi import encode
from eth_utils import keccak

log_c, log_t, log_n, k, seed = map(int, sys.argv[1:6])
C, T, N = 1 << log_c, 1 << log_t, 1 << log_n
srs = SRS.dev(required_log_n(N, k, C, T), seed=seed)
art = contracts(srs.verifying_key)
chain = Chain()
accounts = [chain.account(i) for i in range(8)]
reg_v = chain.deploy(art["RegistrationVerifier"])
epoch_v = chain.deploy(art["EpochVerifier"])
settlement = chain.deploy(art["Settlement"], address_word(reg_v) + address_word(epoch_v))
abi = art["Settlement"].abi

def typ(e):
    return "(" + ",".join(typ(c) for c in e["components"]) + ")" + e["type"][5:] if e["type"].startswith("tuple") \
        else e["type"]

def data(name, *args):
    f = next(e for e in abi if e.get("type") == "function" and e["name"] == name)
    types = [typ(i) for i in f["inputs"]]
    return keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))

rng = np.random.default_rng(seed)
owners = np.concatenate([np.arange(C), rng.integers(0, C, N - C)])
payees = ["0x" + (0xB000 + c).to_bytes(20, "big").hex() for c in range(C)]
terms = Terms.with_payees(accounts[0], payees, accounts[1], 1500, accounts[2], 500)
ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(N, k), dtype=np.int16), [f"contributor-{o}" for o in owners],
             rng.integers(0, 2**24, N))
prover = Prover(srs)
reg = prover.register(ds, terms=terms)
out = {"C": C, "T": T, "N": N, "k": k}
r = chain.call(settlement, data("register", reg.manifest.to_bytes(), reg.proof.to_bytes()), caller=accounts[0],
               gas=1_000_000_000)
assert r.success, r.reason
out["register"] = {"execution": r.execution_gas, "calldata_bytes": r.calldata_bytes,
                   "calldata_gas": r.gas_used - r.execution_gas - 21000, "total": r.gas_used}
digest = reg.manifest.digest()
for seq, name in ((1, "settle_first"), (2, "settle")):
    queries = rng.integers(-(2**15) + 1, 2**15, size=(T, k))
    gross = [int(x) for x in rng.integers(10**12, 10**15, T)]
    ep = prover.prove(reg, queries, pool_fees(gross, terms), seq=seq)
    if seq == 1:
        epoch = ep
    r = chain.call(settlement, data("settle", digest, ep.claim.to_bytes(), ep.proof.to_bytes()),
                   caller=accounts[0], value=sum(gross))
    assert r.success, r.reason
    out[name] = {"execution": r.execution_gas, "calldata_bytes": r.calldata_bytes,
                 "calldata_gas": r.gas_used - r.execution_gas - 21000, "total": r.gas_used}
index = max(range(C), key=lambda c: epoch.payouts[c])
value, commitment, opening = prover.open_balance(reg.manifest, 1, {1: epoch.payouts}, index)
state = [*g1_affine(epoch.claim.payouts_commitment)] * 2          # R_1 = C_P of epoch 1
w = (index, 1, [], [], state, value, payees[index], payee_path(payees, reg.manifest.log_contributors, index),
     opening.to_bytes())
r = chain.call(settlement, data("withdraw", digest, w), caller=accounts[3])
assert r.success, r.reason
out["withdraw"] = {"execution": r.execution_gas, "calldata_bytes": r.calldata_bytes,
                   "calldata_gas": r.gas_used - r.execution_gas - 21000, "total": r.gas_used}
out["sizes"] = {name: a.deployed_size for name, a in art.items()}
out["srs_log_n"] = srs.max_log_n
print(json.dumps(out))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="LOGC,LOGT,LOGN",
                        help="run only these configurations (repeatable), e.g. 10,10,20")
    parser.add_argument("--seed", type=int, default=3)


def run(args) -> dict:
    configs = [tuple(int(x) for x in c.split(",")) for c in args.config] if args.config else \
        (QUICK if args.quick else FULL)
    results = []
    for log_c, log_t, log_n in configs:
        log(f"evm: C = 2^{log_c}, T = 2^{log_t}, N = 2^{log_n}, k = {K}")
        done = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_c), str(log_t), str(log_n), str(K),
                               str(args.seed)], capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"C = 2^{log_c}, T = 2^{log_t} failed:\n{done.stderr[-3000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update({"op": "gas", "n": row["C"] * row["T"], "median_s": 0.0})
        results.append(row)
        log(f"evm: register {row['register']['total']:,}, settle {row['settle']['total']:,} "
            f"(first {row['settle_first']['total']:,}), "
            f"withdraw {row['withdraw']['total']:,} gas")
    notes = ["gas is exact (pyrevm, Cancun rules, EIP-1108 precompile prices); total = 21,000 + calldata + execution"]
    notes += registration_limit(results)
    return {"results": results, "notes": notes, "params": {"configs": configs, "k": K, "seed": args.seed}}


def registration_limit(results: list[dict], limit: int = 30_000_000) -> list[str]:
    """Where registration crosses ``limit`` gas: interpolated between the measured C around it (the
    cost is convex in C, memory growing quadratically, so the straight line under-states the C)."""
    by_c = sorted({r["C"]: r["register"]["total"] for r in results}.items())
    below = [(c, g) for c, g in by_c if g <= limit]
    above = [(c, g) for c, g in by_c if g > limit]
    if not below:
        return []
    if not above:
        return [f"registration stayed under {limit:,} gas up to the largest C measured ({below[-1][0]:,})"]
    (c0, g0), (c1, g1) = below[-1], above[0]
    c = c0 + (limit - g0) * (c1 - c0) / (g1 - g0)
    return [(f"registration crosses {limit:,} gas near C ≈ {c:,.0f} (between the measured C = {c0:,}: {g0:,} "
             f"and C = {c1:,}: {g1:,}; a straight line between them, which under-states it)")]


def format_table(result: dict) -> str:
    body = []
    for r in result["results"]:
        body.append([f"2^{r['C'].bit_length() - 1}", f"2^{r['T'].bit_length() - 1}", f"2^{r['N'].bit_length() - 1}",
                     f"{r['register']['total']:,}", f"{r['register']['calldata_bytes']:,}",
                     f"{r['settle']['total']:,}", f"{r['settle_first']['total']:,}", f"{r['settle']['execution']:,}",
                     f"{r['settle']['calldata_bytes']:,}",
                     f"{r['withdraw']['total']:,}", f"{r['withdraw']['calldata_bytes']:,}"])
    return table(["C", "T", "N", "register gas", "reg. calldata B", "settle gas", "first settle", "settle exec",
                  "settle calldata B", "withdraw gas", "withdraw calldata B"], body, align="lllrrrrrrrr")
