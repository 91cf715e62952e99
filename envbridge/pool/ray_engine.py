"""The Ray engine: a pool's servers as Ray actors spread over a cluster's nodes.

Each replica is one :class:`ServerHost` actor; the actor starts ``envbridge serve TARGET``
(or any server command, or a Docker image on the node's engine) on its node's address and
hands back the URL. The pool then talks to the server directly over WebSocket: Ray places
and watches servers, it never carries a step. When a server's connection drops and its
actor is gone (node lost, actor killed), the source places a new actor on a live node and
the pool reconnects there; the lost episodes come back as ``SessionLost`` results.

Needs the ``envbridge[ray]`` extra, and envbridge (plus the environments' packages)
installed on every node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable
from typing import Any

import ray
from ray.exceptions import RayError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from envbridge.pool.results import PoolError
from envbridge.pool.sources import DEFAULT_START_TIMEOUT_S, Source, UrlSource
from envbridge.spec.client import ConnectionFailed

log = logging.getLogger("envbridge.pool")

DEFAULT_RESOURCES: dict[str, float] = {"CPU": 0.0}
"""A replica asks for no CPU by default: the server mostly waits on sockets, and Ray's
CPU count should stay with the trainer. Pass ``resources={"CPU": 1}`` to reserve one."""
PING_TIMEOUT_S = 3.0
"""An actor that does not answer a ping within this is treated as lost."""
PLACEMENT_SLACK_S = 30.0
"""Time on top of the server's start timeout for Ray to place the actor."""
PLACEMENT_ATTEMPTS = 3
"""Nodes a lost replica tries, one after another, before the pool reports it down."""


class ServerHost:
    """A Ray actor (async) that runs one envbridge server on its node.

    It rebuilds the pool's source from its recipe, points it at the node's address and
    starts it there, so a server on a node behaves exactly as it would locally.
    """

    def __init__(
        self, recipe: tuple[type[Source], dict[str, Any]], name: str, sessions: int,
        start_timeout_s: float, host: str | None,
    ):  # fmt: skip
        cls, kwargs = recipe
        self.source = cls(**kwargs)
        self.source.host = host or ray.util.get_node_ip_address()
        self.source.die_with_parent = True  # a server must not outlive its actor
        self.source.bind(name, sessions, start_timeout_s)

    async def start(self) -> tuple[str, str]:
        """Start the server; return (its URL, this node's id)."""
        url = await self.source.start()
        return url, ray.get_runtime_context().get_node_id()

    async def alive(self) -> bool:
        """Whether the server process (or container) still runs."""
        return self.source.alive

    async def stop(self) -> None:
        """Stop the server (the actor is killed by its source afterwards)."""
        await self.source.stop()


class RayEngine:
    """Places each replica as a :class:`ServerHost` actor (``SPREAD`` over nodes).

    ``address`` is the cluster (``"auto"``, ``"ray://head:10001"``, ...); None joins the
    Ray context this process already has, or starts a local one (shut down with the
    pool). ``host`` overrides the address servers listen on (default: each node's own
    address as Ray knows it). ``init_options`` go to ``ray.init`` when the engine starts
    or joins Ray itself.

    Placement: by default each new replica goes to the live node (with the resources it
    asks for) that holds the fewest of this engine's replicas (a node affinity; a lost
    replica is placed again on another node). Pass any Ray ``scheduling_strategy``
    (``"SPREAD"``, a placement-group strategy, ...) to let Ray place them instead.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        host: str | None = None,
        scheduling_strategy: Any = None,
        init_options: dict[str, Any] | None = None,
    ):
        self.address = address
        self.host = host
        self.scheduling_strategy = scheduling_strategy
        self.init_options = init_options or {}
        self._owns_ray = False
        self._actor_class: Any = None
        self._init_lock = threading.Lock()
        self._replicas_on: dict[str, int] = {}
        """Live replicas of this engine per node id (what balanced placement evens out)."""

    def place(self, source: Source, resources: dict[str, float]) -> Source:
        if isinstance(source, UrlSource):
            raise PoolError(
                f"{source!r} already runs somewhere; the Ray engine places servers it "
                "starts (TargetSource, ProcessSource, ImageSource)"
            )
        return RaySource(source, resources, self)

    def actor_class(self) -> Any:
        """The remote ``ServerHost`` class, joining or starting Ray on first use."""
        with self._init_lock:  # replicas start concurrently, each from its own thread
            return self._actor_class_once()

    def _actor_class_once(self) -> Any:
        if self._actor_class is None:
            if not ray.is_initialized():
                options = {"include_dashboard": False, "log_to_driver": False}
                try:
                    ray.init(address=self.address, **{**options, **self.init_options})
                except Exception as exc:  # Ray raises plain Exceptions on start-up failures
                    ray.shutdown()  # whatever half started
                    where = self.address or "a local Ray"
                    raise PoolError(f"could not start or join {where}: {exc}") from exc
                self._owns_ray = True
            self._actor_class = ray.remote(ServerHost)
        return self._actor_class

    def actor_options(self, resources: dict[str, float], avoid: frozenset[str]) -> dict[str, Any]:
        """``.options(...)`` of one replica's actor: placement and resources."""
        wanted = {**DEFAULT_RESOURCES, **resources}
        strategy = self.scheduling_strategy
        if strategy is None:
            node = self._least_used_node(wanted, avoid)
            strategy = NodeAffinitySchedulingStrategy(node, soft=False) if node else "SPREAD"
        options: dict[str, Any] = {
            "num_cpus": wanted.pop("CPU"),
            "max_restarts": 0,  # the source re-places a lost replica itself
            "scheduling_strategy": strategy,
        }
        if "GPU" in wanted:
            options["num_gpus"] = wanted.pop("GPU")
        if "memory" in wanted:
            options["memory"] = wanted.pop("memory")
        if wanted:
            options["resources"] = wanted
        return options

    def _least_used_node(self, wanted: dict[str, float], avoid: frozenset[str]) -> str | None:
        fits = [
            node["NodeID"]
            for node in ray.nodes()
            if node.get("Alive")
            and node["NodeID"] not in avoid
            and all(node.get("Resources", {}).get(k, 0) >= v for k, v in wanted.items() if v)
        ]
        if not fits:
            return None
        return min(fits, key=lambda node: (self._replicas_on.get(node, 0), node))

    def placed(self, node: str, change: int) -> None:
        """Count a replica placed on (+1) or removed from (-1) ``node``."""
        self._replicas_on[node] = max(0, self._replicas_on.get(node, 0) + change)

    async def close(self) -> None:
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
        self._owns_ray = False
        self._actor_class = None


class RaySource(Source):
    """One replica: a :class:`ServerHost` actor and the server it runs."""

    owned = True

    def __init__(self, source: Source, resources: dict[str, float], engine: RayEngine):
        super().__init__(source.start_timeout_s)
        self.kind = source.kind
        self.inner = source
        source.recipe()  # refuse a source that cannot be rebuilt on a node, now
        self.resources = resources
        self.engine = engine
        self.sessions = 1
        self.actor: Any = None
        self._lock = asyncio.Lock()
        self._last_planned = ""

    def bind(self, name: str, sessions: int, start_timeout_s: float) -> None:
        super().bind(name, sessions, start_timeout_s)
        self.sessions = sessions

    def default_name(self) -> str:
        return self.inner.default_name()

    def __repr__(self) -> str:
        return f"RaySource({self.inner!r})"

    async def start(self, avoid: frozenset[str] = frozenset()) -> str:
        actor_class = await asyncio.to_thread(self.engine.actor_class)
        options = self.engine.actor_options(self.resources, avoid)
        timeout = self.start_timeout_s or DEFAULT_START_TIMEOUT_S
        self.actor = actor_class.options(**options).remote(
            self.inner.recipe(), self.name, self.sessions, timeout, self.engine.host
        )
        planned = getattr(options["scheduling_strategy"], "node_id", "")
        self._last_planned = planned
        if planned:  # count it now, so replicas started together spread out
            self.engine.placed(planned, +1)
        limit = timeout + PLACEMENT_SLACK_S
        try:
            self.url, self.node = await asyncio.wait_for(_wait(self.actor.start.remote()), limit)
        except TimeoutError as exc:
            self.engine.placed(planned, -1)
            await self._kill()
            raise PoolError(
                f"{self.name}: no Ray node started its server within {limit:.0f} s "
                f"(actor options {options}); does a live node have those resources?"
            ) from exc
        except RayError as exc:
            self.engine.placed(planned, -1)
            await self._kill()
            raise PoolError(f"{self.name}: its Ray actor could not start a server: {exc}") from exc
        if planned != self.node:  # Ray chose another node than the one we counted
            self.engine.placed(planned, -1)
            self.engine.placed(self.node, +1)
        return self.url

    async def alive(self) -> bool:
        """Whether the actor answers within :data:`PING_TIMEOUT_S` and its server runs."""
        if self.actor is None:
            return False
        try:
            return bool(await asyncio.wait_for(_wait(self.actor.alive.remote()), PING_TIMEOUT_S))
        except (RayError, TimeoutError):
            return False

    async def revive(self) -> bool:
        """Place the replica again (on a live node) unless its server still runs."""
        async with self._lock:
            if await self.alive():
                return False
            lost_node, started = self.node, time.monotonic()
            await self._kill()
            avoid = {lost_node}
            for attempt in range(PLACEMENT_ATTEMPTS):
                try:
                    await self.start(avoid=frozenset(avoid))
                    break
                except PoolError as exc:
                    if attempt + 1 == PLACEMENT_ATTEMPTS:
                        raise ConnectionFailed(f"could not place {self.name} again: {exc}") from exc
                    avoid.add(self._last_planned)
            log.warning(
                "envbridge pool: %s's server was lost (node %s); placed again on node %s "
                "in %.1f s", self.name, lost_node[:12], self.node[:12], time.monotonic() - started,
            )  # fmt: skip
            return True

    async def stop(self) -> None:
        if self.actor is None:
            return
        with contextlib.suppress(RayError, TimeoutError):
            await asyncio.wait_for(_wait(self.actor.stop.remote()), 15)
        await self._kill()

    async def _kill(self) -> None:
        actor, self.actor = self.actor, None
        if self.node:
            self.engine.placed(self.node, -1)
            self.node = ""
        if actor is not None:
            with contextlib.suppress(RayError, ValueError):
                ray.kill(actor, no_restart=True)


async def _wait(ref: Awaitable[Any]) -> Any:
    """An ObjectRef as a coroutine (``asyncio.wait_for`` wants one)."""
    return await ref


__all__ = ["RayEngine", "RaySource", "ServerHost"]
