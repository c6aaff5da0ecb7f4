"""The audit window's work off the event loop: reading, verifying and filtering the audit.

Functions here run on a worker thread and return plain data; :class:`Background` hands
each result back on the GUI thread through a queued signal, so worker threads never
touch a widget.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.privacy.audit import AuditStore, RequestSummary
from core.privacy.leaks import DocumentLeak, leaks_from_meta
from desktop.ui.answer_card import format_cost
from desktop.ui.audit_model import cost

# One thread: jobs run in the order asked (the table first, then the chain check).
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")


@dataclass(frozen=True, slots=True)
class Shown:
    rows: list[RequestSummary]
    totals: str


@dataclass(frozen=True, slots=True)
class AuditSnapshot:
    rows: list[RequestSummary]
    shown: Shown  # the rows through the filters set when loading began
    leaks: list[DocumentLeak]
    unaudited: str  # why some requests are not in the audit at all ("" when none are left out)


def load(
    audit: AuditStore,
    settings: Callable[[], Any],
    conversation: str | None,
    endpoint: str | None,
    focus: frozenset[int] | None,
) -> AuditSnapshot:
    rows = audit.summaries()
    shown = filter_rows(rows, conversation, endpoint, focus)
    leaks = leaks_from_meta(audit.request_meta())
    return AuditSnapshot(rows, shown, leaks, unaudited_line(settings()))


def unaudited_line(settings: Any) -> str:
    """The user's own choice that keeps one endpoint out of the audit, said where they look."""
    if not getattr(settings, "supervisor_on_this_computer", False):
        return ""
    url = getattr(settings, "remote_base_url", "the supervisor's endpoint")
    return (
        f"Requests to {url} are not audited: you marked it as a model on this computer "
        "(Settings). If it forwards to a cloud, turn that off."
    )


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
    sent = sum(r.byte_count for r in rows)
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in rows)
    spent = sum(cost(r) for r in rows)
    totals = (
        f"Overall: {len(rows)} requests, {sent:,} bytes, {tokens:,} tokens, "
        f"{format_cost(spent)} left this computer. Shown: {len(shown)} requests, "
        f"{sum(r.byte_count for r in shown):,} bytes."
    )
    return Shown(shown, totals)


class Background(QObject):
    """Runs a function on the audit thread; its result (or error) comes back on this thread."""

    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = 0
        self._finished.connect(self._deliver)

    def run(
        self,
        job: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.pending += 1
        future = _EXECUTOR.submit(job)
        future.add_done_callback(lambda f: self._hand_back((on_result, on_error, f)))

    def _hand_back(self, item: tuple[Any, Any, concurrent.futures.Future[Any]]) -> None:
        try:
            self._finished.emit(item)
        except RuntimeError:
            pass  # the window was closed and deleted meanwhile: nobody to tell

    def _deliver(self, item: tuple[Any, Any, concurrent.futures.Future[Any]]) -> None:
        on_result, on_error, future = item
        self.pending -= 1
        error = future.exception()
        if error is not None:
            on_error(error)
        else:
            on_result(future.result())
