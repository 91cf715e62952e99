"""Every Python example of docs/tasks.md runs as written (against a real server)."""

from __future__ import annotations

import re

import envbridge
from envs.native.quiz import QuizEnv
from tests.helpers import ROOT, serving

DOC = (ROOT / "docs" / "tasks.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, re.S)


def test_the_doc_has_its_three_examples():
    assert len(BLOCKS) == 3


def test_the_environment_example_serves_tasks():
    namespace: dict = {}
    exec(BLOCKS[0], namespace)
    with serving(namespace["Arithmetic"]) as url:
        env = envbridge.connect(url).sync()
        assert env.tasks.split_names() == ["train", "test"]
        assert env.tasks.get("test", 0) == {"id": "test-0", "question": "4+4"}
        assert env.reset(split="train", index=2).observation == {"question": "3+3"}
        assert env.step({"answer": 6}).reward == 1.0
        env.close()


def test_the_client_and_pool_examples_run(capsys):
    with serving(QuizEnv) as url:
        for block in BLOCKS[1:]:
            exec(block.replace("http://127.0.0.1:8000", url), {})
    out = capsys.readouterr().out
    assert "100000" in out and "test-2" in out and "quiz" in out
