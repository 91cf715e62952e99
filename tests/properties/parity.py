"""The sim/prod parity harness, reusable by every bridge.

Given an env factory and a sequence of tool calls, it runs them three ways and asserts
identical outcomes:

1. in process: ``env.reset(seed=...)`` then ``env.call_tool(...)`` on a fresh env;
2. simulation mode, over ``/ws``: ``reset`` then ``step({"type":"call_tool",...})``;
3. production mode, over HTTP ``/mcp``: ``openenv/session/create`` (seed) then
   ``tools/call`` with the session id.

An outcome is ``("ok", value)`` or ``("error", error_type)``. Use it as a context manager
(servers start once) and call :meth:`ParityHarness.check` from hypothesis tests::

    with ParityHarness(CounterEnv) as harness:
        harness.check([("add", {"amount": 2}), ("get_count", {})], seed=1)
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from envbridge.spec import wire
from envbridge.spec.environment import ToolError, ToolResult
from websockets.sync.client import connect

from tests.helpers import serving

ToolCall = tuple[str, dict[str, Any]]
Outcome = tuple[str, Any]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def run_in_process(
    factory: Callable[[], Any], calls: Sequence[ToolCall], seed: int | None
) -> list[Outcome]:
    """Path 1: the environment object itself (one event loop for the whole run)."""
    return asyncio.run(_in_process(factory, calls, seed))


async def _in_process(
    factory: Callable[[], Any], calls: Sequence[ToolCall], seed: int | None
) -> list[Outcome]:
    env = factory()
    outcomes: list[Outcome] = []
    try:
        await _maybe_await(env.reset(seed=seed, episode_id="parity", options=None))
        for name, arguments in calls:
            try:
                result = await _maybe_await(env.call_tool(name, dict(arguments)))
            except ToolError as exc:
                outcomes.append(("error", exc.error_type))
            except Exception:
                outcomes.append(("error", "execution_error"))
            else:
                value = result.data if isinstance(result, ToolResult) else result
                outcomes.append(("ok", wire.decode(wire.encode(value))))
    finally:
        await _maybe_await(env.close())
    return outcomes


def run_simulation_ws(url: str, calls: Sequence[ToolCall], seed: int | None) -> list[Outcome]:
    """Path 2: simulation mode, ``step(call_tool)`` frames over ``/ws``."""
    outcomes: list[Outcome] = []
    with connect(url.replace("http://", "ws://") + "/ws", max_size=None) as ws:
        data: dict[str, Any] = {"episode_id": "parity"}
        if seed is not None:
            data["seed"] = seed
        ws.send(wire.encode({"type": "reset", "data": data}))
        reply = wire.decode(ws.recv(timeout=60))
        assert reply["type"] == "observation", reply
        for name, arguments in calls:
            ws.send(
                wire.encode(
                    {
                        "type": "step",
                        "data": {"type": "call_tool", "tool_name": name, "arguments": arguments},
                    }
                )
            )
            reply = wire.decode(ws.recv(timeout=60))
            assert reply["type"] == "observation", reply
            observation = reply["data"]["observation"]
            if observation.get("error"):
                outcomes.append(("error", observation["error"]["error_type"]))
            else:
                outcomes.append(("ok", observation["result"]["data"]))
        ws.send(wire.encode({"type": "close"}))
    return outcomes


def run_production_mcp(url: str, calls: Sequence[ToolCall], seed: int | None) -> list[Outcome]:
    """Path 3: production mode, JSON-RPC ``tools/call`` over HTTP ``/mcp``."""
    outcomes: list[Outcome] = []
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        params = {} if seed is None else {"seed": seed}
        created = http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 0, "method": "openenv/session/create", "params": params},
        )
        session_id = created.json()["result"]["session_id"]
        try:
            for index, (name, arguments) in enumerate(calls, start=1):
                reply = http.post(
                    "/mcp",
                    json={
                        "jsonrpc": "2.0",
                        "id": index,
                        "method": "tools/call",
                        "params": {"name": name, "arguments": arguments, "session_id": session_id},
                    },
                ).json()
                assert reply["id"] == index, reply
                if "error" in reply:
                    data = reply["error"].get("data") or {}
                    outcomes.append(("error", data.get("error_type", "execution_error")))
                else:
                    outcomes.append(("ok", reply["result"]["data"]))
        finally:
            http.post(
                "/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": -1,
                    "method": "openenv/session/close",
                    "params": {"session_id": session_id},
                },
            )
    return outcomes


class ParityHarness:
    """Runs one simulation and one production server for ``factory``."""

    def __init__(self, factory: Callable[[], Any], **app_kwargs: Any):
        self.factory = factory
        self.app_kwargs = app_kwargs
        self._stack = contextlib.ExitStack()
        self.sim_url = ""
        self.prod_url = ""

    def __enter__(self) -> ParityHarness:
        self.sim_url = self._stack.enter_context(
            serving(self.factory, mode="simulation", **self.app_kwargs)
        )
        self.prod_url = self._stack.enter_context(
            serving(self.factory, mode="production", **self.app_kwargs)
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def outcomes(self, calls: Sequence[ToolCall], seed: int | None = None) -> dict[str, Any]:
        """The outcomes of all three paths, keyed by path name."""
        return {
            "in_process": run_in_process(self.factory, calls, seed),
            "simulation_ws": run_simulation_ws(self.sim_url, calls, seed),
            "production_mcp": run_production_mcp(self.prod_url, calls, seed),
        }

    def check(self, calls: Sequence[ToolCall], seed: int | None = None) -> list[Outcome]:
        """Assert the three paths agree; returns the agreed outcomes."""
        results = self.outcomes(calls, seed)
        reference = results["in_process"]
        for path, outcome in results.items():
            assert outcome == reference, (
                f"{path} disagrees with in_process for calls {list(calls)} (seed {seed}):\n"
                f"  in_process: {reference}\n  {path}: {outcome}"
            )
        return reference
