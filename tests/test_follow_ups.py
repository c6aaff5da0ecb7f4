"""Follow-up questions see the conversation; the cloud sees only what already left."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.documents.extraction import join_pages
from core.documents.model import Document
from core.privacy.redaction import Redactor
from core.protocols.conversation import Turn
from core.protocols.events import Done
from core.protocols.run import Run, RunRequest
from tests.protocol_support import collect, filler_page, make_services, of_type
from tests.test_cli_ask import env, run_cli  # noqa: F401 - the env fixture

FIGURES = {"2021": "$3.1 million", "2022": "$3.9 million", "2023": "$4.2 million"}


def annual_report() -> Document:
    pages = [filler_page(n, 1200, seed=9) for n in range(1, 7)]
    for page, (year, amount) in zip((2, 3, 5), FIGURES.items(), strict=True):
        pages[page] += f"\n\nRevenue in {year} was {amount}."
    text, page_list = join_pages(pages)
    return Document("doc-annual", "annual.txt", "", "text", text, page_list)


def revenue_worker(payload):
    """Finds the revenue of the year its task names, in the chunk it was given."""
    task = str(payload["messages"][-1]["content"]).rsplit("Task:", 1)[-1]
    year = re.search(r"20\d\d", task)
    found = year and re.search(rf"Revenue in {year.group()} was (\$[\d.]+ million)", str(payload))
    if found:
        return {"explanation": "stated", "citation": found.group(0), "answer": found.group(1)}
    return {"explanation": "not here", "citation": None, "answer": None}


def resolving_supervisor(payload):
    """Turns "the year before" into a year only if the conversation says which year."""
    name = payload["response_format"]["json_schema"]["name"]
    content = str(payload["messages"][-1]["content"])
    question = content.split("Question:", 1)[-1].split("\n", 1)[0]
    if name == "JobPlan":
        year = re.search(r"20\d\d", question)
        if year is None:  # a follow-up: the year must come from the conversation
            earlier = re.findall(r"Q: [^\n]*?(20\d\d)", content)
            if not earlier:
                return {"jobs": [{"task": "Which year does the user mean?"}]}
            year_text = str(int(earlier[-1]) - 1)
        else:
            year_text = year.group()
        return {"jobs": [{"task": f"What was the revenue in {year_text}?"}]}
    found = re.findall(r"^(F\d+) \[[^\]]*\] (.*)$", content, re.MULTILINE)
    answer = f"Revenue was {found[0][1]}." if found else "The documents do not say."
    cite = [found[0][0]] if found else []
    if name == "Synthesis":
        return {"decision": "answer", "answer": answer, "cite": cite}
    return {"answer": answer, "cite": cite}


async def test_a_follow_up_is_understood_from_the_earlier_turn(fake_ollama, fake_openai):
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor
    services = make_services(fake_ollama, fake_openai, chunk_chars=900)
    report = annual_report()
    first = await collect(Run(RunRequest("What was the revenue in 2023?", [report]), services))
    answer = of_type(first, Done)[0].answer
    assert "$4.2 million" in answer.text
    history = [Turn("What was the revenue in 2023?", answer.text, answer.supervisor_text)]
    follow = await collect(
        Run(RunRequest("And the year before?", [report], history=history), services)
    )
    assert "$3.9 million" in of_type(follow, Done)[0].answer.text
    # Without the conversation the same words cannot be answered:
    alone = await collect(Run(RunRequest("And the year before?", [report]), services))
    assert "$3.9 million" not in of_type(alone, Done)[0].answer.text
    await services.aclose()


async def test_a_local_only_turn_never_reaches_the_cloud_in_a_later_turn(fake_ollama, fake_openai):
    secret_question = "Which locker holds the spare key, by the quartz door?"
    secret_answer = "Locker 42 by the quartz door holds the spare key."
    fake_ollama.responder = revenue_worker
    fake_openai.responder = resolving_supervisor
    services = make_services(fake_ollama, fake_openai, chunk_chars=900)
    report = annual_report()
    history = [Turn(secret_question, secret_answer, supervisor_answer="")]  # answered locally
    events = await collect(
        Run(RunRequest("What was the revenue in 2022?", [report], history=history), services)
    )
    assert "$3.9 million" in of_type(events, Done)[0].answer.text
    log = "\n".join(r.body.decode() for r in fake_openai.requests)
    assert fake_openai.requests and "quartz" not in log and "Locker 42" not in log
    worker_log = "\n".join(r.body.decode() for r in fake_ollama.requests)
    assert "quartz" not in worker_log  # MinionS jobs get self-contained tasks, not the chat
    await services.aclose()


async def test_placeholders_stay_the_same_across_turns(fake_ollama, fake_openai):
    email = "jane.roe@example.org"
    fake_ollama.responder = revenue_worker
    fake_openai.responder = resolving_supervisor
    services = make_services(fake_ollama, fake_openai, chunk_chars=900)
    redactor = Redactor()
    for question in (f"Did {email} send the 2023 figures?", f"And did {email} send 2022?"):
        request = RunRequest(question, [annual_report()], redactor=redactor)
        assert of_type(await collect(Run(request, services)), Done)
    plans = [
        r.json["messages"][-1]["content"] for r in fake_openai.requests if "JobPlan" in str(r.json)
    ]
    assert all("[EMAIL_1]" in plan and email not in plan for plan in plans)
    assert Redactor.from_json(redactor.to_json()).mapping == {"[EMAIL_1]": email}
    await services.aclose()


@pytest.fixture
def annual_file(tmp_path: Path) -> Path:
    path = tmp_path / "annual.txt"
    path.write_text(annual_report().text, "utf-8")
    return path


def test_the_command_line_continues_a_conversation(env, annual_file, capsys):  # noqa: F811
    fake_ollama, fake_openai = env
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor
    code, out, err = run_cli(
        capsys, "ask", "What was the revenue in 2023?", "--doc", str(annual_file), "--json"
    )
    assert code == 0, err
    first = json.loads(out)
    assert "$4.2 million" in first["answer"]
    code, out, err = run_cli(
        capsys,
        "ask",
        "And the year before?",
        "--conversation",
        first["conversation_id"][:8],
        "--json",
    )
    assert code == 0, err
    assert "$3.9 million" in json.loads(out)["answer"]
    code, out, _ = run_cli(capsys, "history", "list", "--json")
    listed = json.loads(out)
    assert [(c["id"], c["questions"]) for c in listed] == [(first["conversation_id"], 2)]
    code, out, _ = run_cli(capsys, "history", "show", first["conversation_id"])
    assert "And the year before?" in out and "$3.9 million" in out


def test_continuing_an_unknown_conversation_says_so(env, capsys):  # noqa: F811
    code, _, err = run_cli(capsys, "ask", "Hello?", "--conversation", "nope")
    assert code == 1 and "No conversation 'nope'" in err and "history list" in err


def test_plain_output_prints_the_answer_as_it_streams(env, annual_file, capsys):  # noqa: F811
    fake_ollama, fake_openai = env
    fake_ollama.responder, fake_openai.responder = revenue_worker, resolving_supervisor
    code, out, err = run_cli(
        capsys, "ask", "What was the revenue in 2021?", "--doc", str(annual_file)
    )
    assert code == 0, err
    assert out.count("Revenue was $3.1 million.") == 1  # streamed once, not printed again
    assert "local tokens" in out
