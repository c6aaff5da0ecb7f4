"""Checking the audit chain: every record linked, unchanged, signed, and none missing.

Each problem is one line naming the records it concerns; weaker guarantees (records
written before anchoring, or with a key this session does not hold) are notes, not
problems.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.privacy.anchor import AnchorMode, Verifier, guarantee_note, record_mac

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainState:
    ok: bool
    records: int
    broken_at: int | None = None  # the first record named by a problem
    reason: str = ""  # the first problem
    problems: tuple[str, ...] = ()  # one line each, in record order
    notes: tuple[str, ...] = ()  # what this check could not establish, and why
    mode: AnchorMode = AnchorMode.NONE


def digest(prev_hash: str, fields: dict[str, Any]) -> str:
    """The record's hash: its fields (the body by its own hash) chained to the previous one."""
    canonical = dict(fields)
    canonical["body"] = hashlib.sha256(canonical["body"]).hexdigest()
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(slots=True)
class _Ranges:
    """Record ids collected in order, shown as "records 4–6" or "record 4"."""

    spans: list[list[int]] = field(default_factory=list)

    def add(self, record_id: int, last: int | None = None) -> None:
        last = record_id if last is None else last
        if self.spans and self.spans[-1][1] + 1 == record_id:
            self.spans[-1][1] = last
        else:
            self.spans.append([record_id, last])

    def each(self) -> list[tuple[int, str]]:
        return [(a, f"record {a}" if a == b else f"records {a}–{b}") for a, b in self.spans]

    def text(self) -> str:
        return ", ".join(words for _, words in self.each())


def check_chain(rows: Iterable[dict[str, Any]], anchor: Verifier) -> ChainState:
    """Walk ``rows`` (every column, in id order) against the anchored head."""
    head, key, kid = anchor.head, anchor.key, anchor.key_id
    problems: list[tuple[int, str]] = []
    missing, changed, relinked = _Ranges(), _Ranges(), _Ranges()
    forged, unsigned, before, foreign = _Ranges(), _Ranges(), _Ranges(), _Ranges()
    prev_hash, expected, count, signed_seen = GENESIS, 1, 0, False
    hash_at_head: str | None = None
    for fields in rows:
        count += 1
        record_id = fields.pop("id")
        stored, link, mac = fields.pop("hash"), fields.pop("prev_hash"), fields.pop("mac", None)
        if record_id != expected:
            missing.add(expected, record_id - 1)
        elif link != prev_hash:
            relinked.add(record_id)
        fields["body"] = bytes(fields["body"])
        if digest(link, {"id": record_id, **fields}) != stored:
            changed.add(record_id)
        elif not mac:
            anchored = head is not None and head.signed_from and record_id >= head.signed_from
            (unsigned if signed_seen or anchored else before).add(record_id)
        elif kid is None or not mac.startswith(kid + ":"):
            signed_seen = True
            foreign.add(record_id)
        else:
            signed_seen = True
            assert key is not None
            if not hmac.compare_digest(mac, record_mac(key, record_id, stored)):
                forged.add(record_id)
        if head is not None and record_id == head.last_id:
            hash_at_head = stored
        prev_hash, expected = stored, record_id + 1
    for ranges, says in (
        (missing, "{} missing."),
        (changed, "{} changed: content no longer matches the hash."),
        (relinked, "{} no longer linked to the record before."),
        (forged, "{} rewritten: keyed MAC does not match (hash recomputed without the key)."),
        (
            unsigned,
            "{} without a keyed MAC where one is due (removed, or written without the key).",
        ),
    ):
        problems += [(first, says.format(_subject(words))) for first, words in ranges.each()]
    problems += _head_problems(anchor, expected - 1, count, hash_at_head)
    problems.sort(key=lambda p: p[0])
    notes = [note for note in (guarantee_note(anchor.mode), anchor.warning) if note]
    if head is None and anchor.mode is AnchorMode.KEYRING and count and signed_seen:
        notes.append(
            "The keyring holds no anchor for this audit file (was the data folder moved?): "
            "missing last records cannot be checked until the next request is recorded."
        )
    if head is not None and anchor.head_is_genuine() is None:
        notes.append(
            "The chain's anchor was signed with a key this session does not hold: "
            "missing last records cannot be checked."
        )
    if before.spans:
        notes.append(
            f"{before.text().capitalize()}: recorded before anchoring (no keyed MAC); "
            "checked by their hash links only."
        )
    if foreign.spans:
        notes.append(
            f"{foreign.text().capitalize()}: signed with a key this session does not hold "
            "(kept only for an earlier session, or the keyring was reset); checked by their "
            "hash links only."
        )
    lines = tuple(text for _, text in problems)
    return ChainState(
        ok=not problems,
        records=count,
        broken_at=problems[0][0] if problems else None,
        reason=lines[0] if lines else "",
        problems=lines,
        notes=tuple(notes),
        mode=anchor.mode,
    )


def _subject(words: str) -> str:
    """ "record 4" -> "Record 4 is", "records 4–6" -> "Records 4–6 are"."""
    return f"{words.capitalize()} {'are' if words.startswith('records') else 'is'}"


def _head_problems(
    anchor: Verifier, last_id: int, count: int, hash_at_head: str | None
) -> list[tuple[int, str]]:
    head = anchor.head
    if head is None:
        return []
    genuine = anchor.head_is_genuine()
    if genuine is False:
        return [(0, "The chain's anchor in the keyring does not match the anchor key.")]
    if head.count and count == 0:
        return [
            (
                1,
                f"The audit file holds no records, but the anchor says {head.count} were "
                "written: the file was deleted or emptied.",
            )
        ]
    if last_id < head.last_id:
        first = last_id + 1
        words = f"record {first}" if first == head.last_id else f"records {first}–{head.last_id}"
        return [
            (
                first,
                f"{_subject(words)} missing from the end: the anchor says "
                f"{head.last_id} records were written.",
            )
        ]
    if hash_at_head is not None and hash_at_head != head.last_hash:
        return [
            (
                head.last_id,
                f"The chain up to record {head.last_id} does not match its anchor: "
                "it was rebuilt with recomputed hashes.",
            )
        ]
    return []
