"""The intercepted model call: a verifiers client whose "model" is the trainer.

verifiers' own OpenAI chat client does the message and tool conversion both ways; only
the network request is replaced: each model call is parked as a
:class:`~envbridge.bridges.verifiers.turns.ModelCall` until the trainer's next action.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from envbridge.bridges.verifiers.chat import clean_messages, clean_tools
from envbridge.bridges.verifiers.turns import ModelCall, chat_completion
from openai.types.chat import ChatCompletion
from verifiers.legacy.clients import OpenAIChatCompletionsClient


class TrainerClient(OpenAIChatCompletionsClient):
    """A verifiers client that hands every model call to the trainer, one at a time."""

    def __init__(self) -> None:
        super().__init__(None)  # no HTTP client: the trainer is the model
        self.calls: asyncio.Queue[ModelCall] = asyncio.Queue()
        self._ids = itertools.count()
        self.state: Any = None
        """The rollout's live verifiers ``State`` (seen on the first model call)."""

    def setup_client(self, config: Any) -> Any:
        raise TypeError("TrainerClient talks to the trainer, not to a configured endpoint")

    async def close(self) -> None:
        """Nothing to close: there is no connection."""

    async def get_native_response(
        self,
        prompt: Any,
        model: str,
        sampling_args: Any,
        tools: Any = None,
        **kwargs: Any,
    ) -> ChatCompletion:
        """Park the call until the trainer sends the assistant message, then return it."""
        self.state = kwargs.get("state", self.state)
        call = ModelCall(
            clean_messages(prompt),
            clean_tools(tools),
            asyncio.get_running_loop().create_future(),
        )
        await self.calls.put(call)
        message = await call.reply
        return ChatCompletion.model_validate(
            chat_completion(message, model, f"envbridge-{next(self._ids)}")
        )
