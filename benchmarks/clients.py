"""The clients the benchmark drives servers with, one class per kind.

Each client library is imported inside its class, so this module loads under either
virtualenv. Async clients share one shape: ``open``, ``reset``, ``step``, ``close``;
``step`` returns True when the episode ended (the driver then resets).
"""

from __future__ import annotations

import json
from typing import Any


class EnvbridgeClient:
    """envbridge's own async client (``envbridge.connect``), WebSocket or HTTP."""

    def __init__(self, url: str, transport: str = "ws"):
        from envbridge import connect

        self._client = connect(url, transport=transport)

    async def open(self) -> None:
        await self._client.connect()

    async def reset(self) -> None:
        await self._client.reset()

    async def step(self, action: dict[str, Any]) -> bool:
        return (await self._client.step(action)).done

    async def close(self) -> None:
        await self._client.close()


class EnvbridgeHttpClient(EnvbridgeClient):
    """envbridge's client over HTTP (a named session: ``/reset`` and ``/step``)."""

    def __init__(self, url: str):
        super().__init__(url, transport="http")


class OpenEnvClient:
    """The official OpenEnv ``GenericEnvClient`` (async, WebSocket ``/ws``)."""

    def __init__(self, url: str):
        from openenv.core.generic_client import GenericEnvClient

        self._client = GenericEnvClient(base_url=url)

    async def open(self) -> None:
        await self._client.connect()

    async def reset(self) -> None:
        await self._client.reset()

    async def step(self, action: dict[str, Any]) -> bool:
        return (await self._client.step(action)).done

    async def close(self) -> None:
        await self._client.close()


class RawWebSocketClient:
    """The floor's client: ``websockets`` sending a fixed step frame, reading the reply."""

    def __init__(self, url: str):
        self._url = url.replace("http://", "ws://", 1) + "/ws"
        self._ws: Any = None
        self._frames: dict[str, str] = {}

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self._ws = await connect(self._url, compression=None, ping_interval=None, proxy=None)

    async def reset(self) -> None:
        return None

    async def step(self, action: dict[str, Any]) -> bool:
        key = str(action)
        frame = self._frames.get(key)
        if frame is None:
            frame = self._frames[key] = json.dumps({"type": "step", "data": action})
        await self._ws.send(frame)
        await self._ws.recv()
        return False

    async def close(self) -> None:
        await self._ws.close()


class HttpxStepClient:
    """``httpx`` keep-alive ``POST /step {"action": ...}``: OpenEnv has no HTTP client.

    OpenEnv's HTTP ``/step`` is stateless (a fresh env per request), so no reset.
    """

    def __init__(self, url: str):
        self._url = url
        self._http: Any = None

    async def open(self) -> None:
        import httpx

        self._http = httpx.AsyncClient(base_url=self._url, trust_env=False, timeout=60.0)

    async def reset(self) -> None:
        return None

    async def step(self, action: dict[str, Any]) -> bool:
        response = await self._http.post("/step", json={"action": action})
        if response.status_code != 200:
            raise RuntimeError(f"POST /step answered {response.status_code}: {response.text}")
        return False

    async def close(self) -> None:
        await self._http.aclose()


class EnvbridgeSyncClient:
    """envbridge's blocking twin (``.sync()``: no event loop, no thread hop)."""

    def __init__(self, url: str):
        from envbridge import connect

        self._client = connect(url).sync()

    def open(self) -> None:
        self._client.connect()

    def reset(self) -> None:
        self._client.reset()

    def step(self, action: dict[str, Any]) -> bool:
        return self._client.step(action).done

    def close(self) -> None:
        self._client.close()


class OpenEnvSyncClient:
    """The official client's ``.sync()`` wrapper (a loop in a background thread)."""

    def __init__(self, url: str):
        from openenv.core.generic_client import GenericEnvClient

        self._client = GenericEnvClient(base_url=url).sync()

    def open(self) -> None:
        self._client.connect()

    def reset(self) -> None:
        self._client.reset()

    def step(self, action: dict[str, Any]) -> bool:
        return self._client.step(action).done

    def close(self) -> None:
        self._client.close()


ASYNC_CLIENTS: dict[str, type] = {
    "envbridge": EnvbridgeClient,
    "envbridge-http": EnvbridgeHttpClient,
    "openenv": OpenEnvClient,
    "raw-ws": RawWebSocketClient,
    "httpx": HttpxStepClient,
}
SYNC_CLIENTS: dict[str, type] = {
    "envbridge-sync": EnvbridgeSyncClient,
    "openenv-sync": OpenEnvSyncClient,
}
