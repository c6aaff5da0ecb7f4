"""The privacy audit window (pytest-qt, offscreen) over records from a real run."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from core.privacy.audit import AuditStore
from core.protocols.events import Done
from core.protocols.run import Run, RunRequest
from core.storage.paths import audit_db_path
from desktop.ui.audit_window import AuditWindow
from tests.test_privacy_runs import canary_document, quoting_worker
from tests.test_protocol_support import (
    FACT_ANSWER,
    collect,
    make_services,
    minions_supervisor,
    of_type,
)


@pytest.fixture
async def audited(fake_ollama, fake_openai):
    """The audit store after one MinionS run whose worker quoted the canary document."""
    fake_ollama.responder = quoting_worker
    fake_openai.responder = minions_supervisor()
    doc = canary_document()
    services = make_services(fake_ollama, fake_openai)
    events = await collect(
        Run(RunRequest("What is the vault code?", [doc], conversation_id="c1"), services)
    )
    answer = of_type(events, Done)[0].answer
    yield services.audit, answer, doc
    await services.aclose()


async def test_lists_every_request_with_totals(qtbot, audited):
    audit, _answer, _ = audited
    window = AuditWindow(audit, titles=lambda: {"c1": "Vault questions"})
    qtbot.addWidget(window)
    requests = audit.records(kind="request")
    assert [row.request.id for row in window.rows()] == [r.id for r in requests]
    assert window.model.data(window.model.index(0, window.model.CONVERSATION)) == "Vault questions"
    assert f"{len(requests)} requests" in window.totals_label.text()
    assert "verified" in window.chain_label.text()
    assert window.empty_label.isHidden()


async def test_selecting_a_request_highlights_the_document_span(qtbot, audited):
    audit, _, _doc = audited
    window = AuditWindow(audit)
    qtbot.addWidget(window)
    carrying = [i for i, row in enumerate(window.rows()) if FACT_ANSWER in row.request.body_text]
    window.table.selectRow(carrying[0])
    assert window.payload.toPlainText() == window.rows()[carrying[0]].request.body_text
    documents = [text for source, text in window.payload.highlighted if source == "document"]
    assert any(FACT_ANSWER in text for text in documents)
    assert any(source == "user" for source, _ in window.payload.highlighted)


async def test_leak_meter_shows_the_quoted_share_and_page(qtbot, audited):
    audit, _, _doc = audited
    window = AuditWindow(audit)
    qtbot.addWidget(window)
    meters = window.leak_meters()
    assert len(meters) == 1
    assert 0 < meters[0].bar.value() < 100  # a few percent of the document, out of 1000
    assert "page" in meters[0].label.text() and "3" in meters[0].label.text()


async def test_focus_on_one_answer_and_export_parses(qtbot, audited, tmp_path):
    audit, answer, _ = audited
    window = AuditWindow(audit)
    qtbot.addWidget(window)
    first = answer.egress_record_ids[0]
    window.focus_records([first])
    assert [row.request.id for row in window.rows()] == [first]
    window.focus_records(None)
    exported = json.loads(window.export("json", tmp_path / "a.json").read_text())
    assert [r["id"] for r in exported] == [r.id for r in audit.records()]
    rows = list(csv.DictReader(io.StringIO(window.export("csv", tmp_path / "a.csv").read_text())))
    assert rows[0]["body"] == audit.records()[0].body_text


async def test_tampering_shows_the_chain_broken_at_that_record(qtbot, audited):
    audit, _, _ = audited
    with sqlite3.connect(audit_db_path()) as db:
        db.execute("DROP TRIGGER records_no_update")
        db.execute("UPDATE records SET body = CAST('edited' AS BLOB) WHERE id = 2")
    window = AuditWindow(audit)
    qtbot.addWidget(window)
    assert "broken at record 2" in window.chain_label.text()


def test_says_plainly_when_nothing_ever_left(qtbot, tmp_path):
    window = AuditWindow(AuditStore(tmp_path / "empty.sqlite3"))
    qtbot.addWidget(window)
    assert not window.empty_label.isHidden()
    assert "Nothing has ever left" in window.empty_label.text()
    assert window.rows() == []
