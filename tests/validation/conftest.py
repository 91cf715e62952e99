"""Fixtures shared with the bridge tests (bubblewrap, the verifiers sample envs)."""

from tests.bridges.harbor.conftest import bwrap_required  # noqa: F401
