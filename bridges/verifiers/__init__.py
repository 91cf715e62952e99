"""The verifiers bridge: serve a verifiers environment turn by turn.

``wrap(env)`` returns a session factory for ``envbridge.serve`` (a classic
``vf.Environment`` or a v1 ``Taskset``, detected); ``verifiers:NAME`` (``load_target``)
loads an installed environment by name. The trainer supplies each assistant message
through ``step``; verifiers runs its own rollout loop, tools, stop conditions and
scoring (see docs/bridges/verifiers.md).
"""

from envbridge.bridges.verifiers.loading import load_target, wrap

__all__ = ["load_target", "wrap"]
