"""The egress gate: the only way a request leaves this machine.

Clients get their HTTP client from :meth:`EgressGate.http_client`, built for one
:class:`~core.privacy.endpoints.Destination` (the seat and host decided when the client
was built). Requests of a client whose seat is egress, and any request that would
reach a host other than loopback, are checked against the policy, written to the
audit store and committed, and only then sent. Everything else passes straight through.
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
from typing import TYPE_CHECKING, Any

from core.errors import ErrorKind, MinionsError
from core.privacy.audit import AuditStore, EgressRecord
from core.privacy.endpoints import Destination, is_loopback_host
from core.privacy.provenance import ProvenanceIndex

if TYPE_CHECKING:  # the redactor is made by the run; its patterns load with it
    from core.privacy.redaction import Redactor


class EgressBlocked(MinionsError):
    """The gate refused to let a request leave the machine."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(ErrorKind.BLOCKED, message, hint)


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
    def __init__(self, audit: AuditStore, policy: EgressPolicy | None = None) -> None:
        self.audit = audit
        self.policy = policy or EgressPolicy()
        self._allowed_runs: set[str] = set()

    @staticmethod
    def leaves(destination: Destination, host: str) -> bool:
        """Whether one request of a client built for ``destination`` is egress.

        The client's seat decided it; a request that would reach another host than
        loopback (a redirect, a changed base URL) is egress whatever was decided.
        """
        return destination.egress or not _loopback(host)

    def transport(self, lib: ModuleType, destination: Destination) -> Any:
        """An ``httpx`` or ``httpx2`` transport that sends egress requests via the gate."""
        return _transport_class(lib)(self, lib.AsyncHTTPTransport(retries=0), lib, destination)

    def http_client(
        self, lib: ModuleType, destination: Destination, *, timeout: Any, **kwargs: Any
    ) -> Any:
        """An ``httpx`` or ``httpx2`` AsyncClient whose every request passes this gate."""
        return lib.AsyncClient(
            transport=self.transport(lib, destination), timeout=timeout, **kwargs
        )

    async def _send(self, request: Any, inner: Any, lib: ModuleType, where: Destination) -> Any:
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
        meta["destination"] = {
            **where.as_meta(),
            "host": request.url.host,
            "port": request.url.port,
            "loopback": _loopback(request.url.host),
        }
        if ctx.provenance is not None:
            spans = await asyncio.to_thread(
                ctx.provenance.find_spans_in_payload, body.decode("utf-8", "replace")
            )
            meta["spans"] = [span_record(s) for s in spans]
            shares = document_shares(meta["spans"], ctx.meta.get("documents", {}))
            if shares:
                meta["shares"] = shares
                _warn_large_shares(shares, ctx)
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
        def __init__(self, gate: EgressGate, inner: Any, lib: ModuleType, where: Destination):
            self._gate, self._inner, self._lib, self._where = gate, inner, lib, where

        async def handle_async_request(self, request: Any) -> Any:
            if not self._gate.leaves(self._where, request.url.host):
                return await self._inner.handle_async_request(request)
            return await self._gate._send(request, self._inner, self._lib, self._where)

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


SHARE_WARNING = 0.05  # a request carrying more of a document than this is flagged before it leaves
SHARE_WARNING_MIN_CHARS = 400  # short documents: a one-line quote is not worth a warning


def document_shares(
    spans: list[dict[str, Any]], documents: dict[str, dict[str, Any]]
) -> dict[str, float]:
    """The share of each document's text that one payload carries, from its provenance spans."""
    covered: dict[str, list[tuple[int, int]]] = {}
    for span in spans:
        if span.get("source") == "document" and span.get("document_id"):
            covered.setdefault(span["document_id"], []).append((span["doc_start"], span["doc_end"]))
    shares: dict[str, float] = {}
    for doc_id, ranges in covered.items():
        chars = int(documents.get(doc_id, {}).get("chars") or 0)
        carried = _union_length(ranges)
        if chars and carried >= SHARE_WARNING_MIN_CHARS:
            shares[doc_id] = round(carried / chars, 4)
    return shares


def _union_length(ranges: list[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(ranges):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def _warn_large_shares(shares: dict[str, float], ctx: EgressContext) -> None:
    if ctx.on_notice is None:
        return
    for doc_id, share in shares.items():
        if share >= SHARE_WARNING:
            name = ctx.document_names.get(doc_id, "a document")
            ctx.on_notice(
                f"A request about to leave carries about {share:.0%} of {name} word for word; "
                "the privacy audit shows which parts"
            )


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
