"""Hands jobs to the engines as their sequences free up.

A job waits here, not in an engine, until some engine has room: no engine sits idle
while another holds a backlog, and a cancelled job still waiting is simply skipped.
Among the engines with room, a job goes to the one that holds most of its prompt
already, so the next turn of a Minion conversation (the documents, then every turn
so far) is not read again from the start by another context.
"""

from __future__ import annotations

import threading
from collections import deque

from core.clients.embedded.engine import Engine, Job
from core.clients.embedded.model import EngineError


class Pool:
    def __init__(self, engines: list[Engine]) -> None:
        self.engines = engines
        self._lock = threading.Lock()
        self._waiting: deque[Job] = deque()
        self._given = dict.fromkeys(engines, 0)  # jobs handed to each engine, not yet freed
        self._closed = False
        for engine in engines:
            engine.on_free = self._freed

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._closed:
                raise EngineError("The embedded model was closed")
            self._waiting.append(job)
            self._dispatch()

    def close(self) -> None:
        """Stop the engines; jobs still waiting here fail."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = list(self._waiting), deque()
        for job in waiting:
            job.on_done(EngineError("The embedded model was closed"))
        for engine in self.engines:
            engine.stop()

    def _freed(self, engine: Engine) -> None:  # called on the engine's thread
        with self._lock:
            self._given[engine] -= 1
            self._dispatch()

    def _dispatch(self) -> None:
        while self._waiting and not self._closed:
            room = [e for e in self.engines if self._given[e] < e.capacity]
            if not room:
                return
            job = self._waiting.popleft()
            if job.cancelled:
                continue
            best = max(room, key=lambda e: (e.cached_prefix(job.tokens), -self._given[e]))
            self._given[best] += 1
            best.give(job)
