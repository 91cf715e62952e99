"""Docker packaging: the offline base image, image builds, containers (``envbridge[docker]``).

Never imported by ``import envbridge``; docker-py is an optional extra.
"""

from envbridge.docker.base_image import DEFAULT_BASE_TAG, ensure_base_image
from envbridge.docker.errors import DockerPackagingError

__all__ = ["DEFAULT_BASE_TAG", "DockerPackagingError", "ensure_base_image"]
