"""A classic verifiers environment as an envbridge :class:`Environment`, one per session.

Every method hops onto the process-wide rollout loop (:mod:`.loop`), where the session's
:class:`Episode` lives. Actions are assistant messages; tools are also offered as MCP
tools, each ``call_tool`` being an assistant turn with one tool call, so verifiers runs
the tool exactly as it would for a model.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from envbridge.bridges.verifiers.chat import assistant_message_schema, parse_assistant_message
from envbridge.bridges.verifiers.client import ModelCall
from envbridge.bridges.verifiers.episode import Episode, RolloutFailed
from envbridge.bridges.verifiers.loop import on_rollout_loop
from envbridge.bridges.verifiers.outcome import final_history, final_reward, outcome_metadata
from envbridge.bridges.verifiers.rows import RowChoice, choose_row
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


class VerifiersEnvironment(Environment):
    """One session's view of a shared, already-built verifiers environment."""

    description = "a verifiers environment played one assistant turn per step"
    blocking = False

    def __init__(
        self, vf_env: Any, *, name: str, model: str, sampling_args: dict[str, Any]
    ) -> None:
        self.vf_env = vf_env
        self.env_name = name
        self.model = model
        self.sampling_args = sampling_args
        self._episode: Episode | None = None
        self._choice: RowChoice | None = None
        self._tools: list[dict[str, Any]] | None = None
        self._call_ids = itertools.count(1)

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
        await self._stop()
        self._choice = choose_row(self.vf_env, seed, options)
        self._tools = None
        self._call_ids = itertools.count(1)
        self._episode = Episode(self.vf_env, self._choice.row, self.model, self.sampling_args)
        return await self._observe(self._episode, await self._episode.next_call())

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
        if self._episode is None or self._choice is None:
            return {"started": False}
        episode, choice = self._episode, self._choice
        fields: dict[str, Any] = {
            "started": True,
            "split": choice.split,
            "task_index": choice.index,
            "example_id": choice.row.get("example_id"),
            "turns": episode.turns,
            "is_completed": episode.finished,
        }
        if episode.finished:
            try:
                output = episode.output()
            except RolloutFailed as exc:
                fields["error"] = str(exc)
            else:
                fields["reward"] = final_reward(output)
                fields.update(outcome_metadata(self.vf_env, output))
        return fields

    # ------------------------------------------------------------------------ tools

    def tools(self) -> list[Tool]:
        """The tools the model is offered now, as MCP tools with their JSON schemas."""
        if self._tools is not None:
            return [_mcp_tool(tool.get("function") or {}) for tool in self._tools]
        return [_mcp_tool(tool) for tool in getattr(self.vf_env, "tool_defs", None) or []]

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Play one assistant turn calling ``name``; return verifiers' tool result."""
        return await on_rollout_loop(self._call_tool(name, arguments))

    async def _call_tool(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if name not in {tool.name for tool in self.tools()}:
            raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")
        episode = self._episode
        if episode is None or episode.pending is None:
            raise ToolError(
                "no model turn is open (the episode has not started or is over): "
                "reset to start a new episode",
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
        for chat_message in observation.observation["messages"]:
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
        output = episode.output()
        history = await final_history(episode.client, output)
        return Observation(
            {"messages": history, "tools": self._tools or []},
            reward=final_reward(output),
            done=True,
            metadata={
                **self._row_metadata(),
                "turn": episode.turns,
                **outcome_metadata(self.vf_env, output),
            },
        )

    def _row_metadata(self) -> dict[str, Any]:
        choice = self._choice
        assert choice is not None
        return {
            "split": choice.split,
            "task_index": choice.index,
            "example_id": choice.row.get("example_id"),
        }

    def _require_episode(self) -> Episode:
        if self._episode is None:
            raise RolloutFailed("no episode: send reset first")
        return self._episode

    async def _stop(self) -> None:
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
            description=f"verifiers environment {self.env_name} "
            f"({type(self.vf_env).__name__}), one assistant turn per step",
        )


def _mcp_tool(definition: Any) -> Tool:
    """A verifiers or OpenAI function definition as an MCP tool."""
    return Tool(
        name=definition.get("name"),
        description=definition.get("description") or "",
        input_schema=dict(definition.get("parameters") or {"type": "object", "properties": {}}),
    )
