"""The run's text policy for what leaves the machine: never-send excerpts and redaction.

:class:`core.clients.guard.GuardedClient` passes every message of an egress client
through :func:`prepare_outbound` and every reply through :func:`restore_inbound` (or a
:class:`StreamRestorer` while it streams), so protocols work with the user's real text
while only redacted text, without never-send excerpts, leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from core.privacy.gate import EgressContext, current_context

WITHHELD = "[excerpt withheld: {name} never leaves this computer]"
# The longest tail that may still become a placeholder ("[PHONE_12]", "EMAIL_3").
_PENDING = re.compile(r"(\[[A-Za-z]{0,8}[_ ]?\d{0,4}|\b[A-Za-z]{2,8}_?\d{0,4})$")


def prepare_outbound(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    ctx = current_context()
    return [{**m, "content": _prepare_text(m.get("content", ""), ctx)} for m in messages]


def restore_inbound(text: str) -> str:
    redactor = current_context().redactor
    return redactor.restore(text) if redactor is not None and text else text


class StreamRestorer:
    """Restores placeholders in a streamed reply, holding back a tail that may be one.

    A token callback itself: ``restart`` (a retried attempt) is passed on to ``emit``.
    """

    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._tail = ""

    def __call__(self, piece: str) -> None:
        self.feed(piece)

    def restart(self) -> None:
        self._tail = ""
        restart = getattr(self._emit, "restart", None)
        if callable(restart):
            restart()

    def feed(self, piece: str) -> None:
        text = self._tail + piece
        pending = _PENDING.search(text)
        cut = pending.start() if pending else len(text)
        self._tail = text[cut:]
        if cut:
            self._emit(restore_inbound(text[:cut]))

    def flush(self) -> None:
        if self._tail:
            self._emit(restore_inbound(self._tail))
            self._tail = ""


def _prepare_text(text: str, ctx: EgressContext) -> str:
    if ctx.never_send and ctx.provenance is not None and text:
        text = _withhold(text, ctx)
    if ctx.redactor is not None and text:
        text = ctx.redactor.redact(text)
    return text


def _withhold(text: str, ctx: EgressContext) -> str:
    assert ctx.provenance is not None
    spans = ctx.provenance.find_document_runs(text, ctx.never_send)
    if not spans:
        return text
    parts, at, names = [], 0, []
    for span in spans:
        name = ctx.document_names.get(span.document_id or "", "a never-send document")
        parts += [text[at : span.start], WITHHELD.format(name=name)]
        at = span.end
        names.append(name)
    parts.append(text[at:])
    if ctx.on_notice is not None:
        listed = ", ".join(sorted(set(names)))
        ctx.on_notice(
            f"Held back {len(spans)} excerpt(s) of {listed} from a cloud request (marked never-send)"
        )
    return "".join(parts)
