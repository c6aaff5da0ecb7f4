"""The per-document leak meter over audit records."""

from __future__ import annotations

from core.privacy.audit import AuditStore
from core.privacy.leaks import document_leaks

DOCS = {"a": {"name": "lease.pdf", "chars": 1000}, "b": {"name": "notes.txt", "chars": 400}}


def span(doc, start, end, page):
    return {
        "source": "document",
        "document_id": doc,
        "doc_start": start,
        "doc_end": end,
        "page": page,
        "start": 0,
        "end": 0,
    }


def test_overlapping_spans_count_once_and_pages_are_listed(tmp_path):
    store = AuditStore(tmp_path / "a.sqlite3")
    store.append(
        kind="request",
        endpoint="https://x",
        body=b"1",
        meta={"documents": DOCS, "spans": [span("a", 0, 100, 1), span("a", 50, 150, 1)]},
    )
    store.append(
        kind="request",
        endpoint="https://x",
        body=b"2",
        meta={
            "documents": DOCS,
            "spans": [span("a", 900, 1000, 7), {"source": "user", "document_id": None}],
        },
    )
    store.append(kind="response", endpoint="https://x", body=b"3", request_id=2)
    leaks = {leak.name: leak for leak in document_leaks(store.records())}
    assert leaks["lease.pdf"].sent_characters == 250
    assert leaks["lease.pdf"].share == 0.25
    assert leaks["lease.pdf"].pages == [1, 7]
    assert leaks["lease.pdf"].requests == 2
    assert leaks["notes.txt"].share == 0.0 and leaks["notes.txt"].pages == []


def test_nothing_sent_means_no_leaks(tmp_path):
    assert document_leaks(AuditStore(tmp_path / "a.sqlite3").records()) == []
