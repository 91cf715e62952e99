"""Run a validation job per task, ``jobs`` at a time, reporting each as it finishes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from envbridge.validation.model import TaskVerdict

T = TypeVar("T")


def choose(items: Sequence[T], sample: int | None, seed: int) -> list[T]:
    """All ``items``, or ``sample`` of them chosen with ``random.Random(seed)`` (in order)."""
    if sample is None or sample >= len(items):
        return list(items)
    if sample < 1:
        raise ValueError(f"--sample must be >= 1, got {sample}")
    picked = sorted(random.Random(seed).sample(range(len(items)), sample))
    return [items[i] for i in picked]


async def run_jobs(
    jobs: int,
    work: Sequence[Callable[[], Awaitable[TaskVerdict]]],
    progress: Callable[[int, int, TaskVerdict], None] | None = None,
) -> list[TaskVerdict]:
    """Run every job, at most ``jobs`` at once; verdicts in the order given."""
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    gate = asyncio.Semaphore(jobs)
    done = 0

    async def one(job: Callable[[], Awaitable[TaskVerdict]]) -> TaskVerdict:
        nonlocal done
        async with gate:
            verdict = await job()
        done += 1
        if progress is not None:
            progress(done, len(work), verdict)
        return verdict

    return list(await asyncio.gather(*(one(job) for job in work)))
