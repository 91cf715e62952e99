"""Encoding between environment values and wire JSON (the hot path: no pydantic here).

Observations become the 0.10.x envelope; tool results become OpenEnv's FastMCP dialect
or standard MCP; every JSON document is compact UTF-8 without NaN/Infinity.
"""

from __future__ import annotations

import math
from typing import Any

from envbridge.spec import jsoncodec
from envbridge.spec.environment import Observation, Tool, ToolResult

encode = jsoncodec.encode
"""Compact JSON; ValueError on NaN/Infinity (JSON cannot carry them). See :mod:`.jsoncodec`."""
decode = jsoncodec.decode
"""Strict JSON parsing (NaN/Infinity refused); see :mod:`.jsoncodec`."""


def encode_lenient(value: Any) -> str:
    """Like :func:`encode`, but non-JSON leaves (inf from ``1e999``, objects) become strings.

    Used for error replies, which echo client input and must always be sendable.
    """
    try:
        return encode(value)
    except (ValueError, TypeError):
        return encode(_jsonable(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


class WireEncodingError(ValueError):
    """An environment produced something that cannot be sent as JSON."""


def clean_reward(reward: Any) -> float | int | bool | None:
    """Reward as sent on WebSocket: unchanged, except NaN/Infinity become null."""
    if reward is None or isinstance(reward, bool | int):
        return reward
    if isinstance(reward, float):
        return reward if math.isfinite(reward) else None
    try:
        value = float(reward)  # numpy scalars and friends
    except (TypeError, ValueError):
        raise WireEncodingError(
            f"reward must be a number, bool or None, got {type(reward).__name__}"
        ) from None
    return value if math.isfinite(value) else None


def envelope(obs: Any) -> dict[str, Any]:
    """The observation envelope for ``obs`` (0.10.x: metadata inside and beside)."""
    if not isinstance(obs, Observation):
        raise WireEncodingError(
            f"reset() and step() must return envbridge.spec.Observation, got {type(obs).__name__}"
        )
    if not isinstance(obs.observation, dict):
        raise WireEncodingError(
            f"Observation.observation must be a dict, got {type(obs.observation).__name__}"
        )
    body = dict(obs.observation)
    body["metadata"] = obs.metadata
    result: dict[str, Any] = {
        "observation": body,
        "reward": clean_reward(obs.reward),
        "done": bool(obs.done),
    }
    if obs.metadata:
        result["metadata"] = obs.metadata
    return result


def as_tool_result(value: Any) -> ToolResult:
    """Normalise what ``call_tool`` returned."""
    return value if isinstance(value, ToolResult) else ToolResult(data=value)


def _text_of(data: Any) -> str:
    return data if isinstance(data, str) else encode(data)


def _structured(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {"result": data}


def tool_result_openenv(data: Any, is_error: bool = False) -> dict[str, Any]:
    """OpenEnv/FastMCP dialect: snake_case fields plus ``data``."""
    return {
        "content": [{"type": "text", "text": _text_of(data), "annotations": None, "meta": None}],
        "structured_content": None if is_error else _structured(data),
        "meta": {},
        "data": None if is_error else data,
        "is_error": is_error,
    }


def tool_result_mcp(data: Any, is_error: bool = False) -> dict[str, Any]:
    """Standard MCP ``CallToolResult`` (camelCase), for MCP SDK clients."""
    result: dict[str, Any] = {
        "content": [{"type": "text", "text": _text_of(data)}],
        "isError": is_error,
    }
    if not is_error:
        result["structuredContent"] = _structured(data)
    return result


def tool_for_mcp_list(tool: Tool) -> dict[str, Any]:
    """A ``tools/list`` entry (camelCase ``inputSchema``)."""
    return {"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema}


def tool_for_step_list(tool: Tool) -> dict[str, Any]:
    """A ``step(list_tools)`` entry (OpenEnv's snake_case ``input_schema``)."""
    return {"name": tool.name, "description": tool.description, "input_schema": tool.input_schema}
