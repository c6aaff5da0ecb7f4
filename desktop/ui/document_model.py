"""The documents of the open conversation, as a Qt list model."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field, replace
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from core.documents.model import Document
from core.storage.conversations import StoredDocument

READING, READY, ERROR = "reading", "ready", "error"


@dataclass(slots=True)
class DocumentRow:
    path: str
    name: str
    status: str = READING  # reading, ready, error
    progress: float = -1.0  # 0..1 while reading, -1 when unknown
    kind: str = ""
    pages: int = 0
    tokens: int = 0
    error: str = ""
    doc_id: str = ""
    never_send: bool = False
    document: Document | None = field(default=None, repr=False)
    stage: str = ""  # a slow step under way, in the user's words: "OCR page 3 of 12"

    @classmethod
    def from_stored(cls, doc: StoredDocument) -> DocumentRow:
        return cls(doc.path, doc.name, kind=doc.kind, pages=doc.pages, tokens=doc.tokens,
                   doc_id=doc.doc_id, never_send=doc.never_send)  # fmt: skip

    def to_stored(self) -> StoredDocument:
        return StoredDocument(self.doc_id, self.path, self.name, self.kind, self.pages,
                              self.tokens, self.never_send)  # fmt: skip


class DocumentRole(IntEnum):
    Name = Qt.ItemDataRole.UserRole + 1
    Status = Qt.ItemDataRole.UserRole + 2
    Progress = Qt.ItemDataRole.UserRole + 3
    Pages = Qt.ItemDataRole.UserRole + 4
    Tokens = Qt.ItemDataRole.UserRole + 5
    Error = Qt.ItemDataRole.UserRole + 6
    Kind = Qt.ItemDataRole.UserRole + 7
    NeverSend = Qt.ItemDataRole.UserRole + 8
    Path = Qt.ItemDataRole.UserRole + 9
    DocId = Qt.ItemDataRole.UserRole + 10
    Summary = Qt.ItemDataRole.UserRole + 11  # the chip's second line


# A list view lays out all its rows again on every dataChanged: with thousands of files
# finishing one by one that is quadratic. Row changes are told at most this often.
CHANGE_INTERVAL_MS = 100


def summary(row: DocumentRow) -> str:
    """The chip's second line, in the user's words."""
    if row.status == READING and row.stage:
        return row.stage
    if row.status == READING:
        return f"Reading… {round(row.progress * 100)}%" if row.progress >= 0 else "Reading…"
    if row.status == ERROR:
        return row.error or "Could not read this file"
    unit = "page" if row.pages == 1 else "pages"
    return f"{row.pages} {unit} · ~{format_tokens(row.tokens)} tokens"


def format_tokens(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


@dataclass(frozen=True, slots=True)
class Totals:
    """What the tray's header says about all the documents, kept up to date row by row."""

    count: int = 0
    reading: int = 0
    failed: int = 0
    pages: int = 0  # of the documents that are ready
    tokens: int = 0


class _LaterChanges:
    """One timer, owned by the application, that tells the models their held-back changes.

    Not a timer per model: a model without a parent is deleted when Python collects it,
    possibly on another thread, and a running timer deleted there stays registered on the
    main thread and fires into freed memory (a crash, seen in the tests).
    """

    def __init__(self) -> None:
        self._models: weakref.WeakSet[DocumentListModel] = weakref.WeakSet()
        self._timer: QTimer | None = None

    def tell(self, model: DocumentListModel) -> None:
        self._models.add(model)
        try:
            if self._timer is not None and self._timer.isActive():
                return
        except RuntimeError:  # its application was deleted (and the timer with it)
            self._timer = None
        if self._timer is None:
            app = QCoreApplication.instance()
            self._timer = QTimer(app, singleShot=True, interval=CHANGE_INTERVAL_MS)
            self._timer.timeout.connect(self._flush)
        self._timer.start()

    def _flush(self) -> None:
        models, self._models = list(self._models), weakref.WeakSet()
        for model in models:
            try:
                model.tell_changes()
            except RuntimeError:  # deleted by its parent meanwhile: nothing to tell
                pass


_later = _LaterChanges()


class DocumentListModel(QAbstractListModel):
    """One row per attached file; setters emit only on a real change.

    Thousands of rows stay cheap: a row is found by its path in a dict, the totals are
    updated as rows change (``totalsChanged``, at once), and ``dataChanged`` comes at
    once for a lone change, then at most every ``CHANGE_INTERVAL_MS`` for the rows
    changed meanwhile.
    """

    totalsChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DocumentRow] = []
        self._at: dict[str, int] = {}  # path -> row number
        self.totals = Totals()
        self._dirty: tuple[int, int] | None = None  # rows changed, not yet told
        self._told = -1.0  # when rows changes were last told (time.monotonic)

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        return {int(r): QByteArray((r.name[0].lower() + r.name[1:]).encode()) for r in DocumentRole}

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            extra = "\nNever sent to the cloud" if row.never_send else ""
            return f"{row.name}\n{summary(row)}\n{row.path}{extra}"
        values = {
            DocumentRole.Name: row.name,
            DocumentRole.Status: row.status,
            DocumentRole.Progress: row.progress,
            DocumentRole.Pages: row.pages,
            DocumentRole.Tokens: row.tokens,
            DocumentRole.Error: row.error,
            DocumentRole.Kind: row.kind,
            DocumentRole.NeverSend: row.never_send,
            DocumentRole.Path: row.path,
            DocumentRole.DocId: row.doc_id,
            DocumentRole.Summary: summary(row),
        }
        return values.get(role)  # type: ignore[call-overload]

    # ----------------------------------------------------------------- rows

    @property
    def rows(self) -> list[DocumentRow]:
        return list(self._rows)

    def row(self, at: int) -> DocumentRow:
        return self._rows[at]

    def row_for(self, path: str) -> int:
        return self._at.get(path, -1)

    def add(self, row: DocumentRow) -> int:
        at = self.row_for(row.path)
        if at >= 0:
            self._count(self._rows[at], -1)
            self._rows[at] = row
            self._count(row, +1)
            self._changed(at)
            return at
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(row)
        self._at[row.path] = at
        self._count(row, +1)
        self.endInsertRows()
        return at

    def update(self, at: int, **changes: object) -> None:
        old = self._rows[at]
        new = replace(old, **changes)  # type: ignore[arg-type]
        if new == old and new.document is old.document:
            return
        self._count(old, -1)
        self._rows[at] = new
        self._count(new, +1)
        self._changed(at)

    def _changed(self, at: int) -> None:
        if self._dirty is None and time.monotonic() - self._told >= CHANGE_INTERVAL_MS / 1000:
            self.dataChanged.emit(self.index(at), self.index(at))
            self._told = time.monotonic()
            return
        first, last = self._dirty or (at, at)
        self._dirty = (min(first, at), max(last, at))
        _later.tell(self)

    def tell_changes(self) -> None:
        """Emit ``dataChanged`` for the rows changed since it was last emitted."""
        if self._dirty is None:
            return
        first, last = self._dirty[0], min(self._dirty[1], len(self._rows) - 1)
        self._dirty = None
        self._told = time.monotonic()
        if first <= last:
            self.dataChanged.emit(self.index(first), self.index(last))

    def remove(self, at: int) -> DocumentRow:
        self.beginRemoveRows(QModelIndex(), at, at)
        row = self._rows.pop(at)
        self._at = {r.path: i for i, r in enumerate(self._rows)}
        self._count(row, -1)
        self.endRemoveRows()
        self.totalsChanged.emit()
        return row

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._at.clear()
        self._dirty = None
        self.totals = Totals()
        self.endResetModel()
        self.totalsChanged.emit()

    def _count(self, row: DocumentRow, sign: int) -> None:
        t, ready = self.totals, row.status == READY
        self.totals = Totals(
            t.count + sign,
            t.reading + sign * (row.status == READING),
            t.failed + sign * (row.status == ERROR),
            t.pages + sign * row.pages * ready,
            t.tokens + sign * row.tokens * ready,
        )
        if sign > 0:  # a change is a removal then an addition: tell once, at the end
            self.totalsChanged.emit()

    def ready_documents(self) -> list[Document]:
        return [r.document for r in self._rows if r.status == READY and r.document is not None]

    def ready_rows(self) -> list[DocumentRow]:
        return [r for r in self._rows if r.status == READY and r.document is not None]

    def never_send_ids(self) -> frozenset[str]:
        return frozenset(r.doc_id for r in self._rows if r.never_send and r.doc_id)

    def find_document(self, doc_id: str) -> DocumentRow | None:
        return next((r for r in self._rows if r.doc_id == doc_id), None)
