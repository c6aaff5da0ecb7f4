"""Each family of identifier formats, and the look-alikes next to it that must survive."""

from __future__ import annotations

import pytest

from core.privacy.redaction import find_identifiers
from core.privacy.redaction.checks import (
    danish_cpr_mod11_ok,
    dutch_bsn_ok,
    finnish_personal_identity_code_ok,
    french_nir_ok,
    iban_ok,
    italian_fiscal_code_ok,
    norwegian_birth_number_ok,
    spanish_dni_ok,
    swedish_personal_number_ok,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find_identifiers(text)]


def structured(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find_identifiers(text) if f.kind not in ("NAME", "ADDRESS")]


# --- emails -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe+invoices@example.org",
        "k.nilsson@mail.audit.example.se",
        "J.SMITH@EXAMPLE.CO.UK",
        "first_last-99@sub.domain-name.io",
        "anna.berg (at) example (dot) no",
        "lars[at]example[dot]dk",
    ],
)
def test_email_forms(email: str) -> None:
    assert found(f"Write to {email} today.") == [("EMAIL", email)]


def test_mailto_link_keeps_the_scheme() -> None:
    assert found("Use mailto:privacy@example.nl please") == [("EMAIL", "privacy@example.nl")]


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "+1 212-555-0147",  # US
        "+44 7700 900123",  # UK
        "+49 (0)89 1234567",  # DE
        "+33 6 12 34 56 78",  # FR
        "+31 6 12345678",  # NL
        "+46 70 123 45 67",  # SE
        "+47 412 34 567",  # NO
        "+45 33 12 34 56",  # DK
        "+358 40 123 4567",  # FI
        "+34 612 34 56 78",  # ES
        "+39 333 123 4567",  # IT
        "+91 22 2345 6789",  # IN
        "+61 412 345 678",  # AU
        "0046 8 123 456 78",  # 00 instead of +
        "+33.1.23.45.67.89",
    ],
)
def test_international_phone_formats(phone: str) -> None:
    assert structured(f"Reception: {phone} (weekdays)") == [("PHONE", phone)]


@pytest.mark.parametrize(
    "phone",
    [
        "020 7946 0958",  # UK London
        "0161 496 0000",  # UK Manchester
        "030/12345678",  # DE slash
        "(030) 1234 5678",  # DE brackets
        "0171 1234567",  # DE mobile
        "06.12.34.56.78",  # FR dots
        "04-72-10-30-30",  # FR dashes
        "020-1234567",  # NL
        "08-123 456 78",  # SE dash then spaces
        "09 1234 5678",  # FI
        "06 1234 5678",  # IT
        "011-23456789",  # IN
        "(02) 9876 5432",  # AU
        "0412 345 678",  # AU mobile
        "415.555.2671",  # US dots
        "646 555 0188",  # US spaces
        "1-800-555-0199",  # US toll free
        "02079460958",  # bare, trunk 0
    ],
)
def test_national_phone_formats(phone: str) -> None:
    assert structured(f"Reception: {phone} (weekdays)") == [("PHONE", phone)]


@pytest.mark.parametrize(
    "phone", ["22 12 34 56", "412 34 567", "912 345 678", "612 34 56 78", "98765 43210"]
)
def test_national_formats_without_trunk_need_a_phone_word(phone: str) -> None:
    assert structured(f"Ring meg på {phone} i dag.") == [("PHONE", phone)]
    assert structured(f"Tlf. {phone}") == [("PHONE", phone)]
    assert structured(f"The total was {phone} units.") == []


@pytest.mark.parametrize(
    "text",
    [
        "ISBN 0306406152 (paperback)",
        "Customer no. 0012345678 placed it.",
        "Order 0123456789 is on hold.",
        "Your order number is 0123456789.",
        "Invoice no.: 0123456789",
        "Número de pedido 912 345 678",
        "Partita IVA 01234567890 (VAT number)",
        "Serial S/N 0700 1234 5678 on the label.",
        "Tracking number 1Z 999 AA1 01 2345 6784 shows delivered.",
        "Ticket 4155552671 was closed.",
        "Case 2024-0123-4567 is open.",
        "Q1 to Q4 sales: 120 340 560 780 units.",
        "Deadline 08-12-2024 for everyone.",
        "Valid 01.01.2024-31.12.2024 only.",
        "Meeting 01.02.2024 12:30 in room 4.",
    ],
)
def test_numbers_shaped_like_phones_are_left_alone(text: str) -> None:
    assert structured(text) == []


def test_phone_is_cut_from_the_end_of_a_longer_run_never_from_its_start() -> None:
    assert structured("Call 020 7946 0958 24/7.") == [("PHONE", "020 7946 0958")]
    assert structured("Code 1 85 05 78 006 084 92 here") == []
    assert structured("Lotto numbers: 05 12 23 34 41 45") == []


# --- cards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "6011.1111.1111.1117",
        "5105 - 1051 - 0510 - 5100",
        "3056 930902 5904",
        "4000 0000 0000 0000 006",
        "2223 0031 2200 3222",
        "371449635398431",
    ],
)
def test_card_separators_and_lengths(card: str) -> None:
    assert structured(f"Paid with {card} yesterday.") == [("CARD", card)]


@pytest.mark.parametrize(
    "text",
    [
        "Barcode EAN 4006381333931 on the box.",  # 13 digits, not a card length bare
        "Order 4000123412341236 is a gift order.",  # bare, after "order"
        "Card 4111 1111 1111 1112 was rejected.",  # fails Luhn
        "Account 9111 1111 1111 1113 closed.",  # no issuer starts with 9
    ],
)
def test_card_look_alikes_are_left_alone(text: str) -> None:
    assert structured(text) == []


# --- IBANs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    ["nl91 abna 0417 1643 00", "Es91 2100 0418 4502 0005 1332", "FI21-1234-5600-0007-85"],
)
def test_iban_in_any_case_and_spacing(iban: str) -> None:
    assert structured(f"Pay to {iban} please") == [("IBAN", iban)]


def test_iban_of_the_wrong_length_for_its_country_is_not_one() -> None:
    assert iban_ok("NO9386011117947")
    assert not iban_ok("NO938601111794700")  # NO IBANs have 15 characters


# --- national IDs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Personnummer 811218-9876 on file", "811218-9876"),
        ("Patienten 19770412-1008 skrevs ut", "19770412-1008"),
        ("Fødselsnummer 01019040034", "01019040034"),
        ("Fnr. 150785 60093 ble registrert", "150785 60093"),
        ("Patient 240377-1018 (cpr) mødte ikke op", "240377-1018"),
        ("CPR-nr.: 010190-1009", "010190-1009"),
        ("Henkilötunnus 131052-308T", "131052-308T"),
        ("Hetu 150300A456T", "150300A456T"),
        ("Burgerservicenummer: 2445.55.308", "2445.55.308"),
        ("DNI 48291736Q caducado", "48291736Q"),
        ("NIE X1234567L", "X1234567L"),
        ("Codice fiscale: RSSMRA85T10A562S", "RSSMRA85T10A562S"),
        ("Numéro 1 85 05 78 006 084 91 enregistré", "1 85 05 78 006 084 91"),
        ("Social security 536 22 1987 (copy)", "536 22 1987"),
    ],
)
def test_national_ids_with_their_checks(text: str, value: str) -> None:
    assert structured(text) == [("ID", value)]


@pytest.mark.parametrize(
    "text",
    [
        "Personnummer 811218-9875 on file",  # Luhn fails
        "Number 15078560094 here",  # Norwegian check digit wrong
        "Hetu 131052-308A here",  # Finnish check character wrong
        "Code 2445.55.309 here",  # BSN 11-check fails
        "Code 48291736A here",  # DNI letter wrong
        "Code RSSMRA85T10A562T here",  # fiscal code check letter wrong
        "Code 1 85 05 78 006 084 92 here",  # NIR key wrong
        "Batch 240115-0012 shipped",  # a date-shaped serial that passes Luhn, after "batch"
        "Patient 240377-1018 mødte ikke op",  # Danish CPR shape without the word "CPR"
    ],
)
def test_ids_failing_their_checks_are_left_alone(text: str) -> None:
    assert structured(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("BSN 244555321", "244555321"),
        ("Aadhaar 2345 6789 0123 linked", "2345 6789 0123"),
        ("TFN 123 456 782", "123 456 782"),
        ("NHS number 943 476 5919", "943 476 5919"),
        ("Steuer-ID 65 929 970 489", "65 929 970 489"),
        ("my passport number is X1234567.", "X1234567"),
        ("SSN: 536221987", "536221987"),
    ],
)
def test_ids_without_a_usable_check_are_taken_after_their_label(text: str, value: str) -> None:
    assert structured(text) == [("ID", value)]


def test_short_labels_written_as_ordinary_words_do_not_count() -> None:
    assert structured("a tin of 12345 beans and a pan 67890") == []
    assert structured("TIN 12345678") == [("ID", "12345678")]


def test_checksum_functions_on_known_values() -> None:
    assert swedish_personal_number_ok("8112189876")
    assert norwegian_birth_number_ok("01019040034")
    assert danish_cpr_mod11_ok("2403771018")
    assert finnish_personal_identity_code_ok("131052-308T")
    assert dutch_bsn_ok("111222333")
    assert spanish_dni_ok("12345678Z") and spanish_dni_ok("X1234567L")
    assert italian_fiscal_code_ok("RSSMRA85T10A562S")
    assert french_nir_ok("185057800608491")


# --- IP addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ip"),
    [
        ("Allow 172.16.0.0/12 through", "172.16.0.0"),
        ("Connect to 10.0.0.1:8080 now", "10.0.0.1"),
        (
            "Route to 2001:0DB8:85A3:0000:0000:8A2E:0370:7334 failed",
            "2001:0DB8:85A3:0000:0000:8A2E:0370:7334",
        ),
        ("Use https://[2001:db8::7]:443/ for it", "2001:db8::7"),
    ],
)
def test_ip_forms(text: str, ip: str) -> None:
    assert structured(text) == [("IP", ip)]


@pytest.mark.parametrize(
    "text",
    ["Requires version 1.2.3.4 or later.", "Firmware 192.168.1.10 notes", "See section 4.2.1.3."],
)
def test_version_and_section_numbers_are_not_ips(text: str) -> None:
    assert structured(text) == []


def test_labels_are_found_when_lower_casing_changes_the_text_length() -> None:
    # "İ" lower-cases to two characters; offsets must still line up.
    assert structured("İstanbul office: SSN 536221987") == [("ID", "536221987")]
