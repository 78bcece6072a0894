"""Suite ``evm``: gas of the on-chain protocol (Settlement with the verifiers generated per SRS), on anvil.

For each configuration, in one process with one dev SRS: a dataset of C contributors is registered
through ``Settlement.register`` (the RegistrationVerifier checks the manifest and the registration
proof), one epoch of T inferences is proved and settled (``Settlement.settle``: the EpochVerifier,
the fee layers, the running payout commitment; ``settle`` is the second epoch, ``settle_first`` the
first, which also pays for the first writes of the layers' balances), and two contributors withdraw their
balances (``Settlement.withdraw``: the payee's Merkle path and a balance opening): ``withdraw`` sent by another
account to a payee address the chain has never seen (the EVM charges 25,000 gas more for the transfer that
creates it), ``withdraw_own`` sent by the payee itself.  Gas is exact: every transaction is mined by anvil (a
real node: each starts with cold accounts and slots, as on a chain; ``--chain pyrevm`` is faster but keeps
slots warm from one call to the next, so it under-counts storage), and a dataset of more than
8,192 contributors goes on chain as segments of 4,096 (a node refuses requests of a few MB; its one-transaction
registration is measured on pyrevm, a fresh contract, for where registration crosses 30 M gas).  ``execution`` is the transaction's gas less the
intrinsic 21,000 and the calldata gas (EIP-2028), ``calldata`` that calldata gas, ``total`` their
sum with the 21,000.  Settlement gas should be flat in C·T (only the radix-8 opening grows, with
log₂(C·T)); registration grows linearly in C (the verifier reads and hashes every contributor id
and evaluates w̃ over the offsets).

With ``--breakdown`` each configuration also splits the gas of the verifier calls inside ``settle`` and
``withdraw`` (``verifyEpoch`` of the second epoch, ``verifyBalance`` of the withdrawal, called directly on the
EpochVerifier and re-run with pyrevm's step trace: attrib.chain.evm.precompile_profile): the ecMul, ecAdd,
pairing and modexp calls and their gas, and the rest of the verifier's execution; the Settlement's own part
is the transaction's execution less the verifier call's.  Tracing costs about a minute per settle, so it is
off by default.

Registration in segments (``--segments LOGCS,LOGC``): a dataset registered as a segment of C_s =
2^LOGCS contributors and grown by appends (``Settlement.append``) of C_s new contributors each (and
8 returning owners with a row each) until C = 2^LOGC; the gas of every step.  An append costs what
a registration of its own segment does, plus a little for the dataset's larger mC (its sum-check
and opening have mC + mk variables): flat in the C the dataset already has.  So the largest C
reachable within 30 M gas per transaction is not bounded by the registration's gas but by the
protocol's C ≤ 2^16 (MAX_CONTRIBUTORS), as long as one segment fits: the notes give the largest
segment that does (a straight line through the measured segment sizes' largest append).
"""

from __future__ import annotations

import json
import subprocess
import sys

from attrib.bench.report import log, table

DESCRIPTION = "gas of register / settle / withdraw on the EVM by C and T (Settlement + generated verifiers)"

# (log2 C, log2 T, log2 N): settle flat in C·T; the N = 2^20, C = T = 1024 point; C and T to 2^16
FULL = [(4, 4, 12), (6, 6, 12), (8, 8, 12), (10, 10, 20), (4, 10, 12), (10, 4, 12), (12, 8, 14), (13, 4, 14),
        (14, 4, 15), (16, 4, 17), (4, 16, 12)]
QUICK = [(4, 4, 12), (6, 6, 12)]
K = 32
# (log2 C_s, log2 C): segments of C_s new contributors up to C (the protocol's bound, C = 2^16, in full)
SEGMENTS_FULL = [(10, 16), (12, 16)]
SEGMENTS_QUICK = [(4, 6)]
RETURNING = 8                  # returning owners in every append (a row each)
BLOCK_GAS = 30_000_000

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

BLOCK_LIMIT = 2_000_000_000
SINGLE_MAX = 8192               # on a node, larger datasets (a request of over 2 MB) register as segments
SEGMENT = 4096                  # of this many contributors
log_c, log_t, log_n, k, seed, breakdown = map(int, sys.argv[1:7])
backend = sys.argv[7]
C, T, N = 1 << log_c, 1 << log_t, 1 << log_n
srs = SRS.dev(required_log_n(N, k, C, T), seed=seed)
art = contracts(srs.verifying_key)
if backend == "anvil":
    from attrib.chain.rpc import Anvil, RpcChain
    node = Anvil(gas_limit=BLOCK_LIMIT).__enter__()
    chain = RpcChain(node.url)
else:
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

def gas_of(r):                  # a transaction's gas: its execution, calldata (bytes and gas) and total
    assert r.success, r.reason
    return {"execution": r.execution_gas, "calldata_bytes": r.calldata_bytes,
            "calldata_gas": r.gas_used - r.execution_gas - 21000, "total": r.gas_used}


rng = np.random.default_rng(seed)
owners = np.concatenate([np.arange(C), rng.integers(0, C, N - C)])
payees = ["0x" + (0xB000 + c).to_bytes(20, "big").hex() for c in range(C)]
terms = Terms.with_payees(accounts[0], payees, accounts[1], 1500, accounts[2], 500)
names = [f"contributor-{o}" for o in owners]
feats, scales = rng.integers(-(2**15) + 1, 2**15, size=(N, k), dtype=np.int16), rng.integers(0, 2**24, N)
ds = Dataset(feats, names, scales)
prover = Prover(srs)
out = {"C": C, "T": T, "N": N, "k": k}
if C <= SINGLE_MAX or backend == "pyrevm":
    reg = prover.register(ds, terms=terms)
    r = chain.call(settlement, data("register", reg.manifest.to_bytes(), reg.proof.to_bytes()), caller=accounts[0],
                   gas=1_000_000_000)
    out["register"] = gas_of(r)
else:
    # a node takes requests of a few MB: the dataset goes on chain as segments of SEGMENT contributors (each
    # with its own rows), grown by appends; the single-transaction registration is in the pyrevm run
    reg, steps = None, []
    by_owner = {}
    for row, o in enumerate(owners):
        by_owner.setdefault(int(o), []).append(row)
    for s in range(C // SEGMENT):
        lo, hi = s * SEGMENT, (s + 1) * SEGMENT
        rows = [row for c in range(lo, hi) for row in by_owner[c]]
        part = Dataset(feats[rows], [names[row] for row in rows], scales[rows])
        seg_terms = Terms.with_payees(accounts[0], payees[lo:hi], accounts[1], 1500, accounts[2], 500, base=lo)
        reg = prover.append(reg, part, seg_terms) if s else prover.register(part, terms=seg_terms)
        if s == 0:
            first_digest = reg.manifest.digest()                  # the dataset's id
        r = chain.call(settlement, data("append" if s else "register", reg.manifest.to_bytes(), reg.proof.to_bytes()),
                       caller=accounts[0], gas=1_000_000_000)
        assert r.success, r.reason
        steps.append(r.gas_used)
    out["register"] = None
    out["register_segments"] = {"segment": SEGMENT, "count": len(steps), "largest": max(steps), "total": sum(steps)}
    # the one-transaction registration, on pyrevm (a fresh contract: its slots are first written here, so
    # pyrevm's warm-slot error does not arise): for where registration crosses the block limit
    single = Chain()
    single_s = single.deploy(art["Settlement"], address_word(single.deploy(art["RegistrationVerifier"]))
                             + address_word(single.deploy(art["EpochVerifier"])))
    whole = prover.register(ds, terms=terms)
    r = single.call(single_s, data("register", whole.manifest.to_bytes(), whole.proof.to_bytes()), caller=accounts[0],
                    gas=1_000_000_000)
    out["register_pyrevm"] = gas_of(r)
digest = first_digest if "register_segments" in out else reg.manifest.digest()
for seq, name in ((1, "settle_first"), (2, "settle")):
    queries = rng.integers(-(2**15) + 1, 2**15, size=(T, k))
    gross = [int(x) for x in rng.integers(10**12, 10**15, T)]
    ep = prover.prove(reg, queries, pool_fees(gross, terms), seq=seq)
    if seq == 1:
        epoch = ep
    r = chain.call(settlement, data("settle", digest, ep.claim.to_bytes(), ep.proof.to_bytes()),
                   caller=accounts[0], value=sum(gross))
    out[name] = gas_of(r)
    last_epoch = ep
state = [*g1_affine(epoch.claim.payouts_commitment)]              # R_1 = C_P of epoch 1
ranked = sorted(range(C), key=lambda c: epoch.payouts[c], reverse=True)


def withdrawal(index):
    value, commitment, opening = prover.open_balance(reg.manifest, 1, {1: epoch.payouts}, index, dataset_id=digest)
    # the leaf is in the root of the segment that introduced the contributor, a tree over [0, C after it)
    segment = index // SEGMENT if "register_segments" in out else 0
    end = (segment + 1) * SEGMENT if "register_segments" in out else C
    base = segment * SEGMENT
    path = payee_path([0] * base + payees[base:end], max(1, (end - 1).bit_length()), index)
    w = (index, 1, [], [], state, value, payees[index], segment, path, opening.to_bytes())
    return value, opening, data("withdraw", digest, w)


# relayed: another account sends it, and the payee is an address the chain has never seen (the EVM charges
# 25,000 gas for the transfer that creates it); own: the payee sends its own withdrawal (its account exists)
for name, index, caller in (("withdraw", ranked[0], accounts[3]), ("withdraw_own", ranked[1], payees[ranked[1]])):
    if name == "withdraw_own":
        chain.account(None, 10**20, address=caller)
    value, opening, call_data = withdrawal(index)
    r = chain.call(settlement, call_data, caller=caller)
    out[name] = gas_of(r)
    if name == "withdraw":
        index_w, value_w, opening_w = index, value, opening
if breakdown:
    # the verifier calls alone, on pyrevm (its step trace); a verifier reads no storage, so its gas is the same
    # on any chain (it is called here as the transaction's target, warm, as Settlement's call pays the cold access)
    from attrib.chain.evm import precompile_profile
    from attrib.verifier.evm import balance_calldata, epoch_calldata

    traced = Chain()
    traced_v = traced.deploy(art["EpochVerifier"])
    for name, data in (("settle", epoch_calldata(reg.manifest, last_epoch.claim, last_epoch.proof)),
                       ("withdraw", balance_calldata(reg.manifest, 1, [], state, index_w, value_w, opening_w,
                                                     dataset_id=digest))):
        call = traced.call(traced_v, data)
        assert call.success and call.output[-1] == 1, name
        profile = precompile_profile(traced, traced_v, data)
        out[name]["verifier"] = {"execution": call.execution_gas, **profile,
                                 "settlement": out[name]["execution"] - call.execution_gas}
out["sizes"] = {name: a.deployed_size for name, a in art.items()}
out["srs_log_n"] = srs.max_log_n
out["chain"] = backend
if backend == "anvil":
    node.__exit__(None, None, None)
print(json.dumps(out))
"""


SEGMENTS_CHILD = r"""
import json, sys
import numpy as np
from attrib.chain.evm import Chain
from attrib.chain.settlement import address_word, contracts
from attrib.prover import SRS, Dataset, Prover
from attrib.verifier.terms import Terms
from eth_abi import encode
from eth_utils import keccak

log_cs, log_c, k, returning, seed = map(int, sys.argv[1:6])
backend = sys.argv[6]
Cs, C = 1 << log_cs, 1 << log_c
log_n = max((2 * Cs + returning - 1).bit_length(), log_c + (k - 1).bit_length())
srs = SRS.dev(log_n, seed=seed)
art = contracts(srs.verifying_key)
if backend == "anvil":
    from attrib.chain.rpc import Anvil, RpcChain
    node = Anvil(gas_limit=2_000_000_000).__enter__()
    chain = RpcChain(node.url)
else:
    chain = Chain()
owner = chain.account(0)
settlement = chain.deploy(art["Settlement"], address_word(chain.deploy(art["RegistrationVerifier"]))
                          + address_word(chain.deploy(art["EpochVerifier"])))
abi = art["Settlement"].abi

def data(name, *args):
    f = next(e for e in abi if e.get("type") == "function" and e["name"] == name)
    types = [i["type"] for i in f["inputs"]]
    return keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))

rng = np.random.default_rng(seed)
prover = Prover(srs)
reg, steps = None, []
for s in range(C // Cs):
    names = [f"contributor-{s * Cs + i}" for i in range(Cs)]
    old = [f"contributor-{c}" for c in rng.choice(s * Cs, returning, replace=False)] if s else []
    owners = names * 2 + old
    ds = Dataset(rng.integers(-(2**15) + 1, 2**15, size=(len(owners), k), dtype=np.int16), owners,
                 rng.integers(0, 2**24, len(owners)))
    payees = ["0x" + (0xB000 + s * Cs + c).to_bytes(20, "big").hex() for c in range(Cs)]
    terms = Terms.with_payees(owner, payees, base=s * Cs)
    reg = prover.append(reg, ds, terms) if s else prover.register(ds, terms=terms)
    r = chain.call(settlement, data("append" if s else "register", reg.manifest.to_bytes(), reg.proof.to_bytes()),
                   caller=owner, gas=1_000_000_000)
    assert r.success, r.reason
    steps.append({"segment": s, "C": reg.manifest.num_contributors, "rows": len(owners), "execution": r.execution_gas,
                  "calldata_bytes": r.calldata_bytes, "calldata_gas": r.gas_used - r.execution_gas - 21000,
                  "total": r.gas_used})
if backend == "anvil":
    node.__exit__(None, None, None)
print(json.dumps({"C_s": Cs, "C": C, "k": k, "returning": returning, "srs_log_n": log_n, "steps": steps,
                  "chain": backend}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", metavar="LOGC,LOGT,LOGN",
                        help="run only these configurations (repeatable), e.g. 10,10,20")
    parser.add_argument("--segments", action="append", metavar="LOGCS,LOGC",
                        help="registration in segments of 2^LOGCS new contributors up to C = 2^LOGC (repeatable), "
                             "e.g. 12,16")
    parser.add_argument("--chain", choices=("anvil", "pyrevm"), default="anvil",
                        help="where the transactions run: anvil (default; a real node, so every transaction starts "
                             "with cold storage, as on a chain) or pyrevm (faster; it keeps storage warm from one "
                             "call to the next, so it under-counts storage reads and writes)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--breakdown", action="store_true",
                        help="also split the verifier calls' gas by precompile (a traced re-run: about a minute a settle)")


def run_segments(log_cs: int, log_c: int, seed: int, chain: str = "anvil") -> dict:
    """One dataset grown from a segment of 2^log_cs contributors to 2^log_c by appends: each step's gas."""
    log(f"evm: segments of C_s = 2^{log_cs} up to C = 2^{log_c}, k = {K}")
    done = subprocess.run([sys.executable, "-P", "-c", SEGMENTS_CHILD, str(log_cs), str(log_c), str(K), str(RETURNING),
                           str(seed), chain], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"segments of 2^{log_cs} up to 2^{log_c} failed:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    appends = [s["total"] for s in row["steps"][1:]]
    row["register"] = row["steps"][0]["total"]
    row["append_max"] = max(appends) if appends else None
    row["append_min"] = min(appends) if appends else None
    log(f"evm: register {row['register']:,}, appends {row['append_min'] or 0:,} … {row['append_max'] or 0:,} gas "
        f"({len(appends)} of them, C = {row['C']:,})")
    return row


def segment_notes(rows: list[dict], limit: int = BLOCK_GAS) -> list[str]:
    """What the segment runs show: each size's largest step against ``limit``, and the largest segment size
    within it (a straight line through the measured sizes' largest steps, when two or more were measured)."""
    from attrib.verifier.limits import MAX_CONTRIBUTORS

    notes = []
    for r in rows:
        worst = max(s["total"] for s in r["steps"])
        if worst <= limit and r["C"] >= MAX_CONTRIBUTORS:
            notes.append(f"segments of {r['C_s']:,}: C = {r['C']:,}, the protocol's bound (MAX_CONTRIBUTORS), reached "
                         f"in {len(r['steps'])} transactions, the largest {worst:,} gas (<= {limit:,}): C is bounded "
                         "by the protocol, not by gas")
        elif worst <= limit:
            notes.append(f"segments of {r['C_s']:,}: C = {r['C']:,} reached in {len(r['steps'])} transactions, the "
                         f"largest {worst:,} gas (<= {limit:,}); an append's gas is flat in the C already registered, "
                         f"so segments of this size reach MAX_CONTRIBUTORS = {MAX_CONTRIBUTORS:,} (measure with "
                         f"--segments {r['C_s'].bit_length() - 1},{MAX_CONTRIBUTORS.bit_length() - 1})")
        else:
            notes.append(f"segments of {r['C_s']:,}: a step took {worst:,} gas, over {limit:,}")
    sizes = sorted({r["C_s"]: max(s["total"] for s in r["steps"]) for r in rows}.items())
    if len(sizes) >= 2:
        (c0, g0), (c1, g1) = sizes[0], sizes[-1]
        slope = (g1 - g0) / (c1 - c0)
        if slope > 0:
            largest = int(c0 + (limit - g0) / slope)
            notes.append(f"largest segment within {limit:,} gas ≈ {largest:,} new contributors (a straight line "
                         f"through C_s = {c0:,}: {g0:,} and C_s = {c1:,}: {g1:,}; memory makes it convex, so this "
                         f"over-states it a little)")
    return notes


def run(args) -> dict:
    explicit = args.config or getattr(args, "segments", None)
    configs = [tuple(int(x) for x in c.split(",")) for c in args.config] if args.config else \
        ([] if explicit else (QUICK if args.quick else FULL))
    segment_configs = [tuple(int(x) for x in c.split(",")) for c in args.segments] \
        if getattr(args, "segments", None) else ([] if explicit else (SEGMENTS_QUICK if args.quick else SEGMENTS_FULL))
    results = []
    for log_c, log_t, log_n in configs:
        log(f"evm: C = 2^{log_c}, T = 2^{log_t}, N = 2^{log_n}, k = {K}")
        done = subprocess.run([sys.executable, "-P", "-c", CHILD, str(log_c), str(log_t), str(log_n), str(K),
                               str(args.seed), str(int(getattr(args, "breakdown", False))),
                               getattr(args, "chain", "anvil")],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"C = 2^{log_c}, T = 2^{log_t} failed:\n{done.stderr[-3000:]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update({"op": "gas", "n": row["C"] * row["T"], "median_s": 0.0})
        results.append(row)
        log(f"evm: register {_register_text(row)}, settle {row['settle']['total']:,} "
            f"(first {row['settle_first']['total']:,}), withdraw {row['withdraw']['total']:,} "
            f"(by the payee itself {row['withdraw_own']['total']:,}) gas")
        for name in ("settle", "withdraw"):
            if "verifier" in row[name]:
                v = row[name]["verifier"]
                log(f"evm:   {name}: verifier {v['execution']:,} (ecMul {v['ecmul']['calls']}: {v['ecmul']['gas']:,}, "
                    f"ecAdd {v['ecadd']['gas']:,}, pairing {v['ecpairing']['gas']:,}, modexp {v['modexp']['gas']:,}, "
                    f"other {v['other_gas']:,}), Settlement {v['settlement']:,}")
    segments = [run_segments(log_cs, log_c, args.seed, getattr(args, "chain", "anvil")) for log_cs, log_c in segment_configs]
    chain = getattr(args, "chain", "anvil")
    where = ("every transaction mined by a real node, so each starts with cold accounts and storage"
             if chain == "anvil" else
             "pyrevm keeps storage warm from one call to the next: it under-counts storage reads and writes")
    notes = [(f"gas is exact, measured on {chain} ({where}; Cancun rules, EIP-1108 precompile prices); "
              "total = 21,000 + calldata + execution"),
             ("withdraw: another account sends it and pays a payee address the chain has never seen (the transfer "
              "that creates it costs 25,000 gas more); withdraw (own): the payee sends its own withdrawal")]
    notes += registration_limit(results)
    notes += segment_notes(segments)
    return {"results": results, "segments": segments, "notes": notes,
            "params": {"configs": configs, "segments": segment_configs, "k": K, "returning": RETURNING,
                       "seed": args.seed, "breakdown": bool(getattr(args, "breakdown", False))}}


def registration_limit(results: list[dict], limit: int = 30_000_000) -> list[str]:
    """Where registration crosses ``limit`` gas: interpolated between the measured C around it (the
    cost is convex in C, memory growing quadratically, so the straight line under-states the C)."""
    by_c = sorted({r["C"]: (r.get("register") or r.get("register_pyrevm") or {}).get("total") for r in results
                   if r.get("register") or r.get("register_pyrevm")}.items())
    below = [(c, g) for c, g in by_c if g <= limit]
    above = [(c, g) for c, g in by_c if g > limit]
    if not below:
        return []
    if not above:
        return [f"registration stayed under {limit:,} gas up to the largest C measured ({below[-1][0]:,})"]
    (c0, g0), (c1, g1) = below[-1], above[0]
    c = c0 + (limit - g0) * (c1 - c0) / (g1 - g0)
    pyrevm = [f"{r['C']:,}" for r in results if not r.get("register") and r.get("register_pyrevm")]
    where = f" (C = {', '.join(pyrevm)} registered in one transaction on pyrevm: too large a request for the node)" \
        if pyrevm else ""
    return [(f"registration crosses {limit:,} gas near C ≈ {c:,.0f} (between the measured C = {c0:,}: {g0:,} "
             f"and C = {c1:,}: {g1:,}; a straight line between them, which under-states it){where}")]


def format_table(result: dict) -> str:
    parts = [format_settlement(result)] if result["results"] else []
    if any("verifier" in r[name] for r in result["results"] for name in ("settle", "withdraw")):
        parts.append(format_breakdown(result))
    if result.get("segments"):
        parts.append(format_segments(result))
    return "\n\n".join(parts)


def format_segments(result: dict) -> str:
    """One row per segment size: the registration, the appends' range, the last append, and C reached."""
    body = []
    for r in result["segments"]:
        last = r["steps"][-1]
        body.append([f"{r['C_s']:,}", f"{r['C']:,}", str(len(r["steps"])), f"{r['register']:,}",
                     f"{r['append_min']:,}" if r["append_min"] else "—", f"{r['append_max']:,}" if r["append_max"] else "—",
                     f"{last['calldata_bytes']:,}", f"{max(s['total'] for s in r['steps']) <= BLOCK_GAS}"])
    return table(["C_s (per segment)", "C reached", "txs", "register gas", "append gas (min)", "append gas (max)",
                  "append calldata B", "all <= 30 M"], body, align="rrrrrrrl")


def format_breakdown(result: dict) -> str:
    """One row per call with a breakdown: the verifier's gas by precompile and the rest, and the Settlement's own."""
    body = []
    for r in result["results"]:
        for name in ("settle", "withdraw"):
            v = r[name].get("verifier")
            if v is None:
                continue
            body.append([f"2^{r['C'].bit_length() - 1}", f"2^{r['T'].bit_length() - 1}", name, f"{v['execution']:,}",
                         f"{v['ecmul']['calls']}: {v['ecmul']['gas']:,}", f"{v['ecadd']['calls']}: {v['ecadd']['gas']:,}",
                         f"{v['ecpairing_pairs']} pairs: {v['ecpairing']['gas']:,}", f"{v['modexp']['gas']:,}",
                         f"{v['other_gas']:,}", f"{v['settlement']:,}", f"{r[name]['calldata_gas']:,}"])
    return table(["C", "T", "call", "verifier exec", "ecMul", "ecAdd", "pairing", "modexp", "verifier other",
                  "Settlement exec", "calldata gas"], body, align="lllrrrrrrrr")


def format_settlement(result: dict) -> str:
    body = []
    for r in result["results"]:
        body.append([f"2^{r['C'].bit_length() - 1}", f"2^{r['T'].bit_length() - 1}", f"2^{r['N'].bit_length() - 1}",
                     _register_text(r), f"{r['register']['calldata_bytes']:,}" if r.get("register") else "—",
                     f"{r['settle']['total']:,}", f"{r['settle_first']['total']:,}", f"{r['settle']['execution']:,}",
                     f"{r['settle']['calldata_bytes']:,}",
                     f"{r['withdraw']['total']:,}", f"{r['withdraw_own']['total']:,}" if r.get("withdraw_own") else "—",
                     f"{r['withdraw']['calldata_bytes']:,}"])
    return table(["C", "T", "N", "register gas", "reg. calldata B", "settle gas", "first settle", "settle exec",
                  "settle calldata B", "withdraw gas", "withdraw (own)", "withdraw calldata B"], body,
                 align="lllrrrrrrrrr")


def _register_text(r: dict) -> str:
    """The registration's gas, or (on a node, for a large C) its segments' and the one transaction's on pyrevm."""
    if r.get("register"):
        return f"{r['register']['total']:,}"
    s = r["register_segments"]
    one = f"; one tx (pyrevm) {r['register_pyrevm']['total']:,}" if r.get("register_pyrevm") else ""
    return f"{s['count']} × {s['segment']:,}: max {s['largest']:,}{one}"
