"""The privacy pieces of the window: the audit from an answer, Ctrl+Shift+A, confirm-before-send."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.privacy.gate import Decision
from desktop.ui.answer_card import AnswerCard
from desktop.ui.audit_window import AuditWindow
from desktop.ui.confirm_dialog import ConfirmSendDialog
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    fact_pdf,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.protocol_support import FACT_ANSWER, fact_worker, make_services, minions_supervisor


async def _ask(window, pdf: Path, question: str = "What is the vault access code?") -> None:
    drop_files(window, [pdf])
    await until(lambda: documents_ready(window))
    window.top_bar.set_protocol("minions")
    window.composer.edit.setPlainText(question)
    window.composer.send_button.click()
    await until(lambda: window.vm.busy, what="the run to start")
    await until(lambda: not window.vm.busy, timeout=30, what="the run to end")


def test_an_answer_links_to_its_own_audit_records(qtbot, tmp_path, fake_ollama, fake_openai):
    pdf = fact_pdf(tmp_path / "vault.pdf", pages=4, fact_page=2)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600)
        window = make_window(services)
        qtbot.addWidget(window)
        await _ask(window, pdf)
        card: AnswerCard = window.chat.answers()[0]
        assert FACT_ANSWER in card.body.toPlainText()
        assert "Sent off this computer: " in card.egress.text()
        card.egress.linkActivated.emit("audit:")
        audit = window.audit_window
        assert isinstance(audit, AuditWindow) and audit.isVisible()
        await until(audit.is_ready, what="the audit to load")
        own = set(card.answer.egress_record_ids)
        shown = {row.id for row in audit.rows()}
        assert shown and shown <= own
        assert shown == {r.id for r in services.audit.records(kind="request")}
        titles = {
            audit.model.data(audit.model.index(i, audit.model.CONVERSATION))
            for i in range(len(shown))
        }
        assert titles == {"What is the vault access code?"}
        audit.close()
        window.activateWindow()  # offscreen Qt does not give focus back by itself
        await until(window.isActiveWindow, what="the main window to be active again")
        qtbot.keyClick(
            window,
            Qt.Key.Key_A,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await until(window.audit_window.is_ready, what="the audit to load")
        assert window.audit_window.isVisible() and not window.audit_window.show_all.isVisible()
        window.audit_window.close()
        await close_window(window)

    run_in_qt_loop(scenario)


def test_confirm_before_send_denied_sends_nothing(qtbot, tmp_path, fake_ollama, fake_openai):
    pdf = fact_pdf(tmp_path / "vault.pdf", pages=3, fact_page=2)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, confirm_before_send=True)
        window = make_window(services)
        qtbot.addWidget(window)
        shown: list[ConfirmSendDialog] = []

        async def deny(outbound):
            dialog = ConfirmSendDialog(outbound, window)
            shown.append(dialog)
            return Decision.DENY

        window.confirm_send = deny
        await _ask(window, pdf)
        assert fake_openai.requests == []
        assert (
            len(shown) == 1 and "What is the vault access code?" in shown[0].payload.toPlainText()
        )
        assert "declined" in window.chat.cards()[-1].findChildren(type(window.tray.title))[0].text()
        await close_window(window)

    run_in_qt_loop(scenario)


def test_allow_for_this_run_asks_once(qtbot, tmp_path, fake_ollama, fake_openai):
    pdf = fact_pdf(tmp_path / "vault.pdf", pages=3, fact_page=2)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, confirm_before_send=True)
        window = make_window(services)
        qtbot.addWidget(window)
        asked = []

        async def allow_run(outbound):
            asked.append(outbound)
            return Decision.ALLOW_RUN

        window.confirm_send = allow_run
        await _ask(window, pdf)
        assert len(asked) == 1 and len(fake_openai.requests) >= 2
        assert window.chat.answers()
        await close_window(window)

    run_in_qt_loop(scenario)


def test_the_confirm_dialog_defaults_to_deny(qtbot):
    from core.privacy.gate import OutboundRequest

    dialog = ConfirmSendDialog(OutboundRequest("https://api.example/v1", "m", b'{"a": 1}', "", ""))
    qtbot.addWidget(dialog)
    assert dialog.deny.isDefault() and dialog.decision is Decision.DENY
    dialog.allow_run.click()
    assert dialog.decision is Decision.ALLOW_RUN


def test_the_confirm_dialog_highlights_document_text(qtbot):
    from core.privacy.gate import OutboundRequest

    body = b'{"messages": [{"content": "the lease ends on the last day of March next year"}]}'
    span = {"start": 29, "end": 76, "source": "document", "document_id": "d1", "page": 2}
    meta = {"spans": [span], "documents": {"d1": {"name": "lease.pdf", "chars": 900}}}
    dialog = ConfirmSendDialog(OutboundRequest("https://api.example/v1", "m", body, "", "", meta))
    qtbot.addWidget(dialog)
    assert dialog.payload.highlighted == [("document", body.decode()[29:76])]


def test_redaction_can_be_turned_off_for_one_conversation(
    qtbot, tmp_path, fake_ollama, fake_openai
):
    doc = tmp_path / "contacts.txt"
    doc.write_text("For the audit, write to ops@example.net before Friday.\n", "utf-8")
    fake_ollama.responder = lambda p: {
        "explanation": "x",
        "citation": None,
        "answer": "ops@example.net",
    }
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai)
        window = make_window(services)
        qtbot.addWidget(window)
        assert window.composer.redact.isChecked()  # on by default for a new conversation
        await _ask(window, doc, "Who do I write to?")
        assert "ops@example.net" not in "".join(r.body.decode() for r in fake_openai.requests)
        first = window.conversation_id
        window.new_conversation()
        window.composer.redact.setChecked(False)
        fake_openai.clear_requests()
        await _ask(window, doc, "Who do I write to?")
        assert "ops@example.net" in "".join(r.body.decode() for r in fake_openai.requests)
        second = window.conversation_id
        window.open_conversation(first)
        assert window.composer.redact.isChecked()
        window.open_conversation(second)
        assert not window.composer.redact.isChecked()
        await close_window(window)

    run_in_qt_loop(scenario)
