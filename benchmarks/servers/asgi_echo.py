"""The uvicorn floor: a bare ASGI app echoing HTTP bodies and WebSocket frames.

``uvicorn benchmarks.servers.asgi_echo:app``: what uvicorn alone costs, with no
framework and no protocol work on top.
"""

from __future__ import annotations

from typing import Any


async def _http(receive: Any, send: Any) -> None:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _websocket(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif kind == "websocket.receive":
            await send({"type": "websocket.send", "text": message.get("text")})
        else:
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echo: ``POST`` bodies come back as the response, WS text frames as replies."""
    if scope["type"] == "http":
        await _http(receive, send)
    elif scope["type"] == "websocket":
        await _websocket(receive, send)
    elif scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
