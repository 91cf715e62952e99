"""GymEnvironment in process: wire shapes, semantics, errors, tools and rendering."""

from __future__ import annotations

import json

import gymnasium as gym
import jsonschema
import numpy as np
import pytest
from envbridge.bridges.gymnasium import GymEnvironment, build_space, decode_value, wrap
from envbridge.bridges.gymnasium.frames import decode_frame
from envbridge.bridges.gymnasium.info import decode_info
from envbridge.spec import InvalidAction, ToolError, ToolResult

import envs.gymnasium
from tests.bridges.gymnasium.gym_spaces_strategy import assert_same_value


def strict_json(value: object) -> object:
    return json.loads(json.dumps(value, allow_nan=False))


def test_reset_and_step_carry_observation_flags_and_info() -> None:
    env = wrap("CartPole-v1")()
    first = env.reset(seed=3)
    assert set(first.observation) == {"observation", "terminated", "truncated", "info"}
    assert first.reward is None and first.done is False
    local = gym.make("CartPole-v1")
    local_obs, _ = local.reset(seed=3)
    assert_same_value(
        local_obs, decode_value(env.observation_space, first.observation["observation"])
    )
    stepped = env.step(env.parse_action({"action": 1}))
    obs, reward, terminated, truncated, _ = local.step(1)
    assert_same_value(obs, decode_value(env.observation_space, stepped.observation["observation"]))
    assert (stepped.reward, stepped.observation["terminated"]) == (reward, terminated)
    assert stepped.observation["truncated"] is truncated
    assert stepped.metadata["info"] == stepped.observation["info"]
    strict_json([first.observation, first.metadata, stepped.observation])


def test_truncation_is_kept_apart_from_termination() -> None:
    env = wrap("CartPole-v1", max_episode_steps=2)()
    env.reset(seed=0)
    env.step(env.parse_action({"action": 0}))
    last = env.step(env.parse_action({"action": 1}))
    assert last.observation["truncated"] is True and last.observation["terminated"] is False
    assert last.done is True


def test_reset_metadata_describes_both_spaces() -> None:
    env = wrap("FrozenLake-v1")()
    meta = strict_json(env.reset(seed=0).metadata)
    assert build_space(meta["action_space"]) == env.action_space
    assert build_space(meta["observation_space"]) == env.observation_space


def test_info_arrays_keep_dtype_and_shape() -> None:
    env = wrap("Taxi-v4")()
    wire = strict_json(env.reset(seed=1).observation["info"])
    local_info = gym.make("Taxi-v4").reset(seed=1)[1]
    assert_same_value(local_info["action_mask"], decode_info(wire)["action_mask"])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"action": 2}, "not in the action space Discrete(2)"),
        ({"action": "left"}, "action: expected integers"),
        ({"action": 1, "force": 3}, "unknown keys ['force']"),
        ({}, "no 'action' key"),
    ],
)
def test_bad_actions_raise_invalid_action_naming_the_space(data: dict, words: str) -> None:
    env = wrap("CartPole-v1")()
    with pytest.raises(InvalidAction) as caught:
        env.parse_action(data)
    assert words in str(caught.value)
    assert "Discrete(2)" in str(caught.value)
    assert caught.value.errors[0]["type"] == "value_error"


def test_openenv_metadata_key_in_actions_is_ignored() -> None:
    env = wrap("CartPole-v1")()
    assert env.parse_action({"action": 1, "metadata": {}}) == 1


def test_the_first_reset_uses_the_wrap_seed_and_later_ones_continue() -> None:
    served = wrap("FrozenLake-v1", seed=7, is_slippery=True)()
    local = gym.make("FrozenLake-v1", is_slippery=True)
    for seed in (7, None):
        assert served.reset().observation["observation"] == int(local.reset(seed=seed)[0])
        for action in (1, 2, 2, 1):
            served_step = served.step(served.parse_action({"action": action}))
            local_step = local.step(action)
            assert served_step.observation["observation"] == int(local_step[0])
            if served_step.done:
                break


def test_act_steps_and_starts_the_next_episode_itself() -> None:
    env = wrap("CartPole-v1", seed=0)()
    assert {t.name for t in env.tools()} == {"act", "observe", "spaces"}
    first = env.call_tool("observe", {})
    assert first["terminated"] is False
    local = gym.make("CartPole-v1")
    local.reset(seed=0)
    for _ in range(200):
        result = env.call_tool("act", {"action": 1})
        assert isinstance(result, ToolResult)
        obs, reward, terminated, truncated, _ = local.step(1)
        data = strict_json(result.data)
        assert_same_value(obs, decode_value(env.observation_space, data["observation"]))
        assert (data["reward"], data["terminated"], data["truncated"]) == (
            reward,
            terminated,
            truncated,
        )
        if terminated or truncated:
            reset_obs, _ = local.reset()
            assert_same_value(
                reset_obs, decode_value(env.observation_space, data["reset"]["observation"])
            )
            assert env.call_tool("observe", {})["observation"] == data["reset"]["observation"]
            break
    else:
        pytest.fail("CartPole pushed right should fall within 200 steps")


def test_act_after_an_episode_ended_by_step_starts_a_new_one_first() -> None:
    env = wrap("CartPole-v1", max_episode_steps=1)()
    local = gym.make("CartPole-v1", max_episode_steps=1)
    env.reset(seed=9)
    local.reset(seed=9)
    assert env.step(env.parse_action({"action": 0})).done
    local.step(0)
    local.reset()
    data = strict_json(env.call_tool("act", {"action": 1}).data)
    obs, *_ = local.step(1)
    assert_same_value(obs, decode_value(env.observation_space, data["observation"]))


def test_act_schema_is_the_action_space_schema_and_rejects_bad_arguments() -> None:
    env = wrap("MountainCarContinuous-v0")()
    (act,) = [t for t in env.tools() if t.name == "act"]
    schema = act.input_schema
    jsonschema.validate({"action": [0.5]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": [0.5, 0.1]}, schema)
    assert schema["properties"]["action"]["x-gymnasium-space"]["type"] == "Box"
    with pytest.raises(ToolError) as caught:
        env.call_tool("act", {"action": [3.0]})
    assert caught.value.error_type == "invalid_args" and "Box(-1.0, 1.0, (1,), float32)" in str(
        caught.value
    )
    with pytest.raises(ToolError, match="exactly one argument"):
        env.call_tool("act", {"move": [0.1]})
    with pytest.raises(ToolError) as unknown:
        env.call_tool("teleport", {})
    assert unknown.value.error_type == "tool_not_found"


def test_schemas_validate_what_the_env_sends() -> None:
    env = wrap("envs.gymnasium:envbridge/Courier-v0")()
    observation = strict_json(env.reset(seed=2).observation)
    jsonschema.validate(observation, env.observation_schema())
    action = {"action": {"move": 3, "label": "AB"}}
    jsonschema.validate(action, env.action_schema())
    stepped = strict_json(env.step(env.parse_action(action)).observation)
    jsonschema.validate(stepped, env.observation_schema())


def test_courier_dict_tuple_text_values_round_trip() -> None:
    served = wrap(envs.gymnasium.COURIER_ID, seed=4)()
    local = gym.make(envs.gymnasium.COURIER_ID)
    local_obs, _ = local.reset(seed=4)
    served_obs = decode_value(
        served.observation_space, strict_json(served.reset().observation)["observation"]
    )
    assert_same_value(local_obs, served_obs)
    action = {"move": 2, "label": "HEAD"}
    wire_action = {"action": {"move": 2, "label": "HEAD"}}
    decoded_action = served.parse_action(wire_action)
    assert decoded_action == {"move": np.int64(2), "label": "HEAD"}
    local_obs, *_ = local.step(action)
    served_obs = strict_json(served.step(decoded_action).observation)["observation"]
    assert_same_value(local_obs, decode_value(served.observation_space, served_obs))


def test_rgb_array_frames_travel_as_png() -> None:
    env = wrap(envs.gymnasium.COURIER_ID, render_mode="rgb_array")()
    assert "render" in {t.name for t in env.tools()}
    env.reset(seed=1)
    frame = strict_json(env.call_tool("render", {}))
    assert frame["format"] == "png" and (frame["width"], frame["height"]) == (50, 50)
    assert_same_value(env.env.render(), decode_frame(frame))


def test_render_is_opt_in() -> None:
    env = wrap(envs.gymnasium.COURIER_ID)()
    with pytest.raises(ToolError):
        env.call_tool("render", {})


def test_wrapping_an_instance_serves_it_one_session_at_a_time() -> None:
    instance = gym.make("CartPole-v1")
    factory = wrap(instance)
    assert factory.concurrent_sessions is False
    assert factory().env is instance
    with pytest.raises(TypeError, match="need an env id"):
        wrap(instance, max_episode_steps=3)


def test_a_factory_must_produce_a_gymnasium_env() -> None:
    with pytest.raises(TypeError, match=r"not a gymnasium\.Env"):
        wrap(lambda: object())()


def test_unsupported_spaces_fail_when_the_session_starts() -> None:
    class Strange(gym.spaces.Space):
        pass

    class StrangeEnv(gym.Env):
        observation_space = Strange()
        action_space = gym.spaces.Discrete(2)

    with pytest.raises(TypeError, match="cannot serve space"):
        GymEnvironment(StrangeEnv())
