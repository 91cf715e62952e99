"""A verifiers rollout as an envbridge :class:`Environment`: the API-independent part.

Every method hops onto the process-wide rollout loop (:mod:`.loop`), where the session's
:class:`Episode` lives. Actions are assistant messages; tools are also offered as MCP
tools, each ``call_tool`` being an assistant turn with one tool call, so verifiers runs
the tool exactly as it would for a model. Subclasses (classic, v1) say how to choose a
row, start a rollout and read its outcome.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from envbridge.bridges.verifiers.chat import assistant_message_schema, parse_assistant_message
from envbridge.bridges.verifiers.episode import Episode, RolloutFailed
from envbridge.bridges.verifiers.loop import WORKER, on_rollout_loop
from envbridge.bridges.verifiers.rows import RowChoice, Splits, task_spec
from envbridge.bridges.verifiers.turns import ModelCall
from envbridge.spec.environment import (
    Environment,
    EnvironmentMetadata,
    Observation,
    Tool,
    ToolError,
    ToolResult,
)

OBSERVATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ChatObservation",
    "properties": {
        "messages": {
            "type": "array",
            "items": {"type": "object"},
            "description": "the chat the model would see now, in OpenAI chat format",
        },
        "tools": {
            "type": "array",
            "items": {"type": "object"},
            "description": "OpenAI function-tool definitions the model may call",
        },
    },
    "required": ["messages", "tools"],
}


class Outcome:
    """A finished rollout as OpenEnv reports it."""

    __slots__ = ("history", "metadata", "reward")

    def __init__(
        self, history: list[dict[str, Any]], reward: float | None, metadata: dict[str, Any]
    ):
        self.history = history
        self.reward = reward
        self.metadata = metadata


class TurnEnvironment(Environment):
    """One session's view of a shared, already-built verifiers environment."""

    description = "a verifiers environment played one assistant turn per step"
    blocking = False

    def __init__(self, *, name: str) -> None:
        self.env_name = name
        self._episode: Episode | None = None
        self._choice: RowChoice | None = None
        self._tools: list[dict[str, Any]] | None = None
        self._call_ids = itertools.count(1)
        self._generation = 0
        """The rollout loop's generation the episode started on (see :meth:`_lost`)."""

    # ------------------------------------------------------------------ simulation API

    async def reset(
        self,
        *,
        seed: int | None = None,
        episode_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Observation:
        """Pick a row (task_index, seed or random), start its rollout, return its prompt."""
        return await on_rollout_loop(self._reset(seed, dict(options or {})))

    async def _reset(self, seed: int | None, options: dict[str, Any]) -> Observation:
        if self._lost():
            self._episode = None
        await self._stop()
        self._generation = WORKER.generation
        self._choice = self._choose(seed, options)
        self._tools = None
        self._call_ids = itertools.count(1)
        self._episode = self._start(self._choice)
        return await self._observe(self._episode, await self._episode.next_call())

    # ------------------------------------------------------- what subclasses provide

    def _choose(self, seed: int | None, options: dict[str, Any]) -> RowChoice:
        """The row (task) this episode plays."""
        raise NotImplementedError

    def _start(self, choice: RowChoice) -> Episode:
        """Start the rollout of ``choice`` (on the rollout loop)."""
        raise NotImplementedError

    async def _outcome(self, episode: Episode) -> Outcome:
        """The finished rollout's history, reward and metadata."""
        raise NotImplementedError

    def _example_id(self, row: Any) -> Any:
        """The row's id as the environment names it."""
        raise NotImplementedError

    def _declared_tools(self) -> list[Tool]:
        """Tools known before any model call (the environment's own definitions)."""
        return []

    def _task_splits(self) -> Splits:
        """Split name -> rows, as the Task API lists them (none: no tasks)."""
        return {}

    def _task_row(self, row: Any) -> Any:
        """What the Task API shows of a row (the row itself by default)."""
        return row

    # ------------------------------------------------------------- Task API (OpenEnv)

    def list_splits(self) -> list[Any]:
        names = list(self._task_splits())
        if not names:
            raise NotImplementedError
        return names

    def num_tasks(self, split: str) -> int:
        return len(self._task_splits()[split]())

    def get_task(self, split: str, index: int) -> Any:
        row = self._task_splits()[split]()[index]
        return task_spec(self._task_row(row), index, self._example_id(row))

    def parse_action(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validate the assistant message (OpenAI chat format)."""
        return parse_assistant_message(data)

    async def step(self, action: dict[str, Any]) -> Observation:
        """Give verifiers the assistant turn; return the next prompt or the final score."""
        return await on_rollout_loop(self._step(action))

    async def _step(self, action: dict[str, Any]) -> Observation:
        episode = self._require_episode()
        if episode.pending is None:
            episode.output()  # raises when the rollout crashed
            raise RolloutFailed("the rollout is complete: send reset to start a new episode")
        return await self._observe(episode, await episode.act(action))

    async def state(self) -> dict[str, Any]:
        """Row, turn count and (once finished) the rollout's outcome."""
        return await on_rollout_loop(self._state())

    async def _state(self) -> dict[str, Any]:
        if self._lost():
            return {"started": True, "is_completed": True, "error": self._lost_message()}
        if self._episode is None or self._choice is None:
            return {"started": False}
        episode, choice = self._episode, self._choice
        fields: dict[str, Any] = {
            "started": True,
            "split": choice.split,
            "task_index": choice.index,
            "example_id": self._example_id(choice.row),
            "turns": episode.turns,
            "is_completed": episode.finished,
        }
        if episode.finished:
            try:
                outcome = await self._outcome(episode)
            except RolloutFailed as exc:
                fields["error"] = str(exc)
            else:
                fields["reward"] = outcome.reward
                fields.update(outcome.metadata)
        return fields

    # ------------------------------------------------------------------------ tools

    def tools(self) -> list[Tool]:
        """The tools the model is offered now, as MCP tools with their JSON schemas."""
        if self._tools is not None:
            return [mcp_tool(tool.get("function") or {}) for tool in self._tools]
        return self._declared_tools()

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Play one assistant turn calling ``name``; return verifiers' tool result."""
        return await on_rollout_loop(self._call_tool(name, arguments))

    async def _call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if name not in {tool.name for tool in self.tools()}:
            raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")
        self._require_episode_alive()
        if self._episode is None:  # an MCP client that never reset: start one, as production does
            await self._reset(None, {})
        episode = self._episode
        if episode is None or episode.pending is None:
            raise ToolError(
                "no model turn is open (the episode is over): reset to start a new episode",
                "execution_error",
            )
        call_id = f"call_{next(self._call_ids)}"
        message = {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ],
        }
        observation = await self._observe(episode, await episode.act(message))
        for chat_message in reversed(observation.observation["messages"]):  # newest first
            if chat_message.get("role") == "tool" and chat_message.get("tool_call_id") == call_id:
                return ToolResult(
                    data=chat_message.get("content"),
                    reward=observation.reward,
                    done=observation.done,
                )
        stop = observation.metadata.get("stop_condition")
        raise ToolError(
            f"the rollout ended (stop condition {stop!r}) before verifiers ran the tool; "
            "reset to start a new episode",
            "execution_error",
        )

    # --------------------------------------------------------------------- plumbing

    async def _observe(self, episode: Episode, call: ModelCall | None) -> Observation:
        if call is not None:
            self._tools = call.tools
            return Observation(
                {"messages": call.messages, "tools": call.tools},
                reward=None,
                done=False,
                metadata={**self._row_metadata(), "turn": episode.turns},
            )
        outcome = await self._outcome(episode)
        return Observation(
            {"messages": outcome.history, "tools": self._tools or []},
            reward=outcome.reward,
            done=True,
            metadata={**self._row_metadata(), "turn": episode.turns, **outcome.metadata},
        )

    def _row_metadata(self) -> dict[str, Any]:
        choice = self._choice
        assert choice is not None
        return {
            "split": choice.split,
            "task_index": choice.index,
            "example_id": self._example_id(choice.row),
        }

    def _lost(self) -> bool:
        """True when the rollout loop was restarted since this episode began (the
        episode's task died with the old loop)."""
        return self._episode is not None and self._generation != WORKER.generation

    def _lost_message(self) -> str:
        return (
            "this episode was lost: the shared verifiers rollout loop died "
            f"({WORKER.last_failure}) and was restarted; send reset to start a new one"
        )

    def _require_episode_alive(self) -> None:
        if self._lost():
            self._episode = None
            raise RolloutFailed(self._lost_message())

    def _require_episode(self) -> Episode:
        self._require_episode_alive()
        if self._episode is None:
            raise RolloutFailed("no episode: send reset first")
        return self._episode

    async def _stop(self) -> None:
        if self._lost():
            self._episode = None
        if self._episode is not None:
            await self._episode.cancel()
            self._episode = None

    async def close(self) -> None:
        """Cancel the running rollout, if any."""
        await on_rollout_loop(self._stop())

    # ---------------------------------------------------------------------- schemas

    def action_schema(self) -> dict[str, Any]:
        return assistant_message_schema()

    def observation_schema(self) -> dict[str, Any]:
        return OBSERVATION_SCHEMA

    def metadata(self) -> EnvironmentMetadata:
        return EnvironmentMetadata(
            name=self.env_name,
            description=f"verifiers environment {self.env_name}, one assistant turn per step",
        )


def mcp_tool(definition: Any) -> Tool:
    """A verifiers or OpenAI function definition as an MCP tool."""
    return Tool(
        name=definition.get("name"),
        description=definition.get("description") or "",
        input_schema=dict(definition.get("parameters") or {"type": "object", "properties": {}}),
    )
