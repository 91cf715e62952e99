"""The client's sans-I/O helpers: replies to typed results, URL rules, JSON-RPC shapes.

Pure functions shared by :mod:`envbridge.spec.client.core` and both transports.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from envbridge.spec import wire
from envbridge.spec.errors import (
    BatchingUnsupported,
    EnvbridgeClientError,
    ServerError,
    ToolCallError,
    WSErrorCode,
)


@dataclass(slots=True)
class StepResult:
    """A reset or step result: the wire envelope, typed."""

    observation: dict[str, Any]
    reward: float | int | bool | None
    done: bool
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ToolInfo:
    """A tool as listed by the server."""

    name: str
    description: str
    input_schema: dict[str, Any]


def base_http_url(url: str) -> str:
    """``http(s)://host:port/prefix`` from any http/ws URL or bare ``host:port``."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    for suffix in ("/ws", "/mcp"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def ws_url(base: str, path: str = "/ws", session_id: str | None = None) -> str:
    """The WebSocket URL for ``path`` under ``base`` (an http URL)."""
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = f"session_id={session_id}" if session_id else ""
    return urlunsplit((scheme, parts.netloc, parts.path + path, query, ""))


CLOSE_FRAME = wire.encode({"type": "close"})
"""Sent before a client disconnects (OpenEnv's polite goodbye)."""


class RpcIds:
    """Monotonic JSON-RPC ids."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def __call__(self) -> int:
        return next(self._next)


def rpc_request(request_id: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A JSON-RPC request object."""
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


def error_frame_error(data: Any) -> ServerError:
    """The :class:`ServerError` an ``error`` frame's ``data`` carries."""
    data = data if isinstance(data, dict) else {}
    return ServerError(str(data.get("message", "server error")), data.get("code"), data)


def parting_error(text: str | bytes) -> ServerError | None:
    """The server's error if ``text`` (its last frame before closing) is an ``error`` frame."""
    try:
        message = wire.decode(text)
    except ValueError:
        return None
    if isinstance(message, dict) and message.get("type") == "error":
        return error_frame_error(message.get("data"))
    return None


def parse_reply(text: str | bytes, expected: str) -> dict[str, Any]:
    """Decode a reply frame; raise :class:`ServerError` on ``error`` frames."""
    try:
        message = wire.decode(text)
    except ValueError as exc:
        raise EnvbridgeClientError(f"server sent invalid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise EnvbridgeClientError(f"server sent a non-object frame: {message!r}")
    kind = message.get("type")
    data = message.get("data")
    if kind == "error":
        raise error_frame_error(data)
    if kind != expected or not isinstance(data, dict):
        raise EnvbridgeClientError(
            f"expected a {expected!r} reply, got {kind!r}; is this an OpenEnv server?"
        )
    return data


def step_result(data: dict[str, Any]) -> StepResult:
    """An observation envelope as a :class:`StepResult` (0.3.x and 0.10.x dialects)."""
    observation = dict(data.get("observation") or {})
    metadata = data.get("metadata") or observation.pop("metadata", None) or {}
    observation.pop("metadata", None)
    return StepResult(observation, data.get("reward"), bool(data.get("done", False)), metadata)


def rpc_result(response: Any, tool: str | None = None) -> Any:
    """The ``result`` of a JSON-RPC response, raising on ``error``."""
    if not isinstance(response, dict):
        raise EnvbridgeClientError(f"invalid JSON-RPC response: {response!r}")
    error = response.get("error")
    if error:
        message = str(error.get("message", error))
        if tool is not None:
            data = error.get("data") or {}
            raise ToolCallError(
                tool, message, data.get("error_type") if isinstance(data, dict) else None
            )
        raise ServerError(message, error.get("code"), error)
    return response.get("result")


def tool_infos(result: Any) -> list[ToolInfo]:
    """``tools/list`` result entries (either schema spelling) as :class:`ToolInfo`."""
    tools = (result or {}).get("tools", [])
    return [
        ToolInfo(
            t["name"],
            t.get("description") or "",
            t.get("inputSchema") or t.get("input_schema") or {},
        )
        for t in tools
    ]


def tool_value(tool: str, result: Any) -> Any:
    """The value of a ``tools/call`` result in either dialect."""
    if not isinstance(result, dict):
        return result
    if result.get("is_error") or result.get("isError"):
        content = result.get("content") or [{}]
        raise ToolCallError(tool, str(content[0].get("text", "tool error")))
    if "data" in result:
        return result["data"]
    structured = result.get("structured_content") or result.get("structuredContent")
    if isinstance(structured, dict):
        return structured.get("result", structured) if set(structured) == {"result"} else structured
    content = result.get("content") or []
    return content[0].get("text") if content else None


def http_json(response: Any) -> Any:
    """The JSON body of an HTTP response; :class:`ServerError` for error statuses."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code < 400:
        if body is None:
            raise EnvbridgeClientError(
                f"{response.request.method} {response.request.url} answered non-JSON"
            )
        return body
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        raise ServerError(str(detail.get("message", detail)), detail.get("code"), detail)
    if isinstance(detail, list):
        raise ServerError("Invalid request", WSErrorCode.VALIDATION_ERROR, {"errors": detail})
    raise ServerError(
        f"HTTP {response.status_code}: {detail or response.text[:200]}",
        f"HTTP_{response.status_code}",
    )


BatchOp = tuple[str, str, dict[str, Any]]
"""(session id, "reset" | "step" | "state", data)."""


def batch_results(data: dict[str, Any]) -> list[StepResult | dict[str, Any] | ServerError]:
    """Per-op results: StepResult (reset/step), dict (state) or ServerError (not raised)."""
    results: list[StepResult | dict[str, Any] | ServerError] = []
    for item in data.get("results", []):
        kind = item.get("type")
        payload = item.get("data") or {}
        if kind == "observation":
            results.append(step_result(payload))
        elif kind == "state":
            results.append(payload)
        else:
            results.append(ServerError(str(payload.get("message")), payload.get("code"), payload))
    return results


def unsupported_batching(error: ServerError) -> BatchingUnsupported | ServerError:
    """Map an UNKNOWN_TYPE reply to batch_open into :class:`BatchingUnsupported`."""
    if error.code is WSErrorCode.UNKNOWN_TYPE:
        return BatchingUnsupported(
            "this server does not offer batched stepping; step sessions one by one"
        )
    return error
