"""A parked model call, shared by the classic and v1 seams.

The rollout's model client parks each call as a :class:`ModelCall` (the chat the model
would see, its tools, and a future for the reply) until the trainer's next action.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ModelCall:
    """One parked model call: what the model would see, and where its reply goes."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    reply: asyncio.Future[dict[str, Any]] = field(repr=False)


def chat_completion(message: dict[str, Any], model: str, completion_id: str) -> dict[str, Any]:
    """The trainer's assistant message as the chat completion a model server returns."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": None, **message},
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
    }


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float, else ``None`` (JSON has no NaN or infinity)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
