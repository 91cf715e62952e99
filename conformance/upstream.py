"""Known upstream behaviour: failures that OpenEnv itself causes, marked as such.

When the server is built with the official OpenEnv library (its ``/openapi.json`` says so),
a failure that matches an entry of :data:`KNOWN` is OpenEnv's doing, not the author's:
reports say "known upstream behaviour (OpenEnv ...)" with a link to the catalogue entry.
The entries are pinned by ``tests/conformance/test_openenv_servers.py`` and the corpus.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from envbridge.conformance.model import CheckFailed, CheckResult, Report, Status
from envbridge.conformance.probe import Probe

CATALOGUE_PAGE = "docs/conformance.md#where-openenv-deviates-from-its-own-protocol"
OPENENV_TITLE = "OpenEnv Environment HTTP API"


@dataclass(frozen=True)
class Deviation:
    """One known deviation of OpenEnv from its own protocol."""

    check_id: str
    versions: str
    what: str
    matches: Callable[[CheckResult], bool] = lambda result: True


KNOWN: list[Deviation] = [
    Deviation(
        "modes.production_ws",
        "0.3-0.10",
        "production mode still runs reset/step/state over /ws (wire §14.2)",
    ),
    Deviation(
        "obs.reset_schema",
        "0.3-0.10",
        "MCP environments: /schema observation requires tool_name, which reset observations "
        "lack (wire §14.7)",
        lambda r: "tool_name" in r.message,
    ),
    Deviation(
        "robustness.structured_errors",
        "0.3-0.10",
        "a non-object JSON frame on /ws gets SESSION_ERROR and ends the session (the /ws "
        "handler calls .get on the decoded frame outside its per-message try)",
        lambda r: "non-object JSON" in r.message,
    ),
    Deviation(
        "robustness.undecodable_bodies",
        "0.3-0.10",
        "a body that is not UTF-8 gets HTTP 500 (a UnicodeDecodeError escapes the handlers)",
        lambda r: "HTTP 500" in r.message,
    ),
]


async def built_with_openenv(probe: Probe) -> bool:
    """True when ``/openapi.json`` is the official OpenEnv library's."""
    with contextlib.suppress(CheckFailed):
        info = (await probe.openapi()).get("info") or {}
        return info.get("title") == OPENENV_TITLE
    return False


def upstream_note(deviation: Deviation) -> str:
    """The words reports use for a known upstream failure."""
    return (
        f"known upstream behaviour (OpenEnv {deviation.versions}): {deviation.what}; "
        f"see {CATALOGUE_PAGE}"
    )


def mark(report: Report, openenv_server: bool) -> None:
    """Set ``upstream`` on each failure OpenEnv itself is known to cause."""
    if not openenv_server:
        return
    for result in report.results:
        if result.status is not Status.FAIL:
            continue
        for deviation in KNOWN:
            if deviation.check_id == result.id and deviation.matches(result):
                result.upstream = upstream_note(deviation)
