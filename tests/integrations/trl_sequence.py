"""TRL's calling sequence for ``environment_factory``, step for step (TRL itself needs
torch, which this machine does not install: see docs/trainers.md).

Read from TRL's source (``trl/trainer/grpo_trainer.py`` and
``trl/experimental/async_grpo/async_rollout_worker.py``, main of 2026-07); written here,
not copied. What the trainer does with an environment:

1. at init, per factory: call it once; ``inspect.getmembers(instance, inspect.ismethod)``;
   ``reset`` must exist; ``get_reward`` marks an env-owned reward (one reward column per
   env class, named ``type(instance).__name__``); every other public method is a tool;
   the async worker refuses coroutine tools;
2. the chat template gets the tool methods; transformers turns each into a schema with
   ``get_json_schema`` (done here, so a schema it refuses fails the test);
3. per batch: instances come from a per-environment pool (more made on demand); each row
   goes to ``reset(**row)`` (without ``environment`` in the dict form); a returned string
   is appended to the last prompt message's content;
4. per tool call: ``tool_dict[name](**arguments)``; any exception becomes
   ``{"error": str(exc)}``; the message content is ``str(result)``;
5. per finished rollout: ``get_reward()`` if the instance's exact type owns one, else None.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from transformers.utils import get_json_schema

Policy = Callable[[str, list[dict[str, Any]]], Iterable[tuple[str, dict[str, Any]]]]
"""A scripted model: (environment name, prompt) -> the tool calls it makes, in order."""


@dataclass
class Rollout:
    environment: str | None
    prompt: list[dict[str, Any]]
    tool_messages: list[dict[str, Any]] = field(default_factory=list)
    reward: float | None = None
    failures: int = 0


class TrlHarness:
    """The trainer's side: probing, pooling, resetting, tool dispatch, env rewards."""

    def __init__(self, environment_factory: Any):
        self.multi = isinstance(environment_factory, dict)
        self.factories = environment_factory if self.multi else {None: environment_factory}
        self.schemas: dict[Any, list[dict[str, Any]]] = {}
        self.pools: dict[Any, list[Any]] = {}
        self.reward_types: list[type] = []
        for name, factory in self.factories.items():
            instance = factory()
            members = dict(inspect.getmembers(instance, predicate=inspect.ismethod))
            if "reset" not in members:
                raise ValueError("environment instances must define reset")
            tools = [m for n, m in members.items() if n not in ("reset", "get_reward")]
            tools = [m for m in tools if not m.__name__.startswith("_")]
            if any(inspect.iscoroutinefunction(tool) for tool in tools):
                raise ValueError("Asynchronous tools are not supported yet.")
            self.schemas[name] = [get_json_schema(tool) for tool in tools]
            if "get_reward" in members and type(instance) not in self.reward_types:
                self.reward_types.append(type(instance))
            self.pools[name] = [instance]

    # ----------------------------------------------------------- the GRPO (sync) path

    def run_batch(self, rows: list[dict[str, Any]], policy: Policy) -> list[Rollout]:
        """One generation batch as GRPOTrainer runs it (sync, main thread)."""
        names = [row.get("environment") if self.multi else None for row in rows]
        cursor: dict[Any, int] = {}
        environments = []
        for name in names:
            pool = self.pools[name]
            index = cursor.get(name, 0)
            if index >= len(pool):
                pool.append(self.factories[name]())
            cursor[name] = index + 1
            environments.append(pool[index])
        rollouts = []
        for row, name, environment in zip(rows, names, environments, strict=True):
            rollout = Rollout(name, self._prompt(row, environment, name))
            for tool, arguments in policy(name, rollout.prompt):
                self._call(environment, tool, arguments, rollout)
            rollouts.append(rollout)
        for rollout, environment in zip(rollouts, environments, strict=True):
            rollout.reward = self._reward(environment)
        return rollouts

    # ----------------------------------------------------- the AsyncGRPO (one loop) path

    async def run_async(
        self, rows: list[dict[str, Any]], policy: Policy, generate_s: float = 0.0
    ) -> list[Rollout]:
        """Rollouts in flight together on ONE event loop, as AsyncGRPO's worker runs them:
        pool.pop() or a new instance, reset and sync tools inline on the loop, an await
        (the model's generation) between turns, get_reward, back to the pool."""

        async def one(row: dict[str, Any]) -> Rollout:
            name = row.get("environment") if self.multi else None
            pool = self.pools[name]
            environment = pool.pop() if pool else self.factories[name]()
            rollout = Rollout(name, self._prompt(row, environment, name))
            for tool, arguments in policy(name, rollout.prompt):
                await asyncio.sleep(generate_s)  # the model generates; others run meanwhile
                self._call(environment, tool, arguments, rollout)
            rollout.reward = self._reward(environment)
            pool.append(environment)
            return rollout

        return list(await asyncio.gather(*(one(row) for row in rows)))

    # ------------------------------------------------------------------ shared steps

    def _prompt(self, row: dict[str, Any], environment: Any, name: Any) -> list[dict[str, Any]]:
        prompt = list(row.get("prompt") or [{"role": "user", "content": ""}])
        kwargs = {k: v for k, v in row.items() if k != "environment"} if self.multi else row
        observation = environment.reset(**kwargs)
        if observation is not None:
            last = prompt[-1]
            prompt[-1] = {**last, "content": last["content"] + observation}
        return prompt

    def _call(
        self, environment: Any, tool: str, arguments: dict[str, Any], rollout: Rollout
    ) -> None:
        tools = {
            n: m
            for n, m in inspect.getmembers(environment, predicate=inspect.ismethod)
            if n not in ("reset", "get_reward") and not n.startswith("_")
        }
        try:
            result = tools[tool](**arguments)
        except Exception as exc:
            rollout.failures += 1
            result = {"error": str(exc)}
        rollout.tool_messages.append({"role": "tool", "name": tool, "content": str(result)})

    def _reward(self, environment: Any) -> float | None:
        if type(environment) in self.reward_types:
            return environment.get_reward()
        return None
