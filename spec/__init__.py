"""envbridge.spec: the canonical protocol (OpenEnv wire-compatible) and its two ends."""

from envbridge.spec.environment import (
    RESERVED_TOOL_NAMES,
    EnvError,
    Environment,
    EnvironmentMetadata,
    InvalidAction,
    Observation,
    Tool,
    ToolError,
    ToolResult,
)

__all__ = [
    "RESERVED_TOOL_NAMES",
    "EnvError",
    "Environment",
    "EnvironmentMetadata",
    "InvalidAction",
    "Observation",
    "Tool",
    "ToolError",
    "ToolResult",
]
