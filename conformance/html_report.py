"""``envbridge check --html FILE``: the report as one self-contained HTML page.

No script and no external resource: a verdict, a count per level, then every check in
catalogue order with its outcome; each failure opens to what was sent, what came back,
and the rule (title, what the check sends and expects, and the wire reference).
"""

from __future__ import annotations

import html
import json
from typing import Any

from envbridge.conformance.model import CheckResult, CheckSpec, Level, Report, Status
from envbridge.conformance.registry import catalogue

_STYLE = """
body{font-family:system-ui,"DejaVu Sans",sans-serif;margin:1.5rem;color:#1c1e21;max-width:75rem}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d5d9df;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f5}code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace}
pre{background:#f6f7f9;padding:.5rem;white-space:pre-wrap;word-break:break-word;margin:.3rem 0}
.verdict{font-size:1.2rem;font-weight:700;padding:.4rem .8rem;display:inline-block}
.passed{background:#e6f4ea;color:#1d7a3a}.failed{background:#fdecea;color:#b3261e}
.pass{color:#1d7a3a}.fail{color:#b3261e;font-weight:700}.skip{color:#7a6a00}.info{color:#1f5fbf}
tr.fail-must td{background:#fdecea}tr.fail-other td{background:#fff7e0}
.muted{color:#5f6670}dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .8rem;margin:.4rem 0}
dt{font-weight:600}dd{margin:0}
"""


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, default=repr)


def _counts(report: Report) -> str:
    rows = []
    for level in (Level.MUST, Level.SHOULD, Level.MAY, Level.INFO):
        of_level = [r for r in report.results if r.level is level]
        if of_level:
            n = {s: sum(r.status is s for r in of_level) for s in Status}
            rows.append(
                f"<tr><td>{level.value}</td><td>{n[Status.PASS]}</td><td>{n[Status.FAIL]}</td>"
                f"<td>{n[Status.SKIP]}</td><td>{n[Status.INFO]}</td></tr>"
            )
    return (
        "<table aria-label='checks per level'><tr><th>level</th><th>pass</th><th>fail</th>"
        f"<th>skip</th><th>info</th></tr>{''.join(rows)}</table>"
    )


def _rule(spec: CheckSpec | None) -> str:
    if spec is None:
        return ""
    return (
        f"<dl><dt>rule</dt><dd>{html.escape(spec.rule)}</dd>"
        f"<dt>sends</dt><dd><code>{html.escape(spec.sends)}</code></dd>"
        f"<dt>expects</dt><dd><code>{html.escape(spec.expects)}</code></dd></dl>"
    )


def _exchange(result: CheckResult) -> str:
    parts = []
    for label, value in (("sent", result.sent), ("received", result.received)):
        if value is not None:
            parts.append(f"<h4>{label}</h4><pre>{html.escape(_pretty(value))}</pre>")
    return "".join(parts)


def _row(result: CheckResult, spec: CheckSpec | None) -> str:
    failed = result.status is Status.FAIL
    row_class = ""
    if failed:
        row_class = " class='fail-must'" if result.level is Level.MUST else " class='fail-other'"
    message = html.escape(result.message)
    if failed or result.status is Status.SKIP:
        message = (
            f"<details{' open' if failed else ''}><summary>{message or 'details'}</summary>"
            f"{_exchange(result)}{_rule(spec)}</details>"
        )
    return (
        f"<tr{row_class} id='{html.escape(result.id)}'>"
        f"<td class='{result.status.value}'>{result.status.value.upper()}</td>"
        f"<td>{result.level.value}</td><td><code>{html.escape(result.id)}</code></td>"
        f"<td>{html.escape(result.title)}</td><td>{result.duration_s * 1000:.0f} ms</td>"
        f"<td>{message}</td></tr>"
    )


def _latency(report: Report) -> str:
    for result in report.results:
        if result.id == "latency.operations":
            table = result.details.get("latency", {})
            rows = "".join(
                f"<tr><td>{html.escape(op)}</td><td>{row['n']}</td><td>{row['p50_ms']:.2f}</td>"
                f"<td>{row['p99_ms']:.2f}</td></tr>"
                for op, row in table.items()
            )
            if rows:
                return (
                    "<h2>Latency</h2><table><tr><th>operation</th><th>n</th><th>p50 ms</th>"
                    f"<th>p99 ms</th></tr>{rows}</table>"
                )
    return ""


def render(report: Report) -> str:
    """The whole page for ``report``."""
    specs = {spec.id: spec for spec in catalogue()}
    must_failed = len(report.failed(Level.MUST))
    verdict = (
        "<p class='verdict passed'>PASSED: every MUST check passed</p>"
        if report.passed
        else f"<p class='verdict failed'>FAILED: {must_failed} MUST check(s) failed</p>"
    )
    rows = "".join(_row(result, specs.get(result.id)) for result in report.results)
    title = f"envbridge conformance: {report.url}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p class='muted'>dialect {html.escape(report.dialect)}, mode "
        f"{html.escape(report.mode)}, {len(report.results)} checks in "
        f"{report.duration_s:.1f} s</p>{verdict}{_counts(report)}"
        "<h2>Checks</h2><table aria-label='every check'><tr><th>status</th><th>level</th>"
        f"<th>id</th><th>title</th><th>time</th><th>message</th></tr>{rows}</table>"
        f"{_latency(report)}</body></html>"
    )
