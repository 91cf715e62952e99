"""A one-question quiz that lists its tasks over OpenEnv's Task API.

``reset(split="test", index=2)`` poses exactly that task; ``reset(seed=s)`` poses train
task ``s``. Action ``{"answer": int}``; reward 1.0 when right, else 0.0; one step per
episode. In production mode the tools ``question`` and ``answer`` do the same. The
100,000-task ``train`` split is served by ``num_tasks`` + ``get_task`` (``list_tasks``
answers a preview of 100; ``task_range`` pages ``get_task``).
"""

from __future__ import annotations

from typing import Any

from envbridge.spec import Environment, InvalidAction, Observation, Tool, ToolError, ToolResult
from envbridge.spec.tasks import task_selection

from envs.native import quiz_tasks


class QuizEnv(Environment):
    """Answer one arithmetic question per episode."""

    name = "quiz"
    description = "One arithmetic question per episode; the Task API lists the questions."
    blocking = False

    def __init__(self) -> None:
        self.split, self.index = "train", 0

    def list_splits(self) -> list[Any]:
        return list(quiz_tasks.SPLITS)

    def num_tasks(self, split: str) -> int:
        return quiz_tasks.SIZES[split]

    def get_task(self, split: str, index: int) -> Any:
        return quiz_tasks.task(split, index)

    def list_tasks(self, split: str) -> list[Any]:
        return quiz_tasks.listed(split)  # train: a preview; task_range pages get_task

    def reset(self, *, seed=None, episode_id=None, options=None) -> Observation:
        selected = task_selection(options)
        if selected is None:
            selected = ("train", (seed or 0) % quiz_tasks.SIZES["train"])
        self.split, self.index = selected
        spec = quiz_tasks.task(self.split, self.index)
        return Observation({"question": spec["question"], "task_id": spec["id"]})

    def step(self, action: dict[str, Any]) -> Observation:
        value = action.get("answer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAction('the action is {"answer": <int>}')
        right = value == quiz_tasks.answer(self.split, self.index)
        return Observation({"correct": right}, reward=1.0 if right else 0.0, done=True)

    def tools(self) -> list[Tool]:
        answer_schema = {
            "type": "object",
            "properties": {"answer": {"type": "integer"}},
            "required": ["answer"],
        }
        return [
            Tool("question", "The question of this episode and its task id."),
            Tool("answer", "Answer the question (ends the episode).", answer_schema),
        ]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if name == "question":
            spec = quiz_tasks.task(self.split, self.index)
            return {"question": spec["question"], "task_id": spec["id"]}
        if name == "answer":
            try:
                obs = self.step(arguments)
            except InvalidAction as exc:
                raise ToolError(str(exc), "invalid_args") from None
            return ToolResult(obs.observation, reward=obs.reward, done=True)
        raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")

    def action_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"answer": {"type": "integer"}},
            "required": ["answer"],
        }
