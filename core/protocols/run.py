"""One question, answered by one protocol, as a stream of events the UI and the CLI render.

run = Run(RunRequest(task, documents, protocol="minions"), services)
async for event in run.events():   # the last event is Done, Failed or Cancelled
    ...
run.cancel()                        # from any coroutine on the loop
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from core.clients.base import ChatClient, ClientError
from core.clients.guard import guarded
from core.clients.ollama_client import OllamaClient
from core.documents.chunking import chunk_document
from core.documents.model import Chunk, Document
from core.errors import ErrorKind, MinionsError
from core.privacy.audit import EgressRecord
from core.privacy.gate import egress_context
from core.privacy.redaction import Redactor
from core.protocols import router
from core.protocols.baselines import (
    ANSWER_TOKENS,
    local_messages,
    private_heading,
    run_cloud_only,
    run_local,
    with_private_part,
)
from core.protocols.context import RunContext, RunStopped
from core.protocols.conversation import Turn
from core.protocols.events import (
    Answer,
    AnswerDelta,
    Cancelled,
    Done,
    EgressRecorded,
    Failed,
    Notice,
    RouteDecided,
    RunEvent,
)
from core.protocols.minion import run_minion
from core.protocols.minions import run_minions
from core.protocols.outbound import outbound_policy
from core.protocols.sizing import estimate_and_ask, record_speeds
from core.services import Services
from core.storage.settings import Settings

log = logging.getLogger(__name__)

PROTOCOLS = ("auto", "local", "minion", "minions", "cloud")
TERMINAL = (Done, Failed, Cancelled)


@dataclass
class RunRequest:
    task: str
    documents: list[Document]
    protocol: str = "minions"  # "auto" | "local" | "minion" | "minions" | "cloud"
    conversation_id: str = ""
    max_rounds: int | None = None  # None: the settings' default for the protocol
    never_send: frozenset[str] = frozenset()  # document ids that must not reach the cloud
    redact: bool | None = None  # None: the settings' default
    doc_metadata: str = ""  # the user's own words about the documents (sent to the supervisor)
    # The conversation's placeholders, so an identifier keeps its placeholder in every
    # turn; None: a fresh one for this run. The caller stores it with the conversation.
    redactor: Redactor | None = None
    # The conversation's earlier turns; each seat sees what it may of them.
    history: list[Turn] = field(default_factory=list)


class Run:
    """One run. ``worker`` and ``supervisor`` override the seats the services would fill."""

    def __init__(
        self,
        request: RunRequest,
        services: Services,
        *,
        chunk_chars: int | None = None,
        worker: ChatClient | None = None,
        supervisor: ChatClient | None = None,
    ) -> None:
        self.request = request
        self.services = services
        self.run_id = uuid.uuid4().hex[:16]
        self._chunk_chars = chunk_chars or services.settings.chunk_chars
        self._worker = worker
        self._supervisor = supervisor
        self._queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._cancelled = False
        self._egress_ids: list[int] = []
        self._egress_requests = 0
        self._egress_bytes = 0
        self._owned: list[ChatClient] = []  # clients this run made and must close
        self._route_reason = ""
        self._notices: list[str] = []  # privacy notices, kept with the answer
        self._partial: list[str] = []  # the answer streamed so far
        self._measured: list[RunContext] = []  # whose worker speeds to keep when done

    async def events(self) -> AsyncIterator[RunEvent]:
        if self._started:
            raise RuntimeError("a run's events can be read only once")
        self._started = True
        if self._cancelled:
            yield Cancelled(self.run_id)
            return
        self._task = asyncio.create_task(self._main(), name=f"run-{self.run_id}")
        try:
            while True:
                event = await self._queue.get()
                yield event
                if isinstance(event, TERMINAL):
                    return
        finally:
            if not self._task.done():
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)

    def cancel(self) -> None:
        """Stop the run: its jobs are cancelled at once and the stream ends with Cancelled."""
        self._cancelled = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _emit(self, event: RunEvent) -> None:
        if isinstance(event, AnswerDelta):  # kept, so Stop keeps what was written
            self._partial = [] if event.restart else self._partial
            self._partial.append(event.text)
        self._queue.put_nowait(event)

    def _notice(self, message: str) -> None:
        if message not in self._notices:
            self._notices.append(message)
        self._emit(Notice(self.run_id, message))

    def _on_record(self, record: EgressRecord) -> None:
        self._egress_ids.append(record.id)
        if record.kind == "request":
            self._egress_requests += 1
            self._egress_bytes += record.byte_count
        self._emit(
            EgressRecorded(self.run_id, record.id, record.kind, record.endpoint, record.byte_count)
        )

    async def _main(self) -> None:
        try:
            request = self.request
            policy = await outbound_policy(
                request.task,
                request.documents,
                protocol=request.protocol,
                never_send=frozenset(request.never_send),
                redact=request.redact,
                redactor=request.redactor,
                settings=self.services.settings,
                on_notice=self._notice,
            )
            with egress_context(
                conversation_id=self.request.conversation_id,
                run_id=self.run_id,
                on_record=self._on_record,
                **policy,
            ):
                answer = await self._run()
            answer = dataclasses.replace(
                answer,
                egress_record_ids=list(self._egress_ids),
                egress_requests=self._egress_requests,
                egress_bytes=self._egress_bytes,
                route=self._route_reason,
                notes=[*answer.notes, *self._notices],
            )
            try:
                await asyncio.to_thread(record_speeds, self._measured)
            except OSError:
                log.warning("could not keep the measured model speeds", exc_info=True)
            self._emit(Done(self.run_id, answer))
        except asyncio.CancelledError:
            self._emit(Cancelled(self.run_id, "".join(self._partial)))
        except MinionsError as exc:  # the run stopped, a service failed, a file was refused
            self._emit(Failed(self.run_id, exc.message, exc.kind, exc.hint))
        except Exception as exc:  # a bug: report it as a failed run, never a crash
            log.exception("run %s failed", self.run_id)
            message = f"Internal error: {type(exc).__name__}: {exc}"
            self._emit(Failed(self.run_id, message, ErrorKind.INTERNAL))
        finally:
            for client in self._owned:
                await client.aclose()

    async def _run(self) -> Answer:
        request, settings = self.request, self.services.settings
        if request.protocol not in PROTOCOLS:
            raise RunStopped(
                ErrorKind.BAD_REQUEST,
                f"Unknown protocol {request.protocol!r}",
                hint=f"use one of {', '.join(PROTOCOLS)}",
            )
        if not request.task.strip():
            raise RunStopped(ErrorKind.BAD_REQUEST, "The question is empty")
        if not request.documents:
            raise RunStopped(
                ErrorKind.NO_DOCUMENTS, "No documents to ask about", hint="attach at least one file"
            )
        worker = self._worker
        if worker is None:
            choice = await self.services.local_client()
            worker = choice.client
            if choice.notice:
                self._emit(Notice(self.run_id, choice.notice))
        protocol, reason, worker = await self._route(worker, settings)
        self._emit(RouteDecided(self.run_id, protocol, worker.model, reason))
        self._route_reason = f"{protocol} with {worker.model}: {reason}"
        stay_local = protocol == "local" or settings.local_only
        if stay_local:
            self._check_local(protocol, worker, settings)
        elif worker.egress:
            self._notice(
                f"The local model server at {worker.endpoint} is on another machine: what it "
                "receives, document text included, leaves this computer and is audited"
            )
        supervisor = worker if stay_local else (self._supervisor or self.services.remote_client())
        shared, private = self._partition(worker, supervisor)
        if private and not shared:
            self._notice(
                "Every document is marked never-send, so this question was answered on this "
                "computer only"
            )
            protocol, supervisor, shared, private = "local", worker, private, []
        worker, supervisor = guarded(worker), guarded(supervisor)
        ctx = self._context(worker, supervisor, shared, private_count=len(private))
        if protocol in ("minion", "minions") and settings.local_only:
            ctx.notes.append("Local-only mode is on: the local model also took the supervisor seat")
        if not supervisor.egress and not stay_local:
            ctx.notes.append(
                f"You marked the supervisor at {supervisor.endpoint} as a model on this "
                "computer (Settings), so its requests were not counted as leaving it"
            )
        await self._estimate(protocol, ctx, private)
        answer = await self._protocol(protocol, ctx)
        self._measured.append(ctx)
        if private:
            answer = await self._with_private_part(answer, worker, private)
        return answer

    async def _with_private_part(
        self, answer: Answer, worker: ChatClient, private: list[Document]
    ) -> Answer:
        """The never-send documents, read by the worker alone; a failure keeps the answer."""
        names = ", ".join(d.name for d in private)
        self._emit(AnswerDelta(self.run_id, private_heading(names)))
        local_ctx = self._context(worker, worker, private)
        try:
            local = await run_local(
                local_ctx,
                self._chunks(private),
                self.request.max_rounds or self.services.settings.minions_rounds,
                on_notice=lambda note: self._emit(Notice(self.run_id, note)),
            )
        except (ClientError, RunStopped) as exc:
            note = f"The never-send documents could not be read on this computer: {exc.message}"
            return dataclasses.replace(answer, notes=[*answer.notes, note])
        self._measured.append(local_ctx)
        return with_private_part(answer, local, [d.name for d in private])

    async def _estimate(self, protocol: str, ctx: RunContext, private: list[Document]) -> None:
        """Say what the run will take; a long one waits for the user's yes."""
        kind = protocol
        if protocol == "local":
            fits, _, _ = await ctx.fits_worker(local_messages(ctx), ANSWER_TOKENS)
            kind = "local" if fits else "local-chunks"
        chunks = self._chunks(ctx.documents) if kind in ("minions", "local-chunks") else []
        await estimate_and_ask(
            kind, ctx, chunks, private, self.services.settings, self.services.confirm_long_run
        )

    async def _protocol(self, protocol: str, ctx: RunContext) -> Answer:
        settings, rounds = self.services.settings, self.request.max_rounds
        if protocol == "minion":
            return await run_minion(ctx, rounds or settings.minion_rounds)
        if protocol == "cloud":
            return await run_cloud_only(ctx)
        chunks = self._chunks(ctx.documents)
        if protocol == "local":
            return await run_local(
                ctx,
                chunks,
                rounds or settings.minions_rounds,
                on_notice=lambda note: self._emit(Notice(self.run_id, note)),
            )
        answer = await run_minions(ctx, chunks, rounds or settings.minions_rounds)
        return dataclasses.replace(answer, protocol=protocol)

    def _context(
        self,
        worker: ChatClient,
        supervisor: ChatClient,
        documents: list[Document],
        *,
        private_count: int = 0,
    ) -> RunContext:
        return RunContext(
            run_id=self.run_id,
            task=self.request.task,
            documents=documents,
            settings=self.services.settings,
            worker=worker,
            supervisor=supervisor,
            emit=self._emit,
            doc_metadata=self.request.doc_metadata,
            private_count=private_count,
            history=self.request.history,
        )

    def _partition(
        self, worker: ChatClient, supervisor: ChatClient
    ) -> tuple[list[Document], list[Document]]:
        """(documents the run may use in the open, never-send documents read only here).

        Never-send is structural: when anything can leave the machine, nothing derived
        from such a document (its text, findings, worker replies that read it, its name
        or pages) enters the protocol whose messages leave; it is read by the worker
        alone, on this computer, and its answer is kept apart.
        """
        documents, never = self.request.documents, self.request.never_send
        private = [d for d in documents if d.id in never]
        if not private:
            return documents, []
        shared = [d for d in documents if d.id not in never]
        if worker.egress:
            self._notice(
                f"{len(private)} never-send document(s) were not read: the local model server "
                "is on another machine, so reading them would send them off this computer"
            )
            if not shared:
                raise RunStopped(
                    ErrorKind.BLOCKED,
                    "Every document is marked never-send, and the local model server is on "
                    "another machine",
                    hint="point the local runtime at this computer to read them",
                )
            return shared, []
        if not supervisor.egress:
            return documents, []  # nothing leaves this run: never-send changes nothing
        return shared, private

    def _check_local(self, protocol: str, worker: ChatClient, settings: Settings) -> None:
        """A run that must stay local cannot use a worker whose requests leave."""
        if protocol == "cloud":
            raise RunStopped(
                ErrorKind.BLOCKED,
                "Local-only mode is on, and cloud only would send the documents to the cloud",
                hint="turn off local-only in Settings to compare with the cloud",
            )
        if worker.egress:
            raise RunStopped(
                ErrorKind.BLOCKED,
                f"The local model server at {worker.endpoint} is on another machine, so the documents would leave this one",
                hint="point the local runtime at this machine, or use MinionS",
            )

    async def _route(self, worker: ChatClient, settings: Settings) -> tuple[str, str, ChatClient]:
        protocol = self.request.protocol
        if protocol != "auto":
            return protocol, "chosen by you", worker
        if settings.local_only:
            return "local", "local-only mode is on", worker
        route = await router.decide(
            guarded(worker), self.request.task, self.request.documents, settings.worker_models
        )
        if route.worker != worker.model and isinstance(worker, OllamaClient):
            worker = worker.with_model(route.worker)
            self._owned.append(worker)
        return route.protocol, route.reason, worker

    def _chunks(self, documents: list[Document]) -> list[Chunk]:
        return [c for doc in documents for c in chunk_document(doc, target_chars=self._chunk_chars)]
