"""SIGTERM/SIGINT with an env call stuck forever: the server exits within its
``--shutdown-timeout`` and leaves nothing behind (temp folders, subprocesses)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from envbridge.spec.client import SyncClient

from tests.helpers import ROOT, envbridge_cli, process_output, start_process, wait_healthy

SHUTDOWN_TIMEOUT_S = 4.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return status != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("target", ["ThreadedChaos", "AsyncChaos"])
def test_a_stuck_env_call_neither_holds_the_exit_nor_leaks(signum: int, target: str) -> None:
    process, url = start_process(
        lambda port: envbridge_cli(
            "serve", f"tests.chaos.envs:{target}", "--port", str(port),
            "--shutdown-timeout", str(SHUTDOWN_TIMEOUT_S),
        ),
        cwd=str(ROOT),
    )  # fmt: skip
    try:
        wait_healthy(url, 60, process)
        owned = []
        for _ in range(3):  # three sessions with a folder and a subprocess each
            client = SyncClient(url, timeout_s=60).connect()
            owned.append(client.reset(resources=True, chaos="hang_in_step").observation)
            threading.Thread(target=_stuck_step, args=(client,), daemon=True).start()
        stuck = SyncClient(url, timeout_s=60).connect()
        stuck.reset(chaos="leak_thread")
        stuck.step({"delta": 1})  # a leaked non-daemon thread too
        time.sleep(0.5)  # the steps are in the env now, stuck
        for item in owned:
            assert Path(item["folder"]).is_dir() and alive(item["pid"])
        started = time.monotonic()
        os.killpg(process.pid, signum)
        process.wait(timeout=SHUTDOWN_TIMEOUT_S + 10)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = process_output(process)
    process.log.close()  # type: ignore[attr-defined]
    print(f"{target} {signal.Signals(signum).name}: exited {process.returncode} in {took:.2f} s")
    assert took < SHUTDOWN_TIMEOUT_S + 5.0, output
    assert process.returncode in (0, 1), output
    leftovers = [item["folder"] for item in owned if Path(item["folder"]).exists()]
    leftovers += [item["pid"] for item in owned if alive(item["pid"])]
    assert leftovers == [], output


def _stuck_step(client: SyncClient) -> None:
    with contextlib.suppress(Exception):  # the server goes away: expected
        client.step({"delta": 1})


def test_the_watchdog_forces_the_exit_when_the_server_loop_itself_is_blocked() -> None:
    """An inline (``blocking = False``) env hanging blocks the event loop itself: only
    the watchdog can end the process; it removes the resources first, exits 1."""
    process, url = start_process(
        lambda port: envbridge_cli(
            "serve", "tests.chaos.envs:InlineChaos", "--port", str(port),
            "--shutdown-timeout", str(SHUTDOWN_TIMEOUT_S),
        ),
        cwd=str(ROOT),
    )  # fmt: skip
    try:
        wait_healthy(url, 60, process)
        client = SyncClient(url, timeout_s=60).connect()
        owned = client.reset(resources=True, chaos="hang_in_step").observation
        threading.Thread(target=_stuck_step, args=(client,), daemon=True).start()
        time.sleep(0.5)
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_TIMEOUT_S + 10)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = process_output(process)
    process.log.close()  # type: ignore[attr-defined]
    print(f"InlineChaos (loop blocked) SIGTERM: exited {process.returncode} in {took:.2f} s")
    assert process.returncode == 1, output
    assert "did not finish within" in output
    assert SHUTDOWN_TIMEOUT_S - 0.5 < took < SHUTDOWN_TIMEOUT_S + 5.0
    assert not Path(owned["folder"]).exists() and not alive(owned["pid"])
