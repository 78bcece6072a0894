"""The machine record written next to every suite's figures.

:func:`machine_record` never raises: a field it cannot determine is ``None``.  It imports
``kernels`` (for ``max_threads`` / ``simd_backend``) but no peer library; peers describe
themselves in the suites that use them.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Python distributions whose versions matter to some suite (peers and the toolchain).
PEER_DISTRIBUTIONS = ("numpy", "Cython", "mclbn256", "galois", "py_ecc", "pycryptodome", "pytest-benchmark")

# CPU flags that decide which arithmetic paths are possible.
INTERESTING_FLAGS = ("adx", "bmi2", "avx2", "avx512f", "avx512ifma", "avx512vl", "sha_ni", "asimd", "sve")


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def cpu_info() -> dict:
    text = _read("/proc/cpuinfo") or ""
    model = None
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if model is None and key in ("model name", "Processor", "cpu model", "Model"):
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    if model is None:
        model = platform.processor() or None
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return {
        "model": model,
        "arch": platform.machine(),
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "flags": sorted(f for f in INTERESTING_FLAGS if f in flags),
        "governor": governor.strip() if governor else None,
    }


def memory_total_bytes() -> int | None:
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            return int(parts[1]) * 1024  # kB
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def distribution_versions(names=PEER_DISTRIBUTIONS) -> dict[str, str | None]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision(root: Path = REPO_ROOT) -> dict:
    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    if git("rev-parse", "--git-dir") is None:
        return {"commit": None, "branch": None, "dirty": None}
    status = git("status", "--porcelain")  # untracked files count: before the first commit all are
    return {
        "commit": git("rev-parse", "HEAD"),  # None before the first commit
        "branch": git("symbolic-ref", "--short", "-q", "HEAD"),
        "dirty": None if status is None else bool(status),
    }


def kernels_info() -> dict:
    try:
        from attrib import kernels
    except Exception as exc:  # a broken build should not stop the record
        return {"import_error": f"{type(exc).__name__}: {exc}"}
    info = {"max_threads": None, "has_openmp": None, "simd_backend": None, "scalar_backend": None}
    for name in info:
        fn = getattr(kernels, name, None)
        if callable(fn):
            try:
                info[name] = fn()
            except Exception as exc:
                info[name] = f"error: {type(exc).__name__}: {exc}"
    return info


def machine_record() -> dict:
    return {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_info(),
        "memory_total_bytes": memory_total_bytes(),
        "os": platform.platform(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "packages": distribution_versions(),
        "git": git_revision(),
        "kernels": kernels_info(),
    }


def summary_line(rec: dict) -> str:
    """One human line: CPU, cores, memory, threads, SIMD backend."""
    cpu = rec.get("cpu", {})
    mem = rec.get("memory_total_bytes")
    k = rec.get("kernels", {})
    parts = [
        f"{cpu.get('model') or '?'} ({cpu.get('arch')})",
        f"{cpu.get('logical_cores')} logical cores ({cpu.get('usable_cores')} usable)",
        f"{mem / 2**30:.1f} GiB" if mem else "memory ?",
        f"kernels.max_threads={k.get('max_threads')}",
        f"simd_backend={k.get('simd_backend')}",
        f"scalar_backend={k.get('scalar_backend')}",
        f"python {rec.get('python', {}).get('version')}",
    ]
    return ", ".join(parts)
