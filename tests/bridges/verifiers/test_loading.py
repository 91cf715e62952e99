"""Loading by name (``verifiers:NAME``), wrap() checks, and the CLI end to end."""

from __future__ import annotations

import signal
import threading

import pytest
import verifiers as vf
from datasets import Dataset
from envbridge.bridges.verifiers import load_target, wrap
from envbridge.bridges.verifiers.classic import VerifiersFactory

import envbridge
from envbridge.targets import resolve_target
from tests.bridges.verifiers.conftest import SAMPLE_PYTHONPATH
from tests.helpers import ROOT, envbridge_cli, serving_process


def test_resolve_target_loads_an_installed_env_with_env_args():
    factory = resolve_target("verifiers:vf-guess", {"max_turns": 2})
    assert isinstance(factory, VerifiersFactory)
    assert factory.vf_env.max_turns == 2
    assert factory.vf_env.env_args == {"max_turns": 2}
    assert factory().metadata().name == "vf-guess"


def test_loading_keeps_the_hosts_signal_handlers():
    def mine(*_):
        return None

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        load_target("vf-math", {})
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize(
    ("name", "options", "words"),
    [
        ("vf-no-such-env", {}, "not installed"),
        ("vf-guess", {"nonsense": 1}, "do not fit vf_guess.load_environment"),
        ("vf-math", {"num_examples": "many"}, "failed.*Check the --env-args"),
        ("json", {}, "not a verifiers environment"),
    ],
)
def test_bad_names_and_args_say_what_to_do(name, options, words):
    with pytest.raises(ValueError, match=words):
        load_target(name, options)


def test_loading_off_the_main_thread_is_refused_with_a_reason():
    caught: list[BaseException] = []

    def load():
        try:
            load_target("vf-math", {})
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    thread.join()
    assert isinstance(caught[0], RuntimeError)
    assert "main thread" in str(caught[0])


def test_wrap_refuses_what_it_cannot_serve():
    with pytest.raises(TypeError, match=r"classic verifiers Environment .* or a v1 Taskset or Env"):
        wrap(object())

    def group_score(completions) -> list[float]:
        return [1.0 for _ in completions]

    grouped = vf.SingleTurnEnv(
        dataset=Dataset.from_list([{"question": "q", "answer": "a"}]),
        rubric=vf.Rubric(funcs=[group_score]),
    )
    with pytest.raises(ValueError, match="group reward functions"):
        wrap(grouped)


def test_cli_serves_an_env_by_name_with_env_args():
    argv = lambda port: envbridge_cli(  # noqa: E731
        "serve", "verifiers:vf-guess", "--port", str(port), "--env-args", '{"max_turns": 2}'
    )
    with serving_process(argv, cwd=str(ROOT), env={"PYTHONPATH": SAMPLE_PYTHONPATH}) as url:
        with envbridge.connect(url).sync() as client:
            client.reset(task_index=0)
            assert client.step({"content": "1"}).done is False
            last = client.step({"content": "2"})
        assert last.done is True
        assert last.metadata["stop_condition"] == "max_turns_reached"
        assert last.reward == 0.0
