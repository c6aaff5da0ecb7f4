"""llama.cpp driven token by token, so that a job can stop between any two tokens.

A ``Model`` holds the weights once; each ``Engine`` owns one llama.cpp context on
its own thread and serves up to ``sequences`` jobs at a time, handed to it by the
``Pool``, decoding their next tokens together in one batch. A prompt is evaluated
in slices sized from the measured speed to take about ``STEP_SECONDS`` each, so a
cancelled job costs at most one slice of work, on a fast machine or a loaded one.

Nothing here knows of asyncio: jobs arrive on a queue and report through callbacks.
"""

from __future__ import annotations

import codecs
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.clients.embedded.model import EngineError, Model
from core.clients.embedded.sampler import Sampler

STEP_SECONDS = 0.15  # aimed-for time of one decode call: the longest stretch between stop checks
MIN_SLICE, MAX_SLICE = 8, 256  # prompt tokens per decode call


@dataclass(eq=False)
class Job:
    """One chat request. ``cancelled`` is set from another thread; the engine checks it."""

    tokens: list[int]
    max_tokens: int
    temperature: float
    grammar: str | None
    on_piece: Callable[[str], None]
    on_done: Callable[[Outcome | BaseException], None]
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish: str  # "stop" (end of reply) or "length" (max_tokens reached)


class Engine:
    """One llama.cpp context, serving the jobs it is given on its own thread until ``stop``."""

    def __init__(self, model: Model, *, n_ctx: int, threads: int, sequences: int) -> None:
        lib = model.lib
        self.model, self.lib = model, lib
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.on_free: Callable[[Engine], None] = lambda engine: None  # a sequence came free
        self.n_ctx = n_ctx  # per sequence
        params = lib.llama_context_default_params()
        params.n_ctx = n_ctx * sequences
        params.n_seq_max = sequences
        params.kv_unified = False  # each sequence its own n_ctx cells: admission never waits
        params.n_batch = params.n_ubatch = MAX_SLICE + sequences
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        self.ctx = lib.llama_init_from_model(model.ptr, params)
        if not self.ctx:
            raise EngineError("llama.cpp could not make a context (out of memory?)")
        self.memory = lib.llama_get_memory(self.ctx)
        self.batch = lib.llama_batch_init(MAX_SLICE + sequences, 0, 1)
        self.prompt_rate = 100.0  # prompt tokens a second, measured as prompts are evaluated
        self.slots = [_Slot(seq) for seq in range(sequences)]
        self.started = 0  # jobs that reached a sequence (for tests and benchmarks)
        self.evaluated = 0  # prompt tokens decoded: a prompt's cached beginning is not
        self._sampler = Sampler(model)
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name="llama.cpp engine", daemon=True)

    @property
    def capacity(self) -> int:
        return len(self.slots)

    @property
    def running(self) -> int:
        return sum(slot.job is not None for slot in self.slots)

    def give(self, job: Job) -> None:
        self.jobs.put(job)

    def cached_prefix(self, tokens: Sequence[int]) -> int:
        """How much of ``tokens`` a free sequence holds already (read from another thread:
        a hint for choosing an engine, not a promise)."""
        return max(
            (_common_prefix(s.cached, tokens) for s in self.slots if s.job is None), default=0
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End the thread before its next token; its jobs and the queued ones fail."""
        self._closing = True
        self.jobs.put(None)  # wakes an idle engine

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        """Free the context; only after the thread ended (``join``)."""
        if self.ctx:
            self.lib.llama_batch_free(self.batch)
            self.lib.llama_free(self.ctx)
            self.ctx = None

    # --- the engine's thread ---

    def _serve(self) -> None:
        while True:
            free = [slot for slot in self.slots if slot.job is None]
            if len(free) == len(self.slots):
                job = self.jobs.get()  # idle: wait for work, using no CPU
            else:
                try:
                    job = self.jobs.get_nowait() if free else _NOTHING
                except queue.Empty:
                    job = _NOTHING
            if job is None or self._closing:
                closed = EngineError("The embedded model was closed")
                if job is not None and job is not _NOTHING:
                    job.on_done(closed)
                self._drop_all(closed, closing=True)
                return
            if job is not _NOTHING:
                if job.cancelled:
                    self.on_free(self)
                else:
                    try:
                        self._admit(job, free)
                    except EngineError as exc:
                        job.on_done(exc)
                        self.on_free(self)
            for slot in self.slots:
                if slot.job is not None and slot.job.cancelled:
                    self._release(slot)
            if any(slot.job is not None for slot in self.slots):
                try:
                    self._step()
                except Exception as exc:  # a failed decode fails the jobs in it, not the engine
                    self._drop_all(exc)

    def _admit(self, job: Job, free: list[_Slot]) -> None:
        # The free sequence whose cached tokens share the longest prefix with this prompt.
        grammar = self._sampler.grammar(job.grammar)
        slot = max(free, key=lambda s: _common_prefix(s.cached, job.tokens))
        keep = min(_common_prefix(slot.cached, job.tokens), len(job.tokens) - 1)
        self.lib.llama_memory_seq_rm(self.memory, slot.seq, keep, -1)
        del slot.cached[keep:]
        slot.start(job, job.tokens[keep:], self._sampler.chain(job.temperature), grammar)
        self.started += 1

    def _step(self) -> None:
        lib, batch = self.lib, self.batch
        batch.n_tokens = 0
        wanted: list[tuple[_Slot, int]] = []

        def add(slot: _Slot, token: int, logits: bool) -> None:
            i = batch.n_tokens
            batch.token[i], batch.pos[i] = token, len(slot.cached)
            batch.n_seq_id[i], batch.seq_id[i][0], batch.logits[i] = 1, slot.seq, logits
            batch.n_tokens = i + 1
            slot.cached.append(token)
            if logits:
                wanted.append((slot, i))

        for slot in self.slots:  # generating sequences: one token each
            if slot.job is not None and slot.next_token is not None:
                add(slot, slot.next_token, True)
        prompt_tokens = 0
        for slot in self.slots:  # prompts: what is left of the slice, in order
            room = self._slice() - batch.n_tokens
            if slot.job is not None and slot.todo and room > 0:
                part, slot.todo = slot.todo[:room], slot.todo[room:]
                for n, token in enumerate(part):
                    add(slot, token, not slot.todo and n == len(part) - 1)
                prompt_tokens += len(part)
        started = time.perf_counter()
        code = lib.llama_decode(self.ctx, batch)
        if code != 0:
            raise EngineError(f"llama.cpp could not decode (code {code})")
        self.evaluated += prompt_tokens
        if prompt_tokens >= MIN_SLICE:  # a full slice: a fair sample of the prompt speed
            rate = batch.n_tokens / max(time.perf_counter() - started, 1e-6)
            self.prompt_rate = 0.5 * self.prompt_rate + 0.5 * rate
        for slot, index in wanted:
            token = self._sampler.sample(self.ctx, index, slot.chain, slot.grammar)
            self._take(slot, token)

    def _slice(self) -> int:
        """Tokens for the next decode call, so that it takes about ``STEP_SECONDS``."""
        wanted = int(self.prompt_rate * STEP_SECONDS)
        return max(MIN_SLICE, min(MAX_SLICE, wanted)) + len(self.slots)

    def _take(self, slot: _Slot, token: int) -> None:
        job = slot.job
        assert job is not None
        if self.lib.llama_vocab_is_eog(self.model.vocab, token):
            return self._finish(slot, "stop")
        slot.generated += 1
        piece = slot.decoder.decode(self.model.piece(token))
        if piece:
            slot.parts.append(piece)
            job.on_piece(piece)
        if slot.generated >= job.max_tokens:
            return self._finish(slot, "length")
        slot.next_token = token

    def _finish(self, slot: _Slot, reason: str) -> None:
        job = slot.job
        assert job is not None
        tail = slot.decoder.decode(b"", final=True)
        if tail:
            slot.parts.append(tail)
            job.on_piece(tail)
        job.on_done(Outcome("".join(slot.parts), len(job.tokens), slot.generated, reason))
        self._release(slot)

    def _release(self, slot: _Slot) -> None:
        """Free the sequence; its evaluated tokens stay cached for a prompt that shares them."""
        slot.stop(self.lib)
        self.on_free(self)

    def _drop_all(self, error: BaseException, *, closing: bool = False) -> None:
        for slot in self.slots:
            if slot.job is not None:
                slot.job.on_done(error)
                self.lib.llama_memory_seq_rm(self.memory, slot.seq, -1, -1)
                slot.cached.clear()
                self._release(slot)
        while closing:  # answer the jobs given but not started too
            try:
                job = self.jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.on_done(error)


_NOTHING: Any = object()


@dataclass(eq=False)
class _Slot:
    seq: int
    job: Job | None = None
    cached: list[int] = field(default_factory=list)  # tokens whose keys/values are in the context
    todo: list[int] = field(default_factory=list)  # prompt tokens still to evaluate
    next_token: int | None = None
    generated: int = 0
    parts: list[str] = field(default_factory=list)
    chain: Any = None
    grammar: Any = None
    decoder: Any = None

    def start(self, job: Job, todo: list[int], chain: Any, grammar: Any) -> None:
        self.job, self.todo, self.chain, self.grammar = job, todo, chain, grammar
        self.next_token, self.generated, self.parts = None, 0, []
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def stop(self, lib: Any) -> None:
        for sampler in (self.chain, self.grammar):
            if sampler:
                lib.llama_sampler_free(sampler)
        self.job, self.todo, self.chain, self.grammar, self.next_token = None, [], None, None, None


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
