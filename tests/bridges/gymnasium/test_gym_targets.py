"""Serve targets: gym:ID (with --kwargs) and module:factory products that are gymnasium envs."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import pytest
from envbridge.bridges.gymnasium import GymEnvironment, GymFactory
from envbridge.bridges.gymnasium.remote import RemoteGymEnv

from envbridge.targets import TargetError, resolve_target
from tests.helpers import envbridge_cli, serving, serving_process


def test_gym_prefix_makes_sessions_with_make_kwargs_and_a_seed():
    factory = resolve_target("gym:FrozenLake-v1", {"map_name": "8x8", "seed": 3})
    assert isinstance(factory, GymFactory)
    env = factory()
    assert isinstance(env, GymEnvironment) and env.observation_space == gym.spaces.Discrete(64)
    local = gym.make("FrozenLake-v1", map_name="8x8")
    assert env.reset().observation["observation"] == int(local.reset(seed=3)[0])


def test_the_inline_option_stays_with_the_bridge():
    env = resolve_target("gym:CartPole-v1", {"inline": True, "max_episode_steps": 3})()
    assert env.blocking is False and env.env.spec.max_episode_steps == 3


def test_gym_prefix_accepts_module_qualified_ids():
    factory = resolve_target("gym:envs.gymnasium:envbridge/Courier-v0")
    assert factory().env.spec.id == "envbridge/Courier-v0"


@pytest.mark.parametrize(
    ("target", "options", "words"),
    [
        ("gym:NoSuchEnv-v0", {}, "doesn't exist"),
        ("gym:CartPole-v9", {}, "v9"),
        ("gym:no_such_module:Env-v0", {}, "No module named 'no_such_module'"),
        ("gym:CartPole-v1", {"gravity_well": 3}, "--kwargs ['gravity_well']"),
        ("gym:CartPole-v1", {"seed": "three"}, "seed option must be an integer"),
        ("gym:CartPole-v1", {"inline": "yes"}, "inline option must be true, false or null"),
    ],
)
def test_bad_gym_targets_fail_at_resolution_with_a_hint(target, options, words):
    with pytest.raises(TargetError) as caught:
        resolve_target(target, options)
    assert words in str(caught.value)


def test_module_factory_returning_a_gymnasium_env_class_is_bridged():
    factory = resolve_target("envs.gymnasium.courier:CourierEnv", {"size": 4})
    env = factory()
    assert isinstance(env, GymEnvironment)
    assert env.observation_space["position"].high.tolist() == [3, 3]


def test_module_factory_function_returning_a_gymnasium_env_is_bridged():
    factory = resolve_target("tests.bridges.gymnasium.test_gym_targets:make_taxi")
    assert factory.__name__ == "make_taxi"
    with serving(factory) as url, RemoteGymEnv(url) as env:
        obs, info = env.reset(seed=2)
        assert obs == gym.make("Taxi-v4").reset(seed=2)[0]
        assert info["action_mask"].dtype == "int8"


def make_taxi() -> gym.Env:
    """A module-level factory for the test above."""
    return gym.make("Taxi-v4")


class _OneAtATime:
    """A callable factory object whose attribute the server reads."""

    concurrent_sessions = False

    def __call__(self) -> gym.Env:
        return gym.make("CartPole-v1")


one_at_a_time = _OneAtATime()


def test_adapted_factories_keep_their_attributes():
    factory = resolve_target("tests.bridges.gymnasium.test_gym_targets:one_at_a_time")
    assert factory.concurrent_sessions is False
    assert isinstance(factory(), GymEnvironment)


def test_envbridge_classes_are_left_as_they_are():
    from envs.native.counter import CounterEnv

    assert resolve_target("envs.native.counter:CounterEnv") is CounterEnv


def test_resolving_envbridge_targets_does_not_import_gymnasium():
    code = (
        "import sys; from envbridge.targets import resolve_target; "
        "f = resolve_target('envs.native.counter:CounterEnv'); f(); "
        "print('gymnasium' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="."
    )
    assert out.stdout.strip() == "False"


def test_cli_serves_gym_in_production_mode_for_mcp_clients():
    with serving_process(
        lambda port: envbridge_cli(
            "serve",
            "gym:CartPole-v1",
            "--mode",
            "production",
            "--port",
            str(port),
            "--kwargs",
            '{"seed": 4, "max_episode_steps": 50}',
        )
    ) as url:
        import httpx

        with httpx.Client(base_url=url, trust_env=False, timeout=30) as http:
            created = http.post(
                "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "openenv/session/create"}
            ).json()["result"]
            reply = http.post(
                "/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": 2,
                    "method": "tools/call",
                    "params": {
                        "name": "act",
                        "arguments": {"action": 0},
                        "session_id": created["session_id"],
                    },
                },
            ).json()
            assert http.post("/reset", json={}).status_code == 404
    local = gym.make("CartPole-v1", max_episode_steps=50)
    local.reset(seed=4)
    obs, *_ = local.step(0)
    assert reply["result"]["data"]["observation"] == obs.tolist()


def test_cli_reports_a_bad_gym_id_and_exits_2():
    result = subprocess.run(
        envbridge_cli("serve", "gym:CartPole-v42"), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "CartPole" in result.stderr and "pprint_registry" in result.stderr
