"""A test-only Dask worker plugin: the worker that starts a task whose key contains ``pattern`` kills
its own process (SIGKILL: no cleanup), once per token file ``kill-*`` found in ``tokens`` (taken by
unlink, so that each token kills exactly one worker, restarted workers included).  A token whose
text is not empty kills only on keys containing that text instead of ``pattern``."""

import os
import signal
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin


class KillOnTask(WorkerPlugin):
    name = "attrib-test-killer"

    def __init__(self, tokens: str, pattern: str) -> None:
        self.tokens = tokens
        self.pattern = pattern

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing":
            return
        for token in sorted(Path(self.tokens).glob("kill-*")):
            try:
                if (token.read_text() or self.pattern) not in str(key):
                    continue
                os.unlink(token)
            except FileNotFoundError:
                continue
            Path(self.tokens, f"killed-{os.getpid()}").write_text(str(key))
            os.kill(os.getpid(), signal.SIGKILL)
