"""Which arithmetic runs the verifier's two costly steps: ``python`` (the specification) or ``native``.

Every verifier is written once, in pure Python (py_ecc for the curve).  Two of its steps are
arithmetic on the curve that cost nearly all of its time: the multi-scalar multiplication and the
2-pairing check of the batched KZG equation (``hyperkzg.check_batched_kzg``).  The ``native``
backend (``attrib.verifier.native``) runs exactly those two steps with the compiled kernels (a
small-MSM and a BN254 pairing in C); parsing, the transcript, the sum-checks and every other check stay
the same Python code, so the two backends can only differ in the value of Σ k·P and in whether
e(A, [1]₂)·e(B, [τ]₂) = 1 — and the differential tests compare their verdicts on every test
vector and fuzz case.

Choosing: every public ``verify_*`` function takes ``backend=`` (``"python"``, ``"native"`` or
``"auto"``: native when the kernels are built, else python); without it the setting is the
environment variable ``ATTRIB_VERIFIER_BACKEND`` (same values), default ``python``.  Asking for
``native`` where the kernels are missing raises ``BackendUnavailable`` before any work.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import os

BACKENDS = ("python", "native", "auto")
ENVIRONMENT = "ATTRIB_VERIFIER_BACKEND"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("attrib_verifier_backend", default="")


class BackendUnavailable(RuntimeError):
    """The native backend was asked for but the compiled kernels cannot be imported."""


def native_available() -> bool:
    """Whether the native backend's kernels (MSM and pairing) import."""
    try:
        import attrib.verifier.native  # noqa: F401  (it imports the kernels' _g1 and _pairing)
    except ImportError:
        return False
    return True


def resolve(name: str | None = None) -> str:
    """``python`` or ``native`` for a requested backend (None: the environment's, else python)."""
    requested = name if name is not None else (os.environ.get(ENVIRONMENT) or "python")
    if requested not in BACKENDS:
        raise ValueError(f"unknown verifier backend {requested!r}; expected one of {', '.join(BACKENDS)}"
                         + (f" (from ${ENVIRONMENT})" if name is None else ""))
    if requested == "auto":
        return "native" if native_available() else "python"
    if requested == "native" and not native_available():
        raise BackendUnavailable("the native verifier backend needs the compiled kernels "
                                 "(attrib.kernels._g1 and _pairing); build the package or use backend='python'")
    return requested


def current() -> str:
    """The backend of the verification running in this context."""
    return _current.get() or resolve(None)


@contextlib.contextmanager
def scope(name: str | None):
    """Run the enclosed verification with backend ``name`` (None: keep the current setting)."""
    if name is None:
        yield
        return
    token = _current.set(resolve(name))
    try:
        yield
    finally:
        _current.reset(token)


def selectable(verify):
    """Give a public ``verify_*`` function the keyword ``backend=`` (see the module docstring)."""

    @functools.wraps(verify)
    def wrapper(*args, backend: str | None = None, **kwargs):
        with scope(backend):
            return verify(*args, **kwargs)

    signature = inspect.signature(verify)
    wrapper.__signature__ = signature.replace(parameters=[
        *signature.parameters.values(),
        inspect.Parameter("backend", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="str | None")])
    return wrapper


__all__ = ["BACKENDS", "BackendUnavailable", "current", "native_available", "resolve", "scope", "selectable"]
