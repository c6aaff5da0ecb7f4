"""The cloud-only baseline is priced only as a run that could happen."""

from __future__ import annotations

import pytest

from core.protocols.events import Done
from core.protocols.pricing import PRICES, cloud_only, cost_usd
from core.protocols.run import Run, RunRequest
from core.tokens import estimate_tokens
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import (
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
)


def test_documents_that_fit_are_priced_as_one_request() -> None:
    text = "word " * 4000
    estimate = cloud_only("gpt-4o-mini", "What is it?", [text])
    prompt = estimate_tokens("What is it?") + estimate_tokens(text)
    assert estimate.requests == 1 and estimate.note == ""
    assert estimate.cost_usd == pytest.approx(cost_usd("gpt-4o-mini", prompt, 300))


def test_documents_over_the_context_are_priced_as_a_chunked_run_and_said_so() -> None:
    text = "x" * 2_000_000  # ~556k tokens: over gpt-4o's 128k window
    tokens = estimate_tokens(text)
    estimate = cloud_only("gpt-4o", "What is the code?", [text])

    assert estimate.requests == 6  # five parts that fit, one request to combine them
    assert "Cloud only could not read this in one request" in estimate.note
    assert f"{tokens:,} tokens" in estimate.note and "128,000" in estimate.note
    single = cost_usd("gpt-4o", tokens, 300)  # the impossible one-request figure
    assert estimate.cost_usd > single  # each part repeats the question; answers are combined
    assert estimate.cost_usd < 1.2 * single
    # The same text fits a model with a larger window, in one request.
    assert cloud_only("gpt-4.1", "What is the code?", [text]).requests == 1


def test_every_priced_model_has_a_context_window() -> None:
    assert all(price.input_limit >= 16_000 for price in PRICES.values())


def test_an_unknown_model_gets_no_cloud_only_figure() -> None:
    estimate = cloud_only("my-local-proxy-model", "Q?", ["text " * 100])
    assert estimate.cost_usd == 0.0  # no saving is claimed; unpriced_note says why


async def test_an_answer_over_a_too_long_document_says_cloud_only_could_not_read_it(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=40, page_chars=1500, fact_page=9)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    # gpt-3.5-turbo reads at most 16,385 tokens: the ~17k-token document does not fit.
    services = make_services(fake_ollama, fake_openai, remote_model="gpt-3.5-turbo")

    events = await collect(Run(RunRequest("What is the code?", [doc]), services))

    done = events[-1]
    assert isinstance(done, Done)
    assert estimate_tokens(doc.text) > 16_385
    assert any("could not read this in one request" in note for note in done.answer.notes)
    expected = cloud_only("gpt-3.5-turbo", "What is the code?", [doc.text])
    assert expected.requests >= 3
    assert done.answer.usage.cloud_only_cost_usd == pytest.approx(expected.cost_usd)
    await services.aclose()
