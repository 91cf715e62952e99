"""The corpus: every task in envs/harbor scores oracle 1.0 and floor below it, on each
backend whose lint verdict allows the task; lint's refusals are exactly the expected ones.

One oracle episode and one do-nothing episode per task and backend
(:func:`envbridge.bridges.harbor.oracle.score_task`).
"""

from __future__ import annotations

import docker
import pytest
from envbridge.bridges.harbor import load_target
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.oracle import score_table, score_task
from envbridge.bridges.harbor.settings import HarborSettings
from envbridge.bridges.harbor.task import load_task, load_tasks

from tests.bridges.harbor.support import (
    SAMPLE_TASK_IDS,
    TASKS_DIR,
    corpus_options,
    harbor_containers,
    harbor_networks,
)

LOCAL_REFUSED: dict[str, set[str]] = {
    "fix-inventory-bug": {"local-run-install"},  # RUN pip install: host Python, no network
    "mcp-notes-sidecar": {"compose-sidecars", "mcp-servers"},  # a sidecar and MCP servers
    "pip-yaml-config-loader": {"local-run-install"},
    "sidecar-kv-store": {"compose-sidecars"},  # one sandbox, no sidecars
    "tb2-primes-uvx": {"verifier-downloads", "host-tool-missing"},  # uvx at verify time
}
"""Tasks the local backend cannot run, and the lint rules that say so beforehand."""

BACKENDS = [
    pytest.param("local", id="local"),
    pytest.param("docker", id="docker", marks=pytest.mark.docker),
]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    if request.param == "docker":
        request.getfixturevalue("base_image")
    else:
        request.getfixturevalue("bwrap_required")
    return request.param


def test_the_corpus_has_the_public_shapes():
    assert len(SAMPLE_TASK_IDS) >= 12, SAMPLE_TASK_IDS


def test_lint_says_beforehand_which_tasks_a_backend_cannot_run(backend):
    settings = HarborSettings(**corpus_options(backend))
    refused = {
        task.id: {finding.rule for finding in errors(lint_task(task, backend, settings))}
        for task in load_tasks(TASKS_DIR)
    }
    refused = {task_id: rules for task_id, rules in refused.items() if rules}
    assert refused == (LOCAL_REFUSED if backend == "local" else {})


@pytest.mark.parametrize("task_id", SAMPLE_TASK_IDS)
def test_oracle_scores_one_and_doing_nothing_scores_below(backend, task_id):
    if backend == "local" and task_id in LOCAL_REFUSED:
        pytest.skip(f"lint refuses {task_id} on the local backend: {LOCAL_REFUSED[task_id]}")
    task = load_task(TASKS_DIR / task_id)
    factory = load_target(str(task.path), corpus_options(backend))
    env = factory()
    try:
        score = score_task(env, task, backend)
    finally:
        env.close()
    assert score.ok, score_table([score]) + f"\n{score.error}"


@pytest.mark.docker
def test_sidecars_live_on_a_private_network_and_leave_with_the_episode(base_image):
    factory = load_target(str(TASKS_DIR / "sidecar-kv-store"), corpus_options("docker"))
    env = factory()
    try:
        env.reset()
        assert len(harbor_containers()) == 2 and len(harbor_networks()) == 1  # main + kv
        seen = env.call_tool("exec", {"command": "getent hosts kv >/dev/null && echo found"})
        assert seen["stdout"] == "found\n"
        client = docker.from_env()
        try:  # an internal network: no route out of it
            assert client.networks.get(harbor_networks()[0]).attrs["Internal"] is True
        finally:
            client.close()
        env.call_tool("submit", {})
        assert harbor_containers() == [] and harbor_networks() == []
        env.reset()
    finally:
        env.close()
    assert harbor_containers() == [] and harbor_networks() == []


def test_current_schema_exec_identity_and_env_isolation(backend):
    """workdir and [agent].user govern exec; [verifier.env]/[solution.env] stay out."""
    factory = load_target(str(TASKS_DIR / "ledger-current-schema"), corpus_options(backend))
    env = factory()
    try:
        observation = env.reset()
        assert (observation.observation["workdir"], observation.observation["agent_user"]) == (
            "/srv/ledger",
            "clerk",
        )
        assert observation.metadata["package"]["name"] == "envbridge/ledger-current-schema"
        probe = 'echo "$PWD|$(id -un)|${LEDGER_EXPECTED-}|${LEDGER_HINT-}|$LEDGER_FILE"'
        result = env.call_tool("exec", {"command": probe})
        assert result["stdout"] == "/srv/ledger|clerk|||/srv/ledger/ledger.csv\n"
        env.call_tool("write_file", {"path": "total.txt", "content": "1250\n"})
        assert env.call_tool("submit", {}).reward == 1.0
    finally:
        env.close()
