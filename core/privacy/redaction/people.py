"""Names and street addresses, found by the words people write around them.

A name is caught after an honorific (Mr, Dr., Frau, Mme...), a salutation ("Dear Anna,",
"Hej Björn!"), an introduction ("my name is"), a label ("Patient:", "Name:", "Attn:",
"From: Ann Lee <...>") or a sign-off ("Kind regards," then a line with the name); the
``Redactor`` then replaces it, and its surname, wherever it recurs. A name written with
none of these around it is not caught: no rule tells "Sarah Connor" from "Wall Street".

An address is caught as a house number and a street-type word in the order each country
writes them ("221B Baker Street", "12 rue de la Paix", "Hauptstraße 5", "Karl Johans gate
22", "Via Roma 12"), with a following postcode and town ("10115 Berlin", "London NW1 6XE",
"Austin, TX 78701") kept in the same span; also "P.O. Box 1234", a UK postcode and a US
"City, ST 12345". A street without a house number ("on Elm Street") is not caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str]

_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽ"
_LO = "a-zß-öø-ÿāăąćčďđēėęěğīįıķĺļľłńņňōőœŕřśşšţťūůűųźżž"
# A capitalised word: O'Brien, McDonald, Hans-Jürgen, Queen's.
_WORD_REST = (
    rf"(?:['’][{_UP}])?[{_LO}]+(?:[{_UP}][{_LO}]+)?"
    rf"(?:-[{_UP}](?:['’][{_UP}])?[{_LO}]+)*(?:['’]s)?"
)
_WORD = rf"[{_UP}]{_WORD_REST}"
_PARTICLE = r"(?:van|von|der|den|de|del|della|da|di|du|la|le|ter|ten|af|av|bin|ibn|al|dos|das)"
_INITIALS = rf"(?:[{_UP}]\.[ ]?)*"
_NAME = (
    rf"{_INITIALS}{_WORD}(?:[ ]+(?:{_PARTICLE}[ ]+)*{_INITIALS}{_WORD}){{0,3}}"
    rf"(?![{_UP}{_LO}\w])"
)
_HONORIFICS = (
    "M.", "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Herr", "Frau", "Hr", "Fr",
    "Mme", "Mlle", "Madame", "Monsieur", "Dhr", "Mevr", "Mevrouw", "Sr", "Sra", "Srta", "Sig",
    "Sig.ra", "Dott", "Dott.ssa", "Ing", "Avv",
)  # fmt: skip
_SALUTATIONS = (
    "Dear", "Hi", "Hello", "Hey", "Hej", "Hei", "Hallo", "Moi", "Liebe", "Lieber", "Bonjour",
    "Cher", "Chère", "Beste", "Hola", "Estimado", "Estimada", "Querido", "Querida", "Ciao",
    "Gentile", "Caro", "Cara", "Kære", "Kjære", "Bästa", "Geachte",
)  # fmt: skip
_LABELS = (
    "Name", "Full name", "Patient", "Patient name", "Client", "Client name", "Customer",
    "Customer name", "Employee", "Contact", "Contact person", "Attn", "Attention", "Tenant",
    "Landlord", "Applicant", "Beneficiary", "Account holder", "Cardholder", "Card holder",
    "Insured", "Policyholder", "Guardian", "Emergency contact", "Next of kin", "Doctor",
    "Physician", "Referred by", "Witness", "Buyer", "Seller", "Recipient", "Sender", "Student",
    "Spouse", "Signed", "Signed by", "Signature", "Prepared by", "Approved by", "Submitted by",
    "Nom", "Prénom", "Navn", "Namn", "Nimi", "Nombre", "Nome", "Naam", "Vorname", "Nachname",
    "Patientin",
)  # fmt: skip
_HEADERS = ("From", "To", "Cc")  # a name here only when an address follows: "From: Ann <a@b>"
_SIGN_OFFS = (
    "Regards", "Best regards", "Kind regards", "Warm regards", "Best wishes", "Many thanks",
    "Sincerely", "Yours sincerely", "Yours faithfully", "Yours truly", "Thanks", "Thank you",
    "Cheers", "Best", "Cordially", "Respectfully", "Mit freundlichen Grüßen",
    "Freundliche Grüße", "Viele Grüße", "Beste Grüße", "Liebe Grüße", "Med vänliga hälsningar",
    "Vänliga hälsningar", "Hälsningar", "Mvh", "Med vennlig hilsen", "Vennlig hilsen",
    "Hilsen", "Med venlig hilsen", "Venlig hilsen", "Ystävällisin terveisin", "Terveisin",
    "Met vriendelijke groet", "Met vriendelijke groeten", "Groeten", "Cordialement",
    "Bien cordialement", "Salutations", "Saludos", "Atentamente", "Un saludo",
    "Cordiali saluti", "Distinti saluti", "Saluti",
)  # fmt: skip
_INTRODUCTIONS = (
    "my name is", "i am called", "je m'appelle", "ich heiße", "jag heter", "jeg heter",
    "ik heet", "me llamo", "mi chiamo", "nimeni on",
)  # fmt: skip
_NAME_AT = re.compile(_NAME)
_TITLES_BETWEEN = r"(?:(?:Dr|Prof|Dott|Ing)\.?[ ]+)*"  # "Prof. Dr. Hans-Jürgen Schmidt"


def _cue_pattern() -> re.Pattern[str]:
    """One flat alternation, each branch opening on a capital letter.

    Kept flat so the regex engine skips straight to the capitals that can open a cue
    (a branch opening on a group or a character class makes it try every position).
    """
    branches = [rf"{re.escape(w)}\.?[ ]+{_TITLES_BETWEEN}" for w in _HONORIFICS]
    branches += [rf"{re.escape(w)}[ ]+" for w in _SALUTATIONS]
    branches += [rf"{re.escape(w)}[ \t]*:[ \t]*" for w in _LABELS + _HEADERS]
    branches += [rf"{re.escape(w)}[ \t]*[,.!]?[ \t]*\n[ \t]*" for w in _SIGN_OFFS]
    return re.compile("|".join(sorted(branches, key=len, reverse=True)) + rf"(?=[{_UP}])")


_NAME_CUES = _cue_pattern()
# A name opening on a capital right after an introduction, in either case; the lookbehinds
# sit after the capital so the engine skips straight to capitals.
_INTRODUCED = re.compile(
    rf"[{_UP}](?:"
    + "|".join(
        f"(?<={re.escape(variant)} .)"
        for phrase in _INTRODUCTIONS
        for variant in (phrase, phrase.capitalize())
    )
    + ")"
)
_HONORIFIC_WORDS = frozenset(w.rstrip(".") for w in _HONORIFICS)
_CUE_KIND = {w: "honorific" for w in _HONORIFICS} | {w: "salutation" for w in _SALUTATIONS}
# What must follow a name after each kind of cue: "Dear Anna," but not "Dear Anna said".
_AFTER_NAME = {
    "salutation": re.compile(r"[ ]*(?:[,!:\n]|$)"),
    "label": re.compile(r"[ \t]*(?:$|[\n,;.(<)])"),
    "header": re.compile(r"[ \t]*[<(]"),
    "sign-off": re.compile(r"[ \t]*(?:\n|$)"),
}
# Capitalised words that follow these cues without being anyone's name.
_NOT_NAMES = frozenset((
    "Sir", "Madam", "Sirs", "Madams", "All", "Team", "Everyone", "Colleague", "Colleagues",
    "Friends", "Friend", "Customer", "Customers", "Client", "Clients", "Member", "Members",
    "Parent", "Parents", "Reader", "Readers", "Applicant", "Hiring", "Valued", "Support",
    "Sales", "Finance", "Department", "Office", "Service", "Services", "Admin", "Manager",
    "The", "Our", "Your", "This", "That", "There", "Here", "World", "Again", "Folks", "Guys",
    "Everybody", "Dear", "Please", "Thanks", "Accounts", "Payable", "Receivable", "Board",
    "Committee", "Editor", "Patient", "Unknown", "None", "Chairman", "Chair", "President",
    "Speaker", "Mayor", "Human", "Resources", "Chief",
))  # fmt: skip

_STREET_TYPES = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl"
    r"|Way|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens"
    r"|Grove|Walk|Circle|Cir)"
)
_FRENCH_TYPES = r"(?:rue|avenue|boulevard|bd|place|allée|chemin|impasse|quai|cours|route)"
_HOUSE = r"[0-9](?<![\w.,:/\-][0-9])[0-9]{0,4}[A-Za-z]?(?!\w)"
# "221B Baker Street", "1600 Pennsylvania Avenue NW", "12 rue de la Paix".
_NUMBER_FIRST = re.compile(
    rf"{_HOUSE},?[ ]+(?:"
    rf"(?:(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))[ ]+){{1,4}}?{_STREET_TYPES}\b\.?"
    rf"(?:[ ]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    rf"|{_FRENCH_TYPES}[ ]+(?:(?:de[ ]la|de[ ]l'|du|des|de|d')[ ]*)?{_WORD}(?:[ ]+{_WORD}){{0,3}}"
    r")"
)
_SUFFIXES = (
    "straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "damm", "ufer", "ring",
    "gatan", "vägen", "gränd", "torget", "gata", "gaten", "veien", "vegen", "vei", "gade",
    "vej", "allé", "katu", "tie", "kuja", "straat", "laan", "gracht", "plein", "singel",
    "dijk",
)  # fmt: skip
_SEPARATE_SUFFIXES = ("gate", "gata", "gaten", "vei", "veien", "vej", "gade", "straat")
# English words that end like a street name: "Spring 2024", "Brigade 2".
_NOT_STREETS = re.compile(r"(?:ing|brigade|renegade)$")
_UK_POSTCODE_REST = r"[A-Z]?\d[A-Z\d]?[ ]\d[A-Z]{2}(?![\w])"
_UK_POSTCODE = "[A-Z]" + _UK_POSTCODE_REST


def _house_after(group: str) -> str:
    return rf",?[ ](?P<{group}>[0-9]{{1,4}}[A-Za-z]?)(?![\w])"


_COMPOUND_SUFFIX = "(?:" + "|".join(re.escape(x) for x in _SUFFIXES) + ")"
_SEPARATE_SUFFIX = "(?:" + "|".join(_SEPARATE_SUFFIXES) + ")"
_NUMBER = _house_after("number")
_NUMBER2 = _house_after("number2")
# Everything that opens on a free capital letter, in one pass: a street name then its
# number ("Hauptstraße 5", "Karl Johans gate 22"), a PO box, a UK postcode, "TX 78701".
_CAPITAL_LED = re.compile(
    rf"[{_UP}](?<![\w][{_UP}])(?:"
    rf"(?P<compound>[{_LO}{_UP}'’-]*?{_COMPOUND_SUFFIX}){_NUMBER}"
    rf"|{_WORD_REST}(?:[ ]{_WORD}){{0,2}}[ ]{_SEPARATE_SUFFIX}{_NUMBER2}"
    r"|(?<=P)(?:\.?[ ]?O\.?|ost[ ]Office)[ ]?Box[ ][0-9]{1,6}(?![\w])"
    rf"|(?P<postcode>{_UK_POSTCODE_REST})"
    r"|(?P<state>[A-Z])[ ][0-9]{5}(?:-[0-9]{4})?(?![\w])"
    r")"
)
# "Calle Mayor 5", "Via Roma 12", "Avenida de la Constitución 3".
_PREFIXED_STREET = re.compile(
    r"(?:Calle|C/|Avenida|Avda\.|Paseo|Plaza|Plaça|Carrer|Via|Viale|Piazza|Piazzale|Corso"
    r"|Largo|Vicolo|Rua)[ ]+(?:(?:de|del|de la|de los|di|della|dei|do|da)[ ]+)?"
    rf"(?:{_WORD}[ ]+){{0,3}}{_WORD}{_NUMBER}"
)
_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
))  # fmt: skip
# What may follow a street and its number: a flat, then a postcode and town.
_TAIL = re.compile(
    rf"(?:[ ][A-Z](?:[ ]\d{{1,3}})?(?=,))?"
    rf"(?:,?[ ]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor)\.?[ ]*[\w-]{{1,5}})?"
    rf"(?:,[ ]*(?:"
    rf"(?:\d{{3}}[ ]\d{{2}}|\d{{4}}[ ]?[A-Z]{{2}}(?![\w])|\d{{4,5}}|{_UK_POSTCODE})[ ]+{_WORD}(?:[ ][A-Z]\b)?"
    rf"|{_WORD}(?:[ ]{_WORD}){{0,2}},?[ ]+(?:(?P<state>[A-Z]{{2}})[ ]+\d{{5}}(?:-\d{{4}})?\b|{_UK_POSTCODE})"
    r"))?"
)
_FLAT_BEFORE = re.compile(r"(?:Flat|Apartment|Apt\.?|Unit|Suite)[ ]\w{1,5},?[ ]$")
_TOWN_BEFORE = re.compile(rf"(?:{_WORD}[ ]){{0,2}}{_WORD},[ ]$")


def names(text: str) -> Iterator[Span]:
    found: list[tuple[int, int]] = []
    for m in _NAME_CUES.finditer(text):
        if m.start() and text[m.start() - 1].isalnum():
            continue  # "Mr" inside a word
        name = _NAME_AT.match(text, m.end())
        if name is None:
            continue
        kind = _cue_kind(m.group())
        after = _AFTER_NAME.get(kind)
        if after is None or after.match(text, name.end()):
            found.append(name.span())
    for m in _INTRODUCED.finditer(text):
        name = _NAME_AT.match(text, m.start())
        if name is not None:
            found.append(name.span())
    for start, end in found:
        if text[end - 2 : end] in ("'s", "’s"):
            end -= 2  # "Prof. Smith's lecture": the name is Smith
        words = text[start:end].split()
        if not any(w in _NOT_NAMES or w.rstrip(".") in _HONORIFIC_WORDS for w in words):
            yield start, end, "NAME"  # "Dear Mr Smith,": the honorific finds Smith alone


def _cue_kind(cue: str) -> str:
    if "\n" in cue:
        return "sign-off"
    if ":" in cue:
        return "header" if cue.split(":")[0].strip() in _HEADERS else "label"
    return _CUE_KIND[cue.split()[0].rstrip(".")]


def addresses(text: str) -> Iterator[Span]:
    for m in _NUMBER_FIRST.finditer(text):
        end = _tail_end(text, m.end())
        if end == m.end() and _year_like(m.group().split(",")[0].split()[0]):
            continue  # "In 2008 Wall Street banks failed": a year, unless a town follows
        flat = _FLAT_BEFORE.search(text, max(0, m.start() - 16), m.start())
        yield (flat.start() if flat else m.start()), end, "ADDRESS"
    for m in _CAPITAL_LED.finditer(text):
        number = m.group("number") or m.group("number2")
        if number is not None:
            compound = m.group("compound")
            if _year_like(number) or (compound and _NOT_STREETS.search(compound)):
                continue  # "Spring 2024", "Brigade 2"
            yield m.start(), _tail_end(text, m.end()), "ADDRESS"
        elif m.group("state") is not None:
            town = _TOWN_BEFORE.search(text, max(0, m.start() - 60), m.start())
            if town is not None and m.group()[:2] in _STATES:
                yield town.start(), m.end(), "ADDRESS"
        else:
            yield m.start(), m.end(), "ADDRESS"
    for m in _PREFIXED_STREET.finditer(text):
        if not (m.start() and text[m.start() - 1].isalnum()) and not _year_like(m.group("number")):
            yield m.start(), _tail_end(text, m.end()), "ADDRESS"


def _year_like(number: str) -> bool:
    return len(number) == 4 and number.isdigit() and 1800 <= int(number) <= 2099


def _tail_end(text: str, end: int) -> int:
    tail = _TAIL.match(text, end)
    if tail is None or tail.group("state") not in (None, *_STATES):
        return end
    return tail.end()
