"""Minion: a multi-round conversation, the last-round rule, the too-large refusal."""

from __future__ import annotations

import json
from typing import Any

from core.protocols.events import Done, Failed, SupervisorMessage, WorkerMessage
from core.protocols.run import Run, RunRequest
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    make_document,
    make_services,
    of_type,
    schema_name,
)


def prose_worker(payload: dict[str, Any]) -> str:
    """The Minion worker: answers in prose and quotes its support."""
    question = payload["messages"][-1]["content"]
    return f'About "{question}": the report says "{FACT}"'


def asking_supervisor(answer_at_turn: int | None = None):
    """Asks a new question each turn; answers at ``answer_at_turn`` if given."""
    turns = 0

    def respond(payload: dict[str, Any]) -> dict[str, Any]:
        nonlocal turns
        turns += 1
        name = schema_name(payload)
        if name == "Question":
            return {"question": "What is the vault access code?"}
        if name == "SupervisorTurn":
            if answer_at_turn == turns:
                return {"action": "answer", "text": f"The code is {FACT_ANSWER} (early)."}
            return {"action": "ask", "text": f"Follow-up question {turns}?"}
        assert name == "FinalAnswer"
        return {"answer": f"The code is {FACT_ANSWER}."}

    return respond


async def test_multi_round_conversation_ends_in_an_answer_on_the_last_round(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=5, page_chars=1200, fact_page=4)
    fake_ollama.responder = prose_worker
    fake_openai.responder = asking_supervisor()
    services = make_services(fake_ollama, fake_openai)
    run = Run(
        RunRequest("What is the vault code?", [doc], protocol="minion", max_rounds=3), services
    )

    events = await collect(run)

    done = events[-1]
    assert isinstance(done, Done), done
    assert done.answer.text == f"The code is {FACT_ANSWER}." and done.answer.rounds == 3
    cloud = [r.json for r in fake_openai.requests_to("/chat/completions")]
    # Round 1 asks; rounds 2 and 3 may ask or answer; after round 3 only an answer fits.
    assert [schema_name(p) for p in cloud] == [
        "Question",
        "SupervisorTurn",
        "SupervisorTurn",
        "FinalAnswer",
    ]
    assert "last round" in cloud[-1]["messages"][-1]["content"]
    assert "last round" not in json.dumps(cloud[:-1])
    # The worker keeps its conversation: its third request holds the first two exchanges.
    chats = [r.json for r in fake_ollama.requests_to("/api/chat")]
    assert [len(c["messages"]) for c in chats] == [2, 4, 6]
    assert doc.text in chats[0]["messages"][0]["content"]
    assert [e.round for e in of_type(events, SupervisorMessage)] == [1, 2, 3]
    assert len(of_type(events, WorkerMessage)) == 3
    # The supervisor never got the documents, only the worker's answers.
    assert doc.text[:200] not in json.dumps(cloud)
    citation = done.answer.citations[0]
    assert (citation.page, citation.quote) == (4, FACT)
    await services.aclose()


async def test_supervisor_may_answer_before_the_last_round(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=2, page_chars=1000, fact_page=1)
    fake_ollama.responder = prose_worker
    fake_openai.responder = asking_supervisor(answer_at_turn=2)
    services = make_services(fake_ollama, fake_openai)
    run = Run(RunRequest("Code?", [doc], protocol="minion", max_rounds=3), services)

    events = await collect(run)

    assert isinstance(events[-1], Done) and events[-1].answer.rounds == 2
    assert "(early)" in events[-1].answer.text
    assert len(fake_openai.requests_to("/chat/completions")) == 2
    assert len(fake_ollama.requests_to("/api/chat")) == 1
    await services.aclose()


async def test_one_round_minion_asks_once_then_must_answer(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    doc = make_document(pages=2, page_chars=1000, fact_page=1)
    fake_ollama.responder = prose_worker
    fake_openai.responder = asking_supervisor()
    services = make_services(fake_ollama, fake_openai)
    events = await collect(
        Run(RunRequest("Code?", [doc], protocol="minion", max_rounds=1), services)
    )
    assert isinstance(events[-1], Done)
    cloud = [schema_name(r.json) for r in fake_openai.requests_to("/chat/completions")]
    assert cloud == ["Question", "FinalAnswer"]
    await services.aclose()


async def test_documents_too_large_for_the_worker_are_refused_before_any_cloud_call(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.models = {"llama3.2:3b": 4096}
    doc = make_document(pages=20, page_chars=2000)  # ~11,000 tokens
    fake_openai.responder = asking_supervisor()
    services = make_services(fake_ollama, fake_openai)

    events = await collect(Run(RunRequest("Code?", [doc], protocol="minion"), services))

    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "context_overflow"
    assert "4,096" in failed.message and "MinionS" in failed.hint
    assert fake_openai.requests == []
    assert fake_ollama.requests_to("/api/chat") == []
    await services.aclose()
