"""The audit read in bulk, for the audit window: every request as a table row, and the
metadata the leak meter needs. Each reader opens a connection of its own, so it can run
in another thread or process while the app writes."""

from __future__ import annotations

import functools
import json
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from core.privacy.audit import connect
from core.privacy.endpoints import is_loopback_url


class RequestSummary(NamedTuple):
    """One request and its reply's outcome, without bodies: the audit table's row.

    A tuple of plain values, so 20,000 of them add nothing to the garbage collector's
    full passes (which would stall the window).
    """

    id: int
    created_at: str
    endpoint: str
    model: str
    conversation_id: str
    run_id: str
    byte_count: int
    host: str  # where it went: the gate's meta["destination"], or the endpoint's host
    loopback: bool  # that host is this computer: a proxy or a local server
    replied: bool
    status: int | None
    prompt_tokens: int
    completion_tokens: int


def read_summaries(path: Path) -> list[RequestSummary]:
    """The audit table's rows, read from the file at ``path`` (a connection of its own)."""
    with closing(connect(path)) as reader:
        return [_summary(row) for row in reader.execute(_SUMMARY_QUERY)]


def read_request_metas(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every request's id and metadata, read from the file at ``path`` (a connection of its own)."""
    with closing(connect(path)) as reader:
        rows = reader.execute("SELECT id, meta FROM records WHERE kind = 'request' ORDER BY id")
        return [(record_id, json.loads(meta)) for record_id, meta in rows]


def _summary(row: tuple[Any, ...]) -> RequestSummary:
    host_and_loopback = (row[7], bool(row[8])) if row[7] else _where(row[2])
    return RequestSummary._make((*row[:7], *host_and_loopback, bool(row[9]), *row[10:]))


@functools.lru_cache(maxsize=64)
def _where(endpoint: str) -> tuple[str, bool]:
    """Host and loopback of a record written before the gate noted its destination."""
    host = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}").hostname or ""
    return host, is_loopback_url(endpoint)


_SUMMARY_QUERY = """
SELECT q.id, q.created_at, q.endpoint, q.model, q.conversation_id, q.run_id, q.byte_count,
       json_extract(q.meta, '$.destination.host'),
       json_extract(q.meta, '$.destination.loopback'),
       r.id IS NOT NULL, r.status,
       COALESCE(r.prompt_tokens, 0), COALESCE(r.completion_tokens, 0)
FROM records q
LEFT JOIN records r ON r.kind = 'response' AND r.request_id = q.id
WHERE q.kind = 'request'
ORDER BY q.id
"""
