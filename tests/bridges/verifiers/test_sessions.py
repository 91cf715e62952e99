"""Many sessions on one wrapped environment: no interference, nothing leaks."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from envbridge.bridges.verifiers import wrap
from envbridge.bridges.verifiers.loop import rollout_loop
from envbridge.spec import wire
from websockets.sync.client import connect

import envbridge
from tests.helpers import serving

SECRETS = [7, 3, 10, 1, 5, 8]


def rollout_tasks() -> int:
    """Tasks alive on the bridge's rollout loop (rollouts and their waits)."""

    async def count() -> int:
        return len(asyncio.all_tasks()) - 1

    return asyncio.run_coroutine_threadsafe(count(), rollout_loop()).result(timeout=10)


def new_threads(baseline: set[threading.Thread]) -> list[str]:
    """Threads started since ``baseline`` that are still alive."""
    return [thread.name for thread in threading.enumerate() if thread not in baseline]


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def guess_url(guess_env):
    with serving(wrap(guess_env), max_sessions=64) as url:
        yield url


def binary_search(url: str, task_index: int) -> tuple[int, float, int]:
    """Play one game by bisection; return (turns, reward, secret found)."""
    low, high, turns = 1, 10, 0
    with envbridge.connect(url).sync() as client:
        client.reset(task_index=task_index)
        while True:
            guess = (low + high) // 2
            result = client.step({"content": str(guess)})
            turns += 1
            if result.done:
                return turns, result.reward, guess
            if result.observation["messages"][-1]["content"] == "higher":
                low = guess + 1
            else:
                high = guess - 1


def test_concurrent_sessions_do_not_interfere(guess_url):
    baseline = rollout_tasks()
    jobs = [index % len(SECRETS) for index in range(24)]
    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(lambda index: binary_search(guess_url, index), jobs))
    for index, (turns, reward, found) in zip(jobs, outcomes, strict=True):
        assert found == SECRETS[index]
        assert reward == pytest.approx(1 + 0.5 / turns)
    assert wait_for(lambda: rollout_tasks() == baseline)


def test_abandoned_episodes_are_cancelled_and_nothing_leaks(guess_url):
    baseline_tasks = rollout_tasks()
    binary_search(guess_url, 0)  # warm up lazily created pools before counting
    baseline_threads = set(threading.enumerate())
    ws_url = guess_url.replace("http://", "ws://") + "/ws"
    connections = [connect(ws_url) for _ in range(6)]
    for index, ws in enumerate(connections):
        ws.send(wire.encode({"type": "reset", "data": {"task_index": index}}))
        ws.recv(timeout=30)
        ws.send(wire.encode({"type": "step", "data": {"content": "11"}}))
        assert wire.decode(ws.recv(timeout=30))["data"]["done"] is False
    assert rollout_tasks() > baseline_tasks  # six rollouts parked, waiting for the trainer
    for ws in connections[:3]:
        ws.close()
    for ws in connections[3:]:  # vanish without a close frame
        ws.socket.shutdown(socket.SHUT_RDWR)
        ws.socket.close()
    assert wait_for(lambda: rollout_tasks() == baseline_tasks), rollout_tasks()
    assert wait_for(lambda: not new_threads(baseline_threads)), new_threads(baseline_threads)


def test_reset_mid_episode_replaces_the_rollout(guess_url):
    baseline = rollout_tasks()
    with envbridge.connect(guess_url).sync() as client:
        for index in range(4):
            client.reset(task_index=index)
            client.step({"content": "11"})
        assert client.state()["task_index"] == 3
        assert client.state()["turns"] == 1
    assert wait_for(lambda: rollout_tasks() == baseline)
