"""Timing discipline shared by every suite.

One :func:`measure` call = ``warmup`` untimed runs, then ``repeat`` timed samples, each sample
the mean of ``number`` back-to-back calls.  The garbage collector is off while timing (as in
``timeit``), the 1-minute load average is read before and after, and the process CPU time
of each sample is kept next to its wall time, so a noisy machine shows up in the record (a
single-threaded sample whose CPU time is well below its wall time was descheduled).
All times are seconds; :meth:`Timing.per_element` turns them into ns per element.

A function whose own figure is more accurate than wall time around a Python call (e.g. a C
loop that times itself) passes ``self_timed=True`` and returns its seconds.

Typical use::

    t = measure(lambda: fr.mul(a, b, out=out), repeat=args.repeat)
    t.median, t.min, t.max                # seconds per call
    t.per_element(n)                      # {"median": ns, "min": ns, "max": ns}
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

DEFAULT_REPEAT = 7
QUICK_REPEAT = 3


def loadavg() -> list[float] | None:
    """(1, 5, 15)-minute load averages, or None where the OS has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


@dataclass
class Timing:
    """Samples of one measurement (seconds per call) and the context they were taken in."""

    samples: list[float]
    warmup: int
    number: int = 1
    cpu_samples: list[float] = field(default_factory=list)  # process CPU seconds per call (all threads)
    loadavg_before: list[float] | None = None
    loadavg_after: list[float] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def repeat(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    @property
    def stdev(self) -> float:
        return statistics.stdev(self.samples) if len(self.samples) > 1 else 0.0

    def per_element(self, n: int) -> dict[str, float]:
        """Median / min / max in nanoseconds per element for a call that handles ``n`` elements."""
        return {k: ns_per_element(getattr(self, k), n) for k in ("median", "min", "max")}

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(median_s=self.median, min_s=self.min, max_s=self.max, mean_s=self.mean,
                 stdev_s=self.stdev, repeat=self.repeat)
        return d


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB.

    Linux's VmHWM belongs to the address space, so it starts afresh at exec; ru_maxrss (the
    fallback elsewhere) survives exec and so counts the parent's memory at fork.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ns_per_element(seconds: float, n: int) -> float:
    return seconds * 1e9 / n if n else float("nan")


def measure(fn: Callable[[], object], *, repeat: int = DEFAULT_REPEAT, warmup: int = 1, number: int = 1,
            self_timed: bool = False, setup: Callable[[], object] | None = None) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` samples of ``number`` calls each.

    ``setup`` (untimed) runs before every sample, e.g. to restore an input that ``fn`` mutates.
    With ``self_timed`` the sample is the sum of ``fn``'s return values (seconds) instead of
    wall time around the calls.
    """
    if repeat < 1 or number < 1 or warmup < 0:
        raise ValueError("repeat and number must be >= 1, warmup >= 0")
    for _ in range(warmup):
        if setup is not None:
            setup()
        fn()
    before = loadavg()
    samples: list[float] = []
    cpu: list[float] = []
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            if setup is not None:
                setup()
            c0 = time.process_time()
            if self_timed:
                total = 0.0
                for _ in range(number):
                    total += float(fn())
            else:
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                total = time.perf_counter() - t0
            samples.append(total / number)
            cpu.append((time.process_time() - c0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(samples=samples, warmup=warmup, number=number, cpu_samples=cpu,
                  loadavg_before=before, loadavg_after=loadavg())


def auto_number(fn: Callable[[], object], *, min_sample_s: float = 0.02, max_number: int = 1000) -> int:
    """Calls per sample so one sample lasts at least ``min_sample_s`` (one untimed probe call)."""
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    if dt <= 0:
        return max_number
    return max(1, min(max_number, int(min_sample_s / dt) + 1))
