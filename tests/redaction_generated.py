"""A seeded, generated companion to the hand-written redaction set.

The hand-written set was written by the same person as the rules, so it flatters them.
This one draws random digits into each format (with real checksums where the format has
one) and random look-alikes (valid ISBNs and EANs, dates, amounts, order numbers...), in
sentences from a pool of contexts that includes plain ones with no helpful word. It is
deterministic for a given seed, so its figures are reproducible.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from core.privacy.redaction.checks import luhn_ok
from tests.redaction_set import Labelled, Sentence

Maker = Callable[[random.Random], str]

# "#" a digit, "N" a digit 2-9. Formats with no trunk 0 and no country code look like
# other numbers; people write them after a word such as "phone", and so do the contexts.
PHONE_FORMATS: dict[str, list[str]] = {
    "international": [
        "+1 (N##) N##-####", "+1 N##-N##-####", "+44 20 #### ####", "+44 (0)20 #### ####",
        "+44 7### ######", "+49 30 ########", "+49 1## #######", "+33 N ## ## ## ##",
        "+33 (0)N ## ## ## ##", "+31 20 ### ####", "+31 6 ########", "+46 8 ### ### ##",
        "+46 70 ### ## ##", "+47 N# ## ## ##", "+45 N# ## ## ##", "+358 9 #### ####",
        "+358 40 ### ####", "+34 9## ### ###", "+34 6## ## ## ##", "+39 06 #### ####",
        "+39 3## ### ####", "+91 9#### #####", "+61 2 #### ####", "+61 4## ### ###",
        "0044 20 #### ####", "+1N##N######",
    ],
    "national with trunk 0": [
        "020 #### ####", "07### ######", "01### ######", "0161 ### ####", "030 ########",
        "030/########", "(030) #### ####", "01N# #######", "089-########", "0N ## ## ## ##",
        "0N.##.##.##.##", "0N-##-##-##-##", "020-#######", "06-########", "06 #### ####",
        "08-### ### ##", "070-### ## ##", "031-## ## ##", "09 #### ####", "040 ### ####",
        "040-#######", "06 #### ####", "02 #######", "09#### #####", "022 #### ####",
        "011-########", "(02) #### ####", "04## ### ###", "0N#########",
    ],
    "US national": ["(N##) N##-####", "N##-N##-####", "N##.N##.####", "N## N## ####", "1-800-N##-####"],
    "national, no trunk 0": [
        "N# ## ## ##", "N## ## ###", "9## ### ###", "6## ## ## ##", "3## ### ####", "9#### #####",
    ],
}  # fmt: skip
PHONE_CONTEXTS_WITH_CUE = [
    "Call {} after six.", "Phone: {}", "Tel. {}", "My mobile is {}.", "Ring me on {} tomorrow.",
    "Fax {} is still in use.", "Telefon {}", "Puh. {}", "Mobil: {}", "Cell {}",
]  # fmt: skip
PHONE_CONTEXTS_PLAIN = [
    "Her number is {}.", "Contact {} for the keys.", "Reception: {}", "{} (office)",
    "You can reach the ward at {} at night.", "Numbers on file: {}, none other.",
]  # fmt: skip


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(
        str(rng.randint(2, 9)) if c == "N" else str(rng.randint(0, 9)) if c == "#" else c
        for c in pattern
    )


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def _card(rng: random.Random) -> str:
    issuer = rng.choice(["4", "51", "55", "2221", "2720", "34", "37", "6011", "3530"])
    length = 15 if issuer in ("34", "37") else 16
    number = _luhn_complete(rng, issuer, length)
    if length == 15:
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice(["", " ", "-", " ", "."]).join(groups) if rng.random() < 0.8 else number


_IBAN_SHAPES = {"DE": "n18", "GB": "a4n14", "FR": "n10c11n2", "NL": "a4n10", "SE": "n20",
                "NO": "n11", "DK": "n14", "FI": "n14", "ES": "n20", "IT": "a1n10c12",
                "BE": "n12", "CH": "n5c12", "AT": "n16", "PL": "n24", "IE": "a4n14"}  # fmt: skip


def _iban(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_SHAPES))
    shape, bban, i = _IBAN_SHAPES[country], "", 0
    while i < len(shape):
        kind, j = shape[i], i + 1
        while j < len(shape) and shape[j].isdigit():
            j += 1
        alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}.get(
            kind, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        )
        bban += "".join(rng.choice(alphabet) for _ in range(int(shape[i + 1 : j])))
        i = j
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    iban = f"{country}{check:02d}{bban}"
    style = rng.choice(["grouped", "grouped", "compact", "lower", "dashes", "mixed"])
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return {
        "grouped": grouped,
        "compact": iban,
        "lower": grouped.lower(),
        "dashes": grouped.replace(" ", "-"),
        "mixed": iban[:2].capitalize() + iban[2:12] + " " + iban[12:],
    }[style]


def _date(rng: random.Random, first: int = 1935, last: int = 2015) -> datetime.date:
    return datetime.date(first, 1, 1) + datetime.timedelta(
        days=rng.randint(0, (last - first) * 365)
    )


def _swedish(rng: random.Random) -> str:
    d = _date(rng)
    body = d.strftime("%y%m%d") + f"{rng.randint(0, 999):03d}"
    number = next(body + str(c) for c in range(10) if luhn_ok(body + str(c)))
    return rng.choice(
        [number[:6] + "-" + number[6:], d.strftime("%Y") + number[2:6] + "-" + number[6:]]
    )


def _norwegian(rng: random.Random) -> str:
    while True:
        d = [int(c) for c in _date(rng).strftime("%d%m%y") + f"{rng.randint(0, 499):03d}"]
        k1 = (
            11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d, strict=True)) % 11
        ) % 11
        d.append(k1)
        k2 = (
            11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d, strict=True)) % 11
        ) % 11
        if k1 < 10 and k2 < 10:
            return "".join(map(str, d)) + str(k2)


def _finnish(rng: random.Random) -> str:
    d = _date(rng)
    sign = "-" if d.year < 2000 else "A"
    body = d.strftime("%d%m%y") + f"{rng.randint(2, 899):03d}"
    return body[:6] + sign + body[6:] + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(body) % 31]


def _dni(rng: random.Random) -> str:
    n = rng.randint(10_000_000, 99_999_999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def _nir(rng: random.Random) -> str:
    d = _date(rng)
    body = f"{rng.randint(1, 2)}{d:%y%m}{rng.randint(1, 95):02d}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    key = 97 - int(body) % 97
    spaced = f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:]} {key:02d}"
    return rng.choice([spaced, body + f"{key:02d}"])


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    sep = rng.choice(["-", "-", " "])
    return f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"


def _uk_ni(rng: random.Random) -> str:
    first, second = rng.choice("ABCEGHJKLMNOPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{first}{second}{digits}{suffix}"


def _email(rng: random.Random) -> str:
    first = rng.choice(["anna", "lars", "j", "maria", "kenji", "o.brien", "fatima"])
    last = rng.choice(["berg", "smith", "garcia-lopez", "nguyen", "de.vries", "okafor"])
    local = f"{first}.{last}" + rng.choice(["", "", "+news", "+2024", "_77"])
    domain = rng.choice(
        ["example.com", "mail.example.org", "clinic.example.co.uk", "example-law.fi"]
    )
    email = f"{local}@{domain}"
    return rng.choice([email, email, email.upper(), email.title()])


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return rng.choice(
        [":".join(groups), f"2001:db8::{groups[0]}:{groups[1]}", f"fe80::{groups[2]}"]
    )


IDENTIFIERS: dict[str, tuple[str, Maker, list[str]]] = {
    "card": ("CARD", _card, ["Card number {} was charged.", "Pay with {} please.", "{} expires 09/27."]),
    "iban": ("IBAN", _iban, ["IBAN {}", "Transfer it to {} today.", "Account: {}."]),
    "email": ("EMAIL", _email, ["Write to {} soon.", "Contact: {}", "cc {} on the reply"]),
    "ip": ("IP", _ip, ["The host is {} now.", "Blocked {} twice.", "Logins from {}."]),
    "SE personnummer": ("ID", _swedish, ["Personnummer {}", "Patient {} was seen.", "{} on the form"]),
    "NO fødselsnummer": ("ID", _norwegian, ["Fødselsnummer {}", "Patient {} was seen.", "{} on the form"]),
    "FI henkilötunnus": ("ID", _finnish, ["Hetu {}", "Patient {} was seen.", "{} on the form"]),
    "ES DNI": ("ID", _dni, ["DNI {}", "Documento {} caducado.", "{} on the form"]),
    "FR NIR": ("ID", _nir, ["NIR {}", "Assuré {} inscrit.", "{} on the form"]),
    "US SSN": ("ID", _ssn, ["SSN {}", "Her number {} is on file.", "{} on the form"]),
    "UK NI": ("ID", _uk_ni, ["NI number {}", "Employee {} was paid.", "{} on the payslip"]),
}  # fmt: skip


def _isbn13(rng: random.Random) -> str:
    body = rng.choice(["978", "979"]) + f"{rng.randint(0, 999_999_999):09d}"
    check = (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
    isbn = body + str(check)
    return rng.choice([isbn, f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"])


def _ean13(rng: random.Random) -> str:
    body = f"{rng.randint(100_000_000_000, 999_999_999_999)}"
    return body + str(
        (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
    )


def _amount(rng: random.Random) -> str:
    value = rng.randint(1_000_000, 9_999_999_999)
    us = f"{value:,}.{rng.randint(0, 99):02d}"
    return rng.choice([
        us, us.replace(",", "_").replace(".", ",").replace("_", "."), f"{value:,}".replace(",", " "),
        f"{value:,}".replace(",", "'"), f"${value:,}", f"{value}",
    ])  # fmt: skip


def _date_text(rng: random.Random) -> str:
    d = _date(rng, 1990, 2030)
    return d.strftime(rng.choice([
        "%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%y", "%Y/%m/%d", "%d-%m-%Y", "%d %B %Y",
        "%d.%m.%Y %H:%M", "%Y-%m-%dT10:%M:%S", "%Y%m%d", "%d %m %Y",
    ]))  # fmt: skip


AMBIGUOUS_DATE_SERIAL = "date serial after another word"
LOOKALIKES: dict[str, tuple[Maker, list[str]]] = {
    "ISBN-13": (_isbn13, ["ISBN {}", "The book ({}) is out of print.", "Order by ISBN {}."]),
    "EAN-13": (_ean13, ["EAN {}", "Barcode {} on the box.", "Scan {} at the till."]),
    "date": (_date_text, ["Signed on {} in Oslo.", "Due {}.", "Logged {} by the night shift."]),
    "amount": (_amount, ["Total {} EUR.", "Revenue reached {} last year.", "Budget: {} SEK"]),
    "order number": (lambda r: f"{r.randint(10**5, 10**12)}", ["Order {} shipped.", "Invoice {} is overdue.", "Ticket #{} closed.", "Ref. {}", "Account {} at the branch."]),
    "long count": (lambda r: f"{r.randint(10**7, 10**11)}", ["We counted {} visitors.", "The file has {} bytes.", "Population {} in the census."]),
    "grouped count": (lambda r: " ".join(f"{r.randint(100, 999)}" for _ in range(r.randint(3, 4))), ["Sales: {} units.", "Q1 to Q4: {}", "Rows {} were dropped."]),
    "version": (lambda r: ".".join(str(r.randint(0, 30)) for _ in range(r.randint(3, 4))), ["Upgrade to version {}.", "Requires v{} or later.", "Build {} is affected."]),
    "page range": (lambda r: f"{(a := r.randint(100, 9000))}-{a + r.randint(1, 99)}", ["See pp. {}.", "Pages {} were missing.", "Lines {} changed."]),
    "date serial": (
        lambda r: f"{_date(r, 2015, 2025):%y%m%d}-{r.randint(0, 9999):04d}",
        ["Batch {} shipped.", "Order {} is late.", "Lot {} recalled."],
    ),
    # Known ambiguity: a date-shaped serial passes the Swedish personal number's Luhn check
    # one time in ten (a Finnish code's check one in 31); after a word such as "order" or
    # "batch" it is left alone, after any other word it is taken as an ID.
    AMBIGUOUS_DATE_SERIAL: (
        lambda r: f"{_date(r, 2015, 2025):%y%m%d}-{r.randint(0, 9999):04d}",
        ["Shipment {} left.", "Container {} arrived."],
    ),
    "number row": (
        lambda r: " ".join(f"{n:02d}" for n in sorted(r.sample(range(1, 50), 6))),
        ["Lotto numbers: {}", "Drawn: {} and the bonus ball."],
    ),
    "time": (lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}", ["Started at {}.", "Logged {} UTC."]),
}  # fmt: skip


def generated_set(seed: int = 14, per_format: int = 8) -> list[Sentence]:
    """Sentences with labelled identifiers and look-alikes, drawn from ``seed``."""
    rng = random.Random(seed)
    out: list[Sentence] = []
    for family, patterns in PHONE_FORMATS.items():
        for pattern in patterns:
            for i in range(per_format):
                contexts = PHONE_CONTEXTS_WITH_CUE if i % 2 == 0 else PHONE_CONTEXTS_PLAIN
                cue = "with cue" if i % 2 == 0 else "plain"
                out.append(
                    _identifier(
                        f"phone/{family}/{cue}",
                        "PHONE",
                        _digits(rng, pattern),
                        rng.choice(contexts),
                    )
                )
    for name, (kind, make, contexts) in IDENTIFIERS.items():
        for _ in range(per_format * 4):
            out.append(_identifier(f"{kind.lower()}/{name}", kind, make(rng), rng.choice(contexts)))
    for name, (make, contexts) in LOOKALIKES.items():
        for _ in range(per_format * 6):
            value, context = make(rng), rng.choice(contexts)
            start = context.index("{}")
            out.append(
                Sentence(f"keep/{name}", context.format(value), (), ((start, start + len(value)),))
            )
    return out


def _identifier(category: str, kind: str, value: str, context: str) -> Sentence:
    start = context.index("{}")
    return Sentence(
        category, context.format(value), (Labelled(kind, start, start + len(value)),), ()
    )
