"""Chaos, harbor bridge (local backend; env code here is the task's shell commands, so
the cases that apply are a command hanging forever and a stuck sandbox at SIGTERM):
the hanging tool call ends at the step timeout beside a bystander, and SIGTERM with a
command stuck in a sandbox removes every sandbox folder and process."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from envbridge.bridges.harbor.backends.local import bwrap_path
from envbridge.spec.client import SyncClient
from envbridge.spec.client.protocol import ToolCallError

from tests.chaos.harness import Bystander, health
from tests.helpers import (
    ROOT,
    envbridge_cli,
    marked_processes,
    process_output,
    start_process,
    wait_healthy,
)

pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap")

TASK = str(ROOT / "envs" / "harbor" / "hello-file")
EXEC = {"type": "call_tool", "tool_name": "exec", "arguments": {"command": "echo hi"}}


@pytest.fixture
def sandbox_tmp() -> Iterator[Path]:
    """A TMPDIR of this test's own that the sandbox's unprivileged uids can walk through
    (pytest's tmp_path sits under a root-only folder)."""
    folder = Path(tempfile.mkdtemp(prefix="chaos-harbor-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_hanging_command_times_out_and_sigterm_leaves_no_sandbox(sandbox_tmp: Path) -> None:
    tmp_path = sandbox_tmp
    marker = f"chaos-{uuid.uuid4().hex[:8]}"
    hang = {"command": f"sleep 100000; echo {marker}"}
    process, url = start_process(
        lambda port: envbridge_cli(
            "serve", f"harbor:{TASK}", "--backend", "local", "--port", str(port),
            "--step-timeout", "3", "--shutdown-timeout", "6",
        ),
        cwd=str(ROOT),
        env={"TMPDIR": str(tmp_path), "ENVBRIDGE_HARBOR_ETC_DIR": str(tmp_path)},
    )  # fmt: skip
    try:
        wait_healthy(url, 120, process)
        with Bystander(url, action=EXEC, timeout_s=60) as bystander:
            with SyncClient(url, timeout_s=60) as client:
                client.reset()
                started = time.monotonic()
                with pytest.raises(ToolCallError, match="step timeout"):
                    client.call_tool("exec", **hang)
                assert time.monotonic() - started < 30
                assert health(url) == (200, {"status": "healthy"})
            bystander.wait_for_steps(3)
            assert bystander.errors == []
            stuck = SyncClient(url, timeout_s=120).connect()
            stuck.reset()
            threading.Thread(target=_quietly, args=(stuck, hang), daemon=True).start()
            deadline = time.monotonic() + 30
            while not marked_processes(marker) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert marked_processes(marker), "the stuck command never started"
            assert any(tmp_path.iterdir()), "no sandbox folder to leak"
            started = time.monotonic()
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = process_output(process)
    process.log.close()  # type: ignore[attr-defined]
    print(f"harbor local SIGTERM with a stuck command: exited {process.returncode} in {took:.2f} s")
    assert took < 11, output
    assert marked_processes(marker) == {}, output
    assert sorted(p.name for p in tmp_path.iterdir()) == [], output


def _quietly(client: SyncClient, arguments: dict[str, str]) -> None:
    with contextlib.suppress(Exception):  # the server goes away
        client.call_tool("exec", **arguments)
