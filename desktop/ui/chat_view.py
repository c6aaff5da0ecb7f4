"""The chat: questions, answers and notes in a scrolling column, with a welcome card when empty."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from core.protocols.events import Answer
from core.protocols.records import answer_from_record
from core.storage.conversations import STOP_REASONS, STOPPED_BY_YOU, StoredMessage
from desktop.ui.answer_card import AnswerCard, NoteCard, StoppedCard, UserBubble

MAX_WIDTH = 860

WELCOME = """
<p style="margin-bottom:10px">A model on this computer reads your files. The cloud model
only plans and sees what the local model writes — never the files themselves.</p>
<table cellspacing="6">
<tr><td><b>1</b></td><td>Drop files or a folder on the window (PDFs and scans, Word, spreadsheets, slides, e-books, mail, text, code), or press <b>Ctrl+O</b>.</td></tr>
<tr><td><b>2</b></td><td>Pick a protocol: <b>MinionS</b> splits the work into many small local jobs, <b>Minion</b> has one local conversation, <b>Local only</b> never uses the cloud.</td></tr>
<tr><td><b>3</b></td><td>Ask, then press <b>Send</b> (or <b>Ctrl+Enter</b>). Each answer shows its sources, tokens, cost and what it saved.</td></tr>
</table>
"""


class WelcomeCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomeCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(8)
        title = QLabel("Ask about your documents, privately")
        title.setObjectName("WelcomeTitle")
        body = QLabel(WELCOME)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        layout.addWidget(body)


class ChatView(QScrollArea):
    """Messages top to bottom, centred at a readable width; follows the newest one."""

    citationClicked = Signal(object)  # Citation
    auditRequested = Signal(list)  # the egress record ids of one answer

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatScroll")
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        canvas = QWidget()
        canvas.setObjectName("ChatCanvas")
        outer = QHBoxLayout(canvas)
        outer.setContentsMargins(24, 20, 24, 20)
        self.column = QWidget()
        self.column.setMaximumWidth(MAX_WIDTH)
        self.items = QVBoxLayout(self.column)
        self.items.setContentsMargins(0, 0, 0, 0)
        self.items.setSpacing(14)
        self.items.addStretch(1)
        outer.addStretch(1)
        outer.addWidget(self.column, 100)
        outer.addStretch(1)
        self.setWidget(canvas)
        self.welcome = WelcomeCard()
        self._insert(self.welcome)
        self.live: AnswerCard | None = None
        self._last_question: QWidget | None = None  # its row, while its run may not start
        self.verticalScrollBar().rangeChanged.connect(self._follow)
        self._pinned = True
        self.verticalScrollBar().valueChanged.connect(self._track_pin)

    # ----------------------------------------------------------------- content

    def clear(self) -> None:
        self.live = None
        while self.items.count() > 1:
            item = self.items.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.welcome:
                widget.deleteLater()
        self._insert(self.welcome)
        self.welcome.show()
        self._pinned = True

    def show_history(self, messages: list[StoredMessage]) -> None:
        for message in messages:
            if message.role == "user":
                self.add_question(message.text)
            elif message.role == "assistant":
                stored = message.answer
                self.add_answer(answer_from_record(stored) if stored else Answer(message.text, ""))
            elif (stopped := stopped_parts(message)) is not None:
                self.add_stopped(*stopped)
            else:
                self.add_note(message.text)

    def add_question(self, text: str) -> UserBubble:
        bubble = UserBubble(text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(bubble, 0)
        bubble.setMaximumWidth(int(MAX_WIDTH * 0.8))
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self._insert(holder)
        self._last_question = holder
        self._pinned = True
        return bubble

    def withdraw_question(self) -> None:
        """Take back the last question and its live card: its run never started."""
        self.drop_live()
        holder, self._last_question = self._last_question, None
        if holder is not None:
            self.items.removeWidget(holder)
            holder.deleteLater()

    def begin_answer(self) -> AnswerCard:
        """A card that shows the answer as it streams in."""
        card = AnswerCard()
        card.citationClicked.connect(self.citationClicked)
        card.auditRequested.connect(self.auditRequested)
        card.hide()  # shown with the first streamed text
        self.live = card
        self._insert(card)
        return card

    def stream(self, text: str) -> None:
        if self.live is not None:
            self.live.show()
            self.live.set_streaming(text)

    def add_answer(self, answer: Answer) -> AnswerCard:
        card = self.live or self.begin_answer()
        self.live = None
        card.set_answer(answer)
        card.show()
        return card

    def add_note(self, title: str, detail: str = "", *, error: bool = True) -> NoteCard:
        self.drop_live()
        note = NoteCard(title, detail, error=error)
        self._insert(note)
        return note

    def add_stopped(self, reason: str = STOPPED_BY_YOU, partial: str | None = None) -> StoppedCard:
        """The stopped mark, under what was written before the stop.

        Without ``partial``, what the live answer had streamed is kept.
        """
        if partial is None:
            partial = self.live.streamed() if self.live is not None else ""
        self.drop_live()
        card = StoppedCard(reason, partial)
        self._insert(card)
        return card

    def drop_live(self) -> None:
        if self.live is not None:
            self.live.deleteLater()
            self.live = None

    def cards(self) -> list[QWidget]:
        found = []
        for i in range(self.items.count() - 1):
            item = self.items.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.welcome:
                found.append(widget)
        return found

    def answers(self) -> list[AnswerCard]:
        return [w for w in self.cards() if isinstance(w, AnswerCard) and w.answer is not None]

    # ----------------------------------------------------------------- internals

    def _insert(self, widget: QWidget) -> None:
        if widget is not self.welcome:
            self.welcome.hide()
        self.items.insertWidget(self.items.count() - 1, widget)

    def _track_pin(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._pinned = value >= bar.maximum() - 40

    def _follow(self, _minimum: int, maximum: int) -> None:
        if self._pinned:
            QTimer.singleShot(0, lambda: self.verticalScrollBar().setValue(maximum))


def stopped_parts(message: StoredMessage) -> tuple[str, str] | None:
    """(reason, partial answer) of a stored stopped run, or None if it is no stopped run.

    Role "stopped" keeps the partial answer in ``answer`` or ``text`` (the text is the
    reason itself when nothing was written); history from before that role stored a stop
    as role "error" with the reason as its text.
    """
    if message.role == "error":
        return (message.text, "") if message.text in STOP_REASONS else None
    if message.role != "stopped":
        return None
    if message.text in STOP_REASONS:
        return message.text, message.answer.text if message.answer else ""
    return STOPPED_BY_YOU, message.answer.text if message.answer else message.text
