"""A long run is estimated before it starts, and put to the user when it is over the limits."""

from __future__ import annotations

from core.protocols.events import Done, Estimated, Failed, JobStarted
from core.protocols.run import Run, RunRequest
from core.storage.paths import minions_home
from core.storage.speeds import GUESS_JOBS_PER_S, record_speed, speed_of
from tests.protocol_support import (
    collect,
    fact_worker,
    make_document,
    make_services,
    minions_supervisor,
    of_type,
)


def long_run_services(fake_ollama, fake_openai, **settings):
    fake_ollama.responder, fake_openai.responder = fact_worker, minions_supervisor()
    return make_services(fake_ollama, fake_openai, chunk_chars=600, confirm_run_jobs=20, **settings)


async def test_a_long_run_waits_for_the_users_yes_and_says_what_it_would_take(
    fake_ollama, fake_openai
):
    services = long_run_services(fake_ollama, fake_openai)
    asked = []

    async def decline(estimate):
        asked.append(estimate)
        return False

    services.confirm_long_run = decline
    doc = make_document(30, 1200, fact_page=12, name="ledger.txt")
    events = await collect(Run(RunRequest("List every code in the ledger", [doc]), services))
    assert len(asked) == 1 and asked[0].local_jobs > 20
    estimated = of_type(events, Estimated)[0]
    assert f"about {asked[0].local_jobs:,} local jobs" in estimated.text
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "declined"
    assert "Not started" in failed.message and "pages" in failed.hint
    assert fake_openai.requests == [] and not of_type(events, JobStarted)
    assert not any(r.path.endswith("/api/chat") for r in fake_ollama.requests)
    await services.aclose()


async def test_a_yes_starts_the_run_and_its_speed_is_kept_for_the_next_estimate(
    fake_ollama, fake_openai
):
    services = long_run_services(fake_ollama, fake_openai)

    async def accept(estimate):
        return True

    services.confirm_long_run = accept
    assert not speed_of("llama3.2:3b").measured
    doc = make_document(30, 1200, fact_page=12)
    events = await collect(Run(RunRequest("List every code", [doc]), services))
    assert of_type(events, Done)
    first = events.index(of_type(events, Estimated)[0])
    assert first < events.index(of_type(events, JobStarted)[0])  # said before any work
    measured = speed_of("llama3.2:3b")
    assert measured.measured and measured.jobs_per_s != GUESS_JOBS_PER_S
    again = of_type(await collect(Run(RunRequest("Code?", [doc]), services)), Estimated)[0]
    assert again.measured and "at the measured speed of llama3.2:3b" in again.text
    await services.aclose()


async def test_a_fact_question_is_estimated_at_the_best_chunks_not_all_of_them(
    fake_ollama, fake_openai
):
    services = long_run_services(fake_ollama, fake_openai)
    doc = make_document(60, 1200, fact_page=12)
    fact = of_type(await collect(Run(RunRequest("What is the code?", [doc]), services)), Estimated)
    every = of_type(
        await collect(Run(RunRequest("Summarise every page", [doc]), services)), Estimated
    )
    assert fact[0].local_jobs <= 2 * 3 * 4 < every[0].local_jobs
    await services.aclose()


async def test_a_short_run_is_not_put_to_the_user(fake_ollama, fake_openai):
    services = long_run_services(fake_ollama, fake_openai)

    async def refuse(estimate):  # pragma: no cover - must not be called
        raise AssertionError("a short run was put to the user")

    services.confirm_long_run = refuse
    doc = make_document(2, 800, fact_page=1)
    events = await collect(Run(RunRequest("Code?", [doc]), services))
    assert of_type(events, Done) and of_type(events, Estimated)[0].local_jobs <= 20
    await services.aclose()


def test_speeds_are_running_averages_and_a_damaged_file_is_forgotten():
    record_speed("m", jobs_per_s=2.0)
    record_speed("m", jobs_per_s=1.0)
    assert 1.0 < speed_of("m").jobs_per_s < 2.0
    (minions_home() / "speeds.json").write_text("{not json", "utf-8")
    assert not speed_of("m").measured


def test_the_command_line_prints_the_estimate(
    tmp_path, capsys, monkeypatch, fake_ollama, fake_openai
):
    from tests.test_cli_ask import run_cli

    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_openai.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", fake_openai.api_key)
    fake_ollama.responder, fake_openai.responder = fact_worker, minions_supervisor()
    (minions_home() / "settings.json").write_text('{"confirm_run_jobs": 2}', "utf-8")
    path = tmp_path / "notes.txt"
    path.write_text(make_document(3, 900, fact_page=2).text, "utf-8")
    code, _, err = run_cli(capsys, "ask", "Code?", "--doc", str(path), "--yes")
    assert code == 0, err
    assert "minions: this run: about" in err and "on this computer" in err
