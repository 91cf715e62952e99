"""The broken-server family: one deliberately broken server per check of the catalogue.

Each :class:`BrokenServer` names the check it must fail and builds an ASGI app: the
envbridge server over :class:`ReferenceCounter` (healthy) with exactly one defect, in the
wire (a :class:`Defect` middleware), in the environment (a counter subclass), or in the
routing (a production server that still serves simulation routes). The test suite runs
the whole catalogue against each and asserts that exactly the target check fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from envbridge.conformance.broken import defects, reference_env, task_twins
from envbridge.conformance.broken.middleware import (
    ASGIApp,
    Defect,
    DefectMiddleware,
    Receive,
    Scope,
    Send,
)
from envbridge.spec.server import create_app

HEALTHY_MAX_SESSIONS = 4


def healthy_app(
    factory: Callable[[], Any] = reference_env.ReferenceCounter,
    *,
    mode: str = "simulation",
    max_sessions: int = HEALTHY_MAX_SESSIONS,
) -> ASGIApp:
    """The envbridge server over ``factory`` with no defect."""
    return create_app(factory, mode=mode, max_sessions=max_sessions, name="broken-family")


def with_defect(defect: Callable[[], Defect], **app_kwargs: Any) -> Callable[[], ASGIApp]:
    """A builder: the healthy server wrapped in a fresh ``defect``."""
    return lambda: DefectMiddleware(healthy_app(**app_kwargs), defect())


def with_env(factory: Callable[[], Any], **app_kwargs: Any) -> Callable[[], ASGIApp]:
    """A builder: the envbridge server over a defective environment."""
    return lambda: healthy_app(factory, **app_kwargs)


def production_serving(routes: set[tuple[str, str]]) -> Callable[[], ASGIApp]:
    """A builder: a production server that hands ``(scope type, path)`` to a simulation one."""

    def build() -> ASGIApp:
        production = healthy_app(mode="production")
        simulation = healthy_app()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            leaked = (scope["type"], scope.get("path")) in routes
            await (simulation if leaked else production)(scope, receive, send)

        return app

    return build


@dataclass(frozen=True)
class BrokenServer:
    """One member of the family."""

    target: str
    """The id of the only check this server fails."""
    defect: str
    """What is wrong, in one line."""
    build: Callable[[], ASGIApp]
    options: dict[str, Any] = field(default_factory=dict)
    """Options for the run (e.g. the mode the server claims)."""
    production_twin: Callable[[], ASGIApp] | None = None
    """Served alongside; its URL becomes the run's ``production_url``."""


def _wire(target: str, defect: type[Defect], **app_kwargs: Any) -> BrokenServer:
    return BrokenServer(
        target, defect.__doc__ or defect.__name__, with_defect(defect, **app_kwargs)
    )


def _env(target: str, factory: type) -> BrokenServer:
    return BrokenServer(target, factory.__doc__ or factory.__name__, with_env(factory))


PRODUCTION = {"mode": "production"}

FAMILY: list[BrokenServer] = [
    _wire("http.health", defects.UnhealthyStatus),
    _wire("http.metadata", defects.NamelessMetadata),
    _wire("http.schema", defects.InvalidStateSchema),
    _wire("http.openapi", defects.OpenApiMissesState),
    _wire("http.mcp_endpoint", defects.McpEndpointRejectsEmpty),
    _wire("http.reset_step", defects.IntegerHttpReward),
    _wire("ws.reset", defects.ResetWithoutReward),
    _wire("ws.step", defects.StringStepReward),
    _wire("ws.state", defects.StepCountSurvivesReset),
    _wire("ws.episode_id", defects.FixedEpisodeId),
    _wire("ws.close", defects.CloseWithGoingAway),
    _wire("ws.episodes", defects.StaleDoneAfterEpisode),
    _wire("obs.step_schema", defects.StringCountInStep),
    _wire("obs.reset_schema", defects.StringCountInReset),
    _wire("obs.state_schema", defects.StringCountInState),
    _wire("errors.invalid_json", defects.WrongInvalidJsonCode),
    _wire("errors.unknown_type", defects.WrongUnknownTypeCode),
    _wire("errors.validation", defects.EnvelopeErrorsUnlisted),
    _wire("errors.action_validation", defects.UnknownActionFieldsIgnored),
    _wire("errors.http_422", defects.MissingActionDefaulted),
    _wire("errors.http_action_422", defects.HttpUnknownActionFieldsIgnored),
    _wire("errors.step_before_reset", defects.CloseOnStepBeforeReset),
    _wire("mcp.tools_list", defects.ToolsDescribedByNumbers),
    _wire("mcp.tools_call", defects.ToolResultWithoutContent),
    _env("mcp.tools_accept_schema", reference_env.PickyCounter),
    _wire("mcp.unknown_tool", defects.UnknownToolSucceeds),
    _env("mcp.reserved_names", reference_env.ReservedToolCounter),
    _wire("mcp.jsonrpc_ids", defects.IdsEchoedAsStrings),
    _wire("mcp.parse_error", defects.ParseErrorAsInvalidRequest),
    _wire("mcp.invalid_request", defects.MethodlessRequestAsInternalError),
    _wire("mcp.ws_frames", defects.McpFramesMistyped),
    _wire("mcp.ws_endpoint", defects.WsMcpToolsListLosesId),
    _wire("mcp.step_tools", defects.CamelCaseStepTools),
    _wire("batch.equivalence", defects.BatchResultsReversed),
    BrokenServer(
        "modes.production_http",
        "a production server that still serves POST /reset, POST /step and GET /state",
        production_serving({("http", "/reset"), ("http", "/step"), ("http", "/state")}),
        PRODUCTION,
    ),
    BrokenServer(
        "modes.production_ws",
        "a production server whose /ws still runs reset/step/state (as OpenEnv's does)",
        production_serving({("websocket", "/ws")}),
        PRODUCTION,
    ),
    BrokenServer(
        "modes.parity",
        "the production twin's echo tool reverses its message",
        with_env(reference_env.ReferenceCounter),
        production_twin=with_env(reference_env.SkewedCounter, mode="production"),
    ),
    _wire("dialect.metadata", defects.MetadataStripped),
    _env("determinism.reset_seed", reference_env.NonceCounter),
    _env("determinism.trajectory", reference_env.JitteryCounter),
    _env("determinism.reset_seed_session", reference_env.SeedOnceCounter),
    _wire("tasks.list_environments", task_twins.EnvListAsObject),
    _wire("tasks.splits", task_twins.SplitsAsStrings, factory=task_twins.ReferenceTaskCounter),
    _env("tasks.lookup", task_twins.DisagreeingTaskCounter),
    _env("tasks.range_slice", task_twins.InclusiveRangeCounter),
    _wire(
        "tasks.errors", task_twins.BadIndexIsServerError, factory=task_twins.ReferenceTaskCounter
    ),
    _wire("tasks.unsupported", task_twins.MissingTasksAnswer200),
    _wire(
        "tasks.reset_selection",
        task_twins.BadTaskResetIsExecutionError,
        factory=task_twins.ReferenceTaskCounter,
    ),
    _env("tasks.reset_reproducible", task_twins.NonceTaskCounter),
    _env("isolation.sessions", reference_env.TallyCounter),
    _wire("capacity.over_limit", defects.CapacityCloseCode),
    _wire("capacity.release", defects.LeakyCapacity, max_sessions=16),
    _wire("robustness.malformed_burst", defects.BigFrameDropsOthers),
    _wire("robustness.structured_errors", defects.NullBodyIsServerError),
    _wire("robustness.undecodable_bodies", defects.UndecodableIsServerError),
]


ONE_SESSION = {"max_sessions": 1}
PICKY = {"factory": reference_env.PickyDeltaCounter}

TWINS: list[BrokenServer] = [
    BrokenServer(
        "isolation.sessions",
        "one session at a time; a class-level tally shared by every session shows in state",
        with_env(reference_env.TallyCounter, **ONE_SESSION),
    ),
    BrokenServer(
        "obs.step_schema",
        "picky (only deltas 2 and 3 are legal); step observations send count as a string",
        with_defect(defects.StringCountInStep, **PICKY),
    ),
    BrokenServer(
        "determinism.trajectory",
        "picky (only deltas 2 and 3 are legal); rewards jitter",
        with_env(reference_env.PickyJitteryCounter),
    ),
    _wire("robustness.malformed_burst", defects.SlotLeakAfterDeepNesting, **ONE_SESSION),
    _wire("robustness.structured_errors", defects.AnswerThenCloseOnString),
]
"""More broken servers for checks whose verdict once depended on the server's shape: one
session at a time (OpenEnv's default) or a picky action validator. Each fails only its
target, like FAMILY."""

HEALTHY_SHAPES: dict[str, Callable[[], ASGIApp]] = {
    "one-session": lambda: healthy_app(**ONE_SESSION),
    "picky-validator": lambda: healthy_app(**PICKY),
    "refuses-every-action": lambda: healthy_app(reference_env.RefusesEverything),
    "untyped-readme-counter": lambda: healthy_app(reference_env.UntypedCounter),
    "one-session-picky": lambda: healthy_app(**PICKY, **ONE_SESSION),
}
"""Healthy servers of unusual shapes: the kit must fail none of their checks."""


def by_target(check_id: str) -> BrokenServer:
    """The family member that targets ``check_id``."""
    for server in FAMILY:
        if server.target == check_id:
            return server
    raise KeyError(f"no broken server targets {check_id!r}")
