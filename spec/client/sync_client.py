"""The synchronous twin of :class:`AsyncClient`: same methods, no event loop, no thread hop.

Built on ``websockets.sync`` and ``httpx.Client`` directly (OpenEnv's sync client runs an
event loop in a background thread, which costs a cross-thread hop on every call).
"""

from __future__ import annotations

import functools
from typing import Any

from envbridge.spec.client import protocol as p
from envbridge.spec.client.base import BaseClient
from envbridge.spec.client.tasks import SyncTasks
from envbridge.spec.client.transports import HTTPTransport, SyncTransport, WSTransport
from envbridge.spec.errors import ServerError


class SyncClient(BaseClient):
    """Blocking client for one session; see :class:`AsyncClient` for the semantics."""

    _ws_transport = WSTransport
    _http_transport = HTTPTransport
    _transport: SyncTransport

    def connect(self) -> SyncClient:
        """Open the connection now (otherwise the first call opens it)."""
        self._transport.connect()
        return self

    def __enter__(self) -> SyncClient:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @functools.cached_property
    def tasks(self) -> SyncTasks:
        """OpenEnv's Task API on this server: splits, count, get, range, iter."""
        return SyncTasks(self.base_url, timeout_s=self.timeout_s)

    def close(self) -> None:
        """End the session and release the connection."""
        self._transport.close()
        if "tasks" in self.__dict__:
            self.tasks.close()

    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **options: Any
    ) -> p.StepResult:
        """Start an episode; extra keyword arguments travel as reset options."""
        return p.step_result(self._transport.send(self._core.reset(seed, episode_id, options)))

    def step(self, action: Any) -> p.StepResult:
        """Send one action (a dict or a pydantic model)."""
        return p.step_result(self._transport.send(self._core.step(action)))

    def state(self) -> dict[str, Any]:
        """The session's state."""
        return self._transport.send(self._core.state())

    def list_tools(self) -> list[p.ToolInfo]:
        """The environment's MCP tools."""
        return p.tool_infos(self.mcp("tools/list"))

    def call_tool(self, name: str, **arguments: Any) -> Any:
        """Call an MCP tool and return its value."""
        result = self.mcp("tools/call", {"name": name, "arguments": arguments}, tool=name)
        return p.tool_value(name, result)

    def mcp(
        self, method: str, params: dict[str, Any] | None = None, *, tool: str | None = None
    ) -> Any:
        """Send a raw JSON-RPC request to this session's environment."""
        return p.rpc_result(self._transport.send(self._core.mcp(method, params, tool)), tool)

    def batch_open(self, count: int) -> list[str]:
        """Open ``count`` extra sessions on this connection for batched stepping.

        Raises :class:`BatchingUnsupported` when the server lacks the extension.
        """
        try:
            data = self._transport.send(self._core.batch_open(count))
        except ServerError as exc:
            raise p.unsupported_batching(exc) from None
        return list(data["sessions"])

    def batch(self, ops: list[p.BatchOp]) -> list[p.StepResult | dict[str, Any] | ServerError]:
        """Run many sessions' reset/step/state in one frame; results in op order."""
        return p.batch_results(self._transport.send(self._core.batch(ops)))

    def batch_close(self, session_ids: list[str]) -> list[str]:
        """Close batch sessions opened on this connection."""
        return list(self._transport.send(self._core.batch_close(session_ids))["closed"])
