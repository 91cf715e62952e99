"""The sample quiz written with the official OpenEnv library (openenv 0.10.x).

Holds exactly the tasks of envbridge's quiz (``envs.native.quiz_tasks``), so tests can
compare the two servers' Task API answers. Serve with
``uvicorn envs.openenv_native.quiz_app:app``.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.types import Action, Observation, State

from envs.native import quiz_tasks


class QuizAction(Action):
    """The answer to the question."""

    answer: int


class QuizObservation(Observation):
    """The question (after reset) or whether the answer was right (after step)."""

    question: str = ""
    task_id: str = ""
    correct: bool | None = None


class QuizEnv(Environment):
    """One arithmetic question per episode; a TaskProvider over the quiz tasks."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._state = State(episode_id=str(uuid4()), step_count=0)
        self.split, self.index = "train", 0

    def list_splits(self) -> list[Any]:
        return list(quiz_tasks.SPLITS)

    def list_tasks(self, split: str) -> list[Any]:
        return quiz_tasks.listed(split)

    def num_tasks(self, split: str) -> int:
        return quiz_tasks.SIZES[split]

    def get_task(self, split: str, index: int) -> Any:
        return quiz_tasks.task(split, index)

    def get_task_range(self, split: str, start: int | None = None, stop: int | None = None):
        indices = range(*slice(start, stop).indices(quiz_tasks.SIZES[split]))
        return [quiz_tasks.task(split, i) for i in indices]

    def reset(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        split: str | None = None,
        index: int | None = None,
        **_: Any,
    ) -> QuizObservation:
        if split is None or index is None:
            split, index = "train", (seed or 0) % quiz_tasks.SIZES["train"]
        self.split, self.index = split, index
        spec = quiz_tasks.task(split, index)
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return QuizObservation(question=spec["question"], task_id=spec["id"])

    def step(self, action: QuizAction, **_: Any) -> QuizObservation:
        right = action.answer == quiz_tasks.answer(self.split, self.index)
        self._state.step_count += 1
        return QuizObservation(correct=right, reward=1.0 if right else 0.0, done=True)

    @property
    def state(self) -> State:
        return self._state


app = create_app(QuizEnv, QuizAction, QuizObservation, env_name="quiz", max_concurrent_envs=8)
