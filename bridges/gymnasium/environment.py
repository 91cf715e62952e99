"""``GymEnvironment``: one gymnasium.Env behind the envbridge Environment interface.

Wire shapes (the space codec is in :mod:`.codec`):

* step action: ``{"action": <value of the action space>}``
* observation object: ``{"observation": <value>, "terminated": bool, "truncated": bool,
  "info": {...}}``; the envelope's ``done`` is ``terminated or truncated``; ``info`` is
  also in the envelope metadata, and a reset's metadata carries both space descriptions.
* tools (the production-mode interface): ``act(action)``, ``observe()``, ``spaces()`` and,
  for ``render_mode="rgb_array"`` envs, ``render()``.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
from envbridge.bridges.gymnasium.codec import MISS, decode_value, member_decoder, value_encoder
from envbridge.bridges.gymnasium.errors import SpaceValueError
from envbridge.bridges.gymnasium.frames import encode_frame
from envbridge.bridges.gymnasium.info import encode_info
from envbridge.bridges.gymnasium.schema import space_schema
from envbridge.bridges.gymnasium.spaces import describe_space
from envbridge.bridges.gymnasium.tasks import GymSplits, GymTaskProvider
from envbridge.spec import (
    Environment,
    EnvironmentMetadata,
    InvalidAction,
    Observation,
    Tool,
    ToolError,
    ToolResult,
)
from envbridge.spec.tasks import task_selection

ACTION_KEY = "action"
IGNORED_ACTION_KEYS = frozenset({"metadata"})
"""OpenEnv's pydantic actions always add ``metadata``; it is accepted and ignored."""


class GymEnvironment(GymTaskProvider, Environment):
    """Serves one ``gymnasium.Env``; the session core owns episode bookkeeping.

    ``tasks`` (split -> seeds/options, :mod:`.tasks`) opt in to the Task API.
    """

    description = "A Gymnasium environment served by envbridge"

    def __init__(
        self,
        env: gym.Env,
        *,
        seed: int | None = None,
        owns_env: bool = True,
        inline: bool | None = None,
        tasks: GymSplits | None = None,
    ):
        self.env = env
        self.task_splits = tasks
        self._owns_env = owns_env
        # None: measured per session (cheap steps run on the event loop, slow ones keep
        # their worker thread); True/False force one placement. See spec/placement.py.
        self.blocking = "auto" if inline is None else not inline
        self.action_space = env.action_space
        self.observation_space = env.observation_space
        # Fails here, at session start, for a space the wire cannot carry.
        self._spaces = {
            "action_space": describe_space(self.action_space),
            "observation_space": describe_space(self.observation_space),
        }
        # Built once per env: the per-step codec work is a few comparisons and a tolist().
        self._encode_observation = value_encoder(self.observation_space)
        self._cheap_action = member_decoder(self.action_space)
        self._tools = self._make_tools()
        self._first_seed = seed
        self._seeded = False
        self._current: dict[str, Any] | None = None
        spec = env.spec
        self.deterministic = spec is None or not spec.nondeterministic

    # ------------------------------------------------------------------ simulation API

    def reset(
        self,
        *,
        seed: int | None = None,
        episode_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Observation:
        """Reset the env; the first reset without a seed uses the ``seed`` given at wrap."""
        selected = task_selection(options)
        if selected is not None and self.task_splits:
            task = self.task_splits[selected[0]][selected[1]]
            seed, options = task.seed, task.options
        elif options:
            options = {k: v for k, v in options.items() if k not in ("split", "index")}
        if seed is None and not self._seeded:
            seed = self._first_seed
        self._seeded = True
        observation, info = self.env.reset(seed=seed, options=options or None)
        wire = self._remember(observation, False, False, info)
        metadata = {"info": wire["info"], **self._spaces}
        return Observation(observation=wire, reward=None, done=False, metadata=metadata)

    def step(self, action: Any) -> Observation:
        """Step with an action ``parse_action`` decoded."""
        observation, reward, terminated, truncated, info = self.env.step(action)
        wire = self._remember(observation, terminated, truncated, info)
        return Observation(
            observation=wire,
            reward=_plain_reward(reward),
            done=wire["terminated"] or wire["truncated"],
            metadata={"info": wire["info"]},
        )

    def parse_action(self, data: dict[str, Any]) -> Any:
        """``{"action": value}`` decoded into an element of the action space."""
        if len(data) == 1 and ACTION_KEY in data:  # the common shape: skip the key audit
            action = self._cheap_action(data[ACTION_KEY])
            if action is not MISS:
                return action
        extra = set(data) - {ACTION_KEY} - IGNORED_ACTION_KEYS
        if ACTION_KEY not in data or extra:
            problem = f"unknown keys {sorted(extra)}" if extra else "no 'action' key"
            raise InvalidAction(
                f'a step action is {{"action": <value in {self.action_space!r}>}}; got {problem}',
                [{"type": "value_error", "loc": [], "msg": problem, "input": data}],
            )
        try:
            return self.decode_action(data[ACTION_KEY])
        except SpaceValueError as exc:
            raise InvalidAction(
                str(exc),
                [
                    {
                        "type": "value_error",
                        "loc": [ACTION_KEY, *exc.path],
                        "msg": exc.reason,
                        "input": exc.value,
                    }
                ],
            ) from None

    def decode_action(self, value: Any) -> Any:
        """A wire action value as an element of the action space, or SpaceValueError."""
        action = self._cheap_action(value)
        if action is not MISS:  # decoded and known to lie in the space
            return action
        space = self.action_space
        try:
            action = decode_value(space, value)
        except SpaceValueError as exc:
            reason = f"{exc.reason} (action space {space!r})"
            raise SpaceValueError(reason, exc.path, exc.value, root="action") from None
        if not space.contains(action):
            reason = f"{value!r} is not in the action space {space!r}"
            raise SpaceValueError(reason, (), value, root="action")
        return action

    def state(self) -> dict[str, Any]:
        """The env id and whether the current episode has ended."""
        current = self._current or {"terminated": False, "truncated": False}
        return {
            "env_id": self.env.spec.id if self.env.spec else None,
            "terminated": current["terminated"],
            "truncated": current["truncated"],
        }

    # ---------------------------------------------------------------------- tools

    def tools(self) -> list[Tool]:
        """``act``, ``observe``, ``spaces`` and (rgb_array envs) ``render``."""
        return list(self._tools)

    def _make_tools(self) -> list[Tool]:
        found = [
            Tool(
                "act",
                "Apply one action and return observation, reward, terminated, truncated and "
                "info. When the episode ends, the next one starts at once and its first "
                "observation is returned under 'reset'.",
                {
                    "type": "object",
                    "properties": {ACTION_KEY: space_schema(self.action_space, strict=True)},
                    "required": [ACTION_KEY],
                    "additionalProperties": False,
                },
            ),
            Tool(
                "observe",
                "The current observation and info, without acting (starts an episode if "
                "none is running).",
            ),
            Tool(
                "spaces",
                "JSON descriptions of the action and observation spaces (and render_fps).",
            ),
        ]
        if self.env.render_mode == "rgb_array":
            found.append(Tool("render", "The current frame as a base64 PNG."))
        return found

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """Run one of the tools above."""
        if name == "act":
            return self._act(arguments)
        if name == "observe":
            return self._ensure_episode()
        if name == "spaces":
            return {**self._spaces, "render_fps": self.env.metadata.get("render_fps")}
        if name == "render" and self.env.render_mode == "rgb_array":
            self._ensure_episode()
            return encode_frame(self.env.render())
        raise ToolError(
            f"Unknown tool: {name!r}; this env offers {[t.name for t in self.tools()]}",
            "tool_not_found",
        )

    def _act(self, arguments: dict[str, Any]) -> ToolResult:
        if set(arguments) != {ACTION_KEY}:
            raise ToolError(
                f"act takes exactly one argument, 'action' (a value in {self.action_space!r})",
                "invalid_args",
            )
        try:
            action = self.decode_action(arguments[ACTION_KEY])
        except SpaceValueError as exc:
            raise ToolError(str(exc), "invalid_args") from None
        self._ensure_episode()
        stepped = self.step(action)
        reward = stepped.reward if math.isfinite(stepped.reward) else None  # JSON: no NaN
        result = {"reward": reward, **stepped.observation}
        if stepped.done:
            result["reset"] = self.reset().observation
        return ToolResult(data=result, reward=reward)

    def _ensure_episode(self) -> dict[str, Any]:
        """The current observation object, resetting first when no episode is running."""
        if self._current is None or self._current["terminated"] or self._current["truncated"]:
            self.reset()
        assert self._current is not None
        return dict(self._current)

    # ------------------------------------------------------------------- describing

    def action_schema(self) -> dict[str, Any]:
        """``{"action": <value schema>}``."""
        return {
            "type": "object",
            "title": "GymAction",
            "properties": {ACTION_KEY: space_schema(self.action_space, strict=True)},
            "required": [ACTION_KEY],
            "additionalProperties": False,
        }

    def observation_schema(self) -> dict[str, Any]:
        """The observation object: observation, terminated, truncated, info."""
        return {
            "type": "object",
            "title": "GymObservation",
            "properties": {
                "observation": space_schema(self.observation_space),
                "terminated": {"type": "boolean"},
                "truncated": {"type": "boolean"},
                "info": {"type": "object"},
            },
            "required": ["observation", "terminated", "truncated", "info"],
        }

    def state_schema(self) -> dict[str, Any]:
        """env_id, terminated, truncated."""
        return {
            "type": "object",
            "title": "GymState",
            "properties": {
                "env_id": {"type": ["string", "null"]},
                "terminated": {"type": "boolean"},
                "truncated": {"type": "boolean"},
            },
        }

    def metadata(self) -> EnvironmentMetadata:
        """The env id as name; the spaces in the description."""
        spec = self.env.spec
        return EnvironmentMetadata(
            name=spec.id if spec else type(self.env.unwrapped).__name__,
            description=(
                f"Gymnasium environment served by envbridge. Action space: "
                f"{self.action_space!r}; observation space: {self.observation_space!r}. "
                "Exact space descriptions: /schema (x-gymnasium-space) or the 'spaces' tool."
            ),
            version=self.version,
        )

    def close(self) -> None:
        """Close the gymnasium env (unless it was lent to us as an instance)."""
        if self._owns_env:
            self.env.close()

    # -------------------------------------------------------------------- internals

    def _remember(
        self, observation: Any, terminated: Any, truncated: Any, info: dict[str, Any]
    ) -> dict[str, Any]:
        self._current = {
            "observation": self._encode_observation(observation),
            "terminated": bool(terminated),
            "truncated": bool(truncated),
            "info": encode_info(info),
        }
        return dict(self._current)


def _plain_reward(reward: Any) -> float | int:
    """The reward as a Python number (numpy scalars unwrapped; ints stay ints)."""
    if isinstance(reward, bool):
        return float(reward)
    if isinstance(reward, int):
        return reward
    if hasattr(reward, "item"):
        return _plain_reward(reward.item())
    return float(reward)
