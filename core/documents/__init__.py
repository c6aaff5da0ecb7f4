"""Documents: files turned into text with pages kept, and cut into chunks for the worker.

Public API::

    detect_kind(path) -> str                      # or DocumentError (unsupported / binary)
    load_document_sync(path, ...) -> Document     # or DocumentError with one clear message
    await load_document(path, ...) -> Document    # the same, in an executor
    chunk_document(doc, target_chars=3000) -> list[Chunk]
    find_quote(doc, quote) -> (start, end) | None
    inspect_document(doc, chunks) -> dict

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
    "find_quote",
    "inspect_document",
    "load_document",
    "load_document_sync",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
