"""``envbridge harbor lint PATH``: report what the bridge cannot honour, per task.

Exit status: 0 when no task has an error, 1 when some task does, 2 for a bad PATH.
``--backend local|docker`` adds that backend's checks (host tools, base images);
``--json`` prints machine-readable findings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from envbridge.bridges.harbor.lint import Finding, errors, lint_task
from envbridge.bridges.harbor.task import Task, TaskLoadError, is_task_dir, load_task

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="envbridge harbor lint",
        description="Check harbor task directories for features the envbridge bridge "
        "does not support, before an episode starts.",
    )
    parser.add_argument("path", nargs="?", help="a task directory or a folder of tasks")
    parser.add_argument(
        "--backend",
        choices=["local", "docker"],
        default=None,
        help="also run that backend's checks (host tools for local, base images for docker)",
    )
    parser.add_argument(
        "--base-image",
        action="append",
        default=[],
        metavar="IMAGE=LOCAL",
        help="map a FROM image to a local image (docker checks), e.g. "
        "python:3.12-slim=envbridge/base:py3",
    )
    parser.add_argument(
        "--airgap", action="store_true", help="as served with --airgap (docker checks)"
    )
    parser.add_argument(
        "--network", choices=["host", "bridge"], help="as served with --network (docker checks)"
    )
    parser.add_argument(
        "--build-network",
        choices=["none", "host", "bridge"],
        default="none",
        help="as served with --build-network (docker checks)",
    )
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    parser.add_argument(
        "--fields",
        action="store_true",
        help="print what the bridge does with every task.toml field (honoured, ignored, "
        "refused) and exit",
    )
    return parser


def print_fields() -> None:
    """The field table: one line per task.toml field, its verdict and why."""
    from envbridge.bridges.harbor.fields import FIELDS

    for path, use in FIELDS.items():
        line = f"{path:32} {use.verdict:9} {use.how}"
        if use.local is not None:
            line += f" (local backend: {use.local[0]}: {use.local[1]})"
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the lint command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.fields:
        print_fields()
        return EXIT_OK
    if args.path is None:
        parser.print_usage(sys.stderr)
        print("envbridge harbor lint: give PATH (a task directory or a folder of tasks)")
        return EXIT_USAGE
    root = Path(args.path).resolve()
    candidates = [root] if is_task_dir(root) else _child_tasks(root)
    if not candidates:
        print(
            f"envbridge harbor lint: {root} is neither a task directory (with task.toml) "
            "nor a folder of them",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from envbridge.bridges.harbor.settings import HarborSettings

    settings = HarborSettings(
        airgap=args.airgap, network=args.network or False, build_network=args.build_network
    )
    tasks: list[Task] = []
    report: dict[str, list[Finding]] = {}
    for candidate in candidates:
        try:
            task = load_task(candidate)
        except TaskLoadError as exc:
            report[candidate.name] = [Finding("load-error", "error", str(exc))]
            continue
        tasks.append(task)
        report[task.id] = lint_task(task, args.backend, settings)
    if args.backend == "docker":
        _add_base_image_findings(tasks, args.base_image, report)
    if args.json:
        print(json.dumps({tid: [f.as_dict() for f in fs] for tid, fs in report.items()}, indent=2))
    else:
        for task_id, findings in report.items():
            print(f"{task_id}: {'ok' if not errors(findings) else 'NOT SUPPORTED'}")
            for finding in findings:
                print(f"  {finding.severity:7} [{finding.rule}] {finding.message}")
    return EXIT_FINDINGS if any(errors(findings) for findings in report.values()) else EXIT_OK


def _child_tasks(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(child for child in root.iterdir() if child.is_dir() and is_task_dir(child))


def _add_base_image_findings(tasks, pairs: list[str], report: dict[str, list[Finding]]) -> None:
    from envbridge.bridges.harbor.backends.docker import docker_client
    from envbridge.bridges.harbor.base_images import ImagePlan
    from envbridge.bridges.harbor.settings import HarborSettings

    mapping = HarborSettings(base_images=pairs).base_images
    try:
        client = docker_client()
    except Exception as exc:  # no engine: every task gets the reason
        for task in tasks:
            report[task.id].append(Finding("base-image", "error", str(exc)))
        return
    try:
        for task in tasks:
            env = task.config.environment
            plan = ImagePlan(client, task.id, task.environment_dir, env.docker_image, mapping)
            report[task.id] += image_findings(plan)
    finally:
        client.close()


def image_findings(plan) -> list[Finding]:
    """Lint's account of how the docker backend gets the task's image."""
    findings = [Finding("base-image", "error", problem) for problem in plan.problems]
    if not plan.problems:
        findings.append(Finding("image", "info", "; ".join(plan.describe())))
    stand_ins = [stand_in for _, stand_in in plan.bases.values() if stand_in is not None]
    if plan.prebuilt is not None and plan.prebuilt_stand_in is not None:
        stand_ins.append(plan.prebuilt_stand_in)
    for stand_in in stand_ins:
        if not stand_in.faithful:
            findings.append(
                Finding(
                    "debian-stand-in",
                    "warning",
                    f"{stand_in.image} is replaced by {stand_in.describe()}: a task relying "
                    "on Ubuntu-only packages or paths may fail",
                )
            )
    return findings


if __name__ == "__main__":
    sys.exit(main())
