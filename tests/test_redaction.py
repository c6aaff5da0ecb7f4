"""Redaction: what is replaced, what is left alone, and that originals come back."""

from __future__ import annotations

import random
import time

import pytest

from core.privacy.redaction import KINDS, Finding, Redactor, find_identifiers, iban_ok, luhn_ok


def kinds_of(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find_identifiers(text)]


# --- emails -------------------------------------------------------------------------------


def test_email_is_replaced_with_numbered_placeholder() -> None:
    r = Redactor()
    assert r.redact("Write to jane.doe@example.org today.") == "Write to [EMAIL_1] today."
    assert r.mapping == {"[EMAIL_1]": "jane.doe@example.org"}


def test_same_value_gets_same_placeholder_across_messages() -> None:
    r = Redactor()
    first = r.redact("from a.b@example.com and c@example.net")
    second = r.redact("reply to c@example.net, cc a.b@example.com")
    assert first == "from [EMAIL_1] and [EMAIL_2]"
    assert second == "reply to [EMAIL_2], cc [EMAIL_1]"


def test_email_differing_only_in_case_shares_placeholder() -> None:
    r = Redactor()
    assert r.redact("Bob@Example.com bob@example.com") == "[EMAIL_1] [EMAIL_1]"


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+1 (415) 555-2671",
        "+14155552671",
        "+33 1 23 45 67 89",
        "+49 30 12345678",
        "+91 98765 43210",
        "(415) 555-2671",
        "415-555-2671",
        "415.555.2671",
        "1-800-555-0199",
        "020 7946 0958",
        "07700 900123",
        "01 23 45 67 89",
        "030-12345678",
    ],
)
def test_phone_formats_are_found(phone: str) -> None:
    assert kinds_of(f"Call {phone} after lunch.") == [("PHONE", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "Signed on 2024-01-15 in Paris.",
        "Signed on 15.01.2024 at noon.",
        "Meeting 01.02.2024 12:30 in room 4.",
        "Total due: 1,234.56 EUR.",
        "Total due: $1,234,567.89.",
        "French style: 1 234 567,89 EUR.",
        "Founded in 1990, revised in 2019 2020 2021 2022.",
        "See page 123, pp. 123-145.",
        "Started at 12:30:45.",
        "Version v1.2.3.4 and section 3.2.1.",
        "ISBN 978-0-306-40615-7.",
        "Pi is 3.14159265358979 and 0.123456789.",
        "We shipped 1234567890123 items.",
        "Reference 2023/0045/17.",
    ],
)
def test_dates_amounts_years_and_page_numbers_are_left_alone(text: str) -> None:
    assert find_identifiers(text) == []
    assert Redactor().redact(text) == text


# --- cards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005"],
)
def test_luhn_valid_card_is_replaced(card: str) -> None:
    assert Redactor().redact(f"card {card}.") == "card [CARD_1]."


def test_card_with_invalid_luhn_is_left_alone() -> None:
    assert not luhn_ok("4111111111111112")
    text = "card 4111 1111 1111 1112."
    assert Redactor().redact(text) == text


def test_card_reformatted_shares_placeholder() -> None:
    r = Redactor()
    assert r.redact("4111 1111 1111 1111 / 4111-1111-1111-1111") == "[CARD_1] / [CARD_1]"


def test_luhn_ok_known_values() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")


# --- IBANs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR14 2004 1010 0505 0001 3M02 606"],
)
def test_iban_passing_mod97_is_replaced(iban: str) -> None:
    assert kinds_of(f"Pay to {iban} please") == [("IBAN", iban)]


def test_iban_followed_by_four_letter_word_keeps_the_word() -> None:
    assert Redactor().redact("BE68 5390 0754 7034 then stop") == "[IBAN_1] then stop"


def test_iban_failing_mod97_is_left_alone() -> None:
    assert not iban_ok("GB82WEST12345698765433")
    text = "Pay to GB82 WEST 1234 5698 7654 33 please"
    assert Redactor().redact(text) == text


# --- national IDs -------------------------------------------------------------------------


def test_us_ssn_is_replaced() -> None:
    assert kinds_of("SSN 123-45-6789 on file") == [("ID", "123-45-6789")]


@pytest.mark.parametrize("bad", ["666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"])
def test_impossible_ssn_is_not_an_id(bad: str) -> None:
    assert ("ID", bad) not in kinds_of(f"number {bad} here")


@pytest.mark.parametrize("ni", ["AB 12 34 56 C", "AB123456C"])
def test_uk_national_insurance_number_is_replaced(ni: str) -> None:
    assert kinds_of(f"NI {ni} registered") == [("ID", ni)]


def test_uk_ni_with_reserved_prefix_is_left_alone() -> None:
    assert kinds_of("code GB123456A shown") == []


def test_labelled_id_is_replaced_but_bare_digits_are_not() -> None:
    assert kinds_of("Passport number: X1234567.") == [("ID", "X1234567")]
    assert kinds_of("Tax ID is 12-3456789") == [("ID", "12-3456789")]
    assert kinds_of("Order 12345678 shipped") == []


# --- IP addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip",
    ["192.168.1.10", "10.0.0.1", "fe80::1ff:fe23:4567:890a", "2001:db8::1", "::ffff:192.0.2.1"],
)
def test_ip_addresses_are_replaced(ip: str) -> None:
    assert Redactor().redact(f"host {ip}.") == "host [IP_1]."


@pytest.mark.parametrize("text", ["host 999.1.1.1", "at 12:30:45", "std::vector<int>"])
def test_non_ip_lookalikes_are_left_alone(text: str) -> None:
    assert find_identifiers(text) == []


# --- findings, restore, mapping ---------------------------------------------------------


def test_findings_report_offsets_and_do_not_assign_placeholders() -> None:
    text = "mail a@b.io or call +44 20 7946 0958"
    r = Redactor()
    found = r.findings(text)
    assert found == [
        Finding("EMAIL", 5, 11, "a@b.io"),
        Finding("PHONE", 20, 36, "+44 20 7946 0958"),
    ]
    assert all(text[f.start : f.end] == f.value for f in found)
    assert r.mapping == {}


def test_restore_round_trips_exact_text() -> None:
    text = (
        "Jane (jane@example.org, +44 20 7946 0958) paid with 4111 1111 1111 1111 "
        "from GB82 WEST 1234 5698 7654 32; SSN 123-45-6789; host 10.0.0.1."
    )
    r = Redactor()
    redacted = r.redact(text)
    for original in r.mapping.values():
        assert original not in redacted
    assert r.restore(redacted) == text


def test_restore_tolerates_case_change_and_dropped_brackets() -> None:
    r = Redactor()
    r.redact("a@b.io")
    assert r.restore("[email_1], EMAIL_1 and [Email 1]") == "a@b.io, a@b.io and a@b.io"


def test_restore_leaves_unknown_placeholders_and_longer_numbers() -> None:
    r = Redactor()
    r.redact("a@b.io")
    assert r.restore("[EMAIL_2] EMAIL_10 MY_EMAIL_1") == "[EMAIL_2] EMAIL_10 MY_EMAIL_1"


def test_literal_placeholder_in_input_is_not_confused_with_ours() -> None:
    r = Redactor()
    redacted = r.redact("The template says [EMAIL_1]; my address is real@example.com")
    assert redacted == "The template says [EMAIL_1]; my address is [EMAIL_2]"
    assert r.mapping == {"[EMAIL_2]": "real@example.com"}
    assert r.restore(redacted) == "The template says [EMAIL_1]; my address is real@example.com"


def test_mapping_is_a_copy() -> None:
    r = Redactor()
    r.redact("a@b.io")
    r.mapping.clear()
    assert r.mapping == {"[EMAIL_1]": "a@b.io"}


def test_json_round_trip_continues_the_conversation() -> None:
    r = Redactor()
    r.redact("[PHONE_1] literal, a@b.io and +44 20 7946 0958")
    again = Redactor.from_json(r.to_json())
    assert again.mapping == r.mapping
    assert again.redact("a@b.io, c@d.io, +1 (415) 555-2671") == "[EMAIL_1], [EMAIL_2], [PHONE_3]"
    assert again.restore("[EMAIL_1]") == "a@b.io"


@pytest.mark.parametrize(
    ("kind", "forms"),
    [
        (
            "PHONE",
            ["+44 20 7946 0958", "+44 (0)20 7946 0958", "0044 20 7946 0958", "+44-20-7946-0958"],
        ),
        ("CARD", ["4111 1111 1111 1111", "4111.1111.1111.1111", "4111111111111111"]),
        (
            "IBAN",
            [
                "GB82 WEST 1234 5698 7654 32",
                "gb82west12345698765432",
                "GB82-WEST-1234-5698-7654-32",
            ],
        ),
        ("EMAIL", ["Jane.Doe@Example.org", "jane.doe (at) example (dot) org"]),
        ("IP", ["2001:db8::1", "2001:0DB8:0000:0000:0000:0000:0000:0001"]),
    ],
)
def test_one_value_written_many_ways_keeps_one_placeholder(kind: str, forms: list[str]) -> None:
    r = Redactor()
    redacted = [r.redact(f"see {form} here") for form in forms]
    assert redacted == [f"see [{kind}_1] here"] * len(forms)


def test_json_round_trip_is_exact() -> None:
    r = Redactor()
    r.redact("[NAME_1] is a template. Dear Anna Berg,\ncall +44 20 7946 0958 or a@b.io")
    r.redact("Berg paid with 4111 1111 1111 1111 from DE89370400440532013000")
    stored = r.to_json()
    again = Redactor.from_json(stored)
    assert again.to_json() == stored
    assert again.mapping == r.mapping
    assert again.redact("Anna Berg and Berg, +44 (0)20 7946 0958") == r.redact(
        "Anna Berg and Berg, +44 (0)20 7946 0958"
    )


def test_version_1_mapping_gains_the_kinds_added_since() -> None:
    v1 = (
        '{"version": 1, "kinds": ["EMAIL", "IBAN", "CARD", "ID", "IP", "PHONE"], '
        '"entries": [{"placeholder": "[EMAIL_1]", "original": "a@b.io"}], "reserved": []}'
    )
    r = Redactor.from_json(v1)
    assert r.kinds == KINDS
    assert r.redact("a@b.io, Dear Anna Berg,\nhi") == "[EMAIL_1], Dear [NAME_1],\nhi"
    limited = v1.replace('"IBAN", "CARD", "ID", "IP", "PHONE"', '"PHONE"')
    assert Redactor.from_json(limited).kinds == ("EMAIL", "PHONE")


def test_from_json_rejects_unknown_version() -> None:
    with pytest.raises(ValueError):
        Redactor.from_json('{"version": 99, "entries": []}')


def test_kinds_can_be_limited_and_unknown_kinds_rejected() -> None:
    r = Redactor(kinds={"EMAIL"})
    assert r.redact("a@b.io 10.0.0.1") == "[EMAIL_1] 10.0.0.1"
    with pytest.raises(ValueError):
        Redactor(kinds={"EMAIL", "SHOE_SIZE"})


def test_email_wins_over_digits_inside_it() -> None:
    assert kinds_of("write 02079460958@example.com") == [("EMAIL", "02079460958@example.com")]


# --- speed --------------------------------------------------------------------------------


def test_redacting_a_megabyte_smoke() -> None:
    rng = random.Random(7)
    words = ["the", "of", "report", "2024-01-15", "amount", "1,234.56", "1990", "section 3.2"]
    chunks: list[str] = []
    size = 0
    while size < 1_000_000:
        chunk = " ".join(rng.choice(words) for _ in range(150))
        chunk += " mail jane@example.org, call +44 20 7946 0958, card 4111 1111 1111 1111.\n"
        chunks.append(chunk)
        size += len(chunk)
    text = "".join(chunks)
    r = Redactor()
    began = time.perf_counter()
    redacted = r.redact(text)
    took = time.perf_counter() - began
    print(f"\nredacted {len(text) / 1e6:.2f} MB in {took * 1000:.0f} ms")
    assert sorted(r.mapping) == ["[CARD_1]", "[EMAIL_1]", "[PHONE_1]"]
    assert r.restore(redacted) == text


# --- the protocols' own text ----------------------------------------------------------------


def test_the_protocols_prompts_and_findings_pass_unchanged() -> None:
    """Redaction runs on everything sent to the supervisor, the app's own words included."""
    from core.protocols import prompts

    texts = [v for n, v in vars(prompts).items() if n.isupper() and isinstance(v, str)]
    findings = "1 [report.pdf p. 3-4] Revenue rose 4.5% to $1,234,567 in 2023.\n2 [memo.docx] none"
    for message in [
        *prompts.minions_plan("What was revenue in 2023?", "report.pdf (12 pages)", "", 500),
        *prompts.minions_synthesize("What was revenue in 2023?", findings, "", last=False),
        prompts.minion_report("Revenue was $1,234,567 (page 4).", last=True),
    ]:
        texts.append(message["content"])
    for text in texts:
        assert Redactor().redact(text) == text
