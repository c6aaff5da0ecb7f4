"""The long-lived services: one local client however many ask for it at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.clients.base import ClientError
from tests.fakes import OllamaFake
from tests.protocol_support import make_services


async def test_callers_asking_at_once_share_one_local_client(fake_ollama: OllamaFake) -> None:
    # The app's health check and a document's indexing both ask as the app starts.
    services = make_services(fake_ollama, None)
    first, second = await asyncio.gather(services.local_client(), services.local_client())
    assert first.client is second.client
    assert await services.local_client() is first
    await services.aclose()


async def test_a_local_client_made_while_the_settings_change_is_closed_not_kept(
    fake_ollama: OllamaFake, monkeypatch
) -> None:
    fake_ollama.models = {"llama3.2:3b": 131072, "qwen2.5:7b": 32768}
    services = make_services(fake_ollama, None)
    from core import services as services_module

    made, closed = [], []
    real = services_module.make_local_client

    async def slow_make(settings, gate):
        choice = await real(settings, gate)
        made.append(choice)
        close = choice.client.aclose

        async def recorded_close():
            closed.append(choice)
            await close()

        choice.client.aclose = recorded_close
        await asyncio.sleep(0.05)  # the settings change meanwhile
        return choice

    monkeypatch.setattr(services_module, "make_local_client", slow_make)
    asking = asyncio.ensure_future(services.local_client())
    await asyncio.sleep(0.01)
    new = services.stored_settings.model_copy(update={"local_model": "qwen2.5:7b"})
    await services.update_settings(new)

    choice = await asking
    assert len(made) == 2 and choice is made[1]  # made again for the new settings
    assert choice.client.model == "qwen2.5:7b"
    assert closed == [made[0]]  # the stale one was closed, not left open
    await services.aclose()
    assert closed == made


async def test_nothing_new_is_made_once_the_services_are_closed(fake_ollama, fake_openai) -> None:
    services = make_services(fake_ollama, fake_openai)
    await services.aclose()
    with pytest.raises(ClientError):
        await services.local_client()
    with pytest.raises(ClientError):
        services.remote_client()


async def test_threads_asking_for_the_cloud_client_at_once_get_one(fake_ollama, fake_openai):
    # The window builds it off the loop while a second health check may do the same.
    services = make_services(fake_ollama, fake_openai)
    barrier = threading.Barrier(4)

    def ask():
        barrier.wait()
        return services.remote_client()

    clients = await asyncio.gather(*(asyncio.to_thread(ask) for _ in range(4)))
    assert len({id(c) for c in clients}) == 1
    await services.aclose()


async def test_a_local_check_cancelled_midway_closes_its_connections(
    fake_ollama: OllamaFake, monkeypatch
) -> None:
    # The window closes while the start-up check still waits on Ollama: the client made for
    # the check is closed, not left for the garbage collector with a socket open.
    from core.clients.ollama_client import OllamaClient

    checked, closed = asyncio.Event(), []
    real_list, real_close = OllamaClient.list_models, OllamaClient.aclose

    async def slow_list(self):
        models = await real_list(self)  # a real connection to the server, now kept alive
        checked.set()
        await asyncio.sleep(60)
        return models

    async def recorded_close(self):
        closed.append(self)
        await real_close(self)

    monkeypatch.setattr(OllamaClient, "list_models", slow_list)
    monkeypatch.setattr(OllamaClient, "aclose", recorded_close)
    services = make_services(fake_ollama, None)
    asking = asyncio.ensure_future(services.local_client())
    await asyncio.wait_for(checked.wait(), 10)
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking
    assert len(closed) == 1
    await services.aclose()
