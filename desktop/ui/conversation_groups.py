"""The conversation list as the sidebar shows it: grouped by date, filtered by a search.

``DateGroupedModel`` sits on top of the flat conversation model (which stays the one the
window edits): it adds a header row before each group (Today, Yesterday, Previous 7 days,
Previous 30 days, then one per month) and hides what a search did not find. Header rows
cannot be selected or edited, so the keyboard skips them.
"""

from __future__ import annotations

import time
from datetime import date

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

HEADER_ROLE = Qt.ItemDataRole.UserRole + 50  # True on a group's header row


def date_group(timestamp: float, now: float | None = None) -> str:
    """The group a conversation last active at ``timestamp`` falls in, in local days."""
    today = date.fromtimestamp(time.time() if now is None else now)
    day = date.fromtimestamp(timestamp)
    days = (today - day).days
    if days <= 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days <= 7:
        return "Previous 7 days"
    if days <= 30:
        return "Previous 30 days"
    return day.strftime("%B %Y")


class DateGroupedModel(QAbstractListModel):
    """``source``'s rows in date groups, each under a header row, limited by ``set_filter``."""

    def __init__(
        self,
        source: QAbstractItemModel,
        *,
        id_role: int,
        time_role: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self._id_role, self._time_role = id_role, time_role
        # A header's label, or (row of the source, its conversation id) as of the last layout.
        self._rows: list[str | tuple[int, str]] = []
        self._visible: set[str] | None = None
        for signal in (
            source.modelReset,
            source.rowsInserted,
            source.rowsRemoved,
            source.rowsMoved,
            source.dataChanged,
        ):
            signal.connect(self._refresh)
        self._rows = self._layout()
        # Today becomes Yesterday at midnight even when nothing else changes.
        self._clock = QTimer(self, interval=10 * 60 * 1000)
        self._clock.timeout.connect(self._refresh)
        self._clock.start()

    # ----------------------------------------------------------------- mapping

    def set_filter(self, ids: set[str] | None) -> None:
        """Show only these conversation ids (None: all)."""
        if ids != self._visible:
            self._visible = ids
            self._refresh()

    def is_filtered(self) -> bool:
        return self._visible is not None

    def source_row(self, row: int) -> int:
        """The source row shown at ``row``, or -1 for a header."""
        item = self._rows[row] if 0 <= row < len(self._rows) else ""
        return item[0] if isinstance(item, tuple) else -1

    def id_at(self, row: int) -> str:
        """The conversation at ``row`` ("" for a header), even while the source is changing."""
        item = self._rows[row] if 0 <= row < len(self._rows) else ""
        return item[1] if isinstance(item, tuple) else ""

    def row_of(self, conversation_id: str) -> int:
        for row, item in enumerate(self._rows):
            if isinstance(item, tuple) and item[1] == conversation_id:
                return row
        return -1

    def headers(self) -> list[str]:
        return [item for item in self._rows if isinstance(item, str)]

    def conversation_count(self) -> int:
        return sum(isinstance(item, tuple) for item in self._rows)

    def _id(self, source_row: int) -> str:
        return str(self.source.index(source_row, 0).data(self._id_role))

    def _layout(self) -> list[str | tuple[int, str]]:
        now = time.time()
        rows: list[str | tuple[int, str]] = []
        for source_row in range(self.source.rowCount()):
            cid = self._id(source_row)
            if self._visible is not None and cid not in self._visible:
                continue
            stamp = self.source.index(source_row, 0).data(self._time_role)
            group = date_group(float(stamp or 0), now)
            if group not in rows:
                rows.append(group)
            rows.append((source_row, cid))
        return rows

    def _refresh(self, *_args: object) -> None:
        rows = self._layout()
        if rows == self._rows:  # same shape (e.g. a title changed): repaint only
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # ----------------------------------------------------------------- model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        source_row = self.source_row(index.row()) if index.isValid() else -1
        if source_row < 0:
            return Qt.ItemFlag.NoItemFlags
        return self.source.flags(self.source.index(source_row, 0))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if isinstance(item, str):
            if role == HEADER_ROLE:
                return True
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return item
            return None
        if role == HEADER_ROLE:
            return False
        return self.source.index(item[0], 0).data(role)

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = 2
    ) -> bool:
        source_row = self.source_row(index.row()) if index.isValid() else -1
        if source_row < 0:
            return False
        return self.source.setData(self.source.index(source_row, 0), value, role)


class ConversationDelegate(QStyledItemDelegate):
    """Draws group headers as small captions; edits a title in a full-height line edit."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if not index.data(HEADER_ROLE):
            super().paint(painter, option, index)
            return
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = option.rect.adjusted(10, 0, -4, -4)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
        painter.drawText(rect, align, str(index.data()))
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if not index.data(HEADER_ROLE):
            return super().sizeHint(option, index)
        height = option.fontMetrics.height() + (6 if index.row() == 0 else 18)
        return QSize(option.rect.width(), height)

    def createEditor(
        self,
        parent: QWidget,
        _option: QStyleOptionViewItem,
        _index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("RenameEditor")
        editor.setAccessibleName("Conversation title")
        # The theme's colours, not the view's: the list's Base is transparent (it would read
        # as black), and the row under the editor is drawn selected (white on the accent).
        palette = QGuiApplication.palette()
        role = QPalette.ColorRole
        editor.setStyleSheet(
            f"QLineEdit#RenameEditor {{ background: {palette.color(role.Base).name()}; "
            f"color: {palette.color(role.Text).name()}; "
            f"selection-background-color: {palette.color(role.Highlight).name()}; "
            f"selection-color: {palette.color(role.HighlightedText).name()}; "
            f"border: 2px solid {palette.color(role.Highlight).name()}; border-radius: 8px; "
            f"padding: 0px 8px; margin: 0px; }}"
        )
        return editor

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,
        _index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The whole row, not the text rect inside the item's padding (which is half as tall).
        editor.setGeometry(option.rect.adjusted(0, 1, 0, -1))
