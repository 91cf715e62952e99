"""The client core: every decision that does no I/O, shared by both twins.

:class:`ClientCore` checks the settings, builds a :class:`Request` for each call and
keeps the bookkeeping (JSON-RPC ids, the named HTTP session). A transport object
(:mod:`envbridge.spec.client.transports`) has one ``send(request)`` that returns the
reply's data; the twins (:class:`~envbridge.spec.client.AsyncClient`,
:class:`~envbridge.spec.client.SyncClient`) only connect the two, with or without
``await``. Over HTTP one call may need two exchanges (an MCP call first creates the
named session), so :class:`HttpSession` plans each call as a generator of
:class:`HttpCall`\\ s that both twins' HTTP transports drive the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal

from envbridge.spec import wire
from envbridge.spec.client import protocol as p
from envbridge.spec.errors import ConnectionFailed, ReplyTimeout

TransportName = Literal["ws", "http"]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024

BATCH_KINDS = frozenset({"batch_open", "batch", "batch_close"})
"""Frame types of the batch extension: WebSocket only."""


class Request:
    """One call to the server, transport-neutral: a ``/ws`` frame's type and data.

    ``expect`` is the reply frame type; ``tool`` names the tool for error messages.
    """

    __slots__ = ("data", "expect", "kind", "tool")

    def __init__(
        self, kind: str, data: Any = None, expect: str = "", tool: str | None = None
    ) -> None:
        self.kind = kind
        self.data = data
        self.expect = expect or kind
        self.tool = tool

    def frame(self) -> str:
        """The request as a ``/ws`` frame."""
        if self.data is None:
            return wire.encode({"type": self.kind})
        return wire.encode({"type": self.kind, "data": self.data})

    def __repr__(self) -> str:
        return f"Request({self.kind!r}, {self.data!r})"


@dataclass(frozen=True, slots=True)
class Settings:
    """A client's settings, checked once (the twins and their transports share them)."""

    base_url: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES

    def ws_url(self, session_id: str | None) -> str:
        """The ``/ws`` URL, attaching to ``session_id`` when given."""
        return p.ws_url(self.base_url, session_id=session_id)


class ClientCore:
    """Requests for every client method; no I/O (see the module docstring)."""

    def __init__(self) -> None:
        self.ids = p.RpcIds()

    @staticmethod
    def reset(seed: int | None, episode_id: str | None, options: dict[str, Any]) -> Request:
        """``reset``: extra options travel beside seed and episode_id."""
        data = dict(options)
        if seed is not None:
            data["seed"] = seed
        if episode_id is not None:
            data["episode_id"] = episode_id
        return Request("reset", data, "observation")

    @staticmethod
    def step(action: Any) -> Request:
        """``step``; pydantic actions are dumped, dicts sent as they are."""
        if hasattr(action, "model_dump"):
            action = action.model_dump()
        if not isinstance(action, dict):
            raise TypeError(f"an action must be a dict (or a pydantic model), got {type(action)}")
        return Request("step", action, "observation")

    @staticmethod
    def state() -> Request:
        """``state``."""
        return Request("state")

    def mcp(self, method: str, params: dict[str, Any] | None, tool: str | None) -> Request:
        """A JSON-RPC request to the session's environment, in an ``mcp`` frame."""
        return Request("mcp", p.rpc_request(self.ids(), method, dict(params or {})), tool=tool)

    @staticmethod
    def batch_open(count: int) -> Request:
        """``batch_open``: ``count`` more sessions on this connection."""
        return Request("batch_open", {"count": count})

    @staticmethod
    def batch(ops: list[p.BatchOp]) -> Request:
        """``batch``: many sessions' reset/step/state in one frame."""
        return Request(
            "batch",
            {"ops": [{"session": sid, "type": kind, "data": data} for sid, kind, data in ops]},
        )

    @staticmethod
    def batch_close(session_ids: list[str]) -> Request:
        """``batch_close``."""
        return Request("batch_close", {"sessions": session_ids})


def check_transport(transport: Any) -> None:
    """Refuse anything but ``"ws"``, ``"http"`` or a transport object."""
    if isinstance(transport, str) and transport not in ("ws", "http"):
        raise ValueError(f"transport must be 'ws' or 'http', got {transport!r}")
    if not isinstance(transport, str) and not hasattr(transport, "send"):
        raise ValueError(
            f"transport must be 'ws', 'http' or an object with send(request), got {transport!r}"
        )


# ----------------------------------------------------------------------------- errors


def connect_failed(url: str, exc: BaseException) -> ConnectionFailed:
    """The error for a connection that could not be opened."""
    return ConnectionFailed(
        f"cannot open {url}: {exc}. Is the server running (envbridge serve ...) "
        "and is the URL right?"
    )


def connection_closed(exc: BaseException) -> ConnectionFailed:
    """The error for a WebSocket the server closed under us."""
    return ConnectionFailed(
        f"the server closed the connection ({exc}); reconnect to start a new session"
    )


def raise_parting_error(last_frame: str | bytes | None) -> None:
    """Raise the server's error if the frame it sent before closing was an ``error`` frame.

    A server that cannot open a session (its factory failed, it is full) answers the
    handshake with an error frame and closes; a client whose request crossed that close
    would otherwise see only "connection closed", not why.
    """
    error = p.parting_error(last_frame) if last_frame is not None else None
    if error is not None:
        raise error


def reply_timeout(timeout_s: float) -> ReplyTimeout:
    """The error for a reply that did not come (the connection has been dropped)."""
    return ReplyTimeout(
        f"no reply within {timeout_s} s, so the connection (and its session) "
        "was dropped; raise timeout_s for slow environments"
    )


# ------------------------------------------------------------------------ HTTP planning


@dataclass(frozen=True, slots=True)
class HttpCall:
    """One HTTP exchange: ``POST path`` with a JSON ``body``, or ``GET path?params``."""

    method: Literal["GET", "POST"]
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None


HttpPlan = Generator[HttpCall, Any, Any]
"""Yields calls, receives each call's decoded JSON, returns the reply data."""


class HttpSession:
    """The named HTTP session of one client, and how each request maps to routes.

    ``/reset`` names a session id the client made up (the server creates it on first
    use); an MCP call first asks ``openenv/session/create`` unless the server already
    knows the session. ``close`` releases a session this client created.
    """

    def __init__(self, session_id: str | None, ids: p.RpcIds):
        self.id = session_id
        self.known = session_id is not None
        self.owned = False
        """True when this client created the session (then ``close`` releases it)."""
        self._ids = ids

    def _named(self) -> str:
        if self.id is None:
            self.id = str(uuid.uuid4())
            self.owned = True
        return self.id

    def plan(self, request: Request) -> HttpPlan:
        """The HTTP calls that carry ``request``; returns its reply data."""
        kind, data = request.kind, request.data
        if kind == "reset":
            reply = yield HttpCall("POST", "/reset", {**data, "session_id": self._named()})
            self.known = True
            return reply
        if kind == "step":
            return (yield HttpCall("POST", "/step", {"action": data, "session_id": self._named()}))
        if kind == "state":
            return (yield HttpCall("GET", "/state", params={"session_id": self._named()}))
        if kind == "mcp":
            if not self.known:
                created = yield HttpCall("POST", "/mcp", self._rpc("openenv/session/create", {}))
                self.id = str(p.rpc_result(created)["session_id"])
                self.known = self.owned = True
            params = {**data["params"]}
            params.setdefault("session_id", self._named())
            return (yield HttpCall("POST", "/mcp", {**data, "params": params}))
        raise ValueError(f"no HTTP route carries a {kind!r} request")

    def release(self) -> HttpPlan:
        """Close the session if this client created it (errors are the caller's)."""
        if self.owned and self.known:
            self.known = False
            yield HttpCall(
                "POST", "/mcp", self._rpc("openenv/session/close", {"session_id": self.id})
            )

    def _rpc(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return p.rpc_request(self._ids(), method, params)


def drive(plan: HttpPlan, perform: Callable[[HttpCall], Any]) -> Any:
    """Run ``plan`` with a blocking ``perform(call) -> JSON``."""
    try:
        call = next(plan)
        while True:
            call = plan.send(perform(call))
    except StopIteration as stop:
        return stop.value


async def drive_async(plan: HttpPlan, perform: Callable[[HttpCall], Awaitable[Any]]) -> Any:
    """Run ``plan`` with an async ``perform(call) -> JSON``."""
    try:
        call = next(plan)
        while True:
            call = plan.send(await perform(call))
    except StopIteration as stop:
        return stop.value
