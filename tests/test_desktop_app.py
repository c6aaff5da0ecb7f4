"""The app as a user meets it: history after a restart, plain-language problems, screenshot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit

from core.storage.conversations import ConversationStore
from desktop.ui.answer_card import UserBubble
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    fact_pdf,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import FACT_ANSWER, fact_worker, make_services, minions_supervisor


def test_restart_restores_conversations_answers_and_documents(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "archive.pdf", pages=4, fact_page=2)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()

    async def first_session():
        window = make_window(make_services(fake_ollama, fake_openai, chunk_chars=600))
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.ask("What is the vault access code?")
        await until(lambda: window.chat.answers(), timeout=30)
        await close_window(window)

    async def second_session():
        window = make_window(make_services(fake_ollama, fake_openai), ConversationStore())
        qtbot.addWidget(window)
        await window.start()
        titles = [
            window.conversations.index(i).data() for i in range(window.conversations.rowCount())
        ]
        assert titles == ["What is the vault access code?"]
        assert window.sidebar.current_id() == window.conversation_id
        bubbles = [w for w in window.chat.findChildren(UserBubble)]
        assert [b.text for b in bubbles] == ["What is the vault access code?"]
        [card] = window.chat.answers()
        assert FACT_ANSWER in card.body.toPlainText()
        assert card.answer.citations and "archive.pdf" in card.sources.text()
        assert [w.objectName() for w in card.findChildren(type(card.sources))].count(
            "SavingBadge"
        ) == 1
        await until(lambda: documents_ready(window), what="the document to be read again")
        assert window.documents.rows[0].name == "archive.pdf"
        await close_window(window)

    run_in_qt_loop(first_session)
    run_in_qt_loop(second_session)


def test_conversations_can_be_renamed_exported_and_deleted(qtbot, tmp_path: Path, fake_ollama):
    async def scenario():
        store = ConversationStore()
        first = store.create("Old name")
        store.add_message(first.id, "user", "What is the rent?")
        second = store.create("Second")
        window = make_window(make_services(fake_ollama, None), store)
        qtbot.addWidget(window)
        await window.start()
        # F2-style edit through the model renames in the database
        at = window.conversations.row_of(first.id)
        window.conversations.setData(
            window.conversations.index(at), "Lease 2024", Qt.ItemDataRole.EditRole
        )
        assert store.get(first.id).title == "Lease 2024"
        out = tmp_path / "lease.md"
        window.export_to(first.id, out)
        assert (
            out.read_text().startswith("# Lease 2024\n")
            and "> What is the rent?" in out.read_text()
        )

        async def yes(*_args, **_kw):
            return True

        import desktop.ui.main_window as mw

        original = mw.ask_yes_no
        mw.ask_yes_no = yes
        try:
            await window.delete_conversation(second.id)
        finally:
            mw.ask_yes_no = original
        assert [c.id for c in store.conversations()] == [first.id]
        assert window.conversations.row_of(second.id) == -1
        await close_window(window)

    run_in_qt_loop(scenario)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ollama_not_running_says_how_to_start_it(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        services = make_services(
            fake_ollama, None, ollama_host=f"http://127.0.0.1:{_closed_port()}"
        )
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        banner = window.banners.banner("local")
        assert banner is not None and "not reachable" in banner.title
        assert "`ollama serve`" in banner.detail and "built-in model" in banner.detail
        assert window.top_bar.local_model.currentText() == "not available"
        await close_window(window)

    run_in_qt_loop(scenario)


def test_missing_model_shows_the_exact_pull_command(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        window = make_window(make_services(fake_ollama, None, local_model="qwen3:8b"))
        qtbot.addWidget(window)
        await window.start()
        banner = window.banners.banner("local")
        assert banner is not None and "qwen3:8b" in banner.title
        assert "`ollama pull qwen3:8b`" in banner.detail
        await close_window(window)

    run_in_qt_loop(scenario)


def test_controls_have_accessible_names(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        await window.start()
        for kind in (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit):
            for widget in window.findChildren(kind):
                if widget.isVisibleTo(window) and widget.objectName() != "qt_scrollarea_viewport":
                    name = widget.accessibleName() or getattr(widget, "text", lambda: "")()
                    assert name, (
                        f"{type(widget).__name__} {widget.objectName()} has no accessible name"
                    )
        await close_window(window)

    run_in_qt_loop(scenario)


def test_theme_follows_a_dark_palette():
    from desktop.ui.theme import _dark_palette, _light_palette, is_dark, stylesheet

    assert is_dark(_dark_palette()) and not is_dark(_light_palette())
    assert "#24252b" in stylesheet(_dark_palette())  # dark cards
    assert "#24252b" not in stylesheet(_light_palette())


def test_screenshot_flag_saves_a_png_and_exits_0(tmp_path: Path, fake_ollama: OllamaFake):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OLLAMA_HOST": fake_ollama.url}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--screenshot", str(out)],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 800 and image.height() >= 600
