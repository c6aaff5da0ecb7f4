"""Where the question is typed: Ctrl+Enter sends, Esc or Stop cancels a run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class QuestionEdit(QPlainTextEdit):
    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


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
        layout.addWidget(self.edit)
        row = QHBoxLayout()
        self.hint = QLabel("Ctrl+Enter to send · Esc to stop")
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
        self.send_button.setToolTip("Send (Ctrl+Enter)")
        self.send_button.clicked.connect(self._send)
        self.redact = QCheckBox("Redact identifiers")
        self.redact.setChecked(True)
        self.redact.setAccessibleName("Redact identifiers in this conversation")
        self.redact.setToolTip(
            "Replace emails, phone, card and account numbers with placeholders before "
            "anything of this conversation leaves the computer; answers show the originals"
        )
        self.redact.toggled.connect(self.redactToggled)
        row.addWidget(self.hint, 1)
        row.addWidget(self.redact)
        row.addWidget(self.stop_button)
        row.addWidget(self.send_button)
        layout.addLayout(row)

    def set_running(self, running: bool) -> None:
        self.send_button.setEnabled(not running)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)

    def _send(self) -> None:
        text = self.edit.toPlainText().strip()
        if text and self.send_button.isEnabled():
            self.sendRequested.emit(text)
