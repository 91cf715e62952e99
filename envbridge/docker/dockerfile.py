"""The Dockerfile of an envbridge image's file system: an offline install stage, then a
final stage that copies one prepared tree onto the base.

Only file-system steps live here; the runtime settings (user, command, health check,
environment, labels) are applied in one commit by :mod:`envbridge.docker.image_config`,
because every metadata step of the classic builder costs seconds on slow storage drivers.
"""

from __future__ import annotations

VENV = "/opt/envbridge"
USER = "envbridge"
USER_ID = 10001
BUILD_STAGE_LABEL = "org.envbridge.build-stage"


def render_dockerfile(*, base: str, build_id: str, with_debs: bool = False) -> str:
    """The Dockerfile text; the context holds ``wheels/``, ``app/`` and maybe ``debs/``.

    The wheels are installed with ``--no-index`` (the build also runs without a
    network) and never reach the final image: only ``/stage`` is copied over.
    """
    unpack_debs = (
        ' \\\n && for deb in /context/debs/*.deb; do dpkg-deb -x "$deb" /stage; done'
        if with_debs
        else ""
    )
    return f"""\
# Written by 'envbridge build'.
FROM {base} AS install
LABEL {BUILD_STAGE_LABEL}={build_id}
COPY . /context
RUN python3 -m venv {VENV} \\
 && {VENV}/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
    --quiet /context/wheels/*.whl \\
 && (id -u {USER} >/dev/null 2>&1 || useradd --uid {USER_ID} --shell /bin/bash {USER}) \\
 && mkdir -p /stage/opt /stage/etc \\
 && cp -a {VENV} /stage/opt/ \\
 && cp -a /etc/passwd /etc/group /etc/shadow /etc/gshadow /stage/etc/ \\
 && install -d -o {USER} -g {USER} /stage/home/{USER} \\
 && cp -a /context/app /stage/app{unpack_debs}

FROM {base}
COPY --from=install /stage /
"""
