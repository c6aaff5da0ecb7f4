"""The audit table's rows filtered and totalled, without Qt (plain data for the window)."""

from __future__ import annotations

from dataclasses import dataclass

from core.privacy.audit_reads import RequestSummary
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
