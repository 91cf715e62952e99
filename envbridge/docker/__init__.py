"""Docker packaging: the offline base image, image builds, containers (``envbridge[docker]``).

Never imported by ``import envbridge``; docker-py is an optional extra, loaded only when
an engine is contacted.

- :func:`ensure_base_image` — ``envbridge base-image``
- :func:`build_image` — ``envbridge build TARGET -t IMAGE``
- :func:`start_container` — ``envbridge run IMAGE``
- :func:`connect_image` — ``envbridge.connect(image=IMAGE)``
- :func:`run_against_image` — ``envbridge check --image IMAGE``
"""

from envbridge.docker.base_image import DEFAULT_BASE_TAG, ensure_base_image
from envbridge.docker.build import build_image
from envbridge.docker.connect import ImageClient, ImageSyncClient, connect_image
from envbridge.docker.container import RunningContainer, run_against_image, start_container
from envbridge.docker.errors import DockerPackagingError

__all__ = [
    "DEFAULT_BASE_TAG",
    "DockerPackagingError",
    "ImageClient",
    "ImageSyncClient",
    "RunningContainer",
    "build_image",
    "connect_image",
    "ensure_base_image",
    "run_against_image",
    "start_container",
]
