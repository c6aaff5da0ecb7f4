"""How ``minions ask`` prints an answer: readable text, or one JSON object."""

from __future__ import annotations

import dataclasses
from typing import Any

from core.protocols.events import Answer


def answer_json(answer: Answer, conversation_id: str = "") -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "answer": answer.text,
        "protocol": answer.protocol,
        "rounds": answer.rounds,
        "citations": [
            {
                "document": c.document_name,
                "document_id": c.document_id,
                "page": c.page,
                "place": c.where,
                "quote": c.quote,
                "chunk_id": c.chunk_id,
            }
            for c in answer.citations
        ],
        "usage": dataclasses.asdict(answer.usage),
        "egress": {
            "requests": answer.egress_requests,
            "bytes": answer.egress_bytes,
            "record_ids": list(answer.egress_record_ids),
        },
        "notes": list(answer.notes),
        "route": answer.route,
    }


def render(answer: Answer, streamed: str = "") -> str:
    """The answer for a person; what was already printed as it streamed is not repeated."""
    text = answer.text.strip()
    if streamed and text.startswith(streamed.strip()):
        text = text[len(streamed.strip()) :].strip()
    elif streamed:  # what streamed differs from the final text: show the final one whole
        text = f"\n{text}"
    lines = [text, ""] if text else [""]
    for i, c in enumerate(answer.citations, 1):
        quote = " ".join(c.quote.split())
        quote = quote if len(quote) <= 160 else quote[:157] + "..."
        lines.append(f'[{i}] {c.document_name}, {c.where}: "{quote}"')
    u = answer.usage
    lines.append(
        f"local tokens {u.local_tokens:,} · "
        f"cloud tokens {u.cloud_tokens:,} · "
        f"cloud cost ${u.remote_cost_usd:.4f} (cloud only: ~${u.cloud_only_cost_usd:.4f}) · "
        f"sent {answer.egress_requests} requests, {answer.egress_bytes:,} bytes"
    )
    lines.extend(f"note: {note}" for note in answer.notes)
    return "\n".join(lines).strip("\n")
