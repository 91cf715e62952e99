"""The object TRL holds per rollout slot: one session, ``reset``, tool methods, ``get_reward``.

TRL's contract (``GRPOTrainer(environment_factory=...)``, read from its source): the
trainer calls the factory with no arguments, lists the instance's public bound methods
(``inspect.getmembers``; all but ``reset`` and ``get_reward`` become tools, their JSON
schema from ``transformers.utils.get_json_schema``), calls ``reset(**row)`` with the
dataset row (minus ``environment`` in the dict form) and appends a returned string to the
last prompt message, calls tools with ``**arguments`` and sends ``str(result)`` back (an
exception becomes ``{"error": ...}``), and calls ``get_reward()`` once per finished
rollout. Instances are pooled and reused: reset, never closed. So this class has no
public method besides those, and its session closes when the instance is collected
(or when the factory is closed).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from envbridge.integrations.trl.shape import ServerShape
from envbridge.integrations.trl.text import as_text, chat_reply_text, observation_text
from envbridge.spec.client import StepResult, SyncClient, ToolCallError

RESET_COLUMNS = {
    "seed": "seed",
    "episode_id": "episode_id",
    "split": "split",
    "index": "index",
    "task_index": "task_index",
    "task_id": "task_id",
}
"""Dataset columns that travel to ``reset`` by default (row key -> reset field).

``split`` + ``index`` select a task (OpenEnv's Task API); ``seed`` seeds the episode;
a dict column ``options`` is merged in as reset options. Other columns (``prompt``,
``answer``, ...) stay with the trainer.
"""


class EpisodeOver(RuntimeError):
    """An action after the episode ended."""


class EnvbridgeEnvironment:
    """One TRL rollout slot over one session (subclassed per server by the factory)."""

    _shape: ClassVar[ServerShape]
    _urls: ClassVar[list[str]]
    _columns: ClassVar[dict[str, str]]
    _render: ClassVar[Callable[[dict[str, Any]], str | None]] = staticmethod(observation_text)
    _finish_tool: ClassVar[str | None] = None
    _timeout_s: ClassVar[float] = 60.0
    _slots: ClassVar[itertools.count]
    _live: ClassVar[weakref.WeakSet]

    def __init__(self) -> None:
        url = self._urls[next(self._slots) % len(self._urls)]
        self._client = SyncClient(url, timeout_s=self._timeout_s)
        self._close = weakref.finalize(self, self._client.close)
        self._live.add(self)
        self._rewards: list[float] = []
        self._done = False

    # ------------------------------------------------------------------ TRL's contract

    def reset(self, **row: Any) -> str | None:
        """Start an episode for a dataset row; return its first observation as text."""
        options = dict(row.get("options") or {})
        for column, field_name in self._columns.items():
            if column in row and row[column] is not None:
                options[field_name] = row[column]
        result = self._client.reset(**options)
        self._rewards = []
        self._done = False
        self._record(result)
        return self._render(result.observation)

    def get_reward(self) -> float:
        """The episode's reward: the sum of its step rewards (a verifier's final score
        arrives as the last one). An unfinished episode whose server has a ``submit``-like
        finishing tool is finished first, so its verifier runs."""
        if not self._done and self._finish_tool is not None:
            with contextlib.suppress(Exception):  # the score stays what it earned so far
                self._call_tool(self._finish_tool, {})
        return float(sum(self._rewards))

    # ------------------------------------------------------------------ what tools call

    def _step(self, action: dict[str, Any]) -> StepResult:
        if self._done:
            raise EpisodeOver("the episode is over: no more actions are accepted")
        result = self._client.step(action)
        self._record(result)
        return result

    def _record(self, result: StepResult) -> None:
        reward = result.reward
        if reward is not None and math.isfinite(float(reward)):
            self._rewards.append(float(reward))
        self._done = self._done or result.done

    def _call_tool(self, name: str, arguments: dict[str, Any]) -> str:
        """An MCP tool called through ``step`` (simulation), so reward and done arrive too."""
        result = self._step({"type": "call_tool", "tool_name": name, "arguments": arguments})
        observation = result.observation
        error = observation.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else error
            raise ToolCallError(name, str(message))
        value = observation.get("result")
        if isinstance(value, dict) and "data" in value:
            value = value["data"]
        return as_text(value)

    def _act(self, action: Any) -> str:
        """A Gymnasium action: the new observation, reward and end flags as JSON text."""
        result = self._step({"action": action})
        observation = result.observation
        return as_text(
            {
                "observation": observation.get("observation"),
                "reward": result.reward,
                "terminated": observation.get("terminated"),
                "truncated": observation.get("truncated"),
            }
        )

    def _raw_act(self, action: dict[str, Any]) -> str:
        """Any action object: the new observation as text."""
        result = self._step(action)
        return as_text({"observation": result.observation, "done": result.done})

    def _answer(self, content: str) -> str:
        """An assistant message: what the environment replies (or that it is over)."""
        result = self._step({"role": "assistant", "content": content})
        reply = chat_reply_text(result.observation)
        if result.done:
            return (reply + "\n\n" if reply else "") + "(The episode is over.)"
        return reply
