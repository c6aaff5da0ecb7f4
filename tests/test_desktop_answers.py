"""Answers in the chat: Markdown tables and code, no giant headings, copy buttons, Stop."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFontInfo, QGuiApplication, QTextFormat, QTextTable
from PySide6.QtWidgets import QApplication

from core.protocols.events import Answer, AnswerDelta, Cancelled, Citation, RoundStarted
from core.storage.conversations import ConversationStore, StoredMessage
from desktop.ui.answer_body import AutoHeightBrowser
from desktop.ui.answer_card import AnswerCard, NoteCard, StoppedCard
from desktop.ui.chat_view import ChatView, stopped_parts
from desktop.ui.markdown import answer_segments, colors_for, render_markdown
from desktop.ui.theme import _dark_palette, _light_palette
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
from tests.protocol_support import fact_worker, make_services, minions_supervisor

LONG_LINE = (
    'total = sum(row["amount"] for row in rows if row["status"] == "paid" '
    'and row["currency"] == "EUR" and row["year"] == 2024)  # keep on one line'
)
CODE = f'def totals(rows):\n    """Sum paid rows."""\n\n    {LONG_LINE}\n    return total  '
ANSWER = f"""# Summary

The invoices add up as below [1]. The document's own lines, quoted:

> ## Totals
> # 1.
> Paid in full on 3 March.

| Invoice | Amount |
|---|--:|
| INV-001 | 1,200.00 |
| INV-002 | 980.50 |

Check it with `totals()`:

```python
{CODE}
```

## Next steps

- ask the landlord
"""


def _card(text: str = ANSWER, width: int = 700) -> AnswerCard:
    card = AnswerCard()
    card.resize(width, 400)
    card.show()
    card.set_answer(Answer(text, "minions"))
    return card


def _blocks(card: AnswerCard):
    for browser in card.body.browsers():
        block = browser.document().begin()
        while block.isValid():
            yield browser, block
            block = block.next()


# ----------------------------------------------------------------- headings


def test_answer_headings_are_bold_lines_and_quoted_headings_stay_literal_text():
    for html in [render_markdown(ANSWER)] + [
        s.content for s in answer_segments(ANSWER) if s.kind == "html"
    ]:
        assert not re.search(r"<h[1-6]\b", html), html
    html = render_markdown(ANSWER)
    assert "<b>Summary</b>" in html and "<b>Next steps</b>" in html
    # The quoted document lines keep their '#' marks as text.
    assert re.search(r"<p[^>]*>## Totals</p>", html)
    assert re.search(r"<p[^>]*># 1\.</p>", html)
    # A setext underline inside a quote does not make a heading either.
    assert not re.search(r"<h[1-6]\b", render_markdown("> Totals\n> ------\n\nText\n===="))


def test_no_text_in_the_widget_is_larger_than_the_body_text(qtbot):
    card = AnswerCard()
    qtbot.addWidget(card)
    quote = "## Totals\n# 1. <b>Paid</b>"
    card.set_answer(Answer(ANSWER, "minions", [Citation("d", "invoices.pdf", 2, quote)]))
    # The cited words are shown as written, markup characters included.
    assert "“## Totals # 1. &lt;b&gt;Paid&lt;/b&gt;”" in card.sources.text()
    texts = {}
    for browser, block in _blocks(card):
        assert block.blockFormat().headingLevel() == 0
        base = browser.document().defaultFont().pointSizeF()
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            assert int(fmt.property(QTextFormat.Property.FontSizeAdjustment) or 0) <= 0
            assert fmt.fontPointSize() <= base  # 0 when the size is not set
            texts.setdefault(block.text(), []).append(fmt.fontWeight())
            it += 1
    assert "## Totals" in texts and "# 1." in texts
    assert min(texts["Summary"]) >= 600 and min(texts["Next steps"]) >= 600


# ----------------------------------------------------------------- tables and code


def _table(card: AnswerCard) -> QTextTable:
    for browser in card.body.browsers():
        for frame in browser.document().rootFrame().childFrames():
            if isinstance(frame, QTextTable) and frame.columns() == 2 and frame.rows() == 3:
                return frame
    raise AssertionError("no 3x2 table in the answer")


def test_tables_have_grid_lines_a_header_row_and_padding_in_light_and_dark(qtbot):
    card = _card()
    qtbot.addWidget(card)
    headers = []
    for palette in (_light_palette(), _dark_palette()):
        card.setPalette(palette)
        table = _table(card)
        fmt = table.format()
        assert fmt.border() >= 1 and fmt.cellPadding() == 6 and fmt.borderCollapse()
        assert fmt.borderBrush().color() == QColor(colors_for(palette).grid)
        header = table.cellAt(0, 0).format().background().color()
        assert header == QColor(colors_for(palette).header)
        assert table.cellAt(1, 0).format().background().style() == Qt.BrushStyle.NoBrush
        assert table.cellAt(0, 0).firstCursorPosition().block().text() == "Invoice"
        amount = table.cellAt(1, 1).firstCursorPosition().block()
        assert amount.text() == "1,200.00"
        assert amount.blockFormat().alignment() & Qt.AlignmentFlag.AlignRight
        headers.append(header)
    assert headers[0] != headers[1]  # the header row follows the theme


def _pixel(widget, point: QPoint) -> QColor:
    return widget.grab().toImage().pixelColor(point)


def test_code_blocks_are_monospace_on_their_background_and_scroll_sideways(qtbot):
    card = _card(width=600)
    qtbot.addWidget(card)
    [block] = card.body.code_blocks()
    assert block.code() == CODE and block.language.text() == "python"
    view = block.view
    assert QFontInfo(view.font()).fixedPitch()
    assert view.lineWrapMode() == view.LineWrapMode.NoWrap
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() > 0)  # the long line scrolls
    assert view.horizontalScrollBar().isVisible()
    assert view.verticalScrollBar().maximum() == 0  # every line shows; the chat scrolls
    for palette in (_light_palette(), _dark_palette()):
        card.setPalette(palette)
        QApplication.processEvents()
        # Inside the border, left of the language label: the code background.
        assert _pixel(block, QPoint(4, block.height() // 2)) == QColor(colors_for(palette).code)
    # Inline code gets the code background too, and nested code wraps in the text.
    assert f"background-color:{colors_for(_dark_palette()).code}" in render_markdown(
        "run `x()`", colors=colors_for(_dark_palette())
    )
    nested = answer_segments("- step\n\n  ```\n  make it\n  ```\n")
    assert [s.kind for s in nested] == ["html"] and "white-space:pre-wrap" in nested[0].content


def test_copy_buttons_copy_the_answer_markdown_and_the_exact_code(qtbot):
    card = _card()
    qtbot.addWidget(card)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    qtbot.mouseClick(card.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == ANSWER and card.copy_button.text() == "Copied"
    [block] = card.body.code_blocks()
    qtbot.mouseClick(block.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == CODE  # indentation, the blank line and trailing spaces kept
    qtbot.waitUntil(lambda: card.copy_button.text() == "Copy", timeout=3000)


def test_a_real_answer_renders_markdown_and_copies_the_text_with_originals_restored(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    doc = tmp_path / "contacts.txt"
    doc.write_text("For the audit, write to ops@example.net before Friday.\n", "utf-8")
    fake_ollama.responder = lambda p: {
        "explanation": "x",
        "citation": None,
        "answer": "ops@example.net",
    }
    plain = minions_supervisor()
    seen: list[str] = []

    def supervisor(payload):
        out = plain(payload)
        if found := re.search(r"The code is (.+)\.$", out.get("answer", "")):
            seen.append(found.group(1))  # what the cloud saw in place of the address
            out["answer"] = (
                f"## Contact\n\n> # 1.\n\n| Who | Address |\n|---|---|\n| Audit | {seen[-1]} |\n\n"
                f"```sh\nmail --to {seen[-1]} --subject audit\n```\n"
            )
        return out

    fake_openai.responder = supervisor

    async def scenario():
        window = make_window(make_services(fake_ollama, fake_openai))
        qtbot.addWidget(window)
        drop_files(window, [doc])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        window.ask("Who do I write to?")
        await until(lambda: window.chat.answers(), timeout=30, what="the answer")
        [card] = window.chat.answers()
        assert seen and "ops@example.net" not in seen[-1]  # redacted on the way out
        [block] = card.body.code_blocks()
        assert block.code() == "mail --to ops@example.net --subject audit"
        assert _table_text(card) == ["Who", "Address", "Audit", "ops@example.net"]
        assert "# 1." in card.body.toPlainText()
        QGuiApplication.clipboard().clear()
        qtbot.mouseClick(card.copy_button, Qt.MouseButton.LeftButton)
        copied = QGuiApplication.clipboard().text()
        assert copied == card.answer.text and copied == card.body.markdown()
        assert "ops@example.net" in copied and seen[-1] not in copied
        await close_window(window)

    run_in_qt_loop(scenario)


def _table_text(card: AnswerCard) -> list[str]:
    for browser in card.body.browsers():
        for frame in browser.document().rootFrame().childFrames():
            if isinstance(frame, QTextTable) and frame.rows() > 1:  # not a quote's bar
                return [
                    frame.cellAt(r, c).firstCursorPosition().block().text()
                    for r in range(frame.rows())
                    for c in range(frame.columns())
                ]
    return []


# ----------------------------------------------------------------- stopped runs


def _look(card) -> tuple:
    """What a person sees of a stopped card."""
    body = card.body.toPlainText() if isinstance(card, StoppedCard) and card.body else ""
    return type(card).__name__, card.objectName(), card.title, card.detail, body


def test_a_stopped_run_looks_the_same_after_a_restart(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
):
    pdf = fact_pdf(tmp_path / "long.pdf", pages=30, fact_page=20)
    fake_ollama.responder = fact_worker
    fake_ollama.latency = 0.2
    fake_openai.responder = minions_supervisor()
    looks = []

    async def first_session():
        services = make_services(fake_ollama, fake_openai, chunk_chars=600, parallelism=2)
        window = make_window(services)
        qtbot.addWidget(window)
        drop_files(window, [pdf])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("minions")
        window.ask("What is the code?")
        await until(lambda: window.vm.jobs_done >= 1, timeout=20, what="the first job")
        window.vm.cancel()
        await until(lambda: not window.vm.busy, timeout=5, what="the run to stop")
        looks.append(_look(window.chat.cards()[-1]))
        message = window.store.messages(window.conversation_id)[-1]
        assert (message.role, message.text) == ("stopped", "You stopped this run.")
        await close_window(window)

    async def second_session():
        window = make_window(make_services(fake_ollama, fake_openai), ConversationStore())
        qtbot.addWidget(window)
        await window.start()
        looks.append(_look(window.chat.cards()[-1]))
        assert not [c for c in window.chat.cards() if c.objectName() == "ErrorCard"]
        await close_window(window)

    run_in_qt_loop(first_session)
    run_in_qt_loop(second_session)
    assert (
        looks[0]
        == looks[1]
        == (
            "StoppedCard",
            "AnswerCard",  # the neutral card, not the pink error card
            "Stopped",
            "You stopped this run.",
            "",
        )
    )


def test_a_stopped_answer_keeps_what_was_written_before_and_after_a_restart(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    note = tmp_path / "rent.txt"
    note.write_text("Rent: 1,200.\n", "utf-8")

    # A stand-in for the streaming part only: the real runs do not stream yet (issue 9).
    class StreamingRun:
        def __init__(self, request, services):
            self.stop = asyncio.Event()

        async def events(self):
            yield RoundStarted("r", 1, 1)
            for piece in ("The totals are:\n\n", "| Item | Sum |\n|---|---|\n| Rent | 1,200 |"):
                yield AnswerDelta("r", piece)
            await self.stop.wait()
            yield Cancelled("r")

        def cancel(self):
            self.stop.set()

    partial = "The totals are:\n\n| Item | Sum |\n|---|---|\n| Rent | 1,200 |"
    looks = []

    async def first_session():
        window = make_window(make_services(fake_ollama, None))
        window.run_factory = StreamingRun
        qtbot.addWidget(window)
        drop_files(window, [note])
        await until(lambda: documents_ready(window))
        window.top_bar.set_protocol("local")
        window.ask("What are the totals?")
        await until(lambda: window.chat.live and "1,200" in window.chat.live.body.toPlainText())
        window.vm.cancel()
        await until(lambda: not window.vm.busy, timeout=5, what="the run to stop")
        card = window.chat.cards()[-1]
        assert isinstance(card, StoppedCard) and card.partial == partial
        looks.append(_look(card))
        message = window.store.messages(window.conversation_id)[-1]
        assert (message.role, message.text) == ("stopped", partial)
        await close_window(window)

    async def second_session():
        window = make_window(make_services(fake_ollama, None), ConversationStore())
        qtbot.addWidget(window)
        await window.start()
        card = window.chat.cards()[-1]
        looks.append(_look(card))
        QGuiApplication.clipboard().clear()
        qtbot.mouseClick(card.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == partial
        await close_window(window)

    run_in_qt_loop(first_session)
    run_in_qt_loop(second_session)
    assert looks[0] == looks[1]
    assert looks[0][:4] == ("StoppedCard", "AnswerCard", "Stopped", "You stopped this run.")
    assert "Rent" in looks[0][4] and "1,200" in looks[0][4]


def test_stops_stored_as_errors_by_older_versions_show_the_stopped_card(qtbot):
    def message(role: str, text: str, answer: Answer | None = None) -> StoredMessage:
        return StoredMessage(1, "c", role, text, answer, 0.0)

    view = ChatView()
    qtbot.addWidget(view)
    view.show_history(
        [
            message("user", "First?"),
            message("error", "You stopped this run."),
            message("user", "Second?"),
            message("error", "The run ended early."),
            message("user", "Third?"),
            message("error", "No answer: The cloud provider is not reachable."),
            message("stopped", "You stopped this run.", Answer("Half an answer", "local")),
        ]
    )
    notes = [c for c in view.cards() if isinstance(c, NoteCard)]
    assert [(type(n).__name__, n.objectName(), n.detail) for n in notes] == [
        ("StoppedCard", "AnswerCard", "You stopped this run."),
        ("StoppedCard", "AnswerCard", "The run ended early."),
        ("NoteCard", "ErrorCard", ""),
        ("StoppedCard", "AnswerCard", "You stopped this run."),
    ]
    assert notes[-1].body is not None and notes[-1].body.toPlainText() == "Half an answer"
    assert stopped_parts(message("assistant", "x")) is None
    assert stopped_parts(message("stopped", "Some text")) == ("You stopped this run.", "Some text")


def test_a_streaming_answer_renders_its_code_block_before_the_fence_closes(qtbot):
    card = AnswerCard()
    qtbot.addWidget(card)
    card.show()
    card.set_streaming("Run this:\n\n```sh\nmake test")
    qtbot.waitUntil(lambda: bool(card.body.code_blocks()))
    assert card.body.code_blocks()[0].code().startswith("make test")
    first = card.body.browsers()[0]
    card.set_streaming("Run this:\n\n```sh\nmake test\n```\n\nThen look.")
    qtbot.waitUntil(lambda: "Then look." in card.body.toPlainText())
    assert card.body.browsers()[0] is first  # parts are updated in place, not rebuilt
    assert isinstance(first, AutoHeightBrowser)
