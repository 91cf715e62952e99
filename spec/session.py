"""The sans-I/O session core: one dispatcher that every transport calls.

A :class:`Session` owns one environment and the episode bookkeeping (episode id, step
count, step-before-reset and step-after-done rules) and enforces the mode rules. It
knows nothing of sockets: ``/ws`` frames, HTTP routes and MCP JSON-RPC all end in the
same methods, so simulation and production behave the same by construction.

Errors are raised as :class:`ProtocolError` (a wire code plus a message); each
transport renders them in its own shape (WS error frame, HTTP status, JSON-RPC error).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from envbridge.spec import wire
from envbridge.spec.containment import CallTimedOut, EnvironmentAborted, describe, must_contain
from envbridge.spec.environment import Environment, InvalidAction, ToolError, ToolResult
from envbridge.spec.errors import FATAL_WS_CODES, WSErrorCode
from envbridge.spec.messages import CallToolAction, ListToolsAction, ResetRequest, WSIncoming
from envbridge.spec.modes import Mode
from pydantic import TypeAdapter, ValidationError

log = logging.getLogger("envbridge.session")

_frame_adapter: TypeAdapter[Any] = TypeAdapter(WSIncoming)
_ENV_METHODS = ("reset", "step", "state", "call_tool", "close")


class ProtocolError(Exception):
    """A failure with a wire code; ``extras`` join the error payload."""

    def __init__(self, code: WSErrorCode, message: str, **extras: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extras = extras

    def payload(self) -> dict[str, Any]:
        """The ``data`` of a WS error frame."""
        return {"message": self.message, "code": self.code.value, **self.extras}


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as plain JSON dicts (no ``url``, no non-JSON ``ctx``)."""
    return [
        {"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"], "input": e.get("input")}
        for e in exc.errors(include_url=False, include_context=False)
    ]


def _invalid(message: str, errors: list[dict[str, Any]]) -> ProtocolError:
    return ProtocolError(WSErrorCode.VALIDATION_ERROR, message, errors=errors)


def execution_error(exc: BaseException, during: str) -> ProtocolError:
    """Wrap an unexpected environment exception; the session survives it."""
    log.warning("environment raised during %s", during, exc_info=exc)
    return ProtocolError(WSErrorCode.EXECUTION_ERROR, f"{during} failed: {describe(exc)}")


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
        self.started = False
        self.done = False
        self.attached = False
        """True while a live connection (WS) holds this session; the reaper skips it."""
        self.last_active = time.monotonic()
        self.closed = False
        self.close_requested = False
        """Closed by request while attached: close when the connection lets go."""
        self._lock = asyncio.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._async = {
            name: inspect.iscoroutinefunction(getattr(env, name)) for name in _ENV_METHODS
        }
        self._inline = not getattr(env, "blocking", True)

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
        if self._inline:
            result = method(*args, **kwargs)
        else:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"env-{self.id[:8]}")
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self._executor, partial(method, *args, **kwargs))
        if inspect.isawaitable(result):  # a sync method that returned a coroutine
            result = await result
        return result

    def _touch(self) -> None:
        self.last_active = time.monotonic()

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
        if self.mode is Mode.PRODUCTION and not self.started:
            await self._reset(reset_data or {})

    async def _reset(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            request = ResetRequest.model_validate(data)
        except ValidationError as exc:
            raise _invalid("Invalid reset data", validation_errors(exc)) from None
        options = dict(request.model_extra or {})
        nested = options.pop("options", None)
        if nested is not None:
            if not isinstance(nested, dict):
                raise _invalid(
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
        episode_id = request.episode_id or str(uuid.uuid4())
        async with self._lock:
            self._touch()
            try:
                obs = await self._call(
                    "reset", seed=request.seed, episode_id=episode_id, options=options or None
                )
            except InvalidAction as exc:
                raise _invalid(str(exc), exc.errors) from None
            except Exception as exc:
                raise execution_error(exc, "reset") from exc
            reply = self._encode_envelope(obs, "reset")
            self.episode_id = episode_id
            self.step_count = 0
            self.started = True
            self.done = bool(obs.done)
            return reply

    async def step(self, data: Any) -> dict[str, Any]:
        """Apply one action (or a ``list_tools`` / ``call_tool`` action)."""
        self._require_simulation("step")
        if not isinstance(data, dict):
            raise _invalid(
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
        async with self._lock:
            self._touch()
            self._check_episode_open()
            try:
                action = self.env.parse_action(data)
            except InvalidAction as exc:
                raise _invalid(str(exc), exc.errors) from None
            except BaseException as exc:
                if not isinstance(exc, Exception) and not must_contain(exc):
                    raise
                raise execution_error(exc, "parse_action") from exc
            try:
                obs = await self._call("step", action)
            except InvalidAction as exc:
                raise _invalid(str(exc), exc.errors) from None
            except Exception as exc:
                raise execution_error(exc, "step") from exc
            reply = self._encode_envelope(obs, "step")
            self.step_count += 1
            self.done = bool(obs.done)
            return reply

    async def state(self) -> dict[str, Any]:
        """Episode id, step count and the env's own state fields."""
        self._require_simulation("state")
        try:
            env_state = await self._call("state")
        except Exception as exc:
            raise execution_error(exc, "state") from exc
        if not isinstance(env_state, dict):
            raise ProtocolError(
                WSErrorCode.EXECUTION_ERROR,
                f"state() must return a dict, got {type(env_state).__name__}",
            )
        return {**env_state, "episode_id": self.episode_id, "step_count": self.step_count}

    def _check_episode_open(self) -> None:
        if not self.started and not self.env.allow_step_before_reset:
            raise ProtocolError(
                WSErrorCode.EPISODE_NOT_STARTED, "no episode yet: send reset before step"
            )
        if self.done and not self.env.allow_step_after_done:
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
        try:
            return list(self.env.tools())
        except BaseException as exc:
            if not isinstance(exc, Exception) and not must_contain(exc):
                raise
            raise execution_error(exc, "tools") from exc

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run a tool; raises :class:`ToolError` for in-band failures (also unknown tools)."""
        async with self._lock:
            self._touch()
            if name not in {tool.name for tool in self.tools()}:
                raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")
            try:
                return wire.as_tool_result(await self._call("call_tool", name, arguments))
            except ToolError:
                raise
            except Exception as exc:
                log.warning("tool %s raised", name, exc_info=exc)
                raise ToolError(describe(exc), "execution_error") from exc

    def _list_tools_step(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            ListToolsAction.model_validate(data)
        except ValidationError as exc:
            raise _invalid("Invalid message", validation_errors(exc)) from None
        self._touch()
        tools = [wire.tool_for_step_list(tool) for tool in self.tools()]
        return {"observation": {"tools": tools, "metadata": {}}, "reward": None, "done": False}

    async def _call_tool_step(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            action = CallToolAction.model_validate(data)
        except ValidationError as exc:
            raise _invalid("Invalid message", validation_errors(exc)) from None
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
        self.done = self.done or done
        return {"observation": observation, "reward": reward, "done": done}

    # -------------------------------------------------------------------------- closing

    async def close(self) -> None:
        """Close the environment once; errors are logged, never raised."""
        if self.closed:
            return
        self.closed = True
        try:
            await self._call("close")
        except Exception:
            log.warning("environment close() raised", exc_info=True)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------ the /ws frame dispatcher

MCPHandler = Callable[[Session, Any], Any]
"""``async (session, jsonrpc_request) -> jsonrpc_response`` supplied by the transport."""

ExtensionHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
"""``async (data) -> reply data`` for an extension frame type (e.g. batching)."""


class FrameReply:
    """What a frame produced: text to send (or None) and whether to close after."""

    __slots__ = ("close", "text")

    def __init__(self, text: str | None, close: bool = False):
        self.text = text
        self.close = close


def error_frame(error: ProtocolError) -> FrameReply:
    """Render a protocol error as a WS error frame (fatal codes close the session)."""
    text = wire.encode_lenient({"type": "error", "data": error.payload()})
    return FrameReply(text, close=error.code in FATAL_WS_CODES)


_SIMPLE_KEYS = {"type", "data"}


async def handle_frame(
    session: Session,
    text: str | bytes,
    mcp: MCPHandler,
    extensions: dict[str, ExtensionHandler] | None = None,
) -> FrameReply:
    """Decode one ``/ws`` frame, dispatch it, and encode the single reply.

    ``extensions`` maps extra frame types (``{"type": T, "data": {...}}``) to handlers;
    their errors never close the connection.
    """
    try:
        message = wire.decode(text)
    except (ValueError, UnicodeDecodeError) as exc:
        return error_frame(ProtocolError(WSErrorCode.INVALID_JSON, f"Invalid JSON: {exc}"))
    try:
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "step" and message.keys() == _SIMPLE_KEYS and type(message["data"]) is dict:
            payload = await session.step(message["data"])  # the hot path: no pydantic
            return FrameReply(_encode_reply({"type": "observation", "data": payload}))
        if extensions and isinstance(kind, str) and kind in extensions:
            return await _extension(extensions[kind], kind, message)
        if kind not in ("reset", "step", "state", "close", "mcp"):
            if not isinstance(message, dict):
                raise _invalid(
                    "Invalid message",
                    [
                        {
                            "type": "dict_type",
                            "loc": [],
                            "msg": "a frame must be a JSON object",
                            "input": message,
                        }
                    ],
                )
            raise ProtocolError(WSErrorCode.UNKNOWN_TYPE, f"Unknown message type: {kind or ''}")
        try:
            frame = _frame_adapter.validate_python(message)
        except ValidationError as exc:
            raise _invalid("Invalid message", validation_errors(exc)) from None
        if kind == "close":
            return FrameReply(None, close=True)
        if kind == "reset":
            reply = {"type": "observation", "data": await session.reset(frame.data)}
        elif kind == "step":
            reply = {"type": "observation", "data": await session.step(frame.data)}
        elif kind == "state":
            reply = {"type": "state", "data": await session.state()}
        else:
            reply = {"type": "mcp", "data": await mcp(session, frame.data)}
        return FrameReply(_encode_reply(reply))
    except ProtocolError as exc:
        return error_frame(exc)


async def _extension(handler: ExtensionHandler, kind: str, message: dict[str, Any]) -> FrameReply:
    if message.keys() != _SIMPLE_KEYS or not isinstance(message["data"], dict):
        error = _invalid(f'a {kind} frame is {{"type": "{kind}", "data": {{...}}}}', [])
        return FrameReply(error_frame(error).text)
    try:
        return FrameReply(_encode_reply({"type": kind, "data": await handler(message["data"])}))
    except ProtocolError as exc:
        return FrameReply(
            error_frame(exc).text
        )  # never fatal: the connection's own session is fine


def _encode_reply(reply: dict[str, Any]) -> str:
    try:
        return wire.encode(reply)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(
            WSErrorCode.EXECUTION_ERROR,
            f"the environment returned a value JSON cannot carry ({exc}); NaN and Infinity "
            "are not JSON: encode them as null or strings",
        ) from None
