"""A TMPDIR of a test package's own: leak counts see only that package's temp files."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def private_tmpdir(prefix: str) -> Iterator[Path]:
    """A fresh 0711 folder as TMPDIR (env and ``tempfile``), restored and removed after.

    0711: local harbor sandboxes run as unprivileged host uids, which must walk through it.
    Made under the current TMPDIR (the run's own, see tests/conftest.py), never under
    pytest's root-only temp root.
    """
    saved = os.environ.get("TMPDIR")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o711)
    os.environ["TMPDIR"], tempfile.tempdir = str(folder), None
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
        tempfile.tempdir = None
        shutil.rmtree(folder, ignore_errors=True)
