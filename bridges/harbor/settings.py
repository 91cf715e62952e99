"""Serve-time options of the harbor bridge (``--options`` JSON / ``load_target`` options)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from envbridge.bridges.harbor.backends import BackendName
from pydantic import BaseModel, ConfigDict, Field, field_validator


class HarborSettings(BaseModel):
    """How episodes run; every field has a safe default."""

    model_config = ConfigDict(extra="forbid")

    backend: BackendName = "auto"
    base_images: dict[str, str] = Field(default_factory=dict)
    """FROM image -> local image, e.g. ``{"python:3.12-slim": "envbridge/base:py3"}``."""
    network: bool | Literal["host", "bridge"] = False
    """Give tasks whose network_mode is public a network (off by default); ``True`` is
    Docker's ``bridge``, ``"host"`` the host's (where only the host reaches a mirror)."""
    build_network: Literal["none", "host", "bridge"] = "none"
    """The network docker builds run on (``--build-network``; none by default)."""
    ca_bundle: str | None = None
    """A CA bundle (PEM) builds and sandbox commands trust (``--ca-bundle FILE``)."""
    skip_unsupported: bool = True
    """Serving a folder: leave out (and log) tasks the backend cannot run, instead of
    refusing the whole folder (a single task directory is always refused)."""
    airgap: bool = False
    """Provide what TB2-style verifiers download at run time, offline (``--airgap``)."""
    max_steps: int | None = Field(default=None, ge=1)
    """Tool calls per episode; the last one submits automatically."""
    exec_timeout_s: float = Field(default=60.0, gt=0)
    """Default and upper bound of ``exec``'s ``timeout_s``."""
    output_limit_bytes: int = Field(default=64 * 1024, ge=256)
    """Bytes of stdout (and of stderr) an ``exec`` or ``read_file`` returns."""
    mcp_connect_timeout_s: float = Field(default=60.0, gt=0)
    """How long reset waits for each of a task's MCP servers to answer ``initialize``."""
    pass_env: list[str] = Field(default_factory=list)
    """Server variables a task's ``${VAR}`` may read (``--pass-env``); others are refused."""

    @field_validator("pass_env", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("ca_bundle")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"ca_bundle {value!r} is not a file (give a PEM CA bundle)")
        return value

    @field_validator("base_images", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        """Also accept ``["python:3.12-slim=envbridge/base:py3", ...]``."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            mapping = {}
            for pair in value:
                image, sep, local = str(pair).partition("=")
                if not sep or not image or not local:
                    raise ValueError(f"base image mapping {pair!r} is not IMAGE=LOCAL_IMAGE")
                mapping[image] = local
            return mapping
        return value
