"""`envbridge serve` end to end in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import envbridge
from tests.helpers import ROOT, envbridge_cli, serving_process


def _serve_counter(*flags: str):
    return lambda port: envbridge_cli(
        "serve", "envs.native.counter:CounterEnv", "--port", str(port), *flags
    )


def test_serve_module_factory_and_drive_it():
    with serving_process(_serve_counter("--options", '{"target": 3}'), cwd=str(ROOT)) as url:
        client = envbridge.connect(url).sync()
        client.reset(seed=0)
        assert client.step({"delta": 3}).done is True  # the --options reached the factory
        client.close()


def test_serve_production_mode_flag():
    with serving_process(_serve_counter("--mode", "production"), cwd=str(ROOT)) as url:
        client = envbridge.connect(url).sync()
        assert client.call_tool("add", amount=1) == {"count": 1}
        client.close()


def test_bad_targets_exit_2_with_a_helpful_message():
    for target, words in (
        ("no_colon", "module:factory"),
        ("nosuchmodule_xyz:Env", "cannot import"),
        ("envs.native.counter:Nope", "no attribute"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "envbridge", "serve", target],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert words in result.stderr


def test_bad_json_option_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "envbridge", "serve", "x:y", "--kwargs", "{"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not valid JSON" in result.stderr
