"""The docker backend (docker-py): build ``environment/Dockerfile``, one container per episode.

No registry is reachable here, so ``FROM`` images must exist locally; ``base_images``
maps a task's ``FROM`` (``python:3.12-slim``) to a local image (``envbridge/base:py3``).
Images are tagged by a hash of their build context and reused; builds run with the
network off. Containers run ``sleep infinity`` with every capability dropped but
:data:`TASK_CAPABILITIES`, ``no-new-privileges``, a pids limit, cpus/memory limits (the
task's, else :data:`DEFAULT_CPUS`/:data:`DEFAULT_MEMORY_MB`) and (by default) no network,
carry :data:`CONTAINER_LABEL`, and are always removed by :meth:`stop`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import tarfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound, NotFound
from envbridge.bridges.harbor.backends.base import (
    DEFAULT_OUTPUT_LIMIT,
    ROOT_USER,
    TASK_CAPABILITIES,
    WRITE_AS_USER,
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxSpec,
    decode,
)
from envbridge.bridges.harbor.dockerfile import from_images, parse_dockerfile, rewrite_from
from envbridge.bridges.harbor.sidecars import Sidecars, compose_file

CONTAINER_LABEL = "org.envbridge.harbor"
"""Every container and image this backend creates carries this label (value: task id)."""
OWNER_LABEL = "org.envbridge.harbor.pid"
"""Containers also carry the id of the process that started them (for cleanup tools)."""
IMAGE_REPOSITORY = "envbridge-harbor"
DEFAULT_CPUS = 1.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_PIDS_LIMIT = 1024
"""Limits of a task container when task.toml sets none (pids: always)."""
_KILLED = 137
_build_locks: dict[str, threading.Lock] = {}
_build_locks_guard = threading.Lock()


def docker_client() -> docker.DockerClient:
    """A client of the local engine, or a :class:`SandboxError` saying how to get one."""
    try:
        return docker.from_env(timeout=120)
    except DockerException as exc:
        raise SandboxError(
            f"cannot reach the Docker engine ({exc}); start it, or use --backend local"
        ) from None


def base_image_problems(tasks: Iterable[Any], base_images: dict[str, str]) -> list[str]:
    """One message per task whose image is neither mapped, present, nor has a stand-in."""
    from envbridge.bridges.harbor.base_images import ImagePlan

    client = docker_client()
    try:
        return [
            problem
            for task in tasks
            for problem in ImagePlan(
                client, task.id, task.environment_dir, task.config.environment.docker_image,
                base_images,
            ).problems
        ]  # fmt: skip
    finally:
        client.close()


def _image_exists(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
    except ImageNotFound:
        return False
    return True


class DockerSandbox(Sandbox):
    """One container built from the task's Dockerfile."""

    backend_name = "docker"

    def __init__(self, spec: SandboxSpec, base_images: dict[str, str]):
        self.spec = spec
        self.base_images = base_images
        self._client: docker.DockerClient | None = None
        self._container: Any = None
        self._user: str | int = ROOT_USER
        self._image_workdir = "/"
        self._sidecars: Any = None

    @property
    def default_user(self) -> str | int:
        return self._user

    @property
    def default_workdir(self) -> str:
        return self.spec.workdir or self._image_workdir

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._client = docker_client()
        try:
            image = self._image()
            config = self._client.api.inspect_image(image)["Config"]
            self._user = (config.get("User") or ROOT_USER).split(":")[0]
            self._image_workdir = config.get("WorkingDir") or "/"
            network_mode = self.spec.network_driver if self.spec.network else "none"
            if compose_file(self.spec.environment_dir) is not None:
                self._sidecars = Sidecars(
                    self._client, self.spec.name, self.spec.environment_dir,
                    {CONTAINER_LABEL: self.spec.name, OWNER_LABEL: str(os.getpid())},
                )  # fmt: skip
                network_mode = self._sidecars.start(
                    self._sidecar_image, not self.spec.network, self.spec.build_timeout_s
                )
            self._container = self._client.containers.run(
                image,
                entrypoint=["sleep", "infinity"],
                command=[],
                # PID 1 as root: Docker derives an exec's capabilities from it, and gives
                # a non-root PID 1 none (the image's USER still is the default exec user)
                user="0:0",
                detach=True,
                labels={CONTAINER_LABEL: self.spec.name, OWNER_LABEL: str(os.getpid())},
                network_mode=network_mode,
                nano_cpus=int((self.spec.cpus or DEFAULT_CPUS) * 1e9),
                mem_limit=f"{self.spec.memory_mb or DEFAULT_MEMORY_MB}m",
                pids_limit=DEFAULT_PIDS_LIMIT,
                cap_drop=["ALL"],
                cap_add=list(TASK_CAPABILITIES),
                security_opt=["no-new-privileges"],
                environment=self.spec.env,
            )
            self._prepare_dirs()
        except BaseException:
            self.stop()
            raise

    def _prepare_dirs(self) -> None:
        result = self.exec(
            "mkdir -p /logs/agent /logs/verifier /logs/artifacts && "
            'chmod 777 /logs/agent /logs/verifier /logs/artifacts && mkdir -p -- "$EB_WORKDIR"',
            user=ROOT_USER,
            cwd="/",
            env={"EB_WORKDIR": self.default_workdir},
            timeout_s=60,
        )
        if result.exit_code != 0:
            raise SandboxError(f"cannot prepare the container: {result.stdout}{result.stderr}")
        prebuilt = not self.spec.environment_dir.joinpath("Dockerfile").is_file()
        if prebuilt and self.spec.environment_dir.is_dir():  # harbor uploads it then
            self.upload_dir(self.spec.environment_dir, self.default_workdir)

    def stop_processes(self) -> None:
        """Restart the container: its PID namespace dies with ``sleep``, so every process
        in it (double forks, setsid, nohup) dies too; then check only PID 1 came back."""
        if self._container is None:
            raise SandboxError("the docker sandbox is not running")
        try:
            self._container.restart(timeout=0)
        except APIError as exc:
            raise SandboxError(f"cannot restart the container: {exc.explanation or exc}") from None
        listing = self.exec("cat /proc/[0-9]*/stat", user=ROOT_USER, cwd="/", timeout_s=30)
        survivors = _survivors(listing.stdout)
        if survivors:
            raise SandboxError(f"processes survived the container restart: {survivors}")

    def stop(self) -> None:
        if self._container is not None:
            with contextlib.suppress(NotFound, APIError):
                self._container.remove(force=True)
            self._container = None
        if self._sidecars is not None:
            self._sidecars.stop()
            self._sidecars = None
        if self._client is not None:
            self._client.close()
            self._client = None

    # --------------------------------------------------------------- MCP servers

    def mcp_exec_argv(self, user: str | int) -> list[str]:
        """``docker exec -i`` into the main container as ``user`` in the workdir: the
        host half of a stdio MCP server whose command runs inside the container."""
        if self._container is None:
            raise SandboxError("the docker sandbox is not running")
        docker_cli = shutil.which("docker")
        if docker_cli is None:
            raise SandboxError("stdio MCP servers need the docker CLI on the server's PATH")
        return [docker_cli, "exec", "-i", "-u", str(user), "-w", self.default_workdir,
                self._container.id]  # fmt: skip

    def mcp_address(self, host: str) -> str:
        """The address the host connects to for ``host`` as the main container sees it:
        a sidecar's IP on the episode network, or the main container's (``localhost``)."""
        from envbridge.bridges.harbor.sidecars import network_ip

        if self._container is None:
            raise SandboxError("the docker sandbox is not running")
        network = self._sidecars.network.name if self._sidecars is not None else None
        if host in ("localhost", "127.0.0.1", "::1", "main"):
            address = network_ip(self._container, network) if network else None
            if address is None:
                raise SandboxError(
                    f"{host} is the main container, which has no network the server can "
                    "reach (declare a compose sidecar, or use transport 'stdio')"
                )
            return address
        address = self._sidecars.address(host) if self._sidecars is not None else None
        if address is None:
            raise SandboxError(
                f"{host!r} is not a service of environment/docker-compose.yaml (an MCP URL "
                "must name a sidecar or localhost)"
            )
        return address

    # -------------------------------------------------------------------- images

    def _image(self) -> str:
        from envbridge.bridges.harbor.base_images import ImagePlan, resolve_base

        assert self._client is not None
        plan = ImagePlan(
            self._client, self.spec.name, self.spec.environment_dir, self.spec.docker_image,
            self.base_images,
        )  # fmt: skip
        if plan.problems:
            raise SandboxError("; ".join(plan.problems))
        if plan.prebuilt is not None:
            return self._with_airgap(resolve_base(self._client, plan.prebuilt, self.base_images))
        text = plan.dockerfile.read_text(encoding="utf-8")
        mapping = {
            image: resolve_base(self._client, image, self.base_images) for image in plan.bases
        }
        rewritten = rewrite_from(text, mapping)
        plan = self.spec.build
        extra: dict[str, bytes] = {}
        if plan is not None:
            rewritten, extra = plan.dockerfile(rewritten), plan.context_files()
        base_ids = sorted(self._client.images.get(local).id for local in mapping.values())
        context, digest = _build_context(self.spec.environment_dir, rewritten, base_ids, extra)
        tag = f"{IMAGE_REPOSITORY}/{_slug(self.spec.name)}:{digest[:20]}"
        with _lock_for(tag):
            if not _image_exists(self._client, tag):
                self._build(context, tag)
        return self._with_airgap(tag)

    def _sidecar_image(self, service: Any) -> str:
        """A sidecar's image: its ``image`` (or stand-in), or its ``build`` built once."""
        from envbridge.bridges.harbor.base_images import resolve_base

        assert self._client is not None
        if service.build is None:
            return resolve_base(self._client, service.image, self.base_images)
        text = (service.build / service.dockerfile).read_text(encoding="utf-8")
        mapping = {
            image: resolve_base(self._client, image, self.base_images)
            for image in from_images(parse_dockerfile(text))
        }
        base_ids = sorted(self._client.images.get(local).id for local in mapping.values())
        context, digest = _build_context(service.build, rewrite_from(text, mapping), base_ids, {})
        tag = f"{IMAGE_REPOSITORY}/{_slug(self.spec.name)}-{_slug(service.name)}:{digest[:20]}"
        with _lock_for(tag):
            if not _image_exists(self._client, tag):
                self._build(context, tag)
        return tag

    def _with_airgap(self, image: str) -> str:
        airgap = self.spec.build.airgap if self.spec.build is not None else None
        if airgap is None:
            return image
        assert self._client is not None
        with _lock_for(f"airgap:{image}"):
            return airgap.overlay(
                self._client, image, _slug(self.spec.name), {CONTAINER_LABEL: self.spec.name}
            )

    def _build(self, context: bytes, tag: str) -> None:
        assert self._client is not None
        started = time.monotonic()
        log: list[str] = []
        try:
            for chunk in self._client.api.build(
                fileobj=io.BytesIO(context),
                custom_context=True,
                tag=tag,
                rm=True,
                forcerm=True,
                pull=False,
                network_mode=self.spec.build.build_network if self.spec.build else "none",
                buildargs=self.spec.build.build_args() if self.spec.build else None,
                labels={CONTAINER_LABEL: self.spec.name},
                decode=True,
                timeout=int(self.spec.build_timeout_s) + 30,
            ):
                if "stream" in chunk:
                    log.append(chunk["stream"])
                if "error" in chunk:
                    raise SandboxError(
                        f"building {self.spec.name}'s Dockerfile failed: {chunk['error'].strip()}"
                        f"\n{''.join(log)[-1500:]}"
                    )
                if time.monotonic() - started > self.spec.build_timeout_s:
                    raise SandboxError(
                        f"building {self.spec.name} took longer than build_timeout_sec"
                    )
        except (APIError, BuildError) as exc:
            raise SandboxError(f"building {self.spec.name}'s Dockerfile failed: {exc}") from None

    # ------------------------------------------------------------------- commands

    def exec(
        self,
        command: str,
        *,
        user: str | int | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
    ) -> ExecResult:
        if self._client is None or self._container is None:
            raise SandboxError("the docker sandbox is not running")
        api = self._client.api
        who = self._user if user is None else user
        argv = ["timeout", "--signal=KILL", f"{max(timeout_s, 0.001):.3f}s", "bash", "-c", command]
        started = time.monotonic()
        try:
            created = api.exec_create(
                self._container.id,
                argv,
                user=str(who),
                workdir=cwd or self.default_workdir,
                environment=env or {},
            )
            stream = api.exec_start(created["Id"], stream=True, demux=True)
            stdout, stderr, truncated = bytearray(), bytearray(), False
            for out_chunk, err_chunk in stream:
                for chunk, kept in ((out_chunk, stdout), (err_chunk, stderr)):
                    if not chunk:
                        continue
                    room = output_limit - len(kept)
                    truncated = truncated or len(chunk) > room
                    kept += chunk[: max(room, 0)]
            code = api.exec_inspect(created["Id"])["ExitCode"]
        except APIError as exc:
            raise SandboxError(f"docker exec failed: {exc.explanation or exc}") from None
        timed_out = code == _KILLED and time.monotonic() - started >= timeout_s * 0.95
        return ExecResult(
            decode(bytes(stdout)),
            decode(bytes(stderr)),
            None if timed_out else code,
            timed_out,
            truncated,
        )

    # ------------------------------------------------------------------ transfers

    def upload_dir(self, source: Path, target: str) -> None:
        self._mkdir(target)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path in sorted(Path(source).rglob("*")):
                tar.add(
                    path, arcname=str(path.relative_to(source)), recursive=False, filter=_root_owned
                )
        self._put(target, buffer.getvalue())

    def write_file(self, path: str, data: bytes, *, user: str | int) -> ExecResult:
        """Stage ``data`` in a fresh root-owned folder the agent cannot write (mode 711),
        then copy it to ``path`` as ``user``; the folder is removed either way."""
        made = self.exec(STAGE_MAKE, user=ROOT_USER, cwd="/", timeout_s=30)
        stage = made.stdout.strip()
        if made.exit_code != 0 or not stage.startswith("/"):
            raise SandboxError(f"cannot stage an upload: {made.stderr.strip()}")
        try:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                info = tarfile.TarInfo("data")
                info.size, info.mode, info.mtime = len(data), 0o444, int(time.time())
                tar.addfile(info, io.BytesIO(data))
            self._put(stage, buffer.getvalue())
            return self.exec(
                f'{WRITE_AS_USER} < "$EB_STAGE/data"',
                user=user,
                env={"EB_TARGET": path, "EB_STAGE": stage},
                timeout_s=60,
                output_limit=4096,
            )
        finally:
            self.exec('rm -rf -- "$EB_STAGE"', user=ROOT_USER, cwd="/", env={"EB_STAGE": stage})

    def read_bytes(self, path: str, limit: int) -> bytes | None:
        assert self._container is not None
        try:
            bits, stat = self._container.get_archive(path)
        except NotFound:
            return None
        except APIError as exc:
            raise SandboxError(f"cannot read {path}: {exc.explanation or exc}") from None
        if stat["mode"] & 0o20000000000:  # a directory
            return None
        buffer = bytearray()
        for chunk in bits:
            buffer += chunk
            if len(buffer) > limit + 4096:
                break
        with tarfile.open(fileobj=io.BytesIO(bytes(buffer)), mode="r|") as tar:
            for member in tar:
                handle = tar.extractfile(member)
                return handle.read(limit) if handle else None
        return None

    def _mkdir(self, path: str) -> None:
        result = self.exec(
            'mkdir -p -- "$EB_TARGET"', user=ROOT_USER, cwd="/", env={"EB_TARGET": path}
        )
        if result.exit_code != 0:
            raise SandboxError(f"cannot create {path}: {result.stderr.strip()}")

    def _put(self, target: str, archive: bytes) -> None:
        assert self._container is not None
        try:
            self._container.put_archive(target, archive)
        except APIError as exc:
            raise SandboxError(f"cannot copy into {target}: {exc.explanation or exc}") from None


STAGE_MAKE = (
    'stage=$(mktemp -d /tmp/.envbridge-stage.XXXXXXXX) && chmod 711 "$stage" && echo "$stage"'
)
"""Makes a root-owned staging folder: the agent may read a file in it by name, never
create, replace or rename one (and /tmp's sticky bit keeps the folder itself root's)."""


def _survivors(stat_lines: str) -> list[str]:
    """Processes (``pid comm``) besides PID 1 and the checking exec: the checker is the
    newest process started from outside (parent 0); an orphan has parent 1."""
    processes: dict[int, tuple[int, str]] = {}
    for line in stat_lines.splitlines():
        pid_text, _, rest = line.partition(" (")
        comm, _, tail = rest.rpartition(") ")
        fields = tail.split()
        if pid_text.isdigit() and len(fields) > 1 and fields[1].isdigit():
            processes[int(pid_text)] = (int(fields[1]), comm)
    outside = [pid for pid, (ppid, _) in processes.items() if ppid == 0 and pid != 1]
    checker = max(outside, default=-1)
    return [
        f"{pid} {comm}"
        for pid, (ppid, comm) in sorted(processes.items())
        if pid != 1 and (ppid == 1 or (ppid == 0 and pid != checker))
    ]


def _build_context(
    environment_dir: Path, dockerfile: str, base_ids: list[str], extra: dict[str, bytes]
) -> tuple[bytes, str]:
    """The build context as a tar (Dockerfile rewritten) and its content hash."""
    digest = hashlib.sha256("\n".join(base_ids).encode())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(environment_dir.rglob("*")):
            relative = str(path.relative_to(environment_dir))
            if relative == "Dockerfile":
                continue
            info = tar.gettarinfo(str(path), arcname=relative)
            info = _root_owned(info)
            info.mtime = 0
            digest.update(f"{relative}\0{info.mode}\0".encode())
            if path.is_file():
                data = path.read_bytes()
                digest.update(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
        for name, data in sorted(extra.items()):
            digest.update(f"{name}\0".encode() + data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        data = dockerfile.encode("utf-8")
        digest.update(b"Dockerfile\0" + data)
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue(), digest.hexdigest()


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]", "-", name.lower()).strip("-.") or "task"


def _lock_for(tag: str) -> threading.Lock:
    with _build_locks_guard:
        return _build_locks.setdefault(tag, threading.Lock())
