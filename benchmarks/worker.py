"""A long-lived measurement process: one command per stdin line, one JSON reply per line.

    python -m benchmarks.worker      # then write ["latency", "openenv", "--url", ...]

Importing a client library once per virtualenv instead of once per measurement saves
seconds each time (the official OpenEnv client takes several to import). Anything a
library prints goes to stderr; stdout carries only the replies.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback

from benchmarks import drive


def main() -> None:
    """Serve commands until stdin closes."""
    replies = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            with contextlib.redirect_stdout(sys.stderr):
                result = drive.measure(json.loads(line))
        except (Exception, SystemExit) as exc:
            traceback.print_exc(file=sys.stderr)
            result = {"error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(result) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
