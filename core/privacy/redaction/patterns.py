"""Identifiers with letters in them: emails, IBANs, IP addresses and lettered national IDs.

Patterns open with a character class and check the character before it in a lookbehind
placed after it: the regex engine then skips quickly to candidate characters. Costlier
patterns only run in windows around a rare character ("@", ":") or a label.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator

from core.privacy.redaction.checks import (
    finnish_personal_identity_code_ok,
    iban_ok,
    italian_fiscal_code_ok,
    spanish_dni_ok,
)

Span = tuple[int, int, str]

_EMAIL = re.compile(r"(?<![\w.%+-])[\w%+-][\w.%+-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
# "jane (at) example (dot) org", "lars[at]example[dot]dk": how people hide an address.
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.%+-])[\w%+-][\w.%+-]*[ ]?[\[(]at[\])][ ]?[\w-]+(?:[ ]?[\[(]dot[\])][ ]?[\w-]+)+",
    re.IGNORECASE,
)
# IBAN: found from its check digits (two letters before them), any case, spaces or dashes.
_IBAN = re.compile(
    r"[0-9](?<=[A-Za-z]{2}[0-9])(?<![\w][A-Za-z]{2}[0-9])[0-9](?:[ -]?[A-Za-z0-9]){11,30}"
    r"(?![A-Za-z0-9])"
)
_IPV4 = re.compile(
    r"[0-9](?<![\w.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?!\w|\.[0-9])"
)
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w:])")
_VERSION_CUE = re.compile(
    r"(?:\bv|\b(?:version|ver|release|build|firmware|section|chapter|clause|figure|table"
    r"|step|rule|article|art|par|para)\.?\s*|§\s*)$"
)
_UK_NI = re.compile(
    r"[A-CEGHJ-PR-TW-Z](?<!\w[A-Z])[A-CEGHJ-NPR-TW-Z](?<!BG|GB|NK|KN|TN|NT|ZZ)"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
# Finnish personal identity code and Spanish DNI, in one pass: both open on a free digit.
_FINNISH_OR_DNI = re.compile(
    r"[0-9](?<![\w.,:/+\-][0-9])(?:(?P<fi>[0-9]{5}[-+A-FU-Y][0-9]{3}[0-9A-Y])|[0-9]{7}-?[A-Z])(?!\w)"
)
_NIE = re.compile(r"[XYZ](?<!\w[XYZ])-?\d{7}-?[A-Z](?!\w)")
# Codice fiscale, found from its first digit: six letters before it.
_FISCAL_CODE = re.compile(
    r"[0-9](?<=[A-Za-z]{6}[0-9])(?<!\w[A-Za-z]{6}[0-9])[0-9][A-Za-z][0-9]{2}[A-Za-z][0-9]{3}[A-Za-z]"
    r"(?!\w)"
)
# Any other national ID is caught after a label; bare digit runs are too ambiguous.
# Looked up in lower case with str.find, each on its own: much faster than one alternation.
_ID_LABELS = (
    "ssn", "social security", "national insurance", "ni", "nino", "passport", "national id",
    "id card", "identity card", "tax id", "tax number", "tin", "tfn", "tax file", "medicare",
    "nhs", "driver's licence", "driver's license", "drivers licence", "drivers license",
    "personal id", "personal number", "personnummer", "personnr", "pnr", "fødselsnummer",
    "fodselsnummer", "fnr", "cpr", "henkilötunnus", "hetu", "bsn", "burgerservicenummer",
    "sofinummer", "nif", "nie", "dni", "codice fiscale", "aadhaar", "uid", "pan", "pesel",
    "steuer-id", "steuerid", "steueridentifikationsnummer", "idnr", "insee", "nir",
    "sozialversicherungsnummer", "svnr", "ahv", "avs",
)  # fmt: skip
# After a label: "number", "no.", ":" and the like, then the value, which holds digits.
_LABELLED_VALUE = re.compile(
    r"(?:[ \t-]*(?:number|no|nr|num|nummer|#)\.?)?[ \t]*(?:is[ \t]+|[:#=][ \t]*)?"
    r"(?P<v>[A-Z0-9]*[0-9][A-Z0-9]*(?:[ .\-/][A-Z0-9]*[0-9][A-Z0-9]*)*)(?![\w])",
    re.IGNORECASE,
)
_SHORT_LABEL = 4  # "tin", "pan", "nie": a label this short must be written with a capital


def emails(text: str, lower: str) -> Iterator[Span]:
    """``lower`` is ``text.lower()`` when that keeps every offset, else ``text`` itself."""
    for lo, hi in _windows(text, "@", 80, 260):
        for m in _EMAIL.finditer(text, lo, hi):
            yield m.start(), m.end(), "EMAIL"
    for needle in ("(at)", "[at]"):
        for lo, hi in _windows(lower, needle, 80, 200):
            for m in _EMAIL_SPELLED.finditer(text, lo, hi):
                yield m.start(), m.end(), "EMAIL"


def ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        start, raw = m.start() - 2, text[m.start() - 2 : m.end()]
        cuts = [i for i, c in enumerate(raw) if c in " -"] + [len(raw)]
        for cut in reversed(cuts):  # the pattern may swallow a following short word
            if iban_ok(re.sub(r"[ -]", "", raw[:cut])):
                yield start, start + cut, "IBAN"
                break


def ip_addresses(text: str) -> Iterator[Span]:
    for m in _IPV4.finditer(text):
        if all(int(octet) <= 255 for octet in m.group().split(".")) and not _version(text, m):
            yield m.start(), m.end(), "IP"
    for lo, hi in _windows(text, ":", 50, 50):
        for m in _IPV6.finditer(text, lo, hi):
            raw = m.group().rstrip(".")
            if any(c.isalnum() for c in raw) and _valid_ipv6(raw):
                yield m.start(), m.start() + len(raw), "IP"


def lettered_ids(text: str) -> Iterator[Span]:
    checks: list[tuple[re.Pattern[str], Callable[[str], bool] | None, int]] = [
        (_UK_NI, None, 0),
        (_FINNISH_OR_DNI, _finnish_or_dni_ok, 0),
        (_NIE, spanish_dni_ok, 0),
        (_FISCAL_CODE, italian_fiscal_code_ok, 6),
    ]
    for pattern, check, back in checks:
        for m in pattern.finditer(text):
            start = m.start() - back
            if check is None or check(text[start : m.end()]):
                yield start, m.end(), "ID"


def labelled_ids(text: str, lower: str) -> Iterator[Span]:
    """``lower`` is ``text.lower()`` when that keeps every offset, else ``text`` itself."""
    for label in _ID_LABELS:
        lo = lower.find(label)
        while lo != -1:
            hi = lo + len(label)
            lo, found = lower.find(label, hi), lo
            if found and (text[found - 1].isalnum() or text[found - 1] in "_-"):
                continue  # inside a word
            if hi < len(text) and text[hi].isalpha():
                continue
            if len(label) <= _SHORT_LABEL and text[found:hi].islower():
                continue
            m = _LABELLED_VALUE.match(text, hi)
            if m is not None and sum(c.isdigit() for c in m.group("v")) >= 5:
                yield m.start("v"), m.end("v"), "ID"


def _finnish_or_dni_ok(code: str) -> bool:
    if len(code) == 11 and not code[6].isdigit():
        return finnish_personal_identity_code_ok(code)
    return spanish_dni_ok(code)


def _version(text: str, m: re.Match[str]) -> bool:
    return _VERSION_CUE.search(text[max(0, m.start() - 12) : m.start()].lower()) is not None


def _valid_ipv6(raw: str) -> bool:
    try:
        ipaddress.IPv6Address(raw)
    except ValueError:
        return False
    return True


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
