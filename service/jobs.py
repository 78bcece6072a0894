"""Running prove jobs: worker processes, the scheduler, progress fan-out, and the request pool.

Worker model.  The server process never proves.  The :class:`Scheduler` owns ``workers``
slots; each slot is an asyncio task with one long-lived prove worker process
(:func:`prover.worker.prove_worker`) behind a pipe.  A slot takes the oldest queued job
(a priority queue on submission order), claims it in the store (QUEUED → RUNNING), sends
it to its worker, relays progress messages to :class:`JobEvents`, and records the outcome.
Cancelling a running job, or the end of a shutdown grace period, kills the worker; the
slot starts a fresh one for its next job.  A worker that dies on its own is retried up to
``MAX_ATTEMPTS`` starts of the same job.

Admission control (the bounded queue) is the caller's: the service refuses a submission
while ``capacity`` jobs are queued or running.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
from collections import defaultdict
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from attrib.service import worker
from attrib.service.srs_spec import SRSSpec
from attrib.service.store import FAILED, QUEUED, SUCCEEDED, JobRecord, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
EVENT_QUEUE_SIZE = 256
SPAWN = multiprocessing.get_context("spawn")

# Where each prover stage ends in the whole proof (fractions of the run time, measured at
# N = 2^16, k = 32, T = 64), so that Job.fraction grows steadily; the prover reports a stage's
# fraction as it completes its parts.  Unknown stages leave Job.fraction unchanged.
STAGE_SPANS = {
    "totals": (0.0, 0.08),
    "tables": (0.08, 0.13),
    "sum-check": (0.13, 0.25),
    "fold commitments": (0.25, 0.55),
    "witness commitments": (0.55, 1.0),
}

PROGRESS, STATE_CHANGED = "PROGRESS", "STATE_CHANGED"


@dataclass(frozen=True)
class Progress:
    stage: str = ""
    stage_fraction: float = 0.0
    fraction: float = 0.0


@dataclass(frozen=True)
class JobEvent:
    type: str
    job: JobRecord
    progress: Progress


class JobEvents:
    """Fans job events out to watchers and keeps each running job's latest progress."""

    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._progress: dict[str, Progress] = {}

    def progress(self, job_id: str) -> Progress:
        return self._progress.get(job_id, Progress())

    def subscribe(self, job_id: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._watchers[job_id].add(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue) -> None:
        watchers = self._watchers.get(job_id)
        if watchers is not None:
            watchers.discard(queue)
            if not watchers:
                del self._watchers[job_id]

    def state_changed(self, job: JobRecord) -> None:
        if job.terminal or job.state == QUEUED:
            self._progress.pop(job.job_id, None)
        self._publish(JobEvent(STATE_CHANGED, job, self.progress(job.job_id)))

    def progressed(self, job: JobRecord, stage: str, stage_fraction: float) -> None:
        before = self.progress(job.job_id)
        fraction = before.fraction
        if stage in STAGE_SPANS:
            lo, hi = STAGE_SPANS[stage]
            fraction = max(fraction, lo + (hi - lo) * min(max(stage_fraction, 0.0), 1.0))
        now = self._progress[job.job_id] = Progress(stage, stage_fraction, fraction)
        self._publish(JobEvent(PROGRESS, job, now))

    def _publish(self, event: JobEvent) -> None:
        for queue in self._watchers.get(event.job.job_id, ()):
            if queue.full():            # a watcher that does not read: drop its oldest event
                queue.get_nowait()
            queue.put_nowait(event)


class WorkerError(RuntimeError):
    """A prove worker could not start."""


class WorkerProcess:
    """One prove worker process and the parent's end of its pipe."""

    def __init__(self, srs_spec: SRSSpec, threads: int, name: str,
                 executor: concurrent.futures.Executor) -> None:
        self.conn, child = SPAWN.Pipe()
        self.process = SPAWN.Process(target=worker.prove_worker, args=(child, srs_spec, threads, os.getpid()),
                                     name=name, daemon=True)
        self.process.start()
        child.close()
        self._executor = executor
        self._ready = False

    async def recv(self) -> tuple:
        """The next message; EOFError once the process is gone."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.conn.recv)

    async def ensure_ready(self) -> None:
        """Wait for the worker's ("ready",) (its SRS loaded); WorkerError if it cannot start."""
        if self._ready:
            return
        try:
            message = await self.recv()
        except EOFError:
            raise WorkerError(f"prove worker {self.process.name} exited while starting "
                              f"(exit code {self.process.exitcode})") from None
        if message[0] != "ready":
            raise WorkerError(message[1])
        self._ready = True

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()

    def close(self) -> None:
        self.kill()
        self.process.join(timeout=5)
        self.conn.close()


class Scheduler:
    """Runs queued jobs on ``workers`` prove worker processes."""

    def __init__(self, store: Store, events: JobEvents, srs_spec: SRSSpec, workers: int,
                 threads_per_worker: int) -> None:
        self.store = store
        self.events = events
        self.srs_spec = srs_spec
        self.workers = workers
        self.threads_per_worker = threads_per_worker
        self._queue: asyncio.PriorityQueue[tuple[int, str]] = asyncio.PriorityQueue()
        self._running: dict[str, WorkerProcess] = {}
        self._cancelled: set[str] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._slots: list[asyncio.Task] = []
        self._draining = False
        # one thread per slot blocks on its worker's pipe
        self._pipe_readers = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="worker-pipe")

    def start(self, queued: list[JobRecord]) -> None:
        """Start the slots (each spawns its worker at once) and queue ``queued`` (recovered jobs)."""
        for job in queued:
            self.enqueue(job)
        self._slots = [asyncio.create_task(self._slot(i), name=f"slot-{i}") for i in range(self.workers)]
        for task in self._slots:
            task.add_done_callback(_log_crash)

    def enqueue(self, job: JobRecord) -> None:
        self._queue.put_nowait((job.seq, job.job_id))

    @property
    def running(self) -> int:
        return len(self._running)

    def stop_running(self, job_id: str) -> None:
        """Kill the worker of a running job that the store has already marked CANCELLED."""
        proc = self._running.get(job_id)
        if proc is not None:
            self._cancelled.add(job_id)
            proc.kill()

    async def drain(self, grace_s: float) -> list[str]:
        """Take no more jobs, give running ones ``grace_s`` to finish, then kill and requeue the rest.

        Returns the ids of the jobs requeued.
        """
        self._draining = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace_s)
        except TimeoutError:
            pass
        interrupted = list(self._running)
        for proc in list(self._running.values()):
            proc.kill()
        await self._idle.wait()
        for task in self._slots:
            task.cancel()
        await asyncio.gather(*self._slots, return_exceptions=True)
        self._pipe_readers.shutdown(wait=False, cancel_futures=True)
        return interrupted

    def _spawn(self, index: int) -> WorkerProcess:
        return WorkerProcess(self.srs_spec, self.threads_per_worker, f"attrib-prove-{index}", self._pipe_readers)

    async def _slot(self, index: int) -> None:
        proc = self._spawn(index)
        try:
            while True:
                _, job_id = await self._queue.get()
                if self._draining:
                    return
                job = self.store.claim_job(job_id)
                if job is None:                       # cancelled while it waited
                    continue
                self.events.state_changed(job)
                if not proc.process.is_alive():
                    proc.close()
                    proc = self._spawn(index)
                self._running[job_id] = proc
                self._idle.clear()
                try:
                    await self._run(proc, job)
                finally:
                    del self._running[job_id]
                    self._cancelled.discard(job_id)
                    if not self._running:
                        self._idle.set()
        finally:
            proc.close()

    async def _run(self, proc: WorkerProcess, job: JobRecord) -> None:
        """Run one claimed job on ``proc`` and record how it ended."""
        log.info("job %s: attempt %d on %s", job.job_id, job.attempts, proc.process.name)
        try:
            await proc.ensure_ready()
            proc.conn.send((job.job_id, str(self.store.dataset_dir(job.dataset_id)),
                            str(self.store.job_dir(job.job_id)), list(job.fees), job.epoch))
            while True:
                message = await proc.recv()
                if message[0] == "progress":
                    self.events.progressed(job, message[1], message[2])
                    continue
                break
        except WorkerError as exc:
            if job.job_id in self._cancelled or self._draining:      # killed while starting
                self._worker_died(proc, job)
            else:
                self._record(self.store.finish_job(job.job_id, FAILED, str(exc)), "failed to start")
            return
        except (EOFError, OSError):
            self._worker_died(proc, job)
            return
        if message[0] == "done":
            self._record(self.store.finish_job(job.job_id, SUCCEEDED), "succeeded")
        else:
            self._record(self.store.finish_job(job.job_id, FAILED, message[1]), f"failed: {message[1]}")

    def _worker_died(self, proc: WorkerProcess, job: JobRecord) -> None:
        """The worker ended mid-job: we killed it (cancel, shutdown), or it crashed (retry or fail)."""
        proc.process.join(timeout=5)
        if job.job_id in self._cancelled:
            log.info("job %s: cancelled while running", job.job_id)
            return
        if self._draining:
            self._record(self.store.requeue_job(job.job_id, "requeued: the server shut down while the job ran"),
                         "requeued (shutdown)")
            return
        reason = f"the prove worker died (exit code {proc.process.exitcode})"
        if job.attempts >= MAX_ATTEMPTS:
            self._record(self.store.finish_job(job.job_id, FAILED, f"{reason} on each of {job.attempts} attempts"),
                         "failed")
            return
        requeued = self._record(self.store.requeue_job(job.job_id, f"requeued: {reason}"), f"requeued: {reason}")
        if requeued is not None:
            self.enqueue(requeued)

    def _record(self, job: JobRecord | None, what: str) -> JobRecord | None:
        """Publish a transition the store accepted (None: a cancel got there first)."""
        if job is not None:
            log.info("job %s: %s", job.job_id, what)
            self.events.state_changed(job)
        return job


def _log_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("scheduler %s stopped: %r", task.get_name(), task.exception(), exc_info=task.exception())


class RequestPool:
    """Worker processes for the CPU-bound parts of synchronous calls (registration, verification)."""

    def __init__(self, srs_spec: SRSSpec, processes: int, threads: int, dask: str | None = None) -> None:
        self._args = (srs_spec, threads, os.getpid(), dask)
        self.processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(self.processes, mp_context=SPAWN,
                                                      initializer=worker.init_pool, initargs=self._args)

    async def warm_up(self) -> None:
        """Start every process now rather than on the first requests."""
        await asyncio.gather(*(self.run(worker.ping) for _ in range(self.processes)))

    async def run(self, fn, *args):
        """``fn(*args)`` in a pool process; a pool broken by a dead process is replaced, and the
        call fails with :class:`BrokenProcessPool` (the caller answers UNAVAILABLE)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except BrokenProcessPool:
            log.error("a request-pool process died; starting a new pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
