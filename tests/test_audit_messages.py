"""Reading a request body as messages, with provenance spans mapped onto the message text."""

from __future__ import annotations

import json

import pytest

from core.privacy.messages import highlights, read_messages

TEXT = 'Quote: "the vault code is 4417" — page 3\n\tend 🙂 \\ slash/ é'


@pytest.mark.parametrize("ascii_only", [True, False])
def test_each_character_points_at_its_json_form_in_the_body(ascii_only):
    body = json.dumps(
        {
            "model": "gpt-4o-mini",
            "temperature": 0.2,
            "stream": False,
            "messages": [
                {"role": "system", "content": "You plan."},
                {"role": "user", "content": TEXT},
            ],
        },
        ensure_ascii=ascii_only,
    )
    system, user = read_messages(body)
    assert (system.role, system.text) == ("system", "You plan.")
    assert user.role == "user" and user.text == TEXT
    for i, ch in enumerate(user.text):
        start, end = user.offsets[i], user.offsets[i + 1]
        assert json.loads(f'"{body[start:end]}"') == ch


def test_a_span_of_the_body_becomes_a_span_of_the_message():
    body = json.dumps({"messages": [{"role": "user", "content": "intro\n" + "vault code 4417"}]})
    start = body.index("vault")
    span = {"start": start, "end": start + len("vault code 4417"), "source": "document"}
    [message] = read_messages(body)
    [mark] = highlights(message, [span])
    assert message.text[mark.start : mark.end] == "vault code 4417" and mark.span is span


def test_content_parts_and_bodies_that_are_not_chat():
    body = json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]})
    assert [m.text for m in read_messages(body)] == ["hi"]
    assert read_messages('{"prompt": "x"}') is None
    assert read_messages("not json") is None
    assert read_messages('{"messages": [{"role": "user", "content": "cut') is None
