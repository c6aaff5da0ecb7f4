"""What every protocol shares during one run: the two seats, token accounting, the budget."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from core.clients.base import ChatClient, ChatResult, ClientError, ErrorKind, Message, Usage
from core.clients.ollama_client import PROMPT_SAFETY
from core.documents.model import Document
from core.errors import MinionsError
from core.protocols import pricing
from core.protocols.conversation import Turn, supervisor_memory, worker_memory
from core.protocols.events import (
    Answer,
    AnswerDelta,
    Citation,
    RunEvent,
    RunUsage,
    TokensUsed,
)
from core.protocols.streaming import FieldStream, StreamField, TokenSink
from core.storage.settings import Settings
from core.tokens import estimate_message_tokens, estimate_tokens

M = TypeVar("M", bound=BaseModel)

SUPERVISOR_ATTEMPTS = 2  # a reply that is not valid JSON is asked for once more
WORKER_ANSWER_TOKENS = 600


class RunStopped(MinionsError):
    """The run cannot go on; becomes a ``Failed`` event with this kind, message and hint."""


class RunContext:
    """One run's seats and counters. ``emit`` hands an event to the run's stream."""

    def __init__(
        self,
        *,
        run_id: str,
        task: str,
        documents: list[Document],
        settings: Settings,
        worker: ChatClient,
        supervisor: ChatClient,
        emit: Callable[[RunEvent], None],
        doc_metadata: str = "",
        private_count: int = 0,
        history: list[Turn] | None = None,
    ) -> None:
        self.run_id = run_id
        self.task = task
        self.documents = documents
        self.settings = settings
        self.worker = worker
        self.supervisor = supervisor
        # The supervisor seat's one egress flag, decided when its client was built: it
        # drives the budget, the cloud token count and the cost.
        self.supervisor_remote = supervisor.egress
        self.emit = emit
        self.doc_metadata = doc_metadata
        self.private_count = private_count  # never-send documents the supervisor is told of
        history = history or []
        self.worker_memory = worker_memory(history)
        # What the supervisor may see of earlier turns: only what already left, when its
        # requests leave; everything, when it is on this computer too.
        self.supervisor_memory = (
            supervisor_memory(history) if supervisor.egress else self.worker_memory
        )
        self.local_usage = Usage()
        self.remote_usage = Usage()
        self.budget = settings.cloud_token_budget
        self.notes: list[str] = []
        # What this run measured of the worker's speed: (jobs, seconds) per MinionS job
        # phase, (prompt tokens, seconds) per single read of whole documents.
        self.job_phases: list[tuple[int, float]] = []
        self.reads: list[tuple[int, float]] = []

    # --- the two seats ---

    async def supervise(
        self,
        messages: Sequence[Message],
        schema: type[M],
        *,
        max_tokens: int,
        stream: StreamField | None = None,
    ) -> M:
        """One structured supervisor turn, checked against the budget before it is sent.

        With ``stream``, that field of the reply is handed on as ``AnswerDelta`` events
        while it is written. Every supervisor call streams, so a server that goes quiet
        is noticed within the client's idle timeout instead of a whole reply's time.
        """
        for attempt in range(1, SUPERVISOR_ATTEMPTS + 1):
            self.check_budget(messages, schema, max_tokens)
            try:
                result = await self.supervisor.chat(
                    messages, schema=schema, max_tokens=max_tokens, on_token=self._sink(stream)
                )
            except ClientError as exc:
                if exc.kind is ErrorKind.INVALID_OUTPUT and attempt < SUPERVISOR_ATTEMPTS:
                    # The reply was paid for even though it did not parse.
                    self._count(
                        "remote" if self.supervisor_remote else "local", _estimate(messages)
                    )
                    continue
                raise
            self._count("remote" if self.supervisor_remote else "local", result.usage)
            assert isinstance(result.parsed, schema)
            return result.parsed
        raise AssertionError("unreachable")

    async def work(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        stream: StreamField | None = None,
    ) -> ChatResult:
        """One worker call; with ``stream``, that field of its reply is the answer, streamed."""
        started = time.monotonic()
        result = await self.worker.chat(
            messages,
            schema=schema,
            max_tokens=max_tokens,
            on_token=self._sink(stream) if stream is not None else None,
        )
        if stream is not None:  # a single reader of whole documents
            self.reads.append((result.usage.prompt_tokens, time.monotonic() - started))
        self._count("local", result.usage)
        return result

    def answer_delta(self, text: str) -> None:
        """Part of the final answer, as it is written."""
        if text:
            self.emit(AnswerDelta(self.run_id, text))

    def _sink(self, stream: StreamField | None) -> TokenSink:
        if stream is None:
            return TokenSink(None)
        return TokenSink(FieldStream(stream, self.answer_delta), self._restart)

    def _restart(self) -> None:
        self.emit(AnswerDelta(self.run_id, "", restart=True))

    def check_budget(
        self, messages: Sequence[Message], schema: type[BaseModel] | None, max_tokens: int
    ) -> None:
        if not self.supervisor_remote:
            return
        need = estimate_call_tokens(messages, schema, max_tokens)
        spent = self.remote_usage.total
        if spent + need > self.budget:
            raise RunStopped(
                ErrorKind.BUDGET,
                f"The next cloud call needs up to {need:,} tokens; with {spent:,} spent, this "
                f"question would pass its cloud budget of {self.budget:,} tokens, so the run stopped",
                hint="raise the cloud token budget in Settings, or ask a narrower question",
            )

    def _count(self, seat: str, usage: Usage) -> None:
        if seat == "remote":
            self.remote_usage += usage
        else:
            self.local_usage += usage
        self.emit(TokensUsed(self.run_id, seat, usage.prompt_tokens, usage.completion_tokens))

    # --- fitting the documents into the worker ---

    async def fits_worker(
        self, messages: Sequence[Message], output_tokens: int
    ) -> tuple[bool, int, int | None]:
        """Whether a prompt fits the worker's maximum context: (fits, tokens needed, limit)."""
        need = math.ceil(estimate_message_tokens(messages) * PROMPT_SAFETY) + output_tokens
        limit = await self.worker.context_limit()
        return (limit is None or need <= limit), need, limit

    # --- the result ---

    @property
    def remote_model(self) -> str:
        return self.supervisor.model if self.supervisor_remote else self.settings.remote_model

    def usage(self) -> RunUsage:
        remote_cost = (
            pricing.cost_usd(
                self.remote_model,
                self.remote_usage.prompt_tokens,
                self.remote_usage.completion_tokens,
            )
            if self.supervisor_remote
            else 0.0
        )
        return RunUsage(
            local_prompt_tokens=self.local_usage.prompt_tokens,
            local_completion_tokens=self.local_usage.completion_tokens,
            remote_prompt_tokens=self.remote_usage.prompt_tokens,
            remote_completion_tokens=self.remote_usage.completion_tokens,
            remote_cost_usd=remote_cost,
            cloud_only_cost_usd=pricing.cloud_only_cost_usd(
                self.remote_model, self.task, [d.text for d in self.documents]
            ),
        )

    def answer(self, text: str, protocol: str, citations: list[Citation], rounds: int) -> Answer:
        notes = list(self.notes)
        if note := pricing.unpriced_note(self.remote_model):
            notes.append(note)
        texts = [d.text for d in self.documents]
        if note := pricing.cloud_only(self.remote_model, self.task, texts).note:
            notes.append(note)
        return Answer(
            text=text,
            protocol=protocol,
            citations=citations,
            usage=self.usage(),
            rounds=rounds,  # the egress fields are filled in by the Run, which sees the gate
            notes=notes,
            supervisor_text=text if self.supervisor_remote else "",
        )


def estimate_call_tokens(
    messages: Sequence[Message], schema: type[BaseModel] | None, max_tokens: int
) -> int:
    """Upper estimate of one structured call: prompt, schema and the longest allowed reply."""
    schema_tokens = estimate_tokens(json.dumps(schema.model_json_schema())) if schema else 0
    return estimate_message_tokens(messages) + schema_tokens + max_tokens


def _estimate(messages: Sequence[Message]) -> Usage:
    return Usage(estimate_message_tokens(messages), 0)


def describe_documents(
    documents: list[Document],
    share_names: bool,
    chunk_counts: dict[str, int] | None = None,
    private_count: int = 0,
) -> str:
    """What the supervisor may know about the documents: labels, type and size, never text.

    Never-send documents are not among ``documents``; the supervisor learns only how many
    there are, so it does not take their silence for the answer.
    """
    parts = []
    for i, doc in enumerate(documents, 1):
        pages = len(doc.pages) or 1
        line = f"D{i}: {doc.kind}, {pages} page{'s' * (pages != 1)}, ~{estimate_tokens(doc.text):,} tokens"
        if chunk_counts is not None:
            line += f", {chunk_counts.get(doc.id, 0)} chunks"
        if share_names:
            line += f', named "{doc.name}"'
        parts.append(line)
    if private_count:
        parts.append(
            f"and {private_count} private document(s) that only the local model reads; "
            "nothing from them reaches you"
        )
    return "; ".join(parts)


def documents_text(documents: list[Document], names: bool = True) -> str:
    """The documents as one reader gets them whole, each under a short header."""
    return "\n\n".join(
        f"=== D{i}{f': {doc.name}' if names else ''} ===\n{doc.text}"
        for i, doc in enumerate(documents, 1)
    )
