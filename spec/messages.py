"""Every OpenEnv wire message as a pydantic model.

These models are the protocol's single source of truth: the JSON Schema and OpenAPI
documents (:mod:`envbridge.spec.schema`) and ``docs/protocol.md`` are generated from
them. Field names, defaults and ``extra`` policies follow OpenEnv 0.10.x, which reads
0.3.x traffic unchanged; envbridge's own extensions are marked "extension".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from envbridge.spec.errors import WSErrorCode
from pydantic import BaseModel, ConfigDict, Field

JSONObject = dict[str, Any]

# --------------------------------------------------------------------------- HTTP bodies


class ResetRequest(BaseModel):
    """Body of ``POST /reset``; may be empty. Unknown keys go to the env as options."""

    model_config = ConfigDict(extra="allow")

    seed: Annotated[int, Field(ge=0)] | None = None
    episode_id: Annotated[str, Field(max_length=255)] | None = None
    session_id: Annotated[str, Field(max_length=255)] | None = Field(
        default=None,
        description="Extension: name a session to make HTTP stateful (created on first use).",
    )


class StepRequest(BaseModel):
    """Body of ``POST /step``."""

    model_config = ConfigDict(extra="allow")

    action: JSONObject
    timeout_s: Annotated[float, Field(gt=0)] | None = None
    request_id: Annotated[str, Field(max_length=255)] | None = None
    session_id: Annotated[str, Field(max_length=255)] | None = Field(
        default=None, description="Extension: step this named session instead of a fresh env."
    )


class ObservationEnvelope(BaseModel):
    """The observation envelope, shared by HTTP responses and WS ``observation`` replies.

    0.10.x puts ``metadata`` inside ``observation`` and, when non-empty, beside it.
    """

    observation: JSONObject
    reward: float | int | bool | None = None
    done: bool = False
    metadata: JSONObject | None = None


class ResetResponse(ObservationEnvelope):
    """Response of ``POST /reset`` (reward coerced to float over HTTP)."""

    model_config = ConfigDict(extra="forbid")
    reward: float | None = None


class StepResponse(ResetResponse):
    """Response of ``POST /step``."""


class State(BaseModel):
    """``GET /state`` and WS ``state`` replies: base fields plus env-specific ones."""

    model_config = ConfigDict(extra="allow")

    episode_id: str | None = None
    step_count: Annotated[int, Field(ge=0)] = 0


class HealthResponse(BaseModel):
    """``GET /health``."""

    status: Literal["healthy", "unhealthy", "degraded"] = "healthy"


class EnvironmentMetadataResponse(BaseModel):
    """``GET /metadata``."""

    name: str
    description: str
    readme_content: str | None = None
    version: str | None = None
    author: str | None = None
    documentation_url: str | None = None
    extensions: JSONObject | None = Field(
        default=None,
        description="Extension: protocol extensions this server offers (e.g. batch stepping).",
    )


class SchemaResponse(BaseModel):
    """``GET /schema``: JSON Schemas of action, observation and state (0.10.x adds
    ``reset_observation``)."""

    model_config = ConfigDict(extra="allow")

    action: JSONObject
    observation: JSONObject
    state: JSONObject
    reset_observation: JSONObject | None = None


class HTTPErrorResponse(BaseModel):
    """Error body of HTTP routes: FastAPI-style ``detail`` (a list for 422)."""

    detail: list[JSONObject] | JSONObject | str


# --------------------------------------------------------------------- WebSocket frames


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WSResetMessage(_Frame):
    """``{"type":"reset","data":{seed?, episode_id?, ...options}}``."""

    type: Literal["reset"]
    data: JSONObject = Field(default_factory=dict)


class WSStepMessage(_Frame):
    """``{"type":"step","data":<action>}``; ``data`` is the action object itself."""

    type: Literal["step"]
    data: JSONObject


class WSStateMessage(_Frame):
    """``{"type":"state"}``; carries no ``data``."""

    type: Literal["state"]


class WSCloseMessage(_Frame):
    """``{"type":"close"}``; no reply, the server closes with 1000."""

    type: Literal["close"]


class WSMCPMessage(_Frame):
    """``{"type":"mcp","data":<JSON-RPC request>}`` against this session's env."""

    type: Literal["mcp"]
    data: JSONObject


WSIncoming = Annotated[
    WSResetMessage | WSStepMessage | WSStateMessage | WSCloseMessage | WSMCPMessage,
    Field(discriminator="type"),
]
"""Any client-to-server frame OpenEnv defines."""


class WSObservationResponse(_Frame):
    """Reply to reset and step."""

    type: Literal["observation"] = "observation"
    data: ObservationEnvelope


class WSStateResponse(_Frame):
    """Reply to state."""

    type: Literal["state"] = "state"
    data: State


class WSMCPResponse(_Frame):
    """Reply to an mcp frame."""

    type: Literal["mcp"] = "mcp"
    data: JSONObject


class WSErrorData(BaseModel):
    """Error payload; codes may add extras (``errors``, ``active_sessions``, ...)."""

    model_config = ConfigDict(extra="allow")

    message: str
    code: WSErrorCode


class WSErrorResponse(_Frame):
    """``{"type":"error","data":{"message","code",...}}``."""

    type: Literal["error"] = "error"
    data: WSErrorData


class BatchOpenData(BaseModel):
    """Extension: ``batch_open`` data."""

    count: Annotated[int, Field(ge=1)]


class BatchOp(BaseModel):
    """Extension: one op of a ``batch`` frame."""

    session: str
    type: Literal["reset", "step", "state"]
    data: JSONObject = Field(default_factory=dict)


class WSBatchOpenMessage(_Frame):
    """Extension: open ``count`` extra sessions on this connection (see Batched stepping)."""

    type: Literal["batch_open"]
    data: BatchOpenData


class WSBatchMessage(_Frame):
    """Extension: many sessions' reset/step/state in one frame."""

    type: Literal["batch"]
    data: dict[Literal["ops"], list[BatchOp]]


class WSBatchCloseMessage(_Frame):
    """Extension: close batch sessions."""

    type: Literal["batch_close"]
    data: dict[Literal["sessions"], list[str]]


WSOutgoing = Annotated[
    WSObservationResponse | WSStateResponse | WSMCPResponse | WSErrorResponse,
    Field(discriminator="type"),
]
"""Any server-to-client frame."""

# ------------------------------------------------------------------------ MCP JSON-RPC


class JsonRpcRequest(BaseModel):
    """A JSON-RPC 2.0 request (OpenEnv forbids extra keys)."""

    model_config = ConfigDict(extra="forbid")

    jsonrpc: Literal["2.0"]
    method: str
    params: JSONObject = Field(default_factory=dict)
    id: str | int | None = None


class JsonRpcErrorObject(BaseModel):
    """The ``error`` member of a JSON-RPC response."""

    code: int
    message: str
    data: Any = None


class JsonRpcResponse(BaseModel):
    """A JSON-RPC 2.0 response: exactly one of ``result`` and ``error``."""

    jsonrpc: Literal["2.0"] = "2.0"
    id: str | int | None = None
    result: Any = None
    error: JsonRpcErrorObject | None = None


class MCPToolDescription(BaseModel):
    """One entry of ``tools/list`` (MCP spells ``inputSchema``)."""

    model_config = ConfigDict(extra="allow")

    name: str
    description: str | None = None
    inputSchema: JSONObject


class StepToolDescription(BaseModel):
    """One entry of ``step({"type":"list_tools"})`` (OpenEnv spells ``input_schema``)."""

    name: str
    description: str = ""
    input_schema: JSONObject


class ToolCallResultOpenEnv(BaseModel):
    """A tool result in OpenEnv's FastMCP dialect (snake_case plus ``data``)."""

    content: list[JSONObject]
    structured_content: JSONObject | None = None
    meta: JSONObject = Field(default_factory=dict)
    data: Any = None
    is_error: bool = False


class ToolCallResultMCP(BaseModel):
    """A tool result as standard MCP clients expect it (camelCase)."""

    model_config = ConfigDict(extra="allow")

    content: list[JSONObject]
    structuredContent: JSONObject | None = None
    isError: bool = False


class ListToolsAction(_Frame):
    """Step action listing tools: ``{"type":"list_tools"}``."""

    type: Literal["list_tools"]
    metadata: JSONObject = Field(default_factory=dict)


class CallToolAction(_Frame):
    """Step action calling a tool (``type`` defaults to ``call_tool`` as in OpenEnv)."""

    type: Literal["call_tool"] = "call_tool"
    tool_name: str
    arguments: JSONObject = Field(default_factory=dict)
    metadata: JSONObject = Field(default_factory=dict)


class CallToolObservation(BaseModel):
    """Observation of a ``call_tool`` step."""

    tool_name: str
    result: ToolCallResultOpenEnv | None = None
    error: JSONObject | None = None


ALL_MODELS: tuple[type[BaseModel], ...] = (
    ResetRequest,
    StepRequest,
    ResetResponse,
    StepResponse,
    ObservationEnvelope,
    State,
    HealthResponse,
    EnvironmentMetadataResponse,
    SchemaResponse,
    HTTPErrorResponse,
    WSResetMessage,
    WSStepMessage,
    WSStateMessage,
    WSCloseMessage,
    WSMCPMessage,
    WSBatchOpenMessage,
    WSBatchMessage,
    BatchOp,
    WSBatchCloseMessage,
    WSObservationResponse,
    WSStateResponse,
    WSMCPResponse,
    WSErrorResponse,
    JsonRpcRequest,
    JsonRpcResponse,
    MCPToolDescription,
    StepToolDescription,
    ToolCallResultOpenEnv,
    ToolCallResultMCP,
    ListToolsAction,
    CallToolAction,
    CallToolObservation,
)
"""Every wire model, in documentation order."""
