"""JSON Schema and OpenAPI documents generated from the wire models.

``protocol_json_schema()`` is the schema of every message (docs/protocol.md is generated
from it); ``openapi_document()`` describes one server's HTTP routes for its mode.
"""

from __future__ import annotations

from typing import Any

from envbridge.spec import messages as m
from envbridge.spec.modes import Mode
from envbridge.spec.tasks import TASK_MODELS, TASK_ROUTES
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_TEMPLATE = "#/components/schemas/{model}"

# (method, path, summary, request model, response model, simulation only)
ROUTES: tuple[tuple[str, str, str, type[BaseModel] | None, type[BaseModel], bool], ...] = (
    (
        "get",
        "/health",
        "Liveness: always healthy while the server runs",
        None,
        m.HealthResponse,
        False,
    ),
    (
        "get",
        "/metadata",
        "Environment name, description, version",
        None,
        m.EnvironmentMetadataResponse,
        False,
    ),
    (
        "get",
        "/schema",
        "JSON Schemas of action, observation and state",
        None,
        m.SchemaResponse,
        False,
    ),
    (
        "post",
        "/reset",
        "Reset (stateless unless session_id is given)",
        m.ResetRequest,
        m.ResetResponse,
        True,
    ),
    (
        "post",
        "/step",
        "Step (stateless unless session_id is given)",
        m.StepRequest,
        m.StepResponse,
        True,
    ),
    ("get", "/state", "Episode state (of a named session with ?session_id=)", None, m.State, True),
    (
        "post",
        "/mcp",
        "MCP JSON-RPC 2.0 (OpenEnv dialect, and streamable HTTP after initialize)",
        m.JsonRpcRequest,
        m.JsonRpcResponse,
        False,
    ),
    *TASK_ROUTES,
)


def protocol_json_schema() -> dict[str, Any]:
    """One JSON Schema document defining every wire message under ``$defs``."""
    _, schema = models_json_schema(
        [(model, "validation") for model in (*m.ALL_MODELS, *TASK_MODELS)],
        title="envbridge / OpenEnv wire protocol",
    )
    return schema


def openapi_document(mode: Mode, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a server in ``mode`` (production omits reset/step/state)."""
    models = {model for route in ROUTES for model in (route[3], route[4]) if model}
    models.add(m.HTTPErrorResponse)
    refs, schema = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda x: x.__name__)],
        ref_template=REF_TEMPLATE,
    )
    paths: dict[str, Any] = {}
    for method, path, summary, request, reply, simulation_only in ROUTES:
        if simulation_only and mode is Mode.PRODUCTION:
            continue
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": refs[(reply, "validation")]}},
                },
                "422": {
                    "description": "Validation error",
                    "content": {
                        "application/json": {"schema": refs[(m.HTTPErrorResponse, "validation")]}
                    },
                },
            },
        }
        if request is not None:
            operation["requestBody"] = {
                "required": path == "/step" or path.startswith("/{env_name}"),
                "content": {"application/json": {"schema": refs[(request, "validation")]}},
            }
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": f"OpenEnv-compatible environment server ({mode.value} mode). "
            "WebSocket endpoints: /ws (reset/step/state/mcp frames) and /mcp.",
        },
        "paths": paths,
        "components": {"schemas": schema.get("$defs", {})},
    }
