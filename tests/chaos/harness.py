"""The chaos suite's moving parts: a bystander session that keeps stepping, a server
subprocess, and one function per chaos case that plays it and checks the damage.

Every case runs against a real ``envbridge serve`` process over real sockets, next to
the bystander; the bystander must see zero errors, and ``/health`` must stay 200.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from envbridge.spec.client import SyncClient
from envbridge.spec.client.protocol import ServerError, ToolCallError

from tests.helpers import ROOT, envbridge_cli, serving_process

STEP_TIMEOUT_S = 1.5
"""The served ``--step-timeout`` (the hang cases wait this long)."""


class Bystander:
    """A healthy session stepping in a loop on its own connection, counting errors."""

    def __init__(
        self,
        url: str,
        *,
        action: dict[str, Any],
        reset: dict[str, Any] | None = None,
        timeout_s: float = 30.0,
    ):
        self.url = url
        self.timeout_s = timeout_s
        self.action = action
        self.reset_options = reset or {}
        self.steps = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bystander", daemon=True)

    def _run(self) -> None:
        with SyncClient(self.url, timeout_s=self.timeout_s) as client:
            while not self._stop.is_set():
                try:
                    result = client.reset(**self.reset_options)
                    for _ in range(5):
                        if result.done:
                            break
                        result = client.step(self.action)
                        self.steps += 1
                except Exception as exc:  # the count is the assertion
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.1)

    def __enter__(self) -> Bystander:
        self._thread.start()
        self.wait_for_steps(1, timeout_s=self.timeout_s * 3)
        return self

    def wait_for_steps(self, more: int, timeout_s: float = 60.0) -> None:
        """Block until the bystander made ``more`` further steps."""
        target = self.steps + more
        deadline = time.monotonic() + timeout_s
        while self.steps < target:
            assert time.monotonic() < deadline, f"bystander stalled: {self.errors[-3:]}"
            assert not self.errors, self.errors
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@contextlib.contextmanager
def chaos_server(
    target: str, *extra: str, env: dict[str, str] | None = None, start_timeout_s: float = 90.0
) -> Iterator[str]:
    """``envbridge serve TARGET --step-timeout 1.5`` in a subprocess; yields its URL."""
    args = ("--step-timeout", str(STEP_TIMEOUT_S), "--log-level", "critical", *extra)
    with serving_process(
        lambda port: envbridge_cli("serve", target, "--port", str(port), *args),
        cwd=str(ROOT),
        env=env,
        timeout_s=start_timeout_s,
    ) as url:
        yield url


def health(url: str) -> tuple[int, Any]:
    response = httpx.get(f"{url}/health", timeout=10, trust_env=False)
    return response.status_code, response.json()


def expect_execution_error(call: Callable[[], Any], *fragments: str) -> str:
    """``call`` fails with a structured EXECUTION_ERROR naming every fragment."""
    try:
        call()
    except ServerError as exc:
        assert exc.code == "EXECUTION_ERROR", (exc.code, str(exc))
        for fragment in fragments:
            assert fragment in str(exc), (fragment, str(exc))
        return str(exc)
    raise AssertionError(f"expected EXECUTION_ERROR naming {fragments}; the call succeeded")


def play_case(url: str, case: str, *, action: dict[str, Any], tool: str | None = "explode") -> str:
    """Play one chaos case on a fresh session; returns what the client saw."""
    with SyncClient(url, timeout_s=30) as client:
        if case == "exit_in_reset":
            seen = expect_execution_error(
                lambda: client.reset(chaos=case), "SystemExit", "not authenticated"
            )
        else:
            client.reset(chaos=case)
        if case in ("exit_in_step", "interrupt_in_step"):
            kind = "SystemExit" if case == "exit_in_step" else "KeyboardInterrupt"
            seen = expect_execution_error(lambda: client.step(action), kind)
        elif case == "exit_in_tool":
            assert tool is not None
            try:
                client.call_tool(tool)
            except ToolCallError as exc:
                assert "SystemExit" in str(exc), str(exc)
                seen = str(exc)
            else:
                raise AssertionError("the exploding tool returned a value")
        elif case == "hang_in_step":
            started = time.monotonic()
            seen = expect_execution_error(lambda: client.step(action), "step timeout")
            assert time.monotonic() - started < STEP_TIMEOUT_S + 10
            return seen  # the session's thread is still stuck: use a new session
        elif case == "leak_thread":
            for _ in range(10):
                client.step(action)
            seen = "10 steps, a thread leaked per step"
        elif case in ("nan", "object"):
            try:
                result = client.step(action)
            except ServerError as exc:
                assert exc.code == "EXECUTION_ERROR", exc.code
                assert "JSON" in str(exc), str(exc)
                seen = str(exc)
            else:  # a bridge may encode such values itself; the reply parsed as JSON
                seen = f"encoded: {result.observation}"
        # the session survives its env's failure: a healthy episode on the same connection
        result = client.reset()
        client.step(action)
        assert result is not None
        return seen
