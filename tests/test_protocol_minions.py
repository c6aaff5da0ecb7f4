"""MinionS end to end against the Ollama and OpenAI fakes."""

from __future__ import annotations

import json

import pytest

from core.documents.chunking import chunk_document
from core.privacy.provenance import ProvenanceIndex
from core.protocols.events import (
    Done,
    EgressRecorded,
    JobFinished,
    JobsPlanned,
    JobStarted,
    RoundStarted,
    RouteDecided,
)
from core.protocols.minions import in_flight
from core.protocols.run import Run, RunRequest
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
    schema_name,
)

CHUNK_CHARS = 600


async def test_planted_fact_in_200_chunks_is_found_cited_and_little_leaves(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=80, page_chars=1500, fact_page=37)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    assert len(chunks) >= 200
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, parallelism=8)
    run = Run(
        RunRequest("What is the vault access code?", [doc]), services, chunk_chars=CHUNK_CHARS
    )

    events = await collect(run)

    done = events[-1]
    assert isinstance(done, Done), events[-1]
    assert FACT_ANSWER in done.answer.text
    citation = done.answer.citations[0]
    assert (citation.document_name, citation.page, citation.quote) == ("report.txt", 37, FACT)
    assert doc.text[citation.char_start : citation.char_end] == FACT
    # What left the machine: every cloud request, as audited, against the document.
    sent = services.audit.records(run_id=run.run_id, kind="request")
    assert len(sent) == 2  # one plan, one synthesis
    assert done.answer.egress_requests == 2
    assert done.answer.egress_bytes == sum(r.byte_count for r in sent)
    index = ProvenanceIndex([(doc.id, doc.text, doc.page_at)])
    for record in sent:
        copied = sum(s.end - s.start for s in index.find_spans_in_payload(record.body_text))
        assert copied <= 0.01 * len(doc.text), f"record {record.id} carries {copied} chars"
        assert record.byte_count < 0.02 * len(doc.text)
    assert len(of_type(events, EgressRecorded)) == 4  # two requests, two responses
    await services.aclose()


async def test_each_job_is_its_own_worker_request(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=10, page_chars=1500, fact_page=4)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    fake_ollama.responder = fact_worker
    two_tasks = [
        {"task": "What is the vault access code?", "read": "all"},
        {"task": "Who owns the archive?", "read": "all"},
    ]
    fake_openai.responder = minions_supervisor(two_tasks)
    services = make_services(fake_ollama, fake_openai)
    run = Run(RunRequest("What is the code?", [doc]), services, chunk_chars=CHUNK_CHARS)

    events = await collect(run)

    assert isinstance(events[-1], Done)
    planned = of_type(events, JobsPlanned)[0]
    assert planned.total == 2 * len(chunks)
    chats = fake_ollama.requests_to("/api/chat")
    assert len(chats) == planned.total
    for request in chats:  # one chunk and one task per chat, never a batch
        user = request.json["messages"][-1]["content"]
        assert user.count("Task:") == 1
        assert sum(chunk.text in user for chunk in chunks) == 1
    assert len(of_type(events, JobFinished)) == planned.total
    await services.aclose()


@pytest.mark.parametrize("server_slots", [None, 3])
async def test_concurrency_is_bounded_by_the_parallelism_setting(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake, server_slots: int | None
) -> None:
    doc = make_document(pages=12, page_chars=1500)
    fake_ollama.responder = fact_worker
    fake_ollama.latency = 0.05
    fake_ollama.max_parallel = server_slots  # 3: like OLLAMA_NUM_PARALLEL=3
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, parallelism=3)
    run = Run(RunRequest("What is the code?", [doc]), services, chunk_chars=CHUNK_CHARS)

    events = await collect(run)

    assert isinstance(events[-1], Done)
    if server_slots is None:  # no server limit: what we keep open is the bound
        assert fake_ollama.max_concurrency_seen == in_flight(3) == 4
    else:  # the server's three slots were kept busy, one request waiting in its queue
        assert fake_ollama.max_concurrency_seen == 3
    finished = of_type(events, JobFinished)
    assert [e.done for e in finished] == list(range(1, len(finished) + 1))
    await services.aclose()


async def test_keywords_and_pages_filter_chunks_locally(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=20, page_chars=1500, fact_page=12)
    fake_ollama.responder = fact_worker
    plan = [
        {"task": "What is the vault code?", "keywords": ["vault"], "read": "all"},
        {"task": "Summarise the budget", "page_from": 3, "page_to": 4},
    ]
    fake_openai.responder = minions_supervisor(plan)
    services = make_services(fake_ollama, fake_openai)
    run = Run(RunRequest("What is the code?", [doc]), services, chunk_chars=CHUNK_CHARS)

    events = await collect(run)

    assert isinstance(events[-1], Done)
    started = of_type(events, JobStarted)
    keyword_jobs = [e for e in started if e.instruction == "What is the vault code?"]
    assert len(keyword_jobs) == 1 and keyword_jobs[0].page_start <= 12 <= keyword_jobs[0].page_end
    page_jobs = [e for e in started if e.instruction == "Summarise the budget"]
    assert page_jobs and all(e.page_end >= 3 and e.page_start <= 4 for e in page_jobs)
    assert FACT_ANSWER in events[-1].answer.text
    await services.aclose()


async def test_supervisor_gets_counts_not_text_and_notes_carry_to_round_two(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=6, page_chars=1500, fact_page=5, name="secret-plans.txt")
    fake_ollama.responder = fact_worker
    answer_now = minions_supervisor()

    def two_rounds(payload):
        if schema_name(payload) == "Synthesis":  # round 1 of 2: ask for more
            return {"decision": "more", "answer": "", "cite": [], "notes": "NOTE-XYZ code seen"}
        return answer_now(payload)

    fake_openai.responder = two_rounds
    services = make_services(fake_ollama, fake_openai)
    run = Run(
        RunRequest("What is the code?", [doc], max_rounds=2), services, chunk_chars=CHUNK_CHARS
    )

    events = await collect(run)

    assert isinstance(events[-1], Done) and events[-1].answer.rounds == 2
    assert [e.round for e in of_type(events, RoundStarted)] == [1, 2]
    cloud = [r.json for r in fake_openai.requests_to("/chat/completions")]
    assert [schema_name(p) for p in cloud] == ["JobPlan", "Synthesis", "JobPlan", "FinalSynthesis"]
    first_plan = json.dumps(cloud[0])
    assert "6 pages" in first_plan and "chunks" in first_plan
    assert "secret-plans" not in first_plan  # file names stay local unless the user allows
    assert "NOTE-XYZ" in json.dumps(cloud[2]["messages"])
    assert "NOTE-XYZ" in json.dumps(cloud[3]["messages"])
    route = of_type(events, RouteDecided)[0]
    assert route.protocol == "minions"
    await services.aclose()


async def test_file_names_go_to_the_supervisor_only_when_allowed(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=2, page_chars=800, fact_page=1, name="secret-plans.txt")
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, share_file_names=True)
    events = await collect(Run(RunRequest("Code?", [doc]), services))
    assert isinstance(events[-1], Done)
    assert "secret-plans.txt" in json.dumps(fake_openai.requests[0].json)
    await services.aclose()
