"""Wiring: the services, the history store and the main window, for one app session."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from core.clients.base import ChatClient
from core.services import Services
from core.storage.conversations import ConversationStore
from desktop.ingest import IngestPool
from desktop.ui.document_model import DocumentRow
from desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class DesktopApp:
    """Owns everything made at start-up; ``aclose`` releases it at shutdown."""

    def __init__(self, services: Services | None = None, store: ConversationStore | None = None):
        self.services = services or Services()
        self.store = store or ConversationStore()
        self.ingest = IngestPool()
        self.window = MainWindow(self.services, self.store, reader=self.ingest.load)
        self._preparing: set[asyncio.Future[None]] = set()
        self.window.loader.loaded.connect(self._prepare)

    def _prepare(self, row: DocumentRow) -> None:
        """Index a document once it is read, so the first question about it starts at once."""
        from core.retrieval import prepare_for_questions  # not needed to draw the window

        if row.document is None:
            return
        job = asyncio.ensure_future(
            prepare_for_questions(row.document, self.services.settings.chunk_chars, self._worker)
        )
        self._preparing.add(job)
        job.add_done_callback(self._preparing.discard)

    async def _worker(self) -> ChatClient:
        return (await self.services.local_client()).client

    async def aclose(self) -> None:
        self.window.close()  # saves its size and place; stops its event filters
        for job in list(self._preparing):
            job.cancel()
        self.window.vm.cancel()
        self.window.loader.cancel_all()
        self.ingest.shutdown()
        await self.services.aclose()
        self.store.close()


def freeze_startup_objects() -> None:
    """Keep the garbage collector's full passes short while the app runs.

    Everything made at start-up (modules, widgets, clients) lives as long as the app; a
    full collection would walk all of it, on the loop, for ~100 ms mid-run. Frozen
    objects are skipped.
    """
    gc.collect()
    gc.freeze()


async def wait_until_drawn(widget: QWidget, timeout: float = 10.0) -> None:
    """Until the window is on screen and has painted a few frames."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        handle = widget.windowHandle()
        if handle is not None and handle.isExposed():
            break
        await asyncio.sleep(0.05)
    # Let layouts settle and repaint; the loop processes Qt events while we sleep
    # (calling processEvents here would run other tasks inside this one).
    await asyncio.sleep(0.3)


def save_screenshot(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


async def main_async(app: QApplication, screenshot: Path | None = None) -> int:
    """Run the app until it quits; with ``screenshot``, save a PNG of the window and quit."""
    quitting = asyncio.Event()
    app.aboutToQuit.connect(quitting.set)
    desktop = DesktopApp()
    try:
        desktop.window.show()
        started = asyncio.gather(
            desktop.window.start(),
            desktop.ingest.start(),
            asyncio.to_thread(desktop.services.keys.current),  # finds the keyring off the loop
        )
        started.add_done_callback(lambda _f: freeze_startup_objects())
        if screenshot is not None:
            await asyncio.wait_for(started, timeout=30)
            await wait_until_drawn(desktop.window)
            save_screenshot(desktop.window, screenshot)
            log.info("screenshot saved to %s", screenshot)
            return 0
        await quitting.wait()
        return 0
    finally:
        await desktop.aclose()
