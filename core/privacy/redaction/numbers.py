"""Identifiers made of digits and separators: phone numbers, card numbers, numeric national IDs.

One scan finds every run of digits joined by spaces, dots, dashes, slashes or brackets
that holds at least seven digits. Each run is judged whole (or cut short from its end when
what follows is plainly something else, as in "020 7946 0958 24/7"), by format: a date
is never an identifier; a card needs Luhn and an issuer
prefix; a national ID needs its checksum or date rule; a phone needs a shape that phone
numbers have (a country code, a bracketed area code, a trunk 0, US 3-3-4) or, for
national formats that look like other numbers (``912 345 678``, ``22 12 34 56``), a
word such as "phone", "mobil" or "tlf" just before it. Bare digit runs next to words
such as "order", "invoice" or "ISBN" are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from core.privacy.redaction.checks import (
    danish_cpr_date_ok,
    dutch_bsn_ok,
    french_nir_ok,
    luhn_ok,
    norwegian_birth_number_ok,
    swedish_personal_number_ok,
    us_ssn_ok,
)

# A run opens on "+", "(" or a digit not glued to a word or to another number, holds at
# least seven characters, and goes on through digits, brackets and single separators.
_RUN = re.compile(
    r"(?:\+(?<![\w+]\+)|\((?<![\w(]\()|[0-9](?<![\w.,:;/+\-][0-9]))"
    r"(?=[\d()+ ./-]{6})"
    r"[\d()]*+(?:(?: ?[./-] ?| )[\d(][\d()]*+)*+"
)
_UNIT = re.compile(r"[+\d()]+")
_DIGITS = re.compile(r"\d+")
_SEPARATORS = re.compile(r"[^\d+()]+")
_DATE = re.compile(
    r"\d{1,2}([ ./-])\d{1,2}\1(?:\d{2}|\d{4})|\d{4}([./-])\d{1,2}\2\d{1,2}|(?:19|20)\d\d[01]\d[0-3]\d"
)
_PHONE_CUE = re.compile(
    r"(?:\b(?:tel|tél|tlf|ph|phone|telephone|téléphone|telefon|telefono|teléfono|telefoon"
    r"|telefoonnummer|telefonnummer|mobile|mobil|mobiel|móvil|movil|portable|handy|cell"
    r"|cellulare|cellphone|gsm|fax|call|ring|sms|text|whatsapp|puh|puhelin|matkapuhelin"
    r"|(?:my|her|his|your|our|their)(?: (?:phone|mobile|cell|home|work|office|direct))? number"
    r"|reach (?:me|us|him|her|them))\b"
    r"|\bllám)[^\d]{0,24}$"
)
_NOT_PHONE_CUE = re.compile(
    r"\b(?:order|invoice|inv|ref|reference|account|acct|customer|client|tracking|serial|s/n"
    r"|sku|isbn|issn|ean|upc|gtin|doi|po|case|ticket|transaction|item|part|model|batch|lot"
    r"|receipt|booking|confirmation|policy|claim|id|no|nr|vat|iva|tva|btw|moms|mwst|ust|org"
    r"|orgnr|siren|siret|konto|kontonummer|clearing|ocr)"
    r"(?:\W{1,3}(?:number|num|no|nr|id|code))?(?:\W{1,3}(?:is|was))?\W{0,4}$|#\s?$"
)
_CPR_CUE = re.compile(r"\bcpr\b")
_CODE_BEFORE = re.compile(r"(?:^|\s)(?=[^\s]*\d)(?=[^\s]*[a-z])[^\s]+ $")  # "1Z 999 AA1 01 2345"
_MAX_UNITS = 8  # the longest identifier written in groups: a French NIR, 7 groups


def numeric_identifiers(text: str, kinds: frozenset[str]) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` for phones, cards and numeric national IDs in ``text``."""
    for m in _RUN.finditer(text):
        if " " not in m.group():  # one stretch: judge it whole (most dates, amounts, codes)
            end = m.end()
            if text[end : end + 1].isalnum():
                continue  # "12345678kg": the run belongs to a word
            kind = _judge(text, m.start(), end)
            if kind is not None and kind in kinds:
                yield m.start(), end, kind
            continue
        units = [(m.start() + u.start(), m.start() + u.end()) for u in _UNIT.finditer(m.group())]
        units = [u for u in units if any(c.isdigit() for c in text[u[0] : u[1]])]
        if units and text[units[-1][1] : units[-1][1] + 1].isalnum():
            units.pop()  # "12345678kg": the last group belongs to a word
        # The run whole, else shorter by whole groups from its end when what is dropped is
        # plainly something else ("020 7946 0958 24/7", "... 0958 2 times"). Never from its
        # start: "1 85 05 78 006 084 92" holds no phone "05 78 006 084 92", nor does
        # "05 12 23 34 41 45" hold "05 12 23 34 41".
        i = 0
        while i < len(units):
            for j in range(min(len(units), i + _MAX_UNITS), i, -1):
                start, end = units[i][0], units[j - 1][1]
                if j < len(units) and not _droppable(text, end, units[-1][1]):
                    continue
                kind = _judge(text, start, end)
                if kind is not None and kind in kinds:
                    yield start, end, kind
                    i = j  # what follows an identifier may be another one
                    break
            else:
                break


def number_word_before(text: str, start: int) -> bool:
    """Whether a word such as "order", "invoice", "batch" or "ISBN" stands just before."""
    return _NOT_PHONE_CUE.search(text[max(0, start - 40) : start].lower()) is not None


def _droppable(text: str, end: int, run_end: int) -> bool:
    dropped = text[end:run_end]
    return dropped[:1] == " " and (any(c in "./-()" for c in dropped) or len(dropped.strip()) == 1)


class _Before:
    """The words just before a number, read only when its format needs them."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text, self._start, self._end = text, start, end
        self._lower: str | None = None

    def _search(self, pattern: re.Pattern[str]) -> bool:
        if self._lower is None:
            self._lower = self._text[max(0, self._start - 40) : self._start].lower()
        return pattern.search(self._lower) is not None

    def phone_word(self) -> bool:
        return self._search(_PHONE_CUE)

    def other_number_word(self) -> bool:
        return self._search(_NOT_PHONE_CUE)

    def code(self) -> bool:
        return self._search(_CODE_BEFORE)

    def cpr(self) -> bool:
        """ "CPR" before the number or just after it ("240377-1018 (cpr)")."""
        after = self._text[self._end : self._end + 20].lower()
        return self._search(_CPR_CUE) or _CPR_CUE.search(after) is not None


def _judge(text: str, start: int, end: int) -> str | None:
    raw = text[start:end]
    groups = _DIGITS.findall(raw)
    digits = "".join(groups)
    if not 7 <= len(digits) <= 19 or _DATE.fullmatch(raw):
        return None
    before = _Before(text, start, end)
    seps = set(_SEPARATORS.findall(raw))
    if _card(raw, digits, groups, seps, before):
        return "CARD"
    if _national_id(digits, groups, seps, before):
        return "ID"
    if _phone(raw, digits, groups, seps, before):
        return "PHONE"
    return None


def _card(raw: str, digits: str, groups: list[str], seps: set[str], before: _Before) -> bool:
    if not 13 <= len(digits) <= 19 or "(" in raw or "+" in raw:
        return False
    if digits[0] not in "3456" and not 2221 <= int(digits[:4]) <= 2720:
        return False
    if not luhn_ok(digits):
        return False
    if not seps:
        return len(digits) in (14, 15, 16, 19) and not before.other_number_word()
    if len(seps) > 1:
        return False
    sizes = [len(g) for g in groups]
    if sizes in ([4, 6, 5], [4, 6, 4]):  # Amex, Diners
        return True
    return len(sizes) >= 4 and all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _national_id(digits: str, groups: list[str], seps: set[str], before: _Before) -> bool:
    sizes = [len(g) for g in groups]
    if sizes == [3, 2, 4] and seps in ({"-"}, {" "}):
        return us_ssn_ok(*groups)
    if (sizes == [8, 4] and seps == {"-"}) or sizes == [12]:
        return swedish_personal_number_ok(digits)
    if sizes == [6, 4] and seps == {"-"}:
        # YYMMDD-NNNN is also how order and batch numbers are written: a Luhn pass (one
        # in ten) is not enough after a word such as "order" or "batch".
        # A Danish CPR number needs the word "CPR": its mod-11 sum is optional since 2007.
        if before.cpr():
            return danish_cpr_date_ok(digits)
        return not before.other_number_word() and swedish_personal_number_ok(digits)
    if (sizes == [11] or (sizes == [6, 5] and seps == {" "})) and norwegian_birth_number_ok(digits):
        return True
    if sizes in ([15], [1, 2, 2, 2, 3, 3, 2]) and seps <= {" "}:
        return french_nir_ok(digits)
    return sizes == [4, 2, 3] and seps == {"."} and dutch_bsn_ok(digits)


def _phone(raw: str, digits: str, groups: list[str], seps: set[str], before: _Before) -> bool:
    n = len(digits)
    if n > 15 or raw.count("(") != raw.count(")"):
        return False
    if raw[0] == "+":
        return 8 <= n <= 15 and len(groups[-1]) >= 2
    if raw.startswith("00") and raw[2] != "0" and len(groups) > 1 and len(groups[0]) in (4, 5):
        return 10 <= n <= 15 and len(groups[-1]) >= 2  # 0044 20 7946 0958
    sizes = [len(g) for g in groups]
    if min(sizes[1:], default=2) < 2:
        return False
    if raw[0] == "(":
        return re.match(r"\(0?\d{1,4}\) ?\d", raw) is not None and 8 <= n <= 12
    if "(" in raw or ("/" in raw and raw[0] != "0"):
        return False
    trunk = raw[0] == "0" and raw[1] != "0"  # the trunk prefix of most national plans
    if not seps:  # bare digits: a phone's length and a word like "call", or a trunk 0
        if not 8 <= n <= 12 or before.code():
            return False
        return before.phone_word() or (trunk and 10 <= n <= 11 and not before.other_number_word())
    if not _separators_ok(raw, seps) or not 8 <= n <= 12 or before.code():
        return False
    if sizes.count(2) == len(sizes) and len(sizes) != 5:
        # All pairs: French numbers have five ("01 23 45 67 89"), Nordic ones four after a
        # word like "tlf"; a list of scores or lottery numbers has any number.
        return len(sizes) == 4 and before.phone_word()
    if (trunk and 2 <= sizes[0] <= 6) or _us_shape(groups, seps):
        return before.phone_word() or not before.other_number_word()
    return before.phone_word()  # no-trunk plans (NO, DK, ES, IT mobiles, IN): need a word


def _separators_ok(raw: str, seps: set[str]) -> bool:
    """One separator throughout, or a dash or slash after the area code then spaces."""
    if len(seps) == 1:
        return True
    first = re.search(r"[^\d]+", raw)
    return (
        first is not None
        and first.group().strip() in ("-", "/")
        and seps - {first.group()} == {" "}
    )


def _us_shape(groups: list[str], seps: set[str]) -> bool:
    """415-555-2671, 415.555.2671, 415 555 2671, 1-800-555-0199."""
    if len(seps) != 1 or seps == {"/"}:
        return False
    if len(groups) == 4 and groups[0] == "1":
        groups = groups[1:]
    return (
        [len(g) for g in groups] == [3, 3, 4]
        and groups[0][0] in "23456789"
        and groups[1][0] in "23456789"
    )
