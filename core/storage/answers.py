"""An answer as it is kept on disk: a record type of its own, versioned, read tolerantly.

The protocols' ``Answer`` may change as the app grows; what was stored must still open.
Records carry a ``version``; each older version has one upgrade step to the next, and
reading never fails: a field that is missing or of the wrong type takes its default,
an unknown one is ignored, and a record that cannot be read at all is ``None`` (the
message's text still shows).
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, TypeVar

VERSION = 2
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class CitationRecord:
    document_id: str = ""
    document_name: str = ""
    page: int = 1
    quote: str = ""
    chunk_id: str = ""
    char_start: int | None = None
    char_end: int | None = None
    place: str = ""

    @property
    def where(self) -> str:
        return self.place or f"page {self.page}"


@dataclass(frozen=True, slots=True)
class UsageRecord:
    local_prompt_tokens: int = 0
    local_completion_tokens: int = 0
    remote_prompt_tokens: int = 0
    remote_completion_tokens: int = 0
    remote_cost_usd: float = 0.0
    cloud_only_cost_usd: float = 0.0

    @property
    def local_tokens(self) -> int:
        return self.local_prompt_tokens + self.local_completion_tokens

    @property
    def cloud_tokens(self) -> int:
        return self.remote_prompt_tokens + self.remote_completion_tokens


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    text: str = ""
    protocol: str = ""
    citations: list[CitationRecord] = field(default_factory=list)
    usage: UsageRecord = field(default_factory=UsageRecord)
    egress_record_ids: list[int] = field(default_factory=list)
    egress_bytes: int = 0
    egress_requests: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)
    route: str = ""
    supervisor_text: str = ""  # what a follow-up may carry back to the supervisor


def dump_answer(record: AnswerRecord) -> str:
    return json.dumps({"version": VERSION, **asdict(record)}, ensure_ascii=False)


def load_answer(text: str | None) -> AnswerRecord | None:
    """The stored answer, whatever version wrote it; None if nothing can be read."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    version = data.get("version", 1)
    if not isinstance(version, int) or version > VERSION:
        version = VERSION  # a newer app wrote it: read what this one knows
    for step in range(version, VERSION):
        data = _UPGRADES[step](data)
    record = _build(AnswerRecord, data)
    citations = data.get("citations")
    usage = data.get("usage")
    return AnswerRecord(
        **{
            **_values(record),
            "citations": [
                _build(CitationRecord, c)
                for c in (citations if isinstance(citations, list) else [])
                if isinstance(c, dict)
            ],
            "usage": _build(UsageRecord, usage if isinstance(usage, dict) else {}),
        }
    )


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 was the answer dataclass as it was, unversioned (before 0.2).

    Its fields kept their names in version 2, which added ``supervisor_text`` (empty:
    an answer from before follow-ups is never carried back to the supervisor) and the
    citations' ``place``.
    """
    return {**data, "version": 2, "supervisor_text": ""}


_UPGRADES = {1: _from_version_1}


def _values(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _build(cls: type[R], data: dict[str, Any]) -> R:
    """``cls`` from ``data``, each field only if present and of its type, else its default."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = data.get(f.name, MISSING)
        if value is not MISSING and _fits(value, hints[f.name]):
            values[f.name] = value
    return cls(**values)


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and (
            item in (CitationRecord,) or all(_fits(v, item) for v in value)
        )
    if isinstance(hint, type) and hint in (CitationRecord, UsageRecord):
        return False  # built separately, from their own dicts
    return isinstance(hint, type) and isinstance(value, hint)
