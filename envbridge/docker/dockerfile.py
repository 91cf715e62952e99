"""The Dockerfile of an envbridge image: offline install stage, then a slim non-root stage."""

from __future__ import annotations

import json

from envbridge import __version__
from envbridge.docker.container_app import MODE_VAR, OPTIONS_VAR, TARGET_VAR
from envbridge.docker.manifest import CONTAINER_PORT
from envbridge.docker.target_plan import APP_DIR, SOURCE_DIR, TargetPlan

VENV = "/opt/envbridge"
USER = "envbridge"
USER_ID = 10001
BUILD_STAGE_LABEL = "org.envbridge.build-stage"
TARGET_LABEL = "org.envbridge.target"


def _env_value(value: str) -> str:
    """A double-quoted Dockerfile value; ``$`` escaped so no substitution happens."""
    return json.dumps(value).replace("$", "\\$")


def render_dockerfile(
    plan: TargetPlan,
    *,
    base: str,
    build_id: str,
    mode: str = "simulation",
    options: dict | None = None,
) -> str:
    """The Dockerfile text; the context holds ``wheels/`` and ``app/``."""
    options_json = json.dumps(options or {})
    command = [f"{VENV}/bin/envbridge", "serve", plan.target, "--host", "0.0.0.0"]
    command += ["--port", str(CONTAINER_PORT), "--mode", mode]
    if options:
        command += ["--options", options_json]
    health = (
        "import urllib.request; "
        f"urllib.request.urlopen('http://127.0.0.1:{CONTAINER_PORT}/health', timeout=2)"
    )
    return f"""\
# Written by 'envbridge build'. Stage 1 installs the wheelhouse offline (no index);
# stage 2 copies the virtualenv only, so the wheels never reach the final image.
FROM {base} AS install
LABEL {BUILD_STAGE_LABEL}={build_id}
COPY wheels /wheels
RUN python3 -m venv {VENV} \\
 && {VENV}/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
    --quiet /wheels/*.whl

FROM {base}
RUN id -u {USER} >/dev/null 2>&1 || useradd --create-home --uid {USER_ID} --shell /bin/bash {USER}
COPY --from=install {VENV} {VENV}
COPY app {APP_DIR}
ENV PATH="$PATH:{VENV}/bin" \\
    PYTHONPATH="{SOURCE_DIR}" \\
    PYTHONUNBUFFERED=1 \\
    {TARGET_VAR}={_env_value(plan.target)} \\
    {MODE_VAR}={_env_value(mode)} \\
    {OPTIONS_VAR}={_env_value(options_json)}
WORKDIR {APP_DIR}
USER {USER}
EXPOSE {CONTAINER_PORT}
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \\
  CMD {json.dumps([f"{VENV}/bin/python", "-c", health])}
LABEL {TARGET_LABEL}={_env_value(plan.target)} org.envbridge.version={_env_value(__version__)}
CMD {json.dumps(command)}
"""
