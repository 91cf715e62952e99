"""``RemoteVectorEnv``: a real ``gymnasium.vector.VectorEnv`` whose sub-envs are sessions.

N sub-envs are N sessions of one bridged Gymnasium server, held on ONE WebSocket
connection and driven with ONE ``batch`` frame per :meth:`~RemoteVectorEnv.step` (the
batch extension)::

    envs = envbridge.connect("http://127.0.0.1:8000").as_gymnasium_vector(16)
    observations, infos = envs.reset(seed=0)          # sub-env i gets seed 0 + i
    observations, rewards, terminations, truncations, infos = envs.step(
        envs.action_space.sample()
    )

Semantics follow :class:`gymnasium.vector.SyncVectorEnv` (Gymnasium 1.x): the same
seeds and actions give the same observations, rewards, flags and ``infos`` (built with
``VectorEnv._add_info``). Autoreset modes: ``AutoresetMode.NEXT_STEP`` (default: a finished sub-env
is reset by the following ``step``, which returns its first observation with reward 0),
``SAME_STEP`` (reset within the step; ``infos`` carry ``final_obs`` / ``final_info``;
costs a second frame on steps where some sub-env finished) and ``DISABLED`` (reset
finished sub-envs yourself with ``reset(options={"reset_mask": mask})``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import gymnasium as gym
import numpy as np
from envbridge.bridges.gymnasium.codec import decode_value, encode_value
from envbridge.bridges.gymnasium.info import decode_info
from envbridge.bridges.gymnasium.remote import as_sync_client
from envbridge.bridges.gymnasium.spaces import build_space
from envbridge.spec.client import AsyncClient, ServerError, StepResult, SyncClient
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

Seeds = int | list[int | None] | None


class RemoteVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` sessions of a bridged Gymnasium server as one vector env.

    ``client_or_url``: a server URL or an envbridge client (a ``SyncClient`` is used as
    is and closed by :meth:`close`; an ``AsyncClient`` lends its settings). The server
    must be in simulation mode and offer the batch extension (every envbridge server does).
    ``on_close`` runs once after the sessions are closed (e.g. to stop a server).
    """

    def __init__(
        self,
        client_or_url: str | SyncClient | AsyncClient,
        num_envs: int,
        *,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        copy: bool = True,
        on_close: Callable[[], None] | None = None,
    ):
        if not isinstance(num_envs, int) or isinstance(num_envs, bool) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        self.client = as_sync_client(client_or_url)
        self.num_envs = num_envs
        self.copy = copy
        self._on_close = on_close
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self._sessions: list[str] = []
        try:
            described = self._spaces()
            self.single_action_space = build_space(described["action_space"])
            self.single_observation_space = build_space(described["observation_space"])
            self._sessions = self.client.batch_open(num_envs)
        except BaseException:
            self.client.close()
            raise
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.metadata = {
            "autoreset_mode": self.autoreset_mode,
            "render_modes": [],
            "render_fps": described.get("render_fps"),
        }
        self.render_mode = None
        self._observations = create_empty_array(self.single_observation_space, num_envs)
        self._rewards = np.zeros((num_envs,), dtype=np.float64)
        self._terminations = np.zeros((num_envs,), dtype=np.bool_)
        self._truncations = np.zeros((num_envs,), dtype=np.bool_)
        self._autoreset_envs = np.zeros((num_envs,), dtype=np.bool_)
        self._env_obs: list[Any] = [None] * num_envs
        self.frames = 0
        """Batch frames sent so far (one per step; same_step adds one when envs finish)."""

    # ------------------------------------------------------------------ the VectorEnv API

    def reset(
        self, *, seed: Seeds = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every sub-env (or those in ``options["reset_mask"]``); seeds as SyncVectorEnv."""
        self._require_open()
        seeds = _seeds(seed, self.num_envs)
        options = dict(options) if options else {}
        mask = _reset_mask(options.pop("reset_mask", None), self.num_envs)
        if mask is None:
            mask = np.ones((self.num_envs,), dtype=np.bool_)
        self._terminations[mask] = False
        self._truncations[mask] = False
        self._autoreset_envs[mask] = False
        chosen = [i for i in range(self.num_envs) if mask[i]]
        results = self._batch([self._reset_op(i, seeds[i], options) for i in chosen])
        infos: dict[str, Any] = {}
        for i, result in zip(chosen, results, strict=True):
            self._env_obs[i], info = self._decode(result)
            infos = self._add_info(infos, info, i)
        return self._concatenated(), infos

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        """Step every sub-env with one batch frame (finished ones reset, per the mode)."""
        self._require_open()
        wire = [
            encode_value(self.single_action_space, a) for a in iterate(self.action_space, actions)
        ]
        if len(wire) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} actions, got {len(wire)}")
        if self.autoreset_mode is AutoresetMode.DISABLED and self._autoreset_envs.any():
            finished = np.flatnonzero(self._autoreset_envs).tolist()
            raise RuntimeError(
                f"sub-envs {finished} finished and autoreset is disabled: reset them with "
                "reset(options={'reset_mask': mask}) before stepping"
            )
        resetting = self.autoreset_mode is AutoresetMode.NEXT_STEP
        ops = [
            self._reset_op(i, None, {})
            if resetting and self._autoreset_envs[i]
            else (self._sessions[i], "step", {"action": wire[i]})
            for i in range(self.num_envs)
        ]
        results = self._batch(ops)
        step_infos: list[dict[str, Any]] = []
        for i, (op, result) in enumerate(zip(ops, results, strict=True)):
            self._env_obs[i], info = self._decode(result)
            step_infos.append(info)
            if op[1] == "reset":
                self._rewards[i] = 0.0
                self._terminations[i] = self._truncations[i] = False
            else:
                self._rewards[i] = math.nan if result.reward is None else result.reward
                self._terminations[i] = bool(result.observation["terminated"])
                self._truncations[i] = bool(result.observation["truncated"])
        finals: dict[int, tuple[Any, dict[str, Any]]] = {}
        if self.autoreset_mode is AutoresetMode.SAME_STEP:
            finished = np.flatnonzero(self._terminations | self._truncations).tolist()
            if finished:
                resets = self._batch([self._reset_op(i, None, {}) for i in finished])
                for i, result in zip(finished, resets, strict=True):
                    finals[i] = (self._env_obs[i], step_infos[i])
                    self._env_obs[i], step_infos[i] = self._decode(result)
        # Infos in SyncVectorEnv's order (an info array takes the dtype of its first value).
        infos: dict[str, Any] = {}
        for i, info in enumerate(step_infos):
            if i in finals:
                final_obs, final_info = finals[i]
                infos = self._add_info(infos, {"final_obs": final_obs, "final_info": final_info}, i)
            infos = self._add_info(infos, info, i)
        self._autoreset_envs = np.logical_or(self._terminations, self._truncations)
        return (
            self._concatenated(),
            np.copy(self._rewards),
            np.copy(self._terminations),
            np.copy(self._truncations),
            infos,
        )

    def close_extras(self, **kwargs: Any) -> None:
        """Close the sessions and the connection (safe to call twice)."""
        sessions, self._sessions = self._sessions, []
        try:
            if sessions:
                self.client.batch_close(sessions)
        except Exception:  # the connection may already be gone; closing must not raise
            pass
        finally:
            self.client.close()
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()

    # ------------------------------------------------------------------ internals

    def _spaces(self) -> dict[str, Any]:
        tools = {tool.name for tool in self.client.list_tools()}
        if "spaces" not in tools:
            raise TypeError(
                f"{self.client.base_url} does not serve a Gymnasium env (no 'spaces' tool); "
                "serve one with: envbridge serve gym:ENV_ID"
            )
        return self.client.call_tool("spaces")

    def _reset_op(
        self, i: int, seed: int | None, options: dict[str, Any]
    ) -> tuple[str, str, dict[str, Any]]:
        data: dict[str, Any] = {"options": options} if options else {}
        if seed is not None:
            data["seed"] = seed
        return (self._sessions[i], "reset", data)

    def _require_open(self) -> None:
        if not self._sessions:
            raise RuntimeError("this vector env is closed; make a new one")

    def _batch(self, ops: list[tuple[str, str, dict[str, Any]]]) -> list[StepResult]:
        self.frames += 1
        results = self.client.batch(ops)
        for (session, kind, _), result in zip(ops, results, strict=True):
            if isinstance(result, ServerError):
                result.add_note(f"(sub-env {self._sessions.index(session)}, {kind})")
                raise result
            if not isinstance(result, StepResult):
                raise TypeError(f"unexpected batch result for {kind}: {result!r}")
        return results  # type: ignore[return-value]

    def _decode(self, result: StepResult) -> tuple[Any, dict[str, Any]]:
        observation = result.observation
        value = decode_value(self.single_observation_space, observation["observation"])
        return value, decode_info(observation.get("info") or {})

    def _concatenated(self) -> Any:
        self._observations = concatenate(
            self.single_observation_space, self._env_obs, self._observations
        )
        return deepcopy(self._observations) if self.copy else self._observations


def _seeds(seed: Seeds, num_envs: int) -> list[int | None]:
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, int):
        return [seed + i for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(
            f"If seeds are passed as a list the length must match num_envs={num_envs} "
            f"but got length={len(seeds)}."
        )
    return seeds


def _reset_mask(mask: Any, num_envs: int) -> np.ndarray | None:
    if mask is None:
        return None
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (num_envs,):
        raise TypeError(
            f"options['reset_mask'] must be a numpy bool array of shape ({num_envs},), got {mask!r}"
        )
    if not mask.any():
        raise ValueError("options['reset_mask'] must select at least one sub-env")
    return mask
