"""The audit table: one row per request that left the machine, joined with its reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core.privacy.audit import EgressRecord
from core.protocols.pricing import cost_usd
from desktop.ui.answer_card import format_cost

Index = QModelIndex | QPersistentModelIndex
NO_PARENT = QModelIndex()


@dataclass(frozen=True, slots=True)
class EgressRow:
    request: EgressRecord
    reply: EgressRecord | None

    @property
    def prompt_tokens(self) -> int:
        return (self.reply.prompt_tokens or 0) if self.reply else 0

    @property
    def completion_tokens(self) -> int:
        return (self.reply.completion_tokens or 0) if self.reply else 0

    @property
    def cost(self) -> float:
        return cost_usd(self.request.model, self.prompt_tokens, self.completion_tokens)

    @property
    def outcome(self) -> str:
        if self.reply is None:
            return "no reply"
        return str(self.reply.status) if self.reply.status is not None else "failed"


def pair_records(records: list[EgressRecord]) -> list[EgressRow]:
    replies = {r.request_id: r for r in records if r.kind == "response"}
    return [EgressRow(r, replies.get(r.id)) for r in records if r.kind == "request"]


class EgressTableModel(QAbstractTableModel):
    TIME, CONVERSATION, ENDPOINT, MODEL, BYTES, TOKENS, COST, STATUS = range(8)
    HEADERS = ("Time", "Conversation", "Endpoint", "Model", "Bytes", "Tokens", "Cost", "Reply")
    RowRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self._rows: list[EgressRow] = []
        self._titles = titles or {}

    def set_rows(self, rows: list[EgressRow], titles: dict[str, str]) -> None:
        if rows == self._rows and titles == self._titles:
            return
        self.beginResetModel()
        self._rows, self._titles = rows, titles
        self.endResetModel()

    def row_at(self, row: int) -> EgressRow:
        return self._rows[row]

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
        if role == self.RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (
            self.BYTES,
            self.TOKENS,
            self.COST,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        request = row.request
        column = index.column()
        if column == self.TIME:
            return request.created_at[:19].replace("T", " ")
        if column == self.CONVERSATION:
            conversation = request.conversation_id
            return self._titles.get(conversation, conversation or "(command line)")
        if column == self.ENDPOINT:
            return request.endpoint
        if column == self.MODEL:
            return request.model or "-"
        if column == self.BYTES:
            return f"{request.byte_count:,}"
        if column == self.TOKENS:
            return f"{row.prompt_tokens + row.completion_tokens:,}"
        if column == self.COST:
            return format_cost(row.cost)
        return row.outcome
