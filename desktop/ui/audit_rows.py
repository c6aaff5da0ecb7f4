"""The audit table's rows, read and filtered without Qt: this runs in the audit process.

Importing nothing from Qt keeps that process quick to start; the window turns the
plain results into text and widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.privacy.audit import RequestSummary, read_summaries
from core.privacy.leaks import DocumentLeak
from core.protocols.pricing import cost_usd


def cost(row: RequestSummary) -> float:
    return cost_usd(row.model, row.prompt_tokens, row.completion_tokens)


@dataclass(frozen=True, slots=True)
class Shown:
    """The rows through the filters, and the figures for every row and for those shown."""

    rows: list[RequestSummary]
    requests: int
    sent_bytes: int
    tokens: int
    cost: float
    shown_bytes: int


@dataclass(frozen=True, slots=True)
class View:
    rows: list[RequestSummary]
    shown: Shown  # through the filters set when reading began
    leaks: list[DocumentLeak]


def filter_rows(
    rows: list[RequestSummary],
    conversation: str | None,
    endpoint: str | None,
    focus: frozenset[int] | None,
) -> Shown:
    shown = [
        row
        for row in rows
        if (conversation is None or row.conversation_id == conversation)
        and (endpoint is None or row.endpoint == endpoint)
        and (focus is None or row.id in focus)
    ]
    return Shown(
        shown,
        len(rows),
        sum(r.byte_count for r in rows),
        sum(r.prompt_tokens + r.completion_tokens for r in rows),
        sum(cost(r) for r in rows),
        sum(r.byte_count for r in shown),
    )


def read_view(
    path: Path, conversation: str | None, endpoint: str | None, focus: frozenset[int] | None
) -> View:
    rows, leaks = read_summaries(path)
    return View(rows, filter_rows(rows, conversation, endpoint, focus), leaks)
