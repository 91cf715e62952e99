"""Tasks area: OpenEnv 0.10's Task API (``/list_environments``, ``/{env}/splits`` ...)
and ``reset(split, index)``. Black-box: everything is learnt over the wire.

A server whose env lists no tasks must answer the task routes with 501 (checked by
``tasks.unsupported``); the checks that need tasks then skip. OpenEnv 0.3.x servers have
no Task API at all, so the whole area skips for that dialect.
"""

from __future__ import annotations

from typing import Any

from envbridge.conformance.model import CheckFailed, CheckSkipped, Level
from envbridge.conformance.probe import DIALECT_03, Probe
from envbridge.conformance.registry import conformance_check

RANGES = ((None, None), (1, 3), (-2, None), (0, 1), (3, 1), (None, 100))
"""``task_range`` bounds compared with slices of ``/tasks`` (Python slice rules)."""


def _require_task_api(probe: Probe) -> None:
    if probe.dialect == DIALECT_03:
        raise CheckSkipped("OpenEnv 0.3.x has no Task API (it arrived in 0.10)")


def _json(response: Any, sent: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CheckFailed(
            f"answered non-JSON (status {response.status_code})",
            sent=sent,
            received=response.text[:300],
        ) from None


async def env_name(probe: Probe, *, judge: bool = False) -> str:
    """The first name ``GET /list_environments`` gives (cached). When that route is
    broken only ``tasks.list_environments`` (``judge``) fails; the others skip."""
    _require_task_api(probe)
    if "task_env_name" not in probe.facts:
        response = await probe.get("/list_environments")
        body = _json(response, "GET /list_environments")
        problem = None
        if response.status_code != 200 or not isinstance(body, list) or not body:
            problem = "GET /list_environments must answer 200 with a non-empty list of names"
        elif not all(isinstance(name, str) and name and "/" not in name for name in body):
            problem = "environment names must be non-empty strings without '/'"
        probe.facts["task_env_name"] = None if problem else body[0]
        probe.facts["task_env_problem"] = (problem, response.status_code, body)
    if probe.facts["task_env_name"] is None:
        problem, status, body = probe.facts["task_env_problem"]
        if judge:
            raise CheckFailed(
                problem, sent="GET /list_environments", received={"status": status, "body": body}
            )
        raise CheckSkipped("GET /list_environments is broken (see tasks.list_environments)")
    return str(probe.facts["task_env_name"])


async def splits(probe: Probe) -> list[dict[str, Any]] | None:
    """The split descriptors, or None when the env has no tasks (501)."""
    if "task_splits" not in probe.facts:
        path = f"/{await env_name(probe)}/splits"
        response = await probe.get(path)
        body = _json(response, f"GET {path}")
        if response.status_code == 501:
            probe.facts["task_splits"] = None
        elif response.status_code != 200 or not isinstance(body, list):
            raise CheckFailed(
                f"GET {path} must answer 200 with a list of splits (or 501 without tasks)",
                sent=f"GET {path}",
                received={"status": response.status_code, "body": body},
            )
        else:
            probe.facts["task_splits"] = body
    return probe.facts["task_splits"]


async def _with_tasks(probe: Probe) -> tuple[str, list[str]]:
    found = await splits(probe)
    if found is None:
        raise CheckSkipped("the environment lists no tasks (its Task API answers 501)")
    names = [str(split.get("name")) for split in found if isinstance(split, dict)]
    return await env_name(probe), names


async def _post(probe: Probe, endpoint: str, body: dict[str, Any]) -> tuple[int, Any]:
    path = f"/{await env_name(probe)}/{endpoint}"
    response = await probe.post(path, body)
    return response.status_code, _json(response, {"POST": path, "body": body})


async def _ok(probe: Probe, endpoint: str, body: dict[str, Any], key: str) -> Any:
    status, reply = await _post(probe, endpoint, body)
    if status != 200 or not isinstance(reply, dict) or key not in reply:
        raise CheckFailed(
            f"POST /{{env}}/{endpoint} must answer 200 with {key!r}",
            sent=body,
            received={"status": status, "body": reply},
        )
    return reply[key]


async def _count(probe: Probe, split: str) -> int:
    count = await _ok(probe, "num_tasks", {"split": split}, "num_tasks")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise CheckFailed(
            "num_tasks must be an integer >= 0", sent={"split": split}, received=count
        )
    return count


async def _some_task(probe: Probe) -> tuple[str, int]:
    """A split with tasks and its count (CheckSkipped when every split is empty)."""
    _, names = await _with_tasks(probe)
    for name in names:
        count = await _count(probe, name)
        if count:
            return name, count
    raise CheckSkipped("every split is empty")


@conformance_check(
    "tasks.list_environments",
    Level.SHOULD,
    "GET /list_environments names the environment",
    sends="GET /list_environments",
    expects="200 with a non-empty JSON list of names usable as a path segment",
    rule="OpenEnv 0.10 HTTPEnvServer Task API (served with or without tasks)",
)
async def list_environments(probe: Probe) -> dict[str, Any]:
    return {"env_name": await env_name(probe, judge=True)}


@conformance_check(
    "tasks.splits",
    Level.MUST,
    "GET /{env}/splits gives split descriptors",
    sends="GET /{env}/splits",
    expects='200 with a list of {"name": str, "type": str} (501 when the env has no tasks)',
    rule="OpenEnv 0.10 TaskProvider.list_splits, normalised by the server",
)
async def splits_shape(probe: Probe) -> dict[str, Any]:
    found = await splits(probe)
    if found is None:
        raise CheckSkipped("the environment lists no tasks (501)")
    for split in found:
        if not (
            isinstance(split, dict)
            and isinstance(split.get("name"), str)
            and isinstance(split.get("type"), str)
        ):
            raise CheckFailed(
                'every split must be an object with string "name" and "type"',
                sent="GET /{env}/splits",
                received=found,
            )
    return {"splits": [split["name"] for split in found]}


@conformance_check(
    "tasks.lookup",
    Level.MUST,
    "tasks, num_tasks and task agree",
    sends="POST /{env}/tasks, /num_tasks and /task {split, index} for each split",
    expects='{"tasks": [...], "env_name"}, {"num_tasks": n >= len(tasks)} and task i equal to '
    "tasks[i] (a huge split may list a preview)",
    rule="OpenEnv 0.10 TaskProvider.list_tasks / num_tasks / get_task",
)
async def lookup(probe: Probe) -> dict[str, Any]:
    name, names = await _with_tasks(probe)
    checked = 0
    for split in names:
        count = await _count(probe, split)
        status, listed = await _post(probe, "tasks", {"split": split})
        if (
            status != 200
            or not isinstance(listed, dict)
            or not isinstance(listed.get("tasks"), list)
        ):
            raise CheckFailed(
                "POST /{env}/tasks must answer 200 with a 'tasks' list",
                sent={"split": split},
                received={"status": status, "body": listed},
            )
        if listed.get("env_name") != name:
            raise CheckFailed(
                f"tasks must name the environment ({name!r})",
                sent={"split": split},
                received=listed,
            )
        tasks = listed["tasks"]
        if len(tasks) > count:
            raise CheckFailed(
                f"{len(tasks)} tasks listed but num_tasks says {count}",
                sent={"split": split},
                received=count,
            )
        for index in sorted({0, len(tasks) - 1} - {-1}):
            task = await _ok(probe, "task", {"split": split, "index": index}, "task")
            if task != tasks[index]:
                raise CheckFailed(
                    f"task {index} differs from tasks[{index}]",
                    sent={"split": split, "index": index},
                    received={"task": task, "listed": tasks[index]},
                )
            checked += 1
    return {"tasks_checked": checked}


@conformance_check(
    "tasks.range_slice",
    Level.MUST,
    "task_range is a slice of the split",
    sends="POST /{env}/task_range {split, start, stop} for bounds "
    + ", ".join(f"[{a}:{b}]" for a, b in RANGES),
    expects="exactly tasks[start:stop] (Python slice rules); for a split listed as a preview, "
    "each entry equals /task of its index",
    rule="OpenEnv 0.10 TaskProvider.get_task_range",
)
async def range_slice(probe: Probe) -> dict[str, Any]:
    split, count = await _some_task(probe)
    _, listed = await _post(probe, "tasks", {"split": split})
    tasks = listed.get("tasks") if isinstance(listed, dict) else None
    complete = isinstance(tasks, list) and len(tasks) == count
    for start, stop in RANGES:
        body = {"split": split, "start": start, "stop": stop}
        got = await _ok(probe, "task_range", body, "tasks")
        if complete:
            assert isinstance(tasks, list)
            wanted = tasks[start:stop]
        else:  # a preview: fetch the slice's tasks one by one (small bounds only)
            indices = range(*slice(start, stop).indices(count))
            if len(indices) > 20:
                continue
            wanted = [
                await _ok(probe, "task", {"split": split, "index": i}, "task") for i in indices
            ]
        if got != wanted:
            raise CheckFailed(
                f"task_range[{start}:{stop}] is not the slice tasks[{start}:{stop}]",
                sent=body,
                received={"got": got, "wanted": wanted},
            )
    return {"split": split, "num_tasks": count, "listed_whole": complete}


@conformance_check(
    "tasks.errors",
    Level.MUST,
    "bad Task API requests get 400, 404 and 422",
    sends="task index = num_tasks; an unknown env name; a body without 'split'",
    expects="400, 404 and 422 respectively, each a JSON body with 'detail' (never a 500)",
    rule="OpenEnv 0.10 Task API (IndexError -> 400, _check_env_name -> 404, FastAPI 422)",
)
async def errors(probe: Probe) -> dict[str, Any]:
    split, count = await _some_task(probe)
    name = await env_name(probe)
    cases = [
        (f"/{name}/task", {"split": split, "index": count}, 400),
        (f"/not-{name}/num_tasks", {"split": split}, 404),
        (f"/{name}/task", {"index": 0}, 422),
    ]
    for path, body, wanted in cases:
        response = await probe.post(path, body)
        reply = _json(response, {"POST": path, "body": body})
        if response.status_code != wanted or not isinstance(reply, dict) or "detail" not in reply:
            raise CheckFailed(
                f"expected {wanted} with a 'detail' body",
                sent={"POST": path, "body": body},
                received={"status": response.status_code, "body": reply},
            )
    return {}


@conformance_check(
    "tasks.unsupported",
    Level.MUST,
    "an environment without tasks answers 501",
    sends="GET /{env}/splits and POST /{env}/num_tasks, /tasks, /task, /task_range",
    expects="501 with a JSON 'detail' from each (when the splits route says 501)",
    rule="OpenEnv 0.10 HTTPEnvServer: absent TaskProvider methods -> 501 Not Implemented",
)
async def unsupported(probe: Probe) -> dict[str, Any]:
    if await splits(probe) is not None:
        raise CheckSkipped("the environment lists tasks")
    bodies = {
        "num_tasks": {"split": "train"},
        "tasks": {"split": "train"},
        "task": {"split": "train", "index": 0},
        "task_range": {"split": "train", "start": 0, "stop": 1},
    }
    for endpoint, body in bodies.items():
        status, reply = await _post(probe, endpoint, body)
        if status != 501 or not isinstance(reply, dict) or "detail" not in reply:
            raise CheckFailed(
                f"POST /{{env}}/{endpoint} must answer 501 when there are no tasks",
                sent=body,
                received={"status": status, "body": reply},
            )
    return {}


@conformance_check(
    "tasks.reset_selection",
    Level.MUST,
    "reset(split, index) starts a task; a bad index is VALIDATION_ERROR",
    sends="/ws reset {split, index: 0}, then reset {split, index: num_tasks}, then a valid "
    "reset again",
    expects="an observation; an error frame with code VALIDATION_ERROR (connection kept); "
    "an observation",
    rule="OpenEnv 0.10 TaskProvider: select a task with reset(split=..., index=...)",
)
async def reset_selection(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    split, count = await _some_task(probe)
    async with probe.ws() as ws:
        await ws.reset(split=split, index=0)
        bad = {"type": "reset", "data": {"split": split, "index": count}}
        error = await ws.expect_error(bad)
        if error.get("code") != "VALIDATION_ERROR":
            raise CheckFailed(
                "a task index out of range must be VALIDATION_ERROR", sent=bad, received=error
            )
        await ws.reset(split=split, index=count - 1)
    return {"split": split}


def _comparable(envelope: dict[str, Any]) -> Any:
    observation = {k: v for k, v in (envelope.get("observation") or {}).items() if k != "metadata"}
    return observation, envelope.get("reward"), envelope.get("done")


@conformance_check(
    "tasks.reset_reproducible",
    Level.SHOULD,
    "the same task gives the same first observation",
    sends="/ws reset {split, index} on two fresh sessions, for the first and last task",
    expects="equal observations, rewards and done flags (metadata ignored); skipped when the "
    "server declares itself nondeterministic",
    rule="a task is a fixed start: reset(split, index) is reproducible where the env is",
)
async def reset_reproducible(probe: Probe) -> dict[str, Any]:
    probe.require_simulation()
    if not await probe.deterministic():
        raise CheckSkipped("the server declares itself nondeterministic")
    split, count = await _some_task(probe)
    for index in sorted({0, count - 1}):
        starts = []
        for _ in range(2):
            async with probe.ws() as ws:
                starts.append(_comparable(await ws.reset(split=split, index=index)))
        if starts[0] != starts[1]:
            raise CheckFailed(
                f"two resets onto {split}[{index}] differ",
                sent={"type": "reset", "data": {"split": split, "index": index}},
                received={"first": starts[0], "second": starts[1]},
            )
    return {"split": split}
