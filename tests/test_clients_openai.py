"""The OpenAI-compatible client against the fake OpenAI API, through the real openai library."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from core.clients.base import ClientError, ErrorKind
from core.clients.openai_client import OpenAIClient
from tests.helpers import cloud_client, make_gate


class Plan(BaseModel):
    question: str
    done: bool


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_chat_returns_text_and_usage(fake_openai):
    client = cloud_client(fake_openai, make_gate())
    result = await client.chat(ask("Plan the work"))
    assert result.text == "Fake answer to: Plan the work"
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert result.stop_reason == "stop"
    assert fake_openai.requests_to("/chat/completions")[-1].headers["authorization"] == (
        f"Bearer {fake_openai.api_key}"
    )
    await client.aclose()


async def test_streaming_delivers_pieces_and_usage(fake_openai):
    client = cloud_client(fake_openai, make_gate())
    pieces: list[str] = []
    result = await client.chat(ask("Stream it"), on_token=pieces.append)
    assert len(pieces) > 1 and "".join(pieces) == result.text
    assert result.usage.prompt_tokens > 0
    await client.aclose()


async def test_structured_output_uses_a_json_schema_response_format(fake_openai):
    fake_openai.responder = lambda req: {"question": "Which year?", "done": False}
    client = cloud_client(fake_openai, make_gate())
    result = await client.chat(ask("Plan"), schema=Plan)
    sent = fake_openai.requests_to("/chat/completions")[-1].json["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["schema"] == Plan.model_json_schema()
    assert result.parsed == Plan(question="Which year?", done=False)
    await client.aclose()


async def test_lists_models(fake_openai):
    fake_openai.models = ["gpt-4o", "gpt-4o-mini"]
    client = cloud_client(fake_openai, make_gate())
    assert [m.name for m in await client.list_models()] == ["gpt-4o", "gpt-4o-mini"]
    await client.aclose()


async def test_rejected_key_is_an_auth_error_that_never_shows_the_key(fake_openai):
    wrong = "sk-wrong-key-0123456789abcdefXYZ"
    fake_openai.fail_next(
        401,
        {"error": {"message": f"Incorrect API key provided: {wrong}", "code": "invalid_api_key"}},
    )
    client = cloud_client(fake_openai, make_gate(), api_key=wrong)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.AUTH and caught.value.status == 401
    assert wrong not in str(caught.value) and wrong[:12] not in repr(caught.value.__dict__)
    assert len(fake_openai.requests_to("/chat/completions")) == 1  # never retried
    await client.aclose()


async def test_missing_key_fails_before_anything_is_sent():
    gate = make_gate()
    client = OpenAIClient("gpt-4o-mini", gate, base_url="https://api.openai.com/v1")
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.NO_KEY
    assert gate.audit.records() == []
    await client.aclose()


async def test_a_proxy_on_this_computer_may_hold_the_key_itself(fake_openai):
    """LiteLLM and company gateways often need no key from us; the request is still egress."""
    gate = make_gate()
    client = cloud_client(fake_openai, gate, api_key=None)
    with pytest.raises(ClientError) as caught:  # this fake insists on a key: 401
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.AUTH
    assert [r.body for r in gate.audit.records(kind="request")] == [
        r.body for r in fake_openai.requests
    ]
    await client.aclose()


async def test_rate_limit_is_retried_then_succeeds(fake_openai):
    fake_openai.fail_next(429, headers={"retry-after": "0"})
    client = cloud_client(fake_openai, make_gate())
    result = await client.chat(ask("after the wait"))
    assert result.text == "Fake answer to: after the wait"
    assert len(fake_openai.requests_to("/chat/completions")) == 2
    await client.aclose()


async def test_server_errors_are_retried_then_reported(fake_openai):
    fake_openai.fail_next(500, times=3)
    client = cloud_client(fake_openai, make_gate(), attempts=3)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.SERVER and caught.value.status == 500
    assert len(fake_openai.requests_to("/chat/completions")) == 3
    await client.aclose()


async def test_a_hung_server_times_out(fake_openai):
    fake_openai.hang_next(5, times=2)
    client = cloud_client(fake_openai, make_gate(), timeout=0.3, attempts=2)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.TIMEOUT
    await client.aclose()


async def test_unreachable_server(fake_openai):
    fake_openai.go_down()
    client = cloud_client(fake_openai, make_gate(), attempts=1)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.UNREACHABLE
    await client.aclose()


async def test_unknown_model_is_reported_as_missing(fake_openai):
    fake_openai.reject_unknown_models = True
    fake_openai.models = ["gpt-4o"]
    client = cloud_client(fake_openai, make_gate())
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.MODEL_MISSING
    await client.aclose()
