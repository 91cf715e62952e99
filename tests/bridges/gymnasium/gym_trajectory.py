"""Shared pieces of the trajectory tests: the classic envs, action strategies, comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np
from envbridge.bridges.gymnasium.info import decode_info
from gymnasium import spaces
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.bridges.gymnasium.gym_spaces_strategy import assert_same_value

CLASSIC_ENVS = [
    "CartPole-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Pendulum-v1",
    "Acrobot-v1",
    "FrozenLake-v1",
    "Taxi-v4",
    "CliffWalking-v1",
    "Blackjack-v1",
]

CUSTOM_ENVS = ["envs.gymnasium:envbridge/Courier-v0"]
"""The Dict/Tuple/Text env of envs/gymnasium (importing it registers the id)."""


def actions(space: spaces.Space) -> st.SearchStrategy[Any]:
    """Hypothesis strategy for valid actions (Discrete, Box, Text, Tuple and Dict spaces)."""
    if isinstance(space, spaces.Dict):
        return st.fixed_dictionaries({key: actions(sub) for key, sub in space.spaces.items()})
    if isinstance(space, spaces.Tuple):
        return st.tuples(*(actions(sub) for sub in space.spaces))
    if isinstance(space, spaces.Text):
        alphabet = sorted(space.character_set)
        return st.text(alphabet, min_size=space.min_length, max_size=space.max_length)
    if isinstance(space, spaces.Discrete):
        start = int(space.start)
        return st.integers(start, start + int(space.n) - 1)
    if isinstance(space, spaces.Box):
        elements = st.floats(
            float(space.low.min()), float(space.high.max()), width=space.dtype.itemsize * 8
        )
        return hnp.arrays(space.dtype, space.shape, elements=elements)
    raise NotImplementedError(f"no action strategy for {space}")


def invalid_action(space: spaces.Space) -> Any:
    """A wire action value outside ``space`` (but well formed)."""
    if isinstance(space, spaces.Discrete):
        return int(space.start) + int(space.n) + 5
    if isinstance(space, spaces.Dict):
        return {"not_a_key": 1}
    return (np.asarray(space.high, dtype=np.float64) + 10).tolist()


def canonical(space: spaces.Space, value: Any) -> Any:
    """A local value in the space's own types: Discrete ints become the space's dtype.

    Envs often return plain ``int`` for Discrete observations; on the wire the space's
    dtype (``np.int64``) is what decodes, which is what ``space.sample()`` returns too.
    """
    if isinstance(space, spaces.Discrete):
        return space.dtype.type(value)
    if isinstance(space, spaces.Tuple):
        return tuple(canonical(sub, v) for sub, v in zip(space.spaces, value, strict=True))
    if isinstance(space, spaces.Dict):
        return {key: canonical(sub, value[key]) for key, sub in space.spaces.items()}
    return value


def assert_same_info(local: dict[str, Any], remote: dict[str, Any]) -> None:
    """Info dicts agree: arrays exactly (dtype, shape), numbers by value."""
    assert set(local) == set(remote), (local, remote)
    for key, value in local.items():
        if isinstance(value, np.ndarray):
            assert_same_value(value, remote[key], f"info[{key!r}]")
        else:
            assert value == remote[key], (key, value, remote[key])


def assert_same_step(space: spaces.Space, local: tuple, remote: tuple) -> None:
    """Two ``step`` 5-tuples (or ``reset`` 2-tuples) are identical."""
    assert len(local) == len(remote)
    assert_same_value(canonical(space, local[0]), remote[0], "observation")
    if len(local) == 5:
        assert remote[1] == local[1] and isinstance(remote[1], int | float)
        assert (remote[2], remote[3]) == (bool(local[2]), bool(local[3]))
        assert remote[2] is bool(local[2]) and remote[3] is bool(local[3])
    assert_same_info(local[-1], remote[-1])


def decoded_act(space: spaces.Space, data: dict[str, Any]) -> dict[str, Any]:
    """An ``act`` tool result with observation and info decoded."""
    from envbridge.bridges.gymnasium import decode_value

    out = dict(data)
    out["observation"] = decode_value(space, data["observation"])
    out["info"] = decode_info(data["info"])
    if "reset" in data:
        out["reset"] = {
            "observation": decode_value(space, data["reset"]["observation"]),
            "info": decode_info(data["reset"]["info"]),
        }
    return out
