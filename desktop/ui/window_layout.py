"""Layout pieces of the main window: the centred column, the drop overlay, the tab order."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.chat_view import MAX_WIDTH


def centered(*widgets: QWidget) -> QWidget:
    """A column as wide as the chat's, centred, holding ``widgets`` top to bottom."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(24, 0, 24, 0)
    column = QWidget()
    column.setMaximumWidth(MAX_WIDTH)
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(8)
    for widget in widgets:
        layout.addWidget(widget)
    row.addStretch(1)
    row.addWidget(column, 100)
    row.addStretch(1)
    return holder


class DropOverlay(QLabel):
    """Shown over the chat while files are dragged over the window."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Drop files or folders to add them to this conversation", parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(
            "background: rgba(91,91,214,0.14); border: 2px dashed #5b5bd6; border-radius: 16px;"
            "font-size: 14pt; font-weight: 600; color: #5b5bd6;"
        )
        self.hide()
