"""Task MCP servers (``[[environment.mcp_servers]]``) on the docker backend: real Docker,
the real MCP SDK client; the servers are the stdlib MCP server of envs/harbor/mcp-notes-sidecar
(as a compose sidecar over streamable HTTP, and as a stdio server in the main container)."""

from __future__ import annotations

import gc
import os
import shutil
import threading
from pathlib import Path

import pytest
from envbridge.bridges.harbor import load_target
from envbridge.bridges.harbor.backends import SandboxError
from envbridge.bridges.harbor.config import MCPServerConfig
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.mcp_servers import http_endpoint
from envbridge.bridges.harbor.task import load_task
from envbridge.spec import ToolError
from envbridge.spec.client import SyncClient

from tests.bridges.harbor.support import (
    TASKS_DIR,
    corpus_options,
    harbor_containers,
)
from tests.bridges.harbor.support import stdio_mcp_task as stdio_task
from tests.helpers import serving

NOTES_TASK = TASKS_DIR / "mcp-notes-sidecar"
NOTES_TOOLS = ["notes__list_notes", "notes__read_note", "notes__add_note"]
HARBOR_TOOLS = ["exec", "write_file", "read_file", "submit"]


def host_children() -> list[str]:
    """Command lines of this process's child processes (a stdio server's docker CLI)."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and stat.rpartition(")")[2].split()[1] == me:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


def open_sockets() -> int:
    """Sockets this process holds (after a collection: docker-py drops some unclosed)."""
    gc.collect()
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


def mcp_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name == "harbor-mcp"]


# ----------------------------------------------------------------------------- lint


def test_lint_on_local_says_mcp_servers_need_docker():
    task = load_task(NOTES_TASK)
    local = [f for f in errors(lint_task(task, "local")) if f.rule == "mcp-servers"]
    assert len(local) == 1
    assert local[0].message.startswith("environment.mcp_servers: not supported: MCP servers need")
    assert "--backend docker" in local[0].message
    docker = [f for f in lint_task(task, "docker") if f.rule == "mcp-servers"]
    assert [(f.severity, "notes (streamable-http)" in f.message) for f in docker] == [
        ("info", True)
    ]
    assert errors(lint_task(task, "docker")) == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/mcp", "is not a service of environment/docker-compose.yaml"),
        ("http://host.docker.internal:8000/mcp", "is not a service"),
        ("http://localhost:8000/mcp", "reachable only with environment/docker-compose.yaml"),
    ],
)
def test_lint_refuses_mcp_urls_that_are_not_the_tasks_own_containers(tmp_path, url, why):
    """The host connects to sidecars and the main container only: never to any host a
    task.toml names (no server-side request forgery through the bridge)."""
    root = stdio_task(tmp_path / "t")
    toml = (root / "task.toml").read_text().split("[[environment.mcp_servers]]")[0]
    (root / "task.toml").write_text(
        toml + f'[[environment.mcp_servers]]\nname = "web"\ntransport = "sse"\nurl = "{url}"\n'
    )
    found = [f for f in errors(lint_task(load_task(root), "docker")) if f.rule == "mcp-servers"]
    assert len(found) == 1 and why in found[0].message and "'web'" in found[0].message


def test_lint_refuses_server_names_that_cannot_prefix_tool_names(tmp_path):
    root = stdio_task(tmp_path / "t")
    text = (root / "task.toml").read_text().replace('name = "notes"', 'name = "my notes"')
    (root / "task.toml").write_text(text)
    found = [f.message for f in errors(lint_task(load_task(root))) if f.rule == "mcp-servers"]
    assert len(found) == 1 and "'my notes'" in found[0] and "letters, digits" in found[0]


# --------------------------------------------------------------------------- docker


@pytest.fixture(scope="module")
def notes_env(base_image):
    env = load_target(str(NOTES_TASK), corpus_options("docker"))()
    yield env
    env.close()


@pytest.mark.docker
def test_sidecar_tools_are_offered_with_the_server_prefix_and_calls_forward(notes_env):
    observation = notes_env.reset()
    assert observation.observation["tool_names"] == HARBOR_TOOLS + NOTES_TOOLS
    tools = {tool.name: tool for tool in notes_env.tools()}
    assert tools["notes__read_note"].description == "The text of the note with this title."
    assert tools["notes__read_note"].input_schema["required"] == ["title"]
    listed = notes_env.call_tool("notes__list_notes", {})
    assert listed["structured_content"] == {"titles": ["deploy-key", "readme"]}
    read = notes_env.call_tool("notes__read_note", {"title": "deploy-key"})
    assert read["text"] == "harbor-mcp-5183" and read["content"][0]["type"] == "text"
    # the call reached the sidecar: the agent sees the note it stored through the tool
    notes_env.call_tool("notes__add_note", {"title": "ack", "text": "from the tool"})
    assert notes_env.call_tool("notes__read_note", {"title": "ack"})["text"] == "from the tool"
    state = notes_env.state()
    assert state["tool_calls"] == 4 and state["done"] is False and state["rewards"] is None


@pytest.mark.docker
def test_bad_calls_are_structured_tool_errors(notes_env):
    notes_env.reset()
    with pytest.raises(ToolError) as missing:
        notes_env.call_tool("notes__read_note", {"title": "nope"})
    assert missing.value.error_type == "execution_error" and "no note titled" in str(missing.value)
    with pytest.raises(ToolError) as invalid:
        notes_env.call_tool("notes__read_note", {})
    assert invalid.value.error_type == "invalid_args" and "notes" in str(invalid.value)
    with pytest.raises(ToolError) as unknown:
        notes_env.call_tool("notes__delete_everything", {})
    assert unknown.value.error_type == "tool_not_found"


@pytest.mark.docker
def test_a_dead_server_is_a_tool_error_and_the_episode_goes_on(base_image, tmp_path):
    options = {**corpus_options("docker"), "exec_timeout_s": 10}
    threads = mcp_threads()
    env = load_target(str(stdio_task(tmp_path / "t")), options)()
    try:
        env.reset()
        kill = (
            "for p in /proc/[0-9]*; do grep -qa 'notes[_]mcp' $p/cmdline && kill ${p#/proc/}; done"
        )
        killed = env.call_tool("exec", {"command": f"{kill}; sleep 0.5; echo done"})
        assert killed["stdout"] == "done\n"
        with pytest.raises(ToolError) as dead:
            env.call_tool("notes__list_notes", {})
        assert dead.value.error_type in ("execution_error", "timeout")
        assert env.call_tool("exec", {"command": "echo alive"})["stdout"] == "alive\n"
    finally:
        env.close()
    assert mcp_threads() == threads and not [c for c in host_children() if "docker" in c]


@pytest.mark.docker
def test_tools_over_the_websocket_wire(notes_env, base_image):
    factory = load_target(str(NOTES_TASK), corpus_options("docker"))
    with serving(factory, mode="simulation") as url, SyncClient(url) as client:
        client.reset()
        listed = client.step({"type": "list_tools"})
        assert [t["name"] for t in listed.observation["tools"]] == HARBOR_TOOLS + NOTES_TOOLS
        call = {"type": "call_tool", "tool_name": "notes__read_note"}
        good = client.step({**call, "arguments": {"title": "deploy-key"}})
        assert good.observation["error"] is None and good.reward is None and good.done is False
        assert good.observation["result"]["data"]["text"] == "harbor-mcp-5183"
        bad = client.step({**call, "arguments": {"title": 7}})
        assert bad.observation["error"]["error_type"] == "invalid_args"
        submitted = client.step({"type": "call_tool", "tool_name": "submit", "arguments": {}})
        assert submitted.done is True and submitted.reward == 0.0


@pytest.mark.docker
def test_stdio_server_runs_in_the_container_as_the_agent_user(base_image, tmp_path):
    env = load_target(str(stdio_task(tmp_path / "t")), corpus_options("docker"))()
    try:
        env.reset()
        assert (
            env.call_tool("notes__read_note", {"title": "deploy-key"})["text"] == "stdio-secret-9"
        )
        owners = env.call_tool(
            "exec",
            {"command": "for p in /proc/[0-9]*; do grep -qa 'notes[_]mcp' $p/cmdline 2>/dev/null "
             "&& stat -c %U $p; done | sort -u"},
        )  # fmt: skip
        assert owners["stdout"] == "clerk\n"
        # on the host only the docker CLI runs: never the server's command itself
        children = [c for c in host_children() if "notes_mcp" in c]
        assert len(children) == 1 and children[0].split()[:3] == [
            shutil.which("docker"), "exec", "-i"
        ]  # fmt: skip
    finally:
        env.close()


@pytest.mark.docker
def test_nothing_leaks_after_reset_submit_and_close(base_image, tmp_path):
    threads, sockets, containers = mcp_threads(), open_sockets(), harbor_containers()
    env = load_target(str(stdio_task(tmp_path / "t")), corpus_options("docker"))()
    sidecar = load_target(str(NOTES_TASK), corpus_options("docker"))()
    try:
        env.reset()
        env.reset()  # a new episode closes the old sessions first
        assert len(mcp_threads()) == len(threads) + 1 and len(host_children()) == 1
        submitted = env.call_tool("submit", {})
        assert submitted.done is True and mcp_threads() == threads and host_children() == []
        assert [tool.name for tool in env.tools()] == HARBOR_TOOLS
        env.reset()
        sidecar.reset()
        assert len(mcp_threads()) == len(threads) + 2
        assert len(harbor_containers()) == len(containers) + 3
    finally:
        env.close()
        sidecar.close()
    assert mcp_threads() == threads and host_children() == []
    assert harbor_containers() == containers and open_sockets() == sockets


@pytest.mark.docker
def test_a_server_that_never_comes_up_fails_reset_naming_it(base_image, tmp_path):
    root = stdio_task(tmp_path / "t", server_command="/opt/no-such-server.py")
    options = {**corpus_options("docker"), "mcp_connect_timeout_s": 3}
    env = load_target(str(root), options)()
    threads, containers = mcp_threads(), harbor_containers()
    try:
        with pytest.raises(SandboxError, match=r"MCP server notes \(stdio\) did not come up"):
            env.reset()
        assert harbor_containers() == containers and mcp_threads() == threads
        assert host_children() == []
    finally:
        env.close()


@pytest.mark.docker
def test_the_docs_example_runs(base_image, monkeypatch, capsys):
    """The python block of docs/bridges/harbor.md marked 'harbor MCP example'."""
    page = (TASKS_DIR.parents[1] / "docs" / "bridges" / "harbor.md").read_text()
    blocks = [block.split("```", 1)[0] for block in page.split("```python\n")[1:]]
    (example,) = [block for block in blocks if "harbor MCP example" in block]
    monkeypatch.chdir(TASKS_DIR.parents[1])
    exec(compile(example, "docs/bridges/harbor.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(HARBOR_TOOLS + NOTES_TOOLS), "1.0"]


def test_an_http_url_keeps_its_path_query_host_header_and_headers():
    server = MCPServerConfig(
        name="notes", url="http://notes:8000/mcp?v=1", headers={"Authorization": "Bearer t"}
    )
    endpoint = http_endpoint(server, {"notes": "172.30.0.5"}.__getitem__)
    assert endpoint.url == "http://172.30.0.5:8000/mcp?v=1"
    assert endpoint.headers == {"Host": "notes:8000", "Authorization": "Bearer t"}
    assert endpoint.address == ("172.30.0.5", 8000) and endpoint.transport == "sse"
    plain = http_endpoint(MCPServerConfig(name="n", url="http://notes/sse"), lambda h: "fd00::5")
    assert plain.url == "http://[fd00::5]:80/sse" and plain.headers == {"Host": "notes"}


@pytest.mark.docker
def test_sse_transport_harbors_default(base_image, tmp_path):
    root = tmp_path / "sse-task"
    shutil.copytree(NOTES_TASK, root)
    toml = (root / "task.toml").read_text()
    toml = toml.replace('transport = "streamable-http"\nurl = "http://notes:8000/mcp"', "")
    (root / "task.toml").write_text(toml + 'url = "http://notes:8000/sse"\n')  # sse: default
    env = load_target(str(root), corpus_options("docker"))()
    try:
        env.reset()
        assert env.call_tool("notes__read_note", {"title": "deploy-key"})["text"] == (
            "harbor-mcp-5183"
        )
        with pytest.raises(ToolError, match="no note titled"):
            env.call_tool("notes__read_note", {"title": "missing"})
    finally:
        env.close()


@pytest.mark.docker
@pytest.mark.anyio
async def test_production_mode_lists_and_forwards_over_the_mcp_endpoint(base_image):
    """An MCP client of the bridge (/mcp) sees the task's MCP tools and calls them."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    factory = load_target(str(NOTES_TASK), corpus_options("docker"))
    with serving(factory, mode="production") as url:
        async with (
            streamable_http_client(f"{url}/mcp") as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            listed = await session.list_tools()
            assert [tool.name for tool in listed.tools] == HARBOR_TOOLS + NOTES_TOOLS
            read_note = await session.call_tool("notes__read_note", {"title": "deploy-key"})
            assert read_note.structuredContent["text"] == "harbor-mcp-5183"
            missing = await session.call_tool("notes__read_note", {"title": "missing"})
            assert missing.isError and "no note titled" in missing.content[0].text
