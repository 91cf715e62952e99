"""The four actions of a harbor episode, as MCP tools, and their argument checks."""

from __future__ import annotations

import copy
import functools
import posixpath
from typing import Any

from envbridge.spec import Tool, ToolError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ExecArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    command: str = Field(min_length=1, description="a bash command line, run with bash -c")
    timeout_s: float | None = Field(
        default=None, gt=0, description="seconds before the command's process group is killed"
    )

    @field_validator("command")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("command must not contain NUL bytes")
        return value


class WriteFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, description="absolute, or relative to the task's workdir")
    content: str = Field(description="the file's new text (UTF-8)")


class ReadFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, description="absolute, or relative to the task's workdir")


class SubmitArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


ARGUMENTS: dict[str, type[BaseModel]] = {
    "exec": ExecArgs,
    "write_file": WriteFileArgs,
    "read_file": ReadFileArgs,
    "submit": SubmitArgs,
}

_DESCRIPTIONS = {
    "exec": "Run a bash command in the task's sandbox as the agent user; returns stdout, "
    "stderr, exit_code, timed_out, truncated. Each call is a fresh shell (cd/export do not "
    "persist).",
    "write_file": "Create or overwrite a text file in the sandbox as the agent user.",
    "read_file": "Read a text file from the sandbox as the agent user.",
    "submit": "End the episode: run the task's tests and return the reward.",
}


def harbor_tools() -> list[Tool]:
    """Tool descriptions with JSON Schemas generated from the argument models (generated
    once: the session checks the tool list on every call; each caller gets its own copy)."""
    return [
        Tool(name=name, description=_DESCRIPTIONS[name], input_schema=copy.deepcopy(schema))
        for name, schema in _schemas().items()
    ]


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    schemas = {}
    for name, model in ARGUMENTS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        schemas[name] = schema
    return schemas


def parse_arguments(name: str, arguments: dict[str, Any]) -> BaseModel:
    """Validated arguments of tool ``name``; ``ToolError(invalid_args)`` otherwise."""
    try:
        return ARGUMENTS[name].model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ToolError(f"invalid arguments for {name}: {problems}", "invalid_args") from None


def sandbox_path(path: str, workdir: str) -> str:
    """``path`` made absolute against ``workdir``; ``..`` components and NUL are refused."""
    if not path or "\x00" in path:
        raise ToolError("path must be a non-empty string without NUL bytes", "invalid_args")
    if ".." in path.split("/"):
        raise ToolError(
            f"path {path!r} contains '..' (path traversal is refused); give an absolute path "
            "or one relative to the workdir without '..'",
            "invalid_args",
        )
    joined = posixpath.normpath(posixpath.join(workdir, path))
    if joined in ("/", "//"):
        raise ToolError("path must name a file, not /", "invalid_args")
    return joined
