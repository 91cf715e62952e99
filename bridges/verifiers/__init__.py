"""The verifiers bridge: serve a classic verifiers environment turn by turn.

``wrap(vf_env)`` returns a session factory for ``envbridge.serve``; ``verifiers:NAME``
(``load_target``) loads an installed environment by name. The trainer supplies each
assistant message through ``step``; verifiers runs its own rollout loop, tools, stop
conditions and rubric (see docs/bridges/verifiers.md).
"""

from envbridge.bridges.verifiers.environment import VerifiersEnvironment
from envbridge.bridges.verifiers.loading import VerifiersFactory, load_target, wrap

__all__ = ["VerifiersEnvironment", "VerifiersFactory", "load_target", "wrap"]
