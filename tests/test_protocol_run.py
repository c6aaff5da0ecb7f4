"""Local only, cloud only, auto routing, usage and cost, the Python API, and a PDF citation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.documents.loading import load_document_sync
from core.protocols import Minion, Minions, ProtocolError
from core.protocols.events import Done, Failed, Notice, RouteDecided
from core.protocols.pricing import cost_usd, price_of, unpriced_note
from core.protocols.run import Run, RunRequest
from tests.docfixtures import filler_lines, make_pdf
from tests.fakes import OllamaFake, OpenAIFake
from tests.helpers import cloud_client, make_gate, ollama_client
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)


def local_model(payload: dict[str, Any]) -> Any:
    """One local model in every seat, told apart by the schema it is asked to fill."""
    props = (payload.get("format") or {}).get("properties", {})
    if "jobs" in props:
        return {"jobs": [{"task": "What is the vault access code?"}]}
    if "explanation" in props:
        return fact_worker(payload)
    if "decision" in props or "cite" in props:
        found = FACT_ANSWER if FACT_ANSWER in payload["messages"][-1]["content"] else "unknown"
        return {
            "decision": "answer",
            "answer": f"The code is {found}.",
            "cite": ["F1"],
            "notes": "",
        }
    return {"answer": f"The code is {FACT_ANSWER}.", "quotes": [FACT]}


async def test_local_only_answers_with_zero_egress(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=3, page_chars=1000, fact_page=2)
    fake_ollama.responder = local_model
    services = make_services(fake_ollama, fake_openai)

    events = await collect(Run(RunRequest("Code?", [doc], protocol="local"), services))

    done = events[-1]
    assert isinstance(done, Done) and done.answer.protocol == "local"
    assert FACT_ANSWER in done.answer.text and done.answer.citations[0].page == 2
    assert fake_openai.requests == [] and services.audit.records() == []
    assert done.answer.egress_requests == 0 and done.answer.usage.remote_cost_usd == 0
    assert done.answer.usage.local_prompt_tokens > 0
    await services.aclose()


async def test_local_only_reads_too_large_documents_in_chunks_with_a_local_supervisor(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.models = {"llama3.2:3b": 8192}
    doc = make_document(pages=40, page_chars=1500, fact_page=33)
    fake_ollama.responder = local_model
    services = make_services(fake_ollama, fake_openai)

    events = await collect(Run(RunRequest("Code?", [doc], protocol="local"), services))

    done = events[-1]
    assert isinstance(done, Done) and done.answer.protocol == "local"
    assert FACT_ANSWER in done.answer.text and done.answer.citations[0].page == 33
    assert of_type(events, Notice)
    assert fake_openai.requests == [] and services.audit.records() == []
    await services.aclose()


async def test_local_only_setting_puts_the_local_model_in_the_supervisor_seat(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=4, page_chars=1500, fact_page=2)
    fake_ollama.responder = local_model
    services = make_services(fake_ollama, fake_openai, local_only=True)
    events = await collect(Run(RunRequest("Code?", [doc], protocol="minions"), services))
    assert isinstance(events[-1], Done) and FACT_ANSWER in events[-1].answer.text
    assert fake_openai.requests == []
    cloud_only = await collect(Run(RunRequest("Code?", [doc], protocol="cloud"), services))
    assert isinstance(cloud_only[-1], Failed) and cloud_only[-1].kind == "blocked"
    await services.aclose()


async def test_cloud_only_sends_the_documents_and_the_audit_shows_them(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=3, page_chars=1000, fact_page=3)
    fake_openai.responder = lambda p: {"answer": f"It is {FACT_ANSWER}.", "quotes": [FACT]}
    services = make_services(fake_ollama, fake_openai)

    run = Run(RunRequest("Code?", [doc], protocol="cloud"), services)
    events = await collect(run)

    done = events[-1]
    assert isinstance(done, Done) and done.answer.protocol == "cloud"
    assert done.answer.citations[0].page == 3
    [sent] = services.audit.records(run_id=run.run_id, kind="request")
    assert doc.text in json.loads(sent.body)["messages"][0]["content"]
    usage = done.answer.usage
    assert usage.remote_cost_usd == pytest.approx(
        cost_usd("gpt-4o-mini", usage.remote_prompt_tokens, usage.remote_completion_tokens)
    )
    assert usage.remote_cost_usd > 0 and usage.local_prompt_tokens == 0
    await services.aclose()


async def test_minions_reports_cost_against_the_cloud_only_baseline(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=40, page_chars=1500, fact_page=9)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, remote_model="gpt-4o")

    events = await collect(Run(RunRequest("What is the code?", [doc]), services))

    usage = events[-1].answer.usage
    records = services.audit.records(kind="response")
    assert usage.remote_prompt_tokens == sum(r.prompt_tokens for r in records)
    assert usage.remote_cost_usd == pytest.approx(
        cost_usd("gpt-4o", usage.remote_prompt_tokens, usage.remote_completion_tokens)
    )
    assert usage.cloud_only_cost_usd > 5 * usage.remote_cost_usd > 0
    await services.aclose()


async def test_auto_picks_minion_for_short_documents_and_minions_for_long_ones(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.models = {"llama3.2:3b": 16384}
    fake_ollama.responder = local_model
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    short = make_document(pages=2, page_chars=1000)
    long = make_document(pages=40, page_chars=1500)

    short_events = await collect(Run(RunRequest("Code?", [short], protocol="auto"), services))
    long_events = await collect(Run(RunRequest("Code?", [long], protocol="auto"), services))

    [short_route] = of_type(short_events, RouteDecided)
    [long_route] = of_type(long_events, RouteDecided)
    assert short_route.protocol == "minion" and "fit comfortably" in short_route.reason
    assert long_route.protocol == "minions" and "too long" in long_route.reason
    assert short_route.worker_model == "llama3.2:3b"
    await services.aclose()


async def test_a_rejected_cloud_key_ends_in_one_clear_failure(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=2, page_chars=1000)
    services = make_services(fake_ollama, fake_openai)
    services.keys.store.set("cloud-api-key", "sk-wrong-key-123456")
    events = await collect(Run(RunRequest("Code?", [doc]), services))
    assert isinstance(events[-1], Failed) and events[-1].kind == "auth"
    assert sum(isinstance(e, Done | Failed) for e in events) == 1
    await services.aclose()


async def test_minions_citation_lands_on_the_right_pdf_page(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake, tmp_path: Path
) -> None:
    pages = [filler_lines(n) for n in range(1, 9)]
    pages[5] = [*pages[5][:20], FACT, *pages[5][20:]]  # page 6
    path = tmp_path / "archive.pdf"
    path.write_bytes(make_pdf(pages))
    doc = load_document_sync(path)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)

    events = await collect(Run(RunRequest("What is the code?", [doc]), services, chunk_chars=1000))

    done = events[-1]
    assert isinstance(done, Done), done
    citation = done.answer.citations[0]
    assert (citation.document_name, citation.page) == ("archive.pdf", 6)
    assert citation.quote == FACT
    assert FACT in doc.page_text(6)
    await services.aclose()


def test_python_api_minion_and_minions_return_a_final_answer(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    gate = make_gate()
    text = make_document(pages=6, page_chars=1500, fact_page=5).text
    local, remote = ollama_client(fake_ollama, gate), cloud_client(fake_openai, gate)

    fake_ollama.responder = lambda p: f'It says "{FACT}"' if "format" not in p else fact_worker(p)
    fake_openai.responder = lambda p: (
        {"question": "What is the code?"}
        if "Question" in json.dumps(p["response_format"])
        else {"answer": f"The code is {FACT_ANSWER}."}
    )
    minion = Minion(local, remote)
    result = minion(task="What is the code?", context=[text], max_rounds=1)
    assert result["final_answer"] == f"The code is {FACT_ANSWER}."
    assert result["citations"][0]["page"] == 1 and result["egress"]["requests"] == 2
    assert result["worker_messages"] and result["supervisor_messages"]

    fake_openai.clear_requests()
    fake_openai.responder = minions_supervisor()
    result = Minions(local, remote, chunk_chars=800)(
        task="What is the code?", doc_metadata="An archive report", context=[text], max_rounds=2
    )
    assert FACT_ANSWER in result["final_answer"]
    assert result["usage"]["remote_prompt_tokens"] > 0
    assert "An archive report" in json.dumps(fake_openai.requests[0].json)
    minion.close()  # both objects share the clients: one close ends their connections


def test_python_api_raises_a_clear_error_when_the_run_fails(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.models = {"llama3.2:3b": 2048}
    gate = make_gate()
    local, remote = ollama_client(fake_ollama, gate), cloud_client(fake_openai, gate)
    minion = Minion(local, remote)
    with pytest.raises(ProtocolError) as caught:
        minion(task="Code?", context=["word " * 10_000])
    minion.close()
    assert caught.value.kind == "context_overflow"


def test_price_table_knows_snapshots_and_says_when_it_does_not() -> None:
    assert price_of("gpt-4o-2024-08-06") == price_of("gpt-4o")
    assert price_of("gpt-4o-mini-2024-07-18") == price_of("gpt-4o-mini")
    assert cost_usd("gpt-4o", 1_000_000, 1_000_000) == pytest.approx(12.5)
    assert cost_usd("my-local-llm", 10**6, 10**6) == 0.0
    assert "my-local-llm" in unpriced_note("my-local-llm") and unpriced_note("gpt-4o") == ""
