"""A stdio MCP transport with bounds, for servers that run inside the agent's container.

The SDK's own stdio transport buffers a line of any length and copies stderr to a file.
A stdio server runs as the agent user, so the agent can write into its stdout and stderr
(``/proc/PID/fd/1``): here a message longer than :data:`MAX_MESSAGE_BYTES` ends the
session (the server is then unusable, the episode goes on), and only the last
:data:`STDERR_TAIL_BYTES` of stderr are kept, in memory, for error messages.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import anyio

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
"""The longest JSON-RPC message (one line) accepted from a stdio server."""
STDERR_TAIL_BYTES = 2048
_EXIT_WAIT_S = 2.0


class MessageTooLarge(ValueError):
    """A stdio server sent a line longer than :data:`MAX_MESSAGE_BYTES`."""


class StderrTail:
    """The last bytes a process wrote to stderr."""

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        del self.data[:-STDERR_TAIL_BYTES]

    def text(self) -> str:
        return self.data.decode(errors="replace").strip()


@contextlib.asynccontextmanager
async def bounded_stdio(
    argv: list[str], env: dict[str, str], stderr: StderrTail, limit: int = MAX_MESSAGE_BYTES
) -> AsyncIterator[tuple[Any, Any, anyio.Event]]:
    """Spawn ``argv``; yield the (read, write) message streams a ``ClientSession`` takes
    and an event set when the server's stdout has ended (it exited, or sent too much).

    On exit stdin is closed, the process gets :data:`_EXIT_WAIT_S` to end, then is killed.
    """
    from mcp.shared.message import SessionMessage

    ended = anyio.Event()
    incoming_send, incoming = anyio.create_memory_object_stream[Any](0)
    outgoing, outgoing_receive = anyio.create_memory_object_stream[SessionMessage](0)
    process = await anyio.open_process(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(_read_messages, process.stdout, incoming_send, limit, ended)
            group.start_soon(_write_messages, outgoing_receive, process.stdin)
            group.start_soon(_read_stderr, process.stderr, stderr)
            try:
                yield incoming, outgoing, ended
            finally:
                await _end(process)
                group.cancel_scope.cancel()
    finally:
        for stream in (incoming, outgoing, incoming_send, outgoing_receive):
            await stream.aclose()
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
            await process.aclose()


async def _read_messages(stdout: Any, send: Any, limit: int, ended: anyio.Event) -> None:
    """Lines of stdout as JSON-RPC messages; an overlong line ends the stream."""
    try:
        await _relay(stdout, send, limit)
    finally:
        ended.set()


async def _relay(stdout: Any, send: Any, limit: int) -> None:
    from mcp.shared.message import SessionMessage
    from mcp.types import JSONRPCMessage

    buffer = bytearray()
    async with send:
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            async for chunk in stdout:
                buffer += chunk
                while (end := buffer.find(b"\n")) >= 0:
                    line = bytes(buffer[:end])
                    del buffer[: end + 1]
                    if line.strip():
                        await send.send(_parse(line, JSONRPCMessage, SessionMessage))
                if len(buffer) > limit:
                    await send.send(MessageTooLarge(f"a message exceeded {limit} bytes"))
                    return


def _parse(line: bytes, message_type: Any, wrapper: Any) -> Any:
    try:
        return wrapper(message_type.model_validate_json(line))
    except ValueError as exc:  # the session logs it and goes on
        return exc


async def _write_messages(receive: Any, stdin: Any) -> None:
    async with receive:
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            async for message in receive:
                data = message.message.model_dump_json(by_alias=True, exclude_none=True)
                await stdin.send(data.encode() + b"\n")


async def _read_stderr(stream: Any, tail: StderrTail) -> None:
    with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
        async for chunk in stream:
            tail.add(chunk)


async def _end(process: Any) -> None:
    """Close stdin (a stdio server's signal to exit), wait a little, then kill."""
    with contextlib.suppress(Exception):
        await process.stdin.aclose()
    with anyio.move_on_after(_EXIT_WAIT_S, shield=True):
        await process.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        process.kill()
