"""Asking a server whether it is healthy (``GET /health``, see envbridge.spec.health).

200 means healthy; 503 carries ``reasons`` (a bridge's shared worker is dead or
wedged); anything else, or no answer, is reported as such.
"""

from __future__ import annotations

import httpx


async def problems(http: httpx.AsyncClient, url: str) -> list[str]:
    """Why the server at ``url`` is unhealthy now; empty when ``/health`` says 200."""
    try:
        response = await http.get(f"{url}/health")
    except httpx.HTTPError as exc:
        return [f"no answer from {url}/health ({type(exc).__name__}: {exc})"]
    if response.status_code == 200:
        return []
    try:
        reasons = response.json().get("reasons")
    except (ValueError, AttributeError):
        reasons = None
    if isinstance(reasons, list) and reasons:
        return [str(reason) for reason in reasons]
    return [f"{url}/health answered {response.status_code}: {response.text[:200]}"]
