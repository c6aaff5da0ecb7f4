"""The leak meter: how much of each document has ever left the machine, and which pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.privacy.audit import EgressRecord
from core.privacy.audit_reads import read_request_metas
from core.privacy.provenance import leak_coverage


@dataclass(frozen=True, slots=True)
class DocumentLeak:
    document_id: str
    name: str
    characters: int  # length of the document's text
    sent_characters: int  # characters covered by at least one outbound span
    share: float  # sent_characters / characters
    pages: list[int]  # pages quoted at least once
    requests: int  # outbound requests that carried some of it


def read_leaks(path: Path) -> list[DocumentLeak]:
    """How much of each document has left, from every request's metadata in the audit file."""
    return leaks_from_meta(read_request_metas(path))


def document_leaks(records: Iterable[EgressRecord]) -> list[DocumentLeak]:
    """Per document seen in any run's audit metadata, most exposed first."""
    return leaks_from_meta((r.id, r.meta) for r in records if r.kind == "request")


def leaks_from_meta(requests: Iterable[tuple[int, dict[str, Any]]]) -> list[DocumentLeak]:
    """The same, from each request's id and metadata alone (no bodies to load).

    A run stores ``meta["documents"] = {id: {"name", "chars"}}`` and, per request,
    ``meta["spans"]`` from provenance; documents attached but never quoted show 0%.
    """
    names: dict[str, str] = {}
    lengths: dict[str, int] = {}
    intervals: dict[str, list[tuple[int, int]]] = defaultdict(list)
    pages: dict[str, set[int]] = defaultdict(set)
    quoted_in: dict[str, set[int]] = defaultdict(set)
    for record_id, meta in requests:
        for doc_id, info in (meta.get("documents") or {}).items():
            names[doc_id] = info.get("name", doc_id)
            lengths[doc_id] = int(info.get("chars", 0))
        for span in meta.get("spans") or []:
            doc_id = span.get("document_id")
            if span.get("source") != "document" or not doc_id:
                continue
            intervals[doc_id].append((span["doc_start"], span["doc_end"]))
            if span.get("page") is not None:
                pages[doc_id].add(int(span["page"]))
            quoted_in[doc_id].add(record_id)
    leaks = []
    for doc_id in set(lengths) | set(intervals):
        length = lengths.get(doc_id) or max((e for _, e in intervals[doc_id]), default=0)
        covered, share = leak_coverage(length, intervals[doc_id]) if length else (0, 0.0)
        leaks.append(
            DocumentLeak(
                doc_id,
                names.get(doc_id, doc_id),
                length,
                covered,
                share,
                sorted(pages[doc_id]),
                len(quoted_in[doc_id]),
            )
        )
    return sorted(leaks, key=lambda leak: (-leak.share, leak.name))
