"""Reward files are parsed by harbor's rules (the table in the harbor reference)."""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor.rewards import (
    RewardParseError,
    parse_reward_json,
    parse_reward_text,
    parse_rewards,
    primary_reward,
)


@pytest.mark.parametrize(
    ("text", "reward"),
    [("1", 1.0), ("1\n", 1.0), (" 0.5 \n", 0.5), ("-3", -3.0), ("1_0", 10.0)],
)
def test_reward_txt_accepts_one_python_float(text, reward):
    assert parse_reward_text(text) == {"reward": reward}


@pytest.mark.parametrize("text", ["", "\n", "1\n0\n", "true", "0x1", "nan", "inf", "1e309"])
def test_reward_txt_rejects_anything_else(text):
    with pytest.raises(RewardParseError):
        parse_reward_text(text)


def test_reward_json_keeps_keys_and_ints():
    assert parse_reward_json('{"reward": 0.25, "all_passed": 0}') == {
        "reward": 0.25,
        "all_passed": 0,
    }
    assert parse_reward_json('{"reward": true}') == {"reward": 1.0}
    assert parse_reward_json("{}") == {}


@pytest.mark.parametrize(
    "text", ['{"reward": "1"}', '{"reward": null}', '{"a": {"b": 1}}', "[]", "[1]", "0.5",
             '{"reward": NaN}', '{"reward": 1e309}', '{"reward": 1} x']
)  # fmt: skip
def test_reward_json_rejects_non_numbers(text):
    with pytest.raises(RewardParseError):
        parse_reward_json(text)


def test_json_wins_over_txt_and_missing_files_are_an_error():
    assert parse_rewards('{"reward": 0.5}', "1") == {"reward": 0.5}
    assert parse_rewards(None, "1") == {"reward": 1.0}
    with pytest.raises(RewardParseError, match="neither"):
        parse_rewards(None, None)


def test_primary_reward_is_key_reward_or_the_only_value():
    assert primary_reward({"reward": 0.5, "x": 1}) == 0.5
    assert primary_reward({"score": 3}) == 3.0
    assert primary_reward({"a": 1, "b": 2}) is None
