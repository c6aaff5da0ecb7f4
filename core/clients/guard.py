"""The one place where the run's text policy wraps a client whose requests leave the machine.

Redaction and never-send are applied here, for every runtime alike, before the
request reaches the client (and so the egress gate, which audits it); replies come
back with the placeholders restored, streamed tokens included.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from core.clients.base import (
    ChatClient,
    ChatResult,
    Message,
    ModelInfo,
    TokenCallback,
    parse_structured,
)
from core.privacy.outbound import StreamRestorer, prepare_outbound, restore_inbound


class GuardedClient:
    """Wraps an egress client: text policy out, placeholders restored in."""

    def __init__(self, inner: ChatClient) -> None:
        self.inner = inner
        self.model = inner.model
        self.endpoint = inner.endpoint
        self.egress = inner.egress

    async def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenCallback | None = None,
    ) -> ChatResult:
        outbound = prepare_outbound(messages)
        restorer = StreamRestorer(on_token) if on_token is not None else None
        result = await self.inner.chat(
            outbound,
            schema=schema,
            max_tokens=max_tokens,
            temperature=temperature,
            on_token=restorer,
        )
        if restorer is not None:
            restorer.flush()
        restored = restore_inbound(result.text)
        if restored != result.text:
            result.text = restored
            if schema is not None:
                result.parsed = parse_structured(restored, schema)
        return result

    async def list_models(self) -> list[ModelInfo]:
        return await self.inner.list_models()

    async def context_limit(self) -> int | None:
        return await self.inner.context_limit()

    async def aclose(self) -> None:
        await self.inner.aclose()


def guarded(client: ChatClient) -> ChatClient:
    """``client`` with the text policy applied when its requests leave the machine."""
    if client.egress and not isinstance(client, GuardedClient):
        return GuardedClient(client)
    return client
