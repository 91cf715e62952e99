"""The bridge over real sockets: simulation over /ws, production over /mcp (our harness,
the official MCP SDK client), and the ``envbridge serve harbor:PATH`` command."""

from __future__ import annotations

import json

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.spec.client import SyncClient
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.bridges.harbor.support import TASKS_DIR, episode_tasks_dir
from tests.helpers import envbridge_cli, serving, serving_process
from tests.properties.parity import ParityHarness

LOCAL = {"backend": "local", "output_limit_bytes": 2048}


@pytest.fixture(scope="module")
def factory(bwrap_required):
    return load_target(str(TASKS_DIR / "hello-file"), LOCAL)


def test_simulation_episode_over_websocket(factory):
    with serving(factory, mode="simulation") as url, SyncClient(url) as client:
        first = client.reset(seed=0)
        assert first.observation["task_id"] == "hello-file" and first.reward is None
        listed = client.step({"type": "list_tools"})
        assert [tool["name"] for tool in listed.observation["tools"]] == [
            "exec", "write_file", "read_file", "submit",
        ]  # fmt: skip
        wrote = client.step(
            {
                "type": "call_tool",
                "tool_name": "write_file",
                "arguments": {"path": "greeting.txt", "content": "Hello, harbor!\n"},
            }
        )
        assert wrote.observation["error"] is None and wrote.done is False
        bad = client.step(
            {"type": "call_tool", "tool_name": "read_file", "arguments": {"path": "../x"}}
        )
        assert bad.observation["error"]["error_type"] == "invalid_args"
        assert client.state()["tool_calls"] == 1
        submitted = client.step({"type": "call_tool", "tool_name": "submit", "arguments": {}})
        assert submitted.done is True and submitted.reward == 1.0
        assert client.state()["rewards"] == {"reward": 1.0}


def test_plain_step_actions_get_a_validation_error_saying_what_to_send(factory):
    with serving(factory, mode="simulation") as url, SyncClient(url) as client:
        client.reset()
        with pytest.raises(Exception, match="call_tool"):
            client.step({"command": "ls"})


def test_sim_and_prod_agree_on_tool_calls(factory):
    calls = [
        ("exec", {"command": "echo hi; echo err >&2; exit 3"}),
        ("write_file", {"path": "/app/a/b.txt", "content": "x\ny"}),
        ("read_file", {"path": "a/b.txt"}),
        ("read_file", {"path": "/app/../etc/passwd"}),
        ("read_file", {"path": "/app/missing"}),
        ("exec", {"command": "sleep 5", "timeout_s": 0.5}),
        ("exec", {"command": "true", "unexpected": 1}),
        ("submit", {}),
    ]
    with ParityHarness(factory) as harness:
        outcomes = harness.check(calls)
    assert outcomes[0] == (
        "ok",
        {
            "stdout": "hi\n",
            "stderr": "err\n",
            "exit_code": 3,
            "timed_out": False,
            "truncated": False,
        },
    )
    assert outcomes[2] == ("ok", {"path": "/app/a/b.txt", "content": "x\ny", "truncated": False})
    assert [kind for kind, _ in outcomes[3:5]] == ["error", "error"]
    assert outcomes[5][1]["timed_out"] is True
    assert outcomes[6] == ("error", "invalid_args")
    assert outcomes[7][1]["reward"] == 0.0  # the greeting was never written


@pytest.mark.anyio
async def test_production_mode_with_the_official_mcp_client(factory):
    with serving(factory, mode="production") as url:
        async with (
            streamable_http_client(f"{url}/mcp") as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = await session.list_tools()
            assert {tool.name for tool in tools.tools} == {
                "exec",
                "write_file",
                "read_file",
                "submit",
            }
            assert tools.tools[0].inputSchema["required"] == ["command"]
            written = await session.call_tool(
                "exec", {"command": "printf 'Hello, harbor!\\n' > /app/greeting.txt && id -un"}
            )
            assert written.structuredContent["stdout"] == "root\n"
            result = await session.call_tool("submit", {})
            assert result.structuredContent["reward"] == 1.0
            after = await session.call_tool("exec", {"command": "true"})
            assert after.isError


def test_envbridge_serve_harbor_target(tmp_path):
    options = json.dumps(LOCAL)
    argv = lambda port: envbridge_cli(  # noqa: E731
        "serve", f"harbor:{TASKS_DIR}", "--port", str(port), "--options", options
    )
    with serving_process(argv) as url, SyncClient(url) as client:
        observation = client.reset(task_id="csv-report").observation
        assert observation["task_id"] == "csv-report" and observation["backend"] == "local"
        result = client.step({"type": "call_tool", "tool_name": "submit", "arguments": {}})
        assert result.done and result.reward == 0.0


def test_production_session_picks_its_task_from_create_options(bwrap_required):
    import httpx

    factory = load_target(str(episode_tasks_dir()), LOCAL)

    def rpc(http, method, params, ident=1):
        body = {"jsonrpc": "2.0", "id": ident, "method": method, "params": params}
        return http.post("/mcp", json=body).json()["result"]

    with (
        serving(factory, mode="production") as url,
        httpx.Client(base_url=url, timeout=60, trust_env=False) as http,
    ):
        created = rpc(http, "openenv/session/create", {"options": {"task_id": "nginx-log-triage"}})
        session = {"session_id": created["session_id"]}
        pwd = rpc(http, "tools/call", {"name": "exec", "arguments": {"command": "pwd"}, **session})
        assert pwd["data"]["stdout"] == "/srv/triage\n"
        rpc(http, "openenv/session/close", session)


def test_a_task_that_fails_to_start_does_not_disturb_the_server(tmp_path, bwrap_required):
    import shutil

    shutil.copytree(TASKS_DIR / "hello-file", tmp_path / "good")
    shutil.copytree(TASKS_DIR / "hello-file", tmp_path / "broken")
    (tmp_path / "broken" / "environment" / "Dockerfile").write_text("FROM x\nRUN exit 9\n")
    factory = load_target(str(tmp_path), LOCAL)
    with serving(factory) as url, SyncClient(url) as first, SyncClient(url) as second:
        second.reset(task_id="good")
        with pytest.raises(Exception, match=r"Dockerfile line 2: RUN 'exit 9' failed"):
            first.reset(task_id="broken")
        assert first.reset(task_id="good").observation["task_id"] == "good"
        listing = second.step(
            {"type": "call_tool", "tool_name": "exec", "arguments": {"command": "pwd"}}
        )
        assert listing.observation["result"]["data"]["stdout"] == "/app\n"
