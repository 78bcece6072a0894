"""pytest's face of attrib.chain.node: skip cleanly without Node, except under CI where that fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attrib.chain.node import REPO_ROOT, ensure_node_tools, missing_node_tools


def require_node_tools(root: Path = REPO_ROOT) -> Path:
    """``ensure_node_tools()`` for a test: skip cleanly without Node, except under CI where that fails."""
    reason = missing_node_tools()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the Node tools are unavailable: {reason}")
        pytest.skip(reason)
    return ensure_node_tools(root)


def node_tool(name: str, root: Path = REPO_ROOT) -> Path:
    """Path of one installed tool, e.g. ``node_tool("snarkjs")``."""
    path = require_node_tools(root) / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing after npm ci; is {name} in package.json?")
    return path
