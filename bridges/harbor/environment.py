"""A harbor task directory (or a folder of them) as an envbridge Environment.

reset picks a task (``task_id``, ``index`` or the seed) and starts a fresh sandbox;
the agent acts through four tools (exec, write_file, read_file, submit); submit runs
harbor's verifier and ends the episode with its reward. Running out of the agent
timeout or the step budget submits automatically.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from envbridge.bridges.harbor.backends import Sandbox, SandboxError, SandboxSpec, create_sandbox
from envbridge.bridges.harbor.backends.base import ROOT_USER
from envbridge.bridges.harbor.healthcheck import wait_healthy
from envbridge.bridges.harbor.lint import errors, lint_task
from envbridge.bridges.harbor.mcp_servers import MCPServers, connect_servers
from envbridge.bridges.harbor.networking import CA_PATH, network_plan
from envbridge.bridges.harbor.settings import HarborSettings
from envbridge.bridges.harbor.task import Task
from envbridge.bridges.harbor.task_api import HarborTaskProvider
from envbridge.bridges.harbor.tools import (
    ExecArgs,
    ReadFileArgs,
    WriteFileArgs,
    harbor_tools,
    parse_arguments,
    sandbox_path,
)
from envbridge.bridges.harbor.variables import expand
from envbridge.bridges.harbor.verifier import Verification, verify
from envbridge.spec import (
    Environment,
    EnvironmentMetadata,
    InvalidAction,
    Observation,
    Tool,
    ToolError,
    ToolResult,
    cleanup,
)

if TYPE_CHECKING:
    from envbridge.bridges.harbor.backends.local_spare import SparePool


def task_metadata(task: Task) -> dict[str, Any]:
    """reset's metadata: ``[metadata]``, the ``[task]`` package identity and ``source``."""
    package = task.config.task
    return {
        "task_metadata": task.config.metadata,
        "package": package.model_dump(exclude_none=True) if package else None,
        "source": task.config.source,
    }


class HarborEnvironment(HarborTaskProvider, Environment):
    """One session's view of a set of harbor tasks; one sandbox per episode.

    The tasks are listed over the Task API as one split (:mod:`.task_api`).
    """

    name = "harbor"
    description = "harbor task directories served as OpenEnv environments"
    deterministic = False  # commands in the sandbox can observe time, PIDs, randomness

    def __init__(
        self,
        tasks: list[Task],
        settings: HarborSettings,
        backend: Literal["docker", "local"],
    ):
        if not tasks:
            raise ValueError("HarborEnvironment needs at least one task")
        self.tasks = tasks
        self.settings = settings
        self.backend = backend
        self.task: Task | None = None
        self.sandbox: Sandbox | None = None
        self._spares: SparePool | None = None
        """Local backend: the next episode's sandbox, made ahead in the background."""
        self.done = False
        self.tool_calls = 0
        self.started_at = 0.0
        self.started_at_wall: str | None = None
        self.last_exit_code: int | None = None
        self.verification: Verification | None = None
        self.mcp: MCPServers | None = None

    # ------------------------------------------------------------------ episodes

    def reset(
        self,
        *,
        seed: int | None = None,
        episode_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Observation:
        self._stop_sandbox(next_episode=True)
        task = self._pick_task(seed, options or {})
        problems = errors(lint_task(task))
        if problems:
            raise InvalidAction(
                f"task {task.id} uses features the bridge does not support: "
                + "; ".join(f"[{p.rule}] {p.message}" for p in problems)
            )
        env = task.config.environment
        spec = SandboxSpec(
            environment_dir=task.environment_dir,
            workdir=env.workdir,
            env=expand(env.env, self.settings.pass_env),
            cpus=env.cpus,
            memory_mb=env.memory_mb,
            network=self.settings.network
            and env.network_mode == "public"
            and task.config.agent.network_mode in (None, "public"),
            build_timeout_s=env.build_timeout_sec,
            docker_image=env.docker_image,
            name=task.id,
        )
        plan = network_plan(self.settings, task)
        spec.build, spec.env = plan, {**plan.sandbox_env(), **spec.env}
        spec.network_driver = "host" if self.settings.network == "host" else "bridge"
        sandbox = create_sandbox(self.backend, spec, self.settings.base_images)
        # stopped at server shutdown even when this session is stuck (see spec.cleanup)
        self._cleanup = cleanup.register(f"stop the sandbox of {task.id}", sandbox.stop)
        try:
            self._start(sandbox)
        except BaseException:
            self._cleanup.done()
            raise
        self.sandbox, self.task = sandbox, task
        if plan.ca_bundle is not None:  # as root, before the agent's first command
            written = sandbox.write_file(CA_PATH, plan.ca_bundle, user=ROOT_USER)
            if written.exit_code != 0:
                sandbox.stop()
                raise SandboxError(f"cannot install the CA bundle: {written.stderr.strip()}")
        self._healthcheck()
        self._connect_mcp()
        self.done = False
        self.tool_calls = 0
        self.last_exit_code = None
        self.verification = None
        self.started_at = time.monotonic()
        self.started_at_wall = datetime.now(UTC).isoformat(timespec="seconds")
        return Observation(
            observation={
                "instruction": task.instruction,
                "task_id": task.id,
                "workdir": sandbox.default_workdir,
                "agent_user": str(self._agent_user()),
                "backend": self.backend,
                "tool_names": [tool.name for tool in self.tools()],
                "limits": {
                    "agent_timeout_sec": task.config.agent.timeout_sec,
                    "max_steps": self.settings.max_steps,
                    "exec_timeout_s": self.settings.exec_timeout_s,
                    "output_limit_bytes": self.settings.output_limit_bytes,
                },
            },
            reward=None,
            done=False,
            metadata=task_metadata(task),
        )

    def _pick_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        task_id = options.get("task_id", options.get("task"))
        if task_id is not None:
            for task in self.tasks:
                if task.id == task_id:
                    return task
            known = ", ".join(task.id for task in self.tasks)
            raise InvalidAction(f"no task {task_id!r}; known task ids: {known}")
        index = options.get("index")
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise InvalidAction(f"index must be an integer, got {index!r}")
            if not 0 <= index < len(self.tasks):
                raise InvalidAction(f"index {index} is out of range 0..{len(self.tasks) - 1}")
            return self.tasks[index]
        return self.tasks[(seed or 0) % len(self.tasks)]

    def _healthcheck(self) -> None:
        assert self.task is not None and self.sandbox is not None
        check = self.task.config.environment.healthcheck
        if check is None:
            return
        try:
            wait_healthy(self.sandbox, check)
        except SandboxError:
            self._stop_sandbox()
            raise

    def _connect_mcp(self) -> None:
        """Connect the task's MCP servers (:mod:`.mcp_servers`); reset fails if one
        does not come up, and the sandbox is stopped then."""
        assert self.task is not None and self.sandbox is not None
        env = self.task.config.environment
        try:
            self.mcp = connect_servers(
                env.mcp_servers,
                self.sandbox,
                self._agent_user(),
                self.settings.mcp_connect_timeout_s,
                self.settings.output_limit_bytes,
            )
        except BaseException:
            self._stop_sandbox()
            raise

    def step(self, action: Any) -> Observation:
        raise InvalidAction(
            "harbor environments act through tools: send step({'type': 'call_tool', "
            "'tool_name': 'exec', 'arguments': {'command': 'ls'}}) with tool_name one of "
            "exec, write_file, read_file, submit"
        )

    def action_schema(self) -> dict[str, Any]:
        """Actions are tool calls (the core routes them to :meth:`call_tool`)."""
        return {
            "type": "object",
            "title": "HarborAction",
            "description": "Call one of the task's tools; submit ends the episode.",
            "properties": {
                "type": {"const": "call_tool"},
                "tool_name": {"enum": [tool.name for tool in self.tools()]},
                "arguments": {"type": "object"},
            },
            "required": ["type", "tool_name", "arguments"],
        }

    def state(self) -> dict[str, Any]:
        return {
            "task_id": self.task.id if self.task else None,
            "task_path": str(self.task.path) if self.task else None,
            "backend": self.backend,
            "episode_started_at": self.started_at_wall,
            "agent_timeout_sec": self.task.config.agent.timeout_sec if self.task else None,
            "tool_calls": self.tool_calls,
            "max_steps": self.settings.max_steps,
            "done": self.done,
            "last_exit_code": self.last_exit_code,
            "rewards": self.verification.rewards if self.verification else None,
        }

    def metadata(self) -> EnvironmentMetadata:
        ids = ", ".join(task.id for task in self.tasks)
        return EnvironmentMetadata(
            name="harbor",
            description=f"harbor tasks ({self.backend} backend): {ids}",
            version=self.version,
        )

    def close(self) -> None:
        self._stop_sandbox()
        if self._spares is not None:
            spares, self._spares = self._spares, None
            spares.close()

    def _start(self, sandbox: Sandbox) -> None:
        """Start ``sandbox``; a local one adopts the spare made after the last reset."""
        if self.backend != "local":
            sandbox.start()
            return
        from envbridge.bridges.harbor.backends.local import LocalSandbox
        from envbridge.bridges.harbor.backends.local_spare import SparePool

        assert isinstance(sandbox, LocalSandbox)
        if self._spares is None:
            self._spares = SparePool()
        sandbox.start(self._spares)

    def _close_mcp(self) -> None:
        if self.mcp is not None:
            mcp, self.mcp = self.mcp, None
            mcp.close()

    def _stop_sandbox(self, *, next_episode: bool = False) -> None:
        """Stop the episode's sandbox; before a next episode, a local sandbox's folder is
        removed in the background (its processes are dead when this returns)."""
        self._close_mcp()
        if self.sandbox is not None:
            sandbox, self.sandbox = self.sandbox, None
            if next_episode and self._spares is not None:
                self._spares.retire(sandbox)
            else:
                sandbox.stop()
            self._cleanup.done()

    # --------------------------------------------------------------------- tools

    def tools(self) -> list[Tool]:
        """exec/write_file/read_file/submit, then the episode's MCP tools (``server__tool``)."""
        return harbor_tools() + (self.mcp.tools() if self.mcp is not None else [])

    def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        if self.task is None:  # an MCP client that never reset: start the default episode
            self.reset()
        if self.sandbox is None or self.done:
            raise ToolError("no episode is running: reset to start one", "execution_error")
        if self.mcp is not None and self.mcp.owns(name):
            return self._call_mcp(name, arguments)
        if name not in {"exec", "write_file", "read_file", "submit"}:
            raise ToolError(f"Unknown tool: {name!r}", "tool_not_found")
        parsed = parse_arguments(name, arguments)
        if isinstance(parsed, WriteFileArgs | ReadFileArgs):
            sandbox_path(parsed.path, self.sandbox.default_workdir)  # refuse before counting
        if self._agent_time_left() <= 0:
            return self._submit(auto="agent_timeout")
        self.tool_calls += 1
        if name == "submit":
            return self._submit()
        if isinstance(parsed, ExecArgs):
            data = self._exec(parsed)
        elif isinstance(parsed, WriteFileArgs):
            data = self._write_file(parsed)
        else:
            assert isinstance(parsed, ReadFileArgs)
            data = self._read_file(parsed)
        if self.settings.max_steps is not None and self.tool_calls >= self.settings.max_steps:
            return self._submit(auto="max_steps", last_result=data)
        if self._agent_time_left() <= 0:
            return self._submit(auto="agent_timeout", last_result=data)
        return data

    def _call_mcp(self, name: str, arguments: dict[str, Any]) -> Any:
        """Forward to the task's MCP server; counted and timed like exec, never a reward."""
        assert self.mcp is not None
        if not isinstance(arguments, dict):
            raise ToolError(f"arguments for {name} must be an object", "invalid_args")
        if self._agent_time_left() <= 0:
            return self._submit(auto="agent_timeout")
        self.tool_calls += 1
        timeout = min(self.settings.exec_timeout_s, max(self._agent_time_left(), 0.001))
        try:
            data: Any = self.mcp.call(name, arguments, timeout)
        except ToolError as error:
            data = error
        if self.settings.max_steps is not None and self.tool_calls >= self.settings.max_steps:
            last = data if not isinstance(data, ToolError) else {"error": str(data)}
            return self._submit(auto="max_steps", last_result=last)
        if isinstance(data, ToolError):
            raise data
        return data

    def _agent_user(self) -> str | int:
        assert self.task is not None and self.sandbox is not None
        user = self.task.config.agent.user
        return self.sandbox.default_user if user is None else user

    def _agent_time_left(self) -> float:
        assert self.task is not None
        limit = self.task.config.agent.timeout_sec
        if limit is None:
            return float("inf")
        return limit - (time.monotonic() - self.started_at)

    def _exec(self, args: ExecArgs) -> dict[str, Any]:
        assert self.sandbox is not None
        timeout = min(
            args.timeout_s or self.settings.exec_timeout_s,
            self.settings.exec_timeout_s,
            max(self._agent_time_left(), 0.001),
        )
        result = self.sandbox.exec(
            args.command,
            user=self._agent_user(),
            timeout_s=timeout,
            output_limit=self.settings.output_limit_bytes,
        )
        self.last_exit_code = result.exit_code
        return result.as_dict()

    def _write_file(self, args: WriteFileArgs) -> dict[str, Any]:
        assert self.sandbox is not None
        path = sandbox_path(args.path, self.sandbox.default_workdir)
        data = args.content.encode("utf-8")
        result = self.sandbox.write_file(path, data, user=self._agent_user())
        if result.exit_code != 0:
            raise ToolError(f"cannot write {path}: {result.stderr.strip()}", "execution_error")
        return {"path": path, "bytes_written": len(data)}

    def _read_file(self, args: ReadFileArgs) -> dict[str, Any]:
        assert self.sandbox is not None
        path = sandbox_path(args.path, self.sandbox.default_workdir)
        result = self.sandbox.exec(
            'test -f "$EB_TARGET" || { echo "not a regular file" >&2; exit 1; }; '
            'cat -- "$EB_TARGET"',
            user=self._agent_user(),
            env={"EB_TARGET": path},
            timeout_s=60,
            output_limit=self.settings.output_limit_bytes,
        )
        if result.exit_code != 0:
            raise ToolError(f"cannot read {path}: {result.stderr.strip()}", "execution_error")
        return {"path": path, "content": result.stdout, "truncated": result.truncated}

    def _submit(self, auto: str | None = None, last_result: Any = None) -> ToolResult:
        assert self.task is not None and self.sandbox is not None
        self._close_mcp()  # the agent's MCP sessions end before the verifier runs
        try:
            self.verification = verify(self.sandbox, self.task, self.settings.pass_env)
        finally:
            self.done = True
            self._stop_sandbox()
        data = self.verification.as_dict()
        if auto is not None:
            data["auto_submitted"] = auto
        if last_result is not None:
            data["last_result"] = last_result
        return ToolResult(data=data, reward=self.verification.reward, done=True)
