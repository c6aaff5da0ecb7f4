"""The window as a conversation: follow-ups, kept placeholders, long runs put to the user."""

from __future__ import annotations

import re
from pathlib import Path

from core.privacy.redaction import Redactor
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import make_services
from tests.test_follow_ups import annual_report, resolving_supervisor, revenue_worker


def annual_file(tmp_path: Path) -> Path:
    path = tmp_path / "annual.txt"
    path.write_text(annual_report().text, "utf-8")
    return path


async def ask_and_wait(window, question: str) -> None:
    before = len(window.chat.answers())
    window.ask(question)
    await until(lambda: len(window.chat.answers()) > before, timeout=30, what="an answer")


def test_a_follow_up_in_the_window_sees_the_earlier_turn(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor

    async def scenario():
        window = make_window(make_services(fake_ollama, fake_openai, chunk_chars=900))
        qtbot.addWidget(window)
        drop_files(window, [annual_file(tmp_path)])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        await ask_and_wait(window, "What was the revenue in 2023?")
        assert "$4.2 million" in window.chat.answers()[-1].body.toPlainText()
        await ask_and_wait(window, "And the year before?")
        assert "$3.9 million" in window.chat.answers()[-1].body.toPlainText()
        last_plan = [r for r in fake_openai.requests if "JobPlan" in r.body.decode()][-1]
        assert "Q: What was the revenue in 2023?" in last_plan.json["messages"][-1]["content"]
        await close_window(window)

    run_in_qt_loop(scenario)


def test_placeholders_stay_the_same_in_every_turn_and_after_a_restart(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    email = "jane.roe@example.org"
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor

    async def scenario():
        window = make_window(make_services(fake_ollama, fake_openai, chunk_chars=900))
        qtbot.addWidget(window)
        drop_files(window, [annual_file(tmp_path)])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        await ask_and_wait(window, f"Did {email} report the 2023 revenue?")
        cid = window.conversation_id
        await ask_and_wait(window, f"And did {email} report 2022?")
        plans = [r.body.decode() for r in fake_openai.requests if "JobPlan" in r.body.decode()]
        assert len(plans) == 2 and all("[EMAIL_1]" in p and email not in p for p in plans)
        stored = window.store.redaction_mapping(cid)
        assert Redactor.from_json(stored).mapping == {"[EMAIL_1]": email}
        await close_window(window)

    run_in_qt_loop(scenario)


def test_a_long_run_is_put_to_the_user_and_a_no_keeps_the_question(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor
    asked = []

    async def scenario():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600, confirm_run_jobs=5)
        window = make_window(services)
        qtbot.addWidget(window)

        async def no(estimate):
            asked.append(estimate)
            return False

        window.confirm_long_run = no
        drop_files(window, [annual_file(tmp_path)])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        question = "List every revenue figure in the report"
        window.composer.edit.setPlainText(question)
        window.ask(question)
        await until(lambda: asked and not window.vm.busy, what="the question to be put")
        assert asked[0].local_jobs > 5 and "local jobs" in asked[0].describe()
        assert fake_openai.requests == []  # nothing was sent
        messages = window.store.messages(window.conversation_id) if window.conversation_id else []
        assert messages == []  # and nothing was kept: the run never started
        assert window.composer.edit.toPlainText() == question
        assert window.chat.cards() == []  # no question left hanging in the chat
        banner = window.banners.findChildren(type(window.run_panel.time))
        assert any("Not started" in label.text() for label in banner)
        await close_window(window)

    run_in_qt_loop(scenario)


def test_the_run_panel_shows_the_estimate_and_the_time(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor
    fake_ollama.latency = 0.1

    async def scenario():
        window = make_window(make_services(fake_ollama, fake_openai, chunk_chars=600))
        qtbot.addWidget(window)
        drop_files(window, [annual_file(tmp_path)])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        window.ask("List every revenue figure in the report")
        panel = window.run_panel
        await until(lambda: panel.estimate.isVisible(), what="the estimate")
        assert re.match(
            r"This run: about \d+ local jobs, about .+ on this computer", panel.estimate.text()
        )
        await until(lambda: "left" in panel.time.text(), what="the time left")
        assert re.match(r"\d+:\d\d elapsed · about .+ left", panel.time.text())
        await until(lambda: window.chat.answers(), timeout=60, what="the answer")
        await close_window(window)

    run_in_qt_loop(scenario)
