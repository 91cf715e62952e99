"""Containment: nothing an environment raises may take the server down.

``SystemExit``, ``KeyboardInterrupt`` and other ``BaseException`` subclasses raised by
environment code would stop the server's event loop (or a bridge's worker loop) if they
escaped. :func:`contained` turns them into :class:`EnvironmentAborted`, an ordinary
``Exception`` the session core maps to ``EXECUTION_ERROR`` like any other failure.
Cancellation (``asyncio.CancelledError``) and ``GeneratorExit`` pass through untouched:
they are how the server itself stops work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

_PASS_THROUGH = (Exception, asyncio.CancelledError, GeneratorExit)


class ContainedFailure(Exception):
    """A failure the server stopped at the session; its message says it all."""


class EnvironmentAborted(ContainedFailure):
    """An environment raised a ``BaseException`` (e.g. ``SystemExit``); it stops here."""

    def __init__(self, original: BaseException):
        super().__init__(f"{type(original).__name__}: {original}")
        self.original = original


class CallTimedOut(ContainedFailure):
    """An environment call ran past the server's ``--step-timeout``."""

    def __init__(self, method: str, timeout_s: float):
        super().__init__(
            f"{method}() did not finish within the server's step timeout of {timeout_s:g} s "
            "(--step-timeout); the call may still be running, so this session's next call "
            "can time out too: close it and open a new one"
        )
        self.timeout_s = timeout_s


def must_contain(exc: BaseException) -> bool:
    """True for what would escape ``except Exception`` but is not the server's own
    cancellation: the exceptions :func:`contained` converts."""
    return not isinstance(exc, _PASS_THROUGH)


@contextmanager
def contained() -> Iterator[None]:
    """Re-raise ``SystemExit``/``KeyboardInterrupt``/... from the block as
    :class:`EnvironmentAborted`; everything else propagates unchanged."""
    try:
        yield
    except BaseException as exc:
        if must_contain(exc):
            raise EnvironmentAborted(exc) from exc
        raise


def describe(exc: BaseException) -> str:
    """``Type: message`` of the exception the environment really raised."""
    if isinstance(exc, ContainedFailure):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
