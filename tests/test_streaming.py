"""Answers stream as they are written, in every protocol, and Stop keeps what was written.

Real runs against the fakes, which stream their replies eight characters at a time
(OpenAI server-sent events, Ollama NDJSON) exactly as the real servers frame them.
"""

from __future__ import annotations

import asyncio
import json
import random
import re

import pytest

from core.protocols.events import AnswerDelta, Cancelled, Done, RunEvent
from core.protocols.run import Run, RunRequest
from core.protocols.streaming import FieldStream, StreamField
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
)

LONG_ANSWER = (
    "The vault access code is 7781-KESTREL. It is written in the Harwick archive section "
    "of the report, and it changes every May according to the same page."
)


def worker(payload):
    fmt = payload.get("format")
    properties = fmt.get("properties", {}) if isinstance(fmt, dict) else {}
    if "quotes" in properties:  # Local only: the worker writes the final answer itself
        return {"answer": LONG_ANSWER, "quotes": [FACT]}
    if "explanation" in properties:
        return fact_worker(payload)
    return f'The documents say "{FACT}"'  # Minion's worker, in prose


def supervisor(payload):
    name = payload["response_format"]["json_schema"]["name"]
    if name in ("JobPlan", "Synthesis", "FinalSynthesis"):
        reply = minions_supervisor()(payload)
        if "answer" in reply and FACT_ANSWER in reply["answer"]:
            reply["answer"] = LONG_ANSWER
        return reply
    return {
        "Question": {"question": "What is the vault access code?"},
        "SupervisorTurn": {"action": "answer", "text": LONG_ANSWER},
        "FinalAnswer": {"answer": LONG_ANSWER},
        "QuotedAnswer": {"answer": LONG_ANSWER, "quotes": [FACT]},
    }[name]


def deltas_before_done(events: list[RunEvent]) -> list[str]:
    done_at = next(i for i, e in enumerate(events) if isinstance(e, Done))
    return [e.text for e in events[:done_at] if isinstance(e, AnswerDelta) and not e.restart]


@pytest.mark.parametrize("protocol", ["local", "minion", "minions", "cloud"])
async def test_every_protocol_streams_its_answer_before_it_is_done(
    fake_ollama, fake_openai, protocol
):
    fake_ollama.responder, fake_openai.responder = worker, supervisor
    services = make_services(fake_ollama, fake_openai)
    doc = make_document(4, 1200, fact_page=2)
    events = await collect(Run(RunRequest("What is the vault code?", [doc], protocol), services))
    pieces = deltas_before_done(events)
    assert len(pieces) >= 5  # the answer came in pieces, as it was written
    answer = next(e for e in events if isinstance(e, Done)).answer
    assert "".join(pieces) == answer.text == LONG_ANSWER
    await services.aclose()


async def test_a_redacted_answer_streams_with_the_originals_back(fake_ollama, fake_openai):
    email = "jane.roe@example.org"
    fake_ollama.responder = lambda p: {"explanation": "x", "citation": None, "answer": email}
    fake_openai.responder = lambda p: (
        {"jobs": [{"task": "Contact?"}]}
        if p["response_format"]["json_schema"]["name"] == "JobPlan"
        else {"answer": "Write to [EMAIL_1] today, please, before the office closes.", "cite": []}
    )
    services = make_services(fake_ollama, fake_openai, minions_rounds=1)
    doc = make_document(2, 600)
    events = await collect(Run(RunRequest("Contact?", [doc]), services))
    pieces = deltas_before_done(events)
    assert "".join(pieces) == f"Write to {email} today, please, before the office closes."
    assert all("EMAIL" not in piece for piece in pieces)
    await services.aclose()


@pytest.mark.parametrize("protocol", ["local", "minions"])
async def test_stop_keeps_what_was_written(fake_ollama, fake_openai, protocol):
    fake_ollama.responder, fake_openai.responder = worker, supervisor
    fake_ollama.stream_chunk_delay = fake_openai.stream_chunk_delay = 0.05
    services = make_services(fake_ollama, fake_openai)
    doc = make_document(2, 800, fact_page=1)
    run = Run(RunRequest("What is the vault code?", [doc], protocol), services)
    seen: list[str] = []
    events: list[RunEvent] = []
    async for event in run.events():
        events.append(event)
        if isinstance(event, AnswerDelta):
            seen.append(event.text)
            if len(seen) == 4:
                run.cancel()
    stopped = events[-1]
    assert isinstance(stopped, Cancelled)
    assert stopped.partial == "".join(seen) and LONG_ANSWER.startswith(stopped.partial)
    assert 0 < len(stopped.partial) < len(LONG_ANSWER)
    await services.aclose()


async def test_a_quiet_cloud_is_reported_within_its_wait(fake_ollama, fake_openai):
    """A server that takes the request and never answers: a clear message, in bounded time."""
    fake_ollama.responder, fake_openai.responder = worker, supervisor
    fake_openai.hang_next(30, times=5)
    services = make_services(fake_ollama, fake_openai, cloud_wait_s=1)
    doc = make_document(2, 800, fact_page=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await collect(Run(RunRequest("Code?", [doc], "minions"), services))
    took = loop.time() - started
    assert events[-1].kind == "timeout" and "sent nothing for 1 s" in events[-1].message
    assert took < 6  # two attempts of one second each, and a short backoff
    await services.aclose()


async def test_a_quiet_local_server_is_reported_within_its_wait(fake_ollama, fake_openai):
    fake_ollama.responder, fake_openai.responder = worker, supervisor
    fake_ollama.hang_next(30, times=50)
    services = make_services(fake_ollama, fake_openai, local_wait_s=1)
    doc = make_document(1, 300, fact_page=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await collect(Run(RunRequest("Code?", [doc], "local"), services))
    took = loop.time() - started
    failed = events[-1]
    assert failed.kind == "timeout" and "Ollama" in failed.message
    # The wait grows with the prompt a slow CPU must read first; the message names it.
    wait = float(re.search(r"for (\d+) s", failed.message).group(1))
    assert wait < 10 and took < 2 * wait + 3
    await services.aclose()


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_answer_field_is_decoded_whatever_the_split(ensure_ascii):
    reply = {
        "decision": "answer",
        "answer": 'Line "one"\nnaïve ☃ 😀 \\ done: {"answer": "not this"}',
        "cite": ["F1"],
    }
    raw = json.dumps(reply, ensure_ascii=ensure_ascii)
    rng = random.Random(1)
    for _ in range(50):
        out: list[str] = []
        stream = FieldStream(StreamField("answer", gate=("decision", "answer")), out.append)
        at = 0
        while at < len(raw):
            step = rng.randint(1, 6)
            stream.feed(raw[at : at + step])
            at += step
        assert "".join(out) == reply["answer"]


def test_a_reply_that_asks_for_more_streams_nothing():
    out: list[str] = []
    stream = FieldStream(StreamField("answer", gate=("decision", "answer")), out.append)
    stream.feed(json.dumps({"decision": "more", "answer": "half an idea", "notes": "x"}))
    assert out == []
