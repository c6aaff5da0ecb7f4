"""Faults in the middle of a MinionS run: each ends in a clear event and a consistent audit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.clients.openai_client import OpenAIClient
from core.protocols.events import (
    Cancelled,
    Done,
    Failed,
    JobFailed,
    JobFinished,
    JobsPlanned,
    JobStarted,
    RunEvent,
)
from core.protocols.minions import in_flight
from core.protocols.run import Run, RunRequest
from core.services import Services
from tests.fakes import OllamaFake, OpenAIFake
from tests.helpers import cloud_client
from tests.protocol_support import (
    FACT_ANSWER,
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)

CHUNK_CHARS = 600


def assert_consistent_audit(services: Services, run: Run) -> None:
    """The chain holds, and every request of the run has its response (or error) recorded."""
    assert services.audit.verify().ok
    records = services.audit.records(run_id=run.run_id)
    requests = {r.id for r in records if r.kind == "request"}
    answered = {r.request_id for r in records if r.kind == "response"}
    assert requests and requests == answered


_SUPERVISORS: list[OpenAIClient] = []  # made by start_run, closed after each test


@pytest.fixture(autouse=True)
async def close_supervisors() -> AsyncIterator[None]:
    yield
    while _SUPERVISORS:
        await _SUPERVISORS.pop().aclose()  # its pooled connection, on the test's own loop


def start_run(services: Services, fake_openai: OpenAIFake, pages: int = 8, **client: Any) -> Run:
    doc = make_document(pages=pages, page_chars=1500, fact_page=3)
    supervisor = cloud_client(fake_openai, services.gate, **client)
    _SUPERVISORS.append(supervisor)
    return Run(
        RunRequest("What is the vault access code?", [doc]),
        services,
        chunk_chars=CHUNK_CHARS,
        supervisor=supervisor,
    )


async def events_with(run: Run, on_planned: Any) -> list[RunEvent]:
    """Collect the events, calling ``on_planned()`` once the jobs are planned (mid-run)."""
    events: list[RunEvent] = []
    async for event in run.events():
        events.append(event)
        if isinstance(event, JobsPlanned):
            on_planned()
    return events


async def test_invalid_worker_json_is_retried_then_the_job_fails_and_the_run_goes_on(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    calls: dict[str, int] = {}

    def worker(payload: dict[str, Any]) -> Any:
        text = payload["messages"][-1]["content"]
        calls[text] = calls.get(text, 0) + 1
        if "Budget" in text.split("Task:")[-1]:
            return "sorry, I cannot do JSON"  # always invalid: fails after its retry
        if "Storage" in text.split("Task:")[-1] and calls[text] == 1:
            return "{not json"  # invalid once: the retry succeeds
        return fact_worker(payload)

    fake_ollama.responder = worker
    fake_openai.responder = minions_supervisor(
        [{"task": "What is the vault access code?"}, {"task": "Budget?", "page_to": 1},
         {"task": "Storage?", "page_to": 1}]
    )  # fmt: skip
    services = make_services(fake_ollama, fake_openai)
    run = start_run(services, fake_openai)

    events = await collect(run)

    assert isinstance(events[-1], Done) and FACT_ANSWER in events[-1].answer.text
    failed = of_type(events, JobFailed)
    assert failed and all("-t2-" in j.job_id for j in failed)  # only the "Budget?" jobs
    assert all(j.chunk_id and "not valid JobOutput JSON" in j.reason for j in failed)
    budget_prompts = [n for t, n in calls.items() if t.endswith("Task: Budget?")]
    assert budget_prompts and all(n == 2 for n in budget_prompts)  # tried twice, then failed
    storage_prompts = [n for t, n in calls.items() if t.endswith("Task: Storage?")]
    assert storage_prompts and all(n == 2 for n in storage_prompts)
    storage_jobs = [e for e in of_type(events, JobStarted) if e.instruction == "Storage?"]
    finished_ids = {e.job_id for e in of_type(events, JobFinished)}
    assert all(e.job_id in finished_ids for e in storage_jobs)
    assert_consistent_audit(services, run)
    await services.aclose()


async def test_cloud_429_mid_run_is_retried_and_the_run_completes(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    run = start_run(services, fake_openai)

    events = await events_with(
        run, lambda: fake_openai.fail_next(429, times=2, headers={"retry-after": "0"})
    )

    assert isinstance(events[-1], Done) and FACT_ANSWER in events[-1].answer.text
    statuses = [r.status for r in services.audit.records(run_id=run.run_id, kind="response")]
    assert statuses == [200, 429, 429, 200]
    assert_consistent_audit(services, run)
    await services.aclose()


async def test_cloud_500_mid_run_fails_the_run_clearly(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    run = start_run(services, fake_openai, attempts=3)

    events = await events_with(run, lambda: fake_openai.fail_next(500, times=10))

    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "server"
    assert "failed (500)" in failed.message
    assert sum(isinstance(e, Failed) for e in events) == 1
    assert_consistent_audit(services, run)
    await services.aclose()


async def test_cloud_timeout_mid_run_fails_the_run_clearly(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai)
    run = start_run(services, fake_openai, attempts=2, timeout=0.3)

    events = await events_with(run, lambda: fake_openai.hang_next(3, times=2))

    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "timeout"
    assert "did not answer in time" in failed.message
    assert_consistent_audit(services, run)
    await services.aclose()


async def test_ollama_stopping_mid_run_fails_the_run_clearly(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    seen = 0

    def stop_after_five(_record: Any) -> None:
        nonlocal seen
        seen += 1
        if seen == 5:
            fake_ollama.go_down()

    fake_ollama.responder = fact_worker
    fake_ollama.latency = 0.02
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, parallelism=2)
    run = start_run(services, fake_openai, pages=20)
    await services.local_client()  # connect first: the list/show calls count as requests too
    fake_ollama.clear_requests()
    fake_ollama.on_receive = stop_after_five

    started = time.monotonic()
    events = await collect(run)

    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "unreachable"
    assert "Ollama" in failed.message and "ollama serve" in failed.hint
    assert time.monotonic() - started < 5
    assert len(of_type(events, JobStarted)) < 20  # it stopped; it did not grind through every job
    assert_consistent_audit(services, run)  # the plan went out and came back before
    await services.aclose()


async def test_cloud_budget_stops_the_run_before_it_is_exceeded(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, cloud_token_budget=1000)
    run = start_run(services, fake_openai)

    events = await collect(run)

    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "budget"
    assert "budget of 1,000 tokens" in failed.message
    cloud = fake_openai.requests_to("/chat/completions")
    assert len(cloud) == 1  # the plan fit; the synthesis was never sent
    used = sum(
        (r.prompt_tokens or 0) + (r.completion_tokens or 0)
        for r in services.audit.records(run_id=run.run_id, kind="response")
    )
    assert 0 < used <= 1000
    assert_consistent_audit(services, run)
    await services.aclose()


OPEN = in_flight(4)  # requests kept open for four server slots


async def test_cancel_stops_every_job_within_a_second(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    fake_ollama.responder = fact_worker
    fake_ollama.latency = 30  # every job would take half a minute
    fake_openai.responder = minions_supervisor(
        [{"task": "What is the vault access code?", "read": "all"}]  # many jobs at once
    )
    services = make_services(fake_ollama, fake_openai, parallelism=4)
    run = start_run(services, fake_openai, pages=20)
    await services.local_client()
    fake_ollama.clear_requests()

    events: list[RunEvent] = []
    cancelled_at = 0.0
    async for event in run.events():
        events.append(event)
        if isinstance(event, JobStarted) and len(of_type(events, JobStarted)) == OPEN:
            deadline = time.monotonic() + 10  # let the open requests reach the server
            while len(fake_ollama.requests_to("/api/chat")) < OPEN:
                assert time.monotonic() < deadline, "the jobs never reached the server"
                await asyncio.sleep(0.02)
            cancelled_at = time.monotonic()
            run.cancel()
    elapsed = time.monotonic() - cancelled_at

    assert isinstance(events[-1], Cancelled)
    assert elapsed < 1.0
    assert len(fake_ollama.requests_to("/api/chat")) == OPEN
    await asyncio.sleep(0.3)
    assert len(fake_ollama.requests_to("/api/chat")) == OPEN  # no job started after the cancel
    assert not [e for e in events if isinstance(e, Done | Failed)]
    assert_consistent_audit(services, run)
    await services.aclose()


async def test_cancel_before_the_stream_starts_yields_only_cancelled(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    services = make_services(fake_ollama, fake_openai)
    run = start_run(services, fake_openai)
    run.cancel()
    events = await collect(run)
    assert [type(e) for e in events] == [Cancelled]
    assert fake_openai.requests == []
    await services.aclose()
