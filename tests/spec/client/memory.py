"""An in-memory transport: the client's requests go straight to the server's dispatcher.

No socket and no thread: each request's ``/ws`` frame is handed to
:func:`envbridge.spec.frames.handle_frame` on a real :class:`Session` built by a real
server context (so ``mcp`` frames reach the real JSON-RPC dispatcher too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from envbridge.spec.client import protocol as p
from envbridge.spec.client.core import Request
from envbridge.spec.frames import handle_frame
from envbridge.spec.server import create_app
from envbridge.spec.session import Session


class AsyncMemoryTransport:
    """An ``AsyncTransport`` over one in-process session of ``factory``."""

    def __init__(self, factory: Callable[[], Any]):
        self.ctx = create_app(factory).ctx
        self.session: Session | None = None
        self.sent: list[str] = []
        """Every frame sent, in order."""

    async def connect(self) -> None:
        if self.session is None:
            self.session = await self.ctx.registry.create()
            self.session.attach()

    async def send(self, request: Request) -> Any:
        await self.connect()
        assert self.session is not None
        frame = request.frame()
        self.sent.append(frame)
        reply = await handle_frame(self.session, frame, self.ctx.mcp)
        assert reply.text is not None, f"no reply to {frame}"
        return p.parse_reply(reply.text, request.expect)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.detach()
            await self.ctx.registry.close(self.session.id)
            self.session = None


class MemoryTransport:
    """The blocking twin: the same transport run on a private event loop."""

    def __init__(self, factory: Callable[[], Any]):
        self._inner = AsyncMemoryTransport(factory)
        self._loop = asyncio.new_event_loop()

    @property
    def sent(self) -> list[str]:
        return self._inner.sent

    @property
    def ctx(self) -> Any:
        return self._inner.ctx

    def connect(self) -> None:
        self._loop.run_until_complete(self._inner.connect())

    def send(self, request: Request) -> Any:
        return self._loop.run_until_complete(self._inner.send(request))

    def close(self) -> None:
        if not self._loop.is_closed():
            self._loop.run_until_complete(self._inner.close())
            self._loop.close()
