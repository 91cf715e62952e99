"""envbridge serving a target the way ``envbridge serve`` does, with a chosen event loop.

``python -m benchmarks.servers.envbridge_server TARGET PORT MAX_SESSIONS LOOP``. The
uvicorn settings are envbridge's own (``uvicorn_config_kwargs``); only ``loop`` is
pinned, so a core install (asyncio) and one with uvloop can be compared.
"""

from __future__ import annotations

import sys


def main(target: str, port: str, max_sessions: str, loop: str) -> None:
    """Serve ``target`` on 127.0.0.1:``port`` until terminated."""
    import uvicorn
    from envbridge.spec.server import create_app
    from envbridge.spec.server.serve import uvicorn_config_kwargs

    from envbridge.targets import resolve_target

    app = create_app(resolve_target(target), max_sessions=int(max_sessions))
    kwargs = {**uvicorn_config_kwargs(), "loop": loop}
    uvicorn.run(app, host="127.0.0.1", port=int(port), **kwargs)


if __name__ == "__main__":
    main(*sys.argv[1:])
