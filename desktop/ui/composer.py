"""Where the question is typed: Enter (or Ctrl+Enter) sends, Esc or Stop cancels a run."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class QuestionEdit(QPlainTextEdit):
    """With ``enter_sends``, Enter sends and Shift+Enter starts a new line, as in chat
    apps; without it, Enter starts a new line. Ctrl+Enter always sends."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enter_sends = True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if mods & Qt.KeyboardModifier.ControlModifier or (
                self.enter_sends and mods == Qt.KeyboardModifier.NoModifier
            ):
                self.submitted.emit()
                return
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")  # not a paragraph break: the question stays plain
                return
        super().keyPressEvent(event)


class ElidedLabel(QLabel):
    """One line that ends in "…" when there is not room for all of it."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        elided = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width)
        self.setText(elided)


class Composer(QFrame):
    sendRequested = Signal(str)
    stopRequested = Signal()
    redactToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Composer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 10, 8)
        layout.setSpacing(4)
        self.edit = QuestionEdit()
        self.edit.setObjectName("ComposerEdit")
        self.edit.setAccessibleName("Question")
        self.edit.setPlaceholderText("Ask a question about your documents…")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(64)
        self.edit.submitted.connect(self._send)
        self.edit.installEventFilter(self)  # the whole box shows the keyboard focus
        layout.addWidget(self.edit)
        row = QHBoxLayout()
        self.hint = ElidedLabel()
        self.hint.setObjectName("Muted")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("Danger")
        self.stop_button.setAccessibleName("Stop the run")
        self.stop_button.setToolTip("Stop the run (Esc)")
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.hide()
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("Primary")
        self.send_button.setAccessibleName("Send question")
        self.send_button.clicked.connect(self._send)
        self.redact = QCheckBox("Redact identifiers")
        self.redact.setChecked(True)
        self.redact.setAccessibleName("Redact identifiers in this conversation")
        self.redact.setToolTip(
            "Replace names, addresses, emails, phone, card, account and ID numbers with "
            "placeholders before anything of this conversation leaves the computer; "
            "answers show the originals"
        )
        self.redact.toggled.connect(self.redactToggled)
        row.addWidget(self.hint, 1)
        row.addWidget(self.redact)
        row.addWidget(self.stop_button)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        self.set_enter_sends(True)

    def set_enter_sends(self, on: bool) -> None:
        self.edit.enter_sends = on
        if on:
            self.hint.set_full_text("Enter to send · Shift+Enter for a new line · Esc to stop")
            self.send_button.setToolTip("Send (Enter)")
        else:
            self.hint.set_full_text("Ctrl+Enter to send · Esc to stop")
            self.send_button.setToolTip("Send (Ctrl+Enter)")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self.setProperty("focused", event.type() == QEvent.Type.FocusIn)
            self.style().unpolish(self)
            self.style().polish(self)
        return False

    def set_running(self, running: bool) -> None:
        self.send_button.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)

    def _send(self) -> None:
        text = self.edit.toPlainText().strip()
        if text and self.send_button.isEnabled():
            self.sendRequested.emit(text)
