"""The protocol's server end: an ASGI app (HTTP, WebSocket, MCP) and ``serve``."""

from envbridge.spec.server.app import EnvServerApp, create_app
from envbridge.spec.server.serve import serve

__all__ = ["EnvServerApp", "create_app", "serve"]
