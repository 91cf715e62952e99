"""A tiny REINFORCE learner (pure Python): a logistic policy over a feature vector.

Enough to make CartPole's return climb visibly in a minute; no numpy, no torch.
"""

from __future__ import annotations

import math
import random


class Reinforce:
    """Policy ``P(action=1 | s) = sigmoid(w·s + b)``; updated once per finished batch of
    episodes with returns-to-go, normalised (mean/std) as the baseline."""

    def __init__(
        self,
        features: int,
        *,
        learning_rate: float = 0.05,
        discount: float = 0.99,
        episodes_per_update: int = 4,
        seed: int = 0,
    ):
        self.weights = [0.0] * (features + 1)
        self.learning_rate = learning_rate
        self.discount = discount
        self.episodes_per_update = episodes_per_update
        self.random = random.Random(seed)
        self._finished: list[list[tuple[list[float], int, float]]] = []

    def probability(self, state: list[float]) -> float:
        """P(action 1 | state)."""
        z = self.weights[-1] + sum(w * s for w, s in zip(self.weights, state, strict=False))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def act(self, state: list[float]) -> int:
        """Sample an action (0 or 1)."""
        return int(self.random.random() < self.probability(state))

    def finish_episode(self, trajectory: list[tuple[list[float], int, float]]) -> None:
        """Record one episode's (state, action, reward) steps; learn every few episodes."""
        self._finished.append(trajectory)
        if len(self._finished) >= self.episodes_per_update:
            self._update()
            self._finished.clear()

    def _update(self) -> None:
        samples: list[tuple[list[float], int, float]] = []
        for trajectory in self._finished:
            future = 0.0
            for state, action, reward in reversed(trajectory):
                future = reward + self.discount * future
                samples.append((state, action, future))
        returns = [g for _, _, g in samples]
        mean = sum(returns) / len(returns)
        std = math.sqrt(sum((g - mean) ** 2 for g in returns) / len(returns)) or 1.0
        gradient = [0.0] * len(self.weights)
        for state, action, future in samples:
            advantage = (future - mean) / std
            error = action - self.probability(state)  # d log pi / d z
            for i, s in enumerate(state):
                gradient[i] += advantage * error * s
            gradient[-1] += advantage * error
        scale = self.learning_rate / len(self._finished)
        self.weights = [w + scale * g for w, g in zip(self.weights, gradient, strict=True)]
