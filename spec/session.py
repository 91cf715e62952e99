"""The sans-I/O session core: one dispatcher that every transport calls.

A :class:`Session` owns one environment and the episode bookkeeping (episode id, step
count, step-before-reset and step-after-done rules) and enforces the mode rules. It
knows nothing of sockets: ``/ws`` frames, HTTP routes and MCP JSON-RPC all end in the
same methods, so simulation and production behave the same by construction.

Errors are raised as :class:`ProtocolError` (a wire code plus a message); each
transport renders them in its own shape (WS error frame, HTTP status, JSON-RPC error).
What the environment raises is mapped in one place, :func:`env_errors`. The lifecycle
is a :class:`Phase` moved only by ``attach``/``detach``/``close``; the ``/ws`` frame
dispatcher lives in :mod:`envbridge.spec.frames`.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Literal

from envbridge.spec import wire
from envbridge.spec.containment import CallTimedOut, EnvironmentAborted, describe, must_contain
from envbridge.spec.environment import (
    Environment,
    InvalidAction,
    Observation,
    ToolError,
    ToolResult,
)
from envbridge.spec.errors import ProtocolError, ToolErrorType, WSErrorCode
from envbridge.spec.messages import CallToolAction, ListToolsAction, ResetRequest
from envbridge.spec.modes import Mode
from envbridge.spec.placement import Placement
from envbridge.spec.tasks import selection_errors
from pydantic import ValidationError

log = logging.getLogger("envbridge.session")

_ENV_METHODS = ("reset", "step", "state", "call_tool", "close")


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as plain JSON dicts (no ``url``, no non-JSON ``ctx``)."""
    return [
        {"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"], "input": e.get("input")}
        for e in exc.errors(include_url=False, include_context=False)
    ]


def invalid(message: str, errors: list[dict[str, Any]]) -> ProtocolError:
    """A VALIDATION_ERROR carrying pydantic-style ``errors``."""
    return ProtocolError(WSErrorCode.VALIDATION_ERROR, message, errors=errors)


def execution_error(exc: BaseException, during: str) -> ProtocolError:
    """Wrap an unexpected environment exception; the session survives it."""
    log.warning("environment raised during %s", during, exc_info=exc)
    return ProtocolError(WSErrorCode.EXECUTION_ERROR, f"{during} failed: {describe(exc)}")


class env_errors:
    """Map what environment code raises to wire errors, in this one place.

    :class:`InvalidAction` becomes ``VALIDATION_ERROR``; a :class:`ProtocolError` passes
    through; anything else becomes ``EXECUTION_ERROR`` (logged; the session survives),
    ``SystemExit`` and ``KeyboardInterrupt`` raised by env code included.
    A plain class rather than ``@contextmanager``: it sits on the per-step hot path, and
    one instance per call site is reused.
    """

    __slots__ = ("during",)

    def __init__(self, during: str):
        self.during = during

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> Literal[False]:
        if exc is None or isinstance(exc, ProtocolError):
            return False
        if not isinstance(exc, Exception):
            if not must_contain(exc):
                return False  # cancellation: the server's own
        elif isinstance(exc, InvalidAction):
            raise invalid(str(exc), exc.errors) from None
        raise execution_error(exc, self.during) from exc


_PARSING = env_errors("parse_action")
_STEPPING = env_errors("step")


class Phase(enum.Enum):
    """Where a session is in its life; only :class:`Session`'s own methods move it.

    ``IDLE`` -attach()-> ``ATTACHED`` -detach()-> ``IDLE`` -close()-> ``CLOSED``;
    ``close()`` while ``ATTACHED`` -> ``CLOSING``, and the next ``detach()`` closes.
    """

    IDLE = "idle"
    """Alive and held by no connection (named HTTP and MCP sessions); the reaper may close it."""
    ATTACHED = "attached"
    """A live connection (a WebSocket, a batch) holds it; never reaped."""
    CLOSING = "closing"
    """Closed by request while attached: the environment closes when the connection lets go."""
    CLOSED = "closed"
    """The environment is closed."""


class Episode(enum.Enum):
    """The episode bookkeeping the mode rules read."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    DONE = "done"


_RUNNING, _DONE = Episode.RUNNING, Episode.DONE
_PLAIN_RESULTS = frozenset({Observation, ToolResult, dict, list, str, int, float, bool, type(None)})
"""Result types that are never awaitable (``inspect.isawaitable`` costs ~0.4 µs a step)."""


def _awaitable(result: Any) -> bool:
    """True for what a sync env method returned that must still be awaited."""
    return type(result) not in _PLAIN_RESULTS and inspect.isawaitable(result)


class Session:
    """One environment instance and its episode, driven by any transport."""

    call_timeout_s: float | None = None
    """Longest an env call other than ``reset`` (which may build a sandbox) may run: the
    server's ``--step-timeout``; None: no limit."""

    def __init__(self, env: Environment, mode: Mode, session_id: str | None = None):
        self.id = session_id or str(uuid.uuid4())
        self.env = env
        self.mode = mode
        self.episode_id: str | None = None
        self.step_count = 0
        self.phase = Phase.IDLE
        self.episode = Episode.NOT_STARTED
        self.last_active = time.monotonic()
        self._lock = asyncio.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._async = {
            name: inspect.iscoroutinefunction(getattr(env, name)) for name in _ENV_METHODS
        }
        blocking = getattr(env, "blocking", True)
        self._inline = blocking is False
        self.placement = Placement() if blocking == "auto" else None
        """For ``blocking = "auto"`` envs: which methods run inline (see spec/placement.py)."""

    # ------------------------------------------------------------------ env invocation

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run an env method; SystemExit & co. and overruns come out as Exceptions.

        Never wrap env code in a new task here: a task that raises SystemExit stops the
        server's event loop (asyncio re-raises it out of ``run_forever``).
        """
        try:
            if self.call_timeout_s is None or name == "reset":
                return await self._invoke(name, *args, **kwargs)
            try:
                async with asyncio.timeout(self.call_timeout_s):
                    return await self._invoke(name, *args, **kwargs)
            except TimeoutError:
                raise CallTimedOut(name, self.call_timeout_s) from None
        except BaseException as exc:
            if must_contain(exc):
                raise EnvironmentAborted(exc) from exc
            raise

    async def _invoke(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.env, name)
        if self._async[name]:
            return await method(*args, **kwargs)
        placement = self.placement
        if self._placed_inline(name):
            result = self._call_inline(name, method, *args, **kwargs)
        else:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"env-{self.id[:8]}")
            loop = asyncio.get_running_loop()
            if placement is not None:
                call = partial(placement.run_probed, name, method, *args, **kwargs)
            else:
                call = partial(method, *args, **kwargs)
            result = await loop.run_in_executor(self._executor, call)
        if _awaitable(result):
            result = await result  # a sync method that returned a coroutine
        return result

    def _placed_inline(self, name: str) -> bool:
        """True when the sync method ``name`` runs on the event loop (not its thread)."""
        placement = self.placement
        return self._inline or (placement is not None and placement.inline(name))

    def _call_inline(self, name: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Call on the event loop; timed when placement is measured (``blocking="auto"``)."""
        placement = self.placement
        if placement is None:  # blocking = False
            return method(*args, **kwargs)
        return placement.run_inline(name, method, *args, **kwargs)

    def _steps_inline(self) -> bool:
        """True when ``step`` runs on the event loop now: a sync ``step`` placed inline,
        no call timeout, and no other request holding the session."""
        if self._async["step"] or self.call_timeout_s is not None or self._lock.locked():
            return False
        return self._placed_inline("step")

    def _step_now(self, action: Any) -> Any:
        """``env.step`` called inline; SystemExit & co. come out as
        :class:`EnvironmentAborted`, as from :meth:`_call`."""
        try:
            return self._call_inline("step", self.env.step, action)
        except BaseException as exc:
            if must_contain(exc):
                raise EnvironmentAborted(exc) from exc
            raise

    def _touch(self) -> None:
        self.last_active = time.monotonic()

    # ---------------------------------------------------------------------- lifecycle

    @property
    def attached(self) -> bool:
        """True while a live connection holds this session (the reaper skips it)."""
        return self.phase in (Phase.ATTACHED, Phase.CLOSING)

    @property
    def closed(self) -> bool:
        """True once the environment is closed."""
        return self.phase is Phase.CLOSED

    @property
    def started(self) -> bool:
        """True once an episode has begun."""
        return self.episode is not Episode.NOT_STARTED

    @property
    def done(self) -> bool:
        """True when the current episode has ended."""
        return self.episode is Episode.DONE

    def _end_episode_if(self, done: bool) -> None:
        self.episode = _DONE if done else _RUNNING

    def attach(self) -> None:
        """A connection takes this session; SESSION_ERROR if one already holds it."""
        if self.phase is not Phase.IDLE:
            problem = "is closed" if self.closed else "already has a WebSocket attached"
            raise ProtocolError(WSErrorCode.SESSION_ERROR, f"session {self.id!r} {problem}")
        self.phase = Phase.ATTACHED

    async def detach(self) -> None:
        """The connection lets go; a close requested meanwhile happens now."""
        if self.phase is Phase.CLOSING:
            await self._close_env()
        elif self.phase is Phase.ATTACHED:
            self.phase = Phase.IDLE

    def _require_simulation(self, operation: str) -> None:
        if self.mode is Mode.PRODUCTION:
            raise ProtocolError(
                WSErrorCode.MODE_RESTRICTED,
                f"{operation} is not available in production mode: production exposes MCP "
                "tools only (tools/list, tools/call). Run the server with --mode simulation "
                "to use reset/step/state.",
            )

    # ---------------------------------------------------------------- the simulation API

    async def reset(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start an episode; ``data`` holds seed, episode_id, options and extra options."""
        self._require_simulation("reset")
        return await self._reset(data)

    async def start(self, reset_data: dict[str, Any] | None = None) -> None:
        """Begin the implicit episode of a production session (no reset on the wire).

        ``reset_data`` (seed, options) comes from ``openenv/session/create`` params.
        """
        if self.mode is Mode.PRODUCTION and self.episode is Episode.NOT_STARTED:
            await self._reset(reset_data or {})

    async def _reset(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            request = ResetRequest.model_validate(data)
        except ValidationError as exc:
            raise invalid("Invalid reset data", validation_errors(exc)) from None
        options = dict(request.model_extra or {})
        nested = options.pop("options", None)
        if nested is not None:
            if not isinstance(nested, dict):
                raise invalid(
                    "Invalid reset data",
                    [
                        {
                            "type": "dict_type",
                            "loc": ["options"],
                            "msg": "options must be an object",
                            "input": nested,
                        }
                    ],
                )
            options = {**nested, **options}
        with env_errors("task lookup"):
            task_errors = await selection_errors(self.env, options)
        if task_errors:
            raise invalid("Invalid task selection", task_errors)
        episode_id = request.episode_id or str(uuid.uuid4())
        async with self._lock:
            self._touch()
            with env_errors("reset"):
                obs = await self._call(
                    "reset", seed=request.seed, episode_id=episode_id, options=options or None
                )
            reply = self._encode_envelope(obs, "reset")
            self.episode_id = episode_id
            self.step_count = 0
            self._end_episode_if(bool(obs.done))
            return reply

    async def step(self, data: Any) -> dict[str, Any]:
        """Apply one action (or a ``list_tools`` / ``call_tool`` action)."""
        self._require_simulation("step")
        if not isinstance(data, dict):
            raise invalid(
                "Invalid message",
                [
                    {
                        "type": "dict_type",
                        "loc": ["data"],
                        "msg": "action must be a JSON object",
                        "input": data,
                    }
                ],
            )
        kind = data.get("type")
        if kind == "list_tools":
            return self._list_tools_step(data)
        if kind == "call_tool":
            return await self._call_tool_step(data)
        if self._steps_inline():
            # Nothing below yields unless the env returned an awaitable, so no other
            # request on this session can interleave: the lock need not be taken.
            action = self._step_action(data)
            with _STEPPING:
                obs = self._step_now(action)
                if _awaitable(obs):
                    async with self._lock:
                        obs = await obs
            return self._stepped(obs)
        async with self._lock:
            action = self._step_action(data)
            with _STEPPING:
                obs = await self._call("step", action)
            return self._stepped(obs)

    def _step_action(self, data: dict[str, Any]) -> Any:
        """The parsed action of a step the session may take now (else a ProtocolError)."""
        self._touch()
        self._check_episode_open()
        with _PARSING:
            return self.env.parse_action(data)

    def _stepped(self, obs: Any) -> dict[str, Any]:
        """The reply envelope of a step that returned ``obs``; the episode moves on."""
        reply = self._encode_envelope(obs, "step")
        self.step_count += 1
        self.episode = _DONE if obs.done else _RUNNING  # inline: the hot path
        return reply

    async def state(self) -> dict[str, Any]:
        """Episode id, step count and the env's own state fields."""
        self._require_simulation("state")
        with env_errors("state"):
            env_state = await self._call("state")
        if not isinstance(env_state, dict):
            raise ProtocolError(
                WSErrorCode.EXECUTION_ERROR,
                f"state() must return a dict, got {type(env_state).__name__}",
            )
        return {**env_state, "episode_id": self.episode_id, "step_count": self.step_count}

    def _check_episode_open(self) -> None:
        if self.episode is _RUNNING:  # the common case: one comparison
            return
        if self.episode is Episode.NOT_STARTED and not self.env.allow_step_before_reset:
            raise ProtocolError(
                WSErrorCode.EPISODE_NOT_STARTED, "no episode yet: send reset before step"
            )
        if self.episode is Episode.DONE and not self.env.allow_step_after_done:
            raise ProtocolError(
                WSErrorCode.EPISODE_DONE,
                "the episode is over (done=true): send reset to start a new one",
            )

    @staticmethod
    def _encode_envelope(obs: Any, during: str) -> dict[str, Any]:
        try:
            return wire.envelope(obs)
        except wire.WireEncodingError as exc:
            raise ProtocolError(WSErrorCode.EXECUTION_ERROR, f"{during}: {exc}") from None

    # ----------------------------------------------------------------------------- tools

    def tools(self) -> list[Any]:
        """The env's tools (read fresh: some envs change them per episode)."""
        with env_errors("tools"):
            return list(self.env.tools())

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run a tool; raises :class:`ToolError` for in-band failures (also unknown tools)."""
        async with self._lock:
            self._touch()
            if name not in {tool.name for tool in self.tools()}:
                raise ToolError(f"Unknown tool: {name!r}", ToolErrorType.TOOL_NOT_FOUND)
            try:
                return wire.as_tool_result(await self._call("call_tool", name, arguments))
            except ToolError:
                raise
            except Exception as exc:
                log.warning("tool %s raised", name, exc_info=exc)
                raise ToolError(describe(exc), ToolErrorType.EXECUTION_ERROR) from exc

    def _list_tools_step(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            ListToolsAction.model_validate(data)
        except ValidationError as exc:
            raise invalid("Invalid message", validation_errors(exc)) from None
        self._touch()
        tools = [wire.tool_for_step_list(tool) for tool in self.tools()]
        return {"observation": {"tools": tools, "metadata": {}}, "reward": None, "done": False}

    async def _call_tool_step(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            action = CallToolAction.model_validate(data)
        except ValidationError as exc:
            raise invalid("Invalid message", validation_errors(exc)) from None
        self._check_episode_open()
        observation: dict[str, Any] = {"tool_name": action.tool_name, "metadata": {}}
        reward = None
        done = False
        try:
            result = await self.call_tool(action.tool_name, action.arguments)
        except ToolError as exc:
            observation["result"] = None
            observation["error"] = {"error_type": exc.error_type, "message": str(exc)}
        else:
            observation["result"] = wire.tool_result_openenv(result.data)
            observation["error"] = None
            reward, done = wire.clean_reward(result.reward), bool(result.done)
        self.step_count += 1
        if done:
            self.episode = Episode.DONE
        return {"observation": observation, "reward": reward, "done": done}

    # -------------------------------------------------------------------------- closing

    async def close(self) -> None:
        """Close the environment once (deferred to :meth:`detach` while attached).

        Errors in the environment's ``close`` are logged, never raised.
        """
        if self.phase is Phase.ATTACHED:
            self.phase = Phase.CLOSING
        elif self.phase is Phase.IDLE:
            await self._close_env()

    async def _close_env(self) -> None:
        self.phase = Phase.CLOSED
        try:
            await self._call("close")
        except Exception:
            log.warning("environment close() raised", exc_info=True)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)


__all__ = [
    "Episode",
    "Phase",
    "ProtocolError",
    "Session",
    "env_errors",
    "execution_error",
    "invalid",
    "validation_errors",
]
