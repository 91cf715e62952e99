"""Shape assertions shared by the checks; each raises CheckFailed with what was seen."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
from envbridge.conformance.model import CheckFailed


def envelope(data: Any, sent: Any) -> dict[str, Any]:
    """An envelope: ``observation`` object, ``reward`` number|bool|null, ``done`` bool."""
    if not isinstance(data, dict):
        raise CheckFailed("the observation envelope is not an object", sent=sent, received=data)
    if not isinstance(data.get("observation"), dict):
        raise CheckFailed("'observation' is missing or not an object", sent=sent, received=data)
    if "reward" not in data:
        raise CheckFailed(
            "'reward' is missing (send null when there is none)", sent=sent, received=data
        )
    reward = data["reward"]
    if reward is not None and not isinstance(reward, int | float):
        raise CheckFailed("'reward' must be a number, a boolean or null", sent=sent, received=data)
    if not isinstance(data.get("done"), bool):
        raise CheckFailed("'done' is missing or not a boolean", sent=sent, received=data)
    return data


def state(data: Any, sent: Any) -> dict[str, Any]:
    """A state: an object with ``episode_id`` (string|null) and integer ``step_count`` >= 0."""
    if not isinstance(data, dict):
        raise CheckFailed("the state is not an object", sent=sent, received=data)
    episode = data.get("episode_id", "missing")
    if episode is not None and not isinstance(episode, str):
        raise CheckFailed("'episode_id' must be a string or null", sent=sent, received=data)
    count = data.get("step_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise CheckFailed("'step_count' must be an integer >= 0", sent=sent, received=data)
    return data


def error_frame(data: Any, sent: Any, code: str | None = None) -> dict[str, Any]:
    """An error frame's data: string ``message`` and ``code`` (equal to ``code`` if given)."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        raise CheckFailed("the error frame has no string 'message'", sent=sent, received=data)
    if code is not None and data.get("code") != code:
        raise CheckFailed(
            f"expected error code {code!r}, got {data.get('code')!r}", sent=sent, received=data
        )
    return data


def status(response: httpx.Response, allowed: set[int], sent: Any) -> None:
    """The HTTP status is one of ``allowed``."""
    if response.status_code not in allowed:
        raise CheckFailed(
            f"expected HTTP {' or '.join(map(str, sorted(allowed)))}, got {response.status_code}",
            sent=sent,
            received=response.text[:500],
        )


def jsonrpc(reply: Any, request_id: Any, sent: Any) -> dict[str, Any]:
    """A JSON-RPC 2.0 response echoing ``request_id`` with exactly one of result/error."""
    if not isinstance(reply, dict) or reply.get("jsonrpc") != "2.0":
        raise CheckFailed(
            'not a JSON-RPC 2.0 response (jsonrpc must be "2.0")', sent=sent, received=reply
        )
    if "id" not in reply or reply["id"] != request_id or type(reply["id"]) is not type(request_id):
        raise CheckFailed(
            f"the response id must echo the request id {request_id!r}", sent=sent, received=reply
        )
    if ("result" in reply) == ("error" in reply):
        raise CheckFailed(
            "a JSON-RPC response carries exactly one of 'result' and 'error'",
            sent=sent,
            received=reply,
        )
    if "error" in reply:
        error = reply["error"]
        if not (
            isinstance(error, dict)
            and isinstance(error.get("code"), int)
            and isinstance(error.get("message"), str)
        ):
            raise CheckFailed(
                "a JSON-RPC error needs an integer 'code' and a string 'message'",
                sent=sent,
                received=reply,
            )
    return reply


def rpc_error(reply: dict[str, Any], codes: set[int], sent: Any) -> None:
    """The response is a JSON-RPC error whose code is one of ``codes``."""
    error = reply.get("error")
    if not isinstance(error, dict) or error.get("code") not in codes:
        raise CheckFailed(
            f"expected a JSON-RPC error with code {' or '.join(map(str, sorted(codes)))}",
            sent=sent,
            received=reply,
        )


def valid_schema(schema: Any, what: str) -> None:
    """``schema`` is a JSON Schema (checked against its declared or the latest metaschema)."""
    if not isinstance(schema, dict):
        raise CheckFailed(f"{what} is not a JSON Schema object", received=schema)
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise CheckFailed(
            f"{what} is not a valid JSON Schema: {exc.message}", received=schema
        ) from None


def conforms(instance: Any, schema: dict[str, Any], what: str, sent: Any) -> None:
    """``instance`` validates against ``schema``."""
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "(root)"
        raise CheckFailed(
            f"{what} does not match the server's /schema at {where}: {error.message}",
            sent=sent,
            received=instance,
        )
