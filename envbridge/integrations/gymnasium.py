"""``make_vec``: a remote ``gymnasium.vector.VectorEnv`` from a serve target, like
``gymnasium.make_vec`` from an env id::

    from envbridge.integrations.gymnasium import make_vec

    envs = make_vec("gym:CartPole-v1", num_envs=16)   # starts `envbridge serve` on loopback
    observations, infos = envs.reset(seed=0)
    ...
    envs.close()                                      # closes the sessions, stops the server

A bare Gymnasium id (``"CartPole-v1"``) means ``gym:CartPole-v1``; a URL uses a running
server (as ``envbridge.connect(url).as_gymnasium_vector(n)`` does).
"""

from __future__ import annotations

from typing import Any

from envbridge.bridges.gymnasium.vector import RemoteVectorEnv
from envbridge.integrations.servers import open_servers


def make_vec(
    target: str | None = None,
    num_envs: int = 1,
    *,
    options: dict[str, Any] | None = None,
    image: str | None = None,
    **vector_kwargs: Any,
) -> RemoteVectorEnv:
    """``num_envs`` sessions of ``target`` as one vector env (one batch frame per step).

    ``options`` go to the target's factory (``{"max_episode_steps": 50}`` for ``gym:``
    targets: ``gym.make`` keyword arguments); ``image=NAME`` starts a Docker image
    instead of a target. ``vector_kwargs``: ``autoreset_mode``, ``copy``.
    """
    if target is not None and "://" not in target and ":" not in target:
        target = f"gym:{target}"
    source = None if image is not None else target
    servers = open_servers(source, image=image, options=options, sessions=num_envs + 1)
    try:
        [url] = servers.urls.values()
        return RemoteVectorEnv(url, num_envs, on_close=servers.close, **vector_kwargs)
    except BaseException:
        servers.close()
        raise
