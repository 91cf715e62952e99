"""OpenEnv's Task API: wire models, split normalisation and the task view of an env.

OpenEnv 0.10 lets a dataset-backed environment list its tasks (``TaskProvider``:
``list_splits``, ``list_tasks``, ``num_tasks``, ``get_task``, ``get_task_range``) and
start one with ``reset(split=..., index=...)``. This module holds the request and
response bodies of the ``/{env_name}/...`` routes, the normalisation of split
descriptors, and :class:`TaskView`, which fills in the methods an environment left out
(``num_tasks`` from ``list_tasks``, ``get_task_range`` from ``get_task``, ...) so that a
large split can be served by ``num_tasks`` + ``get_task`` alone, without ever being
loaded whole.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

SPLIT_TYPES = frozenset({"train", "validation", "test"})
"""Split names that are their own type; any other plain name has type ``validation``."""

TASK_OPTION_KEYS = ("split", "index")
"""The reset options that select a task."""

# --------------------------------------------------------------------------- wire models


class _TaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListTasksRequest(_TaskBody):
    """Body of ``POST /{env_name}/tasks``."""

    split: str = Field(description="Task split name")


class NumTasksRequest(_TaskBody):
    """Body of ``POST /{env_name}/num_tasks``."""

    split: str = Field(description="Task split name")


class GetTaskRequest(_TaskBody):
    """Body of ``POST /{env_name}/task``."""

    split: str = Field(description="Task split name")
    index: int = Field(description="Task index within the split")


class GetTaskRangeRequest(_TaskBody):
    """Body of ``POST /{env_name}/task_range``: Python slice bounds ``[start, stop)``."""

    split: str = Field(description="Task split name")
    start: int | None = Field(default=None, description="Inclusive start index")
    stop: int | None = Field(default=None, description="Exclusive stop index")


class SplitDescriptor(BaseModel):
    """One entry of ``GET /{env_name}/splits`` (dict splits may carry more keys)."""

    model_config = ConfigDict(extra="allow")

    name: str
    type: str = "validation"


class EnvironmentList(RootModel[list[str]]):
    """``GET /list_environments``: the one env name this server serves."""


class SplitList(RootModel[list[SplitDescriptor]]):
    """``GET /{env_name}/splits``."""


class ListTasksResponse(BaseModel):
    """``POST /{env_name}/tasks``."""

    tasks: list[Any]
    env_name: str


class NumTasksResponse(BaseModel):
    """``POST /{env_name}/num_tasks``."""

    num_tasks: int


class GetTaskResponse(BaseModel):
    """``POST /{env_name}/task``."""

    task: Any


class TaskRangeResponse(BaseModel):
    """``POST /{env_name}/task_range``."""

    tasks: list[Any]


TASK_MODELS: tuple[type[BaseModel], ...] = (
    EnvironmentList,
    SplitDescriptor,
    SplitList,
    ListTasksRequest,
    ListTasksResponse,
    NumTasksRequest,
    NumTasksResponse,
    GetTaskRequest,
    GetTaskResponse,
    GetTaskRangeRequest,
    TaskRangeResponse,
)
"""The Task API models, in documentation order."""

TASK_ROUTES: tuple[tuple[str, str, str, type[BaseModel] | None, type[BaseModel], bool], ...] = (
    ("get", "/list_environments", "Task API: the env name", None, EnvironmentList, False),
    ("get", "/{env_name}/splits", "Task API: split descriptors", None, SplitList, False),
    (
        "post",
        "/{env_name}/tasks",
        "Task API: a split's tasks",
        ListTasksRequest,
        ListTasksResponse,
        False,
    ),
    (
        "post",
        "/{env_name}/num_tasks",
        "Task API: exact task count",
        NumTasksRequest,
        NumTasksResponse,
        False,
    ),
    ("post", "/{env_name}/task", "Task API: one task", GetTaskRequest, GetTaskResponse, False),
    (
        "post",
        "/{env_name}/task_range",
        "Task API: tasks[start:stop]",
        GetTaskRangeRequest,
        TaskRangeResponse,
        False,
    ),
)
"""(method, path, summary, request, response, simulation only), as in ``schema.ROUTES``."""

# ------------------------------------------------------------------------ normalisation


def normalize_split(split: Any) -> dict[str, Any]:
    """A split descriptor as the wire carries it: ``{"name", "type", ...}``.

    Plain strings keep their type when it is train/validation/test and are
    ``validation`` otherwise (OpenEnv's rule); dicts and pydantic models pass as JSON.
    """
    if isinstance(split, str):
        return {"name": split, "type": split if split in SPLIT_TYPES else "validation"}
    if hasattr(split, "model_dump"):
        return dict(split.model_dump(mode="json"))
    if isinstance(split, dict):
        return dict(to_json_value(split))
    return {"name": str(split), "type": "validation"}


def split_name(split: Any) -> str:
    """The name of a split descriptor (a string, dict or model)."""
    return str(normalize_split(split).get("name"))


def to_json_value(value: Any) -> Any:
    """A task spec as JSON: models dumped, dataclasses and plain objects as dicts."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "__dict__"):
        return {k: to_json_value(v) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)


def slice_indices(count: int, start: int | None, stop: int | None) -> range:
    """The indices ``tasks[start:stop]`` covers in a split of ``count`` tasks."""
    return range(*slice(start, stop).indices(count))


# ------------------------------------------------------------------------------ errors


class TasksUnsupported(Exception):
    """The environment offers no tasks (HTTP 501)."""


class TaskLookupError(Exception):
    """Unknown split or index out of range (HTTP 400, reset ``VALIDATION_ERROR``)."""

    def __init__(self, message: str, loc: str):
        super().__init__(message)
        self.loc = loc


# ---------------------------------------------------------------------------- the view


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class TaskView:
    """The complete Task API over an environment that implements part of it.

    An environment may implement ``list_splits`` plus either ``list_tasks`` (small
    splits) or ``num_tasks`` + ``get_task`` (indexable, streamed splits); the view
    derives the rest. ``NotImplementedError`` from a method means "not implemented".
    Synchronous methods run in a worker thread unless the env sets ``blocking = False``.
    Every lookup checks the split name and the index, so an env's own methods are only
    called with a known split and an index in range.
    """

    def __init__(self, env: Any):
        self.env = env
        self._inline = not getattr(env, "blocking", True)

    async def _call(self, name: str, *args: Any) -> Any:
        method = getattr(self.env, name, None)
        if not callable(method):
            raise NotImplementedError(name)
        if inspect.iscoroutinefunction(method) or self._inline:
            return await _maybe_await(method(*args))
        return await _maybe_await(await asyncio.to_thread(method, *args))

    async def splits(self) -> list[dict[str, Any]]:
        """Normalised split descriptors; :class:`TasksUnsupported` when there are none."""
        try:
            raw = await self._call("list_splits")
        except NotImplementedError:
            raise TasksUnsupported("list_splits is not supported for this environment") from None
        if not isinstance(raw, list | tuple):
            raise TypeError(f"list_splits() must return a list, got {type(raw).__name__}")
        return [normalize_split(split) for split in raw]

    async def check_split(self, split: Any) -> str:
        """``split`` when the env has it; :class:`TaskLookupError` otherwise."""
        names = [str(s.get("name")) for s in await self.splits()]
        if not isinstance(split, str) or split not in names:
            raise TaskLookupError(
                f"unknown split {split!r}; this environment has {', '.join(names) or 'none'}",
                "split",
            )
        return split

    async def count(self, split: str) -> int:
        """``num_tasks(split)``, exact; derived from ``list_tasks`` when not implemented."""
        await self.check_split(split)
        return await self._count(split)

    async def _count(self, split: str) -> int:
        try:
            count = await self._call("num_tasks", split)
        except NotImplementedError:
            count = len(await self._list(split))
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TypeError(f"num_tasks() must return an int >= 0, got {count!r}")
        return count

    async def tasks(self, split: str) -> list[Any]:
        """Every task of ``split``."""
        await self.check_split(split)
        return [to_json_value(task) for task in await self._list(split)]

    async def _list(self, split: str) -> list[Any]:
        try:
            return list(await self._call("list_tasks", split))
        except NotImplementedError:
            pass
        try:
            count = await self._call("num_tasks", split)
        except NotImplementedError:
            raise TasksUnsupported(
                "list_tasks is not supported for this environment (implement list_tasks, "
                "or num_tasks and get_task)"
            ) from None
        return [await self._one(split, i) for i in range(count)]

    async def task(self, split: str, index: Any) -> Any:
        """``get_task(split, index)``; :class:`TaskLookupError` when out of range."""
        await self.check_split(split)
        await self.check_index(split, index)
        return to_json_value(await self._one(split, index))

    async def check_index(self, split: str, index: Any) -> int:
        """``index`` when it names a task of ``split`` (no negative indices)."""
        count = await self._count(split)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
            raise TaskLookupError(
                f"Invalid task index {index!r}: split {split!r} has {count} tasks "
                f"(indices 0..{count - 1})",
                "index",
            )
        return index

    async def _one(self, split: str, index: int) -> Any:
        try:
            return await self._call("get_task", split, index)
        except NotImplementedError:
            tasks = list(await self._call("list_tasks", split))
        except IndexError:
            raise TaskLookupError(f"Invalid task index {index!r}", "index") from None
        if not 0 <= index < len(tasks):
            raise TaskLookupError(f"Invalid task index {index!r}", "index")
        return tasks[index]

    async def task_range(self, split: str, start: int | None, stop: int | None) -> list[Any]:
        """``tasks[start:stop]`` (Python slice rules) without loading the whole split
        when the env implements ``get_task_range`` or ``get_task``."""
        await self.check_split(split)
        try:
            chosen = list(await self._call("get_task_range", split, start, stop))
        except NotImplementedError:
            chosen = await self._slice(split, start, stop)
        return [to_json_value(task) for task in chosen]

    async def _slice(self, split: str, start: int | None, stop: int | None) -> list[Any]:
        indices = slice_indices(await self._count(split), start, stop)
        if not indices:
            return []
        try:
            first = await self._call("get_task", split, indices[0])
        except NotImplementedError:
            return list(await self._call("list_tasks", split))[start:stop]
        return [first, *[await self._call("get_task", split, i) for i in indices[1:]]]

    async def check_selection(self, split: Any, index: Any) -> None:
        """Validate a ``reset(split=..., index=...)`` selection."""
        await self.check_split(split)
        await self.check_index(split, index)


def task_selection(options: dict[str, Any] | None) -> tuple[str, int] | None:
    """``(split, index)`` when reset options select a task (the session core has
    already checked both), else None. Bridges call this at the top of ``reset``."""
    if not options or "split" not in options or "index" not in options:
        return None
    return str(options["split"]), int(options["index"])


async def selection_errors(env: Any, options: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Pydantic-style errors for the task a reset selects; none when all is well.

    ``index`` needs ``split``; both are checked against the env's Task API. ``split``
    alone (the env picks a task in it) is checked when the env lists tasks, and left to
    the env otherwise.
    """
    if not options or not any(key in options for key in TASK_OPTION_KEYS):
        return []
    if "split" not in options:
        return [_error("missing", "split", "reset selects a task with split and index", None)]
    view = TaskView(env)
    try:
        if "index" in options:
            await view.check_selection(options["split"], options["index"])
        else:
            await view.check_split(options["split"])
    except TasksUnsupported:
        if "index" not in options:
            return []
        return [
            _error(
                "value_error",
                "index",
                "this environment has no tasks (GET /{env_name}/splits answers 501); reset "
                "without split and index",
                options["index"],
            )
        ]
    except TaskLookupError as exc:
        return [_error("value_error", exc.loc, str(exc), options.get(exc.loc))]
    return []


def _error(kind: str, loc: str, msg: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": [loc], "msg": msg, "input": value}
