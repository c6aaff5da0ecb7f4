"""The HTTP fakes, driven by the raw official clients (ollama.AsyncClient, openai.AsyncOpenAI)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import ollama
import openai
import pytest
from pydantic import BaseModel

from tests.fakes import FakeHTTPError, OllamaFake, OpenAIFake, RecordedRequest

# Also registered by the project conftest; repeated so this file runs on its own.

MODEL = "llama3.2:3b"
GPT = "gpt-4o-mini"
KEY = "sk-test-fake"
USER = [{"role": "user", "content": "What is in the contract?"}]


_open_clients: list[ollama.AsyncClient | openai.AsyncOpenAI] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while _open_clients:
        await _open_clients.pop().close()


def oclient(fake: OllamaFake, **kwargs: Any) -> ollama.AsyncClient:
    client = ollama.AsyncClient(host=fake.url, **kwargs)
    _open_clients.append(client)
    return client


def aclient(fake: OpenAIFake, *, base_url: str | None = None, **kwargs: Any) -> openai.AsyncOpenAI:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("max_retries", 0)
    client = openai.AsyncOpenAI(base_url=base_url or f"{fake.url}/v1", **kwargs)
    _open_clients.append(client)
    return client


# ============================================================================ Ollama


async def test_ollama_chat_records_exact_request(fake_ollama: OllamaFake) -> None:
    fake_ollama.responder = lambda req: "The contract is about bees."
    r = await oclient(fake_ollama).chat(model=MODEL, messages=USER, options={"num_ctx": 8192})
    assert r.message.content == "The contract is about bees."
    assert r.done and r.done_reason == "stop"
    assert r.prompt_eval_count == 6  # ceil(24 chars / 4)
    assert r.eval_count == 7  # ceil(27 / 4)
    assert r.total_duration and r.eval_duration and r.load_duration is not None
    (rec,) = fake_ollama.requests
    assert (rec.method, rec.path) == ("POST", "/api/chat")
    assert json.loads(rec.body) == rec.json
    assert rec.json["stream"] is False and rec.json["options"] == {"num_ctx": 8192}
    assert rec.headers["user-agent"].startswith("ollama-python/")
    assert rec.headers["content-type"] == "application/json"
    assert abs(rec.received_ns - time.time_ns()) < 5e9


async def test_ollama_streaming_ndjson(fake_ollama: OllamaFake) -> None:
    fake_ollama.responder = lambda req: "one two three four five six"
    parts = [
        p async for p in await oclient(fake_ollama).chat(model=MODEL, messages=USER, stream=True)
    ]
    assert len(parts) > 2
    assert "".join(p.message.content or "" for p in parts) == "one two three four five six"
    assert [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    last = parts[-1]
    assert last.done_reason == "stop" and last.prompt_eval_count == 6 and last.eval_count == 7
    # On the wire: one JSON object per line, application/x-ndjson.
    async with httpx.AsyncClient() as raw:
        resp = await raw.post(
            f"{fake_ollama.url}/api/chat", json={"model": MODEL, "messages": USER}
        )
    assert resp.headers["content-type"] == "application/x-ndjson"
    lines = resp.text.splitlines()
    assert all(json.loads(line)["model"] == MODEL for line in lines)  # stream defaults to true
    assert json.loads(lines[-1])["done"] is True


async def test_ollama_structured_output(fake_ollama: OllamaFake) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
        "required": ["answer"],
    }
    client = oclient(fake_ollama)
    # Default responder: a placeholder that satisfies the schema.
    r = await client.chat(model=MODEL, messages=USER, format=schema)
    assert json.loads(r.message.content or "") == {"answer": "fake"}
    fake_ollama.responder = lambda req: {"answer": None, "seen_format": req["format"] == schema}
    r = await client.chat(model=MODEL, messages=USER, format=schema)
    assert json.loads(r.message.content or "") == {"answer": None, "seen_format": True}
    assert fake_ollama.requests[-1].json["format"] == schema


async def test_ollama_list_show_ps_version(fake_ollama: OllamaFake) -> None:
    fake_ollama.models = {"llama3.2:3b": 131072, "qwen2.5:7b": 32768, "gemma3:latest": 8192}
    client = oclient(fake_ollama)
    listed = await client.list()
    assert [m.model for m in listed.models] == list(fake_ollama.models)
    assert listed.models[0].details and listed.models[0].details.family == "llama"
    shown = await client.show("qwen2.5:7b")
    assert shown.modelinfo and shown.modelinfo["general.architecture"] == "qwen2"
    assert shown.modelinfo["qwen2.context_length"] == 32768
    assert shown.details and shown.details.quantization_level
    assert (await client.show("gemma3")).modelinfo["gemma3.context_length"] == 8192  # :latest
    assert (await client.ps()).models == []
    await client.chat(model="qwen2.5:7b", messages=USER, options={"num_ctx": 16384})
    (loaded,) = (await client.ps()).models
    assert (loaded.model, loaded.context_length) == ("qwen2.5:7b", 16384)
    async with httpx.AsyncClient() as raw:
        version = (await raw.get(f"{fake_ollama.url}/api/version")).json()
    assert version == {"version": fake_ollama.version}


async def test_ollama_unknown_model_404(fake_ollama: OllamaFake) -> None:
    client = oclient(fake_ollama)
    with pytest.raises(ollama.ResponseError) as chat_err:
        await client.chat(model="nope:1b", messages=USER)
    assert chat_err.value.status_code == 404
    assert chat_err.value.error == 'model "nope:1b" not found, try pulling it first'
    with pytest.raises(ollama.ResponseError) as stream_err:
        async for _ in await client.chat(model="nope:1b", messages=USER, stream=True):
            pass
    assert stream_err.value.status_code == 404
    with pytest.raises(ollama.ResponseError) as show_err:
        await client.show("nope:1b")
    assert (show_err.value.status_code, show_err.value.error) == (404, "model 'nope:1b' not found")


async def test_ollama_context_truncation_like_real_server(fake_ollama: OllamaFake) -> None:
    seen: list[str] = []
    fake_ollama.responder = lambda req: seen.append(req["messages"][0]["content"]) or "ok"
    doc = "START" + "x" * 20_000 + "END"  # 5002 fake tokens
    messages = [{"role": "user", "content": doc}]
    client = oclient(fake_ollama)

    r = await client.chat(model=MODEL, messages=messages)  # server default 4096
    assert r.prompt_eval_count == 4096
    assert fake_ollama.truncated_requests == 1
    assert not seen[-1].startswith("START") and seen[-1].endswith("END")

    r = await client.chat(model=MODEL, messages=messages, options={"num_ctx": 8192})
    assert r.prompt_eval_count == 5002 and fake_ollama.truncated_requests == 1
    assert seen[-1] == doc

    fake_ollama.models = {MODEL: 4500}  # num_ctx above the trained length is clamped
    r = await client.chat(model=MODEL, messages=messages, options={"num_ctx": 8192})
    assert r.prompt_eval_count == 4500 and fake_ollama.truncated_requests == 2


async def test_ollama_down_raises_connection_error(fake_ollama: OllamaFake) -> None:
    client = oclient(fake_ollama)
    await client.chat(model=MODEL, messages=USER)  # leaves a pooled keep-alive connection
    fake_ollama.go_down()
    with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
        await client.chat(model=MODEL, messages=USER)
    with pytest.raises(ConnectionError):
        await client.list()
    # Quirk: the streaming path does not wrap httpx.ConnectError.
    with pytest.raises(httpx.ConnectError):
        async for _ in await client.chat(model=MODEL, messages=USER, stream=True):
            pass
    fake_ollama.come_back()
    assert (await client.chat(model=MODEL, messages=USER)).done


async def test_ollama_fail_next_and_responder_error(fake_ollama: OllamaFake) -> None:
    client = oclient(fake_ollama)
    fake_ollama.fail_next(500, times=2)
    for _ in range(2):
        with pytest.raises(ollama.ResponseError) as err:
            await client.chat(model=MODEL, messages=USER)
        assert err.value.status_code == 500 and "llama runner" in err.value.error
    assert (await client.chat(model=MODEL, messages=USER)).done

    def refuse(req: dict[str, Any]) -> str:
        raise FakeHTTPError(503, {"error": "server overloaded"})

    fake_ollama.responder = refuse
    with pytest.raises(ollama.ResponseError) as err:
        await client.chat(model=MODEL, messages=USER)
    assert (err.value.status_code, err.value.error) == (503, "server overloaded")


async def test_ollama_hang_hits_client_timeout(fake_ollama: OllamaFake) -> None:
    fake_ollama.hang_next(2.0)
    # Quirk: ollama only wraps ConnectError; a timeout surfaces as raw httpx.ReadTimeout.
    with pytest.raises(httpx.ReadTimeout):
        await oclient(fake_ollama, timeout=0.2).chat(model=MODEL, messages=USER)
    assert (await oclient(fake_ollama).chat(model=MODEL, messages=USER)).done


async def test_ollama_max_parallel_queues_requests(fake_ollama: OllamaFake) -> None:
    fake_ollama.max_parallel = 2
    fake_ollama.latency = 0.1
    client = oclient(fake_ollama)
    t0 = time.perf_counter()
    results = await asyncio.gather(*(client.chat(model=MODEL, messages=USER) for _ in range(6)))
    elapsed = time.perf_counter() - t0
    assert all(r.done for r in results)
    assert fake_ollama.max_concurrency_seen == 2
    assert elapsed >= 0.29  # three waves of 0.1 s
    assert fake_ollama.in_flight == 0


# ============================================================================ OpenAI


async def test_openai_chat(fake_openai: OpenAIFake) -> None:
    fake_openai.responder = lambda req: f"Plan for {req['model']}"
    r = await aclient(fake_openai).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert r.object == "chat.completion" and r.id.startswith("chatcmpl-")
    assert r.model == GPT and r.created > 0
    assert r.choices[0].message.content == "Plan for gpt-4o-mini"
    assert r.choices[0].finish_reason == "stop"
    assert r.usage is not None
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (6, 5, 11)
    (rec,) = fake_openai.requests
    assert (rec.method, rec.path) == ("POST", "/v1/chat/completions")
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.headers["x-stainless-retry-count"] == "0"
    assert rec.json == {"model": GPT, "messages": USER}
    assert json.loads(rec.body) == rec.json


async def test_openai_base_url_without_v1(fake_openai: OpenAIFake) -> None:
    client = aclient(fake_openai, base_url=fake_openai.url)
    r = await client.chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert r.choices[0].message.content
    assert fake_openai.requests[-1].path == "/chat/completions"


async def test_openai_streaming_with_and_without_usage(fake_openai: OpenAIFake) -> None:
    fake_openai.responder = lambda req: "streamed answer text"
    client = aclient(fake_openai)
    stream = await client.chat.completions.create(
        model=GPT,
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},  # type: ignore[arg-type]
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed answer text"
    assert [c.choices[0].finish_reason for c in chunks[:-1]][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 6 and chunks[-1].usage.completion_tokens == 5
    assert all(c.usage is None for c in chunks[:-1])

    stream = await client.chat.completions.create(model=GPT, messages=USER, stream=True)  # type: ignore[arg-type]
    chunks = [c async for c in stream]
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)

    async with httpx.AsyncClient() as raw:
        resp = await raw.post(
            f"{fake_openai.url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {KEY}"},
            json={"model": GPT, "messages": USER, "stream": True},
        )
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert resp.text.endswith("data: [DONE]\n\n")
    assert all(e.startswith("data: ") for e in resp.text.strip().split("\n\n"))


class Plan(BaseModel):
    question: str
    done: bool
    answer: str | None


async def test_openai_structured_output(fake_openai: OpenAIFake) -> None:
    client = aclient(fake_openai)
    # parse() sends a strict json_schema response_format; the default responder fills it in.
    parsed = await client.chat.completions.parse(model=GPT, messages=USER, response_format=Plan)  # type: ignore[arg-type]
    assert parsed.choices[0].message.parsed == Plan(question="fake", done=False, answer="fake")
    sent = fake_openai.requests[-1].json["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Plan"

    fake_openai.responder = lambda req: {"question": "Which clause?", "done": False, "answer": None}
    r = await client.chat.completions.create(
        model=GPT,
        messages=USER,
        response_format={"type": "json_object"},  # type: ignore[arg-type]
    )
    assert json.loads(r.choices[0].message.content or "") == {
        "question": "Which clause?",
        "done": False,
        "answer": None,
    }


async def test_openai_models_list(fake_openai: OpenAIFake) -> None:
    page = await aclient(fake_openai).models.list()
    assert [m.id for m in page.data] == fake_openai.models
    assert fake_openai.requests[-1].path == "/v1/models"


async def test_openai_401(fake_openai: OpenAIFake) -> None:
    with pytest.raises(openai.AuthenticationError) as err:
        await aclient(fake_openai, api_key="sk-wrong-key-123").chat.completions.create(
            model=GPT,
            messages=USER,  # type: ignore[arg-type]
        )
    assert err.value.status_code == 401
    assert err.value.code == "invalid_api_key" and err.value.type == "invalid_request_error"
    assert isinstance(err.value.body, dict) and err.value.body["param"] is None
    async with httpx.AsyncClient() as raw:
        resp = await raw.post(f"{fake_openai.url}/v1/chat/completions", json={"model": GPT})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"


async def test_openai_429_retry_after(fake_openai: OpenAIFake) -> None:
    fake_openai.fail_next(429, headers={"retry-after": "7"})
    with pytest.raises(openai.RateLimitError) as err:
        await aclient(fake_openai).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert err.value.status_code == 429 and err.value.code == "rate_limit_exceeded"
    assert err.value.response.headers["retry-after"] == "7"
    # With retries on, the SDK honours retry-after(-ms) and re-sends the same body.
    fake_openai.clear_requests()
    fake_openai.fail_next(429, headers={"retry-after-ms": "10"})
    r = await aclient(fake_openai, max_retries=1).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert r.choices[0].message.content
    first, second = fake_openai.requests
    assert second.headers["x-stainless-retry-count"] == "1" and first.body == second.body


async def test_openai_500_and_responder_error(fake_openai: OpenAIFake) -> None:
    client = aclient(fake_openai)
    fake_openai.fail_next(500)
    with pytest.raises(openai.InternalServerError) as err:
        await client.chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert err.value.type == "server_error"

    def refuse(req: dict[str, Any]) -> str:
        raise FakeHTTPError(400, {"error": {"message": "bad", "type": "invalid_request_error"}})

    fake_openai.responder = refuse
    with pytest.raises(openai.BadRequestError, match="bad"):
        await client.chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]


async def test_openai_hang_times_out(fake_openai: OpenAIFake) -> None:
    fake_openai.hang_next(2.0)
    with pytest.raises(openai.APITimeoutError):
        await aclient(fake_openai, timeout=0.2).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]


async def test_openai_down_raises_connection_error(fake_openai: OpenAIFake) -> None:
    client = aclient(fake_openai)
    await client.models.list()
    fake_openai.go_down()
    with pytest.raises(openai.APIConnectionError) as err:
        await client.chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert not isinstance(err.value, openai.APITimeoutError)
    # Dying while receiving: the request is recorded, then dropped without a response.
    fake_openai.come_back()
    fake_openai.on_receive = lambda rec: fake_openai.go_down()
    with pytest.raises(openai.APIConnectionError):
        await client.chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert len(fake_openai.requests_to("/chat/completions")) == 1


async def test_openai_max_parallel(fake_openai: OpenAIFake) -> None:
    fake_openai.max_parallel = 3
    fake_openai.latency = 0.05
    client = aclient(fake_openai)
    await asyncio.gather(
        *(client.chat.completions.create(model=GPT, messages=USER) for _ in range(9))  # type: ignore[arg-type]
    )
    assert fake_openai.max_concurrency_seen == 3


async def test_on_receive_runs_before_response(fake_openai: OpenAIFake) -> None:
    got_response = False
    seen: list[tuple[RecordedRequest, bool]] = []
    fake_openai.on_receive = lambda rec: seen.append((rec, got_response))
    await aclient(fake_openai).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    got_response = True
    ((rec, responded_already),) = seen
    assert rec.path == "/v1/chat/completions" and rec.json["messages"] == USER
    assert responded_already is False

    def broken(rec: RecordedRequest) -> None:
        raise AssertionError("audit record missing")

    fake_openai.on_receive = broken
    with pytest.raises(openai.InternalServerError):
        await aclient(fake_openai).chat.completions.create(model=GPT, messages=USER)  # type: ignore[arg-type]
    assert isinstance(fake_openai.callback_errors.pop(), AssertionError)  # else teardown re-raises


def test_sync_usage_and_restart() -> None:
    with OllamaFake(models={"m:1b": 2048}) as fake:
        url = fake.url
        r = httpx.post(f"{url}/api/chat", json={"model": "m:1b", "messages": USER, "stream": False})
        assert r.json()["message"]["content"].startswith("Fake answer to:")
        fake.go_down()
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/api/tags")
        fake.come_back()
        assert fake.url == url
        assert httpx.get(f"{url}/api/tags").json()["models"][0]["name"] == "m:1b"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/tags")
