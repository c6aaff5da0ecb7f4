"""Identifiers replaced by stable placeholders before text leaves the machine, and put back after.

A ``Redactor`` belongs to one conversation or run: the same value always gets the
same placeholder (``[EMAIL_1]``, ``[PHONE_2]``, ...) across all its messages, and
the mapping is stored locally with the conversation (``to_json`` / ``from_json``).

Detectors lean towards precision on numbers (dates, years, amounts and page
numbers are left alone) and are checked where a checksum exists: card numbers
must pass Luhn, IBANs mod-97.

Limitation: a placeholder-looking token that the user types *after* that
placeholder was assigned (say ``[EMAIL_1]`` in a later message) cannot be told
apart from ours, so ``restore`` puts the original back there too. Tokens seen
in the input before assignment are reserved and never handed out.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

KINDS: tuple[str, ...] = ("EMAIL", "IBAN", "CARD", "ID", "IP", "PHONE")  # also overlap priority

_EMAIL = re.compile(r"(?<![\w.%+-])[\w%+-][\w.%+-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
# Patterns open with a character class and check the character before it in a lookbehind
# placed after it: the regex engine then skips quickly to candidate characters.
# IBAN: country (upper case, as printed), check digits, 11..30 alphanumerics, in groups of four.
_IBAN = re.compile(
    r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?!\w)"
)
_CARD = re.compile(r"\d(?<![\w.,-]\d)(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_SSN = re.compile(r"\d(?<![\w-]\d)\d\d(?<!000|666)(?<!9\d\d)-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_UK_NI = re.compile(
    r"[A-CEGHJ-PR-TW-Z](?<!\w[A-Z])[A-CEGHJ-NPR-TW-Z](?<!BG|GB|NK|KN|TN|NT|ZZ)"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
# Generic national IDs are only caught next to a label; bare digit runs are too ambiguous.
_ID_LABEL = (
    r"(?:ssn|social security|national insurance|passport|national id(?:entity)?|id card"
    r"|identity card|tax id|tax number|tin|driver'?s licen[cs]e|personal id|personnummer"
    r"|bsn|nif|nie|dni|aadhaar|pesel|steuer-?id|insee|nir)"
)
_ID_LABEL_LOWER = re.compile(_ID_LABEL)  # searched in text.lower(): much faster than IGNORECASE
_LABELLED_ID = re.compile(
    r"(?<!\w)" + _ID_LABEL + r"\b(?:\s+(?:number|no\.?|nr\.?|num\.?|#))?\s*(?:is\s+|[:#=]\s*)?"
    r"(?P<v>[A-Z0-9]*\d[A-Z0-9]*(?:[ -][A-Z0-9]*\d[A-Z0-9]*)*)\b",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w:])")
_PHONE = re.compile(
    r"""[+(\d](?<![\w.,/+-][+(\d])(?:
        (?<=\+)\d{1,3}(?:[ .-]?\(0?\d{1,4}\))?[ .-]?\d(?:[ .-]?\d){6,13}   # +44 20 7946 0958
      | (?<=\()0?\d{2,5}\)[ ]?\d{3,4}[ .-]?\d{3,4}                         # (415) 555-2671
      | (?<=0)\d(?:[ .-]?\d){7,12}                                         # 020 7946 0958
      | (?<=1)[.-][2-9]\d{2}[.-][2-9]\d{2}[.-]\d{4}                       # 1-800-555-0199
      | (?<=[2-9])\d{2}[.-][2-9]\d{2}[.-]\d{4}                            # 415-555-2671
    )(?![\w/]|[.,-]\d)""",
    re.VERBOSE,
)
_DATE_LIKE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}|(?:19|20)\d{2}[./-]\d{1,2}[./-]")
_PLACEHOLDER = re.compile(
    r"\[(EMAIL|PHONE|CARD|IBAN|ID|IP)[_ ](\d+)\]|\b(EMAIL|PHONE|CARD|IBAN|ID|IP)_(\d+)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier found in a text: ``text[start:end] == value``."""

    kind: str  # one of KINDS
    start: int
    end: int
    value: str


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(compact: str) -> bool:
    """Whether an IBAN without spaces passes the ISO 13616 mod-97 check."""
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _card_ok(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    # Issuer prefixes: Amex/Diners/JCB 3, Visa 4, Mastercard 51-55 and 2221-2720, Discover 6.
    if digits[0] not in "3456" and not 2221 <= int(digits[:4]) <= 2720:
        return False
    seps = set(re.findall(r"[ -]", raw))
    if not seps:
        return True
    if len(seps) > 1:
        return False
    sizes = [len(g) for g in re.split(r"[ -]", raw)]
    if sizes in ([4, 6, 5], [4, 6, 4]):  # Amex, Diners
        return True
    return len(sizes) >= 4 and all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _phone_ok(raw: str) -> bool:
    digits = sum(c.isdigit() for c in raw)
    if not 8 <= digits <= 15 or _DATE_LIKE.search(raw):
        return False
    if raw[0] in "+(":
        return True
    return len(set(re.findall(r"[ .-]", raw))) <= 1  # "01.02.2024 12" mixes separators


def _iban_span(m: re.Match[str]) -> tuple[int, int] | None:
    # The pattern may swallow a following four-letter word; drop trailing groups until valid.
    raw = m.group()
    cuts = [i for i, c in enumerate(raw) if c == " "] + [len(raw)]
    for cut in reversed(cuts):
        if iban_ok(raw[:cut].replace(" ", "").upper()):
            return m.start(), m.start() + cut
    return None


def _ipv6_span(m: re.Match[str]) -> tuple[int, int] | None:
    raw = m.group().rstrip(".")
    if not any(c.isalnum() for c in raw):
        return None
    try:
        ipaddress.IPv6Address(raw)
    except ValueError:
        return None
    return m.start(), m.start() + len(raw)


def _ipv4_ok(raw: str) -> bool:
    return all(int(octet) <= 255 for octet in raw.split("."))


def _windows(text: str, needle: str, before: int, after: int) -> list[tuple[int, int]]:
    """Merged stretches around each ``needle``: a rare character gates a costlier pattern."""
    out: list[tuple[int, int]] = []
    i = text.find(needle)
    while i != -1:
        lo, hi = max(0, i - before), min(len(text), i + after)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
        i = text.find(needle, i + 1)
    return out


def _label_starts(text: str) -> list[int]:
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lower-case to two; offsets would drift
        return [m.start() for m in re.finditer(_ID_LABEL, text, re.IGNORECASE)]
    return [m.start() for m in _ID_LABEL_LOWER.finditer(lower)]


def _labelled_id_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span("v") if sum(c.isdigit() for c in m.group("v")) >= 5 else None


_Check = Callable[[re.Match[str]], "tuple[int, int] | None"]


def find_identifiers(text: str, kinds: Collection[str] = KINDS) -> list[Finding]:
    """Non-overlapping identifiers in ``text``, sorted by position."""
    spans: list[tuple[int, int, str]] = []  # (start, end, kind)

    def add(
        kind: str,
        pattern: re.Pattern[str],
        check: _Check | None = None,
        windows: list[tuple[int, int]] | None = None,
    ) -> None:
        for lo, hi in [(0, len(text))] if windows is None else windows:
            for m in pattern.finditer(text, lo, hi):
                span = check(m) if check else m.span()
                if span is not None:
                    spans.append((span[0], span[1], kind))

    if "EMAIL" in kinds:
        add("EMAIL", _EMAIL, windows=_windows(text, "@", 80, 260))
    if "IBAN" in kinds:
        add("IBAN", _IBAN, _iban_span)
    if "CARD" in kinds:
        add("CARD", _CARD, lambda m: m.span() if _card_ok(m.group()) else None)
    if "ID" in kinds:
        add("ID", _SSN)
        add("ID", _UK_NI)
        for lo in _label_starts(text):
            m = _LABELLED_ID.match(text, lo)
            span = _labelled_id_span(m) if m else None
            if span is not None:
                spans.append((span[0], span[1], "ID"))
    if "IP" in kinds:
        add("IP", _IPV4, lambda m: m.span() if _ipv4_ok(m.group()) else None)
        add("IP", _IPV6, _ipv6_span, windows=_windows(text, ":", 50, 50))
    if "PHONE" in kinds:
        add("PHONE", _PHONE, lambda m: m.span() if _phone_ok(m.group()) else None)

    rank = {k: i for i, k in enumerate(KINDS)}
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), rank[s[2]]))
    kept: list[tuple[int, int, str]] = []
    for cand in spans:
        if kept and cand[0] < kept[-1][1]:
            last = kept[-1]
            # Overlap: the higher-priority kind wins, then the longer match.
            if (rank[cand[2]], last[1] - last[0]) < (rank[last[2]], cand[1] - cand[0]):
                kept[-1] = cand
            continue
        kept.append(cand)
    return [Finding(kind, s, e, text[s:e]) for s, e, kind in kept]


def _normalize(kind: str, value: str) -> str:
    """The identity of a value, so reformatted copies get the same placeholder."""
    if kind == "EMAIL":
        return value.casefold()
    if kind == "IP":
        try:
            return ipaddress.ip_address(value).compressed
        except ValueError:
            return value.lower()
    if kind == "PHONE":
        return re.sub(r"[^\d+]", "", value)
    return re.sub(r"[\s-]", "", value).upper()


class Redactor:
    """Placeholders for one conversation: ``redact`` before egress, ``restore`` on the answer."""

    def __init__(self, kinds: Collection[str] = KINDS) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown identifier kinds: {sorted(unknown)}")
        self.kinds: tuple[str, ...] = tuple(k for k in KINDS if k in kinds)
        self._originals: dict[str, str] = {}  # placeholder -> original as first seen
        self._by_key: dict[tuple[str, str], str] = {}  # (kind, normalized) -> placeholder
        self._reserved: set[str] = set()  # placeholder-like tokens the user typed themselves
        self._counts: dict[str, int] = {}

    @property
    def mapping(self) -> dict[str, str]:
        """Placeholder -> original value, for every value redacted so far."""
        return dict(self._originals)

    def findings(self, text: str) -> list[Finding]:
        """What ``redact`` would replace in ``text``, without assigning placeholders."""
        return find_identifiers(text, self.kinds)

    def redact(self, text: str) -> str:
        """``text`` with every identifier replaced by its placeholder."""
        for m in _PLACEHOLDER.finditer(text):
            token = _canonical(m)
            if token not in self._originals:
                self._reserved.add(token)
        parts: list[str] = []
        pos = 0
        for f in find_identifiers(text, self.kinds):
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

    def to_json(self) -> str:
        """The mapping as JSON, to be stored locally with the conversation (it holds the PII)."""
        entries = [{"placeholder": p, "original": v} for p, v in self._originals.items()]
        data = {"version": 1, "kinds": list(self.kinds), "entries": entries}
        data["reserved"] = sorted(self._reserved)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Redactor:
        """A redactor that continues a stored conversation with the same placeholders."""
        raw = json.loads(data)
        if raw.get("version") != 1:
            raise ValueError(f"unsupported redaction mapping version: {raw.get('version')!r}")
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


def _canonical(m: re.Match[str]) -> str:
    kind = m.group(1) or m.group(3)
    number = m.group(2) or m.group(4)
    return f"[{kind.upper()}_{int(number)}]"
