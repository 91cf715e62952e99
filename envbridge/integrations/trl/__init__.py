"""TRL's ``environment_factory`` over envbridge servers (``pip install 'envbridge[trl]'``).

``environment_factory(source)`` gives the no-argument factory ``GRPOTrainer`` and
``AsyncGRPOTrainer`` take; ``environment_factories({"name": source, ...})`` the dict
form routed by a dataset's ``environment`` column. See docs/trainers.md.
"""

from envbridge.integrations.trl.environment import RESET_COLUMNS, EnvbridgeEnvironment, EpisodeOver
from envbridge.integrations.trl.factory import (
    EnvironmentFactories,
    EnvironmentFactory,
    environment_factories,
    environment_factory,
)
from envbridge.integrations.trl.shape import ServerShape, SimulationRequired

__all__ = [
    "RESET_COLUMNS",
    "EnvbridgeEnvironment",
    "EnvironmentFactories",
    "EnvironmentFactory",
    "EpisodeOver",
    "ServerShape",
    "SimulationRequired",
    "environment_factories",
    "environment_factory",
]
