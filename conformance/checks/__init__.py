"""The checks, one module per area; importing this package registers them all.

``AREAS`` fixes the run order (cheap, basic areas first; robustness last, as a
server that fails it may stop answering).
"""

from envbridge.conformance.checks import (  # noqa: F401  (importing registers the checks)
    batch,
    capacity,
    determinism,
    dialect,
    errors,
    http,
    isolation,
    latency,
    mcp,
    modes,
    observations,
    robustness,
    tasks,
    ws,
)

AREAS = (
    "http",
    "ws",
    "obs",
    "errors",
    "mcp",
    "modes",
    "dialect",
    "determinism",
    "tasks",
    "isolation",
    "capacity",
    "batch",
    "latency",
    "robustness",
)
