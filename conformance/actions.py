"""Finding actions the environment accepts, before any check judges what a step returns.

A schema-valid action can still be refused: ``{"delta": int}`` where only a few integers
are legal, or an open ``{"type": "object"}`` schema in front of ``action["delta"]``. So
the kit tries candidates on a real session, in this order, and keeps those answered with
an observation:

1. ``--action`` (the user's word is final: nothing else is tried);
2. the schema's own ``examples``, then its simplest instance (defaults, enums, minimums);
3. small values for each top-level property (its enum, examples, 0, 1, 2, -1, "a", ...);
4. for MCP-style actions (``tool_name`` + ``arguments``), one call per advertised tool;
5. fields the environment's own errors name (``KeyError: 'delta'``, a missing ``loc``);
6. a handful of values generated from the schema.

When none is accepted, the checks that need one skip with a hint naming ``--action``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import jsonschema
from envbridge.conformance.model import CheckFailed, CheckSkipped
from envbridge.conformance.probe import Probe

WANTED = 4
"""Stop trying once this many different actions were accepted (quick: 2)."""
MAX_TRIES = 24
"""Most candidates stepped while looking (each is one step on one session)."""
SMALL_INTEGERS = (0, 1, 2, 3, -1)
SMALL_STRINGS = ("a", "0", "1", "hello")
GENERATED = 6

_KEY_ERROR = re.compile(r"KeyError: '([^']{1,64})'")


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    """Follow one local ``$ref`` (anything else is returned as is)."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else schema
    return schema


def _minimal(schema: dict[str, Any]) -> Any:
    from envbridge.conformance.schema_strategies import minimal_instance

    try:
        return minimal_instance(schema)
    except Exception:  # an unusual schema: no minimal instance, other candidates remain
        return {}


def _property_values(prop: dict[str, Any]) -> list[Any]:
    """Small values worth trying for one property, most promising first."""
    values: list[Any] = []
    values += list(prop.get("examples") or [])[:4]
    values += list(prop.get("enum") or [])[:6]
    kinds = prop.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if prop.get("anyOf"):
        kinds += [sub.get("type") for sub in prop["anyOf"] if isinstance(sub, dict)]
    if "integer" in kinds or "number" in kinds:
        values += list(SMALL_INTEGERS)
    if "string" in kinds:
        values += list(SMALL_STRINGS)
    if "boolean" in kinds:
        values += [True, False]
    return values


def schema_candidates(schema: dict[str, Any]) -> list[Any]:
    """Candidates 2-3 (schema examples, simplest instance, small values per property)."""
    found: list[Any] = [e for e in schema.get("examples") or [] if isinstance(e, dict)]
    base = _minimal(schema)
    found.append(base)
    if isinstance(base, dict):
        for name, prop in (schema.get("properties") or {}).items():
            prop = _resolve(prop, schema)
            if isinstance(prop, dict):
                found += [{**base, name: value} for value in _property_values(prop)]
    return found


def tool_candidates(schema: dict[str, Any], tools: list[dict[str, Any]]) -> list[Any]:
    """Candidate 4: one call per tool, when actions look like OpenEnv's CallToolAction."""
    properties = schema.get("properties") or {}
    if "tool_name" not in properties or "arguments" not in properties:
        return []
    base = _minimal(schema)
    base = base if isinstance(base, dict) else {}
    found = []
    for tool in tools:
        input_schema = tool.get("inputSchema") or tool.get("input_schema") or {}
        arguments = _minimal(input_schema) if input_schema else {}
        found.append({**base, "tool_name": tool.get("name"), "arguments": arguments or {}})
    return found


def fields_named_by(error: Any) -> list[str]:
    """Field names an error frame says are missing (``KeyError: 'x'``, a missing ``loc``)."""
    if not isinstance(error, dict):
        return []
    names = _KEY_ERROR.findall(str(error.get("message", "")))
    for item in error.get("errors") or []:
        if isinstance(item, dict) and item.get("type") == "missing" and item.get("loc"):
            names.append(str(item["loc"][-1]))
    return names


def generated_candidates(schema: dict[str, Any], count: int) -> list[Any]:
    """Candidate 6: varied instances generated from the schema."""
    from envbridge.conformance.schema_strategies import examples

    try:
        return examples(schema, count)
    except Exception:
        return []


class _Search:
    """The running search: candidates in order, what was tried, what was accepted."""

    def __init__(self, schema: dict[str, Any], wanted: int):
        self.validator = jsonschema.validators.validator_for(schema)(schema)
        self.wanted = wanted
        self.queue: list[Any] = []
        self.tried: list[Any] = []
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[tuple[Any, Any]] = []

    def add(self, candidates: list[Any]) -> None:
        for candidate in candidates:
            if not isinstance(candidate, dict) or candidate in self.queue:
                continue
            with contextlib.suppress(Exception):  # an unusual schema: trust the server
                if not self.validator.is_valid(candidate):
                    continue
            self.queue.append(candidate)

    def next(self) -> dict[str, Any] | None:
        if len(self.accepted) >= self.wanted or len(self.tried) >= MAX_TRIES:
            return None
        for candidate in self.queue:
            if candidate not in self.tried:
                self.tried.append(candidate)
                return candidate
        return None

    def learn(self, candidate: dict[str, Any], reply: Any) -> None:
        """Record a reply; an error naming missing fields adds candidates carrying them."""
        if isinstance(reply, dict) and reply.get("type") == "observation":
            self.accepted.append(candidate)
            return
        self.rejected.append((candidate, reply))
        error = reply.get("data") if isinstance(reply, dict) else None
        for name in fields_named_by(error):
            if name not in candidate:
                self.add([{**candidate, name: value} for value in (0, 1, "a", 2, -1)])


async def _try_all(probe: Probe, search: _Search) -> None:
    """Step each candidate on a session; a close or an end of episode starts a new one."""
    from envbridge.conformance.sessions import open_served

    ws = None
    try:
        while (candidate := search.next()) is not None:
            if ws is None:
                ws, reply = await open_served(probe)
                if not isinstance(reply, dict) or reply.get("type") != "observation":
                    search.rejected.append((candidate, {"reset": reply}))
                    return
            frame = {"type": "step", "data": candidate}
            try:
                reply = await ws.request(frame)
            except CheckFailed as exc:  # closed, silent or not JSON: a new session next
                reply = {"no reply": exc.message}
                await ws.close()
                ws = None
            search.learn(candidate, reply)
            data = reply.get("data") if isinstance(reply, dict) else None
            if ws is not None and isinstance(data, dict) and data.get("done"):
                await ws.close()
                ws = None
    finally:
        if ws is not None:
            await ws.close()


async def accepted_actions(probe: Probe) -> list[dict[str, Any]]:
    """Actions the environment answered with an observation (cached; may be empty)."""
    if probe.options.action is not None:
        return [probe.options.action]
    if "accepted_actions" not in probe.facts:
        schema = await probe.action_schema()
        search = _Search(schema, 2 if probe.options.quick else WANTED)
        search.add(schema_candidates(schema))
        tools: list[dict[str, Any]] = []
        with contextlib.suppress(CheckSkipped, CheckFailed):
            tools = await probe.tools()
        search.add(tool_candidates(schema, tools))
        await _try_all(probe, search)
        if len(search.accepted) < search.wanted:
            search.add(generated_candidates(schema, GENERATED))
            await _try_all(probe, search)
        probe.facts["accepted_actions"] = search.accepted
        probe.facts["rejected_actions"] = search.rejected
    return probe.facts["accepted_actions"]


async def sample_action(probe: Probe) -> dict[str, Any]:
    """The first accepted action; CheckSkipped with a ``--action`` hint when there is none."""
    accepted = await accepted_actions(probe)
    if accepted:
        return accepted[0]
    rejected = probe.facts.get("rejected_actions") or []
    seen = ""
    if rejected:
        candidate, reply = rejected[0]
        seen = f"; e.g. {_short(candidate)} got {_short(reply)}"
    raise CheckSkipped(
        f"no action the environment accepts was found ({len(rejected)} tried{seen}); "
        "pass one with --action '{...}'"
    )


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
