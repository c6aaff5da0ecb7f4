"""The privacy settings of one run, as the egress context carries them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from core.documents.model import Document
from core.privacy.provenance import ProvenanceIndex
from core.privacy.redaction import Redactor
from core.storage.settings import Settings


async def outbound_policy(
    task: str,
    documents: list[Document],
    *,
    protocol: str,
    never_send: frozenset[str],
    redact: bool | None,
    settings: Settings,
    redactor: Redactor | None = None,
    on_notice: Callable[[str], None],
) -> dict[str, Any]:
    """Keyword arguments for ``egress_context``: redaction, never-send, provenance, meta."""
    meta: dict[str, Any] = {
        "task": task,
        "documents": {d.id: {"name": d.name, "chars": len(d.text)} for d in documents},
    }
    policy: dict[str, Any] = {
        "meta": meta,
        "never_send": never_send,
        "document_names": {d.id: d.name for d in documents},
        "on_notice": on_notice,
    }
    if settings.local_only or protocol == "local":
        return policy  # nothing can leave: no index to build
    if settings.redact if redact is None else redact:
        policy["redactor"] = redactor if redactor is not None else Redactor()
    # Indexing a few MB of text takes around a second: keep it off the event loop.
    policy["provenance"] = await asyncio.to_thread(
        ProvenanceIndex, [(d.id, d.text, d.page_at) for d in documents], [task]
    )
    return policy
