"""The Docker commands: run prints the URL and stops cleanly; errors are one clear line."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys

import httpx
import pytest

from envbridge.docker.cli import add_docker_commands, build_main, check_image_main, run_main
from tests.docker.conftest import TEST_RUN_ID, TEST_RUN_LABEL, labelled

pytestmark = pytest.mark.docker

RUN = "import sys; from envbridge.docker.cli import run_main; sys.exit(run_main(sys.argv[1:]))"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_run_prints_a_healthy_url_then_stops_and_removes_on_signal(engine, counter_image, stop):
    before = set(labelled("containers", engine))
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, counter_image],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read()
        assert httpx.get(f"{url}/health", trust_env=False).json()["status"] == "healthy"
        assert len(set(labelled("containers", engine)) - before) == 1
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
        assert "stopping" in process.stderr.read()
    finally:
        process.kill()
        process.wait()
    assert set(labelled("containers", engine)) == before


def test_run_of_a_missing_image_exits_1_with_the_fix(capsys):
    assert run_main([f"envbridge-test/missing:{TEST_RUN_ID}"]) == 1
    assert "envbridge build TARGET -t" in capsys.readouterr().err


def test_build_of_an_unpackageable_target_exits_1_before_touching_docker(capsys):
    assert build_main(["harbor:/no/such/tasks", "-t", "envbridge-test/never:1", "--quiet"]) == 1
    assert "harbor target '/no/such/tasks' is not a folder" in capsys.readouterr().err


def test_build_rejects_options_that_are_not_a_json_object(capsys):
    with pytest.raises(SystemExit):
        build_main(["gym:CartPole-v1", "-t", "x", "--options", "[1]"])
    assert "must be a JSON object" in capsys.readouterr().err


def test_build_on_a_base_that_is_neither_local_nor_pullable_names_the_offline_base(capsys):
    argv = ["envs.native.counter:CounterEnv", "-t", "envbridge-test/never:1", "--quiet"]
    assert build_main([*argv, "--base", f"envbridge-test/no-such-base:{TEST_RUN_ID}"]) == 1
    err = capsys.readouterr().err
    assert "cannot be pulled" in err
    assert "envbridge base-image" in err


def test_check_image_passes_the_conformance_kit_and_removes_the_container(
    engine, counter_image, capsys
):
    pytest.importorskip("envbridge.conformance.cli")
    before = set(labelled("containers", engine))
    from envbridge.cli import main as envbridge_main

    code = envbridge_main(["check", "--image", counter_image, "--quick"])  # via the CLI
    output = capsys.readouterr().out
    assert code == 0, output
    assert "MUST" in output or "must" in output.lower()
    assert set(labelled("containers", engine)) == before


def test_check_image_of_a_missing_image_exits_2_like_an_unreachable_server(capsys):
    pytest.importorskip("envbridge.conformance.cli")
    assert check_image_main(["--image", f"envbridge-test/missing:{TEST_RUN_ID}"]) == 2
    assert "envbridge build TARGET -t" in capsys.readouterr().err


def test_docker_commands_mount_on_a_parent_cli_and_keep_their_own_help(capsys):
    parser = argparse.ArgumentParser(prog="envbridge")
    add_docker_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["build", "harbor:/no/such/tasks", "-t", "x:1", "--quiet"])
    assert args.func(args) == 1
    assert "is not a folder" in capsys.readouterr().err
    args = parser.parse_args(["run", "--help"])
    with pytest.raises(SystemExit):
        args.func(args)
    assert "usage: envbridge run" in capsys.readouterr().out


def test_the_cli_module_imports_without_the_docker_extra():
    code = (
        "import sys; sys.modules['docker'] = sys.modules['packaging'] = None\n"
        "import envbridge.docker.cli as cli\n"
        "print(sorted(cli.DOCKER_COMMANDS))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.stdout.strip() == "['base-image', 'build', 'run']", output.stderr


def test_a_base_without_python3_is_refused_before_anything_is_built(engine, base_image, capsys):
    from envbridge.docker.base_image import PYTHON_LABEL

    container = engine.containers.run(
        base_image, ["rm", "/usr/bin/python3"], detach=True, labels={TEST_RUN_LABEL: TEST_RUN_ID}
    )
    container.wait()
    tag = f"envbridge-test/no-python:{TEST_RUN_ID}"
    repository, version = tag.split(":")
    container.commit(repository, version, conf={"Labels": {PYTHON_LABEL: ""}})
    container.remove()
    try:
        argv = ["envs.native.counter:CounterEnv", "-t", "envbridge-test/never:1", "--quiet"]
        assert build_main([*argv, "--base", tag]) == 1
        assert "cannot run python3" in capsys.readouterr().err
    finally:
        engine.images.remove(tag, force=True)
