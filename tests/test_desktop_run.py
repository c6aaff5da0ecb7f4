"""Asking in the window: progress while it works, the answer with citations and badges, Stop."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from core.protocols.events import Answer, Cancelled, Done, Failed
from desktop.ui.answer_card import AnswerCard, NoteCard
from desktop.ui.citation_dialog import HIGHLIGHT, CitationDialog
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
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    fact_worker,
    make_services,
    minions_supervisor,
)


def test_question_gets_an_answer_with_citations_badges_and_progress(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "archive.pdf", pages=6, fact_page=4)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600)
        window = make_window(services)
        qtbot.addWidget(window)
        progress: list[tuple[int, int]] = []
        window.vm.jobsProgress.connect(lambda done, total: progress.append((done, total)))
        rounds: list[int] = []
        window.vm.roundChanged.connect(lambda n, _m: rounds.append(n))
        shown: set[str] = set()  # every status line the run panel showed, as the user saw it
        for signal in (window.vm.jobsProgress, window.vm.supervisorMessage, window.vm.routeDecided,
                       window.vm.tokensChanged, window.vm.egressChanged):  # fmt: skip
            signal.connect(lambda *_: shown.update(
                label.text() for label in window.run_panel.findChildren(QLabel) if label.text()
            ))  # fmt: skip
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        qtbot.keyClicks(window.composer.edit, "What is the vault access code?")
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.vm.busy, what="the run to start")
        assert window.run_panel.isVisible()
        assert not window.composer.send_button.isEnabled()
        await until(lambda: window.chat.answers(), timeout=30, what="an answer")
        card: AnswerCard = window.chat.answers()[0]
        assert FACT_ANSWER in card.body.toPlainText()
        # what the run showed while it worked, in words for a person
        assert rounds and rounds[0] == 1
        assert any(re.fullmatch(r"\d+ of \d+ passages read", t) for t in shown), shown
        assert "Looking for: “What is the vault access code?”" in shown
        assert "MinionS, with llama3.2:3b reading your documents (chosen by you)" in shown
        assert any(re.fullmatch(r"[\d.k]+ tokens on this computer · [\d.k]+ in the cloud · "
                                r"[\d.]+ K?B sent off this computer", t) for t in shown), shown  # fmt: skip
        for developer_words in ("Supervisor", "Jobs ", "task ", "chunk"):
            assert not any(developer_words in t for t in shown), (developer_words, shown)
        assert progress and progress[-1][0] == progress[-1][1] > 1
        assert not window.run_panel.isVisible() and window.composer.send_button.isEnabled()
        # badges: protocol, local tokens, cloud tokens, cost, saving
        badges = [
            w.text()
            for w in card.findChildren(type(window.tray.title))
            if w.objectName().endswith("Badge")
        ]
        assert badges[0] == "MinionS"
        assert any(b.startswith("Local ") and b.endswith(" tokens") for b in badges)
        assert any(b.startswith("Cloud ") and b.endswith(" tokens") for b in badges)
        assert any(b.startswith("Cloud cost ") and "$" in b for b in badges)
        assert any(b.startswith("Saved $") for b in badges)
        # the citation names the page and opens it with the quote highlighted
        assert "archive.pdf, p.&nbsp;4" in card.sources.text()
        card.sources.linkActivated.emit("cite:1")
        await until(lambda: window.findChildren(CitationDialog))
        dialog = window.findChildren(CitationDialog)[0]
        assert dialog.found
        assert "page 4" in dialog.windowTitle()
        assert HIGHLIGHT in dialog.page.toHtml()
        assert FACT in dialog.page.toPlainText()
        dialog.close()
        # the question and answer were stored
        messages = window.store.messages(window.conversation_id)
        assert [m.role for m in messages] == ["user", "assistant"]
        assert messages[1].answer.citations[0].page == 4
        await close_window(window)

    run_in_qt_loop(scenario)


def test_esc_cancels_a_run_mid_way(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "long.pdf", pages=30, fact_page=20)
    fake_ollama.responder = fact_worker
    fake_ollama.latency = 0.2
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600, parallelism=2)
        window = make_window(services)
        qtbot.addWidget(window)
        finals = []
        window.controller.runEnded.connect(lambda outcome: finals.append(outcome.state))
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.composer.edit.setPlainText("What is the code?")
        qtbot.mouseClick(window.composer.send_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.vm.jobs_done >= 1 or finals, timeout=20, what="the first job")
        assert not finals
        total = window.vm.jobs_total
        assert window.composer.stop_button.isVisible()
        window.activateWindow()
        await until(window.isActiveWindow)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Escape)
        await until(lambda: not window.vm.busy, timeout=5, what="the run to stop")
        assert finals == ["stopped"]
        assert window.vm.jobs_done < total
        await until(lambda: fake_ollama.in_flight == 0, timeout=2, what="jobs to stop")
        notes = [w for w in window.chat.cards() if isinstance(w, NoteCard)]
        assert notes and notes[-1].title == "Stopped"
        assert (
            window.composer.send_button.isEnabled() and not window.composer.stop_button.isVisible()
        )
        last = window.store.messages(window.conversation_id)[-1]
        assert (last.role, last.text) == ("stopped", "You stopped this run.")
        await close_window(window)

    run_in_qt_loop(scenario)


def test_stop_button_cancels_and_the_view_model_ends_with_cancelled(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "long.pdf", pages=20, fact_page=10)
    fake_ollama.responder = fact_worker
    fake_ollama.latency = 0.2
    fake_openai.responder = minions_supervisor()

    async def scenario():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600, parallelism=2)
        window = make_window(services)
        qtbot.addWidget(window)
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        ends = []
        original = window.vm.consume

        async def recording(events, cancel):
            final = await original(events, cancel)
            ends.append(final)
            return final

        window.vm.consume = recording
        window.ask("What is the code?")
        await until(lambda: window.vm.jobs_done >= 1, timeout=20)
        qtbot.mouseClick(window.composer.stop_button, Qt.MouseButton.LeftButton)
        await until(lambda: ends, timeout=5)
        assert isinstance(ends[0], Cancelled)
        await close_window(window)

    run_in_qt_loop(scenario)


def test_answer_streams_into_the_chat_before_it_is_done(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    """A real MinionS run: the cloud fake writes its answer a few characters at a time."""
    pdf = fact_pdf(tmp_path / "archive.pdf", pages=3, fact_page=2)
    answer = (
        f"The vault access code is **{FACT_ANSWER}**. It is written on page 2 of the "
        "archive report, in the paragraph about the Harwick archive."
    )
    supervise = minions_supervisor()

    def supervisor(payload):
        reply = supervise(payload)
        if "answer" in reply and FACT_ANSWER in reply["answer"]:
            reply["answer"] = answer
        return reply

    fake_ollama.responder, fake_openai.responder = fact_worker, supervisor
    fake_openai.stream_chunk_delay = 0.03

    async def scenario():
        window = make_window(make_services(fake_ollama, fake_openai, chunk_chars=600))
        qtbot.addWidget(window)
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        seen: list[str] = []
        window.vm.answerDelta.connect(
            lambda _t: (
                seen.append(window.chat.live.body.toPlainText()) if window.chat.live else None
            )
        )
        window.ask("What is the vault access code?")
        await until(lambda: window.chat.answers(), timeout=30, what="the answer")
        # what the live card showed, without its typing cursor
        shown_while_busy = [text.rstrip(" ▍") for text in seen if text.rstrip(" ▍")]
        final = window.chat.answers()[0].body.toPlainText().strip()
        assert len(set(shown_while_busy)) >= 5  # it grew in the window as it was written
        assert all(final.startswith(text) for text in shown_while_busy)
        assert shown_while_busy[0] != final and FACT_ANSWER in final
        await close_window(window)

    run_in_qt_loop(scenario)


def test_view_model_reports_a_broken_event_stream_as_failed_and_is_not_stuck(qtbot):
    from desktop.ui.run_view_model import RunViewModel

    async def broken():
        from core.protocols.events import RoundStarted

        yield RoundStarted("r", 1, 2)
        raise RuntimeError("boom")

    async def scenario():
        vm = RunViewModel()
        busy = []
        vm.busyChanged.connect(busy.append)
        final = await vm.consume(broken(), lambda: None)
        assert isinstance(final, Failed) and final.kind == "internal"
        assert final.message.endswith("boom")
        assert vm.busy is False and busy == [True, False] and vm.round == 1

    run_in_qt_loop(scenario)


def test_view_model_turns_events_into_signals(qtbot):
    from core.protocols import events as ev
    from desktop.ui.run_view_model import RunViewModel

    stream = [
        ev.RouteDecided("r", "minions", "llama3.2:3b", "chosen by you"),
        ev.RoundStarted("r", 1, 2),
        ev.SupervisorMessage("r", 1, "Find the code"),
        ev.JobsPlanned("r", 1, 3, ["Find the code"]),
        ev.JobFinished("r", "j1", "c1", None, 1, 3),
        ev.JobFailed("r", "j2", "c2", "bad json", 2, 3),
        ev.JobFinished("r", "j3", "c3", "7781", 3, 3),
        ev.TokensUsed("r", "local", 100, 20),
        ev.TokensUsed("r", "remote", 50, 10),
        ev.EgressRecorded("r", 1, "request", "https://x", 1234),
        ev.AnswerDelta("r", "The code "),
        ev.AnswerDelta("r", "is 7781."),
        ev.Done("r", Answer("The code is 7781.", "minions")),
    ]

    async def events():
        for e in stream:
            yield e

    async def scenario():
        vm = RunViewModel()
        got = {}
        vm.roundChanged.connect(lambda n, m: got.setdefault("round", (n, m)))
        vm.supervisorMessage.connect(lambda t: got.setdefault("question", t))
        vm.jobsProgress.connect(lambda d, t: got.__setitem__("jobs", (d, t)))
        vm.tokensChanged.connect(lambda lo, cl: got.__setitem__("tokens", (lo, cl)))
        vm.egressChanged.connect(lambda n: got.__setitem__("egress", n))
        final = await vm.consume(events(), lambda: None)
        assert isinstance(final, Done) and final.answer.text == "The code is 7781."
        assert got == {
            "round": (1, 2),
            "question": "Find the code",
            "jobs": (3, 3),
            "tokens": (120, 60),
            "egress": 1234,
        }
        assert vm.jobs_failed == 1 and vm.streamed == "The code is 7781."

    run_in_qt_loop(scenario)
