""":class:`BaseClient`: what both twins share that is not I/O (httpx's ``BaseClient``).

Constructor checks, the settings, the transport object and the request-building core;
:class:`~envbridge.spec.client.AsyncClient` and :class:`~envbridge.spec.client.SyncClient`
add only the methods that send (with or without ``await``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from envbridge.spec.client import protocol as p
from envbridge.spec.client.core import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_TIMEOUT_S,
    ClientCore,
    HttpSession,
    Settings,
    check_transport,
)


class BaseClient:
    """Settings, core and transport of one client (see the twins for the methods)."""

    _ws_transport: ClassVar[Any]
    _http_transport: ClassVar[Any]

    def __init__(
        self,
        url: str,
        *,
        transport: Any = "ws",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        session_id: str | None = None,
    ):
        check_transport(transport)
        self.settings = Settings(
            p.base_http_url(url), timeout_s, connect_timeout_s, max_message_bytes
        )
        self._core = ClientCore()
        self._http_session: HttpSession | None = None
        if transport == "ws":
            self._transport = self._ws_transport(self.settings, session_id)
        elif transport == "http":
            self._http_session = HttpSession(session_id, self._core.ids)
            self._transport = self._http_transport(self.settings, self._http_session)
        else:
            self._transport = transport
        self.transport: str = transport if isinstance(transport, str) else "custom"
        """``"ws"``, ``"http"``, or ``"custom"`` for a transport object."""
        self._session_id = session_id

    @property
    def base_url(self) -> str:
        """``http(s)://host:port[/prefix]`` of the server."""
        return self.settings.base_url

    @property
    def timeout_s(self) -> float:
        """Seconds to wait for a reply."""
        return self.settings.timeout_s

    @property
    def connect_timeout_s(self) -> float:
        """Seconds to wait for a connection."""
        return self.settings.connect_timeout_s

    @property
    def max_message_bytes(self) -> int:
        """Largest reply accepted over WebSocket."""
        return self.settings.max_message_bytes

    @property
    def session_id(self) -> str | None:
        """WS: the session attached to (``/ws?session_id=``). HTTP: the named session."""
        if self._http_session is not None:
            return self._http_session.id
        return self._session_id

    def _settings_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that build a twin with the same settings."""
        if self.transport == "custom":
            raise TypeError("a client built on a transport object has no twin; build one")
        return {
            "transport": self.transport,
            "timeout_s": self.timeout_s,
            "connect_timeout_s": self.connect_timeout_s,
            "max_message_bytes": self.max_message_bytes,
            "session_id": self.session_id,
        }

    def as_gymnasium(self, render_mode: str | None = None) -> Any:
        """A real ``gymnasium.Env`` over this server (needs ``envbridge[gymnasium]``).

        Its ``action_space`` / ``observation_space`` are rebuilt from the server's spaces,
        so existing Gymnasium code runs unchanged against the remote env.
        """
        try:
            from envbridge.bridges.gymnasium.remote import RemoteGymEnv
        except ImportError as exc:
            raise ImportError(
                f"as_gymnasium() needs gymnasium: pip install 'envbridge[gymnasium]' ({exc})"
            ) from exc
        return RemoteGymEnv(self, render_mode=render_mode)

    def as_gymnasium_vector(self, num_envs: int, **kwargs: Any) -> Any:
        """A real ``gymnasium.vector.VectorEnv``: ``num_envs`` sessions, one batch frame per step.

        Same hook as :meth:`as_gymnasium`; ``autoreset_mode`` and ``copy`` as in
        ``gymnasium.vector.SyncVectorEnv`` (see ``envbridge.bridges.gymnasium.vector``).
        """
        try:
            from envbridge.bridges.gymnasium.vector import RemoteVectorEnv
        except ImportError as exc:
            raise ImportError(
                f"as_gymnasium_vector() needs gymnasium: pip install 'envbridge[gymnasium]' ({exc})"
            ) from exc
        return RemoteVectorEnv(self, num_envs, **kwargs)
