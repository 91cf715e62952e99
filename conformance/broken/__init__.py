"""Deliberately broken servers, one per check: the proof that every check can fail.

See :mod:`envbridge.conformance.broken.family` (``FAMILY``, ``healthy_app``).
"""

from envbridge.conformance.broken.family import FAMILY, BrokenServer, by_target, healthy_app

__all__ = ["FAMILY", "BrokenServer", "by_target", "healthy_app"]
