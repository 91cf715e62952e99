"""Where an integration's servers come from: a URL, a serve target, an image or a pool.

:func:`open_servers` turns any of them into base URLs. Servers it starts (a target run
as ``envbridge serve`` on loopback, a Docker image) belong to a private
:class:`~envbridge.SyncPool` that :meth:`Servers.close` stops; the pool also stops them
at interpreter exit if nobody closed it. A pool passed in stays the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envbridge.pool import ImageSource, Pool, SyncPool, TargetSource
from envbridge.pool.results import PoolError

URL_SCHEMES = ("http://", "https://", "ws://", "wss://")


@dataclass
class Servers:
    """Base URLs by server name; ``close`` stops the servers started for them."""

    urls: dict[str, str]
    _owned: SyncPool | None = field(default=None, repr=False)

    def close(self) -> None:
        """Stop the servers started here (idempotent)."""
        owned, self._owned = self._owned, None
        if owned is not None:
            owned.close()


def open_servers(
    source: str | Pool | SyncPool | None = None,
    *,
    image: str | None = None,
    options: dict[str, Any] | None = None,
    sessions: int = 128,
) -> Servers:
    """Base URLs for ``source``, starting servers when needed.

    ``source``: a URL (``http://...``), a serve target (``gym:CartPole-v1``,
    ``harbor:PATH``, ``module:factory``; ``options`` go to its factory), or a
    :class:`~envbridge.Pool` / :class:`~envbridge.SyncPool` (its servers; a sync pool not
    yet launched is launched). ``image=NAME`` starts a Docker image instead. ``sessions``
    sizes a started server's session capacity.
    """
    if (source is None) == (image is None):
        raise TypeError("give a source (URL, serve target or pool) or image=..., exactly one")
    if isinstance(source, SyncPool):
        source.launch()
        return Servers(source.urls())
    if isinstance(source, Pool):
        urls = source.urls()
        if not all(urls.values()):
            raise PoolError(
                "this Pool has not launched its servers yet: `await pool.launch()` first, "
                "or pass an envbridge.SyncPool (launched for you)"
            )
        return Servers(urls)
    if isinstance(source, str) and source.startswith(URL_SCHEMES):
        return Servers({source: source})
    if source is not None and not isinstance(source, str):
        raise TypeError(f"source must be a URL, a serve target or a pool, not {type(source)}")
    owned = SyncPool()
    try:
        if image is not None:
            owned.add(ImageSource(image), sessions=sessions)
        else:
            owned.add(TargetSource(source, options=options), sessions=sessions)
        owned.launch()
    except BaseException:
        owned.close()
        raise
    return Servers(owned.urls(), owned)
