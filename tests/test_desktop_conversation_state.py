"""What belongs to a conversation: its draft question, its documents, how its runs ended."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from core.storage.conversations import ConversationStore
from desktop.ingest import IngestPool
from desktop.ui.document_model import ERROR, READY
from desktop.ui.settings_dialog import SettingsDialog
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.docfixtures import encrypt_pdf, make_pdf
from tests.fakes import OllamaFake
from tests.protocol_support import make_services


def test_the_question_box_belongs_to_its_conversation(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        store = ConversationStore()
        first, second = store.create("Lease"), store.create("Budget")
        window = make_window(make_services(fake_ollama, None), store)
        qtbot.addWidget(window)
        await window.start()
        window.open_conversation(first.id)
        qtbot.keyClicks(window.composer.edit, "When does the lease end?")
        window.open_conversation(second.id)
        assert window.composer.edit.toPlainText() == ""  # did not follow us
        qtbot.keyClicks(window.composer.edit, "Is the budget over?")
        window.open_conversation(first.id)
        assert window.composer.edit.toPlainText() == "When does the lease end?"
        window.new_conversation()
        assert window.composer.edit.toPlainText() == ""
        qtbot.keyClicks(window.composer.edit, "A new question")
        window.open_conversation(second.id)
        assert window.composer.edit.toPlainText() == "Is the budget over?"
        window.new_conversation()
        assert window.composer.edit.toPlainText() == "A new question"
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_new_conversation_can_start_with_the_current_documents(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    files = []
    for name in ("lease.md", "budget.txt"):
        (tmp_path / name).write_text(f"{name}: the rent is 900 a month.\n")
        files.append(tmp_path / name)

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, files)
        await until(lambda: documents_ready(window))
        first = window.conversation_id
        window.controller.set_never_send(1, True)
        window.actions_by_name["new_with_documents"].trigger()
        second = window.conversation_id
        assert second and second != first
        assert [r.name for r in window.documents.rows] == ["lease.md", "budget.txt"]
        stored = {d.name: d.never_send for d in window.store.documents(second)}
        assert stored == {"lease.md": False, "budget.txt": True}
        assert len(window.store.documents(first)) == 2  # the first keeps its own
        assert window.sidebar.current_id() == second
        assert window.chat.cards() == []
        # A plain new conversation starts empty.
        window.actions_by_name["new"].trigger()
        assert window.conversation_id == "" and window.documents.rowCount() == 0
        await close_window(window)

    run_in_qt_loop(scenario)


def test_enter_sends_shift_enter_breaks_the_line_and_the_setting_turns_it_off(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    asked: list[str] = []

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        window.composer.sendRequested.disconnect()
        window.composer.sendRequested.connect(asked.append)
        edit = window.composer.edit
        qtbot.keyClicks(edit, "first line")
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClicks(edit, "second line")
        assert asked == []
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        assert asked == ["first line\nsecond line"]
        # Turned off in Settings: Enter is a new line, Ctrl+Enter sends.
        dialog = SettingsDialog(window.services, window, ui_state=window.ui_state)
        qtbot.addWidget(dialog)
        assert dialog.enter_sends.isChecked()  # on by default
        dialog.enter_sends.setChecked(False)
        checks = []
        dialog.accepted.connect(lambda: checks.append(window.settings_changed()))
        await dialog.save()
        await checks[0]  # the window took the new settings in
        assert not window.composer.edit.enter_sends
        edit.clear()
        qtbot.keyClicks(edit, "one")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, "two")
        assert asked == ["first line\nsecond line"] and edit.toPlainText() == "one\ntwo"
        qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert asked[-1] == "one\ntwo"
        assert window.composer.hint.full_text.startswith("Ctrl+Enter to send")
        await close_window(window)

    async def after_restart():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        assert not window.composer.edit.enter_sends  # remembered
        await close_window(window)

    run_in_qt_loop(scenario)
    run_in_qt_loop(after_restart)


def _password_dialog(window) -> QInputDialog | None:
    found = [d for d in window.findChildren(QInputDialog) if d.isVisible()]
    return found[0] if found else None


def test_an_encrypted_pdf_asks_for_its_password_in_the_app(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    secret = tmp_path / "salary.pdf"
    secret.write_bytes(encrypt_pdf(make_pdf([["Salary: 84,000 EUR"], ["Bonus: none"]]), "hunter2"))

    async def scenario():
        pool = IngestPool(workers=1)  # read as the app reads: in a worker process
        await pool.start()
        window = make_window(make_services(fake_ollama, None), reader=pool.load)
        qtbot.addWidget(window)
        drop_files(window, [secret])
        await until(lambda: _password_dialog(window), timeout=30, what="the password question")
        dialog = _password_dialog(window)
        assert "salary.pdf" in dialog.labelText()
        assert dialog.textEchoMode() == dialog.textEchoMode().Password
        # A wrong password asks again, saying so.
        dialog.setTextValue("wrong")
        dialog.accept()
        await until(lambda: (d := _password_dialog(window)) and "did not open" in d.labelText(),
                    timeout=30, what="a second question after a wrong password")  # fmt: skip
        dialog = _password_dialog(window)
        dialog.setTextValue("hunter2")
        dialog.accept()
        await until(lambda: documents_ready(window), timeout=30, what="the PDF to open")
        row = window.documents.row(0)
        assert row.status == READY and "84,000" in row.document.text
        # The password is nowhere on disk.
        home = Path(window.ui_state.path).parent
        assert not [p for p in home.rglob("*") if p.is_file() and b"hunter2" in p.read_bytes()]
        await close_window(window)
        pool.shutdown()

    run_in_qt_loop(scenario)


def test_cancelling_the_password_leaves_the_chip_in_error_and_it_can_ask_again(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    secret = tmp_path / "salary.pdf"
    secret.write_bytes(encrypt_pdf(make_pdf([["Salary: 84,000 EUR"]]), "hunter2"))

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        drop_files(window, [secret])
        await until(lambda: _password_dialog(window), timeout=30)
        _password_dialog(window).reject()
        await until(lambda: _password_dialog(window) is None)
        row = window.documents.row(0)
        assert row.status == ERROR and "password" in row.error
        window.tray.chips.passwordRequested.emit(0)  # the chip's "Enter password…"
        await until(lambda: _password_dialog(window), timeout=10)
        dialog = _password_dialog(window)
        dialog.setTextValue("hunter2")
        dialog.accept()
        await until(lambda: documents_ready(window), timeout=30)
        await close_window(window)

    run_in_qt_loop(scenario)
