"""Identifiers with letters in them: emails, IBANs, IP addresses and lettered national IDs.

Patterns open with a character class and check the character before it in a lookbehind
placed after it: the regex engine then skips quickly to candidate characters. Costlier
patterns only run in windows around a rare mark ("@", "(at)", two close colons), and a
label ("SSN", "BSN", "Passport number:") is only looked for before five close digits.

``lower`` arguments are ``text`` lower-cased character by character (same offsets).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from core.privacy.redaction.checks import (
    finnish_personal_identity_code_ok,
    iban_ok,
    italian_fiscal_code_ok,
    spanish_dni_ok,
)
from core.privacy.redaction.numbers import number_word_before

Span = tuple[int, int, str]

_EMAIL = re.compile(r"(?<![\w.%+-])[\w%+-][\w.%+-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
# "jane (at) example (dot) org", "lars[at]example[dot]dk": how people hide an address.
_EMAIL_SPELLED = re.compile(
    r"(?<![\w.%+-])[\w%+-][\w.%+-]*[ ]?[\[(]at[\])][ ]?[\w-]+(?:[ ]?[\[(]dot[\])][ ]?[\w-]+)+",
    re.IGNORECASE,
)
_AT = re.compile("@")
_SPELLED_AT = re.compile(r"\(at\)|\[at\]")
_IPV6_HINT = re.compile(r":[0-9A-Fa-f]{0,4}:")  # two colons close together: worth a look
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?![\w:])")
_VERSION_CUE = re.compile(
    r"(?:\bv|\b(?:version|ver|release|build|firmware|section|chapter|clause|figure|table"
    r"|step|rule|article|art|par|para)\.?\s*|§\s*)$"
)
# One pass over the digits that can open an identifier with letters: the branches are told
# apart by what precedes the digit, so no branch hides another.
_DIGIT_LED = re.compile(
    # IBAN, from its check digits: two letters before them (any case, spaces or dashes).
    r"[0-9](?:(?<=[A-Za-z]{2}[0-9])(?<![\w][A-Za-z]{2}[0-9])"
    r"(?P<iban>[0-9](?:[ -]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9]))"
    # Codice fiscale, from its first digit: six letters before it.
    r"|(?<=[A-Za-z]{6}[0-9])(?<![\w][A-Za-z]{6}[0-9])"
    r"(?P<cf>[0-9][A-Za-z][0-9]{2}[A-Za-z][0-9]{3}[A-Za-z](?![\w]))"
    # Finnish personal identity code, Spanish DNI, IPv4: a free digit.
    r"|(?<![\w.,:/+\-][0-9])(?:(?P<fi>[0-9]{5}[-+A-FU-Y][0-9]{3}[0-9A-Y])|(?P<dni>[0-9]{7}-?[A-Z]))(?![\w])"
    r"|(?<![\w.][0-9])(?P<ip>[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})(?![\w]|\.[0-9])"
    # Anything else holding five digits close together: a value a label may name.
    r"|(?<![0-9][0-9])(?P<value>)(?=(?:[A-Za-z0-9 .\-/]{0,2}[0-9]){4}))"
)
# UK National Insurance number and Spanish NIE: a free capital letter.
_LETTER_LED = re.compile(
    r"[A-Z](?<![\w][A-Z])(?:"
    r"(?<=[A-CEGHJ-PR-TW-Z])(?P<ni>[A-CEGHJ-NPR-TW-Z](?<!BG|GB|NK|KN|TN|NT|ZZ)"
    r" ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D])(?![\w])"
    r"|(?<=[XYZ])(?P<nie>-?[0-9]{7}-?[A-Z])(?![\w]))"
)
# Any other national ID is caught after a label; bare digit runs are too ambiguous.
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
# The first word of each label: a set lookup decides whether a label regex is worth running.
_LABEL_FIRST_WORDS = frozenset(re.split(r"[^\w]", label)[0] for label in _ID_LABELS)
_LABEL = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(w) for w in sorted(_ID_LABELS, key=len, reverse=True))
    + r")(?![^\W\d_])"
)
_LABEL_REACH = 48  # how far before a value its label may start
_WORDS = re.compile(r"[^\W\d_]+")
# After a label: "number", "no.", ":" and the like, then the value, which holds digits.
_LABELLED_VALUE = re.compile(
    r"(?:[ \t-]*(?:number|no|nr|num|nummer|#)\.?)?[ \t]*(?:is[ \t]+|[:#=][ \t]*)?"
    r"(?P<v>[A-Z0-9]*[0-9][A-Z0-9]*(?:[ .\-/][A-Z0-9]*[0-9][A-Z0-9]*)*)(?![\w])",
    re.IGNORECASE,
)
_SHORT_LABEL = 4  # "tin", "pan", "nie": a label this short must be written with a capital


def emails(text: str, lower: str) -> Iterator[Span]:
    for lo, hi in _windows(text, _AT, 80, 260):
        for m in _EMAIL.finditer(text, lo, hi):
            yield m.start(), m.end(), "EMAIL"
    for lo, hi in _windows(lower, _SPELLED_AT, 80, 200):
        for m in _EMAIL_SPELLED.finditer(text, lo, hi):
            yield m.start(), m.end(), "EMAIL"


def digit_led(text: str, lower: str, kinds: frozenset[str]) -> Iterator[Span]:
    """IBANs, IPv4 addresses, national IDs that mix digits and letters, labelled IDs."""
    labelled_until = -1
    for m in _DIGIT_LED.finditer(text):
        if m.group("value") is not None:
            if "ID" in kinds and m.start() >= labelled_until:
                for span in _labelled_id(text, lower, m.start()):
                    labelled_until = span[1]
                    yield span
        elif m.group("iban") is not None:
            if "IBAN" in kinds:
                yield from _iban(text, m.start() - 2, m.end())
        elif m.group("ip") is not None:
            octets = m.group().split(".")
            if "IP" in kinds and all(int(o) <= 255 for o in octets) and not _version(text, m):
                yield m.start(), m.end(), "IP"
        elif "ID" in kinds:
            start = m.start() - 6 if m.group("cf") is not None else m.start()
            check = {"cf": italian_fiscal_code_ok, "fi": finnish_personal_identity_code_ok}
            group = next(g for g in ("cf", "fi", "dni") if m.group(g) is not None)
            if group == "fi" and m.group()[-1].isdigit() and number_word_before(text, start):
                continue  # "Lot 170520-2518": a date-shaped serial, not a Finnish code
            if check.get(group, spanish_dni_ok)(text[start : m.end()]):
                yield start, m.end(), "ID"


def letter_led(text: str) -> Iterator[Span]:
    """UK National Insurance numbers and Spanish NIEs."""
    for m in _LETTER_LED.finditer(text):
        if m.group("ni") is not None or spanish_dni_ok(m.group()):
            yield m.start(), m.end(), "ID"


def ipv6_addresses(text: str) -> Iterator[Span]:
    for lo, hi in _windows(text, _IPV6_HINT, 50, 50):
        for m in _IPV6.finditer(text, lo, hi):
            raw = m.group().rstrip(".")
            if any(c.isalnum() for c in raw) and _valid_ipv6(raw):
                yield m.start(), m.start() + len(raw), "IP"


def _iban(text: str, start: int, end: int) -> Iterator[Span]:
    raw = text[start:end]
    cuts = [i for i, c in enumerate(raw) if c in " -"] + [len(raw)]
    for cut in reversed(cuts):  # the pattern may swallow a following short word
        if iban_ok(re.sub(r"[ -]", "", raw[:cut])):
            yield start, start + cut, "IBAN"
            return


def _labelled_id(text: str, lower: str, value_at: int) -> Iterator[Span]:
    """The value around ``value_at`` when a label such as "SSN:" or "BSN" stands before it."""
    lo = max(0, value_at - _LABEL_REACH)
    if _LABEL_FIRST_WORDS.isdisjoint(_WORDS.findall(lower, lo, value_at)):
        return
    for label in _LABEL.finditer(lower, lo, value_at):
        if len(label.group()) <= _SHORT_LABEL and text[label.start() : label.end()].islower():
            continue  # "tin", "pan" as words
        m = _LABELLED_VALUE.match(text, label.end())
        if m is not None and m.end() > value_at and sum(c.isdigit() for c in m.group("v")) >= 5:
            yield m.start("v"), m.end("v"), "ID"
            return


def _version(text: str, m: re.Match[str]) -> bool:
    return _VERSION_CUE.search(text[max(0, m.start() - 12) : m.start()].lower()) is not None


def _valid_ipv6(raw: str) -> bool:
    try:
        ipaddress.IPv6Address(raw)
    except ValueError:
        return False
    return True


def _windows(text: str, needle: re.Pattern[str], before: int, after: int) -> list[tuple[int, int]]:
    """Merged stretches around each ``needle``: a rare mark gates a costlier pattern."""
    out: list[tuple[int, int]] = []
    for m in needle.finditer(text):
        lo, hi = max(0, m.start() - before), min(len(text), m.end() + after)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out
