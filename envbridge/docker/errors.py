"""The one error type of envbridge's Docker packaging; messages say what to do next."""

from __future__ import annotations


class DockerPackagingError(RuntimeError):
    """Building, starting or checking an image failed; the message explains how to fix it."""
