"""Layout pieces of the main window: the centred column, the drop overlay, the tab order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

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


class FileDrops(QObject):
    """Lets files and folders be dropped anywhere on ``window``, with ``overlay`` shown over
    ``area`` while they are dragged; ``dropped(paths)`` gets the local paths."""

    def __init__(
        self,
        window: QWidget,
        area: QWidget,
        overlay: QWidget,
        dropped: Callable[[list[Path]], object],
    ) -> None:
        super().__init__(window)
        self.area, self.overlay, self.dropped = area, overlay, dropped
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
            if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
                event.acceptProposedAction()
                self.overlay.setGeometry(self.area.geometry().adjusted(24, 12, -24, -12))
                self.overlay.raise_()
                self.overlay.show()
            return True
        if kind == QEvent.Type.DragLeave:
            self.overlay.hide()
            return True
        if kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            self.overlay.hide()
            paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
            if paths:
                event.acceptProposedAction()
                self.dropped(paths)
            return True
        return False


def focus_owner(widget: QWidget | None) -> QWidget | None:
    """The widget Tab stops at for ``widget``: an editable combo box, not its line edit."""
    while widget is not None and isinstance(widget.parentWidget(), QComboBox):
        widget = widget.parentWidget()
    return widget


def screen_order(columns: list[QWidget]) -> list[QWidget]:
    """The Tab stops inside ``columns`` as a reader meets them: column by column, and in a
    column row by row from the top, left to right in a row. Found afresh on every Tab, so
    banners, answers and documents that come and go take their place on the screen."""
    order: list[QWidget] = []
    for column in columns:
        stops = [
            w
            for w in column.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and w.isVisible()
            and w.isEnabled()
            and focus_owner(w) is w
        ]
        placed = [(w, w.mapTo(column.window(), QPoint(0, 0)), w.height()) for w in stops]
        placed.sort(key=lambda p: p[1].y() + p[2] / 2)
        rows: list[list[tuple[QWidget, QPoint, int]]] = []
        bottom = -1
        for item in placed:
            if rows and item[1].y() + item[2] / 2 < bottom:
                rows[-1].append(item)  # its middle is level with this row: same row
            else:
                rows.append([item])
                bottom = item[1].y() + item[2]
        for row in rows:
            order += [w for w, _, _ in sorted(row, key=lambda p: p[1].x())]
    return order
