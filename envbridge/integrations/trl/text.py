"""What the model reads: observations and tool results as text."""

from __future__ import annotations

import json
from typing import Any

TEXT_FIELDS = ("instruction", "prompt", "question", "text", "message")
"""Observation fields that already are the task's text (harbor: ``instruction``)."""


def as_text(value: Any) -> str:
    """Strings as they are; anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def observation_text(observation: dict[str, Any]) -> str:
    """The first observation of an episode as the text appended to the prompt.

    A chat observation (``messages``, as the verifiers bridge sends) gives the text of
    its system and user messages; a text field (``instruction``, ``prompt``, ...) gives
    that text; anything else (a Gymnasium observation) gives compact JSON.
    """
    messages = observation.get("messages")
    if isinstance(messages, list):
        parts = [
            _content_text(message.get("content"))
            for message in messages
            if isinstance(message, dict) and message.get("role") in ("system", "user")
        ]
        return "\n\n".join(part for part in parts if part)
    for name in TEXT_FIELDS:
        if isinstance(observation.get(name), str):
            return observation[name]
    return as_text(observation)


def chat_reply_text(observation: dict[str, Any]) -> str:
    """What the environment said after the model's message (the new non-assistant turns)."""
    messages = observation.get("messages")
    if not isinstance(messages, list):
        return as_text(observation)
    tail: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") == "assistant":
            break
        tail.append(_content_text(message.get("content")))
    return "\n\n".join(reversed([part for part in tail if part]))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else as_text(content)
