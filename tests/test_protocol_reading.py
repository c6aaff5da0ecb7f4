"""MinionS reads the right chunks first: a fact is looked up best-first, a list reads everything."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from core.documents.chunking import chunk_document
from core.protocols.events import Done, Failed, JobFinished, JobsPlanned, JobStarted, Notice
from core.protocols.jobs import plan_reads, read_mode
from core.protocols.run import Run, RunRequest
from core.protocols.schemas import JobInstruction, JobPlan
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


def synthesis_text(fake_openai: OpenAIFake) -> str:
    for request in fake_openai.requests_to("/chat/completions"):
        if schema_name(request.json) in ("Synthesis", "FinalSynthesis"):
            return str(request.json["messages"][-1]["content"])
    raise AssertionError("no synthesis was sent")


async def run_question(
    fake_ollama: OllamaFake,
    fake_openai: OpenAIFake,
    plan: list[dict[str, Any]],
    *,
    pages: int = 80,
    fact_page: int | None = 37,
    worker: Any = fact_worker,
    **settings: Any,
) -> tuple[list[Any], int]:
    doc = make_document(pages=pages, page_chars=1500, fact_page=fact_page)
    fake_ollama.responder = worker
    fake_openai.responder = minions_supervisor(plan)
    services = make_services(fake_ollama, fake_openai, **settings)
    run = Run(
        RunRequest("What is the vault access code?", [doc], max_rounds=1),
        services,
        chunk_chars=CHUNK_CHARS,
    )
    events = await collect(run)
    await services.aclose()
    return events, len(chunk_document(doc, target_chars=CHUNK_CHARS))


async def test_a_fact_is_read_from_the_best_ranked_chunks_and_the_reading_stops_there(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    events, chunks = await run_question(
        fake_ollama, fake_openai, [{"task": "What is the vault access code?", "read": "best"}]
    )

    done = events[-1]
    assert isinstance(done, Done) and FACT_ANSWER in done.answer.text
    assert (done.answer.citations[0].page, done.answer.citations[0].quote) == (37, FACT)
    started = of_type(events, JobStarted)
    assert chunks >= 200 and len(started) == 4  # one batch of the parallelism (4)
    assert started[0].page_start <= 37 <= started[0].page_end  # the best-ranked chunk first
    assert len(fake_ollama.requests_to("/api/chat")) == 4
    assert f"(read 4 of {chunks} chunks in range, most relevant first)" in synthesis_text(
        fake_openai
    )


async def test_a_task_widens_batch_by_batch_while_nothing_is_found(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    events, chunks = await run_question(
        fake_ollama,
        fake_openai,
        [{"task": "What is the vault access code?"}],
        pages=12,
        fact_page=None,  # not in the document: the reading goes on to the last chunk
    )

    assert isinstance(events[-1], Done)
    started = of_type(events, JobStarted)
    assert sorted(e.job_id for e in started) == sorted({e.job_id for e in started})
    assert len(started) == chunks  # the whole scope, each chunk once
    finished = of_type(events, JobFinished)
    assert [e.done for e in finished] == list(range(1, chunks + 1))
    totals = [e.total for e in finished]
    assert totals[0] == 4 and totals[-1] == chunks and totals == sorted(totals)  # 4, 12, 28, ...
    assert of_type(events, JobsPlanned)[0].total == 4
    assert f"(read all {chunks} chunks in range, most relevant first)" in synthesis_text(
        fake_openai
    )


async def test_a_task_that_must_see_everything_reads_every_chunk(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    events, chunks = await run_question(
        fake_ollama, fake_openai, [{"task": "List every payment over $1,000"}], pages=12
    )  # no "read" in the plan: the wording ("list every") asks for all

    assert isinstance(events[-1], Done)
    assert len(of_type(events, JobStarted)) == chunks
    assert of_type(events, JobsPlanned)[0].total == chunks
    assert f"(read all {chunks} chunks in range)" in synthesis_text(fake_openai)


def test_the_plan_says_how_to_read_and_wording_decides_when_it_does_not() -> None:
    def mode(**fields: Any) -> str:
        return read_mode(JobInstruction.model_validate(fields))

    assert mode(task="List all invoices", read="best") == "best"  # the plan wins
    assert mode(task="What is the code?", read="ALL") == "all"
    assert mode(task="What is the code?") == "best"
    for task in ("List all invoices", "How many staff?", "Summarise the memo", "Compare Q1 and Q2"):
        assert mode(task=task) == "all", task
    schema = json.dumps(JobPlan.model_json_schema())
    assert (
        '"read": {"enum": ["best", "all"]' in schema and "default" not in schema.split('"read"')[1]
    )


def test_plan_notes_are_written_for_a_person() -> None:
    doc = make_document(pages=6, page_chars=1500, fact_page=2)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    plan = JobPlan.model_validate(
        {
            "jobs": [
                {"task": "List every zeppelin", "keywords": ["zeppelin"], "read": "all"},
                {"task": "What is the code?", "page_from": 900, "page_to": 950},
            ]
        }
    )

    reads, notes = plan_reads(plan, [doc], chunks)

    assert [len(r.scope) for r in reads] == [len(chunks), len(chunks)]
    assert notes == [
        "Task 1 (\u201cList every zeppelin\u201d) was to read only passages mentioning "
        "\u201czeppelin\u201d, but none do, so it reads every passage in its range",
        "Task 2 (\u201cWhat is the code?\u201d) asked for pages the documents do not have, "
        "so it reads all of them",
    ]
    assert not any("[" in note for note in notes)  # no Python lists shown to a person


async def test_plan_notes_reach_the_user_as_notices(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    events, _ = await run_question(
        fake_ollama,
        fake_openai,
        [{"task": "What is the code?", "page_from": 900, "page_to": 950}],
        pages=6,
        fact_page=2,
    )
    assert isinstance(events[-1], Done) and FACT_ANSWER in events[-1].answer.text
    assert any(
        "asked for pages the documents do not have" in n.message for n in of_type(events, Notice)
    )


async def test_a_wider_read_next_round_does_not_read_the_same_chunks_again(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=12, page_chars=1500, fact_page=None)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    answer = minions_supervisor()
    plans = iter(
        [
            {"jobs": [{"task": "What is the vault access code?", "read": "best"}]},
            {"jobs": [{"task": "What is the vault access code?", "read": "all"}]},
        ]
    )

    def supervisor(payload: dict[str, Any]) -> dict[str, Any]:
        name = schema_name(payload)
        if name == "JobPlan":
            return next(plans)
        if name == "Synthesis":  # round 1 of 2: the task read only part; ask for all of it
            return {"decision": "more", "answer": "", "cite": [], "notes": "read all of it"}
        return answer(payload)

    fake_openai.responder = supervisor
    services = make_services(fake_ollama, fake_openai, parallelism=4)
    seen: list[str] = []

    def worker(payload: dict[str, Any]) -> dict[str, Any]:
        # The first chunk gives a (wrong) answer, so round 1 stops after its first batch.
        seen.append(str(payload["messages"][-1]["content"]))
        if len(seen) == 1:
            return {"explanation": "A guess.", "citation": None, "answer": "maybe 1234"}
        return fact_worker(payload)

    fake_ollama.responder = worker
    run = Run(
        RunRequest("What is the vault access code?", [doc], max_rounds=2),
        services,
        chunk_chars=CHUNK_CHARS,
    )

    events = await collect(run)

    assert isinstance(events[-1], Done)
    chats = [r.json["messages"][-1]["content"] for r in fake_ollama.requests_to("/api/chat")]
    assert len(chats) == len(chunks)  # 4 in round 1, the other chunks in round 2: none twice
    assert len(set(chats)) == len(chats)
    synthesis = next(
        r.json["messages"][-1]["content"]
        for r in fake_openai.requests_to("/chat/completions")
        if schema_name(r.json) == "FinalSynthesis"
    )
    assert f"(read all {len(chunks)} chunks in range)" in synthesis
    await services.aclose()


async def test_a_run_that_ends_before_reading_stops_opening_the_chunk_index(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake, monkeypatch
) -> None:
    # The index opens in the background while the supervisor plans. A run that ends at the
    # plan (here the cloud refuses it) ends that work too: left running, it would go on
    # asking the local server after the run, and be cut off mid-connection at shutdown.
    from core.protocols import reading

    opening: list[asyncio.Task[object] | None] = []

    opened = threading.Event()

    async def slow_embedder(worker):
        opening.append(asyncio.current_task())
        opened.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(reading, "find_embedder", slow_embedder)
    fake_openai.on_receive = lambda request: opened.wait(10)  # the plan waits for the opening
    fake_openai.fail_next(400)
    fake_ollama.responder = fact_worker
    services = make_services(fake_ollama, fake_openai)
    doc = make_document(pages=3, page_chars=1500, fact_page=2)
    run = Run(RunRequest("What is the vault access code?", [doc]), services, chunk_chars=600)
    events = await collect(run)
    assert of_type(events, Failed)  # the plan was refused
    assert len(opening) == 1 and opening[0] is not None
    assert opening[0].cancelled()
    await services.aclose()
