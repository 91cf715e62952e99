"""The Gymnasium bridge: any gymnasium.Env as an OpenEnv server, spaces and all.

``wrap("CartPole-v1")`` gives a session factory for ``envbridge.serve``; ``gym:ID`` serve
targets resolve through :func:`load_target`. Space descriptions, the value codec and the
JSON Schemas are public so clients can rebuild spaces and values exactly.
"""

from envbridge.bridges.gymnasium.codec import decode_value, encode_value
from envbridge.bridges.gymnasium.environment import GymEnvironment
from envbridge.bridges.gymnasium.errors import SpaceValueError, UnsupportedSpace
from envbridge.bridges.gymnasium.schema import space_schema
from envbridge.bridges.gymnasium.spaces import build_space, describe_space
from envbridge.bridges.gymnasium.wrapping import GymFactory, load_target, wrap

__all__ = [
    "GymEnvironment",
    "GymFactory",
    "SpaceValueError",
    "UnsupportedSpace",
    "build_space",
    "decode_value",
    "describe_space",
    "encode_value",
    "load_target",
    "space_schema",
    "wrap",
]
