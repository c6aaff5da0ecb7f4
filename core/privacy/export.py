"""Exporting the audit log: what left this computer, and nothing that did not.

A record's local metadata holds things that never left: the question as typed
(before redaction), document names and ids, conversation and run ids, the chain's
hashes. The export keeps the body exactly as sent or received and the facts about
the request itself (time, destination, model, size, tokens, status), plus where each
highlighted stretch of the body came from, as offsets and page numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.privacy.audit import EgressRecord
from core.privacy.endpoints import is_loopback_host

THIS_COMPUTER = "this computer (a proxy or local server)"

FIELDS = (
    "id",
    "kind",
    "request_id",
    "created_at",
    "endpoint",
    "host",
    "port",
    "this_computer",
    "model",
    "byte_count",
    "status",
    "prompt_tokens",
    "completion_tokens",
    "spans",
    "body",
)


@dataclass(frozen=True, slots=True)
class Destination:
    host: str
    port: int | None
    loopback: bool

    def describe(self) -> str:
        where = f"{self.host}:{self.port}" if self.port else self.host
        return f"{where}, {THIS_COMPUTER}" if self.loopback else where


def destination(endpoint: str, meta: dict[str, Any]) -> Destination:
    """Where a request went: the gate's ``meta["destination"]``, or else its URL."""
    recorded = meta.get("destination")
    if isinstance(recorded, dict) and recorded.get("host"):
        port = recorded.get("port")
        return Destination(
            str(recorded["host"]),
            port if isinstance(port, int) else None,
            bool(recorded.get("loopback")),
        )
    parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    host = parts.hostname or ""
    return Destination(host, parts.port, is_loopback_host(host))


def summary(r: EgressRecord) -> dict[str, Any]:
    """One record's listing, for this computer's own use (ids included)."""
    return {
        "id": r.id,
        "kind": r.kind,
        "request_id": r.request_id,
        "created_at": r.created_at,
        "endpoint": r.endpoint,
        "model": r.model,
        "conversation_id": r.conversation_id,
        "run_id": r.run_id,
        "byte_count": r.byte_count,
        "status": r.status,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
    }


def row(r: EgressRecord, documents: dict[str, int]) -> dict[str, Any]:
    """What left (or came back) in one exchange; ``documents`` numbers documents 1, 2, ..."""
    where = destination(r.endpoint, r.meta)
    spans = []
    for span in r.meta.get("spans") or []:
        item = {"start": span["start"], "end": span["end"], "source": span["source"]}
        if span.get("source") == "document":
            number = documents.setdefault(span.get("document_id") or "", len(documents) + 1)
            item.update(document=number, page=span.get("page"))
        spans.append(item)
    return {
        "id": r.id,
        "kind": r.kind,
        "request_id": r.request_id,
        "created_at": r.created_at,
        "endpoint": r.endpoint,
        "host": where.host,
        "port": where.port,
        "this_computer": where.loopback,
        "model": r.model,
        "byte_count": r.byte_count,
        "status": r.status,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "spans": spans,
        "body": r.body_text,
    }


def export_text(records: Iterable[EgressRecord], fmt: str) -> str:
    """The records as a JSON list or a CSV table (``fmt`` is "json" or "csv")."""
    if fmt not in ("json", "csv"):
        raise ValueError(f"unknown export format {fmt!r}")
    documents: dict[str, int] = {}
    rows = [row(r, documents) for r in records]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for item in rows:
        writer.writerow({**item, "spans": json.dumps(item["spans"])})
    return buffer.getvalue()
