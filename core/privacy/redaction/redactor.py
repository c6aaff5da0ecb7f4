"""Placeholders for one conversation, stable across its messages and stored with it."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Collection
from typing import Any

from core.privacy.redaction.finder import KINDS, Finding, find_identifiers, resolve_overlaps

_KIND_NAMES = "|".join(KINDS)
_PLACEHOLDER = re.compile(
    rf"\[({_KIND_NAMES})[_ ](\d+)\]|\b({_KIND_NAMES})_(\d+)\b",
    re.IGNORECASE,
)
MAPPING_VERSION = 2
# What version 1 (before names and addresses) stored as "every kind".
_V1_KINDS = frozenset(("EMAIL", "IBAN", "CARD", "ID", "IP", "PHONE"))
_SPELLED_AT = re.compile(r"\s*[\[(]at[\])]\s*", re.IGNORECASE)
_SPELLED_DOT = re.compile(r"\s*[\[(]dot[\])]\s*", re.IGNORECASE)


class Redactor:
    """Placeholders for one conversation: ``redact`` before egress, ``restore`` on the answer.

    A name found once (after "Dear", "Patient:", ...) is also replaced wherever it appears
    later in the conversation, and so is its surname on its own.
    """

    def __init__(self, kinds: Collection[str] = KINDS) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown identifier kinds: {sorted(unknown)}")
        self.kinds: tuple[str, ...] = tuple(k for k in KINDS if k in kinds)
        self._originals: dict[str, str] = {}  # placeholder -> original as first seen
        self._by_key: dict[tuple[str, str], str] = {}  # (kind, normalized) -> placeholder
        self._reserved: set[str] = set()  # placeholder-like tokens the user typed themselves
        self._counts: dict[str, int] = {}
        self._names_cache: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder -> original value, for every value redacted so far."""
        return dict(self._originals)

    def findings(self, text: str) -> list[Finding]:
        """What ``redact`` would replace in ``text``, without assigning placeholders."""
        found = find_identifiers(text, self.kinds)
        if "NAME" not in self.kinds:
            return found
        known = {v for p, v in self._originals.items() if p.startswith("[NAME_")}
        known |= {f.value for f in found if f.kind == "NAME"}
        pattern = self._names_pattern(frozenset(known))
        if pattern is None:
            return found
        spans = [(f.start, f.end, f.kind) for f in found]
        spans += [(m.start(), m.end(), "NAME") for m in pattern.finditer(text)]
        return [Finding(kind, s, e, text[s:e]) for s, e, kind in resolve_overlaps(spans)]

    def redact(self, text: str) -> str:
        """``text`` with every identifier replaced by its placeholder."""
        if "_" in text or "[" in text:  # the only marks a placeholder can be written with
            for m in _PLACEHOLDER.finditer(text):
                token = _canonical(m)
                if token not in self._originals:
                    self._reserved.add(token)
        parts: list[str] = []
        pos = 0
        for f in self.findings(text):
            parts.append(text[pos : f.start])
            parts.append(self._placeholder_for(f.kind, f.value))
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts)

    def restore(self, text: str) -> str:
        """``text`` with our placeholders (also ``[email_1]`` or bare ``EMAIL_1``) put back."""
        if not self._originals:
            return text

        def back(m: re.Match[str]) -> str:
            return self._originals.get(_canonical(m), m.group())

        return _PLACEHOLDER.sub(back, text)

    def _placeholder_for(self, kind: str, value: str) -> str:
        key = (kind, _normalize(kind, value))
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        n = self._counts.get(kind, 0)
        while True:
            n += 1
            placeholder = f"[{kind}_{n}]"
            if placeholder not in self._reserved:
                break
        self._counts[kind] = n
        self._by_key[key] = placeholder
        self._originals[placeholder] = value
        return placeholder

    def _names_pattern(self, known: frozenset[str]) -> re.Pattern[str] | None:
        """Known names and their surnames, as one pattern (rebuilt when a name is added)."""
        if known == self._names_cache[0]:
            return self._names_cache[1]
        terms = set(known)
        for name in known:
            words = name.split()
            if len(words) > 1 and len(words[-1]) > 2:
                terms.add(words[-1])
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if terms else None
        self._names_cache = (known, pattern)
        return pattern

    def to_json(self) -> str:
        """The mapping as JSON, to be stored locally with the conversation (it holds the PII)."""
        entries = [{"placeholder": p, "original": v} for p, v in self._originals.items()]
        data: dict[str, Any] = {"version": MAPPING_VERSION, "kinds": list(self.kinds)}
        data["entries"] = entries
        data["reserved"] = sorted(self._reserved)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Redactor:
        """A redactor that continues a stored conversation with the same placeholders."""
        raw = json.loads(data)
        version = raw.get("version")
        if version == 1:
            raw = _upgrade_from_v1(raw)
        elif version != MAPPING_VERSION:
            raise ValueError(f"unsupported redaction mapping version: {version!r}")
        redactor = cls(raw.get("kinds", KINDS))
        redactor._reserved = set(raw.get("reserved", []))
        for entry in raw["entries"]:
            placeholder, original = entry["placeholder"], entry["original"]
            m = _PLACEHOLDER.fullmatch(placeholder)
            if m is None:
                raise ValueError(f"not a placeholder: {placeholder!r}")
            kind, n = (m.group(1) or m.group(3)).upper(), int(m.group(2) or m.group(4))
            redactor._originals[placeholder] = original
            redactor._by_key[(kind, _normalize(kind, original))] = placeholder
            redactor._counts[kind] = max(redactor._counts.get(kind, 0), n)
        return redactor


def _upgrade_from_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 knew six kinds; a mapping that had all six gets the kinds added since."""
    kinds = raw.get("kinds", list(_V1_KINDS))
    if set(kinds) == _V1_KINDS:
        kinds = list(KINDS)
    return {**raw, "version": MAPPING_VERSION, "kinds": kinds}


def _normalize(kind: str, value: str) -> str:
    """The identity of a value, so reformatted copies get the same placeholder."""
    if kind == "EMAIL":
        return _SPELLED_DOT.sub(".", _SPELLED_AT.sub("@", value)).casefold()
    if kind == "IP":
        try:
            return ipaddress.ip_address(value).compressed
        except ValueError:
            return value.lower()
    if kind == "PHONE":
        value = value.replace("(0)", "")
        value = "+" + value[2:] if value.startswith("00") else value
        return value[:1].replace("(", "") + re.sub(r"\D", "", value[1:])
    if kind in ("NAME", "ADDRESS"):
        return " ".join(value.split()).casefold()
    return re.sub(r"[\s./-]", "", value).upper()


def _canonical(m: re.Match[str]) -> str:
    kind = m.group(1) or m.group(3)
    number = m.group(2) or m.group(4)
    return f"[{kind.upper()}_{int(number)}]"
