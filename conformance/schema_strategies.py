"""Values from JSON Schemas: hypothesis strategies, minimal instances, example batches.

Used to build valid actions from ``/schema`` and tool arguments from ``inputSchema``.
Covers the JSON Schema that pydantic and FastMCP emit (types, properties, required,
enum/const, anyOf/oneOf, $ref into $defs, numeric and length bounds, patterns); every
generated value is finally filtered through a real validator, so an unusual keyword can
only make generation sparser, never wrong.
"""

from __future__ import annotations

import math
from typing import Any

import jsonschema
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

_MAX_INT = 2**53
_JSON_SCALARS = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
_ANY_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


class UnsupportedSchema(ValueError):
    """The schema cannot produce values (e.g. an unresolvable $ref)."""


def strategy_for(schema: Any, root: Any = None) -> st.SearchStrategy[Any]:
    """A hypothesis strategy for instances of ``schema`` (validated by jsonschema)."""
    root = schema if root is None else root
    validator = jsonschema.validators.validator_for(root)(root)
    return _strategy(schema, root, depth=0).filter(validator.is_valid)


def minimal_instance(schema: Any) -> Any:
    """The simplest valid instance, the same on every run.

    Tries the obvious candidate first (required properties only, defaults, zeros, empty
    strings); when that does not validate, hypothesis searches and shrinks instead.
    """
    validator = jsonschema.validators.validator_for(schema)(schema)
    candidate = _simplest(schema, schema, depth=0)
    if validator.is_valid(candidate):
        return candidate
    return find(
        strategy_for(schema),
        lambda _: True,
        settings=settings(database=None, max_examples=200, derandomize=True, deadline=None),
    )


def _simplest(schema: Any, root: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 12:
        return None
    if "$ref" in schema:
        try:
            return _simplest(_resolve(schema["$ref"], root), root, depth + 1)
        except UnsupportedSchema:
            return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _simplest(schema[key][0], root, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else None)
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _simplest(properties.get(name, {}), root, depth + 1)
            for name in schema.get("required", [])
        }
    simple: dict[str, Any] = {
        "array": [],
        "string": "a" * int(schema.get("minLength", 0)),
        "boolean": False,
    }
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    return simple.get(kind) if isinstance(kind, str) else None


def examples(schema: Any, count: int) -> list[Any]:
    """Up to ``count`` varied valid instances, the same list on every run."""
    found: list[Any] = []

    @settings(
        database=None,
        max_examples=count,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy_for(schema))
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    unique: list[Any] = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique[:count]


def _resolve(ref: str, root: Any) -> Any:
    if not ref.startswith("#/"):
        raise UnsupportedSchema(f"only local $ref is supported, got {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        try:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        except (KeyError, TypeError, IndexError):
            raise UnsupportedSchema(f"$ref {ref!r} does not resolve") from None
    return node


def _strategy(schema: Any, root: Any, depth: int) -> st.SearchStrategy[Any]:
    if schema is True or schema == {}:
        return _ANY_JSON
    if schema is False or not isinstance(schema, dict):
        return st.nothing()
    if depth > 12:
        raise UnsupportedSchema("schema nests too deeply (recursive $ref?)")
    if "$ref" in schema:
        return _strategy(_resolve(schema["$ref"], root), root, depth + 1)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_strategy(sub, root, depth + 1) for sub in schema[key]])
    if "allOf" in schema:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for sub in schema["allOf"]:
            sub = _resolve(sub["$ref"], root) if isinstance(sub, dict) and "$ref" in sub else sub
            merged.update(sub if isinstance(sub, dict) else {})
        return _strategy(merged, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_strategy({**schema, "type": k}, root, depth + 1) for k in kind])
    if kind is None:
        kind = "object" if "properties" in schema else None
    builders = {
        "object": _object,
        "array": _array,
        "string": lambda s, r, d: _string(s),
        "integer": lambda s, r, d: _integer(s),
        "number": lambda s, r, d: _number(s),
        "boolean": lambda s, r, d: st.booleans(),
        "null": lambda s, r, d: st.none(),
    }
    if kind is None:
        return _ANY_JSON
    if kind not in builders:
        raise UnsupportedSchema(f"unknown JSON Schema type {kind!r}")
    return builders[kind](schema, root, depth)


def _object(schema: dict[str, Any], root: Any, depth: int) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in properties]
    optional = [name for name in properties if name not in required]
    return st.fixed_dictionaries(
        {name: _strategy(properties[name], root, depth + 1) for name in required},
        optional={name: _strategy(properties[name], root, depth + 1) for name in optional},
    )


def _array(schema: dict[str, Any], root: Any, depth: int) -> st.SearchStrategy[Any]:
    items = schema.get("items", {})
    low = int(schema.get("minItems", 0))
    high = min(int(schema.get("maxItems", low + 4)), low + 4)
    return st.lists(_strategy(items, root, depth + 1), min_size=low, max_size=high)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = int(schema.get("minLength", 0))
    high = min(int(schema.get("maxLength", low + 20)), low + 20)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= max(high, low)
        )
    return st.text(min_size=low, max_size=high)


def _bounds(schema: dict[str, Any]) -> tuple[float, float, bool, bool]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", -_MAX_INT))
    high = schema.get("maximum", schema.get("exclusiveMaximum", _MAX_INT))
    return low, high, "exclusiveMinimum" in schema, "exclusiveMaximum" in schema


def _integer(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, exclusive_low, exclusive_high = _bounds(schema)

    low_int = math.floor(low) + 1 if exclusive_low else math.ceil(low)
    high_int = math.ceil(high) - 1 if exclusive_high else math.floor(high)
    return st.integers(low_int, high_int)


def _number(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high, exclusive_low, exclusive_high = _bounds(schema)
    return st.floats(
        low,
        high,
        exclude_min=exclusive_low,
        exclude_max=exclusive_high,
        allow_nan=False,
        allow_infinity=False,
    )
