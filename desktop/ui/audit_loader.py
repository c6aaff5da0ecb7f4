"""The audit window's work off the event loop: reading, verifying and filtering the audit.

Functions here run on a worker thread and return plain data; :class:`Background` hands
each result back on the GUI thread through a queued signal, so worker threads never
touch a widget. Checking 20,000 records and parsing their metadata is pure Python for
seconds: on a thread it would hold the GIL the window needs (on a busy machine, stalls
of 100 ms and more were measured), so that part runs in a process of its own, and only
small results come back (the rows themselves would take long to unpickle, in one go).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.privacy.audit import AuditStore, verify_file
from core.privacy.audit_reads import RequestSummary, read_summaries
from core.privacy.chain import ChainState
from core.privacy.leaks import DocumentLeak, read_leaks
from desktop.ui.answer_card import format_cost
from desktop.ui.audit_rows import Shown, filter_rows

# One thread: jobs run in the order asked (the table first, then the chain check).
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")
_process: concurrent.futures.ProcessPoolExecutor | None = None
_app_alive: Connection | None = None  # the writing end; only this process holds it


def in_process(job: Callable[..., Any], *args: Any) -> Any:
    """``job(*args)`` in the audit process (started on first use); here if that fails."""
    global _process, _app_alive
    try:
        if _process is None:
            context = multiprocessing.get_context("spawn")  # never fork a process running Qt
            reader, _app_alive = context.Pipe(duplex=False)
            _process = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=context, initializer=_start_audit_process, initargs=(reader,)
            )
        return _process.submit(job, *args).result()
    except (BrokenProcessPool, OSError):
        _process = None
        return job(*args)


def _start_audit_process(app_alive: Connection) -> None:
    """In the audit process: give way to the window for the CPU, and end when the app
    ends, however it ends (a hard kill too)."""
    if hasattr(os, "nice"):
        os.nice(10)

    def wait() -> None:
        try:
            app_alive.recv()  # nothing is ever sent: this returns when the pipe closes
        except (EOFError, OSError):
            pass
        os._exit(0)

    threading.Thread(target=wait, name="app-alive", daemon=True).start()


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
    # The rows on this thread: SQLite lets go of the GIL between rows, and the Python
    # left is short steps the window can interleave with. Parsing every request's
    # metadata is long pure Python: that goes to the audit process.
    rows = read_summaries(audit.path)
    shown = filter_rows(rows, conversation, endpoint, focus)
    leaks = in_process(read_leaks, audit.path)
    return AuditSnapshot(rows, shown, leaks, unaudited_line(settings()))


def totals_text(shown: Shown) -> str:
    return (
        f"Overall: {shown.requests} requests, {shown.sent_bytes:,} bytes, {shown.tokens:,} "
        f"tokens, {format_cost(shown.cost)} left this computer. Shown: {len(shown.rows)} "
        f"requests, {shown.shown_bytes:,} bytes."
    )


def verify(audit: AuditStore) -> ChainState:
    """As ``audit.verify()``; the anchor is read here, the file walked in the audit process.

    The key goes to that process through a pipe, in memory; it is never written anywhere.
    """
    return in_process(verify_file, audit.path, audit.anchor.verifier())  # type: ignore[no-any-return]


def unaudited_line(settings: Any) -> str:
    """The user's own choice that keeps one endpoint out of the audit, said where they look."""
    if not getattr(settings, "supervisor_on_this_computer", False):
        return ""
    url = getattr(settings, "remote_base_url", "the supervisor's endpoint")
    return (
        f"Requests to {url} are not audited: you marked it as a model on this computer "
        "(Settings). If it forwards to a cloud, turn that off."
    )


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
