"""Crash-safe files: write to a temporary file, fsync, rename over the target, fsync the folder;
and memory-mapped arrays read by blocks without keeping their pages resident."""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Replace ``path`` with what ``write(f)`` writes to ``f``, so that a crash leaves the old or the new file.

    ``f`` is a binary file in ``path``'s folder, renamed over ``path`` once
    ``write`` returns and the data is on disk; if ``write`` raises, ``path`` is
    untouched and the temporary file is removed.  The new file has permission
    bits ``mode`` if given, else those of :func:`tempfile.mkstemp` (0o600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write_bytes(path: str | os.PathLike, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, never a mix."""
    atomic_write(path, lambda f: f.write(data), mode)


def atomic_save_npy(path: str | os.PathLike, array: np.ndarray, mode: int | None = None) -> None:
    """Replace ``path`` with ``array`` in ``.npy`` format (no pickles), streamed, as :func:`atomic_write` does.

    A C-contiguous memory-mapped array is copied by blocks (the bytes ``np.save`` writes), its pages
    released after each, so that saving a registration read from disk does not map it all in."""
    if mapping_of(array) is None or not array.flags.c_contiguous or array.dtype.hasobject:
        atomic_write(path, lambda f: np.save(f, array, allow_pickle=False), mode)
        return

    def write(f) -> None:
        header = np.lib.format.header_data_from_array_1_0(array)
        try:
            np.lib.format.write_array_header_1_0(f, header)
        except ValueError:
            np.lib.format.write_array_header_2_0(f, header)
        rows = max(1, (64 << 20) // max(1, array.itemsize * (array.size // max(1, array.shape[0]) if array.ndim else 1)))
        if array.ndim == 0:
            f.write(array.tobytes())
            return
        for lo in range(0, array.shape[0], rows):
            f.write(read_block(array, lo, lo + rows).tobytes())

    atomic_write(path, write, mode)


def _root_memmap(a: np.ndarray):
    """The np.memmap that owns the mapping behind ``a`` (a memmap or a view of one), else None."""
    while isinstance(a, np.ndarray):
        if isinstance(a, np.memmap) and isinstance(a.base, mmap.mmap):    # views carry _mmap and offset too
            return a
        a = a.base
    return None


def mapping_of(a: np.ndarray):
    """The mmap behind a memory-mapped array (or a view of one), else None."""
    root = _root_memmap(a)
    return None if root is None else root._mmap


def readonly_map(a: np.ndarray) -> np.ndarray:
    """``a`` itself, or, for a C-contiguous view of a copy-on-write memory-mapped .npy (the SRS cache's
    mode), the same rows mapped again read-only, whose pages :func:`drop_pages` may release."""
    root = _root_memmap(a)
    if root is None or getattr(root, "mode", None) != "c" or not root.filename or not a.flags.c_contiguous:
        return a
    start = a.ctypes.data - root.ctypes.data
    if start < 0 or (a.strides and start % a.strides[0]):
        return a
    return np.memmap(root.filename, dtype=a.dtype, mode="r", offset=int(root.offset) + start, shape=a.shape)


def drop_pages(a: np.ndarray) -> None:
    """Release the resident pages of a memory-mapped array from this process (MADV_DONTNEED; the
    page cache keeps them).  Only for read-only and shared mappings (modes r, r+, w+): there the
    data stays valid and is read again on the next access; a copy-on-write mapping (mode c) could
    lose what was written to it, so it is left alone."""
    root = _root_memmap(a)
    if root is None or getattr(root, "mode", None) not in ("r", "r+", "w+"):
        return
    mm = root._mmap
    if not hasattr(mm, "madvise"):
        return
    try:
        mm.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):
        pass


def read_block(a: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """A C-contiguous copy of a[lo:hi], with a memory-mapped array's pages released afterwards."""
    out = np.array(a[lo:hi], copy=True, order="C")
    drop_pages(a)
    return out
