"""The Node.js tools some tests drive (snarkjs, ...), installed from the repository's package-lock.json.

``ensure_node_tools()`` runs ``npm ci`` in the repository root when
``node_modules`` is missing or older than ``package-lock.json`` and returns
``node_modules/.bin``.  The test suite's ``require_node_tools()`` (tests/node_tools.py)
wraps it for pytest.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NPM_CI = ("ci", "--no-audit", "--no-fund")
NPM_TIMEOUT_S = 600


class NodeToolsMissing(RuntimeError):
    """node or npm is not on PATH."""


def missing_node_tools() -> str | None:
    """Why the Node tools cannot be used here, or None when node and npm are on PATH."""
    absent = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if absent:
        return f"{' and '.join(absent)} not found on PATH (install Node.js 20+ with npm to run these tests)"
    return None


def _installed_is_current(root: Path) -> bool:
    marker = root / "node_modules" / ".package-lock.json"
    lock = root / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


def ensure_node_tools(root: Path = REPO_ROOT) -> Path:
    """Install the locked Node packages if needed (``npm ci``); return the ``node_modules/.bin`` path."""
    reason = missing_node_tools()
    if reason:
        raise NodeToolsMissing(reason)
    root = Path(root)
    if not (root / "package-lock.json").exists():
        raise FileNotFoundError(f"{root / 'package-lock.json'} is missing")
    if not _installed_is_current(root):
        # One installer at a time (pytest-xdist workers, parallel sessions on one checkout).
        tag = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        lock_path = Path(tempfile.gettempdir()) / f"attrib-npm-ci-{tag}.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not _installed_is_current(root):
                    env = dict(os.environ, npm_config_update_notifier="false")
                    done = subprocess.run([shutil.which("npm"), *NPM_CI], check=False, cwd=root, env=env,
                                          text=True, capture_output=True, timeout=NPM_TIMEOUT_S)
                    if done.returncode != 0:
                        raise RuntimeError(f"`npm {' '.join(NPM_CI)}` failed in {root} "
                                           f"(exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return root / "node_modules" / ".bin"
