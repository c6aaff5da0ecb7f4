"""A real model answers structured requests: embedded llama.cpp and llama_cpp.server."""

from __future__ import annotations

import asyncio
import time

import pytest
from pydantic import BaseModel

from core.clients.embedded import EmbeddedClient
from core.clients.openai_client import OpenAIClient
from core.privacy.endpoints import Seat
from core.protocols import prompts
from core.protocols.schemas import JobOutput
from tests.helpers import make_gate
from tests.realmodel import smollm_path

pytestmark = pytest.mark.realmodel

QUESTION = [
    {"role": "system", "content": "Answer in JSON with an explanation and the answer."},
    {
        "role": "user",
        "content": "Text: The invoice total is 420 euros.\nWhat is the invoice total?",
    },
]
# SmolLM2 keeps counting for as long as it is allowed to: a generation that does not end.
COUNT = [{"role": "user", "content": "Count from 1 to 5000, one number per line."}]
STOP_WITHIN = 1.0  # seconds from the cancel to the model's thread being idle


class Finding(BaseModel):
    explanation: str
    answer: str | None


async def test_embedded_smollm_output_validates_against_the_schema(smollm_embedded):
    pieces: list[str] = []
    result = await smollm_embedded.chat(
        QUESTION, schema=Finding, max_tokens=300, temperature=0.0, on_token=pieces.append
    )
    assert isinstance(result.parsed, Finding)
    assert Finding.model_validate_json(result.text) == result.parsed
    assert "".join(pieces) == result.text
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


@pytest.mark.parametrize("schema", [None, JobOutput], ids=["plain", "structured"])
async def test_embedded_tokens_stream_while_the_reply_is_written(smollm_embedded, schema):
    seen: list[tuple[str, bool]] = []  # each piece, and whether the call had returned by then
    text = "The lease starts on 1 March 2024. The monthly rent is EUR 1,385."
    call = asyncio.create_task(
        smollm_embedded.chat(
            prompts.minions_job(text, "Find the monthly rent."),
            schema=schema,
            max_tokens=120,
            on_token=lambda piece: seen.append((piece, call.done())),
        )
    )
    result = await call
    assert len(seen) >= 5, seen
    assert not any(done for _, done in seen)  # every piece arrived before the reply was complete
    assert "".join(piece for piece, _ in seen) == result.text
    assert result.usage.completion_tokens >= len(seen) - 1
    if schema is not None:
        JobOutput.model_validate_json(result.text)


async def _cancel_and_time(client: EmbeddedClient, tasks: list[asyncio.Task]) -> float:
    """Cancel ``tasks``; the seconds until the model's threads have no job left."""
    for task in tasks:
        task.cancel()
    cancelled_at = time.monotonic()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results), results
    while client.running and time.monotonic() - cancelled_at < 10:
        await asyncio.sleep(0.005)
    return time.monotonic() - cancelled_at


def _cpu_used_over(seconds: float) -> float:
    start = time.process_time()
    time.sleep(seconds)
    return time.process_time() - start


async def _still_answers(client: EmbeddedClient) -> None:
    result = await client.chat(QUESTION, schema=Finding, max_tokens=100, temperature=0.0)
    assert isinstance(result.parsed, Finding)


async def test_embedded_stop_during_generation_frees_the_cpu_within_a_second():
    client = EmbeddedClient(smollm_path(), n_ctx=4096)
    pieces: list[str] = []
    task = asyncio.create_task(
        client.chat(COUNT, max_tokens=3000, temperature=0.0, on_token=pieces.append)
    )
    while len(pieces) < 20:
        assert not task.done(), "the generation ended before it could be stopped"
        await asyncio.sleep(0.01)

    assert await _cancel_and_time(client, [task]) < STOP_WITHIN
    assert _cpu_used_over(0.5) < 0.1  # llama.cpp is not decoding on in the background
    await _still_answers(client)
    await client.aclose()


async def test_embedded_stop_during_a_long_prompt_frees_the_cpu_within_a_second():
    client = EmbeddedClient(smollm_path(), n_ctx=4096)
    filler = " ".join(f"Clause {n}: the tenant keeps the premises clean." for n in range(250))
    pieces: list[str] = []
    task = asyncio.create_task(
        client.chat(
            prompts.minions_job(filler, "Find the rent."), max_tokens=100, on_token=pieces.append
        )
    )
    while not client.running:  # the prompt (about 3,000 tokens) is being evaluated
        assert not task.done(), task
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)
    assert not pieces, "the prompt was evaluated before the stop: make it longer"

    assert await _cancel_and_time(client, [task]) < STOP_WITHIN
    assert _cpu_used_over(0.5) < 0.1
    await _still_answers(client)
    await client.aclose()


async def test_embedded_stop_drops_the_queued_jobs():
    client = EmbeddedClient(smollm_path(), n_ctx=4096)
    pieces: list[str] = []
    tasks = [
        asyncio.create_task(
            client.chat(COUNT, max_tokens=3000, temperature=0.0, on_token=pieces.append)
        )
        for _ in range(client.capacity + 3)
    ]
    while client.running < client.capacity or len(pieces) < 5:
        assert not any(task.done() for task in tasks), tasks
        await asyncio.sleep(0.01)

    assert await _cancel_and_time(client, tasks) < STOP_WITHIN
    assert client.started == client.capacity  # the three queued behind never reached the model
    await _still_answers(client)
    assert client.started == client.capacity + 1
    await client.aclose()


async def test_llama_cpp_server_through_the_openai_client_validates(llama_server):
    client = OpenAIClient("smollm2", make_gate(), base_url=llama_server, seat=Seat.WORKER)
    assert not client.egress  # built for the worker seat on loopback: nothing is egress
    result = await client.chat(QUESTION, schema=Finding, max_tokens=300, temperature=0.0)
    assert isinstance(result.parsed, Finding)
    assert Finding.model_validate_json(result.text) == result.parsed
    assert result.usage.prompt_tokens > 0
    await client.aclose()


async def test_embedded_a_follow_up_goes_to_the_context_that_read_the_conversation():
    client = EmbeddedClient(smollm_path(), n_ctx=4096, contexts=2)
    lease = "The monthly rent is EUR 1,385, due on the 3rd. " * 60
    memo = "The board approved a budget of EUR 86,000 for the roof. " * 60
    first = [{"role": "system", "content": f"Answer from this text.\n{lease}"}]
    second = [{"role": "system", "content": f"Answer from this text.\n{memo}"}]
    ask = {"role": "user", "content": "What does the text say?"}
    replies = await asyncio.gather(
        client.chat([*first, ask], max_tokens=20, temperature=0.0),
        client.chat([*second, ask], max_tokens=20, temperature=0.0),
    )  # one conversation in each context
    follow_up = [
        *second,
        ask,
        {"role": "assistant", "content": replies[1].text},
        {"role": "user", "content": "And how much was it?"},
    ]
    before = client.evaluated

    result = await client.chat(follow_up, max_tokens=10, temperature=0.0)

    read = client.evaluated - before
    assert result.usage.prompt_tokens > 800
    assert read < 0.1 * result.usage.prompt_tokens, (read, result.usage.prompt_tokens)
    await client.aclose()
