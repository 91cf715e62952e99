"""envbridge.pool: one trainer, many servers.

:class:`Pool` (async) and :class:`SyncPool` hold sessions across servers given as URLs,
serve targets, commands or Docker images; they batch a server's sessions on one
connection when it offers the ``batch`` extension, and reconnect after drops.
"""

from envbridge.pool.async_pool import Pool
from envbridge.pool.results import PoolError, PoolResult, PoolStats, ServerStats, SessionLost
from envbridge.pool.sources import ImageSource, ProcessSource, Source, TargetSource, UrlSource
from envbridge.pool.sync_pool import SyncPool
from envbridge.pool.tasks import TaskRef, TaskSampler

__all__ = [
    "ImageSource",
    "Pool",
    "PoolError",
    "PoolResult",
    "PoolStats",
    "ProcessSource",
    "ServerStats",
    "SessionLost",
    "Source",
    "SyncPool",
    "TargetSource",
    "TaskRef",
    "TaskSampler",
    "UrlSource",
]
