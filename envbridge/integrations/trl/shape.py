"""What a server offers a TRL rollout: its kind, tools and schemas (probed once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from envbridge.spec.client import ServerError, SyncClient, ToolInfo

Kind = Literal["gym", "chat", "tools", "actions"]
GYM_TOOLS = {"act", "observe", "spaces", "render"}
"""The Gymnasium bridge's tools; a TRL environment gets one ``act`` method instead."""


class SimulationRequired(TypeError):
    """The server runs in production mode (no reset/step, so no rewards for TRL)."""


@dataclass
class ServerShape:
    """How the adapter drives one server.

    ``kind``: ``gym`` (a bridged Gymnasium env: one ``act`` method stepping the env),
    ``chat`` (actions are assistant messages, as the verifiers bridge takes them: its
    tools plus an ``answer`` method), ``tools`` (MCP tools, e.g. harbor), ``actions``
    (no tools: one ``act`` method taking the raw action).
    """

    name: str
    kind: Kind
    tools: list[ToolInfo] = field(default_factory=list)
    action_schema: dict[str, Any] = field(default_factory=dict)

    @property
    def tool_names(self) -> set[str]:
        return {tool.name for tool in self.tools}


def probe(url: str, timeout_s: float = 30.0) -> ServerShape:
    """Read ``/metadata``, ``/schema`` and ``tools/list``; check the mode."""
    with httpx.Client(
        base_url=SyncClient(url).base_url, timeout=timeout_s, trust_env=False
    ) as http:
        metadata = _json(http, "/metadata")
        schema = _json(http, "/schema")
    with SyncClient(url, timeout_s=timeout_s) as client:
        tools = client.list_tools()
        try:
            client.state()
        except ServerError as exc:
            if "MODE_RESTRICTED" in str(getattr(exc.code, "value", exc.code)):
                raise SimulationRequired(
                    f"{url} runs in production mode (MCP tools only): TRL needs reset, step "
                    "and the rewards they carry. Serve it with --mode simulation."
                ) from None
    action = schema.get("action") or {}
    observation = schema.get("observation") or {}
    names = {tool.name for tool in tools}
    kind: Kind
    if {"act", "spaces"} <= names:
        kind = "gym"
    elif "messages" in (observation.get("properties") or {}) and "content" in (
        action.get("properties") or {}
    ):
        kind = "chat"
    elif tools:
        kind = "tools"
    else:
        kind = "actions"
    return ServerShape(str(metadata.get("name") or "Environment"), kind, tools, action)


def _json(http: httpx.Client, path: str) -> dict[str, Any]:
    try:
        response = http.get(path)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ConnectionError(
            f"GET {http.base_url}{path} failed ({exc}); is an OpenEnv server running there?"
        ) from exc
    return body if isinstance(body, dict) else {}
