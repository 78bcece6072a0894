"""The on-disk cache of SRS point arrays, so that a large SRS is converted and checked once.

Each entry is ``NAME.npy`` (the powers ``[τ^i]_1`` as a uint64 point array)
plus ``NAME.json`` (a record of its source and the array's SHA-256), both
written atomically, in ``$ATTRIB_SRS_CACHE_DIR``, else
``$XDG_CACHE_HOME/attrib/srs``, else ``~/.cache/attrib/srs``; later loads
memory-map the array.  An entry is used only when its record matches the
source (for a .ptau file: size, mtime and :func:`ptau_fingerprint`; for the
dev SRS: the seed), the array's SHA-256 matches the record and spot checks
pass (points valid, the first the generator, a spread of them equal to the
file's points or to ``τ^i·G``); otherwise it is rebuilt.  The cache guards
against corruption and stale entries, not against someone who can write to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np

from attrib.kernels import fr, g1
from attrib.paths import user_cache_dir
from attrib.prover.srs.ptau import _PtauFile, validate_points
from attrib.prover.storage import atomic_save_npy, atomic_write_bytes

# The package's logger name, which callers (the service worker) silence by name.
log = logging.getLogger("attrib.prover.srs")

CACHE_FORMAT = 1
_FINGERPRINT_EDGE = 64 * 1024
_FINGERPRINT_POINTS = 64
_SPOT_CHECKS = 64


def default_cache_dir() -> Path:
    """$ATTRIB_SRS_CACHE_DIR, else $XDG_CACHE_HOME/attrib/srs, else ~/.cache/attrib/srs."""
    return user_cache_dir("srs", "ATTRIB_SRS_CACHE_DIR")


def ptau_fingerprint(ptau: _PtauFile, n: int) -> str:
    """SHA-256 of the file's size, the first and last 64 KiB and a spread of the tauG1 points used."""
    h = hashlib.sha256(ptau.size.to_bytes(8, "little"))
    h.update(ptau.read(0, min(ptau.size, _FINGERPRINT_EDGE)))
    tail = min(ptau.size, _FINGERPRINT_EDGE)
    h.update(ptau.read(ptau.size - tail, tail))
    h.update(ptau.read_tau_g1_raw(_spread(n, _FINGERPRINT_POINTS)))
    return h.hexdigest()


def _spread(n: int, k: int) -> list[int]:
    """Up to k indices spread over [0, n), always with 0, 1 and n − 1."""
    spread = set(np.linspace(0, n - 1, num=min(n, k), dtype=np.int64).tolist())
    return sorted(spread | {0, min(1, n - 1), n - 1})


class _Cache:
    """One directory of ``NAME.npy`` + ``NAME.json`` entries."""

    def __init__(self, cache_dir) -> None:
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    @staticmethod
    def ptau_name(path: Path, meta: dict) -> str:
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in path.stem)[:64]
        return f"ptau-{stem}-{meta['fingerprint'][:16]}-log{meta['max_log_n']}"

    # -- reading

    def _load(self, name: str, expect: dict) -> np.ndarray | None:
        """The entry's array if its record matches ``expect`` and its bytes hash to the recorded SHA-256."""
        npy, rec = self.dir / f"{name}.npy", self.dir / f"{name}.json"
        if not (npy.exists() and rec.exists()):
            return None
        try:
            meta = json.loads(rec.read_text())
            if not isinstance(meta, dict) or meta.get("format") != CACHE_FORMAT:
                raise ValueError("unknown record format")
            for key, value in expect.items():
                if meta.get(key) != value:
                    raise ValueError(f"record field {key!r} does not match the source")
            n = 1 << int(meta["max_log_n"])
            if meta.get("shape") != [n, 8] or meta.get("dtype") != "uint64":
                raise ValueError("record shape/dtype are wrong")
            if _sha256_file(npy) != meta.get("sha256"):
                raise ValueError("array file does not match its recorded SHA-256")
            # Copy-on-write map: the kernels need writable buffers; writes never reach the file.
            arr = np.load(npy, mmap_mode="c", allow_pickle=False)
            if arr.dtype != np.uint64 or arr.shape != (n, 8) or not arr.flags.c_contiguous:
                raise ValueError(f"array is {arr.dtype} {arr.shape}, expected uint64 ({n}, 8)")
            sample = np.ascontiguousarray(arr[_spread(n, _SPOT_CHECKS)])
            validate_points(sample, "cached point")
            if not np.array_equal(arr[0], g1.generator()):
                raise ValueError("cached powers do not start with the G1 generator")
            return arr
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("SRS cache entry %s is unusable (%s); rebuilding it", npy, exc)
            return None

    def load_dev(self, seed: int, max_log_n: int, tau: int) -> np.ndarray | None:
        arr = self._load(f"dev-seed{seed}-log{max_log_n}",
                         {"kind": "dev", "seed": str(seed), "max_log_n": max_log_n})
        if arr is None:
            return None
        # Spot check against τ itself: P_i = τ^i·G for a spread of i.
        idx = _spread(arr.shape[0], 8)
        want = g1.scalar_mul(np.tile(g1.generator(), (len(idx), 1)),
                             fr.from_ints([pow(tau, i, fr.MODULUS) for i in idx]), check=False)
        if not np.array_equal(np.asarray(arr[idx]), want):
            log.warning("SRS cache entry dev-seed%d-log%d does not match its seed; rebuilding it",
                        seed, max_log_n)
            return None
        return arr

    def load_ptau(self, ptau: _PtauFile, meta: dict) -> np.ndarray | None:
        name = self.ptau_name(ptau.path, meta)
        arr = self._load(name, meta)
        if arr is None:
            return None
        idx = _spread(arr.shape[0], 16)
        if np.ascontiguousarray(arr[idx]).astype("<u8").tobytes() != ptau.read_tau_g1_raw(idx):
            log.warning("SRS cache entry %s does not match %s; rebuilding it", name, ptau.path)
            return None
        return arr

    # -- writing

    def store(self, name: str, powers: np.ndarray, meta: dict) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            npy = self.dir / f"{name}.npy"
            atomic_save_npy(npy, np.ascontiguousarray(powers), mode=0o644)
            record = dict(meta, format=CACHE_FORMAT, shape=list(powers.shape), dtype="uint64",
                          sha256=_sha256_file(npy), created=time.time())
            atomic_write_bytes(self.dir / f"{name}.json", json.dumps(record, indent=1, sort_keys=True).encode(),
                               mode=0o644)
            log.info("cached %d SRS points in %s", powers.shape[0], npy)
        except OSError as exc:
            log.warning("could not write the SRS cache in %s: %s", self.dir, exc)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()
