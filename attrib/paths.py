"""Where attrib keeps per-user files."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(kind: str, override_env: str) -> Path:
    """$override_env if set, else $XDG_CACHE_HOME/attrib/kind, else ~/.cache/attrib/kind."""
    env = os.environ.get(override_env)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "attrib" / kind
