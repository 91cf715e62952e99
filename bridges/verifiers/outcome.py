"""The end of a rollout as OpenEnv sees it: reward, per-function breakdown, history."""

from __future__ import annotations

import json
import math
from typing import Any

from envbridge.bridges.verifiers.chat import clean_messages
from envbridge.bridges.verifiers.client import TrainerClient
from envbridge.bridges.verifiers.turns import finite_or_none
from verifiers.legacy.utils.message_utils import normalize_messages


def reward_breakdown(vf_env: Any, output: dict[str, Any]) -> dict[str, dict[str, float]]:
    """``{function name: {"score", "weight"}}`` for every weighted reward function."""
    rubric = scoring_env(vf_env, output).rubric
    metrics = output.get("metrics") or {}
    return {
        name: {"score": finite_or_none(metrics.get(name)), "weight": float(weight)}
        for name, weight in zip(
            rubric._get_reward_func_names(), rubric._get_reward_weights(), strict=False
        )
        if weight != 0 and name in metrics
    }


def scoring_env(vf_env: Any, output: dict[str, Any]) -> Any:
    """The environment whose rubric scored ``output`` (an EnvGroup routes by ``env_id``)."""
    info = output.get("info")
    route = info.get("env_id") if isinstance(info, dict) else None
    env = vf_env
    for name in [route] if isinstance(route, str) else list(route or []):
        children = getattr(env, "env_map", None)
        if not children or name not in children:
            break
        env = children[name]
    return env


def outcome_metadata(vf_env: Any, output: dict[str, Any]) -> dict[str, Any]:
    """Observation metadata of the final step."""
    error = output.get("error")
    return {
        "rewards": reward_breakdown(vf_env, output),
        "metrics": {
            name: finite_or_none(value) for name, value in (output.get("metrics") or {}).items()
        },
        "stop_condition": output.get("stop_condition"),
        "is_truncated": bool(output.get("is_truncated")),
        "error": None if error is None else _error_text(error),
    }


async def final_history(client: TrainerClient, output: dict[str, Any]) -> list[Any]:
    """The whole conversation (prompt + completion) in OpenAI chat format.

    Read from the rollout's live state when the model was called (exactly what the
    model saw), else from the saved output.
    """
    source = client.state if client.state is not None else output
    messages = [*(source.get("prompt") or []), *(source.get("completion") or [])]
    messages = [_with_decoded_tool_calls(message) for message in messages]
    native, _ = await client.to_native_prompt(normalize_messages(messages, field_name="history"))
    return clean_messages(native)


def _with_decoded_tool_calls(message: Any) -> Any:
    """Saved rollout outputs store each tool call as a JSON string; decode them."""
    if not isinstance(message, dict) or not message.get("tool_calls"):
        return message
    calls = [json.loads(call) if isinstance(call, str) else call for call in message["tool_calls"]]
    return {**message, "tool_calls": calls}


def final_reward(output: dict[str, Any]) -> float | None:
    """The rubric's score (``None`` when it is not a finite number)."""
    value = output.get("reward")
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("error") or error)
    return str(error)
