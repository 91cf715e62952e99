"""Run the catalogue against one server: select checks, time them, collect a Report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from envbridge.conformance import upstream
from envbridge.conformance.model import (
    CheckFailed,
    CheckResult,
    CheckSkipped,
    CheckSpec,
    Level,
    Report,
    Status,
)
from envbridge.conformance.probe import Options, Probe
from envbridge.conformance.registry import areas, catalogue

Progress = Callable[[CheckSpec, CheckResult | None], None]
"""Called with (spec, None) when a check starts and (spec, result) when it ends."""

CHECK_TIMEOUT_S = 60.0
"""The default of ``Options.check_timeout_s``."""
HEALTH_AFTER_TIMEOUT_S = 5.0
"""How long /health may take to show the server still answers after a check was cut short."""


class ServerUnreachable(ConnectionError):
    """Nothing answers HTTP at the URL (CLI exit code 2)."""


class NotOpenEnv(ConnectionError):
    """Something answers at the URL, but it is not an OpenEnv server (CLI exit code 2)."""


class UsageError(ValueError):
    """The caller asked for something that does not exist (CLI exit code 2)."""


def select(only: Sequence[str] | None = None, quick: bool = False) -> list[CheckSpec]:
    """The checks to run: all, or those of the ``only`` areas / ids; ``quick`` subset."""
    specs = catalogue()
    if only:
        known = set(areas()) | {spec.id for spec in specs}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise UsageError(
                f"unknown area or check {', '.join(unknown)}; areas: {', '.join(areas())}"
            )
        specs = [s for s in specs if s.area in only or s.id in only]
    if quick:
        specs = [s for s in specs if s.quick]
    return specs


async def check_async(
    url: str,
    options: Options | None = None,
    *,
    only: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check the server at ``url``; raises ServerUnreachable / UsageError."""
    options = options or Options()
    specs = select(only, options.quick)
    started = time.perf_counter()
    timeout = httpx.Timeout(options.timeout_s)
    async with httpx.AsyncClient(timeout=timeout, trust_env=False) as http:
        probe = Probe(url, options, http)
        await _reachable(probe)
        with contextlib.suppress(httpx.HTTPError):  # a crash on POST /reset: checks tell
            await probe.detect()
        report = Report(url=probe.url, dialect=probe.dialect, mode=probe.mode)
        for spec in specs:
            if progress:
                progress(spec, None)
            result = await run_one(spec, probe)
            report.results.append(result)
            if progress:
                progress(spec, result)
        upstream.mark(report, await upstream.built_with_openenv(probe))
    report.duration_s = time.perf_counter() - started
    return report


def check(
    url: str, *, only: Sequence[str] | None = None, progress: Progress | None = None, **options: Any
) -> Report:
    """Blocking :func:`check_async`; keyword options are :class:`Options` fields."""
    return asyncio.run(check_async(url, Options(**options), only=only, progress=progress))


async def _reachable(probe: Probe) -> None:
    """ServerUnreachable when nothing answers; NotOpenEnv when /health is not OpenEnv's."""
    try:
        response = await probe.http.get(probe.url + "/health")
    except httpx.HTTPError as exc:
        raise ServerUnreachable(
            f"cannot reach {probe.url} ({type(exc).__name__}: {exc}); is the server running "
            "and is the URL right (e.g. http://127.0.0.1:8000)?"
        ) from None
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "status" not in body:  # 503 + status: degraded, judged
        raise NotOpenEnv(
            f"no OpenEnv server at {probe.url}: /health answered {response.status_code} {kind}"
            + ("" if response.status_code >= 400 else " without a JSON 'status'")
            + "; is the URL the server's base URL (the one whose /health, /reset and /ws "
            "it serves)?"
        )


EXCERPT = 300
"""Longest string kept in a result's sent / received (bodies are cut to an excerpt)."""


def excerpt(value: Any, limit: int = EXCERPT) -> Any:
    """``value`` with every string longer than ``limit`` cut short (recursively)."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: excerpt(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [excerpt(v, limit) for v in value]
    return value


async def _cut_short(probe: Probe) -> tuple[Status, str]:
    """The verdict on a check that ran out of time: not judged while the server answers.

    Every request has its own timeout (``--timeout``), which fails the check when a reply
    never comes; running out of the whole check's time with every reply in time only says
    the environment is slow (a search in each reset, heavy observations), not wrong.
    """
    took = f"the check did not finish within {probe.options.check_timeout_s:g} s"
    try:
        response = await probe.http.get(probe.url + "/health", timeout=HEALTH_AFTER_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return Status.FAIL, f"{took}, and /health no longer answers ({type(exc).__name__})"
    if response.status_code != 200:
        return Status.FAIL, f"{took}, and /health answers {response.status_code}"
    return Status.SKIP, (
        f"not judged: {took} while every reply came in time and /health still answers (a "
        "slow environment); rerun with a larger --check-timeout"
    )


async def run_one(spec: CheckSpec, probe: Probe) -> CheckResult:
    """Run one check and turn whatever happens into a CheckResult."""
    result = CheckResult(spec.id, spec.level, spec.title, Status.PASS, rule=spec.rule)
    started = time.perf_counter()
    try:
        details = await asyncio.wait_for(spec.run(probe), probe.options.check_timeout_s)
        result.details = details or {}
        if spec.level is Level.INFO:
            result.status = Status.INFO
    except CheckFailed as exc:
        result.status, result.message = Status.FAIL, exc.message
        result.sent, result.received = excerpt(exc.sent), excerpt(exc.received)
    except CheckSkipped as exc:
        result.status, result.message = Status.SKIP, str(exc)
    except TimeoutError:
        result.status, result.message = await _cut_short(probe)
    except httpx.HTTPError as exc:
        result.status = Status.FAIL
        result.message = f"HTTP transport error: {type(exc).__name__}: {exc}"
    except Exception as exc:
        result.status = Status.FAIL
        result.message = f"unexpected {type(exc).__name__} while checking: {exc}"
    if spec.level is Level.INFO and result.status is Status.FAIL:  # INFO never fails
        result.status = Status.SKIP
        result.message = f"not measured: {result.message}"
    result.duration_s = time.perf_counter() - started
    return result
