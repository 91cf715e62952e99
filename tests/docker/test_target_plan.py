"""Each serve target becomes the right extras, wheels, files and in-image target."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from envbridge.docker.errors import DockerPackagingError
from envbridge.docker.target_plan import plan_target

ROOT = Path(__file__).resolve().parents[2]


def test_module_target_from_a_source_folder_ships_its_top_level_package(monkeypatch):
    monkeypatch.chdir(ROOT)
    plan = plan_target("envs.native.counter:CounterEnv")
    assert plan.target == "envs.native.counter:CounterEnv"
    assert plan.copies == [(ROOT / "envs", "src/envs")]
    assert plan.extras == set()
    assert plan.requirements == []


def test_module_target_from_an_installed_distribution_becomes_a_pinned_wheel():
    plan = plan_target("pydantic:BaseModel")
    assert plan.requirements == [f"pydantic=={pydantic.VERSION}"]
    assert plan.copies == []


def test_envbridge_own_modules_need_nothing_extra():
    plan = plan_target("envbridge.docker.container_app:app_from_environment")
    assert (plan.copies, plan.requirements) == ([], [])


def test_gym_target_needs_the_gymnasium_extra_and_ships_a_custom_module(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert plan_target("gym:CartPole-v1").extras == {"gymnasium"}
    custom = plan_target("gym:envs.native:Grid-v0")
    assert custom.copies == [(ROOT / "envs", "src/envs")]
    assert custom.name == "grid-v0"


def test_harbor_target_copies_the_task_folder_and_serves_it_from_app(tmp_path):
    tasks = tmp_path / "My Tasks"
    tasks.mkdir()
    plan = plan_target(f"harbor:{tasks}")
    assert plan.target == "harbor:/app/tasks/My Tasks"
    assert plan.copies == [(tasks, "tasks/My Tasks")]
    assert plan.extras == {"harbor"}
    assert plan.name == "my-tasks"


@pytest.mark.parametrize(
    ("target", "fix"),
    [
        ("no-colon", "module:factory"),
        ("harbor:/does/not/exist", "task directory"),
        ("surely_missing_module_xyz:Env", "pip install -e"),
    ],
)
def test_unpackageable_targets_say_how_to_fix_them(target, fix):
    with pytest.raises(DockerPackagingError, match=fix):
        plan_target(target)
