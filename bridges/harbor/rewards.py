"""Harbor's reward files: ``/logs/verifier/reward.json`` wins over ``reward.txt``.

reward.txt holds one Python float (whitespace around it is fine); reward.json a flat
object of finite numbers (bools count as numbers, as in harbor). Anything else is a
:class:`RewardParseError` whose message names the file and the problem.
"""

from __future__ import annotations

import json
import math

Rewards = dict[str, float | int]


class RewardParseError(ValueError):
    """The verifier's reward file is missing, empty or malformed."""


def parse_reward_text(text: str) -> Rewards:
    """Parse reward.txt: exactly one finite number."""
    if text == "":
        raise RewardParseError("reward.txt is empty; test.sh must write one number")
    try:
        value = float(text)
    except ValueError:
        raise RewardParseError(f"reward.txt must hold one number, got {text[:80]!r}") from None
    if not math.isfinite(value):
        raise RewardParseError(f"reward.txt holds a non-finite number {text.strip()!r}")
    return {"reward": value}


def parse_reward_json(text: str) -> Rewards:
    """Parse reward.json: a flat object of finite numbers."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise RewardParseError(f"reward.json is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise RewardParseError(
            f"reward.json must be an object of name -> number, got {type(value).__name__}"
        )
    rewards: Rewards = {}
    for key, number in value.items():
        if not isinstance(number, int | float):
            raise RewardParseError(f"reward.json[{key!r}] is not a number: {number!r}")
        if not math.isfinite(number):
            raise RewardParseError(f"reward.json[{key!r}] is not finite: {number!r}")
        rewards[key] = float(number) if isinstance(number, bool) else number
    return rewards


def parse_rewards(reward_json: str | None, reward_txt: str | None) -> Rewards:
    """Harbor's rule: reward.json if present, else reward.txt, else an error."""
    if reward_json is not None:
        return parse_reward_json(reward_json)
    if reward_txt is not None:
        return parse_reward_text(reward_txt)
    raise RewardParseError(
        "test.sh wrote neither /logs/verifier/reward.json nor /logs/verifier/reward.txt"
    )


def primary_reward(rewards: Rewards) -> float | None:
    """The episode reward: key ``reward``, else the only value, else None."""
    if "reward" in rewards:
        return float(rewards["reward"])
    if len(rewards) == 1:
        return float(next(iter(rewards.values())))
    return None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")
