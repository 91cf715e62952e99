"""Environments made for the /web tests: a rich action schema, and a hostile one."""

from __future__ import annotations

from typing import Any

from envbridge.spec import Environment, EnvironmentMetadata, Observation, Tool

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "FormAction",
    "properties": {
        "count": {"type": "integer", "minimum": 0, "maximum": 9},
        "speed": {"type": "number"},
        "colour": {"enum": ["red", "green", "blue"]},
        "flag": {"type": "boolean"},
        "target": {"$ref": "#/$defs/Point"},
        "path": {"type": "array", "items": {"type": "integer"}},
        "pair": {
            "type": "array",
            "prefixItems": [{"type": "string", "maxLength": 10}, {"type": "integer"}],
            "items": False,
            "minItems": 2,
            "maxItems": 2,
        },
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "extra": {"type": "object"},
    },
    "required": ["count", "colour", "flag", "target", "pair"],
    "$defs": {
        "Point": {
            "type": "object",
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
            "required": ["x", "y"],
        }
    },
}


class FormEnv(Environment):
    """Echoes each action back; reward is its ``count``."""

    name = "form"
    blocking = False

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation({"got": None, "seed": seed})

    def step(self, action: dict[str, Any]) -> Observation:
        return Observation({"got": action}, reward=action.get("count", 0))

    def action_schema(self) -> dict[str, Any]:
        return FORM_SCHEMA


HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
"""Markup an adversarial environment (or agent) may put in any string the page shows."""


class HostileEnv(Environment):
    """Puts markup everywhere the page prints server text."""

    blocking = False

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        return Observation(
            {
                "text": HOSTILE,
                HOSTILE: "a key",
                "messages": [{"role": HOSTILE, "content": HOSTILE}],
            }
        )

    def step(self, action: dict[str, Any]) -> Observation:
        return Observation({"text": HOSTILE}, reward=0)

    def metadata(self) -> EnvironmentMetadata:
        return EnvironmentMetadata(name=HOSTILE, description=HOSTILE)

    def tools(self) -> list[Tool]:
        schema = {
            "type": "object",
            "properties": {HOSTILE: {"type": "string", "description": HOSTILE}},
        }
        return [Tool(HOSTILE.replace(" ", "_"), HOSTILE, schema)]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        return {"echo": HOSTILE}
