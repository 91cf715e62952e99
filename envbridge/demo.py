"""``make demo``: serve the sample counter environment and drive it with envbridge's client."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path


def main() -> int:
    """Serve, drive one episode printing each step, then shut down."""
    import uvicorn

    import envbridge
    from envbridge.spec.server import create_app
    from envbridge.spec.server.serve import uvicorn_config_kwargs

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from envs.native.counter import CounterEnv

    config = uvicorn.Config(
        create_app(CounterEnv), host="127.0.0.1", port=0, **uvicorn_config_kwargs()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    print(f"serving envs.native.counter:CounterEnv at {url}")
    try:
        with envbridge.connect(url).sync() as env:
            result = env.reset(seed=1)
            print(f"reset  -> {result.observation}")
            step = 0
            while not result.done:
                step += 1
                result = env.step({"delta": 2})
                print(
                    f"step {step} -> {result.observation} reward={result.reward} done={result.done}"
                )
            print(f"tools  -> {[tool.name for tool in env.list_tools()]}")
            print(f"echo   -> {env.call_tool('echo', message='hello from envbridge')!r}")
            print(f"state  -> {env.state()}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
