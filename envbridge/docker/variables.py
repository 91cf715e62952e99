"""The environment variables an envbridge image sets for its server."""

TARGET_VAR = "ENVBRIDGE_TARGET"
"""The serve target, as the server inside the image resolves it."""
MODE_VAR = "ENVBRIDGE_MODE"
"""``simulation`` or ``production``."""
OPTIONS_VAR = "ENVBRIDGE_OPTIONS"
"""JSON object of keyword arguments for the target's factory."""
