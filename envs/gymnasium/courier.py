"""Courier: carry a labelled parcel across a grid and deliver it by writing its label.

Observation (Dict): ``position`` (Box int64 (2,)), ``battery`` (Box float64 scalar),
``parcel`` (Tuple of a Text label and a Discrete weight starting at 1) and ``note``
(Text). Action (Dict): ``move`` (Discrete 5: stay, north, south, east, west) and
``label`` (Text; writing the parcel's label at its destination delivers it).
Reward: +1 on delivery, -0.01 per step otherwise. Terminated on delivery, truncated when
the battery runs out. ``render_mode="rgb_array"`` draws the grid.
"""

from __future__ import annotations

import string
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

SIZE = 5
LETTERS = "ABCDEFGH"
MOVES = np.array([[0, 0], [-1, 0], [1, 0], [0, 1], [0, -1]], dtype=np.int64)
BATTERY_PER_MOVE = 0.05
CELL_PIXELS = 10
NOTE_CHARS = string.ascii_uppercase + string.digits + " ."


class CourierEnv(gym.Env):
    """The courier env (see the module docstring)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None, size: int = SIZE):
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.size = size
        label = spaces.Text(max_length=4, min_length=0, charset=LETTERS)
        self.observation_space = spaces.Dict(
            {
                "position": spaces.Box(0, size - 1, shape=(2,), dtype=np.int64),
                "battery": spaces.Box(0.0, 1.0, shape=(), dtype=np.float64),
                "parcel": spaces.Tuple((label, spaces.Discrete(4, start=1))),
                "note": spaces.Text(max_length=40, min_length=0, charset=NOTE_CHARS),
            }
        )
        self.action_space = spaces.Dict({"move": spaces.Discrete(len(MOVES)), "label": label})
        self._position = np.zeros(2, dtype=np.int64)
        self._destination = np.zeros(2, dtype=np.int64)
        self._label = ""
        self._weight = 1
        self._battery = 1.0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        rng = self.np_random
        self._position = rng.integers(0, self.size, size=2, dtype=np.int64)
        self._destination = rng.integers(0, self.size, size=2, dtype=np.int64)
        self._label = "".join(rng.choice(list(LETTERS), size=int(rng.integers(1, 5))))
        self._weight = int(rng.integers(1, 5))
        self._battery = 1.0
        return self._observation("NEW PARCEL"), self._info(delivered=False)

    def step(self, action: dict[str, Any]) -> tuple[dict[str, Any], float, bool, bool, dict]:
        move = MOVES[int(action["move"])]
        self._position = np.clip(self._position + move, 0, self.size - 1)
        if move.any():
            self._battery = max(0.0, self._battery - BATTERY_PER_MOVE * self._weight)
        at_destination = bool((self._position == self._destination).all())
        delivered = at_destination and action["label"] == self._label
        reward = 1.0 if delivered else -0.01
        truncated = not delivered and self._battery <= 0.0
        note = "DELIVERED" if delivered else ("WRONG LABEL" if at_destination else "")
        return self._observation(note), reward, delivered, truncated, self._info(delivered)

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        grid = np.full((self.size, self.size, 3), 255, dtype=np.uint8)
        grid[tuple(self._destination)] = (40, 160, 40)
        grid[tuple(self._position)] = (200, 40, 40)
        return np.kron(grid, np.ones((CELL_PIXELS, CELL_PIXELS, 1), dtype=np.uint8))

    def _observation(self, note: str) -> dict[str, Any]:
        return {
            "position": self._position.copy(),
            "battery": np.array(self._battery, dtype=np.float64),
            "parcel": (self._label, np.int64(self._weight)),
            "note": f"{note} {self._battery:.2f}".strip(),
        }

    def _info(self, delivered: bool) -> dict[str, Any]:
        distance = int(np.abs(self._position - self._destination).sum())
        return {
            "distance": distance,
            "delivered": delivered,
            "destination": self._destination.copy(),
        }
