"""Registration on a Dask cluster (issue 17): row shards commit and prove on the workers, the
coordinator keeps the transcript and O(C·k + 2^s) memory, and the bytes are those of one process.

``Prover(srs, cluster=client_or_address).register_stream(source)`` (or ``.register(dataset)``)
calls :func:`register_dask`.  The padded rows [0, 2^nR) are cut into S = 2^s shards of
L = 2^(nR−s) aligned rows; shard t owns [t·L, (t+1)·L).  Why each step gives the same bytes:

- **Commitments** are MSMs, linear in the rows: each shard returns its k column points, its scale
  and example points and the σ-weighted sums of the contributor groups it touches; the coordinator
  adds them (affine points are canonical, so the sum's bytes are the single MSM's) and builds the
  manifest as ``Prover._segment`` does.
- **Sum-check.**  The tables bind x_0 first (attrib.prover.sumcheck), so the first nR − s rounds
  fold variables inside a shard: round j's message is the sum of the shards' round sums, and the
  coordinator absorbs it into the one Fiat–Shamir transcript and sends u_j back.  After nR − s
  rounds each shard's five tables are single values; the coordinator gathers those 5·2^s values
  and runs the last s rounds itself (prove_sumcheck_terms, same transcript).
- **HyperKZG.**  The ρ-combined table and its first d = min(ℓ, nR − s) folds are shard-local (a
  fold halves a shard's segment in place: fold k of shard t is the segment [t·L/2^k, (t+1)·L/2^k)),
  so each fold's commitment and its values at r, −r, r² are sums of per-shard MSMs and inner
  products (times x^offset).  The batched quotient h = (B − I)/Z_S is the q-weighted sum
  Σ_k q^k·quot(f_k, Z_S) (division is linear and the remainders sum to I), and each quot(f_k,
  X − x) is computed per segment with a scalar carry from the segments above (q_i = Σ_{j>i}
  b_j·x^(j−i−1): a segment's part plus x^(top−i)·carry, the carries one backward scan over the
  shards' local sums Σ_j b_j·x^j).  So [h] = Σ_k q^k·[h_k] and W' likewise: no table moves
  between workers; the price is MSMs over the folds (≈ 2·2^nR entries each for W and W') instead
  of over B (2^nR).  The last folds (from the gathered fold d, 2^(nR−d) entries) are the
  coordinator's.

Workers hold state across tasks in a per-process cache (the SRS mapping, opened once per worker
and read by blocks; each shard's tables between rounds), but every task is a pure function of its
arguments (the job, the shard, every challenge so far): a task that finds no state (its worker
was restarted, or Dask moved the shard) rebuilds it from the rows and replays the folds.  So when
a worker dies mid-task, Dask reruns its tasks elsewhere and the proof is the same.  The job and an
in-memory SRS are scattered to every worker; scattered data has no lineage, so if every worker
holding it dies Dask cancels the stage, and the coordinator scatters it again and reruns the stage
(``timings["stage_reruns"]``).  If a task keeps killing workers (more than Dask's
``distributed.scheduler.allowed-failures``), or a stage is lost three times,
:class:`DistributedError` names the stage.  Nothing is written anywhere by the job:
``Registration.save`` (atomic, manifest last) is the caller's, once the job has returned.

Requirements: ``pip install 'attrib[dask]'`` (dask[distributed]); the workers import this
package; a memory-mapped source and a disk-cached SRS are read by path, so the workers must see
the same files (a shared or replicated filesystem); an in-memory source or SRS is scattered to
every worker once.  A worker holds its shards' state between rounds (five tables of L entries per
shard, then the folds and one quotient per fold): its peak, measured, is about 60 MB + 343 bytes
· 2^nR / W (bench/scaling.py); the coordinator's about 130 MB plus C·k·8 bytes.  Each worker
kernel uses the worker's thread count.  Appends (``Prover.append``) stay in one process.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import pickle
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

from attrib.kernels import fr, g1, mle, set_threads, upoly
from attrib.prover.claims import element
from attrib.prover.hyperkzg import commit
from attrib.prover.storage import read_block
from attrib.prover.streaming import (
    TABLES,
    TERMS,
    Commitments,
    RegistrationTables,
    RowSource,
    _log2_ceil,
    add_sums,
    build_manifest,
    commit_rows,
    fold_all,
    round_message,
    window_round_sums,
    zero_sums,
)
from attrib.prover.sumcheck import prove_sumcheck_terms
from attrib.verifier.hyperkzg import (
    HyperKZGProof,
    absorb_evaluations,
    absorb_final_witness,
    absorb_folds,
    absorb_opening_claim,
    absorb_witness,
    challenge_powers,
    opening_points,
    tail_log,
    usable_fold_challenge,
    vanishing_at,
)
from attrib.verifier.registration import (
    REGISTRATION_DEGREE,
    REGISTRATION_LABEL,
    RegistrationProof,
    draw_registration_challenges,
)
from attrib.verifier.sumcheck import absorb_round
from attrib.verifier.terms import Terms
from attrib.verifier.transcript import Transcript

log = logging.getLogger(__name__)
R = fr.MODULUS
DEFAULT_SHARDS_PER_WORKER = 2
DEFAULT_WORKER_BUDGET = 2 << 30


class DistributedError(RuntimeError):
    """A distributed registration that could not finish (a task kept killing its workers, the cluster
    went away); nothing was written."""


# ---- the SRS on the workers ------------------------------------------------------------------------

@dataclass(frozen=True)
class PowersRef:
    """How a worker finds the SRS powers: a cached ``.npy`` file (mapped once per worker, checked
    against the coordinator's first and last power), or None with the powers scattered instead."""

    path: str | None
    offset: int
    count: int
    fingerprint: str


def _fingerprint(powers: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(powers[[0, -1]]).tobytes()).hexdigest()


def powers_ref(powers: np.ndarray) -> PowersRef:
    """A file reference when ``powers`` is (a contiguous view of) a memory-mapped .npy, else None's."""
    root = powers
    while isinstance(root, np.memmap) and not isinstance(root.base, mmap.mmap):
        root = root.base
    if isinstance(root, np.memmap) and isinstance(root.base, mmap.mmap) and root.filename and powers.flags.c_contiguous:
        start = powers.ctypes.data - root.ctypes.data
        if start >= 0 and start % powers.strides[0] == 0:
            return PowersRef(str(root.filename), int(root.offset) + start, int(powers.shape[0]), _fingerprint(powers))
    return PowersRef(None, 0, int(powers.shape[0]), _fingerprint(powers))


_CACHE: dict = {}                      # per worker process: SRS mappings, shard states


def _worker_setup() -> None:
    """Once per worker process: kernel threads = the worker's threads (no oversubscription)."""
    if _CACHE.get("threads") is None:
        try:
            from distributed import get_worker

            threads = max(1, int(get_worker().state.nthreads))
        except (ImportError, ValueError, AttributeError):
            threads = None
        if threads:
            set_threads(threads)
        _CACHE["threads"] = threads or 0


def _powers(ref: PowersRef, scattered) -> np.ndarray:
    if scattered is not None:
        return scattered
    key = ("powers", ref)
    if key not in _CACHE:
        powers = np.memmap(ref.path, dtype=np.uint64, mode="r", offset=ref.offset, shape=(ref.count, 8))
        if _fingerprint(powers) != ref.fingerprint:
            raise DistributedError(f"{ref.path}: this worker's SRS file is not the coordinator's SRS")
        _CACHE[key] = powers
    return _CACHE[key]


# ---- the job -----------------------------------------------------------------------------------

@dataclass
class Job:
    """What every task of one registration needs (scattered to each worker once)."""

    id: str
    source: RowSource
    ref: PowersRef
    n: int
    shard_log: int
    commit_block: int
    window_log: int
    tables: RegistrationTables | None = None
    layers: int = 0

    @property
    def shard_rows(self) -> int:
        return 1 << self.shard_log

    def lo(self, shard: int) -> int:
        return shard << self.shard_log


def _address() -> str | None:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


def _call(fn, *args):
    """Run task ``fn`` on a worker: (its value, (the worker's address, the task's CPU seconds))."""
    _worker_setup()
    start = time.process_time()
    value = fn(*args)
    return value, (_address(), time.process_time() - start)


def _commit_task(job: Job, scattered, shard: int):
    lo = job.lo(shard)
    hi = min(lo + job.shard_rows, job.source.num_rows)
    part = commit_rows(_powers(job.ref, scattered), job.source, lo, hi, job.commit_block)
    g0, counts = job.source.group_span(lo, hi)
    return (part.columns, part.scale, part.examples, g0, part.aggregate[g0: g0 + counts.shape[0]])


def _shard_tables(job: Job, shard: int) -> list[np.ndarray]:
    """The shard's five tables, built by windows of 2^window_log rows."""
    lo, size = job.lo(shard), job.shard_rows
    w = min(job.window_log, job.shard_log)
    out = [fr.zeros(size) for _ in range(TABLES)]
    for a in range(lo, lo + size, 1 << w):
        if job.tables.empty(a):
            out[4][a - lo: a - lo + (1 << w)] = job.tables.kernel(a, w)
            continue
        for t, part in zip(out, job.tables.window(job.source, a, w)):
            t[a - lo: a - lo + (1 << w)] = part
    return out


def _round_task(job: Job, shard: int, challenges: list[int]):
    """Round len(challenges) of the shard: its round sums, or (after shard_log rounds) its five values."""
    key = (job.id, "sumcheck", shard)
    lo = job.lo(shard)
    if job.tables.empty(lo):                    # only the kernel, and only its last value, matters
        if len(challenges) < job.shard_log:
            return ("sums", zero_sums())
        folded = fold_all([job.tables.kernel(lo, job.shard_log)], challenges)[0]
        return ("finals", [0, 0, 0, 0, fr.to_ints(folded)[0]])
    state = _CACHE.get(key)
    if state is None or state[0] != challenges[: len(state[0])]:
        state = ([], _shard_tables(job, shard))
    applied, tables = state
    tables = fold_all(tables, challenges[len(applied):])
    if len(challenges) == job.shard_log:
        _CACHE.pop(key, None)
        return ("finals", [fr.to_ints(t)[0] for t in tables])
    _CACHE[key] = (list(challenges), tables)
    return ("sums", window_round_sums(tables))


# ---- the opening on shards ---------------------------------------------------------------------

def _divide_with_carry(segment: np.ndarray, x: int, carry: int, reversed_powers: np.ndarray) -> np.ndarray:
    """The segment [a, a+M) of quot(b, X − x) (zero at the polynomial's top index) from b's segment
    and carry = that quotient's coefficient a+M−1, i.e. Σ_{j ≥ a+M} b_j·x^(j−a−M):
    q_i = Σ_{i < j < a+M} b_j·x^(j−i−1) + x^(a+M−1−i)·carry.  ``reversed_powers`` ends with
    [x^(M−1), …, x, 1] (a longer table's tail)."""
    m = segment.shape[0]
    out = fr.zeros(m)
    if m > 1:
        out[: m - 1] = upoly.divide_linear(segment, element(x))[0]
    if carry:
        fr.add(out, fr.scale(element(carry), reversed_powers[reversed_powers.shape[0] - m:]), out=out)
    return out


def _powers_of(x: int, m: int) -> np.ndarray:
    return upoly.powers(element(x), m)


def _local_sums(segments: list[np.ndarray], x: int) -> list[int]:
    """Σ_j segment[j]·x^j for each segment (one power table for all)."""
    pw = _powers_of(x, max(seg.shape[0] for seg in segments))
    return [fr.to_ints(fr.inner(seg, pw[: seg.shape[0]])) for seg in segments]


def _divide_all(segments: list[np.ndarray], x: int, carries: list[int]) -> list[np.ndarray]:
    rev = np.ascontiguousarray(_powers_of(x, max(seg.shape[0] for seg in segments))[::-1])
    return [_divide_with_carry(seg, x, c, rev) for seg, c in zip(segments, carries)]


def _weighted_commit(powers: np.ndarray, lo: int, segments: list[np.ndarray], weights: list[int],
                     block: int) -> np.ndarray:
    """Σ_k weights[k]·[segment_k], segment k placed at lo/2^k (fold k's segment of the shard at lo), as
    MSMs of up to ``block`` entries over the concatenated segments (shard 0's nest in [0, L): added)."""
    acc = g1.infinity(1)
    if lo == 0:
        total = fr.scale(element(weights[0]), segments[0])
        for w, seg in zip(weights[1:], segments[1:]):
            head = total[: seg.shape[0]]
            fr.add(head, fr.scale(element(w), seg), out=head)
        pieces = [(0, total)]
    else:
        pieces = [(lo >> k, fr.scale(element(w), seg)) for k, (w, seg) in enumerate(zip(weights, segments))]
    buffer_s, buffer_p, held = [], [], 0

    def flush():
        nonlocal acc, buffer_s, buffer_p, held
        if held:
            part = g1.msm(np.concatenate(buffer_p), np.concatenate(buffer_s), check=False)
            acc = g1.add(acc, part[None], check=False)
        buffer_s, buffer_p, held = [], [], 0

    for offset, table in pieces:
        for a in range(0, table.shape[0], block):
            b = min(a + block, table.shape[0])
            if held + (b - a) > block:
                flush()
            buffer_s.append(table[a:b])
            buffer_p.append(read_block(powers, offset + a, offset + b))
            held += b - a
    flush()
    return acc[0]


def _carries(local_sums: list[int], x: int, segment: int) -> list[int]:
    """Each shard's carry for dividing by X − x a polynomial cut into equal segments whose local
    sums (Σ_j b_j·x^j within the segment) are given: c_last = 0, c_t = S_{t+1} + x^M·c_{t+1}."""
    shift = pow(x, segment, R)
    out = [0] * len(local_sums)
    for t in range(len(local_sums) - 2, -1, -1):
        out[t] = (local_sums[t + 1] + shift * out[t + 1]) % R
    return out


def _open_phase(job: Job, scattered, shard: int, ctx: dict, state: dict, phase: int, replay: bool):
    """Run opening phase ``phase`` of the shard on ``state``; return its result (None when replaying)."""
    d = ctx["d"]
    lo = job.lo(shard)
    if phase == 1:
        f0 = fr.zeros(job.shard_rows)
        w = min(job.window_log, job.shard_log)
        for a in range(lo, lo + job.shard_rows, 1 << w):
            if job.tables.empty(a):
                break
            f0[a - lo: a - lo + (1 << w)] = job.tables.combined(job.source, a, w, ctx["rho"])
        folds = [f0]
        for i in range(d):
            folds.append(mle.fold(folds[-1], fr.from_ints([ctx["point"][i]])))
        gathered = folds.pop()
        state["f"] = folds
        if replay:
            return None
        powers = _powers(job.ref, scattered)
        block = 1 << job.window_log
        points = [commit(powers[lo >> k: (lo >> k) + f.shape[0]], f, block) for k, f in enumerate(folds) if k >= 1]
        return points, gathered
    xs = ctx["xs"]
    if phase == 2:
        return None if replay else [_local_sums(state["f"], x) for x in xs]
    if phase in (3, 4, 5):
        x = xs[phase - 3]
        carries = ctx[f"carry{phase - 2}"][shard]
        state["q"] = _divide_all(state["f"] if phase == 3 else state["q"], x, carries)
        if replay:
            return None
        if phase < 5:
            return _local_sums(state["q"], xs[phase - 2])
        return _weighted_commit(_powers(job.ref, scattered), lo, state["q"], ctx["weights"], 1 << job.window_log)
    if phase == 6:
        zs = element(ctx["z_s"])
        for f, h in zip(state["f"], state["q"]):
            fr.sub(f, fr.scale(zs, h), out=f)           # P_k = f_k − Z_S(z)·h_k, in place of f_k
        state["q"] = None
        return None if replay else _local_sums(state["f"], ctx["z"])
    if phase == 7:
        quotients = _divide_all(state["f"], ctx["z"], ctx["carry4"][shard])
        state["f"] = None
        return _weighted_commit(_powers(job.ref, scattered), lo, quotients, ctx["weights"], 1 << job.window_log)
    raise ValueError(f"unknown opening phase {phase}")


def _open_task(job: Job, scattered, shard: int, ctx: dict, phase: int):
    """Opening phase ``phase`` of the shard, replaying earlier phases if this worker has no state."""
    key = (job.id, "open", shard)
    state = _CACHE.get(key)
    if state is None or state["phase"] != phase - 1:
        state = {"phase": 0}
        for p in range(1, phase):
            _open_phase(job, scattered, shard, ctx, state, p, replay=True)
    result = _open_phase(job, scattered, shard, ctx, state, phase, replay=False)
    state["phase"] = phase
    if phase == 7:
        _CACHE.pop(key, None)
    else:
        _CACHE[key] = state
    return result


def _forget(job_id: str) -> int:
    """Drop a job's shard states from this worker (run on every worker when a job ends)."""
    keys = [k for k in _CACHE if isinstance(k, tuple) and k and k[0] == job_id]
    for k in keys:
        del _CACHE[k]
    return len(keys)


# ---- the coordinator ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Shared:
    """A task argument scattered once to every worker (the job, the powers), named in ``args_of``."""

    name: str


@dataclass
class _Runner:
    """Submits one task per shard and gathers, keeping each shard on the worker that last ran it.

    Shared objects are scattered to every worker (broadcast) once; a task reads them from its
    worker's memory.  Scattered data has no lineage: if every worker holding it dies (a restarted
    worker had not fetched it yet), Dask cancels the stage's tasks; the stage is then run again
    after scattering anew (tasks are pure, so this changes nothing but time).  A task that kills
    its worker more than ``allowed-failures`` times fails the job with :class:`DistributedError`."""

    client: object
    job_id: str
    placement: dict = field(default_factory=dict)
    tasks: int = 0
    seconds: dict = field(default_factory=dict)
    sent: int = 0              # bytes of task arguments (pickled; shared objects not counted)
    received: int = 0          # bytes of task results (pickled)
    scattered: int = 0         # bytes scattered to each worker (pickled shared objects)
    cpu: dict = field(default_factory=dict)          # group → task CPU seconds, summed over workers
    objects: dict = field(default_factory=dict)
    futures: dict = field(default_factory=dict)
    attempts: int = 3
    reruns: int = 0            # stages run again after their shared objects were lost

    def share(self, name: str, obj) -> _Shared:
        self.objects[name] = obj
        if self.client is not None:
            old = self.futures.pop(name, None)
            if old is not None:
                old.release()
            self.futures[name] = self.client.scatter(obj, broadcast=True, hash=False)
            self.scattered += len(pickle.dumps(obj)) if not isinstance(obj, np.ndarray) else obj.nbytes
        return _Shared(name)

    def release(self) -> None:
        for f in self.futures.values():
            f.release()
        self.futures.clear()

    def _resolve(self, args, inline: bool):
        return tuple((self.objects[a.name] if inline else self.futures[a.name]) if isinstance(a, _Shared) else a
                     for a in args)

    def map(self, stage: str, group: str, fn, shards, args_of):
        start = time.perf_counter()
        if self.client is None:                  # inline (profiling, tests): the same tasks in this process
            results = [_call(fn, *self._resolve(args_of(t), True)) for t in shards]
            self.tasks += len(shards)
        else:
            results = self._submit(stage, fn, shards, args_of)
        out = []
        for t, (value, (address, cpu)) in zip(shards, results):
            if address:
                self.placement[t] = address
            self.cpu[group] = self.cpu.get(group, 0.0) + cpu
            out.append(value)
        self.seconds[group] = self.seconds.get(group, 0.0) + time.perf_counter() - start
        return out

    def _submit(self, stage, fn, shards, args_of):
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        for attempt in range(self.attempts):
            futures = []
            for t in shards:
                args = args_of(t)
                self.sent += len(pickle.dumps([a for a in args if not isinstance(a, _Shared)]))
                where = self.placement.get(t)
                where = {"workers": [where], "allow_other_workers": True} if where else {}
                futures.append(self.client.submit(_call, fn, *self._resolve(args, False), pure=False,
                                                  key=f"attrib-{self.job_id}-{stage}-{t}-{attempt}", **where))
            self.tasks += len(futures)
            try:
                results = self.client.gather(futures)
            except KilledWorker as exc:
                raise DistributedError(f"registration {self.job_id}: a task of stage {stage!r} killed its worker "
                                       f"too many times ({exc}); nothing was written") from None
            except FutureCancelledError:
                if attempt + 1 == self.attempts:
                    raise DistributedError(f"registration {self.job_id}: stage {stage!r} was cancelled "
                                           f"{self.attempts} times (workers lost); nothing was written") from None
                self.reruns += 1
                self.client.wait_for_workers(1, timeout=120)
                for name, obj in list(self.objects.items()):   # lost with its workers: scatter again
                    self.share(name, obj)
                continue
            finally:
                for f in futures:
                    f.release()
            self.received += sum(len(pickle.dumps(value)) for value, _ in results)
            return results
        raise AssertionError("unreachable")


def _client(cluster):
    from distributed import Client

    if isinstance(cluster, Client):
        return cluster, False
    if isinstance(cluster, str):
        return Client(cluster), True
    raise TypeError(f"cluster: expected a dask.distributed Client or a scheduler address, got {type(cluster).__name__}")


def register_dask(prover, source: RowSource, terms: Terms | None = None, *, shards: int | None = None,
                  worker_budget: int = DEFAULT_WORKER_BUDGET, client=None):
    """Register ``source`` on ``prover.cluster`` (or ``client``): the manifest and proof bytes of
    ``prover.register`` on the same rows.  ``shards``: a power of two ≥ 2 (default: two per worker);
    ``worker_budget`` bounds each task's blocks (rows per commit block, window size), not the
    shards' tables.  The returned ``Registration`` is not saved; its ``timings`` give each stage's
    seconds, the number of tasks and the shard layout."""
    from attrib.prover.attribution import Registration, recipe_word

    if not isinstance(source, RowSource):
        raise TypeError(f"source: expected prover.streaming.RowSource, got {type(source).__name__}")
    if terms is not None and not isinstance(terms, Terms):
        raise TypeError(f"terms: expected verifier.terms.Terms, got {type(terms).__name__}")
    client, owned = _client(client if client is not None else prover.cluster)
    try:
        return _register(prover, client, source, terms or Terms(), shards, worker_budget, Registration, recipe_word)
    finally:
        if owned:
            client.close()


def _register(prover, client, source, terms, shards, worker_budget, Registration, recipe_word):
    step = prover.progress
    num_rows, num_columns, num_contributors = source.num_rows, source.num_columns, len(source.contributors)
    log_rows = _log2_ceil(num_rows)
    log_contributors = _log2_ceil(num_contributors)
    log_columns = (num_columns - 1).bit_length()
    n = max(log_rows, log_contributors + log_columns)
    if n < 2:
        raise ValueError("a distributed registration needs at least 2^2 padded rows; register it in one process")
    powers = prover.srs.powers_for(n)
    workers = len(client.scheduler_info().get("workers", {})) or 1
    if shards is None:
        shards = 1 << max(1, (workers * DEFAULT_SHARDS_PER_WORKER - 1).bit_length())
    if shards < 2 or shards & (shards - 1):
        raise ValueError(f"shards: a power of two >= 2, got {shards}")
    s = min(shards.bit_length() - 1, n - 1)
    shard_log = n - s
    per_row = 10 * num_columns + 350
    commit_block = 1 << max(10, min(22, (worker_budget // 2 // per_row).bit_length() - 1))
    window_log = max(1, min(shard_log, 22, ((worker_budget // 4) // (2 * TABLES * 32 + 2 * num_columns + 24)).bit_length() - 1))
    ref = powers_ref(powers)
    job = Job(uuid.uuid4().hex[:12], source, ref, n, shard_log, commit_block, window_log)
    runner = _Runner(client, job.id)
    start = time.perf_counter()
    try:
        scattered = None if ref.path is not None else runner.share("powers", np.ascontiguousarray(powers))
        # -- commitments --------------------------------------------------------------------------
        job_f = runner.share("job", job)
        row_shards = [t for t in range(1 << s) if job.lo(t) < num_rows]
        parts = runner.map("commit", "commit", _commit_task, row_shards, lambda t: (job_f, scattered, t))
        total = Commitments(num_columns, num_contributors)
        for columns, scale, examples, g0, sums in parts:
            total.columns = g1.add(total.columns, columns, check=False)
            total.scale = g1.add(total.scale, scale, check=False)
            total.examples = g1.add(total.examples, examples, check=False)
            total.aggregate[g0: g0 + sums.shape[0]] += sums
        step("commit columns", 1.0)
        manifest = build_manifest(prover.srs, source, total, terms, log_rows, log_columns, log_contributors,
                                  powers, recipe_word)
        committed = time.perf_counter()

        # -- the sum-check ---------------------------------------------------------------------------
        transcript = Transcript(REGISTRATION_LABEL)
        ch = draw_registration_challenges(transcript, manifest)
        job.tables = RegistrationTables(manifest, ch, total.aggregate)
        job.layers = n - tail_log(n)
        job_f = runner.share("job", job)
        all_shards = list(range(1 << s))
        messages, point = [], []
        for j in range(shard_log + 1):
            results = runner.map(f"round{j}", "sumcheck", _round_task, all_shards,
                                 lambda t, challenges=tuple(point): (job_f, t, list(challenges)))
            if j == shard_log:
                finals = [value for _, value in results]
                break
            sums = zero_sums()
            for _, value in results:
                sums = add_sums(sums, value)
            message = round_message(sums)
            point.append(absorb_round(transcript, message))
            messages.append(message)
            step("registration sum-check", (j + 1) / n)
        gathered = [fr.from_ints([f[i] for f in finals]) for i in range(TABLES)]
        rest, u, last = prove_sumcheck_terms(gathered, TERMS, REGISTRATION_DEGREE, transcript, release=True)
        messages += rest
        point += u
        _, sigma_u, s_u, g_u, _ = last

        # -- the opening -----------------------------------------------------------------------------
        columns = g1.from_ints(list(manifest.column_commitments))
        s_commitment = g1.to_py_ecc(g1.msm(columns, job.tables.weights, check=False))
        scale_commitment, aggregate_commitment = g1.to_py_ecc(
            g1.from_ints([manifest.scale_commitment, manifest.segment_aggregate]))
        rho = absorb_opening_claim(transcript, [scale_commitment, s_commitment, aggregate_commitment], point,
                                   [sigma_u, s_u, g_u])
        opening = _open(runner, job, job_f, scattered, powers, point, rho, transcript, step)
        proof = RegistrationProof(sumcheck=tuple(map(tuple, messages)), sigma_at_u=sigma_u, s_at_u=s_u,
                                  g_at_u=g_u, opening=opening)
    finally:
        runner.release()
        try:
            client.run(_forget, job.id)
        except Exception as exc:  # noqa: BLE001 — a worker that is gone has forgotten already
            log.debug("forgetting job %s on the workers: %r", job.id, exc)
    done = time.perf_counter()
    scales = source.scales if source.scales is not None else np.broadcast_to(np.int64(1), (num_rows,))
    timings = {"commit_s": committed - start, "registration_proof_s": done - committed, "register_s": done - start,
               "workers": workers, "shards": 1 << s, "shard_rows": 1 << shard_log, "tasks": runner.tasks,
               "stage_s": {k: round(v, 3) for k, v in runner.seconds.items()},
               "coordinator_bytes": {"sent": runner.sent, "received": runner.received,
                                     "scattered_per_worker": runner.scattered},
               "stage_reruns": runner.reruns, "task_cpu_s": {k: round(v, 3) for k, v in runner.cpu.items()}}
    return Registration(manifest, proof, source.features, scales, total.aggregate, source.example_digests,
                        source.recipe, tuple(source.contributors), timings)


def _open(runner: _Runner, job: Job, job_f, scattered, powers, point, rho, transcript, step) -> HyperKZGProof:
    """open_combined on shards (see the module docstring): the same HyperKZGProof."""
    n = job.n
    layers = job.layers
    d = min(layers, job.shard_log)
    live = [t for t in range(1 << (n - job.shard_log)) if not job.tables.empty(job.lo(t))]
    count = 1 << (n - job.shard_log)
    ctx = {"d": d, "rho": rho, "point": list(point)}

    def run(phase):
        """One task per live shard, each sent the shared values and only its own carries."""
        def args(t):
            own = {k: ({t: v[t]} if k.startswith("carry") else v) for k, v in ctx.items()}
            return job_f, scattered, t, own, phase
        return runner.map(f"open{phase}", "opening", _open_task, live, args)

    # phase 1: the shards' folds 0 … d−1, their commitments, and fold d gathered
    results = run(1)
    seg_d = job.shard_rows >> d
    fold_d = fr.zeros(1 << (n - d))
    shard_points = [g1.infinity(1) for _ in range(d)]          # index k: fold k (k ≥ 1)
    for t, (points, gathered) in zip(live, results):
        fold_d[t * seg_d: (t + 1) * seg_d] = gathered
        for k, p in enumerate(points, start=1):
            shard_points[k] = g1.add(shard_points[k], p[None], check=False)
    local = [fold_d]                                             # the coordinator's folds d … layers
    for i in range(d, layers):
        local.append(mle.fold(local[-1], fr.from_ints([point[i]])))
    tail = tuple(fr.to_ints(local.pop()))
    commitments = [shard_points[k][0] for k in range(1, d)] + [commit(powers, f) for f in local]
    com = tuple(g1.to_py_ecc(np.stack(commitments))) if commitments else ()
    r = absorb_folds(transcript, com, tail)
    if not usable_fold_challenge(r):
        raise ArithmeticError(f"transcript produced r = {r} (r, −r, r² not distinct); retry with other inputs")
    xs = opening_points(r)
    ctx["xs"] = list(xs)
    step("fold commitments", 1.0)

    # phase 2: the values at r, −r, r²
    sums = dict(zip(live, run(2)))                               # shard → [x][k] local sums

    evals = []
    for xi, x in enumerate(xs):          # f_k(x) = Σ_t x^(t·L/2^k)·(shard t's local sum)
        row = []
        for k in range(d):
            seg = job.shard_rows >> k
            row.append(sum(pow(x, t * seg, R) * sums[t][xi][k] for t in live) % R)
        pw = upoly.powers(element(x), max(f.shape[0] for f in local) if local else 1)
        row += [fr.to_ints(fr.inner(f, pw[: f.shape[0]])) for f in local]
        evals.append(tuple(row))
    q = absorb_evaluations(transcript, evals)
    weights = challenge_powers(q, layers)
    ctx["weights"] = weights[:d]

    def carries(values_by_shard, x):
        """carry[t][k] for every live shard and distributed fold k."""
        per_fold = []
        for k in range(d):
            column = [values_by_shard[t][k] if t in values_by_shard else 0 for t in range(count)]
            per_fold.append(_carries(column, x, job.shard_rows >> k))
        return {t: [per_fold[k][t] for k in range(d)] for t in live}

    # phases 3–5: h_k = quot(f_k, Z_S) by three divisions with carries; Σ_k q^k·[h_k] per shard
    ctx["carry1"] = carries({t: sums[t][0] for t in live}, xs[0])
    ctx["carry2"] = carries(dict(zip(live, run(3))), xs[1])
    ctx["carry3"] = carries(dict(zip(live, run(4))), xs[2])
    w = g1.infinity(1)
    for point_ in run(5):
        w = g1.add(w, point_[None], check=False)
    local_h = []
    for f in local:
        h = f
        for x in xs:
            h = upoly.divide_linear(h, element(x))[0] if h.shape[0] > 1 else fr.zeros(0)
        local_h.append(h)
    for k in range(d, layers):
        if local_h[k - d].shape[0]:
            part = commit(powers, fr.scale(element(weights[k]), local_h[k - d]))
            w = g1.add(w, part[None], check=False)
    w_point = g1.to_py_ecc(w[0])
    z = absorb_witness(transcript, w_point)
    step("witness commitments", 0.5)

    # phases 6–7: quot(f_k − Z_S(z)·h_k, X − z) with carries; W' = Σ_k q^k·[…]
    z_s = vanishing_at(xs, z)
    ctx["z"], ctx["z_s"] = z, z_s
    ctx["carry4"] = carries(dict(zip(live, run(6))), z)
    w_z = g1.infinity(1)
    for point_ in run(7):
        w_z = g1.add(w_z, point_[None], check=False)
    for k in range(d, layers):
        f, h = local[k - d], local_h[k - d]
        p = f.copy()
        if h.shape[0]:
            fr.sub(p[: h.shape[0]], fr.scale(element(z_s), h), out=p[: h.shape[0]])
        quotient = upoly.divide_linear(p, element(z))[0] if p.shape[0] > 1 else fr.zeros(0)
        if quotient.shape[0]:
            w_z = g1.add(w_z, commit(powers, fr.scale(element(weights[k]), quotient))[None], check=False)
    w_z_point = g1.to_py_ecc(w_z[0])
    absorb_final_witness(transcript, w_z_point)
    step("witness commitments", 1.0)
    return HyperKZGProof(com=com, tail=tail, evals=tuple(evals), w=w_point, w_z=w_z_point)
