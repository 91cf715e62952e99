"""The Task API routes (OpenEnv 0.10): list splits and tasks under ``/{env_name}/...``.

``GET /list_environments`` -> ``[env_name]``; ``GET /{env_name}/splits``; ``POST
/{env_name}/tasks | num_tasks | task | task_range``. They are served in both modes and
answer from one long-lived discovery env (task methods are side-effect free), built on
first use and closed at shutdown. Errors: 501 no tasks, 400 unknown split or index out
of range, 404 another env name, 422 malformed body — each with a structured ``detail``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from envbridge.spec.errors import HttpErrorCode
from envbridge.spec.server.asgi import Receive, Request, Send, send_error, send_json
from envbridge.spec.server.context import ServerContext
from envbridge.spec.server.http_routes import _FAILED, read_json_body, send_protocol_error
from envbridge.spec.session import ProtocolError, Session, validation_errors
from envbridge.spec.tasks import (
    GetTaskRangeRequest,
    GetTaskRequest,
    ListTasksRequest,
    NumTasksRequest,
    TaskLookupError,
    TasksUnsupported,
    TaskView,
)
from pydantic import BaseModel, ValidationError

log = logging.getLogger("envbridge.server")

Handler = Callable[[Request, Receive, Send, ServerContext], Awaitable[None]]


def public_env_name(name: str) -> str:
    """An env name usable as one URL path segment (runs of other characters -> ``_``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "environment"


class TaskCatalog:
    """The server's discovery env and its public name."""

    def __init__(self, env_name: str | None = None):
        self._env_name = env_name
        self._view: TaskView | None = None
        self._lock = asyncio.Lock()

    async def env_name(self, ctx: ServerContext) -> str:
        """The name in Task API paths: given to ``create_app`` or the env's metadata name."""
        if self._env_name is None:
            self._env_name = public_env_name((await ctx.describe())["metadata"]["name"])
        return self._env_name

    async def view(self, ctx: ServerContext) -> TaskView:
        """The discovery env's task view (built once)."""
        if self._view is None:
            self._view = TaskView(await ctx.registry.build_env())
        return self._view

    async def close(self, ctx: ServerContext) -> None:
        """Close the discovery env, if one was built."""
        if self._view is not None:
            view, self._view = self._view, None
            await Session(view.env, ctx.mode).close()


def catalog(ctx: ServerContext) -> TaskCatalog:
    """The context's catalog (created on first use)."""
    if ctx.tasks is None:
        ctx.tasks = TaskCatalog()
    return ctx.tasks


_ENDPOINTS = ("splits", "tasks", "num_tasks", "task", "task_range")


def routes_for(path: str) -> dict[str, Handler] | None:
    """The Task API handlers for ``path`` (already stripped of a trailing slash)."""
    if path == "/list_environments":
        return {"GET": handle_list_environments}
    parts = path.split("/")
    if len(parts) != 3 or not parts[1] or parts[2] not in _ENDPOINTS:
        return None
    if parts[2] == "splits":
        return {"GET": handle_splits}
    return {"POST": _POST_HANDLERS[parts[2]]}


async def handle_list_environments(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """GET /list_environments."""
    try:
        await send_json(send, 200, [await catalog(ctx).env_name(ctx)])
    except ProtocolError as exc:
        await send_protocol_error(send, exc)


async def handle_splits(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """GET /{env_name}/splits."""
    await _answer(request, send, ctx, lambda view: view.splits())


async def _read(
    model: type[BaseModel], request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> Any:
    body = await read_json_body(request, receive, send, ctx, required=True)
    if body is _FAILED:
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = validation_errors(exc)
        for error in errors:
            error["loc"] = ["body", *error["loc"]]
        await send_error(send, 422, errors)
        return None


async def handle_tasks(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """POST /{env_name}/tasks."""
    body = await _read(ListTasksRequest, request, receive, send, ctx)
    if body is None:
        return

    async def answer(view: TaskView) -> Any:
        return {"tasks": await view.tasks(body.split), "env_name": await catalog(ctx).env_name(ctx)}

    await _answer(request, send, ctx, answer)


async def handle_num_tasks(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """POST /{env_name}/num_tasks."""
    body = await _read(NumTasksRequest, request, receive, send, ctx)
    if body is None:
        return

    async def answer(view: TaskView) -> Any:
        return {"num_tasks": await view.count(body.split)}

    await _answer(request, send, ctx, answer)


async def handle_task(request: Request, receive: Receive, send: Send, ctx: ServerContext) -> None:
    """POST /{env_name}/task."""
    body = await _read(GetTaskRequest, request, receive, send, ctx)
    if body is None:
        return

    async def answer(view: TaskView) -> Any:
        return {"task": await view.task(body.split, body.index)}

    await _answer(request, send, ctx, answer)


async def handle_task_range(
    request: Request, receive: Receive, send: Send, ctx: ServerContext
) -> None:
    """POST /{env_name}/task_range."""
    body = await _read(GetTaskRangeRequest, request, receive, send, ctx)
    if body is None:
        return

    async def answer(view: TaskView) -> Any:
        return {"tasks": await view.task_range(body.split, body.start, body.stop)}

    await _answer(request, send, ctx, answer)


_POST_HANDLERS: dict[str, Handler] = {
    "tasks": handle_tasks,
    "num_tasks": handle_num_tasks,
    "task": handle_task,
    "task_range": handle_task_range,
}


async def _answer(
    request: Request, send: Send, ctx: ServerContext, call: Callable[[TaskView], Awaitable[Any]]
) -> None:
    """Check the env name, run ``call`` on the discovery env, send the answer or error."""
    cat = catalog(ctx)
    try:
        name = await cat.env_name(ctx)
        asked = request.path.strip("/").split("/")[0]
        if asked.lower() != name.lower():
            await send_error(
                send,
                404,
                {
                    "code": HttpErrorCode.UNKNOWN_ENVIRONMENT.value,
                    "message": f"unknown environment {asked!r}; this server serves {name!r} "
                    "(GET /list_environments)",
                },
            )
            return
        async with cat._lock:
            payload = await call(await cat.view(ctx))
    except ProtocolError as exc:
        await send_protocol_error(send, exc)
        return
    except TasksUnsupported as exc:
        code, status, message = HttpErrorCode.TASKS_UNSUPPORTED, 501, str(exc)
    except TaskLookupError as exc:
        code, status, message = HttpErrorCode.INVALID_TASK, 400, str(exc)
    except Exception as exc:
        log.warning("task API call failed on %s", request.path, exc_info=exc)
        await send_error(
            send,
            500,
            {"code": "EXECUTION_ERROR", "message": f"{type(exc).__name__}: {exc}"},
        )
        return
    else:
        await send_json(send, 200, payload)
        return
    await send_error(send, status, {"code": code.value, "message": message})
