"""Rendering a Report: a human summary table, JSON, and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from envbridge.conformance.model import CheckResult, Level, Report, Status

_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIP: "skip", Status.INFO: "info"}


def progress_line(result: CheckResult) -> str:
    """One line per finished check (the live progress output)."""
    line = (
        f"  {_MARK[result.status]:4}  {result.level.value:6}  {result.id:28} "
        f"{result.duration_s * 1000:7.0f} ms"
    )
    if result.message:
        line += f"  {result.message}"
    return line


def text(report: Report) -> str:
    """The human summary: header, table of non-passing checks, latency, verdict."""
    lines = [
        f"envbridge conformance: {report.url}",
        f"dialect {report.dialect}, mode {report.mode}, {len(report.results)} checks in "
        f"{report.duration_s:.1f} s",
        "",
        f"{'level':6}  {'pass':>4}  {'fail':>4}  {'skip':>4}",
    ]
    for level in (Level.MUST, Level.SHOULD, Level.MAY):
        of_level = [r for r in report.results if r.level is level]
        if of_level:
            n = {s: sum(r.status is s for r in of_level) for s in Status}
            lines.append(
                f"{level.value:6}  {n[Status.PASS]:4}  {n[Status.FAIL]:4}  {n[Status.SKIP]:4}"
            )
    failed = report.failed()
    if failed:
        lines += ["", "failures:"]
        for result in failed:
            lines.append(f"  {result.level.value:6} {result.id}: {result.message}")
            if result.upstream:
                lines.append(f"         {result.upstream}")
            if result.sent is not None:
                lines.append(f"         sent:     {_short(result.sent)}")
            if result.received is not None:
                lines.append(f"         received: {_short(result.received)}")
    skipped = [r for r in report.results if r.status is Status.SKIP]
    if skipped:
        lines += ["", "skipped:"]
        lines += [f"  {r.id}: {r.message}" for r in skipped]
    latency = _latency(report)
    if latency:
        lines += ["", f"{'latency':32} {'n':>5} {'p50 ms':>9} {'p99 ms':>9}"]
        for op, row in latency.items():
            lines.append(f"  {op:30} {row['n']:5} {row['p50_ms']:9.2f} {row['p99_ms']:9.2f}")
    verdict = (
        "PASSED: every MUST check passed"
        if report.passed
        else (f"FAILED: {len(report.failed(Level.MUST))} MUST check(s) failed")
    )
    return "\n".join([*lines, "", verdict])


def _latency(report: Report) -> dict[str, Any]:
    for result in report.results:
        if result.id == "latency.operations":
            return result.details.get("latency", {})
    return {}


def _short(value: Any, limit: int = 300) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, default=repr)
    return shown if len(shown) <= limit else shown[:limit] + "..."


def to_json(report: Report) -> str:
    """The ``--json`` document."""
    return json.dumps(report.to_json(), indent=2, default=repr)


def junit(report: Report) -> str:
    """JUnit XML: one testcase per check; MUST failures are failures, others are skipped."""
    suite = ET.Element(
        "testsuite",
        name="envbridge-conformance",
        tests=str(len(report.results)),
        failures=str(len(report.failed(Level.MUST))),
        skipped=str(
            sum(
                r.status is Status.SKIP or (r.status is Status.FAIL and r.level is not Level.MUST)
                for r in report.results
            )
        ),
        time=f"{report.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("url", report.url), ("dialect", report.dialect), ("mode", report.mode)):
        ET.SubElement(props, "property", name=name, value=value)
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"conformance.{result.id.split('.')[0]}",
            name=f"{result.id} [{result.level.value}]",
            time=f"{result.duration_s:.3f}",
        )
        message = result.message + (f" [{result.upstream}]" if result.upstream else "")
        ET.SubElement(ET.SubElement(case, "properties"), "property", name="rule", value=result.rule)
        if result.status is Status.FAIL and result.level is Level.MUST:
            failure = ET.SubElement(case, "failure", message=message)
            failure.text = (
                f"sent: {_short(result.sent, 2000)}\nreceived: {_short(result.received, 2000)}"
            )
        elif result.status is Status.FAIL:
            ET.SubElement(case, "skipped", message=f"{result.level.value} failed: {message}")
        elif result.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=result.message)
        if result.details:
            ET.SubElement(case, "system-out").text = json.dumps(result.details, default=repr)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
