"""``RemoteGymEnv``: a real ``gymnasium.Env`` whose dynamics run on an envbridge server.

Existing Gymnasium code runs unchanged against a served env::

    env = RemoteGymEnv("http://127.0.0.1:8000")      # or RemoteGymEnv(client)
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())

The spaces are rebuilt exactly from the server's descriptions (the ``spaces`` tool);
values decode with their dtypes and shapes. Needs a simulation-mode server (production
servers have no reset/step on the wire: drive them with the ``act`` tool instead).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
from envbridge.bridges.gymnasium.codec import decode_value, encode_value
from envbridge.bridges.gymnasium.frames import decode_frame
from envbridge.bridges.gymnasium.info import decode_info
from envbridge.bridges.gymnasium.spaces import build_space
from envbridge.spec.client import AsyncClient, SyncClient


class RemoteGymEnv(gym.Env):
    """A ``gymnasium.Env`` backed by one session of a bridged Gymnasium server.

    ``client_or_url``: a server URL, an envbridge ``SyncClient`` (used as is, and closed
    by :meth:`close`), or an ``AsyncClient`` (its settings open a new blocking
    connection). ``render_mode="rgb_array"`` fetches frames from the server's ``render``
    tool (the server env must have been made with ``render_mode="rgb_array"``).
    """

    def __init__(
        self, client_or_url: str | SyncClient | AsyncClient, render_mode: str | None = None
    ):
        self.client = as_sync_client(client_or_url)
        try:
            tools = {tool.name for tool in self.client.list_tools()}
            if "spaces" not in tools:
                raise TypeError(
                    f"{self.client.base_url} does not serve a Gymnasium env (no 'spaces' tool); "
                    "serve one with: envbridge serve gym:ENV_ID"
                )
            described = self.client.call_tool("spaces")
            self.action_space = build_space(described["action_space"])
            self.observation_space = build_space(described["observation_space"])
            modes = ["rgb_array"] if "render" in tools else []
            if render_mode is not None and render_mode not in modes:
                raise ValueError(
                    f"render_mode {render_mode!r} is not offered by {self.client.base_url} "
                    f"(offered: {modes}); serve the env with --kwargs "
                    '\'{"render_mode": "rgb_array"}\''
                )
        except BaseException:
            self.client.close()
            raise
        self.metadata = {"render_modes": modes, "render_fps": described.get("render_fps")}
        self.render_mode = render_mode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the remote env (``seed`` and ``options`` travel to it)."""
        super().reset(seed=seed)  # also seeds self.np_random, the agent-side generator
        extra = {"options": options} if options else {}
        result = self.client.reset(seed=seed, **extra)
        return self._decode(result.observation)

    def step(self, action: Any) -> tuple[Any, float | int, bool, bool, dict[str, Any]]:
        """Send ``action`` (any element of the action space) and return the 5-tuple."""
        try:
            wire_action = encode_value(self.action_space, action)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise ValueError(
                f"action {action!r} does not fit the action space {self.action_space!r}: {exc}"
            ) from exc
        result = self.client.step({"action": wire_action})
        observation, info = self._decode(result.observation)
        reward = math.nan if result.reward is None else result.reward  # null = NaN/inf
        return (
            observation,
            reward,
            bool(result.observation["terminated"]),
            bool(result.observation["truncated"]),
            info,
        )

    def render(self) -> Any:
        """The server's current frame as an ``(H, W, 3|4)`` uint8 array (rgb_array mode)."""
        if self.render_mode != "rgb_array":
            return None
        return decode_frame(self.client.call_tool("render"))

    def close(self) -> None:
        """End the remote session (safe to call twice)."""
        self.client.close()

    def _decode(self, observation: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        value = decode_value(self.observation_space, observation["observation"])
        return value, decode_info(observation.get("info") or {})


def as_sync_client(client_or_url: str | SyncClient | AsyncClient) -> SyncClient:
    if isinstance(client_or_url, SyncClient):
        return client_or_url
    if isinstance(client_or_url, AsyncClient):
        return client_or_url.sync()
    if isinstance(client_or_url, str):
        return SyncClient(client_or_url)
    raise TypeError(f"expected a server URL or an envbridge client, not {type(client_or_url)}")
