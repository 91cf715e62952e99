"""The checks, one module per area; importing this package registers them all.

``AREAS`` is the one list: it fixes the run order (cheap, basic areas first;
robustness last, as a server that fails it may stop answering) and names the module
that registers each area's checks, which is imported from it.
"""

import importlib

AREAS: dict[str, str] = {
    "http": "http",
    "ws": "ws",
    "obs": "observations",
    "errors": "errors",
    "mcp": "mcp",
    "modes": "modes",
    "dialect": "dialect",
    "determinism": "determinism",
    "tasks": "tasks",
    "isolation": "isolation",
    "capacity": "capacity",
    "batch": "batch",
    "latency": "latency",
    "robustness": "robustness",
}
"""Area (the check id's prefix) -> module in this package, in run order."""

for _module in AREAS.values():
    importlib.import_module(f"{__name__}.{_module}")
