"""``minions ask`` privacy flags and ``minions audit show / leaks``, against the fakes."""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest

from tests.protocol_support import FACT, FACT_ANSWER, filler_page
from tests.test_cli_ask import env, run_cli  # noqa: F401 - the env fixture


def quoting_worker(payload):
    text = str(payload["messages"][-1]["content"])
    if "quotes" in payload.get("format", {}).get("properties", {}):  # the whole documents
        found = FACT in " ".join(str(m["content"]) for m in payload["messages"])
        return {"answer": FACT if found else "not found", "quotes": [FACT] if found else []}
    if FACT in text:
        return {"explanation": f"It says: {FACT}", "citation": FACT, "answer": FACT}
    return {"explanation": "Nothing.", "citation": None, "answer": None}


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    pages = [filler_page(n, 1200, seed=11) for n in range(1, 5)]
    pages[2] += f"\n\n{FACT}"
    path = tmp_path / "secret.txt"
    path.write_text("\n\n".join(pages), "utf-8")
    return path


def cloud_log(fake) -> str:
    return "\n".join(r.body.decode() for r in fake.requests)


def test_never_send_keeps_the_file_out_of_every_cloud_request(env, secret, tmp_path, capsys):  # noqa: F811
    fake_ollama, fake_openai = env
    fake_ollama.responder = quoting_worker
    public = tmp_path / "public.txt"
    public.write_text(filler_page(1, 1500, seed=4), "utf-8")
    code, out, err = run_cli(
        capsys, "ask", "What is the code?", "--never-send", str(secret), "--doc", str(public)
    )
    assert code == 0, err
    log = cloud_log(fake_openai)
    assert fake_openai.requests and FACT_ANSWER not in log and "secret.txt" not in log
    assert "never-send documents" in out and "secret.txt" in out and FACT_ANSWER in out


def test_only_never_send_files_are_answered_on_this_computer(env, secret, capsys):  # noqa: F811
    fake_ollama, fake_openai = env
    fake_ollama.responder = lambda payload: {"answer": FACT_ANSWER, "quotes": [FACT]}
    code, out, err = run_cli(capsys, "ask", "What is the code?", "--never-send", str(secret))
    assert code == 0, err
    assert fake_openai.requests == [] and FACT_ANSWER in out
    assert "answered on this computer only" in err


def test_audit_show_prints_provenance_and_leaks_reports_the_share(env, secret, capsys):  # noqa: F811
    fake_ollama, _ = env
    fake_ollama.responder = quoting_worker
    code, _, err = run_cli(capsys, "ask", "What is the code?", "--doc", str(secret), "--json")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "audit", "list", "--json")
    requests = [r["id"] for r in json.loads(out) if r["kind"] == "request"]
    shown = [run_cli(capsys, "audit", "show", str(i))[1] for i in requests]
    assert any("document secret.txt, page 1" in text and FACT_ANSWER in text for text in shown)
    code, out, _ = run_cli(capsys, "audit", "leaks", "--json")
    leaks = json.loads(out)
    assert code == 0 and leaks[0]["name"] == "secret.txt"
    assert 0 < leaks[0]["share"] < 0.05 and leaks[0]["pages"] == [1]  # a text file is one page


def test_leaks_says_so_when_nothing_left(capsys):
    code, out, _ = run_cli(capsys, "audit", "leaks")
    assert code == 0 and "No document text has ever left" in out


def test_confirm_denied_on_the_terminal_sends_nothing(env, secret, capsys, monkeypatch):  # noqa: F811
    _, fake_openai = env
    monkeypatch.setattr(builtins, "input", lambda prompt: "n")
    code, _, err = run_cli(capsys, "ask", "What is the code?", "--doc", str(secret), "--confirm")
    assert code == 1 and "declined" in err
    assert fake_openai.requests == []


def test_confirm_allowed_for_the_run_asks_once(env, secret, capsys, monkeypatch):  # noqa: F811
    _, fake_openai = env
    asked = []
    monkeypatch.setattr(builtins, "input", lambda prompt: asked.append(prompt) or "a")
    code, _, err = run_cli(capsys, "ask", "What is the code?", "--doc", str(secret), "--confirm")
    assert code == 0, err
    assert len(asked) == 1 and len(fake_openai.requests) >= 2
    assert "About to send" in err


def test_no_redact_lets_identifiers_through(env, tmp_path, capsys):  # noqa: F811
    fake_ollama, fake_openai = env
    doc = tmp_path / "contacts.txt"
    doc.write_text("Write to ops@example.net about the audit.\n", "utf-8")
    fake_ollama.responder = lambda p: {
        "explanation": "x",
        "citation": None,
        "answer": "ops@example.net",
    }
    run_cli(capsys, "ask", "Who to write to?", "--doc", str(doc), "--no-redact")
    assert "ops@example.net" in cloud_log(fake_openai)
    fake_openai.clear_requests()
    run_cli(capsys, "ask", "Who to write to?", "--doc", str(doc))
    assert "ops@example.net" not in cloud_log(fake_openai) and "[EMAIL_1]" in cloud_log(fake_openai)
