"""What a new user trips over (issue 19): each item as the user meets it.

Items: 1 the README Counter passes the kit; 2 ports (validation, banner after bind with the
real port, a taken port); 3 a URL that is not an OpenEnv server; 7 ``envbridge.serve()``
prints the CLI's banner; 8 options a factory cannot take are refused at start-up.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from envbridge.conformance import Status, check
from envbridge.spec.server import create_app

from tests.conformance.conftest import FAST
from tests.helpers import free_port, serving_app

ROOT = Path(__file__).resolve().parents[2]
ENVBRIDGE = [sys.executable, "-m", "envbridge"]
BANNER = re.compile(r"serving (\S+) \((\w+) mode\) on http://127\.0\.0\.1:(\d+)")


def readme_block(heading: str) -> str:
    """The first python block after ``heading`` in README.md."""
    text = (ROOT / "README.md").read_text()
    after = text[text.index(heading) :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


# ----------------------------------------------------------------------- item 1


def test_readme_counter_passes_the_kit():
    source = readme_block("## Thirty seconds")
    assert "envbridge.serve(Counter" in source
    namespace: dict = {}
    served = re.sub(r"^envbridge\.serve\(.*$", "", source, flags=re.MULTILINE)
    exec(compile(served, "README.md#thirty-seconds", "exec"), namespace)
    with serving_app(create_app(namespace["Counter"])) as url:
        report = check(url, **FAST)
    assert [(r.id, r.message) for r in report.failed()] == []
    assert report.result("ws.step").details["action"] == {"delta": 0}


def test_readme_cli_counter_passes_the_kit():
    from envs.native.counter import CounterEnv

    with serving_app(create_app(CounterEnv)) as url:
        report = check(url, **FAST)
    assert [(r.id, r.message) for r in report.failed()] == []


# ----------------------------------------------------------------------- item 2


def _serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ENVBRIDGE, "serve", "envs.native.counter:CounterEnv", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_bad_port_is_refused_in_one_line(port):
    done = _serve("--port", port)
    assert done.returncode == 2
    assert "is not a port: give 1-65535, or 0 for any free one" in done.stderr
    assert "serving" not in done.stderr


def test_taken_port_is_one_line_and_exit_2_without_a_banner():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = _serve("--port", str(port))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"envbridge serve: cannot listen on 127.0.0.1:{port}")
    assert "--port 0" in lines[0]


@pytest.fixture
def port_zero_server() -> Iterator[tuple[subprocess.Popen, str]]:
    process = subprocess.Popen(
        [*ENVBRIDGE, "serve", "envs.native.counter:CounterEnv", "--port", "0"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process, process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def test_port_zero_banner_names_the_real_port_after_binding(port_zero_server):
    _, line = port_zero_server
    match = BANNER.search(line)
    assert match, line
    port = int(match.group(3))
    assert port != 0
    assert httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).status_code == 200


# ----------------------------------------------------------------------- item 3


@pytest.fixture
def static_files(tmp_path) -> Iterator[str]:
    (tmp_path / "index.html").write_text("<html><body>" + "hello " * 500 + "</body></html>")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
        *a, directory=str(tmp_path), **k
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_static_file_server_is_not_openenv_one_line_exit_2(static_files):
    done = subprocess.run(
        [*ENVBRIDGE, "check", static_files],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"no OpenEnv server at {static_files}: /health answered 404 text/html" in lines[0]


def test_bodies_in_reports_are_excerpts():
    from envbridge.conformance.runner import EXCERPT, excerpt

    cut = excerpt({"received": "<html>" + "x" * 5000})
    assert len(cut["received"]) < EXCERPT + 30 and cut["received"].endswith("(5006 chars)")


# ----------------------------------------------------------------------- item 5


def doc_block(page: str, marker: str) -> str:
    """The python block of ``page`` (under docs/) that contains ``marker``."""
    blocks = (ROOT / "docs" / page).read_text().split("```python\n")[1:]
    return next(b.split("```", 1)[0] for b in blocks if marker in b)


def test_quickstart_pool_example_runs_from_any_directory(tmp_path):
    example = tmp_path / "pool_example.py"
    example.write_text(doc_block("quickstart.md", "from envbridge import Pool"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "frozenlake" in done.stdout and "CartPole" in done.stdout


# ----------------------------------------------------------------------- item 7


def test_python_serve_prints_the_cli_banner():
    code = textwrap.dedent(
        """
        import envbridge
        from envs.native.counter import CounterEnv
        envbridge.serve(CounterEnv, port=0)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        line = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()
    match = BANNER.search(line)
    assert match, line
    assert match.group(1) == "CounterEnv" and match.group(2) == "simulation"


# ----------------------------------------------------------------------- item 8


def test_options_a_factory_cannot_take_are_refused_with_its_signature():
    done = _serve("--env-args", '{"bogus": 1}', "--port", str(free_port()))
    assert done.returncode == 2
    assert "envs.native.counter:CounterEnv cannot take the options ['bogus']" in done.stderr
    assert "(target: 'int' = 10)" in done.stderr, "the signature is shown"
    assert "serving" not in done.stderr


def test_options_a_factory_takes_still_serve():
    from envbridge.targets import resolve_target

    factory = resolve_target("envs.native.counter:CounterEnv", {"target": 3})
    assert factory().target == 3


# ----------------------------------------------------------------------- item 7a


def test_make_installs_editables_without_warning_boxes():
    planned = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    ).stdout
    editable = [line for line in planned.splitlines() if "pip install" in line and " -e " in line]
    assert editable and all(line.startswith("PYTHONWARNINGS=ignore ") for line in editable)
    setting, *pip = editable[-1].split(" -e ")[0].split()  # the Makefile's prefix, pip call
    done = subprocess.run(
        [*pip, "--no-deps", "-e", "envs/verifiers/vf_guess"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **dict([setting.split("=", 1)])},
    )
    assert done.returncode == 0, done.stderr
    assert "BuildBackendWarning" not in done.stderr and "****" not in done.stderr


# ----------------------------------------------------------------------- item 6


def test_quickstart_sample_output_has_the_live_shape():
    """The demo's sample table in docs/quickstart.md has the columns the demo prints, and
    each row accounts for every judged check of today's catalogue (a stale sample, from
    before checks were added or removed, does not)."""
    from envbridge.conformance import Level, catalogue

    from envbridge.demo.checks import HEADERS

    text = (ROOT / "docs" / "quickstart.md").read_text()
    sample = text.split("[3/4] conformance kit against each server", 1)[1].split("[4/4]")[0]
    lines = [line.split() for line in sample.strip().splitlines()]
    assert lines[0] == HEADERS
    judged = sum(spec.level is not Level.INFO for spec in catalogue())
    rows = [line for line in lines[2:] if line and not line[0].endswith(":")]  # not notes
    assert len(rows) == 4
    for name, verdict, must, should, may, skipped, _seconds in rows:
        ran = sum(int(cell.split("/")[1]) for cell in (must, should, may))
        assert ran + int(skipped) == judged, f"{name}: {ran} + {skipped} != {judged}"
        assert verdict in ("PASS", "FAIL")


def test_info_checks_never_fail():
    from envbridge.conformance import Level
    from envbridge.conformance.model import CheckSpec
    from envbridge.conformance.probe import Options, Probe
    from envbridge.conformance.runner import run_one

    async def broken(probe):
        raise RuntimeError("cannot measure")

    spec = CheckSpec("latency.x", Level.INFO, "t", "s", "e", "r", broken)
    result = asyncio.run(run_one(spec, Probe("http://127.0.0.1:1", Options(), None)))
    assert result.status is Status.SKIP and "cannot measure" in result.message


@pytest.mark.parametrize("setting, printed", [("stdlib", "stdlib"), ("auto", "orjson")])
def test_index_json_codec_example_runs_as_written(setting, printed):
    code = doc_block("index.md", "from envbridge.spec import jsoncodec")
    env = {**os.environ, "ENVBRIDGE_JSON": setting}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == printed
