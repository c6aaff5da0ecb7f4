"""Turning a file on disk into a Document: checks, cache, then the loader for its kind."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib
import os
import stat
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

from core.documents.cache import read_cached, write_cached
from core.documents.extraction import Extraction, Progress
from core.documents.kinds import (
    HEAD_BYTES,
    KIND_LABELS,
    SUPPORTED_EXTENSIONS,
    kind_from_head,
    unreadable_error,
)
from core.documents.model import Document, DocumentError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024

# kind -> (module, function); a loader's library (pypdf, docx, bs4) is imported when a
# file of its kind is first read, not when the app starts.
_LOADERS: dict[str, tuple[str, str]] = {
    "pdf": ("core.documents.pdf", "load_pdf"),
    "docx": ("core.documents.word", "load_docx"),
    "text": ("core.documents.plain", "load_text"),
    "markdown": ("core.documents.plain", "load_text"),
    "code": ("core.documents.plain", "load_text"),
    "html": ("core.documents.web", "load_html"),
    "csv": ("core.documents.plain", "load_csv"),
}


def _loader(kind: str) -> Callable[..., Extraction]:
    module, name = _LOADERS[kind]
    loader: Callable[..., Extraction] = getattr(importlib.import_module(module), name)
    return loader


class LoadCancelled(Exception):
    """Raised inside the worker thread when the awaiting task was cancelled."""


def load_document_sync(
    path: str | Path,
    *,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Document:
    """Read the file at ``path`` into a Document, or raise DocumentError saying why not.

    ``progress(done, total)`` is called as the file is read (pages for a PDF, else one step).
    The text is cached on disk by content hash, except for encrypted PDFs.
    """
    path = Path(path)
    name = path.name or str(path)
    try:
        data = _read(path, name, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        kind = kind_from_head(name, data[:HEAD_BYTES])
        extraction = read_cached(digest, kind) if use_cache else None
        if extraction is None:
            extraction = _extract(kind, data, name, password, progress)
            if use_cache and extraction.cacheable:
                write_cached(digest, kind, extraction)
        elif progress is not None:
            progress(1, 1)
    except DocumentError as exc:
        exc.path = str(path)
        raise
    named = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    warnings = list(extraction.warnings)
    if named is not None and named != kind:
        warnings.insert(
            0, f"Named like {KIND_LABELS[named]} but is a {kind.upper()}; read as {kind.upper()}."
        )
    return Document(
        id=digest[:16],
        name=name,
        path=str(path),
        kind=kind,
        text=extraction.text,
        pages=extraction.pages,
        size_bytes=len(data),
        warnings=warnings,
    )


def _read(path: Path, name: str, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            size = _size(path, handle.fileno())
            if size > max_bytes:
                raise _too_large(path, f"{name} is {_megabytes(size)}, over the", max_bytes)
            # read(n) allocates n bytes up front, so ask for the real size, not the limit.
            parts: list[bytes] = []
            total, request = 0, size + 1 if size else 1 << 16
            while block := handle.read(min(request, max_bytes + 1 - total)):
                parts.append(block)
                total += len(block)
                if total > max_bytes:  # the file grew, or its size was not known
                    raise _too_large(path, f"{name} is over the", max_bytes)
                request = 1 << 20
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    if not parts:
        raise DocumentError("empty", f"{name} is empty.", str(path))
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_large(path: Path, start: str, max_bytes: int) -> DocumentError:
    return DocumentError("too_large", f"{start} {_megabytes(max_bytes)} limit.", str(path))


def _size(path: Path, fileno: int) -> int:
    info = os.fstat(fileno)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    return info.st_size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def _extract(
    kind: str, data: bytes, name: str, password: str | None, progress: Progress | None
) -> Extraction:
    if progress is not None and kind != "pdf":
        progress(0, 1)
    try:
        if kind == "pdf":
            extraction = _loader(kind)(data, name, password=password, progress=progress)
        else:
            extraction = _loader(kind)(data, name)
    except (DocumentError, LoadCancelled):
        raise
    except RecursionError as exc:
        raise DocumentError("corrupt", f"{name} is nested too deeply to read.", name) from exc
    except MemoryError as exc:
        raise DocumentError("too_large", f"{name} is too large to read in memory.", name) from exc
    if progress is not None and kind != "pdf":
        progress(1, 1)
    return extraction


async def load_document(
    path: str | Path,
    *,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    use_cache: bool = True,
    executor: Executor | None = None,
) -> Document:
    """``load_document_sync`` off the event loop (the loop's default thread pool unless given).

    ``progress`` is called from the worker thread, never the loop's thread: a UI must marshal
    it (e.g. through a Qt signal) before touching widgets. Cancelling the awaiting task stops
    the worker at its next progress step (the next PDF page).
    """
    cancelled = threading.Event()

    def report(done: int, total: int) -> None:
        if cancelled.is_set():
            raise LoadCancelled
        if progress is not None:
            progress(done, total)

    call = functools.partial(
        load_document_sync,
        path,
        password=password,
        max_bytes=max_bytes,
        progress=report,
        use_cache=use_cache,
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, call)
    except asyncio.CancelledError:
        cancelled.set()
        raise
