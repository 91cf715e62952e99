"""The probe: raw HTTP and WebSocket access to one server plus the facts checks share.

Facts (metadata, schema, tools, mode, dialect, a valid sample action) are fetched once
and cached; a fact that cannot be fetched raises CheckFailed in every check needing it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from envbridge.conformance.latency import LatencyRecorder
from envbridge.conformance.model import CheckFailed, CheckSkipped
from envbridge.conformance.wsconn import WsConn

DIALECT_010 = "openenv-0.10.x"
DIALECT_03 = "openenv-core-0.3.x"
SIMULATION = "simulation"
PRODUCTION = "production"


@dataclass
class Options:
    """How to run: what the user told us about the server and how hard to probe."""

    quick: bool = False
    timeout_s: float = 10.0
    mode: str | None = None
    """Expected mode; None detects it (POST /reset answered -> simulation)."""
    dialect: str | None = None
    """Force a dialect instead of detecting it."""
    action: dict[str, Any] | None = None
    """A valid action; None finds accepted ones from ``/schema`` and the MCP tools."""
    production_url: str | None = None
    """The same environment served in production mode, for the parity check."""
    deterministic: bool | None = None
    """False skips determinism checks; None reads ``/metadata`` ``deterministic``."""
    max_sessions_probe: int = 16
    """How many concurrent sessions the capacity check opens at most."""
    latency_samples: int | None = None
    """Requests per operation for latency.operations (None: 100, quick: 20)."""
    check_timeout_s: float = 60.0
    """Seconds one check may take; past it the check is cut short (see ``run_one``)."""


def ws_url(base: str, path: str) -> str:
    """``http://h:p/prefix`` + ``/ws`` -> ``ws://h:p/prefix/ws`` (https -> wss)."""
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + path, parts.query, ""))


class Probe:
    """One server under test."""

    def __init__(self, url: str, options: Options, http: httpx.AsyncClient):
        self.url = url.rstrip("/")
        self.options = options
        self.http = http
        self.latency = LatencyRecorder()
        self.mode = options.mode or SIMULATION
        self.dialect = options.dialect or DIALECT_010
        self.facts: dict[str, Any] = {}
        self._rpc_id = 0

    # --------------------------------------------------------------------- transports

    async def get(self, path: str) -> httpx.Response:
        """GET ``path``, timed as ``http.GET path``."""
        started = time.perf_counter()
        response = await self.http.get(self.url + path)
        self.latency.record(f"http GET {path}", time.perf_counter() - started)
        return response

    async def post(
        self,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        """POST JSON ``body`` (or ``raw`` bytes) to ``path``."""
        content = raw if raw is not None else json.dumps(body).encode()
        started = time.perf_counter()
        response = await self.http.post(
            self.url + path, content=content, headers={"content-type": content_type}
        )
        self.latency.record(f"http POST {path}", time.perf_counter() - started)
        return response

    @contextlib.asynccontextmanager
    async def ws(self, path: str = "/ws", url: str | None = None) -> AsyncIterator[WsConn]:
        """An open WebSocket to ``path`` of this server (or of ``url``), closed after."""
        conn = await WsConn.open(
            ws_url(url or self.url, path), self.options.timeout_s, self.latency
        )
        try:
            yield conn
        finally:
            await conn.close()

    def next_id(self) -> int:
        """A fresh JSON-RPC id."""
        self._rpc_id += 1
        return self._rpc_id

    async def rpc(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /mcp one JSON-RPC request; return the decoded response object."""
        request = {"jsonrpc": "2.0", "id": self.next_id(), "method": method, "params": params or {}}
        response = await self.post("/mcp", request)
        return json_object(response, request, "POST /mcp")

    # -------------------------------------------------------------------------- facts

    async def _fact(self, name: str, path: str) -> dict[str, Any]:
        if name not in self.facts:
            response = await self.get(path)
            if response.status_code != 200:
                raise CheckFailed(
                    f"GET {path} answered {response.status_code}",
                    sent=f"GET {path}",
                    received=response.text[:500],
                )
            self.facts[name] = json_object(response, f"GET {path}", f"GET {path}")
        return self.facts[name]

    async def schema(self) -> dict[str, Any]:
        """``GET /schema``."""
        return await self._fact("schema", "/schema")

    async def metadata(self) -> dict[str, Any]:
        """``GET /metadata``."""
        return await self._fact("metadata", "/metadata")

    async def openapi(self) -> dict[str, Any]:
        """``GET /openapi.json``."""
        return await self._fact("openapi", "/openapi.json")

    async def tools(self) -> list[dict[str, Any]]:
        """The JSON-RPC ``tools/list`` result; CheckSkipped when the env has no MCP."""
        if "tools" not in self.facts:
            reply = await self.rpc("tools/list")
            if "error" in reply:
                self.facts["tools"] = None
                self.facts["tools_error"] = reply["error"]
            else:
                tools = (reply.get("result") or {}).get("tools")
                if not isinstance(tools, list):
                    raise CheckFailed(
                        "tools/list result has no 'tools' list", sent="tools/list", received=reply
                    )
                self.facts["tools"] = tools
        if self.facts["tools"] is None:
            raise CheckSkipped(
                f"the environment offers no MCP tools "
                f"(tools/list answered {self.facts['tools_error']})"
            )
        if not self.facts["tools"]:
            raise CheckSkipped("the environment offers no MCP tools (tools/list is empty)")
        return self.facts["tools"]

    async def sample_action(self) -> dict[str, Any]:
        """An action the environment accepts: ``--action`` or one found by trying candidates.

        CheckSkipped (naming ``--action``) when no candidate is accepted; see
        :mod:`envbridge.conformance.actions`.
        """
        if self.options.action is not None:
            return self.options.action
        from envbridge.conformance.actions import sample_action

        return await sample_action(self)

    async def action_schema(self) -> dict[str, Any]:
        """``/schema`` ``action`` (CheckFailed when missing)."""
        action = (await self.schema()).get("action")
        if not isinstance(action, dict):
            raise CheckFailed("/schema has no 'action' object", sent="GET /schema")
        return action

    async def deterministic(self) -> bool:
        """Whether the server says it is deterministic (``--nondeterministic`` wins)."""
        if self.options.deterministic is not None:
            return self.options.deterministic
        return (await self.metadata()).get("deterministic", True) is not False

    def require_simulation(self) -> None:
        """CheckSkipped unless the server runs in simulation mode."""
        if self.mode != SIMULATION:
            raise CheckSkipped("production mode: reset/step/state are not offered")

    def require_production(self) -> None:
        """CheckSkipped unless the server runs in production mode."""
        if self.mode != PRODUCTION:
            raise CheckSkipped(
                "simulation mode (pass --mode production to check a production server)"
            )

    # ------------------------------------------------------------------ setup probes

    async def detect(self) -> None:
        """Settle mode and dialect (unless forced by the options)."""
        if self.options.mode is None:
            response = await self.post("/reset", {})
            self.mode = PRODUCTION if response.status_code in (404, 405) else SIMULATION
        if self.options.dialect is None:
            self.dialect = await self._detect_dialect()

    async def _detect_dialect(self) -> str:
        with contextlib.suppress(CheckFailed):
            if "reset_observation" in await self.schema():
                return DIALECT_010
        with contextlib.suppress(CheckFailed):
            if "/list_environments" in ((await self.openapi()).get("paths") or {}):
                return DIALECT_010
        return DIALECT_03


def json_object(response: httpx.Response, sent: Any, what: str) -> dict[str, Any]:
    """The response body as a JSON object, else CheckFailed naming ``what``."""
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed(
            f"{what} did not return JSON (status {response.status_code})",
            sent=sent,
            received=response.text[:500],
        ) from None
    if not isinstance(body, dict):
        raise CheckFailed(f"{what} returned JSON that is not an object", sent=sent, received=body)
    return body
