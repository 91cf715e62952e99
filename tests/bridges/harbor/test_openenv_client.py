"""The official OpenEnv client (openenv 0.10.x) plays a harbor task through envbridge."""

from __future__ import annotations

import pytest
from envbridge.bridges.harbor import load_target
from openenv.core.env_server.mcp_types import CallToolAction, ListToolsAction
from openenv.core.mcp_client import MCPToolClient

from tests.bridges.harbor.support import episode_tasks_dir
from tests.helpers import serving


@pytest.fixture(scope="module")
def factory(bwrap_required):
    return load_target(str(episode_tasks_dir()), {"backend": "local"})


def test_mcp_tool_client_solves_a_task_in_simulation(factory):
    with serving(factory) as url, MCPToolClient(base_url=url).sync() as env:
        first = env.reset(task_id="nginx-log-triage")
        assert first.done is False and first.reward is None
        listed = env.step(ListToolsAction())
        assert {tool.name for tool in listed.observation.tools} == {
            "exec", "write_file", "read_file", "submit",
        }  # fmt: skip
        solve = (
            "awk '$9 == 404 {print $1}' /var/log/nginx/access.log | sort | uniq -c | "
            "sort -k1,1nr | head -n1 | awk '{print $2}' > answer.txt"
        )
        ran = env.step(CallToolAction(tool_name="exec", arguments={"command": solve}))
        assert ran.observation.result["data"]["exit_code"] == 0
        graded = env.step(CallToolAction(tool_name="submit", arguments={}))
        assert graded.done is True and graded.reward == 1.0


def test_mcp_tool_client_in_production(factory):
    with serving(factory, mode="production") as url, MCPToolClient(base_url=url).sync() as env:
        assert env.call_tool("exec", command="echo $((6 * 7))")["stdout"] == "42\n"
        with pytest.raises(RuntimeError, match="invalid arguments"):
            env.call_tool("exec", command="true", bogus=1)
        assert env.call_tool("submit")["reward"] == 0.0
