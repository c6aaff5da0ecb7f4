"""Documents: files turned into text with pages kept, and cut into chunks for the worker.

Kinds: PDF (scanned pages read by OCR), Word, Excel, PowerPoint, OpenDocument text,
spreadsheets and presentations, RTF, EPUB, saved mail (.eml, .mbox), images (OCR), text,
Markdown, HTML, CSV and code. Each page keeps the place a citation names: its number, and a
label where "page N" would not say it ("sheet Budget, A1:F40", "slide 3", "chapter 2").

Public API::

    detect_kind(path) -> str                      # or DocumentError (unsupported / binary)
    load_document_sync(path, ...) -> Document     # or DocumentError with one clear message
    await load_document(path, ...) -> Document    # the same, in an executor
    chunk_document(doc, target_chars=3000) -> list[Chunk]
    find_quote(doc, quote) -> (start, end) | None
    inspect_document(doc, chunks) -> dict
    display_name(name) -> str                     # a file name safe to show (U+202E escaped)

The names are imported on first use: ``core.documents.model`` must not load the PDF,
Word and HTML libraries for a caller that only needs ``Document``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.documents.chunking import DEFAULT_TARGET_CHARS, chunk_document
    from core.documents.kinds import KIND_LABELS, SUPPORTED_EXTENSIONS, detect_kind
    from core.documents.loading import (
        DEFAULT_MAX_BYTES,
        LoadCancelled,
        load_document,
        load_document_sync,
    )
    from core.documents.model import Chunk, Document, DocumentError, Page
    from core.documents.names import display_name
    from core.documents.quotes import find_quote
    from core.documents.summary import inspect_document

_HOME = {
    "DEFAULT_MAX_BYTES": "loading",
    "DEFAULT_TARGET_CHARS": "chunking",
    "KIND_LABELS": "kinds",
    "SUPPORTED_EXTENSIONS": "kinds",
    "Chunk": "model",
    "Document": "model",
    "DocumentError": "model",
    "LoadCancelled": "loading",
    "Page": "model",
    "chunk_document": "chunking",
    "detect_kind": "kinds",
    "display_name": "names",
    "find_quote": "quotes",
    "inspect_document": "summary",
    "load_document": "loading",
    "load_document_sync": "loading",
}

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TARGET_CHARS",
    "KIND_LABELS",
    "SUPPORTED_EXTENSIONS",
    "Chunk",
    "Document",
    "DocumentError",
    "LoadCancelled",
    "Page",
    "chunk_document",
    "detect_kind",
    "display_name",
    "find_quote",
    "inspect_document",
    "load_document",
    "load_document_sync",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
