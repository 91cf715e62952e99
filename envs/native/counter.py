"""A counter environment on envbridge's spec, with a typed action and MCP tools.

Action ``{"delta": int}`` adds to the count; reward is the delta; the episode ends when
the count reaches ``target`` in either direction. Tools: ``add``, ``get_count``, ``echo``.
"""

from __future__ import annotations

from typing import Any

from envbridge.spec import Environment, InvalidAction, Observation, Tool, ToolError
from pydantic import BaseModel, ConfigDict, ValidationError


class CounterAction(BaseModel):
    """Add ``delta`` to the count."""

    model_config = ConfigDict(extra="forbid")
    delta: int = 1


class CounterEnv(Environment):
    """Count towards ``target``; seeds pick the starting count (0..4)."""

    name = "counter"
    description = "Add deltas to a counter; reward = delta; done at |count| >= target."
    blocking = False  # every method is trivial: call inline, no thread hop

    def __init__(self, target: int = 10):
        self.target = target
        self.count = 0
        self.last_delta = 0

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        self.count = 0 if seed is None else seed % 5
        self.last_delta = 0
        if options and "start" in options:
            self.count = int(options["start"])
        return self._observe(reward=None)

    def parse_action(self, data: dict[str, Any]) -> CounterAction:
        try:
            return CounterAction.model_validate(data)
        except ValidationError as exc:
            raise InvalidAction(
                'action must be {"delta": <int>}',
                [
                    {
                        "type": e["type"],
                        "loc": list(e["loc"]),
                        "msg": e["msg"],
                        "input": e.get("input"),
                    }
                    for e in exc.errors(include_url=False)
                ],
            ) from None

    def step(self, action: CounterAction) -> Observation:
        self.count += action.delta
        self.last_delta = action.delta
        return self._observe(reward=action.delta)

    def _observe(self, reward: float | None) -> Observation:
        return Observation(
            observation={"count": self.count, "last_delta": self.last_delta},
            reward=reward,
            done=abs(self.count) >= self.target,
        )

    def state(self) -> dict[str, Any]:
        return {"count": self.count}

    def tools(self) -> list[Tool]:
        return [
            Tool(
                "add",
                "Add an integer to the count and return the new count.",
                {
                    "type": "object",
                    "properties": {"amount": {"type": "integer"}},
                    "required": ["amount"],
                    "additionalProperties": False,
                },
            ),
            Tool(
                "get_count",
                "Return the current count.",
                {"type": "object", "properties": {}, "additionalProperties": False},
            ),
            Tool(
                "echo",
                "Return the message unchanged.",
                {
                    "type": "object",
                    "properties": {"message": {"type": "string"}},
                    "required": ["message"],
                    "additionalProperties": False,
                },
            ),
        ]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "add":
            amount = arguments.get("amount")
            if (
                not isinstance(amount, int)
                or isinstance(amount, bool)
                or set(arguments) - {"amount"}
            ):
                raise ToolError('add takes {"amount": <int>}', "invalid_args")
            self.count += amount
            return {"count": self.count}
        if name == "get_count":
            return {"count": self.count}
        if name == "echo":
            message = arguments.get("message")
            if not isinstance(message, str):
                raise ToolError('echo takes {"message": <str>}', "invalid_args")
            return message
        raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")

    def action_schema(self) -> dict[str, Any]:
        return CounterAction.model_json_schema()

    def observation_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "CounterObservation",
            "properties": {"count": {"type": "integer"}, "last_delta": {"type": "integer"}},
            "required": ["count", "last_delta"],
        }

    def state_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "CounterState",
            "properties": {"count": {"type": "integer"}},
        }
