"""``attrib serve`` as a child process on a free loopback port: for tests, benchmarks and scripts.

>>> with LocalServer(data_dir, args=["--dev-srs", "12"]) as server:     # a fresh random token
...     with server.client() as c:
...         c.server_info()

The server's stdout and stderr are appended to ``data_dir/../<name>.log`` (or ``log_path``);
:meth:`start` waits for its "listening on" line.  :meth:`kill` is ``kill -9``;
:meth:`terminate` is a graceful SIGTERM.  Restart by calling :meth:`start` again.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

READY = re.compile(r"^listening on (\S+)$", re.MULTILINE)


class ServerExited(RuntimeError):
    """The server process ended before it was ready."""


class LocalServer:
    def __init__(self, data_dir: str | Path, token: str | None = None, args: list[str] | tuple = (),
                 log_path: str | Path | None = None, env: dict | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.token = token or secrets.token_hex(16)
        self.args = list(args)
        self.log_path = Path(log_path) if log_path else self.data_dir.with_suffix(".log")
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.address: str | None = None

    def start(self, timeout: float = 60.0) -> LocalServer:
        """Start the server and wait until it listens."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        env = {**os.environ, "ATTRIB_TOKEN": self.token, **self.env}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "attrib", "serve", "--port", "0", "--data-dir", str(self.data_dir),
                 *self.args], env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = READY.search(self.log(offset))
            if match:
                self.address = match.group(1)
                return self
            if self.process.poll() is not None:
                raise ServerExited(f"the server exited with code {self.process.returncode}:\n{self.log(offset)}")
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"the server did not start in {timeout} s:\n{self.log(offset)}")

    def log(self, offset: int = 0) -> str:
        """The log from byte ``offset`` on."""
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def client(self, token: str | None = "default", **kwargs):
        """A :class:`prover.client.Client` for this server (its token unless told otherwise)."""
        from attrib.service.client import Client

        return Client(self.address, self.token if token == "default" else token, **kwargs)

    def children(self) -> list[int]:
        """Pids of the server's child processes (Linux)."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        return pids

    def kill(self) -> None:
        """``kill -9`` the server (its children notice and exit on their own)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the graceful shutdown; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def __enter__(self) -> Self:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.terminate(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
