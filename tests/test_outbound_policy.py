"""Never-send documents, redaction and provenance, checked against what the fake cloud received."""

from __future__ import annotations

import json

from core.clients.guard import guarded
from core.privacy.gate import egress_context
from core.privacy.provenance import ProvenanceIndex
from core.privacy.redaction import Redactor
from tests.helpers import cloud_client, make_gate

CANARY = "zebra-quartz-7731"
SECRET_DOC = (
    "Internal memo. The merger code name is "
    f"{CANARY} and the board meets in the blue room on Thursday after lunch."
)
PUBLIC_DOC = (
    "The annual report says revenue grew by twelve percent across all three regions last year."
)


def index() -> ProvenanceIndex:
    return ProvenanceIndex(
        [("secret", SECRET_DOC, None), ("public", PUBLIC_DOC, None)],
        ["What did the memo say about the merger?"],
    )


def received_text(fake) -> str:
    return "\n".join(r.body.decode() for r in fake.requests)


async def test_never_send_excerpt_is_withheld_and_the_run_is_told(fake_openai):
    notices: list[str] = []
    client = guarded(cloud_client(fake_openai, make_gate()))
    outbound = f"Worker found: {SECRET_DOC} Also: {PUBLIC_DOC}"
    with egress_context(
        provenance=index(),
        never_send=frozenset({"secret"}),
        document_names={"secret": "memo.txt"},
        on_notice=notices.append,
    ):
        await client.chat([{"role": "user", "content": outbound}])
    sent = received_text(fake_openai)
    assert CANARY not in sent  # checked against the fake's own log, not our audit
    assert "memo.txt never leaves this computer" in sent
    assert "revenue grew by twelve percent" in sent  # the rest still went
    assert notices and "memo.txt" in notices[0]
    await client.aclose()


async def test_without_the_mark_the_audit_flags_the_spans_that_carried_it(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    with egress_context(provenance=index()):
        await client.chat([{"role": "user", "content": f"Worker found: {SECRET_DOC}"}])
    assert CANARY in received_text(fake_openai)
    record = gate.audit.records(kind="request")[0]
    spans = [s for s in record.meta["spans"] if s["source"] == "document"]
    assert [s["document_id"] for s in spans] == ["secret"]
    flagged = record.body.decode()[spans[0]["start"] : spans[0]["end"]]
    assert CANARY in flagged
    await client.aclose()


async def test_user_text_is_flagged_as_the_users_own(fake_openai):
    gate = make_gate()
    client = cloud_client(fake_openai, gate)
    with egress_context(provenance=index()):
        await client.chat(
            [{"role": "user", "content": "Task: What did the memo say about the merger?"}]
        )
    spans = gate.audit.records(kind="request")[0].meta["spans"]
    assert [s["source"] for s in spans] == ["user"]
    await client.aclose()


async def test_redaction_keeps_identifiers_local_and_restores_them_in_the_answer(fake_openai):
    email, iban = "jane.doe@example.com", "DE89370400440532013000"
    fake_openai.responder = lambda req: "Write to " + req["messages"][-1]["content"].split()[-1]
    client = guarded(cloud_client(fake_openai, make_gate()))
    redactor = Redactor()
    with egress_context(redactor=redactor):
        result = await client.chat([{"role": "user", "content": f"IBAN {iban} belongs to {email}"}])
    sent = received_text(fake_openai)
    assert email not in sent and iban not in sent
    assert "[EMAIL_1]" in sent and "[IBAN_1]" in sent
    assert result.text == f"Write to {email}"  # what the user sees has the original back
    body = json.loads(fake_openai.requests[0].body)
    assert body["messages"][0]["content"] == "IBAN [IBAN_1] belongs to [EMAIL_1]"
    await client.aclose()


async def test_placeholders_are_restored_in_a_streamed_reply_split_anywhere(fake_openai):
    """The fake streams eight characters per chunk, so placeholders arrive in pieces."""
    email, phone = "jane.doe@example.com", "+44 20 7946 0958"
    fake_openai.responder = lambda req: (
        "Reach [EMAIL_1] or call [PHONE_1]; EMAIL_1 is the main address."
    )
    client = guarded(cloud_client(fake_openai, make_gate()))
    redactor = Redactor()
    pieces: list[str] = []
    with egress_context(redactor=redactor):
        result = await client.chat(
            [{"role": "user", "content": f"Contact {email}, phone {phone}"}], on_token=pieces.append
        )
    expected = f"Reach {email} or call {phone}; {email} is the main address."
    assert len(pieces) > 3 and "".join(pieces) == expected == result.text
    assert email not in received_text(fake_openai)
    await client.aclose()


async def test_only_egress_clients_are_wrapped_and_only_once(fake_openai, fake_ollama):
    from tests.helpers import ollama_client

    gate = make_gate()
    cloud, worker = cloud_client(fake_openai, gate), ollama_client(fake_ollama, gate)
    wrapped = guarded(cloud)
    assert wrapped is not cloud and wrapped.egress and guarded(wrapped) is wrapped
    assert guarded(worker) is worker
    await cloud.aclose()
    await worker.aclose()
