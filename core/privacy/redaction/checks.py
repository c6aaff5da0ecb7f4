"""Checksums and date rules that tell a real identifier from a number that looks like one."""

from __future__ import annotations

import datetime

# ISO 13616 lengths for the countries whose IBANs people most often write; others 15..34.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn checksum (payment cards, Swedish numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(compact: str) -> bool:
    """Whether an IBAN without spaces (any case) has its country's length and passes mod-97."""
    compact = compact.upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    if not compact.isalnum() or not compact.isascii():
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def swedish_personal_number_ok(digits: str) -> bool:
    """YYMMDDNNNN or YYYYMMDDNNNN: a real date (day + 60 for a coordination number), Luhn."""
    if len(digits) == 12:
        century, digits = int(digits[:2]), digits[2:]
        if century not in (18, 19, 20):
            return False
        year = century * 100 + int(digits[:2])
    elif len(digits) == 10:
        year = 2000 + int(digits[:2])  # the century is not written; 2000 + YY keeps leap days
    else:
        return False
    day = int(digits[4:6])
    day = day - 60 if day > 60 else day
    return _date_ok(year, int(digits[2:4]), day) and luhn_ok(digits)


def norwegian_birth_number_ok(digits: str) -> bool:
    """DDMMYY + three digits + two mod-11 check digits (D-numbers: day + 40)."""
    if len(digits) != 11:
        return False
    d = [int(c) for c in digits]
    for weights, n in (((3, 7, 6, 1, 8, 9, 4, 5, 2), 9), ((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), 10)):
        check = 11 - sum(w * x for w, x in zip(weights, d, strict=False)) % 11
        check = 0 if check == 11 else check
        if check == 10 or check != d[n]:
            return False
    day, month = int(digits[:2]), int(digits[2:4])
    day = day - 40 if day > 40 else day
    month = month - 40 if month > 40 else month  # H-numbers (and +80 for synthetic ones)
    month = month - 40 if month > 40 else month
    return _date_ok(2000, month, day)


def danish_cpr_mod11_ok(digits: str) -> bool:
    """DDMMYYSSSS with a real date and the weighted mod-11 sum (true for numbers before 2007)."""
    if len(digits) != 10 or not _date_ok(2000, int(digits[2:4]), int(digits[:2])):
        return False
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(w * int(c) for w, c in zip(weights, digits, strict=True)) % 11 == 0


def danish_cpr_date_ok(digits: str) -> bool:
    """DDMMYY is a real day: CPR numbers issued since 2007 may fail the mod-11 sum."""
    return len(digits) == 10 and _date_ok(2000, int(digits[2:4]), int(digits[:2]))


_FINNISH_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_FINNISH_CENTURY = {"+": 1800, "-": 1900, "U": 1900, "V": 1900, "W": 1900, "X": 1900, "Y": 1900}
_FINNISH_CENTURY |= {c: 2000 for c in "ABCDEF"}


def finnish_personal_identity_code_ok(code: str) -> bool:
    """DDMMYYCZZZQ: century sign C, a real date and the mod-31 check character Q."""
    code = code.upper()
    if len(code) != 11 or code[6] not in _FINNISH_CENTURY:
        return False
    if not (code[:6] + code[7:10]).isdigit():
        return False
    year = _FINNISH_CENTURY[code[6]] + int(code[4:6])
    if not _date_ok(year, int(code[2:4]), int(code[:2])):
        return False
    return _FINNISH_CHECK[int(code[:6] + code[7:10]) % 31] == code[10]


def dutch_bsn_ok(digits: str) -> bool:
    """Nine digits passing the "11-proef" (weights 9..2 and -1)."""
    if len(digits) != 9 or digits == "000000000":
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(w * int(c) for w, c in zip(weights, digits, strict=True)) % 11 == 0


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def spanish_dni_ok(code: str) -> bool:
    """DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter), letter = number mod 23."""
    code = code.upper().replace("-", "")
    if len(code) != 9 or not code[-1].isalpha():
        return False
    body = code[:-1]
    if body[0] in "XYZ":
        body = str("XYZ".index(body[0])) + body[1:]
    return body.isdigit() and _DNI_LETTERS[int(body) % 23] == code[-1]


_CF_ODD = dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True))
_CF_ODD_LETTERS = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)  # fmt: skip
_CF_ODD |= dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _CF_ODD_LETTERS, strict=True))


def italian_fiscal_code_ok(code: str) -> bool:
    """Codice fiscale: 6 letters, YY, month letter, DD (+40 for women), place, check letter."""
    code = code.upper()
    if len(code) != 16 or code[8] not in "ABCDEHLMPRST":
        return False
    day = int(code[9:11])
    if not 1 <= (day - 40 if day > 40 else day) <= 31:
        return False
    total = 0
    for i, c in enumerate(code[:15]):
        total += _CF_ODD[c] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65)
    return chr(65 + total % 26) == code[15]


def french_nir_ok(digits: str) -> bool:
    """Social security number: sex, YY, MM, department (2A/2B for Corsica), commune, order, key."""
    digits = digits.upper()
    if len(digits) != 15 or digits[0] not in "1278":
        return False
    month = int(digits[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    body = digits[:13].replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or not digits[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(digits[13:])


def us_ssn_ok(area: str, group: str, serial: str) -> bool:
    """Area, group and serial that the SSA can issue (no 000, 666 or 9xx area, no zero parts)."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"
