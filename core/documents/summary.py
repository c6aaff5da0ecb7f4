"""What the app sees in a document, as plain data for the CLI and the UI."""

from __future__ import annotations

from typing import Any

from core.documents.kinds import KIND_LABELS, PAGE_UNITS
from core.documents.model import Chunk, Document
from core.tokens import estimate_tokens


def inspect_document(doc: Document, chunks: list[Chunk]) -> dict[str, Any]:
    """Type, pages, characters, estimated tokens, chunk count and warnings of ``doc``."""
    return {
        "id": doc.id,
        "name": doc.name,
        "path": doc.path,
        "kind": doc.kind,
        "kind_label": KIND_LABELS.get(doc.kind, doc.kind),
        "size_bytes": doc.size_bytes,
        # PDF pages are real pages, and so are DOCX/ODT/RTF pages where the file records
        # them; other formats have one page or sections (row groups, slides, chapters).
        "paged": doc.kind in ("pdf", "image") or (len(doc.pages) > 1 and not _labelled(doc)),
        "pages": len(doc.pages),
        "page_unit": _unit(doc),
        # Where each page is, as citations name it ("slide 3", "sheet Budget, A1:F40").
        "places": [page.label for page in doc.pages] if _labelled(doc) else [],
        "characters": len(doc.text),
        "estimated_tokens": estimate_tokens(doc.text),
        "chunks": len(chunks),
        "warnings": list(doc.warnings),
    }


def _labelled(doc: Document) -> bool:
    return any(page.label for page in doc.pages)


def _unit(doc: Document) -> str:
    if doc.kind in PAGE_UNITS:
        return PAGE_UNITS[doc.kind]
    if doc.kind in ("docx", "odt", "rtf", "text") and len(doc.pages) > 1:
        return "pages"
    return "sections"
