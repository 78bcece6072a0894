"""Peer implementations the suites compare against (mcl, ...).

A peer module raises :class:`PeerUnavailable` with a one-line reason when it cannot run
here (package not installed, no C compiler, ...); suites catch it, print the line and
record the peer under ``skipped`` in their JSON instead of failing.
"""

from __future__ import annotations


class PeerUnavailable(RuntimeError):
    """A peer cannot be used on this machine; ``str(exc)`` is a one-line reason."""
