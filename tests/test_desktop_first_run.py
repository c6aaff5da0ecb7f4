"""A first run as a new user meets it: no key, one setup card, Local only that just works."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from core.clients.base import ErrorKind
from core.storage.conversations import ConversationStore
from desktop.ui.answer_card import NoteCard
from desktop.ui.health import run_problem
from desktop.ui.settings_dialog import SettingsDialog
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
from tests.protocol_support import FACT_ANSWER, make_services, minions_supervisor
from tests.scenes import quoting_worker

NO_KEYRING = (
    "No OS keyring is available on this system; the API key will be kept in memory for this session"
)


# A cloud that is not on this machine: without a key nothing may be sent to it. (The
# fake cloud runs on 127.0.0.1, where a local proxy may hold the key itself.)
FAR_CLOUD = "https://cloud.invalid/v1"


def _keyless(fake_ollama: OllamaFake, fake_openai: OpenAIFake, **settings):
    services = make_services(fake_ollama, fake_openai, remote_base_url=FAR_CLOUD, **settings)
    services.keys.remove()
    return services


def _badges(card) -> list[str]:
    return [w.text() for w in card.findChildren(QLabel) if w.objectName() == "ProtocolBadge"]


def test_first_start_without_a_key_answers_with_local_only(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "archive.pdf", pages=3, fact_page=2)
    fake_ollama.responder = quoting_worker

    async def scenario():
        services = _keyless(fake_ollama, fake_openai)  # the default protocol is MinionS
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        assert window.top_bar.current_protocol() == "local"
        assert services.stored_settings.protocol == "minions"  # the setting is left alone
        setup = window.banners.banner("setup")
        assert setup is not None and "No cloud API key yet" in setup.label.text()
        assert "MinionS" in setup.label.text()
        assert window.banners.titles() == ["Getting started"]  # no error on a first start
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        qtbot.keyClicks(window.composer.edit, "What is the vault access code?")
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
        await until(lambda: window.chat.answers(), timeout=30, what="a Local only answer")
        card = window.chat.answers()[0]
        assert FACT_ANSWER in card.body.toPlainText() and _badges(card) == ["Local only"]
        assert fake_openai.requests == []
        assert window.banners.banner("run") is None
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_question_that_needs_a_key_offers_local_only_in_one_click_and_keeps_it(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "archive.pdf", pages=3, fact_page=2)
    fake_ollama.responder = quoting_worker
    question = "What is the vault access code?"

    async def scenario():
        window = make_window(_keyless(fake_ollama, fake_openai))
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        combo = window.top_bar.protocol
        combo.setCurrentIndex(combo.findData("minions"))
        combo.activated.emit(combo.currentIndex())  # the user picks MinionS anyway
        window.composer.edit.setPlainText(question)
        qtbot.mouseClick(window.composer.send_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.banners.banner("run"), what="the no-key banner")
        banner = window.banners.banner("run")
        assert banner.title == "No cloud API key is set"
        assert window.composer.edit.toPlainText() == question  # kept
        assert window.store.messages(window.conversation_id) == []  # nothing ran
        assert fake_openai.requests == []
        qtbot.mouseClick(banner.button("Answer with Local only"), Qt.MouseButton.LeftButton)
        await until(lambda: window.chat.answers(), timeout=30, what="the Local only answer")
        assert _badges(window.chat.answers()[0]) == ["Local only"]
        assert window.banners.banner("run") is None  # cleared: it no longer applies
        assert window.composer.edit.toPlainText() == ""
        roles = [m.role for m in window.store.messages(window.conversation_id)]
        assert roles == ["user", "assistant"]
        assert fake_openai.requests == []
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_missing_key_and_a_rejected_key_are_told_apart(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "a.pdf", pages=2, fact_page=1)
    fake_ollama.responder = quoting_worker
    fake_openai.responder = minions_supervisor()

    async def ask_minions(window, question: str) -> None:
        ended = []
        window.controller.runEnded.connect(ended.append)
        window.top_bar.set_protocol("minions")
        window.composer.edit.setPlainText(question)
        window.composer.send_button.click()
        await until(lambda: ended, 20, what="the run to end")
        window.controller.runEnded.disconnect(ended.append)

    async def scenario():
        # Rejected: the cloud answers 401.
        services = make_services(fake_ollama, fake_openai)
        services.keys.save("sk-wrong-key-123456789")
        window = make_window(services)
        qtbot.addWidget(window)
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        await ask_minions(window, "What is the code?")
        rejected = window.banners.banner("run")
        assert rejected.title == "The cloud provider rejected the API key"
        assert rejected.button("Answer with Local only") and rejected.button("Open Settings")
        [note] = [w for w in window.chat.cards() if isinstance(w, NoteCard)]
        assert note.title == "No answer: The cloud provider rejected the API key"
        assert window.composer.edit.toPlainText() == "What is the code?"  # to ask again
        await close_window(window)
        # Missing: the keyring said a key was there, but the cloud client has none (the
        # check before a run passes), so the run itself fails with no_key, before sending.
        window = make_window(_keyless(fake_ollama, fake_openai))
        qtbot.addWidget(window)
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))

        async def stale_yes() -> bool:
            return True

        window.controller.key_is_set = stale_yes
        await ask_minions(window, "And the renewal date?")
        missing = window.banners.banner("run")
        assert missing.title == "No cloud API key is set"
        assert missing.title != rejected.title and missing.button("Answer with Local only")
        qtbot.mouseClick(missing.button("Answer with Local only"), Qt.MouseButton.LeftButton)
        await until(lambda: window.chat.answers(), timeout=30)
        assert window.banners.banner("run") is None
        await close_window(window)

    run_in_qt_loop(scenario)


def test_no_key_and_rejected_key_messages_are_decided_by_kind():
    missing = run_problem(ErrorKind.NO_KEY, "No cloud API key is set", "")
    rejected = run_problem(ErrorKind.AUTH, "Invalid API key", "")
    assert missing.title != rejected.title
    assert missing.offer_local_only and rejected.offer_local_only
    # the words of a message never decide: an auth error that mentions Ollama is still auth
    assert run_problem(ErrorKind.AUTH, "Ollama proxy said 401", "").title == rejected.title


def test_setup_notices_are_one_card_whose_dismissal_is_remembered(
    qtbot, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    async def first_session():
        services = _keyless(fake_ollama, fake_openai)
        services.keys.warning = NO_KEYRING
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        assert window.banners.titles() == ["Getting started"]  # merged: one card
        card = window.banners.banner("setup")
        assert "No cloud API key yet" in card.label.text() and "No OS keyring" in card.label.text()
        qtbot.mouseClick(card.button("Open Settings"), Qt.MouseButton.LeftButton)
        await until(lambda: window.findChildren(SettingsDialog), what="Settings to open")
        window.findChildren(SettingsDialog)[0].reject()
        close = next(b for b in card.findChildren(QPushButton) if b.accessibleName() == "Dismiss")
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
        assert window.banners.banner("setup") is None
        await close_window(window)

    async def second_session():
        services = _keyless(fake_ollama, fake_openai)
        services.keys.warning = NO_KEYRING
        window = make_window(services, ConversationStore())
        qtbot.addWidget(window)
        await window.start()
        assert window.banners.banner("setup") is None  # remembered across a restart
        await close_window(window)

    run_in_qt_loop(first_session)
    run_in_qt_loop(second_session)


def test_notices_clear_once_a_key_is_added(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "a.pdf", pages=2, fact_page=1)

    async def scenario():
        services = _keyless(fake_ollama, fake_openai)
        services.keys.warning = NO_KEYRING
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minion")
        window.composer.edit.setPlainText("What is the code?")
        window.composer.send_button.click()
        await until(lambda: window.banners.banner("run"))
        # The user adds a key in Settings and saves.
        dialog = SettingsDialog(services, window, ui_state=window.ui_state)
        qtbot.addWidget(dialog)
        await dialog.key_checked
        dialog.api_key.setText(fake_openai.api_key)
        checks = []
        dialog.accepted.connect(lambda: checks.append(window.settings_changed()))
        await dialog.save()
        await checks[0]  # the window took the new settings in
        assert window.banners.banner("run") is None
        card = window.banners.banner("setup")
        assert card is not None and "No cloud API key" not in card.label.text()
        assert "No OS keyring" in card.label.text()  # still true, still shown
        assert window.top_bar.current_protocol() == "minions"  # the setting again
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_local_proxy_without_a_key_is_not_forced_to_local_only(
    qtbot, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    async def scenario():
        services = make_services(fake_ollama, fake_openai)  # the cloud URL is on 127.0.0.1
        services.keys.remove()  # a proxy on this machine may hold the key itself
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        assert window.top_bar.current_protocol() == "minions"
        assert window.banners.banner("setup") is None
        await close_window(window)

    run_in_qt_loop(scenario)


@pytest.mark.realmodel
def test_a_new_user_with_nothing_installed_gets_a_local_only_answer_from_the_built_in_model(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    """No key, no Ollama: the window picks the built-in SmolLM2 and answers the first try."""
    invoice = tmp_path / "invoice.txt"
    invoice.write_text(
        "INVOICE 2231\nCustomer: Acme Ltd\nThe invoice total is 420 euros, due 30 days after issue.\n"
    )

    async def scenario():
        services = _keyless(
            fake_ollama, fake_openai, local_runtime="auto", ollama_host="http://127.0.0.1:9"
        )
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        assert window.top_bar.current_protocol() == "local"
        assert "using the built-in model instead" in window.banners.banner("setup").label.text()
        drop_files(window, [invoice])
        await until(lambda: documents_ready(window))
        qtbot.keyClicks(window.composer.edit, "What is the invoice total?")
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
        await until(lambda: window.chat.answers(), timeout=120, what="the built-in model's answer")
        card = window.chat.answers()[0]
        assert "420" in card.body.toPlainText() and _badges(card) == ["Local only"]
        assert window.banners.banner("run") is None
        assert fake_ollama.requests == [] and fake_openai.requests == []
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_newer_setup_check_replaces_a_running_one_and_closing_the_window_stops_it(
    qtbot, fake_ollama: OllamaFake, monkeypatch
):
    # Two quick settings changes start two checks; only the newer one may go on, and
    # none may outlive the window.
    from core.clients.ollama_client import OllamaClient

    waiting: list[object] = []
    real_list = OllamaClient.list_models

    async def held_list(self):
        waiting.append(self)
        await asyncio.sleep(60)  # Ollama is slow to answer
        return await real_list(self)

    async def scenario():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        monkeypatch.setattr(OllamaClient, "list_models", held_list)
        first = asyncio.ensure_future(window.check_health())
        await until(lambda: len(waiting) == 1)
        second = asyncio.ensure_future(window.check_health())
        await until(first.done, timeout=5, what="the older check to give way")
        assert not first.cancelled()  # its caller (a settings change) goes on quietly
        await until(lambda: len(waiting) == 2)
        await close_window(window)
        await until(second.done, timeout=5, what="the check to stop with the window")
        assert not second.cancelled()

    run_in_qt_loop(scenario)
