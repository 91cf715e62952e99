"""envbridge.integrations.trl driven through TRL's calling sequence (tests/integrations/
trl_sequence.py) against real servers: a Gymnasium env, a harbor task folder and a classic
verifiers env (each started from its serve target, as a user would), and the counter."""

from __future__ import annotations

import asyncio
import json
import shutil

import httpx
import pytest
from transformers.utils import get_json_schema

from envbridge.integrations.trl import (
    SimulationRequired,
    environment_factories,
    environment_factory,
)
from envbridge.integrations.trl.signatures import tool_function
from envs.native.counter import CounterEnv
from tests.helpers import ROOT, serving
from tests.integrations.trl_sequence import TrlHarness

HARBOR = str(ROOT / "envs" / "harbor")


@pytest.fixture(scope="module")
def counter_url():
    with serving(CounterEnv) as url:
        yield url


@pytest.fixture(scope="module")
def mixed():
    """One TRL run over three ecosystems: the dict form, each server started from a target."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is missing: run scripts/system-deps.sh")
    factories = environment_factories(
        {
            "cartpole": "gym:CartPole-v1",
            "harbor": environment_factory(
                f"harbor:{HARBOR}", options={"backend": "local"}, name="harbor"
            ),
            "calc": "verifiers:vf-calc",
        }
    )
    yield factories
    factories.close()


def test_tool_schemas_are_get_json_schema_of_our_methods(counter_url):
    with environment_factory(counter_url) as factory:
        harness = TrlHarness(factory)
        schemas = {s["function"]["name"]: s["function"] for s in harness.schemas[None]}
        assert sorted(schemas) == ["add", "echo", "get_count"]
        assert schemas["add"]["parameters"] == {
            "type": "object",
            "properties": {"amount": {"type": "integer", "description": "the amount argument"}},
            "required": ["amount"],
        }
        assert schemas["add"]["description"] == (
            "Add an integer to the count and return the new count."
        )
        assert schemas["get_count"]["parameters"] == {"type": "object", "properties": {}}
        assert harness.reward_types == [factory.env_class]
        assert factory.env_class.__name__ == "counter"


def test_hard_schemas_survive_get_json_schema():
    """Enums, nullable optionals, arrays, nested objects, awkward descriptions."""
    schema = {
        "type": "object",
        "properties": {
            "mode": {"enum": ["fast", "slow"], "description": "how\nfast.  Args: none"},
            "count": {"type": "integer", "minimum": 0, "maximum": 9},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "where": {"type": "object", "properties": {"x": {"type": "number"}}},
            "limit": {"anyOf": [{"type": "number"}, {"type": "null"}], "default": None},
            "flag": {"type": "boolean", "default": True},
        },
        "required": ["mode", "count"],
    }
    function = get_json_schema(
        tool_function("pick", 'Pick things. Returns: a """thing"""', schema, lambda s, a: "")
    )["function"]
    properties = function["parameters"]["properties"]
    assert function["description"] == 'Pick things. Returns - a """thing"""'
    assert properties["mode"] == {
        "type": "string",
        "enum": ["fast", "slow"],
        "description": "how fast. Args - none",
    }
    assert properties["count"]["type"] == "integer"
    assert '"maximum":9' in properties["count"]["description"]  # bounds in words
    assert properties["ids"]["items"] == {"type": "integer"}
    assert properties["where"]["type"] == "object"
    assert '"x"' in properties["where"]["description"]
    assert properties["limit"]["type"] == "number" and properties["limit"]["nullable"] is True
    assert properties["flag"]["type"] == "boolean"
    assert function["parameters"]["required"] == ["mode", "count"]


def test_reset_maps_row_columns_and_returns_text(counter_url):
    with environment_factory(counter_url) as factory:
        env = factory()
        assert json.loads(env.reset(prompt=[{"role": "user", "content": "x"}], seed=3)) == {
            "count": 3,
            "last_delta": 0,
        }
        assert json.loads(env.reset(options={"start": 7}, answer="ignored"))["count"] == 7
        assert env.add(amount=2) == '{"count":9}'
        assert env.get_reward() == 0.0  # tools change the count, but reward only comes from steps


def test_mixed_run_scores_each_ecosystem(mixed):
    """GRPO's sync path over a gym env, a harbor task and a verifiers env in one batch."""
    harness = TrlHarness(mixed)
    tools = {name: sorted(s["function"]["name"] for s in v) for name, v in harness.schemas.items()}
    assert tools == {
        "cartpole": ["act"],
        "harbor": ["exec", "read_file", "submit", "write_file"],
        "calc": ["answer", "calculate"],
    }

    def policy(name, prompt):
        text = prompt[-1]["content"]
        if name == "cartpole":
            return [("act", {"action": 1})] * 4 + [("act", {"action": 5})]
        if name == "harbor":
            content = "Hello, harbor!\n" if "Hello, harbor!" in text else "nope\n"
            return [("write_file", {"path": "/app/greeting.txt", "content": content})]
        assert "17 + 25" in text
        return [("calculate", {"expression": "17 + 25"}), ("answer", {"content": "It is 42."})]

    rows = [
        {
            "environment": "cartpole",
            "prompt": [{"role": "user", "content": "Balance. "}],
            "seed": 1,
        },
        {
            "environment": "harbor",
            "prompt": [{"role": "user", "content": ""}],
            "task_id": "hello-file",
        },
        {"environment": "calc", "prompt": [{"role": "user", "content": ""}], "task_index": 0},
    ]
    cartpole, harbor, calc = harness.run_batch(rows, policy)

    assert cartpole.prompt[-1]["content"].startswith('Balance. {"observation":[')
    assert cartpole.reward == 4.0  # four good steps
    assert cartpole.failures == 1  # action 5 is outside Discrete(2): an error the model sees
    assert "is not in the action space" in cartpole.tool_messages[-1]["content"]

    assert "Hello, harbor!" in harbor.prompt[-1]["content"]
    assert harbor.reward == 1.0  # get_reward ran the task's verifier (submit)

    assert calc.tool_messages[0]["content"] == "42"
    assert "episode is over" in calc.tool_messages[1]["content"]
    assert calc.reward == 1.0  # the rubric's score
    assert [cls.__name__ for cls in harness.reward_types] == ["cartpole", "harbor", "calc"]

    # The same instances again (pooled, reset): a wrong answer scores 0.
    wrong = harness.run_batch(
        [rows[1]], lambda name, prompt: [("write_file", {"path": "greeting.txt", "content": "x"})]
    )
    assert wrong[0].reward == 0.0


def test_async_path_128_rollouts_on_one_loop(counter_url):
    """AsyncGRPO's worker: 128 rollouts in flight, sync tools inline on its event loop."""
    with environment_factory(counter_url) as factory:
        harness = TrlHarness(factory)
        rows = [{"prompt": [{"role": "user", "content": ""}], "seed": i} for i in range(128)]

        def policy(name, prompt):
            start = json.loads(prompt[-1]["content"])["count"]
            return [("add", {"amount": 1}), ("echo", {"message": f"at {start + 1}"})]

        rollouts = asyncio.run(harness.run_async(rows, policy))
        assert sum(r.failures for r in rollouts) == 0
        for i, rollout in enumerate(rollouts):
            assert rollout.tool_messages[1]["content"] == f"at {i % 5 + 1}"
        assert len(factory.env_class._live) == 128


def test_bad_tool_calls_reach_the_model_as_errors(counter_url):
    with environment_factory(counter_url) as factory:
        harness = TrlHarness(factory)
        [rollout] = harness.run_batch(
            [{"prompt": [{"role": "user", "content": ""}]}],
            lambda name, prompt: [
                ("add", {"amount": "two"}),  # the server refuses it
                ("add", {"amount": 1, "extra": 2}),  # Python refuses it
                ("nope", {}),  # no such tool
            ],
        )
        assert rollout.failures == 3
        assert "add takes" in rollout.tool_messages[0]["content"]
        assert "extra" in rollout.tool_messages[1]["content"]


def test_production_servers_are_refused_with_advice():
    with (
        serving(CounterEnv, mode="production") as url,
        pytest.raises(SimulationRequired, match="--mode simulation"),
    ):
        environment_factory(url)


def test_pool_source_and_closing_stops_owned_servers(counter_url):
    from envbridge import SyncPool

    pool = SyncPool()
    pool.add(counter_url, name="a")
    pool.add(counter_url, name="b")
    factories = environment_factories(pool)
    assert sorted(factories) == ["a", "b"]
    factories.close()
    pool.close()

    factory = environment_factory("envs.native.counter:CounterEnv")
    [url] = factory._servers.urls.values()
    env = factory()
    env.reset(seed=1)
    assert httpx.get(f"{url}/health", trust_env=False).status_code == 200
    factory.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/health", trust_env=False, timeout=2)
