"""A local sandbox started ahead of the reset that needs it; the last one removed behind.

Most of a local reset is task-independent: the sandbox's folder, its generated ``/etc``
and its supervisor (bubblewrap and a Python process). One environment keeps at most one
such sandbox, made in a thread during each reset and never used before: the next reset
adopts it (when its network setting matches) and only applies the task's Dockerfile.
The last episode's folder is removed in a thread too, once every process of that sandbox
is dead. A spare holds nothing of any episode. Spares and old folders are removed when the
environment closes (which waits for the threads), and at server shutdown
(:mod:`envbridge.spec.cleanup`) if the environment never does.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from envbridge.spec import cleanup

if TYPE_CHECKING:
    from envbridge.bridges.harbor.backends.base import Sandbox
    from envbridge.bridges.harbor.backends.local import LocalSandbox


class SparePool:
    """At most one started, unused local sandbox of one environment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: LocalSandbox | None = None
        self._registration: cleanup.Registration | None = None
        self._builder: threading.Thread | None = None
        self._removers: list[threading.Thread] = []
        self._closed = False

    def take(self, network: bool) -> LocalSandbox | None:
        """The spare if its network setting is ``network`` (waits for one being made);
        the caller owns it from then on. A spare of the other setting is stopped."""
        self._join()
        with self._lock:
            spare, self._spare = self._spare, None
            registration, self._registration = self._registration, None
        if registration is not None:
            registration.done()  # the adopting sandbox is registered by its environment
        if spare is not None and spare.spec.network != network:
            spare.stop()
            return None
        return spare

    def refill(self, environment_dir: Path, network: bool) -> None:
        """Start making the next spare in a thread (nothing if one is there or coming)."""
        with self._lock:
            if self._closed or self._spare is not None or self._builder is not None:
                return
            self._builder = threading.Thread(
                target=self._build,
                args=(environment_dir, network),
                name="envbridge-local-spare",
                daemon=True,
            )
            self._builder.start()

    def retire(self, sandbox: Sandbox) -> None:
        """Stop ``sandbox``'s processes now and remove its folder in a thread."""
        from envbridge.bridges.harbor.backends.local import LocalSandbox

        if not isinstance(sandbox, LocalSandbox):
            sandbox.stop()
            return
        folder = sandbox.detach()
        if folder is None:
            return
        registration = cleanup.remove_dir(folder)

        def remove() -> None:
            shutil.rmtree(folder, ignore_errors=True)
            registration.done()

        remover = threading.Thread(target=remove, name="envbridge-local-remove", daemon=True)
        with self._lock:
            self._removers = [thread for thread in self._removers if thread.is_alive()]
            self._removers.append(remover)
        remover.start()

    def close(self) -> None:
        """Stop the spare (and the one being made), wait for the folders being removed;
        no more spares are made."""
        with self._lock:
            self._closed = True
            removers, self._removers = self._removers, []
        self._join()
        for remover in removers:
            remover.join()
        with self._lock:
            spare, self._spare = self._spare, None
            registration, self._registration = self._registration, None
        if spare is not None:
            spare.stop()
        if registration is not None:
            registration.done()

    def _build(self, environment_dir: Path, network: bool) -> None:
        from envbridge.bridges.harbor.backends.base import SandboxSpec
        from envbridge.bridges.harbor.backends.local import LocalSandbox

        spare = LocalSandbox(
            SandboxSpec(environment_dir=environment_dir, workdir=None, network=network)
        )
        registration = cleanup.register("stop a spare local sandbox", spare.stop)
        try:
            spare.prepare()
        except Exception:  # the next reset makes its sandbox itself (and reports why not)
            with contextlib.suppress(Exception):
                spare.stop()
            registration.done()
            spare = None
        with self._lock:
            self._builder = None
            if spare is not None and not self._closed:
                self._spare, self._registration = spare, registration
                return
        if spare is not None:  # closed meanwhile
            spare.stop()
            registration.done()

    def wait(self) -> None:
        """Wait until the spare being made (if any) is ready."""
        self._join()

    def _join(self) -> None:
        with self._lock:
            builder = self._builder
        if builder is not None:
            builder.join()
