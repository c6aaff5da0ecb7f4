"""The Ollama client against the fake Ollama server, through the real ollama library."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from core.clients.base import ClientError, ErrorKind
from core.tokens import estimate_message_tokens
from tests.helpers import make_gate, ollama_client


class Finding(BaseModel):
    explanation: str
    answer: str | None


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_chat_returns_text_and_usage(fake_ollama):
    client = ollama_client(fake_ollama, make_gate())
    result = await client.chat(ask("What is in the box?"))
    assert result.text == "Fake answer to: What is in the box?"
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert result.stop_reason == "stop"
    await client.aclose()


async def test_num_ctx_is_sized_from_the_prompt_not_left_to_the_server(fake_ollama):
    long_text = "The quarterly report lists revenue by region. " * 2000  # ~25k tokens
    client = ollama_client(fake_ollama, make_gate())
    await client.chat(ask(long_text))
    chat = fake_ollama.requests_to("/api/chat")[-1]
    num_ctx = chat.json["options"]["num_ctx"]
    assert num_ctx >= estimate_message_tokens(ask(long_text))
    assert num_ctx > fake_ollama.default_num_ctx  # the server default would have cut it
    assert fake_ollama.truncated_requests == 0
    await client.aclose()


async def test_streaming_calls_back_with_every_piece(fake_ollama):
    client = ollama_client(fake_ollama, make_gate())
    pieces: list[str] = []
    result = await client.chat(ask("Stream please"), on_token=pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces) == result.text == "Fake answer to: Stream please"
    assert result.usage.completion_tokens > 0
    await client.aclose()


async def test_structured_output_sends_the_schema_as_format_and_parses(fake_ollama):
    fake_ollama.responder = lambda req: {"explanation": "seen on page 2", "answer": "42"}
    client = ollama_client(fake_ollama, make_gate())
    result = await client.chat(ask("Find the number"), schema=Finding)
    assert fake_ollama.requests_to("/api/chat")[-1].json["format"] == Finding.model_json_schema()
    assert result.parsed == Finding(explanation="seen on page 2", answer="42")
    await client.aclose()


async def test_invalid_structured_output_is_reported(fake_ollama):
    fake_ollama.responder = lambda req: "I think the answer is 42"
    client = ollama_client(fake_ollama, make_gate())
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("Find the number"), schema=Finding)
    assert caught.value.kind is ErrorKind.INVALID_OUTPUT
    await client.aclose()


async def test_lists_models_and_reads_the_context_limit(fake_ollama):
    fake_ollama.models = {"llama3.2:3b": 131072, "qwen2.5:7b": 32768}
    client = ollama_client(fake_ollama, make_gate(), model="qwen2.5:7b")
    assert {m.name for m in await client.list_models()} == {"llama3.2:3b", "qwen2.5:7b"}
    assert await client.context_limit() == 32768
    await client.aclose()


async def test_missing_model_names_the_pull_command(fake_ollama):
    client = ollama_client(fake_ollama, make_gate(), model="mistral:7b")
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"))
    assert caught.value.kind is ErrorKind.MODEL_MISSING
    assert "ollama pull mistral:7b" in caught.value.hint
    await client.aclose()


@pytest.mark.parametrize("stream", [False, True])
async def test_ollama_not_running_is_unreachable(fake_ollama, stream):
    client = ollama_client(fake_ollama, make_gate())
    await client.context_limit()
    fake_ollama.go_down()
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hi"), on_token=(lambda _: None) if stream else None)
    assert caught.value.kind is ErrorKind.UNREACHABLE
    assert "ollama serve" in caught.value.hint
    await client.aclose()


async def test_prompt_larger_than_the_model_is_refused_before_sending(fake_ollama):
    fake_ollama.models = {"tiny:1b": 4096}
    client = ollama_client(fake_ollama, make_gate(), model="tiny:1b")
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("word " * 20000))
    assert caught.value.kind is ErrorKind.CONTEXT_OVERFLOW
    assert "MinionS" in caught.value.hint
    assert fake_ollama.requests_to("/api/chat") == []
    await client.aclose()


async def test_a_server_that_ignores_num_ctx_is_caught_as_truncation(fake_ollama):
    fake_ollama.effective_num_ctx = lambda model, options: 4096  # an old server
    client = ollama_client(fake_ollama, make_gate())
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("The contract renews each March. " * 3000))
    assert caught.value.kind is ErrorKind.TRUNCATED
    assert fake_ollama.truncated_requests == 1
    await client.aclose()


async def test_server_error_is_retried_once(fake_ollama):
    fake_ollama.fail_next(500, {"error": "runner crashed"})
    client = ollama_client(fake_ollama, make_gate())
    result = await client.chat(ask("again"))
    assert result.text == "Fake answer to: again"
    assert len(fake_ollama.requests_to("/api/chat")) == 2
    await client.aclose()


async def test_a_hung_server_times_out(fake_ollama):
    fake_ollama.hang_next(5)
    client = ollama_client(fake_ollama, make_gate(), timeout=0.3, attempts=1)
    with pytest.raises(ClientError) as caught:
        await client.chat(ask("hello"))
    assert caught.value.kind is ErrorKind.TIMEOUT
    await client.aclose()


async def test_loopback_requests_are_not_egress_and_not_audited(fake_ollama):
    gate = make_gate()
    client = ollama_client(fake_ollama, gate)
    await client.chat(ask("stay local"))
    assert client.egress is False
    assert gate.audit.records() == []
    await client.aclose()
