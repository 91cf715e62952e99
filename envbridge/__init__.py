"""envbridge: the common socket for agentic-RL environments.

Public API: :func:`serve`, :func:`connect` (more arrive with each room).
Heavy ecosystems (gymnasium, verifiers, docker) are never imported here.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("envbridge")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
