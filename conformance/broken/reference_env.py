"""The environment behind every broken server: a small counter with two MCP tools.

Action ``{"delta": int}`` adds to the count (reward = delta, done at |count| >= 10);
tools ``add(amount)`` and ``echo(message)``. The subclasses below each carry one
environment-level defect; the rest of the family breaks the wire instead (defects.py).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from envbridge.spec import Environment, InvalidAction, Observation, Tool, ToolError

TARGET = 10


class ReferenceCounter(Environment):
    """Healthy: passes every check of the catalogue."""

    name = "reference-counter"
    description = "Counter used by the conformance kit's broken-server family."
    blocking = False

    def __init__(self) -> None:
        self.count = 0
        self.last_delta = 0

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        self.count = 0 if seed is None else seed % 5
        self.last_delta = 0
        return Observation({"count": self.count, "last_delta": 0})

    def parse_action(self, data: dict[str, Any]) -> int:
        delta = data.get("delta", 1)
        extra = sorted(set(data) - {"delta"})
        if extra:
            raise InvalidAction(
                f"unexpected action fields {extra}",
                [
                    {
                        "type": "extra_forbidden",
                        "loc": [extra[0]],
                        "msg": "not allowed",
                        "input": data[extra[0]],
                    }
                ],
            )
        if not isinstance(delta, int) or isinstance(delta, bool):
            raise InvalidAction(
                "delta must be an integer",
                [{"type": "int_type", "loc": ["delta"], "msg": "not an integer", "input": delta}],
            )
        return delta

    def step(self, action: int) -> Observation:
        self.count += action
        self.last_delta = action
        return Observation(
            {"count": self.count, "last_delta": action},
            reward=action,
            done=abs(self.count) >= TARGET,
        )

    def state(self) -> dict[str, Any]:
        return {"count": self.count}

    def tools(self) -> list[Tool]:
        return [
            Tool(
                "add",
                "Add an integer to the count; returns the new count.",
                {
                    "type": "object",
                    "properties": {"amount": {"type": "integer"}},
                    "required": ["amount"],
                    "additionalProperties": False,
                },
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
            self.count += int(arguments["amount"])
            return {"count": self.count}
        if name == "echo":
            return arguments["message"]
        raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")

    def action_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "CounterAction",
            "additionalProperties": False,
            "properties": {"delta": {"type": "integer", "default": 1}},
        }

    def observation_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "CounterObservation",
            "required": ["count"],
            "properties": {"count": {"type": "integer"}, "last_delta": {"type": "integer"}},
        }

    def state_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": "CounterState",
            "properties": {"count": {"type": "integer"}},
        }


class NonceCounter(ReferenceCounter):
    """Defect: first observations carry a nonce drawn once per session (seeds do not
    reproduce it in another session)."""

    def __init__(self) -> None:
        super().__init__()
        self.nonce = random.random()

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        obs = super().reset(seed=seed, episode_id=episode_id, options=options)
        obs.observation["nonce"] = self.nonce
        return obs


class JitteryCounter(ReferenceCounter):
    """Defect: rewards carry random noise, so equal actions give unequal trajectories."""

    def step(self, action: int) -> Observation:
        obs = super().step(action)
        obs.reward = action + random.random()
        return obs


class SharedTally:
    """Mixin defect: a class-level tally of every session's steps shows in each state
    (each concrete class counts on its own: the first ``+=`` sets it on ``type(self)``)."""

    steps_seen: ClassVar[int] = 0
    count: int

    def step(self, action: int) -> Observation:
        type(self).steps_seen += 1
        return super().step(action)  # type: ignore[misc]

    def state(self) -> dict[str, Any]:
        return {"count": self.count, "steps_seen": type(self).steps_seen}


class TallyCounter(SharedTally, ReferenceCounter):
    """Defect: a class-level tally shared by every session shows up in each state."""


class PickyCounter(ReferenceCounter):
    """Defect: ``add`` refuses negative amounts that its inputSchema allows."""

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "add" and arguments["amount"] < 0:
            raise ToolError("amount must not be negative", "invalid_args")
        return super().call_tool(name, arguments)


class ReservedToolCounter(ReferenceCounter):
    """Defect: offers a tool named ``close``, shadowing the simulation API."""

    def tools(self) -> list[Tool]:
        shadow = object.__new__(Tool)  # Tool() itself refuses reserved names
        shadow.name, shadow.description = "close", "Close the counter."
        shadow.input_schema = {"type": "object", "properties": {}}
        return [*super().tools(), shadow]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        return "closed" if name == "close" else super().call_tool(name, arguments)


class SkewedCounter(ReferenceCounter):
    """Defect (served in production next to a healthy simulation twin): echo reverses."""

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "echo":
            return arguments["message"][::-1]
        return super().call_tool(name, arguments)


class SeedOnceCounter(ReferenceCounter):
    """Defect: a generator seeded by the session's first reset only feeds each reset's
    ``draw``, so a second ``reset(seed=7)`` on the same connection starts elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.rng: random.Random | None = None

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        obs = super().reset(seed=seed, episode_id=episode_id, options=options)
        if self.rng is None:
            self.rng = random.Random(seed)
        obs.observation["draw"] = self.rng.random()
        return obs


class PickyDeltaCounter(ReferenceCounter):
    """Healthy but picky: ``delta`` is an unbounded integer in /schema, yet only 2 and 3 are
    legal; any other value raises (EXECUTION_ERROR). Not a defect: the kit must find an
    accepted action instead of blaming the environment."""

    def step(self, action: int) -> Observation:
        if action not in (2, 3):
            raise ValueError(f"delta {action} is not a legal move here (legal: 2, 3)")
        return super().step(action)


class RefusesEverything(ReferenceCounter):
    """Healthy but unreachable by guessing: every step raises. The kit skips what needs an
    accepted action and says ``--action``."""

    def step(self, action: int) -> Observation:
        raise ValueError("no move is legal in this position")


class UntypedCounter(Environment):
    """The README's thirty-second Counter: no action schema, reads ``action["delta"]``."""

    blocking = False

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        self.n = seed or 0
        return Observation({"n": self.n})

    def step(self, action: dict[str, Any]) -> Observation:
        self.n += action["delta"]
        return Observation({"n": self.n}, reward=action["delta"], done=self.n >= 10)


class PickyJitteryCounter(JitteryCounter, PickyDeltaCounter):
    """Defect behind a picky validator: only deltas 2 and 3 are legal, and rewards jitter."""


class CoinStartCounter(ReferenceCounter):
    """Healthy for isolation, not for determinism: each reset draws the start (0 or 1)
    whatever the seed, like an opponent that draws its colour (OpenEnv's ``chess_env``).
    Sessions one after another start differently with no state shared."""

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        obs = super().reset(seed=None, episode_id=episode_id, options=options)
        self.count = random.choice((0, 1))
        obs.observation["count"] = self.count
        return obs


class CoinStartTallyCounter(SharedTally, CoinStartCounter):
    """Defect behind a random start: a class-level tally of every session's steps shows in
    each state (state shared between sessions)."""


class CoinStartCarryCounter(CoinStartCounter):
    """Defect behind a random start: the number of steps a session took is handed, once,
    to the next session's state (a class-level slot its reset does not clear)."""

    serials: ClassVar[Iterator[int]] = itertools.count()
    carried: ClassVar[tuple[int, int] | None] = None
    """(serial of the session that stepped, its steps)"""

    def __init__(self) -> None:
        super().__init__()
        self.serial = next(self.serials)
        self.steps = 0

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        self.steps = 0
        return super().reset(seed=seed, episode_id=episode_id, options=options)

    def step(self, action: int) -> Observation:
        self.steps += 1
        type(self).carried = (self.serial, self.steps)
        return super().step(action)

    def state(self) -> dict[str, Any]:
        slot = type(self).carried
        if slot is not None and slot[0] != self.serial:
            type(self).carried = None
            return {"count": self.count, "steps": slot[1]}
        return {"count": self.count, "steps": self.steps}


class SlowStartCounter(ReferenceCounter):
    """Healthy but slow: each reset takes 0.2 s in a worker thread (like OpenEnv's
    ``chess_env``, whose opponent searches in ``reset``). A check that opens many sessions
    runs long; that is no defect."""

    blocking = True
    reset_seconds = 0.2

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        time.sleep(self.reset_seconds)
        return super().reset(seed=seed, episode_id=episode_id, options=options)
