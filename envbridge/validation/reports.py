"""Output of ``envbridge validate``: a table, a JSON report in OpenEnv's report-v2 shape,
and JUnit XML.

The JSON validates against ``report-v2.schema.json`` of ``openenv validate`` (openenv
0.10). Per task it emits two results, ``semantic.oracle_max`` and ``semantic.floor_gap``
(OpenEnv's own check ids), whose ``measured`` carries the task id, split, index and
rewards. Fields that do not map: ``manifest`` is null (envbridge reads task folders and
datasets, not an OpenEnv manifest); ``signature`` is ``task.toml`` for harbor but has no
verifiers value in the schema's enum, so verifiers runs say ``openenv.yaml`` (OpenEnv's
catch-all package format); ``policy_version`` names envbridge's rule (oracle at the
maximum within 1e-6, floor strictly below the oracle), not an OpenEnv severity policy;
``levels_run`` is ``[3]`` (semantic) only; the per-task outcome "error" (could not run)
maps to the schema's ``error`` status.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from envbridge.validation.model import TaskVerdict, ValidationRun

POLICY_VERSION = "envbridge-validate-1"
_SIGNATURE = {"harbor": "task.toml", "verifiers": "openenv.yaml"}


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def table(run: ValidationRun) -> str:
    """A plain-text table: one row per task, then the totals."""
    rows = [("task", "split", "oracle", "floor", "max", "result", "time", "why")]
    rows += [
        (
            v.task_id,
            v.split,
            _fmt(v.oracle),
            _fmt(v.floor),
            _fmt(v.max_reward),
            v.outcome,
            f"{v.seconds:.1f}s",
            (v.why or "")[:90],
        )
        for v in run.verdicts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    counts = run.counts()
    lines.append(
        f"\n{len(run.verdicts)} of {run.total_tasks} tasks: {counts['pass']} pass, "
        f"{counts['fail']} fail, {counts['error']} error ({run.seconds:.1f}s)"
    )
    return "\n".join(line.rstrip() for line in lines)


def progress_line(done: int, total: int, verdict: TaskVerdict) -> str:
    """One line per finished task (with a text progress bar)."""
    filled = round(20 * done / total) if total else 20
    bar = "#" * filled + "." * (20 - filled)
    return (
        f"[{bar}] {done}/{total} {verdict.task_id}: {verdict.outcome} "
        f"(oracle {_fmt(verdict.oracle)}, floor {_fmt(verdict.floor)}, {verdict.seconds:.1f}s)"
    )


def _status(verdict: TaskVerdict, ok: bool) -> str:
    if verdict.outcome == "error":
        return "error"
    return "pass" if ok else "fail"


def report_v2(run: ValidationRun) -> dict[str, Any]:
    """The run as an OpenEnv ``ValidationReportV2`` document (see the module docstring)."""
    results = []
    for v in run.verdicts:
        measured = {
            "task_id": v.task_id,
            "split": v.split,
            "index": v.index,
            "oracle_reward": v.oracle,
            "floor_reward": v.floor,
            "max_reward": v.max_reward,
        }
        oracle_ok = v.oracle is not None and v.oracle >= v.max_reward - 1e-6
        floor_ok = v.outcome == "pass"
        half = round(v.seconds / 2, 4)
        for check_id, ok in (("semantic.oracle_max", oracle_ok), ("semantic.floor_gap", floor_ok)):
            results.append(
                {
                    "check_id": check_id,
                    "status": _status(v, ok),
                    "measured": measured,
                    "evidence": [f"{v.split}/{v.task_id}: {v.why or 'ok'}"],
                    "remediation": None if ok else v.why,
                    "duration_s": half,
                }
            )
    return {
        "report_schema_version": "2",
        "target": run.target,
        "source_digest": run.source_digest,
        "signature": _SIGNATURE.get(run.kind, "openenv.yaml"),
        "manifest": None,
        "policy_version": POLICY_VERSION,
        "lane": "local",
        "levels_run": [3],
        "results": results,
        "verdict": "pass" if run.exit_code == 0 else "fail",
    }


def junit(run: ValidationRun) -> str:
    """JUnit XML: one testcase per task (failure = a reward rule, error = could not run)."""
    counts = run.counts()
    suite = ET.Element(
        "testsuite",
        name=f"envbridge validate {run.target}",
        tests=str(len(run.verdicts)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        time=f"{run.seconds:.3f}",
    )
    for v in run.verdicts:
        case = ET.SubElement(
            suite, "testcase", classname=v.split, name=v.task_id, time=f"{v.seconds:.3f}"
        )
        if v.outcome != "pass":
            kind = "error" if v.outcome == "error" else "failure"
            ET.SubElement(
                case, kind, message=v.why or v.outcome
            ).text = f"oracle={_fmt(v.oracle)} floor={_fmt(v.floor)} max={_fmt(v.max_reward)}"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
