"""Never-send is structural: nothing derived from such a document reaches the cloud.

The canary document is attached beside an ordinary one. Workers of many habits (quote
the token, reword it, space it out, paraphrase it) answer from what they read; whatever
they do, the fake cloud's own log must hold no trace of the canary, its name or its
pages, in every protocol that talks to the cloud, with file names shared or not. The
user still gets the private document's answer, read on this computer only.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.documents.extraction import join_pages
from core.documents.model import Document
from core.protocols.events import Done, Failed
from core.protocols.run import Run, RunRequest
from tests.protocol_support import collect, filler_page, make_services, of_type

CODE = "7781-KESTREL"
FACT = "The vault access code for the Harwick archive is 7781-KESTREL and it changes in May."
PRIVATE_NAME = "harwick-vault-secrets.txt"

# How a worker might pass on what it read: each must stay on this computer.
HABITS = {
    "token alone": lambda: CODE,
    "short quote": lambda: f'"code {CODE}"',
    "reworded": lambda: "Harwick's archive vault opens with seventy-seven eighty-one kestrel.",
    "lower case, spaced": lambda: " ".join(CODE.lower()),
    "7-word slice": lambda: "access code for the Harwick archive is",
    "paraphrase": lambda: "The archive's vault uses the bird name kestrel after the digits 7781.",
    "whole sentence": lambda: FACT,
}
# What would betray the canary, compared on lower-case letters and digits only.
TELLTALES = ("kestrel", "7781", "harwick", "seventyseven", "vaultsecrets")


def private_document() -> Document:
    """The canary split across the border of pages 2 and 3."""
    pages = [filler_page(n, 900, seed=3) for n in range(1, 5)]
    half = len(FACT) // 2
    pages[1] += "\n\n" + FACT[:half]
    pages[2] = FACT[half:] + "\n\n" + pages[2]
    text, page_list = join_pages(pages)
    return Document("doc-private", PRIVATE_NAME, "", "text", text, page_list)


def shared_document() -> Document:
    pages = [filler_page(n, 900, seed=5) for n in range(1, 4)]
    text, page_list = join_pages(pages)
    return Document("doc-shared", "quarterly-notes.txt", "", "text", text, page_list)


def read_text(payload: dict[str, Any]) -> str:
    return " ".join(str(m.get("content", "")) for m in payload.get("messages", []))


def worker_with(habit: str):
    """A worker that passes the canary on in its habit's way whenever it can see it."""

    def respond(payload: dict[str, Any]) -> Any:
        text = read_text(payload)
        saw = "Harwick archive" in " ".join(text.split()) or CODE in text
        said = HABITS[habit]() if saw else "not found"
        fmt = payload.get("format")
        properties = fmt.get("properties", {}) if isinstance(fmt, dict) else {}
        if "explanation" in properties:  # a MinionS job
            found = said if saw else None
            return {"explanation": f"The text says {said}.", "citation": found, "answer": found}
        if "quotes" in properties:  # one reader with the whole documents
            return {"answer": f"The code is {said}.", "quotes": [said] if saw else []}
        return f"The documents say: {said}"  # a Minion worker's prose

    return respond


def supervisor(payload: dict[str, Any]) -> Any:
    name = payload["response_format"]["json_schema"]["name"]
    last = str(payload["messages"][-1]["content"])
    return {
        "JobPlan": {"jobs": [{"task": "What is the vault access code?"}]},
        "Synthesis": {"decision": "answer", "answer": f"From the findings: {last[-80:]}"},
        "FinalSynthesis": {"answer": f"From the findings: {last[-80:]}"},
        "Question": {"question": "What is the vault access code?"},
        "SupervisorTurn": {"action": "answer", "text": f"The worker said: {last[-80:]}"},
        "FinalAnswer": {"answer": f"The worker said: {last[-80:]}"},
        "QuotedAnswer": {"answer": "The shared notes do not hold a code.", "quotes": []},
    }[name]


def betrayed(log: str) -> list[str]:
    flat = re.sub(r"[^a-z0-9]", "", log.lower())
    return [t for t in TELLTALES if t in flat]


@pytest.mark.parametrize("share_names", [False, True], ids=["names off", "names on"])
@pytest.mark.parametrize("protocol", ["minions", "minion", "cloud"])
@pytest.mark.parametrize("habit", list(HABITS))
async def test_nothing_of_a_never_send_document_reaches_the_cloud(
    fake_ollama, fake_openai, habit, protocol, share_names
):
    fake_ollama.responder = worker_with(habit)
    fake_openai.responder = supervisor
    services = make_services(
        fake_ollama, fake_openai, share_file_names=share_names, chunk_chars=600
    )
    private, shared = private_document(), shared_document()
    request = RunRequest(
        "What is the vault access code?",
        [shared, private],
        protocol=protocol,
        never_send=frozenset({private.id}),
    )
    events = await collect(Run(request, services))
    done = of_type(events, Done)
    assert done, events[-1]
    log = "\n".join(r.body.decode() for r in fake_openai.requests)
    assert fake_openai.requests  # the cloud did take part...
    assert betrayed(log) == []  # ...and never saw a trace of the canary
    assert PRIVATE_NAME not in log and "doc-private" not in log
    if share_names:
        assert "quarterly-notes.txt" in log  # names of shared documents still go when allowed
    # The private document still answered, on this computer, in its own part of the answer.
    answer = done[0].answer
    assert "never-send documents" in answer.text and PRIVATE_NAME in answer.text
    assert betrayed(answer.supervisor_text) == []
    audited = [r.body for r in services.audit.records(kind="request")]
    assert audited == [r.body for r in fake_openai.requests]
    await services.aclose()


async def test_the_supervisor_is_told_only_that_a_private_document_exists(fake_ollama, fake_openai):
    fake_ollama.responder = worker_with("whole sentence")
    fake_openai.responder = supervisor
    services = make_services(fake_ollama, fake_openai)
    private, shared = private_document(), shared_document()
    request = RunRequest("Code?", [shared, private], never_send=frozenset({private.id}))
    assert of_type(await collect(Run(request, services)), Done)
    plan = fake_openai.requests[0].json["messages"][-1]["content"]
    assert "1 private document(s)" in plan and "D2" not in plan
    await services.aclose()


async def test_with_only_never_send_documents_the_question_is_answered_locally(
    fake_ollama, fake_openai
):
    fake_ollama.responder = worker_with("whole sentence")
    fake_openai.responder = supervisor
    services = make_services(fake_ollama, fake_openai)
    private = private_document()
    request = RunRequest("Code?", [private], protocol="minion", never_send=frozenset({private.id}))
    events = await collect(Run(request, services))
    done = of_type(events, Done)[0]
    assert fake_openai.requests == [] and services.audit.records() == []
    assert CODE in done.answer.text and done.answer.protocol == "local"
    assert done.answer.supervisor_text == ""
    await services.aclose()


async def test_a_remote_worker_never_reads_a_never_send_document(fake_ollama, fake_openai):
    """The worker on another machine is egress too: never-send documents stay unread."""
    from core.clients.ollama_client import OllamaClient
    from core.privacy.endpoints import Seat, destination

    fake_ollama.responder = worker_with("whole sentence")
    fake_openai.responder = supervisor
    services = make_services(fake_ollama, fake_openai)
    remote = OllamaClient(
        "llama3.2:3b",
        services.gate,
        host=fake_ollama.url,
        where=destination(Seat.WORKER, "http://192.168.1.20:11434"),
    )
    private, shared = private_document(), shared_document()
    request = RunRequest("Code?", [shared, private], never_send=frozenset({private.id}))
    events = await collect(Run(request, services, worker=remote))
    assert of_type(events, Done), events[-1]
    worker_log = "\n".join(r.body.decode() for r in fake_ollama.requests)
    assert betrayed(worker_log) == []
    only_private = RunRequest("Code?", [private], never_send=frozenset({private.id}))
    events = await collect(Run(only_private, services, worker=remote))
    assert isinstance(events[-1], Failed) and events[-1].kind == "blocked"
    await remote.aclose()
    await services.aclose()
