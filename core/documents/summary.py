"""What the app sees in a document, as plain data for the CLI and the UI."""

from __future__ import annotations

from typing import Any

from core.documents.kinds import KIND_LABELS
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
        # PDF pages are real pages; other formats have one page or sections (CSV row groups).
        "paged": doc.kind == "pdf",
        "pages": len(doc.pages),
        "characters": len(doc.text),
        "estimated_tokens": estimate_tokens(doc.text),
        "chunks": len(chunks),
        "warnings": list(doc.warnings),
    }
