"""The OpenAI chat format on both sides of the model call.

Actions are assistant messages (``{"role": "assistant", "content": ..., "tool_calls":
[...]}``), validated here; observations carry the prompt exactly as verifiers' own
OpenAI chat client would send it to a model, made JSON-clean.
"""

from __future__ import annotations

from typing import Any, Literal

from envbridge.spec.environment import InvalidAction
from envbridge.spec.session import validation_errors
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_jsonable_python


class FunctionCall(BaseModel):
    """The function half of an OpenAI tool call; ``arguments`` is a JSON string."""

    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: str = Field(description='JSON-encoded arguments, e.g. "{\\"a\\": 1}"')


class ToolCall(BaseModel):
    """An OpenAI tool call; tool results refer to it by ``id``."""

    model_config = ConfigDict(extra="forbid")
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class AssistantMessage(BaseModel):
    """One assistant turn in OpenAI chat format: the action of every step."""

    model_config = ConfigDict(
        extra="forbid",
        title="AssistantMessage",
        json_schema_extra={
            "examples": [
                {"role": "assistant", "content": "<answer>5</answer>"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "calculate", "arguments": '{"expression": "2+3"}'},
                        }
                    ],
                },
            ]
        },
    )
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="OpenEnv action metadata; not shown to verifiers"
    )


def parse_assistant_message(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a wire action; return the assistant message as a plain dict.

    Raises :class:`InvalidAction` (``VALIDATION_ERROR``) with pydantic-style errors.
    """
    try:
        message = AssistantMessage.model_validate(data)
    except ValidationError as exc:
        raise InvalidAction(
            "the action must be an assistant message in OpenAI chat format: "
            '{"role": "assistant", "content": "...", "tool_calls": [{"id": "call_1", '
            '"type": "function", "function": {"name": "...", "arguments": "{...}"}}]}',
            validation_errors(exc),
        ) from None
    return message.model_dump(exclude_none=True, exclude={"metadata"})


def assistant_message_schema() -> dict[str, Any]:
    """JSON Schema of an action (for ``/schema``)."""
    return AssistantMessage.model_json_schema()


def clean_messages(messages: Any) -> list[dict[str, Any]]:
    """OpenAI chat messages as JSON values, without keys whose value is ``None``."""
    return [_without_none(message) for message in to_jsonable_python(messages or [])]


def clean_tools(tools: Any) -> list[dict[str, Any]]:
    """OpenAI function-tool definitions as JSON values."""
    return list(to_jsonable_python(tools or []))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value
