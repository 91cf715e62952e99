"""The ASGI application: routing, lifespan (idle reaper, shutdown), ``create_app``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from envbridge.spec import cleanup
from envbridge.spec.errors import HttpErrorCode
from envbridge.spec.modes import Mode
from envbridge.spec.server import http_routes as http
from envbridge.spec.server import mcp_routes, task_routes, web_page, ws_routes
from envbridge.spec.server.asgi import Receive, Request, Scope, Send, send_error, send_json
from envbridge.spec.server.context import DEFAULT_MAX_MESSAGE_BYTES, ServerContext
from envbridge.spec.server.registry import SessionRegistry

log = logging.getLogger("envbridge.server")

Handler = Callable[[Request, Receive, Send, ServerContext], Awaitable[None]]

DEFAULT_MAX_SESSIONS = 256
DEFAULT_IDLE_TIMEOUT_S = 900.0
DEFAULT_SHUTDOWN_TIMEOUT_S = 10.0


def _http_routes(mode: Mode) -> dict[str, dict[str, Handler]]:
    routes: dict[str, dict[str, Handler]] = {
        "/health": {"GET": http.handle_health},
        "/metadata": {"GET": http.handle_metadata},
        "/schema": {"GET": http.handle_schema},
        "/openapi.json": {"GET": http.handle_openapi},
        "/docs": {"GET": http.handle_docs},
        "/web": {"GET": web_page.handle_web},
        "/mcp": {"POST": mcp_routes.handle_mcp_post, "DELETE": mcp_routes.handle_mcp_delete},
    }
    if mode is Mode.SIMULATION:
        routes["/reset"] = {"POST": http.handle_reset}
        routes["/step"] = {"POST": http.handle_step}
        routes["/state"] = {"GET": http.handle_state}
    return routes


_WS_ROUTES: dict[str, Handler] = {"/ws": ws_routes.handle_ws, "/mcp": ws_routes.handle_ws_mcp}


class EnvServerApp:
    """An ASGI app serving one environment factory over HTTP, WebSocket and MCP."""

    def __init__(self, ctx: ServerContext, shutdown_timeout_s: float = 10.0):
        self.ctx = ctx
        self.shutdown_timeout_s = shutdown_timeout_s
        self.routes = _http_routes(ctx.mode)
        self._reaper: asyncio.Task[None] | None = None

    @property
    def registry(self) -> SessionRegistry:
        """The session registry (tests and the CLI inspect it)."""
        return self.ctx.registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            handler = _WS_ROUTES.get(scope["path"].rstrip("/") or "/")
            if handler is None:
                await send({"type": "websocket.close", "code": 1008})
                return
            await handler(Request(scope), receive, send, self.ctx)
        elif kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        path = request.path.rstrip("/") or "/"
        if path == "/":
            await send_json(
                send,
                200,
                {
                    "service": "envbridge",
                    "mode": self.ctx.mode.value,
                    "docs": "/docs",
                    "web": "/web",
                    "websocket": "/ws",
                    "mcp": "/mcp",
                },
            )
            return
        methods = self.routes.get(path) or task_routes.routes_for(path)
        if methods is None:
            await send_error(send, 404, "Not Found")
            return
        method = "GET" if request.method == "HEAD" else request.method
        handler = methods.get(method)
        if handler is None:
            allow = ", ".join(sorted(methods))
            await send_json(
                send, 405, {"detail": f"Method Not Allowed; use {allow}"}, [("allow", allow)]
            )
            return
        try:
            await handler(request, receive, send, self.ctx)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, path)
            await send_error(
                send,
                500,
                {
                    "code": HttpErrorCode.INTERNAL_ERROR,
                    "message": "internal server error; see the server log",
                },
            )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._reaper = asyncio.create_task(self.ctx.registry.run_reaper())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._reaper is not None:
                    self._reaper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._reaper
                await self.ctx.registry.close_all(timeout_s=self.shutdown_timeout_s / 2)
                await task_routes.catalog(self.ctx).close(self.ctx)
                cleanup.run_all()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    factory: Callable[[], Any],
    *,
    mode: Mode | str = Mode.SIMULATION,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    idle_timeout_s: float | None = DEFAULT_IDLE_TIMEOUT_S,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    name: str = "envbridge",
    env_name: str | None = None,
    step_timeout_s: float | None = None,
    ws_idle_timeout_s: float | None = None,
    shutdown_timeout_s: float = DEFAULT_SHUTDOWN_TIMEOUT_S,
) -> EnvServerApp:
    """Build the ASGI app serving environments made by ``factory`` (one per session).

    ``idle_timeout_s`` closes sessions that no connection holds (named HTTP sessions,
    HTTP-MCP sessions) after that long without activity; ``None`` never reaps.
    ``env_name`` names the env in Task API paths (default: its metadata name).
    ``step_timeout_s`` bounds every env call but reset (step, state, tool, close): past
    it the call fails with ``EXECUTION_ERROR``. ``ws_idle_timeout_s`` closes a WebSocket
    (and the session it holds) that sent no frame for that long. At shutdown, sessions
    still closing after ``shutdown_timeout_s`` (a stuck env) are left behind.
    """
    from envbridge import __version__

    if not callable(factory):
        raise TypeError(f"factory must be callable (a class or a function), got {factory!r}")
    parsed_mode = Mode.parse(mode)
    registry = SessionRegistry(
        factory,
        mode=parsed_mode,
        max_sessions=max_sessions,
        idle_timeout_s=idle_timeout_s,
        server_name=name,
        server_version=__version__,
        call_timeout_s=step_timeout_s,
    )
    ctx = ServerContext(registry, parsed_mode, max_message_bytes, ws_idle_timeout_s)
    ctx.tasks = task_routes.TaskCatalog(env_name)
    return EnvServerApp(ctx, shutdown_timeout_s)
