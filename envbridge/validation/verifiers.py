"""``envbridge validate verifiers:NAME``: each row's reference answer as the oracle.

Every task of every split (or a sample) is played twice through a real session of the
bridge (the same code path the server runs): the oracle replies with the reference
answer, the floor with empty replies, and the env's own rubric scores both. A row whose
reference scores below the rubric's maximum is reported: a broken reward function or a
bad row.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from envbridge.spec.modes import Mode
from envbridge.spec.session import ProtocolError, Session
from envbridge.validation.model import CannotValidate, TaskVerdict
from envbridge.validation.runner import choose, run_jobs


def _load(name: str, options: dict[str, Any]) -> Any:
    from envbridge.bridges.verifiers.loading import load_target

    try:
        return load_target(name, options)
    except (ValueError, RuntimeError) as exc:
        raise CannotValidate(str(exc)) from None


async def _episode(factory: Any, split: str, index: int, replies: list[dict[str, Any]]) -> float:
    session = Session(factory(), Mode.SIMULATION)
    try:
        await session.reset({"split": split, "index": index})
        for reply in replies:
            envelope = await session.step(reply)
            if envelope["done"]:
                return float(envelope["reward"] or 0.0)
        raise RuntimeError(f"the episode did not end within {len(replies)} turns")
    finally:
        await session.close()


async def _score(factory: Any, split: str, index: int) -> TaskVerdict:
    from envbridge.bridges.verifiers.oracle import NoOracle, oracle_plan

    env = factory()
    started = time.monotonic()
    try:
        task = env.get_task(split, index)
        verdict = TaskVerdict(str(task.get("id", index)), split, index, 0.0)
        plan = oracle_plan(env, split, index)
    except NoOracle as exc:
        verdict.why = f"no oracle: {exc}"
        return verdict.judge()
    finally:
        await Session(env, Mode.SIMULATION).close()
    verdict.max_reward = plan.max_reward
    for attr, replies in (("oracle", plan.oracle), ("floor", plan.floor)):
        try:
            setattr(verdict, attr, await _episode(factory, split, index, replies))
        except (ProtocolError, RuntimeError) as exc:
            verdict.why = f"{attr} episode failed: {getattr(exc, 'message', exc)}"
            break
    verdict.seconds = time.monotonic() - started
    return verdict.judge()


def _tasks(factory: Any) -> tuple[list[tuple[str, int]], str]:
    env = factory()
    try:
        splits = env.list_splits()
    except NotImplementedError:
        raise CannotValidate("this verifiers environment lists no tasks") from None
    tasks = [(split, i) for split in splits for i in range(env.num_tasks(split))]
    hasher = hashlib.sha256()
    for split, index in tasks:
        hasher.update(json.dumps(env.get_task(split, index), sort_keys=True, default=str).encode())
    return tasks, hasher.hexdigest()


async def validate_verifiers(
    name: str,
    options: dict[str, Any],
    *,
    sample: int | None,
    seed: int,
    jobs: int,
    split: str | None = None,
    progress: Any = None,
) -> tuple[list[TaskVerdict], int, str]:
    """Verdicts for the (sampled) rows, how many rows there are, and their digest."""
    factory = _load(name, options)
    tasks, digest = _tasks(factory)
    if split is not None:
        tasks = [task for task in tasks if task[0] == split]
        if not tasks:
            raise CannotValidate(f"no split {split!r} (or it is empty)")
    chosen = choose(tasks, sample, seed)
    work = [(lambda s=s, i=i: _score(factory, s, i)) for s, i in chosen]
    return await run_jobs(jobs, work, progress), len(tasks), digest
