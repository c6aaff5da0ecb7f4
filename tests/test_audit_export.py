"""The audit export holds what left this computer, and nothing that did not."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from core.cli import main
from core.privacy.export import THIS_COMPUTER, destination, export_text
from core.protocols.events import Done
from core.protocols.run import Run, RunRequest
from tests.protocol_support import collect, make_document, make_services, of_type
from tests.test_privacy_runs import PII, echoing_supervisor, pii_worker

QUESTION = "Which contact details do we hold? Reply to me at boss.person@example.com"


async def test_export_of_a_redacted_run_holds_only_what_left(fake_ollama, fake_openai, capsys):
    fake_ollama.responder = pii_worker
    fake_openai.responder = echoing_supervisor
    doc = make_document(3, 800, name="customer-secrets.txt")
    doc = dataclasses.replace(doc, text=doc.text[:500] + PII + doc.text[500 + len(PII) :])
    services = make_services(fake_ollama, fake_openai, redact=True)
    events = await collect(Run(RunRequest(QUESTION, [doc], conversation_id="conv-9"), services))
    assert of_type(events, Done)
    records = services.audit.records()
    # The local record keeps the question as typed; that must not reach the export.
    assert any(r.meta.get("task") == QUESTION for r in records)
    for fmt in ("json", "csv"):
        text = export_text(records, fmt)
        for secret in ("boss.person@example.com", "jane.roe@example.org", "customer-secrets"):
            assert secret not in text, (fmt, secret)
        assert "conv-9" not in text and doc.id not in text
        assert all(r.hash not in text for r in records)
    exported = json.loads(export_text(records, "json"))
    sent = [item["body"].encode() for item in exported if item["kind"] == "request"]
    assert sent == [r.body for r in fake_openai.requests]  # byte for byte what the fake got
    assert "[EMAIL_1]" in exported[0]["body"]
    first = exported[0]
    assert first["host"] == "127.0.0.1" and first["port"] == fake_openai.port
    assert set(first) == {
        "id", "kind", "request_id", "created_at", "endpoint", "host", "port", "this_computer",
        "model", "byte_count", "status", "prompt_tokens", "completion_tokens", "spans", "body",
    }  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export_text(records, "csv"))))
    assert [row["body"] for row in rows] == [item["body"] for item in exported]
    # The CLI writes the same export.
    assert main(["audit", "export"]) == 0
    assert json.loads(capsys.readouterr().out) == exported
    await services.aclose()


def test_spans_are_exported_as_offsets_pages_and_document_numbers(tmp_path):
    from core.privacy.audit import AuditStore

    store = AuditStore(tmp_path / "a.sqlite3")
    body = b'{"messages": [{"role": "user", "content": "quote: the vault code"}]}'
    span = {"start": 51, "end": 65, "source": "document", "document_id": "sha-xyz",
            "doc_start": 1200, "doc_end": 1214, "page": 3}  # fmt: skip
    store.append(
        kind="request",
        endpoint="https://api.example/v1/chat/completions",
        body=body,
        meta={"spans": [span], "documents": {"sha-xyz": {"name": "vault.pdf", "chars": 9000}}},
    )
    [item] = json.loads(export_text(store.records(), "json"))
    assert item["spans"] == [
        {"start": 51, "end": 65, "source": "document", "document": 1, "page": 3}
    ]
    assert "vault.pdf" not in json.dumps(item) and "sha-xyz" not in json.dumps(item)


def test_destination_names_this_computer_for_loopback():
    meta = {
        "destination": {"host": "127.0.0.1", "port": 4000, "loopback": True, "seat": "supervisor"}
    }
    where = destination("http://127.0.0.1:4000/v1/chat/completions", meta)
    assert where.describe() == f"127.0.0.1:4000, {THIS_COMPUTER}"
    assert destination("https://api.openai.com/v1/chat", {}).describe() == "api.openai.com"
    assert destination("http://localhost:8080/v1", {}).loopback  # old records: from the URL
