"""A task's MCP servers (``[[environment.mcp_servers]]``), connected for one episode.

On the docker backend reset connects every server with the official MCP Python SDK:

* ``stdio``: the server's ``command args`` run INSIDE the task's main container, as the
  agent user in the workdir (``docker exec -i``); the host runs only the ``docker`` CLI.
* ``sse`` / ``streamable-http``: the URL as the agent's container sees it. A compose
  service name (``http://notes:8000/mcp``) is the sidecar's address on the episode's
  private network; ``localhost`` is the main container. The path and the ``Host`` header
  are kept; only the address the host connects to changes.

Each is retried until a deadline (``mcp_connect_timeout_s``, at most
:data:`CONNECT_TIMEOUT_S`) and reset fails naming the server that never came up. Their
tools are offered next to exec/read_file/write_file/submit as ``<server>__<tool>``
(:data:`SEPARATOR`), with the server's descriptions and input schemas. Results never
carry a reward: only the verifier scores. :meth:`MCPServers.close` ends every session
(the stdio server gets EOF, its ``docker exec`` client exits) before the verifier runs
and when the episode ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from envbridge.bridges.harbor.backends.base import SandboxError
from envbridge.bridges.harbor.config import MCPServerConfig
from envbridge.spec import Tool, ToolError

log = logging.getLogger(__name__)

SEPARATOR = "__"
"""An MCP tool ``t`` of server ``s`` is offered as ``s__t``."""
CONNECT_TIMEOUT_S = 600.0
"""The longest reset waits for a server to answer ``initialize``."""
_INVALID_PARAMS = -32602
_ATTEMPT_TIMEOUT_S = 10.0
_CLOSE_TIMEOUT_S = 10.0
_HOST_ENV = ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT",
             "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")  # fmt: skip
"""What the host's ``docker exec`` client inherits (the server's env is the container's)."""


@dataclass(slots=True)
class Endpoint:
    """How the host reaches one server: an argv to spawn (stdio) or a URL and headers."""

    name: str
    transport: str
    argv: list[str] = field(default_factory=list)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    address: tuple[str, int] | None = None
    """(ip, port) probed before connecting (HTTP transports)."""


def tool_name(server: str, tool: str) -> str:
    return f"{server}{SEPARATOR}{tool}"


def http_endpoint(server: MCPServerConfig, resolve: Callable[[str], str]) -> Endpoint:
    """``server``'s URL with its host replaced by ``resolve(host)``; Host header kept."""
    assert server.url is not None
    parts = urlsplit(server.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SandboxError(f"MCP server {server.name}: url {server.url!r} is not http(s)://host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(parts.hostname)
    except SandboxError as exc:
        raise SandboxError(f"MCP server {server.name}: {exc}") from None
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    headers = {"Host": parts.netloc.rpartition("@")[2], **server.headers}
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return Endpoint(server.name, server.transport, url=url, headers=headers,
                    address=(address, port))  # fmt: skip


def stdio_endpoint(server: MCPServerConfig, docker_exec: list[str]) -> Endpoint:
    """``docker exec -i ... <container>`` followed by the server's command and args."""
    assert server.command is not None
    return Endpoint(server.name, "stdio", argv=[*docker_exec, server.command, *server.args])


class MCPServers:
    """The MCP client sessions of one episode, served from a private event-loop thread.

    The environment's methods run in worker threads; every SDK call is submitted to the
    loop here and waited for with a timeout.
    """

    def __init__(self, endpoints: list[Endpoint], connect_timeout_s: float, output_limit: int):
        self.endpoints = endpoints
        self.connect_timeout_s = min(connect_timeout_s, CONNECT_TIMEOUT_S)
        self.output_limit = output_limit
        self._tools: list[Tool] = []
        self._routes: dict[str, tuple[str, str, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._main: concurrent.futures.Future[None] | None = None
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._closing: asyncio.Event | None = None
        self._stderr: dict[str, Any] = {}
        self._ended: dict[str, Any] = {}
        """A stdio server's "output ended" event (None for HTTP servers)."""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect every server (health-waited); :class:`SandboxError` naming the one
        that did not come up. Everything opened is closed again on failure."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="harbor-mcp", daemon=True)
        self._thread.start()
        self._main = asyncio.run_coroutine_threadsafe(self._hold(), loop)
        try:
            self._ready.result(timeout=self.connect_timeout_s * len(self.endpoints) + 30)
        except concurrent.futures.TimeoutError:
            self.close()
            raise SandboxError("MCP servers did not connect in time") from None
        except BaseException:
            self.close()
            raise

    async def _hold(self) -> None:
        """Open every session, then keep them open until :meth:`close` (one task: the
        SDK's transports must be entered and left by the same task)."""
        self._closing = asyncio.Event()
        try:
            async with AsyncExitStack() as stack:
                for endpoint in self.endpoints:
                    session = await self._connect(stack, endpoint)
                    await self._list_tools(endpoint.name, session)
                self._ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:
            if not self._ready.done():
                failure = exc if isinstance(exc, SandboxError) else None
                self._ready.set_exception(failure or SandboxError(f"MCP: {_describe(exc)}"))
            elif not isinstance(exc, asyncio.CancelledError):
                log.warning("MCP sessions ended with an error: %s", _describe(exc))

    async def _connect(self, stack: AsyncExitStack, endpoint: Endpoint) -> Any:
        deadline = time.monotonic() + self.connect_timeout_s
        problem = "no attempt"
        while time.monotonic() < deadline:
            if endpoint.address is not None and not await _port_open(endpoint.address):
                problem = f"nothing listens on {endpoint.address[0]}:{endpoint.address[1]}"
                await asyncio.sleep(0.2)
                continue
            attempt = AsyncExitStack()
            try:
                session = await self._open(attempt, endpoint, deadline)
            except Exception as exc:  # not up yet: try again until the deadline
                problem = _describe(exc)
                with contextlib.suppress(Exception):
                    await attempt.aclose()
                if endpoint.transport == "stdio":
                    problem += self._stderr_tail(endpoint.name)
                await asyncio.sleep(0.3)
                continue
            stack.push_async_exit(attempt)
            return session
        raise SandboxError(
            f"MCP server {endpoint.name} ({endpoint.transport}) did not come up within "
            f"{self.connect_timeout_s:.0f}s: {problem}"
        )

    async def _open(self, stack: AsyncExitStack, endpoint: Endpoint, deadline: float) -> Any:
        import anyio
        from mcp import ClientSession

        streams = await stack.enter_async_context(self._transport(endpoint))
        session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
        with anyio.fail_after(max(min(_ATTEMPT_TIMEOUT_S, deadline - time.monotonic()), 0.1)):
            await session.initialize()
        self._ended[endpoint.name] = streams[2] if endpoint.transport == "stdio" else None
        return session

    def _transport(self, endpoint: Endpoint) -> Any:
        if endpoint.transport == "stdio":
            from envbridge.bridges.harbor.mcp_stdio import StderrTail, bounded_stdio

            tail = self._stderr[endpoint.name] = StderrTail()
            env = {key: os.environ[key] for key in _HOST_ENV if key in os.environ}
            return bounded_stdio(endpoint.argv, env, tail)
        if endpoint.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(endpoint.url, headers=endpoint.headers, timeout=_ATTEMPT_TIMEOUT_S)
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        client = create_mcp_http_client(headers=endpoint.headers)
        return _owned_client(client, streamable_http_client(endpoint.url, http_client=client))

    async def _list_tools(self, server: str, session: Any) -> None:
        from mcp.types import PaginatedRequestParams

        cursor = None
        while True:
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            listed = await session.list_tools(params=params)
            for tool in listed.tools:
                name = tool_name(server, tool.name)
                self._routes[name] = (server, tool.name, session)
                self._tools.append(
                    Tool(name=name, description=tool.description or "",
                         input_schema=dict(tool.inputSchema))
                )  # fmt: skip
            cursor = listed.nextCursor
            if not cursor:
                return

    def _stderr_tail(self, server: str) -> str:
        tail = self._stderr.get(server)
        text = tail.text()[-400:] if tail is not None else ""
        return f" (stderr: {text})" if text else ""

    def close(self) -> None:
        """End every session and the loop thread (safe to call twice)."""
        loop, self._loop = self._loop, None
        if loop is None:
            return
        if self._closing is not None:
            loop.call_soon_threadsafe(self._closing.set)
        if self._main is not None:
            try:
                self._main.result(timeout=_CLOSE_TIMEOUT_S)
            except BaseException:  # hung or failed: cancel what is left
                self._main.cancel()
                with contextlib.suppress(BaseException):
                    self._main.result(timeout=_CLOSE_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=_CLOSE_TIMEOUT_S)
        if not loop.is_running():
            loop.close()
        self._stderr.clear()
        self._routes.clear()
        self._tools = []

    # --------------------------------------------------------------------- tools

    def tools(self) -> list[Tool]:
        return list(self._tools)

    def owns(self, name: str) -> bool:
        return name in self._routes

    def call(self, name: str, arguments: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Forward a call; the result's text/structured content, or a :class:`ToolError`."""
        server, tool, session = self._routes[name]
        if self._loop is None:
            raise ToolError(f"MCP server {server} is closed", "execution_error")
        future = asyncio.run_coroutine_threadsafe(
            _call(session, tool, arguments, timeout_s, self._ended.get(server)), self._loop
        )
        try:
            result = future.result(timeout=timeout_s + 5)
        except (TimeoutError, concurrent.futures.TimeoutError):
            future.cancel()
            raise ToolError(f"{name}: MCP server {server} did not answer within "
                            f"{timeout_s:.0f}s", "timeout") from None  # fmt: skip
        except Exception as exc:
            code = getattr(getattr(exc, "error", None), "code", None)
            kind = "invalid_args" if code == _INVALID_PARAMS else "execution_error"
            raise ToolError(f"{name}: MCP server {server}: {_describe(exc)}", kind) from None
        return self._result(name, result)

    def _result(self, name: str, result: Any) -> dict[str, Any]:
        texts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
        text = "\n".join(texts)
        if result.isError:
            raise ToolError(f"{name}: {text or 'the MCP tool reported an error'}"
                            [: self.output_limit], "execution_error")  # fmt: skip
        truncated = len(text.encode()) > self.output_limit
        data: dict[str, Any] = {
            "text": text.encode()[: self.output_limit].decode(errors="ignore"),
            "truncated": truncated,
            "content": [] if truncated else [
                block.model_dump(mode="json", by_alias=True, exclude_none=True)
                for block in result.content
            ],
        }  # fmt: skip
        if result.structuredContent is not None:
            data["structured_content"] = result.structuredContent
        return data


async def _call(
    session: Any, tool: str, arguments: dict[str, Any], timeout_s: float, ended: Any
) -> Any:
    """The call's result; ``ConnectionError`` as soon as a stdio server's output ends."""
    import anyio

    if ended is None:
        with anyio.fail_after(timeout_s):
            return await session.call_tool(tool, arguments)
    if ended.is_set():
        raise ConnectionError("the server's output has ended (it exited or sent too much)")
    outcome: list[Any] = []

    async def call() -> None:
        outcome.append(await session.call_tool(tool, arguments))
        group.cancel_scope.cancel()

    async def watch() -> None:
        await ended.wait()
        group.cancel_scope.cancel()

    with anyio.fail_after(timeout_s):
        async with anyio.create_task_group() as group:
            group.start_soon(call)
            group.start_soon(watch)
    if not outcome:
        raise ConnectionError("the server's output ended during the call (it exited or sent "
                              "too much)")  # fmt: skip
    return outcome[0]


async def _port_open(address: tuple[str, int]) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(*address), timeout=1.0)
    except (OSError, TimeoutError, socket.gaierror):
        return False
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return True


@contextlib.asynccontextmanager
async def _owned_client(client: Any, transport: Any) -> Any:
    """``transport`` with ``client`` closed after it (the SDK leaves a given client open)."""
    async with client, transport as streams:
        yield streams


def _describe(exc: BaseException) -> str:
    """The innermost message of ``exc`` (task groups wrap errors in ExceptionGroups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    error = getattr(exc, "error", None)  # McpError carries ErrorData
    message = getattr(error, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}" if type(exc).__name__ not in message else message


def connect_servers(
    servers: list[MCPServerConfig], sandbox: Any, user: str | int, timeout_s: float,
    output_limit: int,
) -> MCPServers | None:  # fmt: skip
    """Connect ``servers`` for the episode running in ``sandbox`` (docker); None if none."""
    if not servers:
        return None
    if not hasattr(sandbox, "mcp_address"):
        raise SandboxError("MCP servers need --backend docker")
    endpoints = [
        stdio_endpoint(server, sandbox.mcp_exec_argv(user))
        if server.transport == "stdio"
        else http_endpoint(server, sandbox.mcp_address)
        for server in servers
    ]
    connections = MCPServers(endpoints, timeout_s, output_limit)
    connections.start()
    return connections


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "main")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def server_problems(task: Any) -> list[str]:
    """Why reset would refuse ``task``'s MCP servers (names, hosts), before any episode."""
    from envbridge.bridges.harbor.sidecars import ComposeError, compose_file, read_compose

    try:
        services = {service.name for service in read_compose(task.environment_dir)[0]}
    except ComposeError:
        services = set()  # the compose finding says why
    has_network = compose_file(task.environment_dir) is not None
    problems, seen = [], set()
    for server in task.config.environment.mcp_servers:
        where = f"mcp_servers {server.name!r}"
        if not _NAME.fullmatch(server.name):
            problems.append(f"{where}: a name is letters, digits, '_' and '-' (it prefixes "
                            "the tool names)")  # fmt: skip
        if server.name in seen:
            problems.append(f"{where}: two servers have this name")
        seen.add(server.name)
        if server.transport == "stdio":
            continue
        host = urlsplit(server.url or "").hostname or ""
        if host in _LOCAL_HOSTS and not has_network:
            problems.append(f"{where}: {host} is the main container, reachable only with "
                            "environment/docker-compose.yaml (use 'stdio' instead)")  # fmt: skip
        elif host not in _LOCAL_HOSTS and host not in services:
            problems.append(f"{where}: host {host!r} of {server.url} is not a service of "
                            "environment/docker-compose.yaml; only sidecars and localhost "
                            "are reachable")  # fmt: skip
    return problems
