"""Resolve a serve target string into an environment factory.

Targets: ``module:factory`` (a class or callable returning an Environment), or a
bridge prefix: ``gym:ID``, ``verifiers:NAME``, ``harbor:PATH``. A bridge is an object
(usually a module) meeting :class:`BridgeLoader`: ``load_target(rest, options) ->
factory``. The built-in bridges are listed in :data:`BRIDGE_PREFIXES`; other packages
add theirs through the ``envbridge.bridges`` entry-point group, the entry point's name
being the prefix::

    [project.entry-points."envbridge.bridges"]
    mysim = "mysim.envbridge_bridge"     # then: envbridge serve mysim:level-1
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from envbridge.spec.environment import EnvFactory

ENTRY_POINT_GROUP = "envbridge.bridges"
"""Entry-point group where installed packages register bridges (name = prefix)."""


@runtime_checkable
class BridgeLoader(Protocol):
    """What a bridge provides: turn the text after ``PREFIX:`` into a factory.

    ``options`` come from ``--options`` JSON; raise ``ValueError`` (or
    :class:`TargetError`) with a message saying what to fix.
    """

    def load_target(self, rest: str, options: dict[str, Any]) -> EnvFactory: ...


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
    bridge = _bridge(prefix, target)
    if bridge is not None:
        try:
            return bridge.load_target(rest, options)
        except TargetError:
            raise
        except ValueError as exc:  # a bridge's "bad id / bad options" error
            raise TargetError(f"target {target!r}: {exc}") from exc
    return _adapting_gymnasium(_load_module_factory(prefix, rest, options))


def _bridge(prefix: str, target: str) -> BridgeLoader | None:
    """The bridge for ``prefix``: built-in first, then an installed entry point."""
    if prefix in BRIDGE_PREFIXES:
        module_name, extra = BRIDGE_PREFIXES[prefix]
        try:
            loaded: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise TargetError(
                f"target {target!r} needs the {extra} bridge: pip install 'envbridge[{extra}]' "
                f"({exc})"
            ) from exc
        source = module_name
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == prefix]
        if not found:
            return None
        try:
            loaded = found[0].load()
        except Exception as exc:
            raise TargetError(
                f"the {prefix!r} bridge ({found[0].value}, entry point group "
                f"{ENTRY_POINT_GROUP}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        source = found[0].value
    if not isinstance(loaded, BridgeLoader):
        raise TargetError(
            f"the {prefix!r} bridge {source} has no load_target(rest, options); "
            "a bridge must define it (see envbridge.targets.BridgeLoader)"
        )
    return loaded


def installed_bridges() -> dict[str, str]:
    """Prefix -> where its bridge comes from: built-ins, then installed entry points."""
    bridges = {prefix: module for prefix, (module, _) in BRIDGE_PREFIXES.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        bridges.setdefault(ep.name, ep.value)
    return bridges


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
        _check_fits(factory, options, f"{module_name}:{attr}")
        return lambda: factory(**options)
    return factory


def _check_fits(factory: Callable[..., Any], options: dict[str, Any], name: str) -> None:
    """TargetError now (not per session) when ``factory`` cannot take ``options``."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin without a signature: let it judge
        return
    try:
        signature.bind(**options)
    except TypeError as exc:
        raise TargetError(
            f"{name} cannot take the options {sorted(options)} ({exc}); its signature is "
            f"{name}{signature}"
        ) from None


FACTORY_ATTRIBUTES = ("concurrent_sessions", "blocking")
"""Attributes the server reads from a factory; an adapted factory keeps them."""


def _adapting_gymnasium(factory: Callable[[], Any]) -> Callable[[], Any]:
    """``factory`` as is, or wrapped so that a ``gymnasium.Env`` product is bridged.

    An Environment class is returned unchanged (the server reads its class attributes);
    a gymnasium.Env class or any other callable is wrapped, keeping its name and the
    attributes the server reads. gymnasium is never imported here: a factory that made a
    gymnasium.Env has already imported it.
    """
    if isinstance(factory, type) and not _is_gymnasium_env_class(factory):
        return factory

    def adapted() -> Any:
        return _bridge_if_gymnasium(factory())

    functools.update_wrapper(adapted, factory, updated=())
    for name in FACTORY_ATTRIBUTES:
        if hasattr(factory, name):
            setattr(adapted, name, getattr(factory, name))
    return adapted


def _is_gymnasium_env_class(cls: type) -> bool:
    gymnasium = sys.modules.get("gymnasium")
    return gymnasium is not None and issubclass(cls, gymnasium.Env)


def _bridge_if_gymnasium(product: Any) -> Any:
    gymnasium = sys.modules.get("gymnasium")
    if gymnasium is None or not isinstance(product, gymnasium.Env):
        return product
    from envbridge.bridges.gymnasium import GymEnvironment

    return GymEnvironment(product)
