"""The HTTP libraries under the stateful HTTP transport, behind one small interface.

A backend is made once per client (``open_async(settings)``) and performs one
:class:`~envbridge.spec.client.core.HttpCall` at a time, returning the reply's JSON
(``ServerError`` for error statuses) or raising ``ConnectionFailed`` when the request
could not be carried. Two async backends exist:

* ``httpx`` (the core install);
* ``aiohttp``, used when it is installed (``pip install envbridge[aiohttp]``): about a
  quarter of httpx's client CPU per step (``python -m benchmarks.http_clients``,
  docs/benchmarks.md).

``ENVBRIDGE_HTTP_CLIENT=httpx`` or ``=aiohttp`` forces one. The sync transport uses the
standard library's ``http.client`` on one keep-alive connection (about a third of
``httpx.Client``'s CPU per step). All send the same compact JSON (NaN and infinities
refused with ``ValueError`` before anything is sent).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import importlib.util
import os
import select
import ssl
import threading
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import httpx
from envbridge.spec import wire
from envbridge.spec.client import protocol as p
from envbridge.spec.client.core import HttpCall, Settings
from envbridge.spec.errors import ConnectionFailed

BACKEND_ENV = "ENVBRIDGE_HTTP_CLIENT"
"""Environment variable that forces an async HTTP backend (``httpx`` or ``aiohttp``)."""
BACKENDS = ("httpx", "aiohttp")


class AsyncBackend(Protocol):
    """One client's HTTP connection(s)."""

    async def perform(self, call: HttpCall) -> Any:
        """Carry ``call``; its reply's JSON, ``ServerError`` or ``ConnectionFailed``."""

    async def aclose(self) -> None:
        """Release the connections."""


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """The default verifying TLS context, built once per process.

    Loading the CA bundle costs ~45 ms of CPU; httpx did it for every client (that is,
    every HTTP session) when given no context.
    """
    return ssl.create_default_context()


def async_backend_name() -> str:
    """``ENVBRIDGE_HTTP_CLIENT`` if set, else ``aiohttp`` when installed, else ``httpx``."""
    forced = os.environ.get(BACKEND_ENV, "").strip()
    if forced:
        if forced not in BACKENDS:
            raise ValueError(f"{BACKEND_ENV}={forced!r}: expected one of {list(BACKENDS)}")
        return forced
    return "aiohttp" if importlib.util.find_spec("aiohttp") is not None else "httpx"


def open_async(settings: Settings) -> AsyncBackend:
    """A new async backend for one client (call inside its event loop)."""
    if async_backend_name() == "aiohttp":
        return AiohttpBackend(settings)
    return HttpxBackend(settings)


def httpx_options(settings: Settings) -> dict[str, Any]:
    """httpx client options: base URL, timeouts, no proxies from the environment."""
    return {
        "base_url": settings.base_url,
        "timeout": httpx.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
        "trust_env": False,
        "verify": shared_ssl_context(),
    }


def failed(call: HttpCall, settings: Settings, exc: BaseException) -> ConnectionFailed:
    """The client error for a request that could not be carried."""
    return ConnectionFailed(f"{call.method} {settings.base_url}{call.path} failed: {exc}")


@contextlib.contextmanager
def httpx_errors(call: HttpCall, settings: Settings) -> Iterator[None]:
    """httpx's transport errors as ``ConnectionFailed``."""
    try:
        yield
    except httpx.HTTPError as exc:
        raise failed(call, settings, exc) from exc


class HttpxBackend:
    """``httpx.AsyncClient``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._http = httpx.AsyncClient(**httpx_options(settings))

    async def perform(self, call: HttpCall) -> Any:
        """See :class:`AsyncBackend`."""
        with httpx_errors(call, self.settings):
            response = await self._http.request(
                call.method, call.path, json=call.body, params=call.params
            )
        return p.http_json(response)

    async def aclose(self) -> None:
        """See :class:`AsyncBackend`."""
        await self._http.aclose()


class _Reply:
    """What :func:`~envbridge.spec.client.protocol.http_json` reads of a response."""

    __slots__ = ("_body", "method", "status_code", "url")

    def __init__(self, status: int, body: bytes, method: str, url: str):
        self.status_code, self._body, self.method, self.url = status, body, method, url

    @property
    def request(self) -> _Reply:
        return self  # method and url, like httpx's response.request

    @property
    def text(self) -> str:
        return self._body.decode("utf-8", "replace")

    def json(self) -> Any:
        return wire.decode(self._body)


class AiohttpBackend:
    """``aiohttp.ClientSession`` (one per client, like the httpx backend)."""

    def __init__(self, settings: Settings):
        import aiohttp

        self.settings = settings
        self._errors = (aiohttp.ClientError, TimeoutError)
        timeout = aiohttp.ClientTimeout(
            total=settings.timeout_s, sock_connect=settings.connect_timeout_s
        )
        connector = aiohttp.TCPConnector(ssl=shared_ssl_context())
        self._http = aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False)
        self._base = settings.base_url.rstrip("/")

    async def perform(self, call: HttpCall) -> Any:
        """See :class:`AsyncBackend`."""
        url = self._base + call.path
        if call.params:
            url += "?" + urlencode(call.params)
        headers = {}
        data = None
        if call.body is not None:
            data = wire.encode(call.body).encode()  # ValueError for NaN, like httpx
            headers["Content-Type"] = "application/json"
        try:
            async with self._http.request(call.method, url, data=data, headers=headers) as r:
                reply = _Reply(r.status, await r.read(), call.method, url)
        except self._errors as exc:
            raise failed(call, self.settings, exc) from exc
        return p.http_json(reply)

    async def aclose(self) -> None:
        """See :class:`AsyncBackend`."""
        await self._http.close()


class StdlibBackend:
    """``http.client`` on one keep-alive connection (the sync transport's backend).

    Before a kept-alive connection is reused it is polled: readable means the server
    closed it while idle (or sent something unasked), so a fresh one is opened instead.
    A request is never retried (a step is not idempotent).
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        parts = urlsplit(settings.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {settings.base_url!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is not None and conn.sock is not None and _readable(conn.sock):
            self._drop()
            conn = None
        if conn is None:
            timeout = self.settings.connect_timeout_s
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=shared_ssl_context()
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._conn = conn
        if conn.sock is None:
            conn.connect()
            sock: Any = conn.sock  # set by connect(); mypy keeps the None narrowing
            sock.settimeout(self.settings.timeout_s)
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def perform(self, call: HttpCall) -> Any:
        """Carry ``call``; its reply's JSON, ``ServerError`` or ``ConnectionFailed``."""
        target = self._prefix + call.path
        if call.params:
            target += "?" + urlencode(call.params)
        body, headers = None, {}
        if call.body is not None:
            body = wire.encode(call.body).encode()  # ValueError for NaN, like httpx
            headers["Content-Type"] = "application/json"
        with self._lock:
            try:
                conn = self._connection()
                conn.request(call.method, target, body, headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop()  # mid-exchange: the connection's state is unknown
                raise failed(call, self.settings, exc) from exc
            if response.will_close:
                self._drop()
        url = self.settings.base_url.rstrip("/") + call.path
        return p.http_json(_Reply(response.status, data, call.method, url))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._drop()


def _readable(sock: Any) -> bool:
    """True when an idle keep-alive socket has something to read (EOF: the peer closed)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
