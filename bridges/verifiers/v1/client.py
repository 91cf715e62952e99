"""The v1 model seam: an interception client whose model is the trainer.

The harness posts chat requests to verifiers' interception server, which calls this
client (``relay`` for streaming requests, ``get_response`` otherwise); each call is
parked as a :class:`ModelCall` until the trainer's next action.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Mapping
from typing import Any

from envbridge.bridges.verifiers.chat import clean_messages, clean_tools
from envbridge.bridges.verifiers.turns import ModelCall, chat_completion
from verifiers.v1.clients.client import Client, RelayReply
from verifiers.v1.interception.server import InterceptionServer


class TrainerClient(Client):
    """Parks each model call; answers it with the trainer's assistant message."""

    def __init__(self) -> None:
        self.calls: asyncio.Queue[ModelCall] = asyncio.Queue()
        self._ids = itertools.count()

    async def get_response(
        self,
        dialect: Any,
        body: dict,
        sampling: Any = None,
        session_id: str | None = None,
        turn: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        call = ModelCall(
            clean_messages(body.get("messages")),
            clean_tools(body.get("tools")),
            asyncio.get_running_loop().create_future(),
        )
        await self.calls.put(call)
        message = await call.reply
        raw = chat_completion(message, str(body.get("model", "")), f"envbridge-{next(self._ids)}")
        response = dialect.parse_response(dialect.validate_response(raw))
        response.raw = raw
        return response

    async def relay(
        self,
        dialect: Any,
        body: dict,
        session_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RelayReply:
        """The same reply, framed as the dialect's server-sent events."""
        response = await self.get_response(dialect, body, session_id=session_id)

        async def events() -> AsyncIterator[bytes]:
            for event in dialect.stream_events(response.raw):
                yield event

        async def close() -> None:
            return None

        return RelayReply("text/event-stream", events(), close)


class TrainerInterception(InterceptionServer):
    """verifiers' interception server, with every rollout's model calls going to ``client``."""

    def __init__(self, client: TrainerClient) -> None:
        super().__init__()
        self._trainer = client

    def _client(self, config: Any) -> Client:
        return self._trainer
