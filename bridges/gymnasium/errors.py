"""Errors of the Gymnasium bridge: unsupported spaces and values that do not decode."""

from __future__ import annotations

from typing import Any

SUPPORTED_SPACES = (
    "Box, Discrete, MultiDiscrete, MultiBinary, Text, Tuple, Dict, Sequence, Graph, OneOf"
)


class UnsupportedSpace(TypeError):
    """A gymnasium space (or a part of one) that the wire format cannot describe."""

    def __init__(self, space: Any, reason: str = ""):
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"cannot serve space {space!r} of type {type(space).__name__}{why}; supported "
            f"spaces are {SUPPORTED_SPACES}. Wrap the env with a gymnasium observation/action "
            "wrapper that converts it to one of these."
        )


class SpaceValueError(ValueError):
    """A wire value that does not decode into its space; ``path`` locates the bad part."""

    def __init__(
        self, reason: str, path: tuple[str | int, ...] = (), value: Any = None, root: str = "value"
    ):
        self.reason = reason
        self.path = path
        self.value = value
        self.root = root
        where = "".join(f"[{p!r}]" for p in path)
        super().__init__(f"{root}{where}: {reason}")

    def located(self, *prefix: str | int) -> SpaceValueError:
        """The same error with ``prefix`` prepended to its path."""
        return SpaceValueError(self.reason, (*prefix, *self.path), self.value, self.root)
