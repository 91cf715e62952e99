"""The Environment interface every bridge and native environment implements.

Methods may be written ``async def`` or plain ``def``: the session core awaits the
first and runs the second in a worker thread (so a slow synchronous environment never
blocks the event loop). Set ``blocking = False`` on a class whose synchronous methods
are cheap; they are then called inline, which saves a thread hop per step.

Episode bookkeeping (episode id, step count, step-before-reset, step-after-done, the
simulation/production mode rules) is NOT the environment's job: the session core
(:mod:`envbridge.spec.session`) owns it, identically for every transport.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from envbridge.spec.errors import EnvError as EnvError  # re-exported: older import path
from envbridge.spec.errors import InvalidAction as InvalidAction
from envbridge.spec.errors import ToolError

JSONValue = Any
"""Anything ``json.dumps`` accepts (dicts, lists, str, int, float, bool, None)."""

RESERVED_TOOL_NAMES = frozenset({"reset", "step", "state", "close"})
"""Tool names that would shadow the simulation API; OpenEnv reserves the same four."""


@dataclass(slots=True)
class Observation:
    """What reset and step return: the wire envelope's three fields plus metadata.

    ``observation`` is the JSON object sent as ``data.observation``; ``reward`` may be
    ``None`` (OpenEnv semantics: no reward yet); ``metadata`` travels in the 0.10.x
    dialect and is dropped by 0.3.x clients.
    """

    observation: dict[str, JSONValue] = field(default_factory=dict)
    reward: float | int | bool | None = None
    done: bool = False
    metadata: dict[str, JSONValue] = field(default_factory=dict)


@dataclass(slots=True)
class Tool:
    """An MCP tool: a name, a description and a JSON Schema for its arguments."""

    name: str
    description: str = ""
    input_schema: dict[str, JSONValue] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )

    def __post_init__(self) -> None:
        if self.name in RESERVED_TOOL_NAMES:
            raise ValueError(
                f"tool name {self.name!r} is reserved (reset, step, state and close are the "
                "simulation API); rename the tool"
            )


@dataclass(slots=True)
class ToolResult:
    """A tool's return value, optionally ending the episode or carrying a reward.

    A tool may also return any JSON value directly; that is ``ToolResult(data=value)``.
    ``reward`` and ``done`` reach the observation envelope when the tool is called
    through ``step({"type": "call_tool", ...})`` (a harbor ``submit`` ends the episode
    this way); over MCP only ``data`` is sent.
    """

    data: JSONValue = None
    reward: float | int | bool | None = None
    done: bool = False


@dataclass(slots=True)
class EnvironmentMetadata:
    """What ``GET /metadata`` returns (OpenEnv's ``EnvironmentMetadata`` fields)."""

    name: str
    description: str = ""
    version: str = "1.0.0"
    readme_content: str | None = None
    author: str | None = None
    documentation_url: str | None = None


class Environment:
    """Base class of every environment envbridge serves.

    Override ``reset`` and ``step`` (sync or async). Override ``tools`` and
    ``call_tool`` to expose MCP tools. Override the ``*_schema`` methods so ``/schema``
    describes your actions and observations, and ``parse_action`` to validate.
    """

    name: ClassVar[str | None] = None
    description: ClassVar[str] = ""
    version: ClassVar[str] = "1.0.0"
    blocking: ClassVar[bool | Literal["auto"]] = True
    """True: synchronous methods run in a worker thread. False: called inline.
    ``"auto"``: measured per session, cheap methods move inline and slow ones stay on the
    thread (see :mod:`envbridge.spec.placement`)."""
    deterministic: ClassVar[bool] = True
    """False tells the conformance kit to skip determinism checks (with that reason)."""
    concurrent_sessions: ClassVar[bool] = True
    """False: the server allows one session at a time (OpenEnv's default)."""
    allow_step_before_reset: ClassVar[bool] = False
    allow_step_after_done: ClassVar[bool] = False

    def reset(
        self,
        *,
        seed: int | None = None,
        episode_id: str | None = None,
        options: dict[str, JSONValue] | None = None,
    ) -> Observation | Awaitable[Observation]:
        """Start a new episode and return its first observation."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset()")

    def step(self, action: Any) -> Observation | Awaitable[Observation]:
        """Apply ``action`` (the value ``parse_action`` returned) and observe."""
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def state(self) -> dict[str, JSONValue] | Awaitable[dict[str, JSONValue]]:
        """Environment-specific state fields; the core adds episode_id and step_count."""
        return {}

    def tools(self) -> list[Tool]:
        """The MCP tools this environment offers (none by default)."""
        return []

    def call_tool(
        self, name: str, arguments: dict[str, JSONValue]
    ) -> JSONValue | ToolResult | Awaitable[JSONValue | ToolResult]:
        """Run tool ``name``; raise :class:`ToolError` for in-band failures."""
        raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")

    def parse_action(self, data: dict[str, JSONValue]) -> Any:
        """Validate a wire action (the ``data`` of a step) and return what ``step`` takes.

        Raise :class:`InvalidAction` when it does not fit. The default passes the dict
        through unchanged.
        """
        return data

    def action_schema(self) -> dict[str, JSONValue]:
        """JSON Schema of a wire action (``/schema`` ``action``)."""
        return {"type": "object", "title": "Action", "additionalProperties": True}

    def observation_schema(self) -> dict[str, JSONValue]:
        """JSON Schema of the wire ``observation`` object (``/schema`` ``observation``)."""
        return {"type": "object", "title": "Observation", "additionalProperties": True}

    def state_schema(self) -> dict[str, JSONValue]:
        """JSON Schema of the environment-specific state fields."""
        return {"type": "object", "title": "State", "additionalProperties": True}

    def metadata(self) -> EnvironmentMetadata:
        """What ``/metadata`` reports; defaults come from the class attributes."""
        return EnvironmentMetadata(
            name=self.name or type(self).__name__,
            description=self.description or f"{type(self).__name__} environment",
            version=self.version,
        )

    # Task API (OpenEnv's TaskProvider), all optional: see envbridge.spec.tasks. Implement
    # list_splits plus list_tasks (small splits) or num_tasks + get_task (large ones);
    # reset(options={"split": ..., "index": ...}) must then start exactly that task.

    def list_splits(self) -> list[Any] | Awaitable[list[Any]]:
        """Split descriptors: names (``"train"``), dicts or models. Default: no tasks."""
        raise NotImplementedError

    def list_tasks(self, split: str) -> list[Any] | Awaitable[list[Any]]:
        """Every task spec of ``split`` (JSON-able; never answers or model output)."""
        raise NotImplementedError

    def num_tasks(self, split: str) -> int | Awaitable[int]:
        """The exact number of tasks in ``split``."""
        raise NotImplementedError

    def get_task(self, split: str, index: int) -> Any:
        """Task ``index`` of ``split`` (the server has checked the index is in range)."""
        raise NotImplementedError

    def get_task_range(
        self, split: str, start: int | None = None, stop: int | None = None
    ) -> list[Any] | Awaitable[list[Any]]:
        """``tasks[start:stop]`` with slice rules; derived from get_task when absent."""
        raise NotImplementedError

    def close(self) -> Awaitable[None] | None:
        """Release resources (processes, containers, files). Called once per session."""
        return None


class EnvFactory(Protocol):
    """A zero-argument callable (usually the class itself) returning a new Environment.

    The server calls it once per session; each session owns its environment. Class
    attributes ``blocking`` and ``concurrent_sessions`` are read from it when present.
    """

    def __call__(self) -> Environment: ...
