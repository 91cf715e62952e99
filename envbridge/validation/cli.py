"""``envbridge validate TARGET``: does each task work? Oracle at the maximum, floor below.

Targets: ``harbor:PATH`` (a task directory or a folder of them) and ``verifiers:NAME``
(an installed classic verifiers environment). Exit 0 every task passed, 1 some did not,
2 the target could not be validated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from envbridge.validation.model import (
    EXIT_COULD_NOT_RUN,
    CannotValidate,
    ValidationRun,
)
from envbridge.validation.reports import junit, progress_line, report_v2, table

EPILOG = """\
examples:
  envbridge validate harbor:envs/harbor --backend local --jobs 2
  envbridge validate harbor:envs/harbor --sample 3 --seed 1 --json report.json
  envbridge validate verifiers:vf-math --junit validate.xml

A task passes when its oracle (harbor: the task's solution/solve.sh; verifiers: the
row's reference answer) reaches the maximum reward and a do-nothing floor stays below
the oracle. Exit status: 0 all pass, 1 some fail, 2 could not run.
"""


def add_subcommand(sub: argparse._SubParsersAction) -> None:
    """Register ``envbridge validate``."""
    parser = sub.add_parser(
        "validate",
        help="run every task's oracle and floor (harbor, verifiers)",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="harbor:PATH or verifiers:NAME")
    parser.add_argument("--sample", type=int, default=None, metavar="N", help="validate N tasks")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="tasks in parallel (default 1)")
    parser.add_argument("--split", default=None, help="verifiers: only this split")
    parser.add_argument(
        "--backend", choices=["auto", "docker", "local"], default=None, help="harbor sandbox"
    )
    parser.add_argument(
        "--base-image",
        action="append",
        default=None,
        metavar="NAME=LOCAL",
        help="harbor/docker: use local image LOCAL for FROM NAME (repeatable)",
    )
    parser.add_argument(
        "--options",
        type=json.loads,
        default=None,
        help="JSON object for the target (harbor settings, verifiers load_environment args)",
    )
    parser.add_argument(
        "--json",
        dest="json_path",
        default=None,
        metavar="FILE",
        help="write an OpenEnv report-v2 JSON report",
    )
    parser.add_argument("--junit", default=None, metavar="FILE", help="write JUnit XML")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


async def _validate(args: argparse.Namespace, run: ValidationRun, options: dict[str, Any]) -> None:
    def progress(done: int, total: int, verdict: Any) -> None:
        if not args.quiet:
            print(progress_line(done, total, verdict), file=sys.stderr, flush=True)

    kind, _, rest = args.target.partition(":")
    if kind == "harbor":
        from envbridge.validation.harbor import digest, validate_harbor

        if not Path(rest).exists():
            raise CannotValidate(f"{rest} does not exist; give a harbor task directory or folder")
        run.source_digest = digest(Path(rest))
        run.verdicts, run.total_tasks = await validate_harbor(
            rest, options, sample=args.sample, seed=args.seed, jobs=args.jobs, progress=progress
        )
    elif kind == "verifiers":
        from envbridge.validation.verifiers import validate_verifiers

        run.verdicts, run.total_tasks, run.source_digest = await validate_verifiers(
            rest,
            options,
            sample=args.sample,
            seed=args.seed,
            jobs=args.jobs,
            split=args.split,
            progress=progress,
        )
    elif kind == "gym":
        raise CannotValidate(
            "Gymnasium envs have no oracle (no reference solution to play); validate harbor "
            "task folders or verifiers environments"
        )
    else:
        raise CannotValidate(f"unknown target {args.target!r}: give harbor:PATH or verifiers:NAME")


def run(args: argparse.Namespace) -> int:
    """Run the validation and write the reports; returns the exit status."""
    options = dict(args.options or {})
    if not isinstance(args.options or {}, dict):
        print("envbridge validate: --options must be a JSON object", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    if args.backend is not None:
        options["backend"] = args.backend
    if args.base_image:
        if not all("=" in item for item in args.base_image):
            print("envbridge validate: --base-image takes NAME=LOCAL", file=sys.stderr)
            return EXIT_COULD_NOT_RUN
        options["base_images"] = dict(item.split("=", 1) for item in args.base_image)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    validation = ValidationRun(args.target, args.target.partition(":")[0])
    started = time.monotonic()
    try:
        asyncio.run(_validate(args, validation, options))
    except (CannotValidate, ValueError) as exc:
        print(f"envbridge validate: {exc}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    validation.seconds = time.monotonic() - started
    if not validation.verdicts:
        print("envbridge validate: no tasks to validate", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    print(table(validation))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report_v2(validation), indent=2) + "\n")
    if args.junit:
        Path(args.junit).write_text(junit(validation) + "\n")
    return validation.exit_code
