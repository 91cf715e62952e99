"""Wrapping a built verifiers environment, and loading an installed one by name.

Both APIs are detected: a classic ``vf.Environment`` (verifiers<0.4) or a v1
``Taskset`` (``verifiers.v1``). Classic ``Environment.__init__`` installs process-wide
SIGINT/SIGTERM handlers, which only works on the main thread: environments are built
once, up front, on the main thread (never per session), and every session shares that
one instance, as verifiers' own ``generate`` shares it between concurrent rollouts.
Each API's modules are imported only when used (they need different verifiers lines).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import signal
import threading
from collections.abc import Iterator
from typing import Any

DEFAULT_MODEL = "envbridge-policy"
"""The model name verifiers records in rollout state (the trainer is the model)."""


def wrap(
    env: Any,
    *,
    name: str | None = None,
    model: str = DEFAULT_MODEL,
    sampling_args: dict[str, Any] | None = None,
    max_turns: int | None = None,
) -> Any:
    """A session factory serving ``env`` turn by turn (pass it to ``envbridge.serve``).

    ``env`` is a classic ``vf.Environment``, a v1 ``Taskset`` or a one-seat v1 ``Env``
    (each session gets its own instance, built from ``env.config``). ``model`` (and, classic,
    ``sampling_args``) are what verifiers records for each rollout; ``max_turns`` caps a
    v1 agent run (classic environments carry their own).
    """
    if _is_v1_env(env):
        from envbridge.bridges.verifiers.v1.environment import EnvFactory

        return EnvFactory(env.config, name=name or type(env).__name__, model=model)
    if _is_v1_taskset(env):
        from envbridge.bridges.verifiers.v1.environment import TasksetFactory

        return TasksetFactory(
            env, name=name or type(env).__name__, model=model, max_turns=max_turns
        )
    classic_base = getattr(importlib.import_module("verifiers"), "Environment", None)
    if classic_base is None or not isinstance(env, classic_base):
        raise TypeError(
            "wrap() takes a classic verifiers Environment (SingleTurnEnv, MultiTurnEnv, "
            "ToolEnv, ..., with verifiers>=0.3.1,<0.4) or a v1 Taskset or Env (verifiers.v1), "
            f"got {type(env).__name__}"
        )
    if env.requires_group_rollouts:
        raise ValueError(
            f"{type(env).__name__} has group reward functions (they score several rollouts "
            "together), so a single episode cannot be scored; remove them or use "
            "per-rollout reward functions"
        )
    from envbridge.bridges.verifiers.classic import VerifiersFactory

    return VerifiersFactory(
        env,
        name=name or getattr(env, "env_id", None) or type(env).__name__,
        model=model,
        sampling_args=dict(sampling_args or {}),
    )


def _is_v1_env(env: Any) -> bool:
    try:
        from verifiers.v1 import Env
    except ImportError:
        return False
    return isinstance(env, Env)


def _is_v1_taskset(env: Any) -> bool:
    try:
        from verifiers.v1 import Taskset
    except ImportError:
        return False
    return isinstance(env, Taskset)


def load_target(rest: str, options: dict[str, Any]) -> Any:
    """The ``verifiers:NAME`` serve target. ``options`` (``--env-args``) go to a classic
    package's ``load_environment``, or to a v1 taskset's config. Fails now, with what to
    do, rather than per session."""
    module = _import_env_module(rest)
    if hasattr(module, "load_environment"):
        return wrap(load_classic(rest, options), name=rest)
    if _exports_v1_taskset(module):
        _refuse_own_harness(module)
        if _exports_v1_env(module):
            from envbridge.bridges.verifiers.v1.environment import EnvFactory

            return EnvFactory(load_v1_env(rest, options), name=rest, model=DEFAULT_MODEL)
        return wrap(load_v1_taskset(rest, options), name=rest)
    raise ValueError(
        f"module {module.__name__!r} has no load_environment() (classic API) and exports no "
        "verifiers.v1 Taskset subclass in __all__ (v1 API): it is not a verifiers environment"
    )


def _import_env_module(env_id: str) -> Any:
    module_name = env_id.replace("-", "_").split("/")[-1].split("@")[0]
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"verifiers environment {env_id!r} is not installed (no module {module_name!r}: "
            f"{exc}). Install its package, e.g. `pip install -e path/to/{env_id}`"
        ) from exc


def _exports_v1_taskset(module: Any) -> bool:
    try:
        from verifiers.v1 import Taskset
    except ImportError:
        return False
    exported = [getattr(module, name, None) for name in getattr(module, "__all__", [])]
    return any(isinstance(item, type) and issubclass(item, Taskset) for item in exported)


def _refuse_own_harness(module: Any) -> None:
    """The v1 bridge plays tasks with verifiers' null harness; say so when the package
    brings its own ``Harness``."""
    from verifiers.v1 import Harness

    for name in getattr(module, "__all__", []):
        item = getattr(module, name, None)
        if isinstance(item, type) and issubclass(item, Harness):
            raise ValueError(
                f"{module.__name__} exports its own v1 Harness ({name}); the verifiers bridge "
                "runs v1 tasks with verifiers' null harness and does not run custom harnesses yet"
            )


def _exports_v1_env(module: Any) -> bool:
    from verifiers.v1 import Env

    exported = [getattr(module, name, None) for name in getattr(module, "__all__", [])]
    return any(isinstance(item, type) and issubclass(item, Env) for item in exported)


def load_v1_env(env_id: str, options: dict[str, Any]) -> Any:
    """The env config of the installed v1 package ``env_id`` (``options`` are its fields)."""
    import verifiers.v1 as vf1

    try:
        return vf1.resolve_env_config({**options, "taskset": {"id": env_id}})
    except Exception as exc:
        raise ValueError(
            f"cannot build the v1 env config of {env_id!r} with {options}: {exc}. "
            "Check the --env-args (for a package with its own Env they are EnvConfig fields, "
            'e.g. {"player": {"max_turns": 3}})'
        ) from exc


def load_v1_taskset(env_id: str, options: dict[str, Any]) -> Any:
    """Build the installed v1 taskset ``env_id`` with ``options`` as its config fields."""
    import verifiers.v1 as vf1

    try:
        config = vf1.taskset_config_type(env_id)(id=env_id, **options)
        return vf1.load_taskset(config)
    except Exception as exc:
        raise ValueError(
            f"cannot build v1 taskset {env_id!r} with {options}: {exc}. Check the --env-args"
        ) from exc


def load_classic(env_id: str, env_args: dict[str, Any]) -> Any:
    """Build the installed classic environment ``env_id`` on the main thread."""
    module_name = env_id.replace("-", "_").split("/")[-1]
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            f"verifiers environment {env_id!r} must be built on the main thread (its "
            "constructor installs signal handlers): load it before starting the server"
        )
    module = _import_env_module(env_id)
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
    if getattr(importlib.import_module("verifiers"), "load_environment", None) is None:
        raise ValueError(
            f"{env_id!r} is a classic verifiers environment, which needs verifiers>=0.3.1,<0.4 "
            "(the installed verifiers has only the v1 API)"
        )
    with _keeping_signal_handlers():
        try:
            return importlib.import_module("verifiers").load_environment(env_id, **env_args)
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
