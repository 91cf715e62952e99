"""``client.tasks``: OpenEnv's Task API from the client side (async and sync twins).

Works against envbridge servers and servers built with the official OpenEnv library
(plain HTTP, the same calls OpenEnv's own tests make). Errors are normalised across
the two: 501 raises :class:`TasksUnsupported`, 400 :class:`InvalidTask`, 404
:class:`UnknownEnvironment`, whatever body the server sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from envbridge.spec.client import protocol as p
from envbridge.spec.client.http_backends import shared_ssl_context
from envbridge.spec.errors import ConnectionFailed, HttpErrorCode, ServerError

DEFAULT_PAGE_SIZE = 100


class TasksUnsupported(ServerError):
    """The server's environment lists no tasks (HTTP 501)."""


class InvalidTask(ServerError):
    """Unknown split or task index out of range (HTTP 400)."""


class UnknownEnvironment(ServerError):
    """The server serves another environment name (HTTP 404)."""


_BY_STATUS: dict[int, tuple[type[ServerError], HttpErrorCode]] = {
    501: (TasksUnsupported, HttpErrorCode.TASKS_UNSUPPORTED),
    400: (InvalidTask, HttpErrorCode.INVALID_TASK),
    404: (UnknownEnvironment, HttpErrorCode.UNKNOWN_ENVIRONMENT),
}


def _json(response: httpx.Response) -> Any:
    known = _BY_STATUS.get(response.status_code)
    if known is None:
        return p.http_json(response)
    kind, code = known
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = response.text[:200]
    message = detail.get("message", detail) if isinstance(detail, dict) else detail
    raise kind(f"HTTP {response.status_code}: {message}", code, {"detail": detail})


def _pages(count: int, page_size: int) -> list[tuple[int, int]]:
    if page_size < 1:
        raise ValueError(f"page_size must be >= 1, got {page_size}")
    return [(start, min(start + page_size, count)) for start in range(0, count, page_size)]


class AsyncTasks:
    """The Task API of one server: ``await client.tasks.count("train")`` etc."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0, env_name: str | None = None):
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._env_name = env_name
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout_s,
                trust_env=False,
                verify=shared_ssl_context(),
            )
        return self._http

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._client().request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ConnectionFailed(f"{method} {self.base_url}{path} failed: {exc}") from exc
        return _json(response)

    async def environments(self) -> list[str]:
        """``GET /list_environments``."""
        return list(await self._request("GET", "/list_environments"))

    async def env_name(self) -> str:
        """The name used in Task API paths (the server's first environment)."""
        if self._env_name is None:
            names = await self.environments()
            if not names:
                raise UnknownEnvironment(
                    "the server lists no environments", HttpErrorCode.UNKNOWN_ENVIRONMENT
                )
            self._env_name = str(names[0])
        return self._env_name

    async def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        return await self._request("POST", f"/{await self.env_name()}/{endpoint}", body)

    async def splits(self) -> list[dict[str, Any]]:
        """Split descriptors ``[{"name", "type"}]``."""
        return list(await self._request("GET", f"/{await self.env_name()}/splits"))

    async def split_names(self) -> list[str]:
        """Just the split names."""
        return [str(split["name"]) for split in await self.splits()]

    async def count(self, split: str) -> int:
        """The exact number of tasks in ``split``."""
        return int((await self._post("num_tasks", {"split": split}))["num_tasks"])

    async def get(self, split: str, index: int) -> Any:
        """Task ``index`` of ``split``."""
        return (await self._post("task", {"split": split, "index": index}))["task"]

    async def range(
        self, split: str, start: int | None = None, stop: int | None = None
    ) -> list[Any]:
        """``tasks[start:stop]`` (slice rules)."""
        return list(
            (await self._post("task_range", {"split": split, "start": start, "stop": stop}))[
                "tasks"
            ]
        )

    async def list_tasks(self, split: str) -> list[Any]:
        """``POST /{env}/tasks``: every task (servers may answer a preview of a huge split;
        :meth:`count` is exact, :meth:`iter` reaches every task)."""
        return (await self._post("tasks", {"split": split}))["tasks"]

    async def pages(
        self, split: str, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncIterator[list[Any]]:
        """The tasks of ``split`` in pages of ``page_size`` (one request each)."""
        for start, stop in _pages(await self.count(split), page_size):
            yield await self.range(split, start, stop)

    async def iter(self, split: str, page_size: int = DEFAULT_PAGE_SIZE) -> AsyncIterator[Any]:
        """Every task of ``split``, fetched a page at a time."""
        async for page in self.pages(split, page_size):
            for task in page:
                yield task

    async def close(self) -> None:
        """Close the HTTP connection (the client's ``close`` does this too)."""
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()


class SyncTasks:
    """The synchronous twin of :class:`AsyncTasks` (same methods, no ``await``)."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0, env_name: str | None = None):
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._env_name = env_name
        self._http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=self.timeout_s,
                trust_env=False,
                verify=shared_ssl_context(),
            )
        return self._http

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client().request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ConnectionFailed(f"{method} {self.base_url}{path} failed: {exc}") from exc
        return _json(response)

    def environments(self) -> list[str]:
        """``GET /list_environments``."""
        return list(self._request("GET", "/list_environments"))

    def env_name(self) -> str:
        """The name used in Task API paths (the server's first environment)."""
        if self._env_name is None:
            names = self.environments()
            if not names:
                raise UnknownEnvironment(
                    "the server lists no environments", HttpErrorCode.UNKNOWN_ENVIRONMENT
                )
            self._env_name = str(names[0])
        return self._env_name

    def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        return self._request("POST", f"/{self.env_name()}/{endpoint}", body)

    def splits(self) -> list[dict[str, Any]]:
        """Split descriptors ``[{"name", "type"}]``."""
        return list(self._request("GET", f"/{self.env_name()}/splits"))

    def split_names(self) -> list[str]:
        """Just the split names."""
        return [str(split["name"]) for split in self.splits()]

    def count(self, split: str) -> int:
        """The exact number of tasks in ``split``."""
        return int(self._post("num_tasks", {"split": split})["num_tasks"])

    def get(self, split: str, index: int) -> Any:
        """Task ``index`` of ``split``."""
        return self._post("task", {"split": split, "index": index})["task"]

    def range(self, split: str, start: int | None = None, stop: int | None = None) -> list[Any]:
        """``tasks[start:stop]`` (slice rules)."""
        return list(
            self._post("task_range", {"split": split, "start": start, "stop": stop})["tasks"]
        )

    def list_tasks(self, split: str) -> list[Any]:
        """``POST /{env}/tasks`` (may be a preview of a huge split; see :meth:`iter`)."""
        return self._post("tasks", {"split": split})["tasks"]

    def pages(self, split: str, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[list[Any]]:
        """The tasks of ``split`` in pages of ``page_size`` (one request each)."""
        for start, stop in _pages(self.count(split), page_size):
            yield self.range(split, start, stop)

    def iter(self, split: str, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Any]:
        """Every task of ``split``, fetched a page at a time."""
        for page in self.pages(split, page_size):
            yield from page

    def close(self) -> None:
        """Close the HTTP connection (the client's ``close`` does this too)."""
        if self._http is not None:
            http, self._http = self._http, None
            http.close()
