"""The async client: WebSocket by default, HTTP available, same methods as the sync twin."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from typing import Any, Literal

import httpx
from envbridge.spec.client import protocol as p
from envbridge.spec.client.tasks import AsyncTasks
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

Transport = Literal["ws", "http"]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024


class AsyncClient:
    """Drive one session of an OpenEnv-compatible server.

    ``transport="ws"`` (default) holds the session on one WebSocket; ``"http"`` uses
    ``/reset`` ``/step`` ``/state`` with a named session (stateful on envbridge servers,
    stateless on OpenEnv's, whose HTTP API has no sessions).
    """

    def __init__(
        self,
        url: str,
        *,
        transport: Transport = "ws",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        session_id: str | None = None,
    ):
        if transport not in ("ws", "http"):
            raise ValueError(f"transport must be 'ws' or 'http', got {transport!r}")
        self.base_url = p.base_http_url(url)
        self.transport = transport
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.max_message_bytes = max_message_bytes
        self.session_id = session_id
        """WS: attach to this existing session (``/ws?session_id=``). HTTP: the named session."""
        self._ws: ClientConnection | None = None
        self._http: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._ids = p.RpcIds()
        self._session_known = session_id is not None
        self._owns_session = False
        """True when this client created its HTTP session (then ``close`` releases it)."""

    # ----------------------------------------------------------------------- lifecycle

    async def connect(self) -> AsyncClient:
        """Open the connection now (otherwise the first call opens it)."""
        if self.transport == "ws":
            await self._websocket()
        return self

    async def __aenter__(self) -> AsyncClient:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @functools.cached_property
    def tasks(self) -> AsyncTasks:
        """OpenEnv's Task API on this server: splits, count, get, range, iter."""
        return AsyncTasks(self.base_url, timeout_s=self.timeout_s)

    async def close(self) -> None:
        """End the session: ``close`` frame then disconnect; closes HTTP resources."""
        if "tasks" in self.__dict__:
            await self.tasks.close()
        if self._ws is not None:
            ws, self._ws = self._ws, None
            with contextlib.suppress(ConnectionClosed):
                await ws.send(p.CLOSE_FRAME)
            await ws.close()
        if self._http is not None:
            if self._owns_session and self._session_known:
                with contextlib.suppress(p.EnvbridgeClientError):
                    await self._post(
                        "/mcp",
                        p.rpc_request(
                            self._ids(), "openenv/session/close", {"session_id": self.session_id}
                        ),
                    )
                self._session_known = False
            http, self._http = self._http, None
            await http.aclose()

    def sync(self) -> Any:
        """The synchronous twin with the same settings (a new, separate connection)."""
        from envbridge.spec.client.sync_client import SyncClient

        return SyncClient(
            self.base_url,
            transport=self.transport,
            timeout_s=self.timeout_s,
            connect_timeout_s=self.connect_timeout_s,
            max_message_bytes=self.max_message_bytes,
            session_id=self.session_id,
        )

    def as_gymnasium(self, render_mode: str | None = None) -> Any:
        """A real ``gymnasium.Env`` over this server (needs ``envbridge[gymnasium]``).

        Its ``action_space`` / ``observation_space`` are rebuilt from the server's spaces,
        so existing Gymnasium code runs unchanged against the remote env.
        """
        try:
            from envbridge.bridges.gymnasium.remote import RemoteGymEnv
        except ImportError as exc:
            raise ImportError(
                f"as_gymnasium() needs gymnasium: pip install 'envbridge[gymnasium]' ({exc})"
            ) from exc
        return RemoteGymEnv(self, render_mode=render_mode)

    # ------------------------------------------------------------------- the env API

    async def reset(
        self, seed: int | None = None, episode_id: str | None = None, **options: Any
    ) -> p.StepResult:
        """Start an episode; extra keyword arguments travel as reset options."""
        if self.transport == "http":
            body = {**options, "session_id": self._http_session()}
            if seed is not None:
                body["seed"] = seed
            if episode_id is not None:
                body["episode_id"] = episode_id
            result = p.step_result(await self._post("/reset", body))
            self._session_known = True
            return result
        data = await self._exchange(p.reset_frame(seed, episode_id, options), "observation")
        return p.step_result(data)

    async def step(self, action: Any) -> p.StepResult:
        """Send one action (a dict or a pydantic model)."""
        if self.transport == "http":
            if hasattr(action, "model_dump"):
                action = action.model_dump()
            body = {"action": action, "session_id": self._http_session()}
            return p.step_result(await self._post("/step", body))
        return p.step_result(await self._exchange(p.step_frame(action), "observation"))

    async def state(self) -> dict[str, Any]:
        """The session's state: episode_id, step_count and env-specific fields."""
        if self.transport == "http":
            return await self._get("/state", {"session_id": self._http_session()})
        return await self._exchange(p.STATE_FRAME, "state")

    async def list_tools(self) -> list[p.ToolInfo]:
        """The environment's MCP tools."""
        return p.tool_infos(await self.mcp("tools/list"))

    async def call_tool(self, name: str, **arguments: Any) -> Any:
        """Call an MCP tool and return its value; raises :class:`ToolCallError`."""
        result = await self.mcp("tools/call", {"name": name, "arguments": arguments}, tool=name)
        return p.tool_value(name, result)

    async def mcp(
        self, method: str, params: dict[str, Any] | None = None, *, tool: str | None = None
    ) -> Any:
        """Send a raw JSON-RPC request to this session's environment; returns ``result``."""
        request = p.rpc_request(self._ids(), method, dict(params or {}))
        if self.transport == "http":
            request["params"].setdefault("session_id", await self._known_http_session())
            response = await self._post("/mcp", request)
        else:
            response = await self._exchange(p.mcp_frame(request), "mcp")
        return p.rpc_result(response, tool)

    async def batch_open(self, count: int) -> list[str]:
        """Open ``count`` extra sessions on this connection for batched stepping.

        Raises :class:`BatchingUnsupported` when the server lacks the extension.
        """
        try:
            data = await self._exchange(p.batch_frame("batch_open", {"count": count}), "batch_open")
        except p.ServerError as exc:
            raise p.unsupported_batching(exc) from None
        return list(data["sessions"])

    async def batch(
        self, ops: list[p.BatchOp]
    ) -> list[p.StepResult | dict[str, Any] | p.ServerError]:
        """Run many sessions' reset/step/state in one frame; results in op order."""
        return p.batch_results(await self._exchange(p.batch_ops_frame(ops), "batch"))

    async def batch_close(self, session_ids: list[str]) -> list[str]:
        """Close batch sessions opened on this connection."""
        data = await self._exchange(
            p.batch_frame("batch_close", {"sessions": session_ids}), "batch_close"
        )
        return list(data["closed"])

    # -------------------------------------------------------------------- transports

    async def _websocket(self) -> ClientConnection:
        if self._ws is None:
            url = p.ws_url(self.base_url, session_id=self.session_id)
            try:
                self._ws = await connect(
                    url,
                    open_timeout=self.connect_timeout_s,
                    max_size=self.max_message_bytes,
                    compression=None,
                    ping_interval=None,
                    proxy=None,
                )
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                raise p.ConnectionFailed(
                    f"cannot open {url}: {exc}. Is the server running (envbridge serve ...) "
                    "and is the URL right?"
                ) from exc
        return self._ws

    async def _exchange(self, frame: str, expected: str) -> dict[str, Any]:
        async with self._lock:
            ws = await self._websocket()
            try:
                await ws.send(frame)
                async with asyncio.timeout(self.timeout_s):  # no extra task, unlike wait_for
                    reply = await ws.recv()
            except TimeoutError:
                # A late reply would pair with the next request: drop this connection.
                self._ws = None
                await ws.close()
                raise p.EnvbridgeClientError(
                    f"no reply within {self.timeout_s} s, so the connection (and its session) "
                    "was dropped; raise timeout_s for slow environments"
                ) from None
            except ConnectionClosed as exc:
                self._ws = None
                raise p.ConnectionFailed(
                    f"the server closed the connection ({exc}); reconnect to start a new session"
                ) from exc
        return p.parse_reply(reply, expected)

    def _http_session(self) -> str:
        if self.session_id is None:
            self.session_id = str(uuid.uuid4())
            self._owns_session = True
        return self.session_id

    async def _known_http_session(self) -> str:
        """A session the server knows: created with ``openenv/session/create`` if needed."""
        if not self._session_known:
            reply = await self._post(
                "/mcp", p.rpc_request(self._ids(), "openenv/session/create", {})
            )
            self.session_id = str(p.rpc_result(reply)["session_id"])
            self._session_known = self._owns_session = True
        return self._http_session()

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s),
                trust_env=False,
            )
        return self._http

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            response = await self._http_client().post(path, json=body)
        except httpx.HTTPError as exc:
            raise p.ConnectionFailed(f"POST {self.base_url}{path} failed: {exc}") from exc
        return p.http_json(response)

    async def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http_client().get(path, params=params)
        except httpx.HTTPError as exc:
            raise p.ConnectionFailed(f"GET {self.base_url}{path} failed: {exc}") from exc
        return p.http_json(response)
