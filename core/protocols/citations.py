"""Citations: a quoted passage placed back on its document's page."""

from __future__ import annotations

import re

from core.documents.model import Document
from core.documents.quotes import find_quote
from core.protocols.events import Citation
from core.protocols.jobs import Finding

MAX_CITATIONS = 8
_QUOTED = re.compile(r'"([^"\n]{8,400})"|“([^”\n]{8,400})”')


def quotes_in(text: str) -> list[str]:
    """Passages a model put in double quotes (the worker is asked to quote its support)."""
    return [m.group(1) or m.group(2) for m in _QUOTED.finditer(text)]


def cite_quotes(documents: list[Document], quotes: list[str]) -> list[Citation]:
    """A citation for each quote found verbatim (give or take spacing) in a document."""
    citations: list[Citation] = []
    seen: set[tuple[str, int]] = set()
    for quote in quotes:
        for doc in documents:
            span = find_quote(doc, quote)
            if span is None:
                continue
            start, end = span
            if (doc.id, start) not in seen:
                seen.add((doc.id, start))
                citations.append(_at(doc, start, end))
            break
        if len(citations) >= MAX_CITATIONS:
            break
    return citations


def cite_finding(documents: list[Document], finding: Finding) -> Citation:
    """Where a MinionS finding came from: its quote on its page, else its chunk's first page."""
    chunk = finding.chunk
    doc = next((d for d in documents if d.id == chunk.document_id), None)
    if doc is not None and finding.quote:
        span = find_quote(doc, finding.quote, start=chunk.char_start, end=chunk.char_end)
        if span is not None:
            return _at(doc, *span, chunk_id=chunk.id)
    quote = finding.quote or finding.answer
    place = _label(doc, chunk.page_start) if doc is not None else ""
    return Citation(
        chunk.document_id, chunk.document_name, chunk.page_start, quote, chunk.id, place=place
    )


def _at(doc: Document, start: int, end: int, chunk_id: str = "") -> Citation:
    page = doc.page_at(start)
    return Citation(
        doc.id, doc.name, page, doc.text[start:end], chunk_id, start, end, _label(doc, page)
    )


def _label(doc: Document, page: int) -> str:
    """The page's label ("slide 3"), or "" where "page N" says it."""
    place = doc.place_of(page)
    return "" if place == f"page {page}" else place
