"""Which v1 agent seats the bridge can run: it runs every seat offline, in a local
subprocess runtime. A seat configured for another runtime (verifiers' default is the
remote ``prime`` sandbox, which needs ``$PRIME_API_KEY`` and the network) would fail
inside every episode, so the package is refused at start-up instead, with the
``--env-args`` that make it run locally."""

from __future__ import annotations

import json
import os
from typing import Any

LOCAL_RUNTIME = "subprocess"

_NEEDS = {
    "prime": "a Prime sandbox: network and $PRIME_API_KEY",
    "e2b": "an E2B sandbox: network and $E2B_API_KEY",
    "modal": "a Modal sandbox: network and Modal credentials",
    "docker": "a Docker image the runtime would pull",
    "podman": "a Podman image the runtime would pull",
    "apptainer": "an Apptainer image the runtime would pull",
}
_CREDENTIALS = {"prime": "PRIME_API_KEY", "e2b": "E2B_API_KEY"}


def refuse_non_local_seats(env_name: str, seats: dict[str, Any]) -> None:
    """Raise ValueError naming every seat whose runtime is not a local subprocess."""
    wrong = {
        seat: getattr(getattr(spec, "runtime", None), "type", None) for seat, spec in seats.items()
    }
    wrong = {seat: kind for seat, kind in wrong.items() if kind != LOCAL_RUNTIME}
    if not wrong:
        return
    reasons = []
    for seat, kind in wrong.items():
        need = _NEEDS.get(kind, "a runtime the bridge does not run")
        variable = _CREDENTIALS.get(kind)
        if variable and not os.environ.get(variable):
            need += f" (${variable} is not set here)"
        reasons.append(f"seat {seat!r} uses the {kind!r} runtime, which needs {need}")
    fix = json.dumps({seat: {"runtime": {"type": LOCAL_RUNTIME}} for seat in wrong})
    raise ValueError(
        f"{env_name}: {'; '.join(reasons)}. The verifiers bridge runs every seat offline in "
        f"a local subprocess; serve it with --env-args '{fix}'"
    )
