"""Exporting the audit log: every record, bodies included, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from core.privacy.audit import COLUMNS, EgressRecord

# Every stored column, with the body last (it is the long one).
FIELDS = (*(f for f in COLUMNS if f != "body"), "body")


def summary(r: EgressRecord) -> dict[str, Any]:
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


def row(r: EgressRecord) -> dict[str, Any]:
    return {
        **summary(r),
        "meta": r.meta,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
        "body": r.body_text,
    }


def export_text(records: Iterable[EgressRecord], fmt: str) -> str:
    """The records as a JSON list or a CSV table (``fmt`` is "json" or "csv")."""
    rows = [row(r) for r in records]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for item in rows:
        writer.writerow({**item, "meta": json.dumps(item["meta"], sort_keys=True)})
    return buffer.getvalue()
