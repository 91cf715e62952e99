"""The ``envbridge`` command: serve environments (more subcommands arrive with each room)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from envbridge import __version__

EXIT_OK = 0
EXIT_USAGE = 2

_SERVE_EPILOG = """\
targets:
  module:factory      an Environment class or a function returning one (or a gymnasium.Env)
  gym:ID              a registered Gymnasium id, e.g. gym:CartPole-v1 (--kwargs for gym.make)
  verifiers:NAME      an installed verifiers environment (--env-args for load_environment)
  harbor:PATH         a harbor task directory or a folder of tasks

examples:
  envbridge serve envs.native.counter:CounterEnv --port 8000
  envbridge serve gym:CartPole-v1 --mode production
  envbridge serve gym:CartPole-v1 --open          # and open http://127.0.0.1:8000/web
"""


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"key\": 1}'")
    return value


def _port(text: str) -> int:
    from envbridge.spec.server.listen import check_port

    try:
        return check_port(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give 1-65535, or 0 for any free one"
        ) from None


def _add_serve(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve an environment over HTTP, WebSocket and MCP",
        description="Serve TARGET as an OpenEnv-compatible server (one env per session).",
        epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="what to serve (see targets below)")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port, 1-65535, or 0 for any free one (default: 8000)",
    )
    parser.add_argument(
        "--mode",
        default="simulation",
        choices=["simulation", "production"],
        help="simulation: reset/step/state + tools; production: MCP tools only",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=256,
        help="concurrent sessions (WS, MCP, named HTTP) (default: 256)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=900.0,
        help="seconds before an unattached idle session is closed (default: 900; 0 disables)",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="fail any env call (step, state, tool, close; not reset, which may build a "
        "sandbox) running longer with EXECUTION_ERROR (default: no limit)",
    )
    parser.add_argument(
        "--ws-idle-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="close a WebSocket (and the session it holds) that sent no frame for this "
        "long (default: never)",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="after SIGTERM/SIGINT, exit within this long even if an env call is stuck; "
        "temp folders, subprocesses and containers are removed first (default: 10)",
    )
    for flag, what in (
        ("--kwargs", "gym.make"),
        ("--env-args", "load_environment"),
        ("--options", "the target's factory"),
    ):
        parser.add_argument(
            flag,
            type=_json_object,
            default=None,
            help=f"JSON object of keyword arguments for {what}",
        )
    parser.add_argument(
        "--backend",
        choices=["auto", "docker", "local"],
        default=None,
        help="harbor: sandbox backend (default auto: docker when reachable)",
    )
    parser.add_argument(
        "--base-image",
        action="append",
        default=None,
        metavar="NAME=LOCAL",
        help="harbor/docker: use local image LOCAL for FROM NAME (repeatable)",
    )
    parser.add_argument(
        "--pass-env",
        action="append",
        default=None,
        metavar="NAME",
        help="harbor: let tasks' ${NAME} read this server variable (repeatable); any other "
        "${VAR} in a task's env tables is refused at start-up",
    )
    parser.add_argument(
        "--tasks",
        default=None,
        metavar="FILE",
        help='gym: a JSON list of tasks ({"seed": 3, "options": {...}} or bare seeds), or '
        "{split: [...]}, served over the Task API (without it a gym env answers 501)",
    )
    parser.add_argument(
        "--network",
        choices=["host", "bridge"],
        default=None,
        help="harbor: give tasks whose network_mode is public this Docker network",
    )
    parser.add_argument(
        "--build-network",
        choices=["none", "host", "bridge"],
        default=None,
        help="harbor/docker: the network image builds run on (default none)",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        default=None,
        help="harbor: a PEM CA bundle that builds and sandbox commands trust "
        "(for a re-signing HTTPS proxy)",
    )
    parser.add_argument(
        "--airgap",
        action="store_true",
        help="harbor/docker: provide uv/uvx, local Pythons and a wheelhouse for test.sh "
        "scripts that download them (Terminal-Bench 2 style), with no network",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="open the /web page (play, watch, debug) in your browser once serving",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(func=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from envbridge.spec.server import serve
    from envbridge.spec.server.listen import PortUnavailable
    from envbridge.targets import TargetError, resolve_target

    options = {**(args.options or {}), **(args.kwargs or {}), **(args.env_args or {})}
    if args.backend is not None:
        options["backend"] = args.backend
    if args.pass_env:
        options["pass_env"] = args.pass_env
    if args.tasks is not None:
        options["tasks"] = args.tasks
    for key in ("network", "build_network", "ca_bundle"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if args.airgap:
        options["airgap"] = True
    if args.base_image:
        try:
            options["base_images"] = dict(item.split("=", 1) for item in args.base_image)
        except ValueError:
            print(
                "envbridge serve: --base-image takes NAME=LOCAL, e.g. "
                "python:3.12-slim=envbridge/base:py3",
                file=sys.stderr,
            )
            return EXIT_USAGE
    if os.getcwd() not in sys.path:  # like uvicorn's --app-dir .: module:factory from here
        sys.path.insert(0, os.getcwd())
    try:
        factory = resolve_target(args.target, options)
    except TargetError as exc:
        print(f"envbridge serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    on_listening = None
    if args.open:
        from envbridge.browser import open_when_ready, page_url

        def on_listening(port: int) -> None:
            open_when_ready(page_url(args.host, port))

    try:
        serve(
            factory,
            host=args.host,
            port=args.port,
            mode=args.mode,
            max_sessions=args.max_sessions,
            idle_timeout_s=args.idle_timeout or None,
            step_timeout_s=args.step_timeout or None,
            ws_idle_timeout_s=args.ws_idle_timeout or None,
            shutdown_timeout_s=args.shutdown_timeout,
            log_level=args.log_level if args.log_level != "info" else "warning",
            label=args.target,
            on_listening=on_listening,
        )
    except PortUnavailable as exc:
        print(f"envbridge serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _add_harbor(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "harbor",
        help="harbor task directories: lint",
        description="Tools for harbor-style task directories. "
        "`envbridge harbor lint PATH --help` for the lint options.",
    )
    parser.add_argument("action", choices=["lint"], help="lint: report unsupported features")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="PATH and lint options")
    parser.set_defaults(func=_run_harbor)


def _run_harbor(args: argparse.Namespace) -> int:
    from envbridge.bridges.harbor.cli import main as lint_main

    return lint_main(args.rest)


def _add_docker(sub: argparse._SubParsersAction) -> None:
    from envbridge.docker.cli import add_docker_commands

    add_docker_commands(sub)


def _add_check(sub: argparse._SubParsersAction) -> None:
    from envbridge.conformance.cli import add_subcommand

    add_subcommand(sub)


def _add_validate(sub: argparse._SubParsersAction) -> None:
    from envbridge.validation.cli import add_subcommand

    add_subcommand(sub)


def _add_k8s(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "k8s",
        help="Kubernetes manifests for envbridge images",
        add_help=False,
        prefix_chars="\0",  # every word, --help included, reaches the command's own parser
    )
    parser.add_argument("args", nargs="*")
    parser.set_defaults(func=_run_k8s)


def _run_k8s(args: argparse.Namespace) -> int:
    from envbridge.k8s import main as k8s_main

    return k8s_main(args.args)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_serve,
    _add_check,
    _add_validate,
    _add_harbor,
    _add_docker,
    _add_k8s,
]
"""Each adds one subcommand; rooms append theirs here."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="envbridge",
        description="envbridge: serve, check and connect OpenEnv-compatible RL environments.",
    )
    parser.add_argument("--version", action="version", version=f"envbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"] and any(a.split("=")[0] == "--image" for a in argv[1:]):
        from envbridge.docker.cli import check_image_main  # a container instead of a URL

        return check_image_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args) or 0)
