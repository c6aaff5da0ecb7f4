"""Identifiers replaced by stable placeholders before text leaves the machine, and put back after.

A ``Redactor`` belongs to one conversation or run: the same value always gets the
same placeholder (``[EMAIL_1]``, ``[PHONE_2]``, ``[NAME_1]``...) across all its
messages, and the mapping is stored locally with the conversation (``to_json`` /
``from_json``).

What is found (``find_identifiers``):

- EMAIL, PHONE, CARD, IBAN, ID, IP: the structured identifiers, in the forms people
  write them (see ``numbers`` and ``patterns``). Checksums are used where they exist:
  Luhn for cards and Swedish personal numbers, mod-97 for IBANs, mod-11 for Norwegian
  numbers and the Dutch BSN, mod-31 for Finnish codes, mod-23 for Spanish DNI/NIE, the
  Italian fiscal code's check letter, the French NIR key; a Danish CPR number (whose
  mod-11 sum is optional since 2007) and IDs with no usable check (UK NI and US SSN
  shapes aside) are taken after their label ("CPR", "BSN", "Passport number:"). Ordinary
  numbers (amounts, dates, years, times, versions, ISBNs, order and page numbers) are
  left alone.
- ADDRESS and NAME: by rules (see ``people``), not by a model. A name is caught next to
  the words people write around names (honorifics, salutations, labels, sign-offs) and
  then wherever it recurs in the conversation; a bare name in running text is not. A
  street address is caught as a house number with a street-type word, with its postcode
  and town; a street named without a number is not. Why rules: they run offline with no
  model file, on every outbound message, at about a tenth of a second per megabyte. The
  NER models found on PyPI with the model inside the wheel are third-party re-uploads of
  spaCy pipelines, which a privacy tool should not ship unvetted, and asking the local
  model would add a model call to every message sent. ``bench/redaction.py`` measures
  both groups on a labelled set, apart from the structured identifiers.

Limitation: a placeholder-looking token that the user types *after* that placeholder
was assigned (say ``[EMAIL_1]`` in a later message) cannot be told apart from ours, so
``restore`` puts the original back there too. Tokens seen in the input before
assignment are reserved and never handed out.
"""

from core.privacy.redaction.checks import iban_ok, luhn_ok
from core.privacy.redaction.finder import KINDS, STRUCTURED_KINDS, Finding, find_identifiers
from core.privacy.redaction.redactor import Redactor

__all__ = [
    "KINDS",
    "STRUCTURED_KINDS",
    "Finding",
    "Redactor",
    "find_identifiers",
    "iban_ok",
    "luhn_ok",
]
