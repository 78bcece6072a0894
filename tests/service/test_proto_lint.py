"""The API file is linted like its peers: `buf lint` (standard rules, two documented exceptions in
proto/buf.yaml) and `buf breaking` against the last released .proto (tests/service/proto-v0.1.0).

buf comes from npm (@bufbuild/buf, pinned in package.json), installed by the test run itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from node_tools import REPO_ROOT, node_tool

RELEASED = Path(__file__).resolve().parent / "proto-v0.1.0"


@pytest.fixture(scope="module")
def buf():
    return node_tool("buf")


def run(buf, *args, cwd=REPO_ROOT):
    return subprocess.run([str(buf), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_buf_lint_passes(buf):
    done = run(buf, "lint", "proto")
    assert done.returncode == 0, done.stdout + done.stderr


def test_buf_lint_exceptions_are_the_documented_two(buf, tmp_path):
    """Without its exceptions, the file breaks exactly the two rules buf.yaml names (and no other)."""
    shutil.copytree(REPO_ROOT / "proto" / "attribution", tmp_path / "attribution")
    (tmp_path / "buf.yaml").write_text("version: v2\nlint:\n  use:\n    - STANDARD\n")
    done = run(buf, "lint", tmp_path, "--error-format", "json")
    rules = {line.split('"type":"')[1].split('"')[0] for line in done.stdout.splitlines() if '"type":"' in line}
    assert rules == {"RPC_RESPONSE_STANDARD_NAME", "RPC_REQUEST_RESPONSE_UNIQUE"}


def test_buf_breaking_against_the_release(buf):
    done = run(buf, "breaking", "proto", "--against", RELEASED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_buf_breaking_sees_a_breaking_change(buf, tmp_path):
    """The check can fail: renumbering a field of the released API is reported."""
    shutil.copytree(REPO_ROOT / "proto", tmp_path / "proto")
    api = tmp_path / "proto" / "attribution" / "v1" / "attribution.proto"
    text = api.read_text()
    assert "  uint32 num_rows = 2;\n" in text
    api.write_text(text.replace("  uint32 num_rows = 2;\n", "  uint32 num_rows = 99;\n", 1))
    done = run(buf, "breaking", tmp_path / "proto", "--against", RELEASED)
    assert done.returncode != 0 and "num_rows" in done.stdout + done.stderr
