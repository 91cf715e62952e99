"""One socket read buffer per thread, for asyncio ``BufferedProtocol`` connections.

A plain ``asyncio.Protocol`` gets a fresh 256 KiB ``bytes`` per read (an ``mmap`` and a
``munmap`` for every frame). A buffered protocol reads into memory of its own; all the
connections of one event-loop thread can share one buffer, since asyncio fills it and
calls ``buffer_updated`` in the same callback, where the bytes are copied out.
"""

from __future__ import annotations

import threading

READ_BUFFER_BYTES = 256 * 1024


class _ReadBuffer(threading.local):
    def __init__(self) -> None:
        self.view = memoryview(bytearray(READ_BUFFER_BYTES))


_buffers = _ReadBuffer()


def read_buffer() -> memoryview:
    """This thread's read buffer (``get_buffer`` returns it; copy out what was read)."""
    return _buffers.view
