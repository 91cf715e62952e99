"""Shared server state: the registry, the mode, limits and the env's static descriptions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from envbridge.spec import mcp as mcp_dispatch
from envbridge.spec.batch import BATCH_VERSION, MAX_BATCH_SESSIONS
from envbridge.spec.containment import contained
from envbridge.spec.environment import Environment
from envbridge.spec.modes import Mode
from envbridge.spec.schema import openapi_document
from envbridge.spec.server.registry import SessionRegistry
from envbridge.spec.session import Session, execution_error

DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Largest accepted WS frame or HTTP body (uvicorn's default WS limit, as in OpenEnv)."""

PROTOCOL_VERSION = "1.0.0"
"""OpenAPI ``info.version``: OpenEnv's HTTP profile ``openenv-http/1.x``."""

_BASE_STATE_PROPERTIES = {
    "episode_id": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    "step_count": {"type": "integer", "minimum": 0, "default": 0},
}


@dataclass
class ServerContext:
    """Everything the route handlers share."""

    registry: SessionRegistry
    mode: Mode
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    ws_idle_timeout_s: float | None = None
    """Close a WebSocket that sent nothing for this long (``--ws-idle-timeout``)."""
    tasks: Any = None
    """The Task API catalog (``task_routes.TaskCatalog``), set by ``create_app``."""
    _described: dict[str, Any] | None = field(default=None, repr=False)
    _describe_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _openapi: dict[str, Any] | None = field(default=None, repr=False)

    async def describe(self) -> dict[str, Any]:
        """Metadata and schemas, read once from a probe env (closed right after)."""
        async with self._describe_lock:
            if self._described is None:
                env = await self.registry.build_env()
                try:
                    with contained():
                        self._described = _describe(env)
                except Exception as exc:
                    raise execution_error(exc, "describing the environment") from exc
                finally:
                    await Session(env, self.mode).close()
            return self._described

    async def openapi(self) -> dict[str, Any]:
        """The OpenAPI document for this server (cached)."""
        if self._openapi is None:
            meta = (await self.describe())["metadata"]
            self._openapi = openapi_document(
                self.mode, f"{meta['name']} (envbridge)", PROTOCOL_VERSION
            )
        return self._openapi

    async def mcp(
        self, session: Session | None, request: Any, dialect: mcp_dispatch.Dialect = "openenv"
    ) -> Any:
        """Dispatch one JSON-RPC request against this server's sessions."""
        return await mcp_dispatch.dispatch(
            self.registry,
            request,
            session=session,
            dialect=dialect,
        )


def _describe(env: Environment) -> dict[str, Any]:
    meta = env.metadata()
    observation = dict(env.observation_schema())
    props = dict(observation.get("properties", {}))
    props.setdefault("metadata", {"type": "object", "additionalProperties": True})
    observation["properties"] = props
    state = dict(env.state_schema())
    state["properties"] = {**state.get("properties", {}), **_BASE_STATE_PROPERTIES}
    return {
        "metadata": {
            "name": meta.name,
            "description": meta.description,
            "readme_content": meta.readme_content,
            "version": meta.version,
            "author": meta.author,
            "documentation_url": meta.documentation_url,
            "deterministic": bool(getattr(env, "deterministic", True)),
            "extensions": {
                "batch": {
                    "version": BATCH_VERSION,
                    "max_sessions_per_connection": MAX_BATCH_SESSIONS,
                }
            },
        },
        "schema": {
            "action": env.action_schema(),
            "observation": observation,
            "state": state,
            "reset_observation": observation,
        },
        "deterministic": bool(getattr(env, "deterministic", True)),
    }
