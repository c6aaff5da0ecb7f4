"""The run's outbound policy on message text: never-send excerpts and redaction.

Remote clients pass every outgoing message through :func:`prepare_outbound` and every
reply through :func:`restore_inbound`, so protocols work with the user's real text
while only redacted text, without never-send excerpts, leaves the machine.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.privacy.gate import EgressContext, current_context

WITHHELD = "[excerpt withheld: {name} never leaves this computer]"


def prepare_outbound(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    ctx = current_context()
    return [{**m, "content": _prepare_text(m.get("content", ""), ctx)} for m in messages]


def restore_inbound(text: str) -> str:
    redactor = current_context().redactor
    return redactor.restore(text) if redactor is not None and text else text


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
