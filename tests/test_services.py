"""The long-lived services: one local client however many ask for it at once."""

from __future__ import annotations

import asyncio

from tests.fakes import OllamaFake
from tests.test_protocol_support import make_services


async def test_callers_asking_at_once_share_one_local_client(fake_ollama: OllamaFake) -> None:
    # The app's health check and a document's indexing both ask as the app starts.
    services = make_services(fake_ollama, None)
    first, second = await asyncio.gather(services.local_client(), services.local_client())
    assert first.client is second.client
    assert await services.local_client() is first
    await services.aclose()
