"""Python signatures and Google-style docstrings from MCP tool descriptions.

TRL hands each tool method to ``transformers.utils.get_json_schema``, which reads type
hints (``inspect.signature`` + ``typing.get_type_hints``) and the docstring's ``Args:``
block. :func:`tool_function` builds a function whose hints and docstring make
``get_json_schema`` give back the tool's own schema: names, types, enums, required
arguments and descriptions. Constraints a type hint cannot carry (bounds, nested object
fields) are spelled out in the argument's description.
"""

from __future__ import annotations

import inspect
import json
import keyword
import re
from collections.abc import Callable
from typing import Any, Literal, Union

_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "null": type(None),
}
_PLAIN_KEYS = {"type", "description", "title", "default", "enum", "items", "examples"}
"""Schema keys a type hint (plus the description) already expresses."""
_SECTION = re.compile(r"\b(Args|Returns|Raises):")
RESERVED = {"reset", "get_reward"}
"""Method names TRL treats specially: never tool names."""


def method_name(tool_name: str) -> str | None:
    """A Python identifier for ``tool_name`` (``calc-add`` -> ``calc_add``), or None."""
    name = re.sub(r"\W", "_", tool_name)
    if not name or name[0].isdigit() or name.startswith("_"):
        return None
    if keyword.iskeyword(name) or name in RESERVED:
        return None
    return name


def type_hint(schema: Any) -> Any:
    """The type hint ``get_json_schema`` turns back into ``schema``'s type."""
    if not isinstance(schema, dict):
        return Any
    if (
        "enum" in schema
        and schema["enum"]
        and all(type(value) in (str, int, float, bool) for value in schema["enum"])
    ):
        return Literal[tuple(schema["enum"])]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _union([type_hint(option) for option in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([type_hint({**schema, "type": one}) for one in kind])
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        return list[type_hint(schema["items"])] if isinstance(schema.get("items"), dict) else list
    if kind == "object":
        return dict[str, Any]
    return Any


def _union(hints: list[Any]) -> Any:
    unique = list(dict.fromkeys(hints))
    return unique[0] if len(unique) == 1 else Union[tuple(unique)]  # noqa: UP007


def argument_doc(name: str, schema: Any) -> str:
    """One line describing an argument: its description, then what the hint cannot say."""
    schema = schema if isinstance(schema, dict) else {}
    text = str(schema.get("description") or schema.get("title") or f"the {name} argument")
    schema = _public(schema)
    extra = {k: v for k, v in schema.items() if k not in _PLAIN_KEYS}
    items = schema.get("items")
    if isinstance(items, dict) and set(items) - _PLAIN_KEYS:
        extra["items"] = items
    if extra:
        shown = {k: v for k, v in schema.items() if k not in ("description", "title")}
        text += f" (JSON schema: {json.dumps(shown, separators=(',', ':'), sort_keys=True)})"
    return one_line(text)


def _public(schema: Any) -> Any:
    """``schema`` without vendor keys (``x-...``), which say nothing to a model."""
    if isinstance(schema, dict):
        return {k: _public(v) for k, v in schema.items() if not str(k).startswith("x-")}
    if isinstance(schema, list):
        return [_public(v) for v in schema]
    return schema


def one_line(text: str) -> str:
    """Whitespace collapsed; section words defused so the docstring parser keeps it whole."""
    return _SECTION.sub(r"\1 -", " ".join(str(text).split()))


def docstring(description: str, arguments: list[tuple[str, str]], returns: str) -> str:
    """A Google-style docstring."""
    lines = [one_line(description) or "Call this tool."]
    if arguments:
        lines += ["", "Args:"] + [f"    {name}: {doc}" for name, doc in arguments]
    lines += ["", "Returns:", f"    {one_line(returns)}"]
    return "\n".join(lines)


def tool_function(
    name: str,
    description: str,
    input_schema: dict[str, Any],
    call: Callable[[Any, dict[str, Any]], str],
    returns: str = "The tool's result, as text.",
) -> Callable[..., str]:
    """A method ``name(self, **arguments) -> str`` that runs ``call(self, arguments)``.

    Only arguments the caller gave are passed on (an omitted optional argument is not sent
    as null); unknown or missing arguments raise ``TypeError`` as Python would.
    """
    properties = input_schema.get("properties") or {}
    required = set(input_schema.get("required") or [])
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    docs: list[tuple[str, str]] = []
    # Required arguments first: Python wants defaults last.
    ordered = sorted(properties.items(), key=lambda item: item[0] not in required)
    for arg, schema in ordered:
        if not arg.isidentifier() or keyword.iskeyword(arg) or arg == "self":
            raise ValueError(f"tool {name!r}: argument {arg!r} is not a Python identifier")
        hint = type_hint(schema)
        default = inspect.Parameter.empty
        if arg not in required:
            default = schema.get("default") if isinstance(schema, dict) else None
            if default is None and hint is not Any:
                hint = hint | None
        parameters.append(
            inspect.Parameter(
                arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=hint
            )
        )
        docs.append((arg, argument_doc(arg, schema)))
    signature = inspect.Signature(parameters, return_annotation=str)

    def method(*args: Any, **kwargs: Any) -> str:
        bound = signature.bind(*args, **kwargs)
        self = bound.arguments.pop("self")
        return call(self, dict(bound.arguments))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = docstring(description, docs, returns)
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__annotations__ = {p.name: p.annotation for p in parameters[1:]} | {"return": str}
    return method
