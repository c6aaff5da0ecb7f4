"""The documents of the open conversation, as a Qt list model, and their loading."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from core.documents.model import Document, DocumentError
from core.documents.names import display_name
from core.storage.conversations import StoredDocument
from core.tokens import estimate_tokens

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


class DocumentListModel(QAbstractListModel):
    """One row per attached file; setters emit only on a real change."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DocumentRow] = []

    # ----------------------------------------------------------------- Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, bytes]:
        return {int(r): r.name[0].lower().encode() + r.name[1:].encode() for r in DocumentRole}

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

    def row_for(self, path: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.path == path), -1)

    def add(self, row: DocumentRow) -> int:
        at = self.row_for(row.path)
        if at >= 0:
            self._rows[at] = row
            self.dataChanged.emit(self.index(at), self.index(at))
            return at
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(row)
        self.endInsertRows()
        return len(self._rows) - 1

    def update(self, at: int, **changes: object) -> None:
        old = self._rows[at]
        new = replace(old, **changes)  # type: ignore[arg-type]
        if new == old and new.document is old.document:
            return
        self._rows[at] = new
        index = self.index(at)
        self.dataChanged.emit(index, index)

    def remove(self, at: int) -> DocumentRow:
        self.beginRemoveRows(QModelIndex(), at, at)
        row = self._rows.pop(at)
        self.endRemoveRows()
        return row

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self.endResetModel()

    def ready_documents(self) -> list[Document]:
        return [r.document for r in self._rows if r.status == READY and r.document is not None]

    def never_send_ids(self) -> frozenset[str]:
        return frozenset(r.doc_id for r in self._rows if r.never_send and r.doc_id)

    def find_document(self, doc_id: str) -> DocumentRow | None:
        return next((r for r in self._rows if r.doc_id == doc_id), None)


def _kind(path: Path) -> str:
    return path.suffix.lstrip(".").lower() or "file"


def expand_paths(paths: list[Path], extensions: frozenset[str] | set[str]) -> list[Path]:
    """Files as given, and the supported files inside folders (recursively, no hidden ones)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in extensions:
                        found.append(Path(root) / name)
        else:
            found.append(path)
    return found


class DocumentLoader(QObject):
    """Reads files into the model: each shows as reading, then ready or error with the reason.

    Extraction runs in a worker (thread or process); its progress callback only emits a
    signal, which Qt queues to this object's (the GUI) thread.
    """

    progressed = Signal(str, int, int)  # path, done, total (emitted from a worker thread)
    staged = Signal(str, str)  # path, "OCR page 3 of 12" (emitted from a worker thread)
    loaded = Signal(object)  # DocumentRow, once ready
    failedToLoad = Signal(str, str)  # path, reason

    def __init__(
        self,
        model: DocumentListModel,
        max_bytes: int,
        parallel: int = 2,
        reader: Callable[..., Awaitable[Document]] | None = None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.max_bytes = max_bytes
        # ``reader(path, max_bytes=..., progress=...)``: by default core's load_document
        # (a thread); the app passes its worker-process pool.
        self.reader = reader
        self._limit = asyncio.Semaphore(parallel)
        self._tasks: set[asyncio.Task[None]] = set()
        self.progressed.connect(self._on_progress)
        self.staged.connect(self._on_stage)

    def add_paths(self, paths: list[Path]) -> int:
        """Start reading files (folders are searched for supported files); returns how many."""
        from core.documents import SUPPORTED_EXTENSIONS

        added = 0
        for path in expand_paths(paths, set(SUPPORTED_EXTENSIONS)):
            key = str(path)
            at = self.model.row_for(key)
            if at >= 0 and self.model.rows[at].status in (READING, READY):
                continue  # already attached
            self.model.add(DocumentRow(path=key, name=display_name(path.name), kind=_kind(path)))
            self._start(key)
            added += 1
        return added

    def restore(self, row: DocumentRow) -> None:
        """Show a stored document with its known details and read it again (from cache)."""
        self.model.add(replace(row, status=READING, progress=-1.0, document=None, stage=""))
        self._start(row.path)

    def _start(self, path: str) -> None:
        task = asyncio.ensure_future(self._load(path))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Until every file added so far is read (or failed)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def _on_progress(self, path: str, done: int, total: int) -> None:
        at = self.model.row_for(path)
        if at >= 0 and total > 0 and self.model.rows[at].status == READING:
            progress = min(1.0, done / total)
            # Emit only on a visible change: a 500-page file reports 500 times.
            if abs(progress - self.model.rows[at].progress) >= 0.01 or done == total:
                self.model.update(at, progress=progress)

    def _on_stage(self, path: str, line: str) -> None:
        at = self.model.row_for(path)
        if at >= 0 and self.model.rows[at].status == READING:
            self.model.update(at, stage=line)

    async def _load(self, path: str) -> None:
        from core.documents import load_document

        reader = self.reader or load_document
        async with self._limit:
            try:
                document = await reader(
                    path,
                    max_bytes=self.max_bytes,
                    progress=lambda done, total: self.progressed.emit(path, done, total),
                    status=lambda line: self.staged.emit(path, line),
                )
            except DocumentError as exc:
                self._fail(path, exc.message)
                return
            except OSError as exc:
                self._fail(path, f"Could not open the file: {exc.strerror or exc}")
                return
        at = self.model.row_for(path)
        if at < 0:
            return  # removed while reading
        tokens = estimate_tokens(document.text)
        self.model.update(
            at,
            status=READY,
            progress=1.0,
            stage="",
            kind=document.kind,
            name=document.name,
            pages=len(document.pages),
            tokens=tokens,
            doc_id=document.id,
            error="",
            document=document,
        )
        self.loaded.emit(self.model.rows[at])

    def _fail(self, path: str, reason: str) -> None:
        at = self.model.row_for(path)
        if at >= 0:
            self.model.update(at, status=ERROR, error=reason, progress=-1.0)
        self.failedToLoad.emit(path, reason)
