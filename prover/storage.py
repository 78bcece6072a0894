"""Crash-safe files: write to a temporary file, fsync, rename over the target, fsync the folder."""

from __future__ import annotations

import contextlib
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
    """Replace ``path`` with ``array`` in ``.npy`` format (no pickles), streamed, as :func:`atomic_write` does."""
    atomic_write(path, lambda f: np.save(f, array, allow_pickle=False), mode)
