"""Wrapping a built verifiers environment, and loading an installed one by name.

Classic ``Environment.__init__`` installs process-wide SIGINT/SIGTERM handlers, which
only works on the main thread: environments are built once, up front, on the main
thread (never per session), and every session shares that one instance, as verifiers'
own ``generate`` shares it between concurrent rollouts.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import signal
import threading
from collections.abc import Iterator
from typing import Any

import verifiers as vf
from envbridge.bridges.verifiers.environment import VerifiersEnvironment

DEFAULT_MODEL = "envbridge-policy"
"""The model name verifiers records in rollout state (the trainer is the model)."""


class VerifiersFactory:
    """The session factory ``wrap`` returns: a new :class:`VerifiersEnvironment` per call."""

    def __init__(
        self, vf_env: Any, *, name: str, model: str, sampling_args: dict[str, Any]
    ) -> None:
        self.vf_env = vf_env
        self.name = name
        self.model = model
        self.sampling_args = sampling_args

    def __call__(self) -> VerifiersEnvironment:
        return VerifiersEnvironment(
            self.vf_env, name=self.name, model=self.model, sampling_args=self.sampling_args
        )

    def __repr__(self) -> str:
        return f"VerifiersFactory({self.name!r})"


def wrap(
    vf_env: Any,
    *,
    name: str | None = None,
    model: str = DEFAULT_MODEL,
    sampling_args: dict[str, Any] | None = None,
) -> VerifiersFactory:
    """A session factory serving ``vf_env`` turn by turn (pass it to ``envbridge.serve``).

    ``model`` and ``sampling_args`` are what verifiers records in each rollout's state.
    """
    if not isinstance(vf_env, vf.Environment):
        raise TypeError(
            f"wrap() takes a classic verifiers Environment (verifiers>=0.3.1,<0.4: "
            f"SingleTurnEnv, MultiTurnEnv, ToolEnv, ...), got {type(vf_env).__name__}. "
            "The v1 API (Taskset/Harness) is not bridged yet."
        )
    if vf_env.requires_group_rollouts:
        raise ValueError(
            f"{type(vf_env).__name__} has group reward functions (they score several rollouts "
            "together), so a single episode cannot be scored; remove them or use "
            "per-rollout reward functions"
        )
    return VerifiersFactory(
        vf_env,
        name=name or getattr(vf_env, "env_id", None) or type(vf_env).__name__,
        model=model,
        sampling_args=dict(sampling_args or {}),
    )


def load_target(rest: str, options: dict[str, Any]) -> VerifiersFactory:
    """The ``verifiers:NAME`` serve target; ``options`` (``--env-args``) go to
    ``load_environment``. Fails now, with what to do, rather than per session."""
    return wrap(load_classic(rest, options), name=rest)


def load_classic(env_id: str, env_args: dict[str, Any]) -> Any:
    """Build the installed classic environment ``env_id`` on the main thread."""
    module_name = env_id.replace("-", "_").split("/")[-1]
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            f"verifiers environment {env_id!r} must be built on the main thread (its "
            "constructor installs signal handlers): load it before starting the server"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"verifiers environment {env_id!r} is not installed (no module {module_name!r}: "
            f"{exc}). Install its package, e.g. `pip install -e path/to/{env_id}`"
        ) from exc
    loader = getattr(module, "load_environment", None)
    if loader is None:
        raise ValueError(
            f"module {module_name!r} has no load_environment(); the verifiers bridge serves "
            "classic verifiers environments (a module exposing load_environment(**kwargs))"
        )
    try:
        inspect.signature(loader).bind(**env_args)
    except TypeError as exc:
        raise ValueError(
            f"--env-args {env_args} do not fit {module_name}.load_environment"
            f"{inspect.signature(loader)}: {exc}"
        ) from None
    with _keeping_signal_handlers():
        try:
            return vf.load_environment(env_id, **env_args)
        except Exception as exc:
            raise ValueError(
                f"{module_name}.load_environment(**{env_args}) failed: {exc}. "
                "Check the --env-args values"
            ) from exc


@contextlib.contextmanager
def _keeping_signal_handlers() -> Iterator[None]:
    """Keep the host's SIGINT/SIGTERM handlers (verifiers' atexit teardown still runs)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
