"""The server's HTTP routes in this process, through ``httpx.ASGITransport`` (no socket).

``in_process(factory)`` yields a blocking ``httpx.Client`` whose requests run the real
ASGI app on an event loop in a background thread; the app's lifespan (the idle reaper,
closing every session at shutdown) runs around it, as under uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from envbridge.spec.server import create_app


class _LoopThread:
    """An event loop running forever in a daemon thread; ``run(coro)`` blocks for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class _BlockingASGITransport(httpx.BaseTransport):
    """httpx.ASGITransport (async only) driven from blocking code through the loop thread."""

    def __init__(self, app: Any, loop: _LoopThread):
        self._inner = httpx.ASGITransport(app=app)
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def exchange() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return self._loop.run(exchange())


class _Lifespan:
    """The ASGI lifespan protocol, run as a task on the loop thread."""

    def __init__(self, app: Any, loop: _LoopThread):
        self._app, self._loop = app, loop
        self._inbox: asyncio.Queue[dict[str, str]] | None = None
        self._outbox: asyncio.Queue[dict[str, str]] | None = None

    async def _start(self) -> None:
        self._inbox, self._outbox = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._task = asyncio.create_task(self._app(scope, self._inbox.get, self._outbox.put))
        await self._signal("lifespan.startup")

    async def _signal(self, kind: str) -> None:
        assert self._inbox is not None and self._outbox is not None
        await self._inbox.put({"type": kind})
        reply = await self._outbox.get()
        assert reply["type"] == f"{kind}.complete", reply

    def start(self) -> None:
        self._loop.run(self._start())

    def stop(self) -> None:
        self._loop.run(self._signal("lifespan.shutdown"))


@contextlib.contextmanager
def in_process(factory: Callable[[], Any], **app_kwargs: Any) -> Iterator[httpx.Client]:
    """A blocking client for ``create_app(factory, **app_kwargs)`` run in this process."""
    app = create_app(factory, **app_kwargs)
    loop = _LoopThread()
    lifespan = _Lifespan(app, loop)
    lifespan.start()
    try:
        transport = _BlockingASGITransport(app, loop)
        with httpx.Client(transport=transport, base_url="http://envbridge.test") as client:
            yield client
    finally:
        lifespan.stop()
        loop.stop()
