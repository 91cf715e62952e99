"""``connect(image=...)``: a client that owns the container it talks to.

The container starts (port on 127.0.0.1, health awaited) before the client exists; if
start-up or the health wait fails it is removed and the error propagates. Closing the
client removes the container; so does garbage collection or interpreter exit of a client
that was never closed.
"""

from __future__ import annotations

import weakref
from typing import Any

from envbridge.docker.container import RunningContainer, start_container
from envbridge.spec.client import AsyncClient
from envbridge.spec.client.sync_client import SyncClient


class ImageClient(AsyncClient):
    """An :class:`AsyncClient` whose ``close`` also removes its container.

    ``sync()`` hands the container to the returned :class:`ImageSyncClient`; closing
    that one removes it.
    """

    def __init__(self, running: RunningContainer, **client_kwargs: Any):
        super().__init__(running.url, **client_kwargs)
        self.container = running
        self._remove = weakref.finalize(self, running.close)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._remove()

    def sync(self) -> ImageSyncClient:
        self._remove.detach()
        return ImageSyncClient(
            self.container,
            transport=self.transport,
            timeout_s=self.timeout_s,
            connect_timeout_s=self.connect_timeout_s,
            max_message_bytes=self.max_message_bytes,
        )


class ImageSyncClient(SyncClient):
    """A :class:`SyncClient` whose ``close`` also removes its container."""

    def __init__(self, running: RunningContainer, **client_kwargs: Any):
        super().__init__(running.url, **client_kwargs)
        self.container = running
        self._remove = weakref.finalize(self, running.close)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._remove()


def connect_image(
    image: str, *, start_options: dict[str, Any] | None = None, **client_kwargs: Any
) -> ImageClient:
    """Start ``image`` (see :func:`start_container` for ``start_options``) and connect."""
    running = start_container(image, **(start_options or {}))
    try:
        return ImageClient(running, **client_kwargs)
    except BaseException:
        running.close()
        raise
