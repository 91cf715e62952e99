"""``wrap(...)``: a session factory for a gymnasium env id, env factory or env instance.

``load_target`` is the ``gym:`` serve-target hook (``envbridge serve gym:CartPole-v1
--kwargs '{"seed": 0, "render_mode": "rgb_array"}'``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
from envbridge.bridges.gymnasium.environment import GymEnvironment
from envbridge.bridges.gymnasium.errors import UnsupportedSpace
from envbridge.bridges.gymnasium.tasks import GymSplits, load_tasks_file, parse_tasks

BRIDGE_OPTIONS = ("seed", "inline", "tasks")
"""``--kwargs`` keys the bridge keeps for itself; every other key goes to ``gym.make``."""


class GymFactory:
    """Zero-argument factory: every call builds a fresh env and wraps it for one session."""

    concurrent_sessions = True
    """Read by the server: every session gets its own env."""
    owns_envs = True

    def __init__(
        self,
        make_env: Callable[[], gym.Env],
        *,
        seed: int | None,
        label: str,
        inline: bool | None = None,
        tasks: GymSplits | None = None,
    ):
        self._make_env = make_env
        self.tasks = tasks
        self._seed = seed
        self._inline = inline
        self.label = label

    def __call__(self) -> GymEnvironment:
        env = self._make_env()
        if not isinstance(env, gym.Env):
            raise TypeError(f"{self.label} produced {type(env).__name__}, not a gymnasium.Env")
        try:
            return GymEnvironment(
                env,
                seed=self._seed,
                owns_env=self.owns_envs,
                inline=self._inline,
                tasks=self.tasks,
            )
        except Exception:
            if self.owns_envs:
                env.close()
            raise

    def __repr__(self) -> str:
        return f"GymFactory({self.label})"


class _SingleInstance(GymFactory):
    """Serves one existing env instance: one session at a time; its owner closes it."""

    concurrent_sessions = False
    owns_envs = False

    def __init__(
        self, env: gym.Env, *, seed: int | None, inline: bool | None, tasks: GymSplits | None
    ):
        super().__init__(lambda: env, seed=seed, label=repr(env), inline=inline, tasks=tasks)


def wrap(
    env_or_id: str | gym.Env | Callable[[], gym.Env],
    *,
    seed: int | None = None,
    inline: bool | None = None,
    tasks: Any = None,
    **make_kwargs: Any,
) -> GymFactory:
    """A session factory for ``env_or_id``, ready for ``envbridge.serve``.

    ``env_or_id`` is a registered id (``"CartPole-v1"``, ``"my.module:MyEnv-v0"``; the
    ``make_kwargs`` go to ``gym.make``), a zero-argument callable returning a
    ``gymnasium.Env`` (a new env per session), or an env instance (one session at a time).
    ``seed`` seeds each session's first reset when the client sends no seed, which makes
    production-mode sessions (no reset on the wire) reproducible. ``inline``: by default
    (None) each session measures its env: methods whose first calls are cheap (classic
    control, toy text) run on the server's event loop, slow ones keep a worker thread so
    they never stall other sessions; ``True``/``False`` force one placement.
    ``tasks`` (a list of seeds/options, a ``{split: [...]}`` mapping, or a JSON file
    path) opts in to the Task API.
    """
    splits = _task_splits(tasks)
    if isinstance(env_or_id, gym.Env):
        if make_kwargs:
            raise TypeError(f"make kwargs {sorted(make_kwargs)} need an env id, not an instance")
        return _SingleInstance(env_or_id, seed=seed, inline=inline, tasks=splits)
    if isinstance(env_or_id, str):
        env_id = env_or_id
        return GymFactory(
            lambda: gym.make(env_id, **make_kwargs),
            seed=seed,
            label=f"gym.make({env_id!r})",
            inline=inline,
            tasks=splits,
        )
    if callable(env_or_id):
        if make_kwargs:
            raise TypeError(
                f"make kwargs {sorted(make_kwargs)} need an env id; bind them in your factory"
            )
        return GymFactory(env_or_id, seed=seed, label=repr(env_or_id), inline=inline, tasks=splits)
    raise TypeError(
        f"wrap() takes a gymnasium env id, env instance or env factory, not "
        f"{type(env_or_id).__name__}"
    )


def _task_splits(tasks: Any) -> GymSplits | None:
    if tasks is None:
        return None
    if isinstance(tasks, str | Path):
        return load_tasks_file(tasks)
    return parse_tasks(tasks)


def load_target(rest: str, options: dict[str, Any]) -> GymFactory:
    """The ``gym:ID`` serve target; fails now (not per session) on a bad id or kwargs."""
    bridge = {key: options[key] for key in BRIDGE_OPTIONS if key in options}
    if not isinstance(bridge.get("seed", 0), int) or isinstance(bridge.get("seed"), bool):
        raise ValueError(f"the seed option must be an integer, got {bridge['seed']!r}")
    if not isinstance(bridge.get("inline", False), bool | None):
        raise ValueError(
            f"the inline option must be true, false or null (measured), got {bridge['inline']!r}"
        )
    make_kwargs = {key: value for key, value in options.items() if key not in BRIDGE_OPTIONS}
    factory = wrap(rest, **bridge, **make_kwargs)
    try:
        probe = factory()
    except UnsupportedSpace as exc:
        raise ValueError(str(exc)) from exc
    except (gym.error.Error, ImportError) as exc:
        said = str(exc) if str(exc).endswith((".", "?")) else f"{exc}."
        raise ValueError(
            f"{said} List ids with `python -c 'import gymnasium; "
            "gymnasium.pprint_registry()'`; for your own env use gym:your.module:YourEnv-v0"
        ) from exc
    except TypeError as exc:
        raise ValueError(f"the --kwargs {sorted(make_kwargs)} do not fit {rest} ({exc})") from exc
    probe.close()
    return factory
