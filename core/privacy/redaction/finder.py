"""All detectors together: non-overlapping findings, the more specific kind winning."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from core.privacy.redaction.numbers import numeric_identifiers
from core.privacy.redaction.patterns import (
    digit_led,
    emails,
    ipv6_addresses,
    letter_led,
)
from core.privacy.redaction.people import addresses, names

# Also the overlap priority: an email holding digits stays an email, an ID inside an
# address stays an ID. Names and addresses come last: their rules are the loosest.
KINDS: tuple[str, ...] = ("EMAIL", "IBAN", "CARD", "ID", "IP", "PHONE", "ADDRESS", "NAME")
STRUCTURED_KINDS: tuple[str, ...] = KINDS[:6]
_RANK = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier found in a text: ``text[start:end] == value``."""

    kind: str  # one of KINDS
    start: int
    end: int
    value: str


def find_identifiers(text: str, kinds: Collection[str] = KINDS) -> list[Finding]:
    """Non-overlapping identifiers in ``text``, sorted by position."""
    wanted = frozenset(kinds)
    spans: list[tuple[int, int, str]] = []
    lower = _lower_keeping_offsets(text)
    if "EMAIL" in wanted:
        spans += emails(text, lower)
    if wanted & {"IBAN", "IP", "ID"}:
        spans += digit_led(text, lower, wanted)
    if "ID" in wanted:
        spans += letter_led(text)
    if "IP" in wanted:
        spans += ipv6_addresses(text)
    if wanted & {"CARD", "ID", "PHONE"}:
        spans += numeric_identifiers(text, wanted)
    if "ADDRESS" in wanted:
        spans += addresses(text)
    if "NAME" in wanted:
        spans += names(text)
    return [Finding(kind, s, e, text[s:e]) for s, e, kind in resolve_overlaps(spans)]


def _lower_keeping_offsets(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    # A few characters ("İ") lower-case to two; keep those as they are so offsets hold.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def resolve_overlaps(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep one of each overlapping pair: the higher-priority kind, then the longer span."""
    ordered = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), _RANK[s[2]]))
    kept: list[tuple[int, int, str]] = []
    for cand in ordered:
        if kept and cand[0] < kept[-1][1]:
            last = kept[-1]
            if (_RANK[cand[2]], last[1] - last[0]) < (_RANK[last[2]], cand[1] - cand[0]):
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept
