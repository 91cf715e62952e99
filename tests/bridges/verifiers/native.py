"""Playing a script natively through verifiers, and comparing chats in a canonical form.

``ReplayClient`` is a model client that answers each model call with the next scripted
assistant message (a real verifiers client: only the HTTP request is replaced) and
records the prompts and tools it was shown. It is the reference the bridge is compared
with; it shares no code with the bridge.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import verifiers as vf
from openai.types.chat import ChatCompletion


class ScriptExhausted(Exception):
    """verifiers asked for more assistant turns than the script has."""


class ReplayClient(vf.OpenAIChatCompletionsClient):
    """Answers model calls from a script of OpenAI assistant messages."""

    def __init__(self, script: list[dict[str, Any]]):
        super().__init__(object())
        self.script = list(script)
        self.prompts: list[list[dict[str, Any]]] = []
        self.tools: list[list[dict[str, Any]]] = []

    async def close(self) -> None:
        return None

    async def get_native_response(self, prompt, model, sampling_args, tools=None, **kwargs):
        self.prompts.append(json.loads(json.dumps(prompt)))
        self.tools.append(json.loads(json.dumps(tools or [])))
        if not self.script:
            raise ScriptExhausted("the script has no more assistant turns")
        message = self.script.pop(0)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return ChatCompletion.model_validate(
            {
                "id": f"replay-{len(self.prompts)}",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": finish,
                        "message": {"role": "assistant", "content": None, **message},
                    }
                ],
            }
        )


def run_native(vf_env: Any, task_index: int, script: list[dict[str, Any]]):
    """Run one rollout of row ``task_index`` natively; return (output, client)."""
    row = vf_env.get_dataset()[task_index]
    client = ReplayClient(script)
    output = asyncio.run(vf_env.run_rollout(row, client, "envbridge-policy", {}))
    return output, client


def canonical(messages: list[dict[str, Any]]) -> list[tuple]:
    """A chat as comparable tuples: role, text, tool calls (id, name, arguments), call id.

    Accepts both OpenAI chat messages and verifiers' saved-output messages (whose tool
    calls are JSON strings with flat name/arguments).
    """
    result = []
    for message in messages:
        calls = []
        for call in message.get("tool_calls") or []:
            if isinstance(call, str):
                call = json.loads(call)
            function = call.get("function") or call
            calls.append((call["id"], function["name"], function["arguments"]))
        result.append(
            (
                message["role"],
                message.get("content") or "",
                tuple(calls),
                message.get("tool_call_id"),
            )
        )
    return result


def without_none(value: Any) -> Any:
    """Drop ``None``-valued keys recursively (absent and null mean the same in chat JSON)."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value
