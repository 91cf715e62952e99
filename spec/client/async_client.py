"""The async client: WebSocket by default, HTTP available, same methods as the sync twin."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from envbridge.spec.client import protocol as p
from envbridge.spec.client.base import BaseClient
from envbridge.spec.client.core import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_TIMEOUT_S,
    TransportName,
)
from envbridge.spec.client.tasks import AsyncTasks
from envbridge.spec.client.transports import AsyncHTTPTransport, AsyncTransport, AsyncWSTransport
from envbridge.spec.errors import ServerError

if TYPE_CHECKING:
    from envbridge.spec.client.sync_client import SyncClient

Transport = TransportName  # the name this module exported before transports were objects

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_TIMEOUT_S",
    "AsyncClient",
    "Transport",
]


class AsyncClient(BaseClient):
    """Drive one session of an OpenEnv-compatible server.

    ``transport="ws"`` (default) holds the session on one WebSocket; ``"http"`` uses
    ``/reset`` ``/step`` ``/state`` with a named session (stateful on envbridge servers,
    stateless on OpenEnv's, whose HTTP API has no sessions); or pass an
    :class:`~envbridge.spec.client.transports.AsyncTransport` object.

    Raises: :class:`ConnectionFailed`, :class:`ReplyTimeout`, :class:`ServerError`,
    :class:`ToolCallError` (all :class:`EnvbridgeClientError`; see
    :mod:`envbridge.spec.client`).
    """

    _ws_transport = AsyncWSTransport
    _http_transport = AsyncHTTPTransport
    _transport: AsyncTransport

    async def connect(self) -> AsyncClient:
        """Open the connection now (otherwise the first call opens it)."""
        await self._transport.connect()
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
        await self._transport.close()
        if "tasks" in self.__dict__:
            await self.tasks.close()

    def sync(self) -> SyncClient:
        """The synchronous twin with the same settings (a new, separate connection)."""
        from envbridge.spec.client.sync_client import SyncClient

        return SyncClient(self.base_url, **self._settings_kwargs())

    # ------------------------------------------------------------------- the env API

    async def reset(
        self, seed: int | None = None, episode_id: str | None = None, **options: Any
    ) -> p.StepResult:
        """Start an episode; extra keyword arguments travel as reset options."""
        request = self._core.reset(seed, episode_id, options)
        return p.step_result(await self._transport.send(request))

    async def step(self, action: Any) -> p.StepResult:
        """Send one action (a dict or a pydantic model)."""
        return p.step_result(await self._transport.send(self._core.step(action)))

    async def state(self) -> dict[str, Any]:
        """The session's state: episode_id, step_count and env-specific fields."""
        return await self._transport.send(self._core.state())

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
        response = await self._transport.send(self._core.mcp(method, params, tool))
        return p.rpc_result(response, tool)

    async def batch_open(self, count: int) -> list[str]:
        """Open ``count`` extra sessions on this connection for batched stepping.

        Raises :class:`BatchingUnsupported` when the server lacks the extension.
        """
        try:
            data = await self._transport.send(self._core.batch_open(count))
        except ServerError as exc:
            raise p.unsupported_batching(exc) from None
        return list(data["sessions"])

    async def batch(
        self, ops: list[p.BatchOp]
    ) -> list[p.StepResult | dict[str, Any] | ServerError]:
        """Run many sessions' reset/step/state in one frame; results in op order."""
        return p.batch_results(await self._transport.send(self._core.batch(ops)))

    async def batch_close(self, session_ids: list[str]) -> list[str]:
        """Close batch sessions opened on this connection."""
        data = await self._transport.send(self._core.batch_close(session_ids))
        return list(data["closed"])
