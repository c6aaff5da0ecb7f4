"""Reading files into the document model: each shows as reading, then ready or error."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.documents.model import Document, DocumentError
from core.documents.names import display_name
from core.tokens import estimate_tokens
from desktop.ui.document_model import ERROR, READING, READY, DocumentListModel, DocumentRow


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
    passwordNeeded = Signal(str, str, bool)  # path, file name, True after a wrong password

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
        self._passwords: dict[str, str] = {}  # this session only, never written anywhere
        self.progressed.connect(self._on_progress)
        self.staged.connect(self._on_stage)

    def add_paths(self, paths: list[Path]) -> int:
        """Start reading files (folders are searched for supported files); returns how many."""
        from core.documents import SUPPORTED_EXTENSIONS

        added = 0
        for path in expand_paths(paths, set(SUPPORTED_EXTENSIONS)):
            key = str(path)
            at = self.model.row_for(key)
            if at >= 0 and self.model.row(at).status in (READING, READY):
                continue  # already attached
            self.model.add(DocumentRow(path=key, name=display_name(path.name), kind=_kind(path)))
            self._start(key)
            added += 1
        return added

    def restore(self, row: DocumentRow) -> None:
        """Show a stored document with its known details and read it again (from cache)."""
        self.model.add(replace(row, status=READING, progress=-1.0, document=None, stage=""))
        self._start(row.path)

    def unlock(self, path: str, password: str) -> None:
        """Read an encrypted PDF again with ``password`` (kept in memory for this session)."""
        at = self.model.row_for(path)
        if at < 0:
            return
        self._passwords[path] = password
        self.model.update(at, status=READING, progress=-1.0, error="")
        self._start(path)

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
        if at >= 0 and total > 0 and self.model.row(at).status == READING:
            progress = min(1.0, done / total)
            # Emit only on a visible change: a 500-page file reports 500 times.
            if abs(progress - self.model.row(at).progress) >= 0.01 or done == total:
                self.model.update(at, progress=progress)

    def _on_stage(self, path: str, line: str) -> None:
        at = self.model.row_for(path)
        if at >= 0 and self.model.row(at).status == READING:
            self.model.update(at, stage=line)

    async def _load(self, path: str) -> None:
        from core.documents import load_document

        reader = self.reader or load_document
        password = self._passwords.get(path)
        extra: dict[str, Any] = {"password": password} if password is not None else {}
        async with self._limit:
            try:
                document = await reader(
                    path,
                    max_bytes=self.max_bytes,
                    progress=lambda done, total: self.progressed.emit(path, done, total),
                    status=lambda line: self.staged.emit(path, line),
                    **extra,
                )
            except DocumentError as exc:
                self._fail(path, exc.message)
                if exc.kind in ("encrypted", "bad_password"):
                    self._passwords.pop(path, None)
                    name = (
                        self.model.row(at).name if (at := self.model.row_for(path)) >= 0 else path
                    )
                    self.passwordNeeded.emit(path, name, exc.kind == "bad_password")
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
        self.loaded.emit(self.model.row(at))

    def _fail(self, path: str, reason: str) -> None:
        at = self.model.row_for(path)
        if at >= 0:
            self.model.update(at, status=ERROR, error=reason, progress=-1.0)
        self.failedToLoad.emit(path, reason)
