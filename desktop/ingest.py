"""Reading files in worker processes.

PDF extraction (pypdf) is pure Python and OCR keeps every core busy: in a thread either
would take turns with the window, and the window would stutter. Worker processes read the
files, at a lower priority than the window; their progress ("OCR page 3 of 12" included)
comes back through a queue that one listener thread hands to the callbacks.
No Qt here: the workers import this module.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from typing import Any

from core.documents.model import Document, DocumentError
from core.storage.paths import minions_home

Progress = Callable[[int, int], None]
Status = Callable[[str], None]
_progress: Queue[Any] | None = None  # set in each worker process
_WORKER_NICENESS = 5  # below the window, so OCR on every core never takes its turn


def _init_worker(queue: Queue[Any], app_alive: Connection) -> None:
    global _progress
    _progress = queue
    threading.Thread(target=_exit_with_app, args=(app_alive,), daemon=True).start()
    if hasattr(os, "nice"):
        try:
            os.nice(_WORKER_NICENESS)
        except OSError:
            pass


def _exit_with_app(app_alive: Connection) -> None:
    """Only the app holds the other end of this pipe: when the app ends, however it
    ends (a hard kill included), the pipe closes and the worker goes too."""
    try:
        app_alive.recv()
    except (EOFError, OSError):
        pass
    os._exit(0)


def _warm() -> None:
    # The loaders of the common kinds (pypdf, python-docx, bs4), imported once per worker;
    # the others, and the OCR engine, on first use.
    from core.documents.readers import loader_for

    for kind in ("pdf", "docx", "text", "html"):
        loader_for(kind)


def _load(
    path: str, max_bytes: int, home: str, token: str, password: str | None = None
) -> Document | tuple[str, str, str]:
    """In a worker: the Document, or ("error", kind, message) (DocumentError does not pickle)."""
    from core.documents import load_document_sync

    os.environ["MINIONS_HOME"] = home  # the cache belongs to the app's data folder

    def report(done: int, total: int) -> None:
        if _progress is not None:
            _progress.put((token, done, total))

    def status(line: str) -> None:
        if _progress is not None:
            _progress.put((token, line))

    try:
        return load_document_sync(
            path, max_bytes=max_bytes, progress=report, status=status, password=password
        )
    except DocumentError as exc:
        return ("error", exc.kind, exc.message)


class IngestPool:
    """A few worker processes that turn files into Documents; ``shutdown`` at app exit."""

    def __init__(self, workers: int | None = None) -> None:
        # One core stays free for the window (and the local model server).
        self.workers = workers or max(1, min(2, (os.cpu_count() or 2) - 1))
        context = multiprocessing.get_context("spawn")  # never fork a process running Qt
        self._queue: Queue[Any] = context.Queue()
        # The workers get the reading end; the writing end stays in this process only.
        alive_reader, self._alive = context.Pipe(duplex=False)
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self._queue, alive_reader),
        )
        self._callbacks: dict[str, Progress] = {}
        self._status: dict[str, Status] = {}
        self._listener = threading.Thread(target=self._pump, name="ingest-progress", daemon=True)
        self._listener.start()

    async def start(self) -> None:
        """Start the workers now (at app start-up), not when the first file is dropped."""
        futures = [self._pool.submit(_warm) for _ in range(self.workers)]
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))

    async def load(
        self,
        path: str,
        *,
        max_bytes: int,
        progress: Progress | None = None,
        status: Status | None = None,
        password: str | None = None,
    ) -> Document:
        """Read ``path``; ``progress(done, total)`` and ``status(line)`` ("OCR page 3 of
        12") are called from the listener thread. A PDF ``password`` goes to the worker
        through its pipe, never to disk."""
        token = uuid.uuid4().hex
        if progress is not None:
            self._callbacks[token] = progress
        if status is not None:
            self._status[token] = status
        try:
            future = self._pool.submit(_load, path, max_bytes, str(minions_home()), token, password)
            result = await asyncio.wrap_future(future)
        finally:
            self._callbacks.pop(token, None)
            self._status.pop(token, None)
        if isinstance(result, tuple):
            raise DocumentError(result[1], result[2], path)
        return result

    def _pump(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if len(item) == 2:
                token, line = item
                tell = self._status.get(token)
                if tell is not None:
                    tell(line)
                continue
            token, done, total = item
            callback = self._callbacks.get(token)
            if callback is not None:
                callback(done, total)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._queue.put(None)
