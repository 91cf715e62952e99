"""``envbridge check URL``: run the conformance kit from the command line.

Exit codes: 0 every MUST check passed, 1 a MUST check failed, 2 the server could not be
reached or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_EPILOG = """\
exit codes: 0 every MUST check passed; 1 a MUST check failed; 2 unreachable, not an
OpenEnv server, or bad arguments

examples:
  envbridge check http://127.0.0.1:8000
  envbridge check http://127.0.0.1:8000 --quick --only http ws
  envbridge check http://127.0.0.1:8001 --mode production --junit conformance.xml
  envbridge check http://127.0.0.1:8000 --html conformance.html
  envbridge check http://127.0.0.1:8000 --production-url http://127.0.0.1:8001
"""


def build_parser(prog: str = "envbridge check") -> argparse.ArgumentParser:
    """The argument parser (the envbridge CLI mounts it as the ``check`` subcommand)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Check the OpenEnv server at URL against the wire protocol "
        "(catalogue: docs/conformance.md).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return parser


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """Mount ``check`` on the envbridge CLI (``envbridge.cli.SUBCOMMANDS.append(this)``)."""
    parser = sub.add_parser(
        "check",
        help="check an OpenEnv server against the wire protocol",
        description="Check the OpenEnv server at URL against the wire protocol "
        "(catalogue: docs/conformance.md).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` options to ``parser``."""
    parser.add_argument("url", help="base URL of the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--quick", action="store_true", help="run the fast subset (< 10 s)")
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--html", metavar="FILE", help="write the report as one self-contained HTML page"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="AREA",
        help="run only these areas (or check ids), e.g. --only http ws mcp",
    )
    parser.add_argument(
        "--mode",
        choices=["simulation", "production"],
        help="the mode the server should be in (default: detect)",
    )
    parser.add_argument(
        "--dialect",
        choices=["openenv-0.10.x", "openenv-core-0.3.x"],
        help="judge against this dialect instead of the detected one",
    )
    parser.add_argument(
        "--action",
        type=_json_object,
        metavar="JSON",
        help="an action the environment accepts (default: found by trying candidates from "
        "/schema and the MCP tools; checks that need one skip when none is accepted)",
    )
    parser.add_argument(
        "--production-url",
        metavar="URL",
        help="the same environment in production mode (enables modes.parity)",
    )
    parser.add_argument(
        "--nondeterministic", action="store_true", help="skip the determinism checks"
    )
    parser.add_argument(
        "--sessions",
        type=int,
        default=16,
        metavar="N",
        help="most concurrent sessions the capacity checks open (default: 16)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds to wait for any one reply (default: 10)",
    )
    parser.add_argument(
        "--check-timeout",
        type=_positive_seconds,
        default=60.0,
        metavar="S",
        help="seconds one check may take (default: 60); a check cut short while the server "
        "still answers is skipped as not judged",
    )
    parser.add_argument("--quiet", action="store_true", help="no live progress")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number of seconds above 0")
    return value


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"delta\": 1}'")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return run(args)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the kit for parsed ``args``; print progress and the summary to ``out``."""
    out = out or sys.stdout
    try:
        from envbridge.conformance import reports
        from envbridge.conformance.probe import Options
        from envbridge.conformance.runner import NotOpenEnv, ServerUnreachable, UsageError, check
    except ImportError as exc:
        print(
            f"envbridge check needs the conformance extra: pip install "
            f"'envbridge[conformance]' ({exc})",
            file=sys.stderr,
        )
        return EXIT_USAGE

    live = out.isatty()

    def progress(spec: Any, result: Any) -> None:
        if result is None:
            if live:
                print(f"  ....  {spec.level.value:6}  {spec.id}", end="\r", file=out, flush=True)
        else:
            print(("\x1b[K" if live else "") + reports.progress_line(result), file=out, flush=True)

    options = Options(
        quick=args.quick,
        timeout_s=args.timeout,
        mode=args.mode,
        dialect=args.dialect,
        action=args.action,
        production_url=args.production_url,
        deterministic=False if args.nondeterministic else None,
        max_sessions_probe=args.sessions,
        check_timeout_s=args.check_timeout,
    )
    try:
        report = check(
            args.url, only=args.only, progress=None if args.quiet else progress, **vars(options)
        )
    except (ServerUnreachable, NotOpenEnv, UsageError) as exc:
        print(f"envbridge check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(("\n" if not args.quiet else "") + reports.text(report), file=out)
    if args.json:
        Path(args.json).write_text(reports.to_json(report) + "\n")
    if args.junit:
        Path(args.junit).write_text(reports.junit(report) + "\n")
    if args.html:
        from envbridge.conformance.html_report import render

        Path(args.html).write_text(render(report) + "\n", encoding="utf-8")
    return EXIT_PASSED if report.passed else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
