"""A real multi-node Ray cluster on this machine (``ray.cluster_utils.Cluster``).

Every Ray process the tests start inherits a marker variable, so the tests can count
exactly their own processes (raylets, GCS, workers, the servers actors start), whatever
else runs on the machine. Ray is told to stay on loopback: on Linux it would otherwise
advertise the machine's outward address.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback addresses only
RUN_MARKER = "ENVBRIDGE_RAY_TEST_RUN"
os.environ[RUN_MARKER] = uuid.uuid4().hex
os.environ.setdefault("RAY_DEDUP_LOGS", "0")
os.environ["RAY_TMPDIR"] = "/tmp/ray"  # short: a test's TMPDIR makes socket paths too long

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

NODE = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
"""Each node: one CPU, the smallest object store Ray accepts (the pool moves no objects)."""
FAST_FAILURE_DETECTION = {
    "health_check_period_ms": 500,
    "health_check_timeout_ms": 500,
    "health_check_failure_threshold": 4,
}


def ray_processes() -> list[tuple[int, str]]:
    """(pid, command line) of every live process this test run's Ray started."""
    marker = f"{RUN_MARKER}={os.environ[RUN_MARKER]}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes():
                continue
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if status != "Z":
            found.append((int(entry.name), command.strip(), _parent(entry)))
    rays = {pid for pid, command, _ in found if _is_ray(command)}
    # Ray's own processes, and the servers its actors started (children of a Ray worker);
    # other tests' servers inherit the marker too but have no Ray parent.
    return [(pid, command) for pid, command, parent in found if pid in rays or parent in rays]


def _is_ray(command: str) -> bool:
    return command.startswith("ray::") or "/ray/" in command


def _parent(entry: Path) -> int:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def server_processes() -> list[tuple[int, str]]:
    """The envbridge servers among them."""
    return [(pid, cmd) for pid, cmd in ray_processes() if " envbridge serve " in f" {cmd} "]


def _start_cluster() -> Cluster:
    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            **NODE,
            "include_dashboard": False,
            "_system_config": FAST_FAILURE_DETECTION,
        },
    )
    try:
        for _ in range(2):
            cluster.add_node(**NODE)
        cluster.wait_for_nodes()
    except BaseException:
        cluster.shutdown()
        raise
    return cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A head and two worker nodes, the driver (this process) connected to them.

    Ray gives a node 30 s (fixed) to register; on a heavily loaded machine that can pass,
    so the cluster is started a second time before the tests give up.
    """
    try:
        cluster = _start_cluster()
    except Exception:
        cluster = _start_cluster()
    try:
        ray.init(address=cluster.address, log_to_driver=False)
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
