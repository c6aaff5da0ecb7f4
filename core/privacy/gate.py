"""The egress gate: the only way a request reaches a host that is not this machine.

Clients get their HTTP client from :meth:`EgressGate.http_client`. Its transport
passes loopback requests straight through; every other request is checked against
the policy, written to the audit store and committed, and only then sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from core.privacy.audit import AuditStore, EgressRecord
from core.privacy.endpoints import is_loopback_host
from core.privacy.provenance import ProvenanceIndex
from core.privacy.redaction import Redactor


class EgressBlocked(Exception):
    """The gate refused to let a request leave the machine."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Decision(StrEnum):
    ALLOW = "allow"
    ALLOW_RUN = "allow_run"  # allow this and every later request of the same run
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """What the user is asked to confirm: the payload exactly as it would leave."""

    endpoint: str
    model: str
    body: bytes
    conversation_id: str
    run_id: str
    meta: dict[str, Any] = field(default_factory=dict)  # provenance spans, documents


Confirm = Callable[[OutboundRequest], Awaitable[Decision]]


@dataclass(slots=True)
class EgressContext:
    """Who is sending: set around a run so each audit record names its conversation and run."""

    conversation_id: str = ""
    run_id: str = ""
    on_record: Callable[[EgressRecord], None] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # The run's outbound policy (see core.privacy.outbound): what to redact, what
    # never leaves, and the index that tells where each outbound span came from.
    redactor: Redactor | None = None
    provenance: ProvenanceIndex | None = None
    never_send: frozenset[str] = frozenset()
    document_names: dict[str, str] = field(default_factory=dict)
    on_notice: Callable[[str], None] | None = None


_context: contextvars.ContextVar[EgressContext | None] = contextvars.ContextVar(
    "egress_context", default=None
)


@contextlib.contextmanager
def egress_context(**kwargs: Any) -> Iterator[EgressContext]:
    ctx = EgressContext(**kwargs)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> EgressContext:
    return _context.get() or EgressContext()


@dataclass(slots=True)
class EgressPolicy:
    local_only: bool = False
    confirm: Confirm | None = None  # None: send without asking


class EgressGate:
    def __init__(
        self,
        audit: AuditStore,
        policy: EgressPolicy | None = None,
        *,
        remote_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self.audit = audit
        self.policy = policy or EgressPolicy()
        # "host:port" or "host" entries treated as egress even on loopback: for a local
        # proxy the user wants audited, and for tests whose fake cloud runs on 127.0.0.1.
        self.remote_hosts = remote_hosts
        self._allowed_runs: set[str] = set()

    def is_egress(self, host: str, port: int | None) -> bool:
        if self.remote_hosts and (
            host in self.remote_hosts or f"{host}:{port}" in self.remote_hosts
        ):
            return True
        return not _loopback(host)

    def is_egress_url(self, url: str) -> bool:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        return self.is_egress(parts.hostname or "", parts.port)

    def transport(self, lib: ModuleType) -> Any:
        """An ``httpx`` or ``httpx2`` transport that sends every non-loopback request via the gate."""
        return _transport_class(lib)(self, lib.AsyncHTTPTransport(retries=0), lib)

    def http_client(self, lib: ModuleType, *, timeout: float, **kwargs: Any) -> Any:
        """An ``httpx`` or ``httpx2`` AsyncClient whose every request passes this gate."""
        return lib.AsyncClient(transport=self.transport(lib), timeout=timeout, **kwargs)

    async def _send(self, request: Any, inner: Any, lib: ModuleType) -> Any:
        ctx = current_context()
        endpoint = str(request.url)
        body = await request.aread()
        model = _model_of(body)
        if self.policy.local_only:
            raise EgressBlocked(
                f"Local-only mode is on: nothing may be sent to {request.url.host}",
                hint="turn off local-only in Settings to use the cloud model",
            )
        meta = dict(ctx.meta)
        if ctx.provenance is not None:
            spans = await asyncio.to_thread(
                ctx.provenance.find_spans_in_payload, body.decode("utf-8", "replace")
            )
            meta["spans"] = [span_record(s) for s in spans]
        if self.policy.confirm is not None and ctx.run_id not in self._allowed_runs:
            outbound = OutboundRequest(endpoint, model, body, ctx.conversation_id, ctx.run_id, meta)
            decision = await self.policy.confirm(outbound)
            if decision is Decision.DENY:
                raise EgressBlocked("You declined to send this request")
            if decision is Decision.ALLOW_RUN and ctx.run_id:
                self._allowed_runs.add(ctx.run_id)
        sent = await asyncio.to_thread(
            self.audit.append,
            kind="request",
            endpoint=endpoint,
            body=body,
            model=model,
            conversation_id=ctx.conversation_id,
            run_id=ctx.run_id,
            meta=meta,
        )
        if ctx.on_record:
            ctx.on_record(sent)
        try:
            response = await inner.handle_async_request(request)
        except Exception as exc:
            await self._record_reply(sent, ctx, None, f"{type(exc).__name__}: {exc}".encode())
            raise
        recorder = _RecordingStream(lib)(response.stream, self, sent, ctx, response.status_code)
        return lib.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=recorder,
            extensions=response.extensions,
            request=request,
        )

    async def _record_reply(
        self, sent: EgressRecord, ctx: EgressContext, status: int | None, body: bytes
    ) -> None:
        prompt, completion = parse_usage(body)
        record = await asyncio.to_thread(
            self.audit.append,
            kind="response",
            endpoint=sent.endpoint,
            body=body,
            model=sent.model,
            conversation_id=sent.conversation_id,
            run_id=sent.run_id,
            request_id=sent.id,
            status=status,
            prompt_tokens=prompt,
            completion_tokens=completion,
        )
        if ctx.on_record:
            ctx.on_record(record)


def _transport_class(lib: ModuleType) -> type:
    class GatedTransport(lib.AsyncBaseTransport):  # type: ignore[name-defined,misc]
        def __init__(self, gate: EgressGate, inner: Any, lib: ModuleType) -> None:
            self._gate, self._inner, self._lib = gate, inner, lib

        async def handle_async_request(self, request: Any) -> Any:
            if not self._gate.is_egress(request.url.host, request.url.port):
                return await self._inner.handle_async_request(request)
            return await self._gate._send(request, self._inner, self._lib)

        async def aclose(self) -> None:
            await self._inner.aclose()

    return GatedTransport


def _RecordingStream(lib: ModuleType) -> type:
    class RecordingStream(lib.AsyncByteStream):  # type: ignore[name-defined,misc]
        """Passes the reply through and, once it is read, appends it to the audit."""

        def __init__(
            self, inner: Any, gate: EgressGate, sent: EgressRecord, ctx: EgressContext, status: int
        ) -> None:
            self._inner, self._gate, self._sent, self._ctx = inner, gate, sent, ctx
            self._status, self._recorded = status, False
            self._chunks: list[bytes] = []

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._inner:
                self._chunks.append(chunk)
                yield chunk

        async def aclose(self) -> None:
            try:
                await self._inner.aclose()
            finally:
                if not self._recorded:
                    self._recorded = True
                    body = b"".join(self._chunks)
                    await self._gate._record_reply(self._sent, self._ctx, self._status, body)

    return RecordingStream


def span_record(span: Any) -> dict[str, Any]:
    """A provenance span as stored in an audit record's meta."""
    return {
        "start": span.start,
        "end": span.end,
        "source": span.source,
        "document_id": span.document_id,
        "doc_start": span.doc_start,
        "doc_end": span.doc_end,
        "page": span.page,
    }


@functools.lru_cache(maxsize=256)
def _loopback(host: str) -> bool:
    return is_loopback_host(host)


def _model_of(body: bytes) -> str:
    try:
        value = json.loads(body).get("model", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def parse_usage(body: bytes) -> tuple[int | None, int | None]:
    """Token usage from an OpenAI or Ollama reply: plain JSON, SSE or NDJSON."""
    text = body.decode("utf-8", errors="replace").strip()
    candidates = [text]
    if "\n" in text:  # streamed: usage is on one of the last lines
        lines = [line.removeprefix("data:").strip() for line in text.splitlines()]
        candidates = [line for line in reversed(lines) if line.startswith("{")]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        usage = data.get("usage")
        if isinstance(usage, dict):
            return usage.get("prompt_tokens"), usage.get("completion_tokens")
        if "prompt_eval_count" in data or "eval_count" in data:
            return data.get("prompt_eval_count"), data.get("eval_count")
    return None, None
