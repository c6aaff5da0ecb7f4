"""The privacy audit window (pytest-qt, offscreen) over records from a real run."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel

from core.privacy.audit import AuditStore
from core.protocols.events import Done
from core.protocols.run import Run, RunRequest
from core.storage.paths import audit_db_path
from core.storage.secrets import MemoryStore
from desktop.ui.audit_window import AuditWindow
from tests.protocol_support import (
    FACT_ANSWER,
    collect,
    make_services,
    minions_supervisor,
    of_type,
)
from tests.test_privacy_runs import canary_document, quoting_worker

LOCAL_SETTINGS = SimpleNamespace(supervisor_on_this_computer=False)


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


def open_window(qtbot, audit, **kwargs) -> AuditWindow:
    kwargs.setdefault("settings", lambda: LOCAL_SETTINGS)
    window = AuditWindow(audit, **kwargs)
    qtbot.addWidget(window)
    qtbot.waitUntil(window.is_ready, timeout=10_000)
    return window


async def test_lists_every_request_with_totals(qtbot, audited):
    audit, _answer, _ = audited
    window = open_window(qtbot, audit, titles=lambda: {"c1": "Vault questions"})
    requests = audit.records(kind="request")
    assert [row.id for row in window.rows()] == [r.id for r in requests]
    assert window.model.data(window.model.index(0, window.model.CONVERSATION)) == "Vault questions"
    assert f"{len(requests)} requests" in window.totals_label.text()
    assert "Chain verified" in window.chain_label.text()
    assert window.empty_label.isHidden()


async def test_a_request_reads_as_messages_with_the_raw_json_a_tab_away(qtbot, audited):
    audit, _, _doc = audited
    window = open_window(qtbot, audit)
    carrying = [
        i for i, row in enumerate(window.rows()) if FACT_ANSWER in audit.get(row.id).body_text
    ]
    window.table.selectRow(carrying[0])
    body = audit.get(window.rows()[carrying[0]].id).body_text
    qtbot.waitUntil(lambda: window.payload.raw.toPlainText() == body)
    shown = window.payload.messages.toPlainText()
    assert "Request (user)" in shown and '\\"' not in shown  # decoded, not JSON
    assert window.payload.tabs.tabText(1) == "Raw JSON"
    documents = [text for source, text in window.payload.highlighted if source == "document"]
    assert any(FACT_ANSWER in text for text in documents)
    assert any(source == "user" for source, _ in window.payload.highlighted)
    assert {s for s, _ in window.payload.raw_highlighted} == {
        s for s, _ in window.payload.highlighted
    }
    assert "127.0.0.1" in window.detail_label.text()


async def test_leak_meter_shows_the_quoted_share_and_page(qtbot, audited):
    audit, _, _doc = audited
    window = open_window(qtbot, audit)
    meters = window.leak_meters()
    assert len(meters) == 1
    assert 0 < meters[0].bar.value() < 100  # a few percent of the document, out of 1000
    assert "page" in meters[0].label.text() and "3" in meters[0].label.text()


async def test_focus_on_one_answer_and_export_parses(qtbot, audited, tmp_path):
    audit, answer, _ = audited
    window = open_window(qtbot, audit)
    first = answer.egress_record_ids[0]
    window.focus_records([first])
    qtbot.waitUntil(lambda: window.is_ready() and len(window.rows()) == 1)
    assert [row.id for row in window.rows()] == [first] and window.show_all.isVisibleTo(window)
    window.focus_records(None)
    qtbot.waitUntil(lambda: window.is_ready() and len(window.rows()) > 1)
    exported = json.loads(window.export("json", tmp_path / "a.json").read_text())
    assert [r["id"] for r in exported] == [r.id for r in audit.records()]
    assert "What is the vault code?" not in json.dumps([r for r in exported if "meta" in r])
    rows = list(csv.DictReader(io.StringIO(window.export("csv", tmp_path / "a.csv").read_text())))
    assert rows[0]["body"] == audit.records()[0].body_text


async def test_tampering_names_the_record_in_the_window(qtbot, audited):
    audit, _, _ = audited
    with sqlite3.connect(audit_db_path()) as db:
        db.execute("DROP TRIGGER records_no_update")
        db.execute("UPDATE records SET body = CAST('edited' AS BLOB) WHERE id = 2")
    window = open_window(qtbot, audit)
    text = window.chain_label.text()
    assert "changed outside the app" in text and "Record 2 is changed" in text


def test_says_plainly_when_nothing_ever_left(qtbot, tmp_path):
    window = open_window(qtbot, AuditStore(tmp_path / "empty.sqlite3"))
    assert not window.empty_label.isHidden()
    assert "Nothing has ever left" in window.empty_label.text()
    assert window.rows() == []


def test_weaker_guarantees_are_said_in_the_window(qtbot, tmp_path):
    store = AuditStore(tmp_path / "a.sqlite3", MemoryStore())
    store.append(kind="request", endpoint="https://api.example/v1", body=b"{}")
    window = open_window(qtbot, store)
    assert not window.notes_label.isHidden()
    assert "No OS keyring" in window.notes_label.text()


def test_loopback_destination_and_the_unaudited_supervisor_are_shown(qtbot, tmp_path):
    store = AuditStore(tmp_path / "a.sqlite3")
    meta = {
        "destination": {"host": "127.0.0.1", "port": 4000, "loopback": True, "seat": "supervisor"}
    }
    store.append(kind="request", endpoint="http://127.0.0.1:4000/v1/chat", body=b"{}", meta=meta)
    settings = SimpleNamespace(
        supervisor_on_this_computer=True, remote_base_url="http://127.0.0.1:8080/v1"
    )
    window = open_window(qtbot, store, settings=lambda: settings)
    cell = window.model.data(window.model.index(0, window.model.DESTINATION))
    assert cell == "127.0.0.1 (this computer)"
    label = window.unaudited_label
    assert not label.isHidden() and "http://127.0.0.1:8080/v1 are not audited" in label.text()
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "Record 1" in window.detail_label.text())
    assert "this computer (a proxy or local server)" in window.detail_label.text()
    assert "supervisor seat" in window.detail_label.text()


async def test_fits_800_by_600_with_exports_and_body_inside(qtbot, audited):
    audit, _, _ = audited
    window = open_window(qtbot, audit, titles=lambda: {"c1": "A conversation " + "title " * 40})
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: bool(window.payload.raw.toPlainText()))
    assert (window.width(), window.height()) == (800, 600)
    inside = window.rect()
    for widget in (window.export_json, window.export_csv, window.payload, window.table):
        box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        assert widget.isVisible() and inside.contains(box), (widget, box, inside)
    assert window.payload.height() >= 120 and window.table.height() >= 80


def test_size_and_place_are_remembered(qtbot, tmp_path):
    store = AuditStore(tmp_path / "a.sqlite3")
    first = open_window(qtbot, store)
    first.resize(720, 520)  # within the offscreen screen (800x600)
    first.show()
    qtbot.waitExposed(first)
    first.close()
    second = open_window(qtbot, store)
    assert (second.width(), second.height()) == (720, 520)


def test_the_confirm_dialog_shows_messages_and_the_exact_bytes(qtbot):
    from core.privacy.gate import OutboundRequest
    from desktop.ui.confirm_dialog import ConfirmSendDialog

    question = "When does the lease end?"
    body = json.dumps(
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "You plan.\nAnswer in JSON."},
                {"role": "user", "content": f"Task: {question}"},
            ],
        }
    ).encode()
    start = body.decode().index(question)
    meta = {
        "spans": [{"start": start, "end": start + len(question), "source": "user"}],
        "destination": {"host": "127.0.0.1", "port": 4000, "loopback": True, "seat": "supervisor"},
    }
    outbound = OutboundRequest("http://127.0.0.1:4000/v1/chat", "gpt-4o-mini", body, "", "", meta)
    dialog = ConfirmSendDialog(outbound)
    qtbot.addWidget(dialog)
    shown = dialog.payload.messages.toPlainText()
    assert "Instructions (system)\nYou plan.\nAnswer in JSON." in shown
    assert f"Request (user)\nTask: {question}" in shown
    assert dialog.payload.highlighted == [("user", question)]
    assert dialog.payload.raw.toPlainText() == body.decode()  # the raw tab: the bytes as sent
    assert "this computer (a proxy or local server)" in dialog.findChild(QLabel).text()
