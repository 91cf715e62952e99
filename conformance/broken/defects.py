"""Wire-level defects, one per class; each breaks exactly one rule of the catalogue."""

from __future__ import annotations

from typing import Any

from envbridge.conformance.broken.middleware import Connection, Defect, dumps, loads


def _frame(text: str) -> dict[str, Any] | None:
    value = loads(text)
    return value if isinstance(value, dict) else None


def _sent_type(conn: Connection) -> Any:
    return conn.last_in.get("type") if isinstance(conn.last_in, dict) else None


class _JsonResponse(Defect):
    """Rewrite the JSON body of successful responses on one path."""

    path = ""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        value = loads(body)
        if path != self.path or status != 200 or value is None:
            return status, body
        return status, dumps(self.rewrite(value)).encode()

    def rewrite(self, value: Any) -> Any:
        return value


class _ObservationFrames(Defect):
    """Rewrite observation frames that answer one kind of client frame."""

    answers = "step"

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "observation" or _sent_type(conn) != self.answers:
            return text
        return dumps({**frame, "data": self.rewrite(conn, frame["data"])})

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return data


# ------------------------------------------------------------------------------- HTTP


class UnhealthyStatus(_JsonResponse):
    """/health says "ok" instead of "healthy"."""

    path = "/health"

    def rewrite(self, value: Any) -> Any:
        return {"status": "ok"}


class NamelessMetadata(_JsonResponse):
    """/metadata has no name."""

    path = "/metadata"

    def rewrite(self, value: Any) -> Any:
        return {k: v for k, v in value.items() if k != "name"}


class InvalidStateSchema(_JsonResponse):
    """/schema state carries minProperties -1 (not a valid JSON Schema)."""

    path = "/schema"

    def rewrite(self, value: Any) -> Any:
        return {**value, "state": {**value["state"], "minProperties": -1}}


class OpenApiMissesState(_JsonResponse):
    """/openapi.json forgets the /state route it serves."""

    path = "/openapi.json"

    def rewrite(self, value: Any) -> Any:
        return {**value, "paths": {k: v for k, v in value["paths"].items() if k != "/state"}}


class McpEndpointRejectsEmpty(Defect):
    """POST /mcp {} answers HTTP 400 instead of a JSON-RPC error."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        if path == "/mcp" and loads(request) == {}:
            return 400, b'{"detail": "bad request"}'
        return status, body


class IntegerHttpReward(_JsonResponse):
    """POST /step sends the reward as an integer (HTTP rewards are floats)."""

    path = "/step"

    def rewrite(self, value: Any) -> Any:
        reward = value.get("reward")
        return {**value, "reward": int(reward)} if isinstance(reward, float) else value


# -------------------------------------------------------------------------- WebSocket


class ResetWithoutReward(_ObservationFrames):
    """reset replies lack the 'reward' key."""

    answers = "reset"

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "reward"}


class StringStepReward(_ObservationFrames):
    """step replies to plain actions send the reward as a string."""

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        if "count" not in data["observation"]:
            return data
        return {**data, "reward": str(data["reward"])}


class StepCountSurvivesReset(Defect):
    """state's step_count counts every step on the connection, across resets."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None:
            return text
        if frame.get("type") == "observation" and _sent_type(conn) == "step":
            conn.state["steps"] = conn.state.get("steps", 0) + 1
        if frame.get("type") == "state":
            frame["data"]["step_count"] = conn.state.get("steps", 0)
            return dumps(frame)
        return text


class FixedEpisodeId(Defect):
    """state always reports the same episode_id."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "state":
            return text
        frame["data"]["episode_id"] = "always-the-same"
        return dumps(frame)


class CloseWithGoingAway(Defect):
    """after a client close frame the server closes with 1001 instead of 1000."""

    def ws_close(self, conn: Connection, code: int) -> int:
        return 1001 if _sent_type(conn) == "close" else code


class StaleDoneAfterEpisode(_ObservationFrames):
    """once an episode has finished, every later reset still says done=true."""

    answers = "reset"

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is not None and frame.get("type") == "observation" and frame["data"].get("done"):
            conn.state["finished"] = True
        return super().ws_out(conn, text)

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "done": True} if conn.state.get("finished") else data


class StringCountInStep(_ObservationFrames):
    """step observations send count as a string, against /schema observation."""

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        observation = data["observation"]
        if "count" in observation:
            observation = {**observation, "count": str(observation["count"])}
        return {**data, "observation": observation}


class StringCountInReset(StringCountInStep):
    """reset observations send count as a string, against /schema."""

    answers = "reset"


class StringCountInState(Defect):
    """state sends count as a string, against /schema state."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "state":
            return text
        frame["data"]["count"] = str(frame["data"].get("count"))
        return dumps(frame)


class MetadataStripped(Defect):
    """observations drop 'metadata' although /schema declares the 0.10.x dialect."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "observation":
            return text
        frame["data"]["observation"].pop("metadata", None)
        return dumps(frame)


# ------------------------------------------------------------------------------ errors


class _ErrorFrames(Defect):
    """Rewrite error frames of one code."""

    code = ""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "error" or frame["data"].get("code") != self.code:
            return text
        return dumps({**frame, "data": self.rewrite(conn, frame["data"])})

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return data


class WrongInvalidJsonCode(_ErrorFrames):
    """non-JSON frames get code BAD_JSON instead of INVALID_JSON."""

    code = "INVALID_JSON"

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "code": "BAD_JSON"}


class WrongUnknownTypeCode(_ErrorFrames):
    """unknown message types get VALIDATION_ERROR instead of UNKNOWN_TYPE."""

    code = "UNKNOWN_TYPE"

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "code": "VALIDATION_ERROR", "errors": []}


class EnvelopeErrorsUnlisted(_ErrorFrames):
    """a step whose data is not an object gets VALIDATION_ERROR without 'errors'."""

    code = "VALIDATION_ERROR"

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        sent = conn.last_in if isinstance(conn.last_in, dict) else {}
        if isinstance(sent.get("data"), dict):
            return data
        return {k: v for k, v in data.items() if k != "errors"}


def _known_fields_only(action: Any) -> Any:
    if not isinstance(action, dict) or "type" in action:
        return action
    return {k: v for k, v in action.items() if k == "delta"}


class UnknownActionFieldsIgnored(Defect):
    """WS step actions with unknown fields are accepted (the fields are dropped)."""

    def ws_in(self, conn: Connection, text: str) -> str:
        frame = _frame(text)
        if frame is None or frame.get("type") != "step" or not isinstance(frame.get("data"), dict):
            return text
        return dumps({**frame, "data": _known_fields_only(frame["data"])})


class HttpUnknownActionFieldsIgnored(Defect):
    """POST /step actions with unknown fields are accepted (the fields are dropped)."""

    def http_request(self, path: str, body: bytes) -> bytes:
        value = loads(body)
        if (
            path != "/step"
            or not isinstance(value, dict)
            or not isinstance(value.get("action"), dict)
        ):
            return body
        return dumps({**value, "action": _known_fields_only(value["action"])}).encode()


class MissingActionDefaulted(Defect):
    """POST /step {} is served as if it were {"action": {}} instead of 422."""

    def http_request(self, path: str, body: bytes) -> bytes:
        return b'{"action": {}}' if path == "/step" and loads(body) == {} else body


# --------------------------------------------------------------------------------- MCP


def _is_tools_call(request: bytes | Any) -> bool:
    value = loads(request) if isinstance(request, bytes) else request
    return isinstance(value, dict) and value.get("method") == "tools/call"


class _RpcResponses(Defect):
    """Rewrite JSON-RPC responses on POST /mcp and WS /mcp."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        reply = loads(body)
        if path != "/mcp" or not isinstance(reply, dict):
            return status, body
        return status, dumps(self.rewrite(loads(request), reply, "http")).encode()

    def ws_out(self, conn: Connection, text: str) -> str | int:
        reply = _frame(text)
        if conn.path != "/mcp" or reply is None:
            return text
        return dumps(self.rewrite(conn.last_in, reply, "ws"))

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        return reply


class ToolsDescribedByNumbers(_RpcResponses):
    """tools/list gives each tool an integer description."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        tools = (reply.get("result") or {}).get("tools")
        if isinstance(tools, list):
            reply["result"]["tools"] = [{**tool, "description": 42} for tool in tools]
        return reply


class ToolResultWithoutContent(_RpcResponses):
    """tools/call results lack the 'content' list."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        if _is_tools_call(request) and isinstance(reply.get("result"), dict):
            reply["result"].pop("content", None)
        return reply


class UnknownToolSucceeds(_RpcResponses):
    """calling a tool that does not exist returns an empty success."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        error = reply.get("error")
        if _is_tools_call(request) and error and "nknown tool" in str(error.get("message")):
            return {
                "jsonrpc": "2.0",
                "id": reply.get("id"),
                "result": {"content": [], "is_error": False},
            }
        return reply


class IdsEchoedAsStrings(_RpcResponses):
    """POST /mcp echoes integer ids as strings."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        if transport == "http" and isinstance(reply.get("id"), int):
            reply["id"] = str(reply["id"])
        return reply


class ParseErrorAsInvalidRequest(_RpcResponses):
    """a non-JSON /mcp body gets -32600 instead of -32700."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        if request is None and (reply.get("error") or {}).get("code") == -32700:
            reply["error"]["code"] = -32600
        return reply


class MethodlessRequestAsInternalError(_RpcResponses):
    """a request with an id but no method gets -32603 instead of -32600."""

    def rewrite(self, request: Any, reply: dict[str, Any], transport: str) -> dict[str, Any]:
        if isinstance(request, dict) and "id" in request and "method" not in request:
            reply["error"] = {"code": -32603, "message": "internal error"}
        return reply


class McpFramesMistyped(Defect):
    """mcp frames on /ws are answered with type 'mcp_response'."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if conn.path != "/ws" or frame is None or frame.get("type") != "mcp":
            return text
        return dumps({**frame, "type": "mcp_response"})


class WsMcpToolsListLosesId(Defect):
    """tools/list over WS /mcp answers without an id."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        reply = _frame(text)
        sent = conn.last_in if isinstance(conn.last_in, dict) else {}
        if conn.path != "/mcp" or reply is None or sent.get("method") != "tools/list":
            return text
        return dumps({k: v for k, v in reply.items() if k != "id"})


class CamelCaseStepTools(_ObservationFrames):
    """step(list_tools) lists tools with camelCase inputSchema."""

    def rewrite(self, conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        tools = data["observation"].get("tools")
        if isinstance(tools, list):
            data["observation"]["tools"] = [
                {("inputSchema" if k == "input_schema" else k): v for k, v in tool.items()}
                for tool in tools
            ]
        return data


# ---------------------------------------------------------------- capacity, robustness


class CapacityCloseCode(Defect):
    """after CAPACITY_REACHED the server closes with 1013 instead of 1000."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if (
            frame
            and frame.get("type") == "error"
            and frame["data"].get("code") == "CAPACITY_REACHED"
        ):
            conn.state["refused"] = True
        return text

    def ws_close(self, conn: Connection, code: int) -> int:
        return 1013 if conn.state.get("refused") else code


class LeakyCapacity(Defect):
    """a four-session limit whose first refusal leaks a slot that never comes back."""

    limit = 4

    def __init__(self) -> None:
        self.leaked = 0

    def ws_refuse(self, conn: Connection, active: int) -> str | None:
        if active + self.leaked < self.limit:
            return None
        self.leaked = 1
        return dumps(
            {
                "type": "error",
                "data": {
                    "message": f"Server at capacity: {active}/{self.limit} sessions active.",
                    "code": "CAPACITY_REACHED",
                    "active_sessions": active,
                    "max_sessions": self.limit,
                },
            }
        )


class BigFrameDropsOthers(Defect):
    """a frame over 512 KiB makes the server drop every other session (close 1011)."""

    def __init__(self) -> None:
        self.poisoned: set[int] = set()
        self.connections: set[int] = set()

    def ws_in(self, conn: Connection, text: str) -> str:
        self.connections.add(conn.number)
        if len(text) > 512 * 1024:
            self.poisoned |= self.connections - {conn.number}
        return text

    def ws_out(self, conn: Connection, text: str) -> str | int:
        return 1011 if conn.number in self.poisoned else text


class NullBodyIsServerError(Defect):
    """a body that is the JSON value null gets HTTP 500 instead of a 4xx."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        return (500, b"Internal Server Error") if request.strip() == b"null" else (status, body)


class UndecodableIsServerError(Defect):
    """a body that is not UTF-8 gets HTTP 500 instead of a 4xx."""

    def http_response(
        self, path: str, request: bytes, status: int, body: bytes
    ) -> tuple[int, bytes]:
        try:
            request.decode()
        except UnicodeDecodeError:
            return 500, b"Internal Server Error"
        return status, body


class BatchResultsReversed(Defect):
    """Batch replies list their results in reverse op order."""

    def ws_out(self, conn: Connection, text: str) -> str | int:
        frame = _frame(text)
        if frame is None or frame.get("type") != "batch":
            return text
        results = list(reversed(frame.get("data", {}).get("results", [])))
        return dumps({**frame, "data": {"results": results}})


class CloseOnStepBeforeReset(Defect):
    """a step before the first reset closes the connection (1011) instead of answering."""

    def ws_in(self, conn: Connection, text: str) -> str:
        if _sent_type(conn) == "reset":
            conn.state["reset"] = True
        return text

    def ws_out(self, conn: Connection, text: str) -> str | int:
        if _sent_type(conn) == "step" and not conn.state.get("reset"):
            return 1011
        return text


class AnswerThenCloseOnString(Defect):
    """a JSON string frame gets its error frame and then a close (1000) at once; the kit
    must charge the close to that frame, not to the next one."""

    def ws_out(self, conn: Connection, text: str) -> str | int | tuple[str, int]:
        if isinstance(conn.last_in, str):
            return text, 1000
        return text


class SlotLeakAfterDeepNesting(Defect):
    """a frame nested 20,000 deep leaks a session slot for good: every later session is
    refused. Served with one session, a burst that never reaches a session (its bystander
    holding the only slot) cannot see this."""

    def __init__(self) -> None:
        self.leaked = False

    def ws_in(self, conn: Connection, text: str) -> str:
        if text.startswith("[[[[[[[[") and len(text) > 10_000:
            self.leaked = True
        return text

    def ws_refuse(self, conn: Connection, active: int) -> str | None:
        if not self.leaked:
            return None
        return dumps(
            {
                "type": "error",
                "data": {
                    "message": "Server at capacity: 1/1 sessions active.",
                    "code": "CAPACITY_REACHED",
                    "active_sessions": 1,
                    "max_sessions": 1,
                },
            }
        )
