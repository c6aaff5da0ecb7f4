"""Shared pieces of the desktop tests: a qasync loop per test, files to drop, a window."""

from __future__ import annotations

import asyncio
import gc
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from core.services import Services
from core.storage.conversations import ConversationStore
from desktop.ui.document_model import READY
from desktop.ui.main_window import MainWindow
from tests.docfixtures import filler_lines, make_pdf
from tests.protocol_support import FACT

T = TypeVar("T")


_LOOP: qasync.QEventLoop | None = None


def run_in_qt_loop(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on the qasync loop, as the app does: Qt events flow while it awaits.

    One loop serves the whole session, like the app's single loop: qasync loops made and
    closed one after another can leave queued Qt calls to a freed loop behind.
    """
    global _LOOP
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing a test's window must not stop the loop
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = qasync.QEventLoop(app)
    loop = _LOOP
    asyncio.set_event_loop(loop)
    executor = qasync.QThreadExecutor(4)  # per test, so no worker thread outlives it
    loop.set_default_executor(executor)
    try:
        return _run(loop, coro_fn())
    finally:
        _stop_leftovers(loop)
        executor.shutdown(wait=True)
        asyncio.set_event_loop(None)
        # A client this test left open is reported now, failing this test, not a later one
        # whose collection happens to find it.
        gc.collect()


def _stop_leftovers(loop: asyncio.AbstractEventLoop, timeout: float = 10.0) -> None:
    """Cancel, once each, the tasks a test left running (a dialog it did not close).

    A task already being cancelled is left to finish its clean-up (closing a client). A
    task that has not taken its first step is left to its owner for a turn: cancelled
    before it starts, its coroutine never runs (a library's child task then warns that it
    was never awaited), while its owner's cancellation reaches it once it has started.
    """
    cancelled: set[asyncio.Task[Any]] = set()
    deadline = loop.time() + timeout
    while leftovers := [t for t in asyncio.all_tasks(loop) if not t.done()]:
        if loop.time() > deadline:  # something will not stop: cancel the rest as they are
            for task in leftovers:
                task.cancel()
            _run(loop, asyncio.gather(*leftovers, return_exceptions=True))
            break
        for task in leftovers:
            if (
                task not in cancelled
                and not task.cancelling()  # its owner stops it already (a closed window)
                and inspect.getcoroutinestate(task.get_coro()) != "CORO_CREATED"
            ):
                task.cancel()
                cancelled.add(task)
        _run(loop, asyncio.sleep(0.01))
    _run(loop, asyncio.sleep(0))  # the finished tasks' done-callbacks run


def _run(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[T]) -> T:
    """``loop.run_until_complete``, without qasync's last pass over Qt's events.

    qasync's version processes the queued events once more after the loop has stopped,
    and a task step that runs then finds no running loop: anyio's task wrapper fails
    before it starts its coroutine (an httpx connection "never awaited").
    """
    future = asyncio.ensure_future(awaitable, loop=loop)

    def stop(_done: asyncio.Future[T]) -> None:
        loop.stop()

    future.add_done_callback(stop)
    try:
        loop.run_forever()
    finally:
        future.remove_done_callback(stop)
    return future.result()


def next_tab_stop(widget: QWidget) -> QWidget:
    """The widget Tab moves to from ``widget``."""
    candidate = widget.nextInFocusChain()
    while isinstance(candidate.parent(), QComboBox) or not (
        candidate.focusPolicy() & Qt.FocusPolicy.TabFocus
        and candidate.isVisibleTo(widget.window())
        and candidate.isEnabled()
    ):
        candidate = candidate.nextInFocusChain()
    return candidate


async def until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


def drop_files(target: QWidget, paths: list[Path]) -> bool:
    """A real drag-enter and drop with file URLs, as a file manager sends them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(
        QPoint(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def fact_pdf(path: Path, pages: int = 5, fact_page: int = 3) -> Path:
    """A PDF with filler pages and FACT on ``fact_page``."""
    content = []
    for number in range(1, pages + 1):
        lines = filler_lines(number, 30)
        if number == fact_page:
            lines.insert(15, FACT)
        content.append(lines)
    path.write_bytes(make_pdf(content))
    return path


def make_window(
    services: Services, store: ConversationStore | None = None, **kwargs: Any
) -> MainWindow:
    window = MainWindow(services, store or ConversationStore(), **kwargs)
    window.resize(1200, 800)
    window.show()
    return window


async def close_window(window: MainWindow) -> None:
    window.close()
    await window.loader.wait_idle()
    await window.services.aclose()
    window.store.close()


def documents_ready(window: MainWindow) -> bool:
    """Every dropped document has been read."""
    rows = window.documents.rows
    return bool(rows) and all(r.status == READY for r in rows)
