"""``environment_factory(source)`` and ``environment_factories({...})`` for TRL.

::

    from envbridge.integrations.trl import environment_factory

    trainer = GRPOTrainer(..., environment_factory=environment_factory("gym:CartPole-v1"))

The server is probed once (kind, tools, schemas); the factory then builds instances
that each hold one session, spread round-robin over the source's servers.
"""

from __future__ import annotations

import itertools
import re
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from envbridge.integrations.servers import Servers, open_servers
from envbridge.integrations.trl.environment import RESET_COLUMNS, EnvbridgeEnvironment
from envbridge.integrations.trl.shape import GYM_TOOLS, ServerShape, probe
from envbridge.integrations.trl.signatures import method_name, tool_function
from envbridge.pool import Pool, SyncPool

Source = str | Pool | SyncPool
FINISH_TOOLS = ("submit",)
"""Tools that end an episode and run its verifier (harbor's ``submit``)."""


class EnvironmentFactory:
    """A no-argument callable for TRL's ``environment_factory``; also a context manager.

    ``env_class`` is the generated class (TRL names its reward column after it);
    ``tool_names`` the methods the model sees; :meth:`close` closes every instance's
    session and stops servers this factory started.
    """

    def __init__(self, env_class: type[EnvbridgeEnvironment], servers: Servers):
        self.env_class = env_class
        self._servers = servers

    def __call__(self) -> EnvbridgeEnvironment:
        return self.env_class()

    @property
    def tool_names(self) -> list[str]:
        return sorted(
            name
            for name, value in vars(self.env_class).items()
            if callable(value) and not name.startswith("_")
        )

    def close(self) -> None:
        """Close all sessions and stop owned servers (idempotent)."""
        for instance in list(self.env_class._live):
            instance._close()
        self._servers.close()

    def __enter__(self) -> EnvironmentFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<EnvironmentFactory {self.env_class.__name__} tools={self.tool_names}>"


class EnvironmentFactories(dict[str, EnvironmentFactory]):
    """TRL's dict form (``{environment column value: factory}``) with one :meth:`close`."""

    def close(self) -> None:
        for factory in self.values():
            factory.close()

    def __enter__(self) -> EnvironmentFactories:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def environment_factory(
    source: Source | None = None,
    *,
    image: str | None = None,
    options: dict[str, Any] | None = None,
    name: str | None = None,
    reset_columns: Mapping[str, str] | None = None,
    render: Callable[[dict[str, Any]], str | None] | None = None,
    finish_tool: str | bool | None = True,
    timeout_s: float = 60.0,
) -> EnvironmentFactory:
    """A factory for ``GRPOTrainer(environment_factory=...)`` over envbridge servers.

    ``source``: a URL, a serve target (started on loopback; ``options`` go to its
    factory), a :class:`~envbridge.Pool`/:class:`~envbridge.SyncPool` (instances are
    spread over its servers, which must serve the same environment), or ``image=NAME``.
    ``name`` names the generated class (TRL's reward column); default: the server's.
    ``reset_columns`` adds dataset columns sent to ``reset`` (row key -> reset field) to
    :data:`~envbridge.integrations.trl.environment.RESET_COLUMNS`. ``render`` turns the
    first observation into the text TRL appends to the prompt. ``finish_tool``: the tool
    ``get_reward`` calls on an unfinished episode (``True``: ``submit`` when offered).
    """
    servers = open_servers(source, image=image, options=options)
    try:
        env_class = _environment_class(
            list(servers.urls.values()),
            name=name,
            reset_columns=reset_columns,
            render=render,
            finish_tool=finish_tool,
            timeout_s=timeout_s,
        )
    except BaseException:
        servers.close()
        raise
    return EnvironmentFactory(env_class, servers)


def environment_factories(
    sources: Mapping[str, Source | EnvironmentFactory] | Pool | SyncPool, **kwargs: Any
) -> EnvironmentFactories:
    """The dict form: ``{"name": source, ...}`` (or a pool: one entry per server).

    Each dataset row's ``environment`` column picks its factory. A source is anything
    :func:`environment_factory` takes (built with these keyword arguments, its class
    named after its key) or a factory it already built (kept as it is).
    """
    if isinstance(sources, Pool | SyncPool):
        if isinstance(sources, SyncPool):
            sources.launch()
        sources = {name: url for name, url in sources.urls().items()}
    if "name" in kwargs:
        raise TypeError("environment_factories names each class after its key; drop name=")
    factories = EnvironmentFactories()
    try:
        for key, source in sources.items():
            if isinstance(source, EnvironmentFactory):
                factories[key] = source
            else:
                factories[key] = environment_factory(source, name=key, **kwargs)
    except BaseException:
        factories.close()
        raise
    return factories


def _environment_class(
    urls: list[str],
    *,
    name: str | None,
    reset_columns: Mapping[str, str] | None,
    render: Callable[[dict[str, Any]], str | None] | None,
    finish_tool: str | bool | None,
    timeout_s: float,
) -> type[EnvbridgeEnvironment]:
    shapes = [probe(url, timeout_s) for url in urls]
    shape = shapes[0]
    for url, other in zip(urls[1:], shapes[1:], strict=True):
        if (other.kind, other.tool_names) != (shape.kind, shape.tool_names):
            raise ValueError(
                f"{urls[0]} and {url} serve different environments; one factory needs one "
                "kind of environment: use environment_factories({...}) for several"
            )
    attributes: dict[str, Any] = {
        "_shape": shape,
        "_urls": urls,
        "_columns": {**RESET_COLUMNS, **dict(reset_columns or {})},
        "_timeout_s": timeout_s,
        "_slots": itertools.count(),
        "_live": weakref.WeakSet(),
        "__doc__": f"TRL environment over {shape.name} ({shape.kind}) at {', '.join(urls)}.",
    }
    if render is not None:
        attributes["_render"] = staticmethod(render)
    if finish_tool is True:
        attributes["_finish_tool"] = next((t for t in FINISH_TOOLS if t in shape.tool_names), None)
    elif isinstance(finish_tool, str):
        attributes["_finish_tool"] = finish_tool
    attributes.update(tool_methods(shape))
    return type(class_name(name or shape.name), (EnvbridgeEnvironment,), attributes)


def tool_methods(shape: ServerShape) -> dict[str, Callable[..., str]]:
    """The model-facing methods for a server of this shape."""
    methods: dict[str, Callable[..., str]] = {}
    if shape.kind == "gym":
        act = next(tool for tool in shape.tools if tool.name == "act")
        methods["act"] = tool_function(
            "act",
            "Take one action in the environment.",
            act.input_schema,
            lambda self, arguments: self._act(arguments["action"]),
            returns="JSON with the new observation, the reward, and whether the episode "
            "terminated or was truncated.",
        )
    elif shape.kind == "actions":
        methods["act"] = tool_function(
            "act",
            "Send one action to the environment.",
            {
                "type": "object",
                "properties": {"action": {**shape.action_schema, "type": "object"}},
                "required": ["action"],
            },
            lambda self, arguments: self._raw_act(arguments["action"]),
            returns="JSON with the new observation and whether the episode is done.",
        )
    elif shape.kind == "chat":
        methods["answer"] = tool_function(
            "answer",
            "Reply to the user (your answer, or your next message in the conversation).",
            {
                "type": "object",
                "properties": {"content": {"type": "string", "description": "your message"}},
                "required": ["content"],
            },
            lambda self, arguments: self._answer(arguments["content"]),
            returns="What the environment says next.",
        )
    for tool in shape.tools:
        if shape.kind == "gym" and tool.name in GYM_TOOLS:
            continue
        method = method_name(tool.name)
        if method is None or method in methods:
            warnings.warn(
                f"tool {tool.name!r} of {shape.name} cannot be a TRL tool method "
                "(not an identifier, reserved or taken); the model will not see it",
                stacklevel=3,
            )
            continue
        methods[method] = tool_function(
            method,
            tool.description or f"The {tool.name} tool.",
            tool.input_schema,
            lambda self, arguments, _tool=tool.name: self._call_tool(_tool, arguments),
        )
    return methods


def class_name(name: str) -> str:
    """A class name from a server or dict-key name (``CartPole-v1`` -> ``CartPole_v1``)."""
    cleaned = re.sub(r"\W", "_", name).strip("_") or "Environment"
    return cleaned if cleaned[0].isalpha() else f"Env_{cleaned}"
