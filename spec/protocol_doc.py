"""Generate docs/protocol.md from the wire models (``python -m envbridge.spec.protocol_doc``).

A test regenerates it and fails when the committed file differs, so the reference can
never drift from the code.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from envbridge.spec import messages as m
from envbridge.spec.batch import BATCH_VERSION, MAX_BATCH_SESSIONS
from envbridge.spec.errors import FATAL_WS_CODES, JsonRpcErrorCode, WSErrorCode
from envbridge.spec.schema import ROUTES, protocol_json_schema
from envbridge.spec.tasks import TASK_MODELS

INTRO = """\
# The envbridge protocol reference

envbridge speaks the OpenEnv wire protocol (openenv-core 0.3.x and openenv 0.10.x; a
0.10.x server's replies are readable by 0.3.x clients) and adds a few extensions, each
marked **extension**. This page is generated from `spec/messages.py` by
`python -m envbridge.spec.protocol_doc`; a test fails when it is out of date.

## Transports

| transport | what travels |
|---|---|
| WebSocket `/ws` | JSON text frames (binary frames holding UTF-8 JSON are accepted too); every frame except `close` gets exactly one reply, in order; the connection is the session. `?session_id=ID` attaches to an existing session (0.10.x). |
| HTTP `/reset` `/step` `/state` | stateless like OpenEnv (a fresh env per request) unless the request names a session: `session_id` in the body, `?session_id=` for `/state` (**extension**) |
| HTTP `POST /mcp` | JSON-RPC 2.0, always HTTP 200: OpenEnv's dialect (no handshake, `openenv/session/*`), and standard MCP streamable HTTP once a client sends `initialize` (session id in the `Mcp-Session-Id` header; `DELETE /mcp` ends it; `GET /mcp` is 405: no server-initiated stream) |
| WebSocket `/mcp` | one JSON-RPC request per frame, one response each; the connection is the session |

## Modes

* **simulation** (default): reset, step, state and tools on every transport.
* **production**: tools only. HTTP `/reset` `/step` `/state` answer 404 and are absent
  from `/openapi.json`; `reset`/`step`/`state` frames on `/ws` get a `MODE_RESTRICTED`
  error (OpenEnv still accepts them there). A production session's episode starts when the
  session is created (`openenv/session/create` may pass `seed` and `options`).

## Episodes

The session core owns the episode id (a UUID unless `reset` names one), the step count
(every `step`, including `call_tool` steps; `list_tools` is not counted), and two rules an
environment may relax: step before the first reset → `EPISODE_NOT_STARTED`; step after
`done` → `EPISODE_DONE` (send `reset`). Rewards may be `null`; NaN and infinite rewards
become `null`; NaN/Infinity anywhere else is refused (JSON cannot carry them).
"""


def _error_table() -> str:
    meaning = {
        WSErrorCode.INVALID_JSON: "the frame is not JSON",
        WSErrorCode.UNKNOWN_TYPE: "`type` missing or unknown",
        WSErrorCode.VALIDATION_ERROR: "envelope or action invalid; `errors` holds pydantic-"
        "style details (`type`, `loc`, `msg`, `input`)",
        WSErrorCode.EXECUTION_ERROR: "the environment raised; the message names the exception",
        WSErrorCode.CAPACITY_REACHED: "no session slot (`active_sessions`, `max_sessions`)",
        WSErrorCode.FACTORY_ERROR: "the environment factory raised (`factory_name`)",
        WSErrorCode.SESSION_ERROR: "unknown or unusable session",
        WSErrorCode.MODE_RESTRICTED: "**extension**: reset/step/state on a production server",
        WSErrorCode.EPISODE_NOT_STARTED: "**extension**: step before the first reset",
        WSErrorCode.EPISODE_DONE: "**extension**: step after done",
    }
    rows = [
        f"| `{code.value}` | {meaning[code]} | "
        f"{'closed (1000)' if code in FATAL_WS_CODES else 'continues'} |"
        for code in WSErrorCode
    ]
    rpc = [f"| {code.value} | `{code.name}` |" for code in JsonRpcErrorCode]
    return (
        '## Errors\n\n`{"type":"error","data":{"message":...,"code":...}}` on `/ws`;'
        ' HTTP routes answer with `{"detail": ...}` (422 for validation, 409 for episode'
        " rules, 404 unknown session, 413 oversize, 415 not JSON, 500 environment failure"
        " with a structured body).\n\n| code | when | session after |\n|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nJSON-RPC error codes:\n\n| code | name |\n|---|---|\n"
        + "\n".join(rpc)
        + "\n"
    )


def _routes_table() -> str:
    rows = [
        f"| `{method.upper()} {path}` | {summary} | "
        f"{request.__name__ if request else '—'} | {reply.__name__} | "
        f"{'simulation' if sim_only else 'both'} |"
        for method, path, summary, request, reply, sim_only in ROUTES
    ]
    return (
        "## HTTP routes\n\n| route | what | request | response | modes |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nAlso `GET /openapi.json` (OpenAPI 3.1, `info.version` 1.0.0) and `GET /docs`.\n"
    )


BATCH = f"""\
## Extension: batched stepping (version {BATCH_VERSION})

Advertised in `/metadata` as `extensions.batch`. One `/ws` connection may open up to
{MAX_BATCH_SESSIONS} extra sessions (the server's capacity applies) and drive many of
them with one frame. Clients that never send these frames see no difference.

| frame | data | reply data |
|---|---|---|
| `batch_open` | `{{"count": K}}` | `{{"sessions": [id, ...]}}` — all or none |
| `batch` | `{{"ops": [{{"session": id, "type": "reset"\\|"step"\\|"state", "data": {{...}}}}]}}` | `{{"results": [frame, ...]}}` — each result is the reply that op alone would get (`observation`, `state` or `error`), in op order |
| `batch_close` | `{{"sessions": [id, ...]}}` | `{{"closed": [id, ...]}}` |

Ops on different sessions run concurrently, ops on one session in order; a failing op
yields an `error` result and spares the others. Batch sessions close with the
connection. A server without the extension answers `batch_open` with `UNKNOWN_TYPE`
(the client raises `BatchingUnsupported`). The conformance kit checks the extension at
MAY level (`batch.equivalence`); `envbridge.Pool` uses it automatically — see
[protocol-batching.md](protocol-batching.md) for the pool's use and measured throughput.
"""


TASK_API = """\
## Task API (OpenEnv 0.10)

Served in both modes when the environment lists tasks (`list_splits` plus `list_tasks`,
or `num_tasks` + `get_task`; see `envbridge.spec.tasks`). Plain split names keep their
type when it is `train`, `validation` or `test`, and are `validation` otherwise.
Errors carry `detail.code`: 501 `TASKS_UNSUPPORTED` (no tasks), 400 `INVALID_TASK`
(unknown split, index out of range, negative index), 404 `UNKNOWN_ENVIRONMENT` (the path
names another env; the name match ignores case), 422 a list of body errors.
`task_range` follows Python slice rules. `reset` with `split` and `index` (over `/ws`,
`POST /reset`, or `openenv/session/create` params in production) starts exactly that
task; a bad selection is `VALIDATION_ERROR` (JSON-RPC `-32602` on `/mcp`).
"""


def _model_section(model: type, defs: dict[str, Any]) -> str:
    schema = defs.get(model.__name__, {})
    doc = " ".join((model.__doc__ or "").split())
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        kind = _type_of(prop)
        default = json.dumps(prop["default"]) if "default" in prop else ""
        note = prop.get("description", "")
        rows.append(
            f"| `{name}` | {kind} | {'yes' if name in required else ''} | {default} | {note} |"
        )
    extra = schema.get("additionalProperties")
    extra_note = {False: "Unknown keys are rejected.", True: "Unknown keys are allowed."}.get(
        extra, ""
    )
    table = (
        ("| field | type | required | default | notes |\n|---|---|---|---|---|\n" + "\n".join(rows))
        if rows
        else "(no fields)"
    )
    return f"### {model.__name__}\n\n{doc} {extra_note}\n\n{table}\n"


def _type_of(prop: dict[str, Any]) -> str:
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " \\| ".join(_type_of(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"array of {_type_of(prop.get('items', {}))}"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    return str(prop.get("type", "any"))


def render() -> str:
    """The whole of docs/protocol.md."""
    defs = protocol_json_schema().get("$defs", {})
    sections = [INTRO, _routes_table(), _error_table(), BATCH, "## Messages\n"]
    sections += [_model_section(model, defs) for model in m.ALL_MODELS]
    sections += [TASK_API, *(_model_section(model, defs) for model in TASK_MODELS)]
    return "\n".join(sections)


if __name__ == "__main__":
    sys.stdout.write(render())
