"""Values generated from JSON Schemas always validate; minimal instances are simplest."""

from __future__ import annotations

import jsonschema
import pytest
from envbridge.conformance.schema_strategies import (
    UnsupportedSchema,
    examples,
    minimal_instance,
    strategy_for,
)
from hypothesis import given, settings
from pydantic import BaseModel, Field


class Inner(BaseModel):
    label: str = Field(min_length=2, max_length=5)
    weight: float = Field(gt=0, le=1)


class Action(BaseModel):
    kind: str = Field(pattern=r"^(move|wait)$")
    steps: int = Field(ge=1, le=9)
    inner: Inner
    tags: list[str] = Field(default_factory=list, max_length=3)
    note: str | None = None


SCHEMAS = {
    "pydantic model with $defs": Action.model_json_schema(),
    "fastmcp tool": {
        "type": "object",
        "properties": {"amount": {"type": "integer"}, "flag": {"type": "boolean"}},
        "required": ["amount"],
        "additionalProperties": False,
    },
    "enum and const": {
        "type": "object",
        "properties": {"mode": {"enum": ["a", "b"]}, "v": {"const": 3}},
        "required": ["mode", "v"],
    },
    "type list and anyOf": {
        "type": "object",
        "properties": {"x": {"type": ["integer", "null"]}, "y": {"anyOf": [{"type": "string"}]}},
        "required": ["x", "y"],
    },
    "exclusive bounds": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_generated_values_validate(schema):
    validator = jsonschema.validators.validator_for(schema)(schema)

    @settings(max_examples=40, deadline=None, database=None)
    @given(strategy_for(schema))
    def generated(value):
        assert validator.is_valid(value), value

    generated()


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_minimal_instance_validates(schema):
    assert jsonschema.validators.validator_for(schema)(schema).is_valid(minimal_instance(schema))


def test_minimal_instance_has_only_required_properties():
    assert minimal_instance(SCHEMAS["fastmcp tool"]) == {"amount": 0}


def test_examples_are_varied_and_repeatable():
    schema = SCHEMAS["fastmcp tool"]
    first, second = examples(schema, 8), examples(schema, 8)
    assert first == second
    assert len(first) == 8 and len({repr(v) for v in first}) == 8


@pytest.mark.parametrize(("low", "width"), [(-5, 0), (-3, 2), (0, 6), (4, 1)])
def test_integer_bounds_are_respected(low, width):
    schema = {"type": "integer", "minimum": low, "maximum": low + width}
    assert all(low <= v <= low + width for v in examples(schema, 5))


def test_remote_refs_are_refused_with_a_reason():
    with pytest.raises(UnsupportedSchema, match="only local"):
        strategy_for({"$ref": "https://example.com/schema.json"})
