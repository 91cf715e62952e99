"""The WebSocket floor: a bare ``websockets`` server echoing every frame.

``python -m benchmarks.servers.raw_ws_echo PORT``.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, serve


async def _echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


async def main(port: int) -> None:
    """Echo on 127.0.0.1:``port`` until terminated."""
    async with serve(
        _echo, "127.0.0.1", port, compression=None, ping_interval=None, max_size=None
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
