"""Privacy in whole runs: never-send, redaction and provenance, judged by the fake cloud's own log."""

from __future__ import annotations

import dataclasses

from core.documents.model import Page
from core.protocols.events import Done, EgressRecorded, Notice
from core.protocols.run import Run, RunRequest
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)

CANARY_PAGE = 3


def canary_document():
    return make_document(6, 1500, fact_page=CANARY_PAGE, name="vault.txt")


def quoting_worker(payload):
    """A worker that quotes its chunk verbatim, as small models often do."""
    text = str(payload["messages"][-1]["content"])
    if FACT in text:
        return {"explanation": f"The chunk says: {FACT}", "citation": FACT, "answer": FACT}
    return {"explanation": "Nothing here.", "citation": None, "answer": None}


def cloud_log(fake) -> str:
    return "\n".join(r.body.decode() for r in fake.requests)


async def test_without_the_mark_the_audit_flags_the_canary_spans(fake_ollama, fake_openai):
    fake_ollama.responder = quoting_worker
    fake_openai.responder = minions_supervisor()
    doc = canary_document()
    services = make_services(fake_ollama, fake_openai)
    events = await collect(Run(RunRequest("What is the vault code?", [doc]), services))
    assert of_type(events, Done)
    assert FACT_ANSWER in cloud_log(fake_openai)
    flagged = []
    for record in services.audit.records(kind="request"):
        for span in record.meta.get("spans", []):
            if span["source"] == "document" and span["document_id"] == doc.id:
                flagged.append((record.body.decode()[span["start"] : span["end"]], span["page"]))
    assert any(FACT_ANSWER in text and page == CANARY_PAGE for text, page in flagged)
    await services.aclose()


async def test_cloud_only_with_a_never_send_document_withholds_it(fake_ollama, fake_openai):
    doc = canary_document()
    public = "The public brochure describes opening hours, parking and the museum cafe menu. " * 5
    other = dataclasses.replace(
        make_document(1, 10, name="public.txt"),
        id="doc-public",
        text=public,
        pages=[Page(1, 0, len(public))],
    )
    services = make_services(fake_ollama, fake_openai)
    run = Run(
        RunRequest("Summarise", [doc, other], protocol="cloud", never_send=frozenset({doc.id})),
        services,
    )
    events = await collect(run)
    assert of_type(events, Done)
    log = cloud_log(fake_openai)
    assert FACT_ANSWER not in log and doc.text[:200] not in log
    assert "museum cafe menu" in log  # the other document went
    await services.aclose()


PII = "Jane's card 4111 1111 1111 1111 and mail jane.roe@example.org are on file."


def pii_worker(payload):
    text = str(payload["messages"][-1]["content"])
    if "jane.roe@example.org" in text:
        return {"explanation": PII, "citation": PII, "answer": PII}
    return {"explanation": "Nothing here.", "citation": None, "answer": None}


def echoing_supervisor(payload):
    name = payload["response_format"]["json_schema"]["name"]
    if name == "JobPlan":
        return {"jobs": [{"task": "Which contact details are on file?"}]}
    content = str(payload["messages"][-1]["content"])
    email = "[EMAIL_1]" if "[EMAIL_1]" in content else "nothing"
    card = "[CARD_1]" if "[CARD_1]" in content else "nothing"
    answer = f"Contact {email}, card {card}."
    if name == "Synthesis":
        return {"decision": "answer", "answer": answer, "cite": [], "notes": ""}
    return {"answer": answer, "cite": []}


async def test_redaction_keeps_pii_local_and_the_answer_shows_it_restored(fake_ollama, fake_openai):
    fake_ollama.responder = pii_worker
    fake_openai.responder = echoing_supervisor
    doc = make_document(3, 800, name="customer.txt")
    doc = dataclasses.replace(doc, text=doc.text[:500] + PII + doc.text[500 + len(PII) :])
    services = make_services(fake_ollama, fake_openai, redact=True)
    events = await collect(Run(RunRequest("Which contact details?", [doc]), services))
    done = of_type(events, Done)[0]
    log = cloud_log(fake_openai)
    assert "jane.roe@example.org" not in log and "4111 1111 1111 1111" not in log
    assert "[EMAIL_1]" in log
    assert done.answer.text == "Contact jane.roe@example.org, card 4111 1111 1111 1111."
    await services.aclose()


async def test_a_minions_run_through_a_loopback_cloud_is_audited_byte_for_byte(
    fake_ollama, fake_openai
):
    """No test-only switch: the fake cloud on 127.0.0.1 is a proxy as far as the app knows."""
    fake_ollama.responder = pii_worker
    fake_openai.responder = echoing_supervisor
    doc = make_document(3, 800, name="customer.txt")
    doc = dataclasses.replace(doc, text=doc.text[:500] + PII + doc.text[500 + len(PII) :])
    services = make_services(fake_ollama, fake_openai, redact=True)
    done = of_type(await collect(Run(RunRequest("Which contact details?", [doc]), services)), Done)
    answer = done[0].answer
    received = [r.body for r in fake_openai.requests]
    audited = services.audit.records(kind="request")
    assert [r.body for r in audited] == received
    assert answer.egress_requests == len(received) > 0
    assert answer.egress_bytes == sum(len(b) for b in received)
    assert answer.usage.remote_prompt_tokens > 0
    assert all(r.meta["destination"]["loopback"] for r in audited)
    assert "jane.roe@example.org" not in cloud_log(fake_openai)
    await services.aclose()


async def test_a_supervisor_the_user_declared_local_is_not_egress(fake_ollama, fake_openai):
    fake_ollama.responder = pii_worker
    fake_openai.responder = echoing_supervisor
    doc = make_document(2, 800, name="customer.txt")
    services = make_services(fake_ollama, fake_openai, supervisor_on_this_computer=True)
    done = of_type(await collect(Run(RunRequest("Which contact details?", [doc]), services)), Done)
    answer = done[0].answer
    assert fake_openai.requests and services.audit.records() == []
    assert answer.egress_requests == 0 and answer.usage.remote_cost_usd == 0
    assert any("as a model on this computer" in note for note in answer.notes)
    await services.aclose()


def copying_worker(document_text: str):
    """An obedient worker: the document told it to copy itself out, and it does."""

    def respond(payload):
        return f"As instructed, here is everything: {document_text}"

    return respond


def minion_supervisor(payload):
    name = payload["response_format"]["json_schema"]["name"]
    if name == "Question":
        return {"question": "What does the document say?"}
    if name == "SupervisorTurn":
        return {"action": "ask", "text": "Anything else?"}
    return {"answer": "Done."}


async def test_minion_caps_what_a_worker_reply_carries_to_the_cloud(fake_ollama, fake_openai):
    doc = make_document(30, 1500, name="long.txt")  # ~45,000 characters
    fake_ollama.responder = copying_worker(doc.text)
    fake_openai.responder = minion_supervisor
    services = make_services(fake_ollama, fake_openai)
    run = Run(RunRequest("Summarise", [doc], protocol="minion", max_rounds=3), services)
    done = of_type(await collect(run), Done)[0]
    for record in services.audit.records(kind="request"):
        carried = sum(
            s["doc_end"] - s["doc_start"]
            for s in record.meta.get("spans", [])
            if s["source"] == "document"
        )
        assert carried <= 3 * 1200  # three rounds of capped replies at most, never the document
    assert len(cloud_log(fake_openai)) < len(doc.text)
    assert any("was cut to" in note for note in done.answer.notes)
    await services.aclose()


async def test_a_request_carrying_a_large_share_of_a_document_is_flagged_before_it_leaves(
    fake_ollama, fake_openai
):
    doc = make_document(2, 1500, name="short.txt")  # ~3,000 characters: 1,200 is a lot
    fake_ollama.responder = copying_worker(doc.text)
    fake_openai.responder = minion_supervisor
    services = make_services(fake_ollama, fake_openai)
    events = await collect(Run(RunRequest("Summarise", [doc], protocol="minion"), services))
    notices = [e.message for e in of_type(events, Notice)]
    warned = [n for n in notices if "short.txt word for word" in n]
    assert warned
    first = next(i for i, e in enumerate(events) if isinstance(e, Notice) and e.message in warned)
    following = events[first + 1]  # the request it warns about is written down right after
    assert isinstance(following, EgressRecorded) and following.kind == "request"
    assert warned[0] in of_type(events, Done)[0].answer.notes  # and kept with the answer
    await services.aclose()
