"""A Python API close to the reference implementation's.

    minion = Minion(local_client, remote_client)
    result = minion(task="...", context=[text], max_rounds=2)
    result["final_answer"]

``Minions`` is the same with ``doc_metadata``. Both run on the app's core (audit,
egress gate, settings under ``MINIONS_HOME``) and raise ``ProtocolError`` when a
run fails. In code that already runs an event loop, ``await obj.acall(...)``;
``minion.close()`` closes both clients' connections once you are done.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any

from core.clients.base import ChatClient
from core.documents.model import Document, Page
from core.errors import ErrorKind, MinionsError
from core.protocols.events import (
    Cancelled,
    Done,
    Failed,
    RunEvent,
    SupervisorMessage,
    WorkerMessage,
)
from core.protocols.run import Run, RunRequest
from core.services import Services, default_services


class ProtocolError(MinionsError):
    """A run of the Python API that ended without an answer."""

    def __init__(
        self, message: str, kind: ErrorKind | str = ErrorKind.INTERNAL, hint: str = ""
    ) -> None:
        super().__init__(kind, message, hint)


class _Protocol:
    protocol = ""

    def __init__(
        self,
        local_client: ChatClient,
        remote_client: ChatClient,
        *,
        services: Services | None = None,
        callback: Callable[[RunEvent], None] | None = None,
        chunk_chars: int | None = None,
    ) -> None:
        self.local_client = local_client
        self.remote_client = remote_client
        self.services = services
        self.callback = callback
        self.chunk_chars = chunk_chars

    def __call__(
        self,
        task: str,
        context: list[str],
        max_rounds: int | None = None,
        doc_metadata: str = "",
        **_: Any,  # the reference's other arguments (logging, images, ...) do not apply here
    ) -> dict[str, Any]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return _runner().run(self.acall(task, context, max_rounds, doc_metadata))
        raise RuntimeError(
            f"an event loop is running: use `await {type(self).__name__}.acall(...)`"
        )

    def close(self) -> None:
        """Close both clients' connections, on the loop the synchronous calls used."""
        _runner().run(self._aclose())

    async def _aclose(self) -> None:
        await self.local_client.aclose()
        await self.remote_client.aclose()

    async def acall(
        self,
        task: str,
        context: list[str],
        max_rounds: int | None = None,
        doc_metadata: str = "",
    ) -> dict[str, Any]:
        services = self.services or default_services()
        request = RunRequest(
            task,
            text_documents(context),
            protocol=self.protocol,
            max_rounds=max_rounds,
            doc_metadata=doc_metadata,
        )
        run = Run(
            request,
            services,
            chunk_chars=self.chunk_chars,
            worker=self.local_client,
            supervisor=self.remote_client,
        )
        supervisor_messages: list[str] = []
        worker_messages: list[str] = []
        async for event in run.events():
            if self.callback is not None:
                self.callback(event)
            if isinstance(event, SupervisorMessage):
                supervisor_messages.append(event.text)
            elif isinstance(event, WorkerMessage):
                worker_messages.append(event.text)
            elif isinstance(event, Failed):
                raise ProtocolError(event.message, event.kind, event.hint)
            elif isinstance(event, Cancelled):
                raise ProtocolError("The run was cancelled", ErrorKind.CANCELLED)
            elif isinstance(event, Done):
                return _result(event, supervisor_messages, worker_messages)
        raise ProtocolError("The run ended without an answer", ErrorKind.INTERNAL)


class Minion(_Protocol):
    """One local worker holding the whole context, questioned by the remote supervisor."""

    protocol = "minion"


class Minions(_Protocol):
    """Many small local jobs over chunks of the context, planned and read by the supervisor."""

    protocol = "minions"


_RUNNER: asyncio.Runner | None = None


def _runner() -> asyncio.Runner:
    """One loop for every synchronous call: the clients' connections belong to it."""
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = asyncio.Runner()
        atexit.register(_RUNNER.close)
    return _RUNNER


def text_documents(context: list[str]) -> list[Document]:
    """Plain strings as one-page documents, named "context 1", "context 2", ..."""
    documents = []
    for i, text in enumerate(context, 1):
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        documents.append(
            Document(
                id=digest,
                name=f"context {i}",
                path="",
                kind="text",
                text=text,
                pages=[Page(1, 0, len(text))],
                size_bytes=len(text.encode()),
            )
        )
    return documents


def _result(event: Done, supervisor: list[str], worker: list[str]) -> dict[str, Any]:
    answer = event.answer
    return {
        "final_answer": answer.text,
        "citations": [dataclasses.asdict(c) for c in answer.citations],
        "usage": dataclasses.asdict(answer.usage),
        "local_usage": {
            "prompt_tokens": answer.usage.local_prompt_tokens,
            "completion_tokens": answer.usage.local_completion_tokens,
        },
        "remote_usage": {
            "prompt_tokens": answer.usage.remote_prompt_tokens,
            "completion_tokens": answer.usage.remote_completion_tokens,
        },
        "egress": {"requests": answer.egress_requests, "bytes": answer.egress_bytes},
        "rounds": answer.rounds,
        "protocol": answer.protocol,
        "run_id": event.run_id,
        "notes": list(answer.notes),
        "supervisor_messages": supervisor,
        "worker_messages": worker,
    }
