"""The audit table: one row per request that left the machine, with its reply's outcome.

Rows are :class:`RequestSummary` (no bodies), so 20,000 of them load quickly; a body is
read only when its row is selected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core.privacy.audit_reads import RequestSummary
from desktop.ui.answer_card import format_cost
from desktop.ui.audit_rows import cost

Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()


def outcome(row: RequestSummary) -> str:
    if not row.replied:
        return "no reply"
    return str(row.status) if row.status is not None else "failed"


def sent_to(row: RequestSummary) -> str:
    """Where the request went, short enough for a table cell."""
    return f"{row.host} (this computer)" if row.loopback else row.host


class EgressTableModel(QAbstractTableModel):
    TIME, CONVERSATION, DESTINATION, MODEL, BYTES, TOKENS, COST, STATUS = range(8)
    HEADERS = ("Time", "Conversation", "Sent to", "Model", "Bytes", "Tokens", "Cost", "Reply")
    RowRole = Qt.ItemDataRole.UserRole + 1
    _RIGHT = (BYTES, TOKENS, COST)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[RequestSummary] = []
        self._titles: dict[str, str] = {}

    def set_rows(self, rows: list[RequestSummary], titles: dict[str, str]) -> None:
        if rows is self._rows and titles == self._titles:
            return
        self.beginResetModel()
        self._rows, self._titles = rows, titles
        self.endResetModel()

    def row_at(self, row: int) -> RequestSummary:
        return self._rows[row]

    def title(self, conversation_id: str) -> str:
        return self._titles.get(conversation_id, conversation_id or "(command line)")

    def rowCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == self.RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DESTINATION:
            return row.endpoint
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.TIME:
            return row.created_at[:19].replace("T", " ")
        if column == self.CONVERSATION:
            return self.title(row.conversation_id)
        if column == self.DESTINATION:
            return sent_to(row)
        if column == self.MODEL:
            return row.model or "-"
        if column == self.BYTES:
            return f"{row.byte_count:,}"
        if column == self.TOKENS:
            return f"{row.prompt_tokens + row.completion_tokens:,}"
        if column == self.COST:
            return format_cost(cost(row))
        return outcome(row)
