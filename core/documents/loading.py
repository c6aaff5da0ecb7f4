"""Turning a file on disk into a Document: checks, cache, then the loader for its kind."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import threading
from concurrent.futures import Executor
from pathlib import Path

from core.documents import cache
from core.documents.extraction import Progress, Source, Status
from core.documents.kinds import (
    HEAD_BYTES,
    KIND_LABELS,
    SUPPORTED_EXTENSIONS,
    kind_from_head,
    open_regular,
    unreadable_error,
)
from core.documents.model import Document, DocumentError
from core.documents.names import display_name
from core.documents.readers import LoadCancelled, extract

DEFAULT_MAX_BYTES = 200 * 1024 * 1024

__all__ = ["DEFAULT_MAX_BYTES", "LoadCancelled", "load_document", "load_document_sync"]


def load_document_sync(
    path: str | Path,
    *,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    use_cache: bool = True,
    status: Status | None = None,
) -> Document:
    """Read the file at ``path`` into a Document, or raise DocumentError saying why not.

    ``progress(done, total)`` is called as the file is read (pages for a PDF, else one step);
    ``status(line)`` gets a line for the user during slow steps ("OCR page 3 of 12").
    The text is cached on disk by content hash, except for encrypted PDFs; a file that has
    not changed since it was cached is not even read again.
    """
    path = Path(path)
    name = display_name(path.name or str(path))
    from_cache = True
    try:
        with _open(path) as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > max_bytes:
                raise _too_large(f"{name} is {_megabytes(info.st_size)}, over the", max_bytes)
            # An unchanged file that was read before: its text, without reading it again.
            known = cache.known_file(path, info) if use_cache else None
            extraction = None if known is None else cache.read_cached(*known)
            if known is not None and extraction is not None:
                digest, kind = known
                size = info.st_size
            else:
                data = _read(handle, name, info.st_size, max_bytes)
                size = len(data)
                digest = hashlib.sha256(data).hexdigest()
                kind = kind_from_head(name, data[:HEAD_BYTES])
                extraction = cache.read_cached(digest, kind) if use_cache else None
                if extraction is None:
                    extraction = extract(kind, data, Source(name, password, progress, status))
                    del data
                    if use_cache and extraction.cacheable:
                        cache.write_cached(digest, kind, extraction)
                        cache.remember_file(path, info, digest, kind)
                    from_cache = False
                elif use_cache:
                    cache.remember_file(path, info, digest, kind)
        if progress is not None and from_cache:
            progress(1, 1)
    except DocumentError as exc:
        exc.path = str(path)
        raise
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    warnings = list(extraction.warnings)
    named = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if named is not None and named != kind:
        what = _WHAT.get(kind) or ("an " if kind[0] in "aefhilmnorsx" else "a ") + kind.upper()
        warnings.insert(
            0, f"Named like {KIND_LABELS[named]} but is {what}; read as {what.split(' ', 1)[1]}."
        )
    return Document(
        id=digest[:16],
        name=name,
        path=str(path),
        kind=kind,
        text=extraction.text,
        pages=extraction.pages,
        size_bytes=size,
        warnings=warnings,
    )


_WHAT = {"image": "an image", "eml": "an email message", "mbox": "a mailbox"}


def _open(path: Path):  # type: ignore[no-untyped-def]
    try:
        return open_regular(path)
    except OSError as exc:
        raise unreadable_error(path, exc) from exc


def _read(handle, name: str, size: int, max_bytes: int) -> bytes:  # type: ignore[no-untyped-def]
    # read(n) allocates n bytes up front, so ask for the real size, not the limit.
    parts: list[bytes] = []
    total, request = 0, size + 1 if size else 1 << 16
    while block := handle.read(min(request, max_bytes + 1 - total)):
        parts.append(block)
        total += len(block)
        if total > max_bytes:  # the file grew, or its size was not known
            raise _too_large(f"{name} is over the", max_bytes)
        request = 1 << 20
    if not parts:
        raise DocumentError("empty", f"{name} is empty.")
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_large(start: str, max_bytes: int) -> DocumentError:
    return DocumentError("too_large", f"{start} {_megabytes(max_bytes)} limit.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


async def load_document(
    path: str | Path,
    *,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    use_cache: bool = True,
    executor: Executor | None = None,
    status: Status | None = None,
) -> Document:
    """``load_document_sync`` off the event loop (the loop's default thread pool unless given).

    ``progress`` and ``status`` are called from the worker thread, never the loop's thread:
    a UI must marshal them (e.g. through a Qt signal) before touching widgets. Cancelling
    the awaiting task stops the worker at its next progress step (the next PDF page).
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
        status=status,
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, call)
    except asyncio.CancelledError:
        cancelled.set()
        raise
