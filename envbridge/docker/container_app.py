"""The ASGI app an envbridge image serves, built from its ``ENVBRIDGE_*`` variables.

The image's command is ``envbridge serve``; this module is the same server as an import
string (``envbridge.docker.container_app:app``) for the ``app`` field of ``openenv.yaml``,
so tools that run ``uvicorn <app>`` (as OpenEnv's providers may) start the same thing.
"""

from __future__ import annotations

import json
import os

from envbridge.docker.variables import MODE_VAR, OPTIONS_VAR, TARGET_VAR
from envbridge.spec.server import EnvServerApp, create_app
from envbridge.targets import resolve_target


def app_from_environment(
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> EnvServerApp:
    """Build the app for the target named in ``environ`` (raise when it names none)."""
    target = environ.get(TARGET_VAR)
    if not target:
        raise RuntimeError(f"set {TARGET_VAR} to a serve target, e.g. gym:CartPole-v1")
    options = json.loads(environ.get(OPTIONS_VAR) or "{}")
    factory = resolve_target(target, options)
    return create_app(factory, mode=environ.get(MODE_VAR, "simulation"))


app = app_from_environment() if os.environ.get(TARGET_VAR) else None
"""Set only inside an image (or wherever ``ENVBRIDGE_TARGET`` is set)."""
