"""Resolve a serve target string into an environment factory.

Targets: ``module:factory`` (a class or callable returning an Environment), or a
bridge prefix: ``gym:ID``, ``verifiers:NAME``, ``harbor:PATH``. A bridge registers
itself here by prefix; its module exposes ``load_target(rest, options) -> factory``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

BRIDGE_PREFIXES: dict[str, tuple[str, str]] = {
    "gym": ("envbridge.bridges.gymnasium", "gymnasium"),
    "verifiers": ("envbridge.bridges.verifiers", "verifiers"),
    "harbor": ("envbridge.bridges.harbor", "harbor"),
}
"""prefix -> (module exposing ``load_target``, the pip extra that provides it)."""


class TargetError(ValueError):
    """A serve target could not be resolved; the message says how to fix it."""


def resolve_target(target: str, options: dict[str, Any] | None = None) -> Callable[[], Any]:
    """Return a zero-argument factory for ``target`` (see the module docstring)."""
    options = options or {}
    prefix, sep, rest = target.partition(":")
    if not sep or not rest:
        raise TargetError(
            f"target {target!r} is not of the form module:factory, gym:ID, verifiers:NAME "
            "or harbor:PATH (example: envbridge serve envs.native.counter:CounterEnv)"
        )
    if prefix in BRIDGE_PREFIXES:
        module_name, extra = BRIDGE_PREFIXES[prefix]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise TargetError(
                f"target {target!r} needs the {extra} bridge: pip install 'envbridge[{extra}]' "
                f"({exc})"
            ) from exc
        return module.load_target(rest, options)
    return _load_module_factory(prefix, rest, options)


def _load_module_factory(module_name: str, attr: str, options: dict[str, Any]) -> Callable[[], Any]:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(
            f"cannot import module {module_name!r} for target {module_name}:{attr} ({exc}); "
            "is it installed or on PYTHONPATH?"
        ) from exc
    try:
        factory = getattr(module, attr)
    except AttributeError:
        raise TargetError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not callable(factory):
        raise TargetError(f"{module_name}:{attr} is not callable; give a class or a factory")
    if options:
        return lambda: factory(**options)
    return factory
