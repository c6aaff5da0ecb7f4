"""``minions ask`` and ``minions models`` against the fakes, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.storage.paths import settings_path
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    fact_worker,
    filler_page,
    minions_supervisor,
)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> tuple[OllamaFake, OpenAIFake]:
    """The settings the app reads, pointed at the fakes; the cloud fake on 127.0.0.1 is
    egress because it sits in the supervisor seat, as a user's local proxy would."""
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_openai.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", fake_openai.api_key)
    settings_path().write_text(json.dumps({"local_runtime": "ollama"}), "utf-8")

    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    return fake_ollama, fake_openai


@pytest.fixture
def report(tmp_path: Path) -> Path:
    pages = [filler_page(n, 1500) for n in range(1, 7)]
    pages[3] += f"\n\n{FACT}"
    path = tmp_path / "report.txt"
    path.write_text("\n\n".join(pages), "utf-8")
    return path


def test_ask_json_prints_answer_citations_usage_and_egress(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "ask", "What is the vault code?", "--doc", str(report), "--json"
    )

    assert code == 0, err
    result = json.loads(out)
    assert FACT_ANSWER in result["answer"]
    citation = result["citations"][0]
    assert citation["document"] == "report.txt" and citation["quote"] == FACT
    assert isinstance(citation["page"], int)
    assert set(result["usage"]) >= {
        "local_prompt_tokens",
        "local_completion_tokens",
        "remote_prompt_tokens",
        "remote_completion_tokens",
        "remote_cost_usd",
        "cloud_only_cost_usd",
    }
    assert (
        result["usage"]["remote_prompt_tokens"] > 0 and result["usage"]["local_prompt_tokens"] > 0
    )
    _, fake_openai = env
    assert result["egress"]["requests"] == len(fake_openai.requests) == 2
    assert result["egress"]["bytes"] == sum(len(r.body) for r in fake_openai.requests)


def test_ask_prints_a_readable_answer(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        capsys, "ask", "What is the vault code?", "--doc", str(report), "--rounds", "1"
    )
    assert code == 0
    assert FACT_ANSWER in out and "report.txt, page" in out and "cloud cost $" in out


def test_ask_local_only_sends_nothing(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama, fake_openai = env
    fake_ollama.responder = lambda p: {"answer": f"It is {FACT_ANSWER}.", "quotes": [FACT]}
    code, out, err = run_cli(capsys, "ask", "Code?", "--doc", str(report), "--local-only", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["protocol"] == "local" and result["egress"] == {
        "requests": 0,
        "bytes": 0,
        "record_ids": [],
    }
    assert fake_openai.requests == []


def test_ask_with_a_missing_file_prints_one_line(
    env: tuple[OllamaFake, OpenAIFake], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "ask", "Code?", "--doc", str(tmp_path / "nope.pdf"))
    assert code != 0 and out == ""
    assert err.startswith("minions: ") and err.count("\n") == 1 and "Traceback" not in err


def test_ask_when_ollama_is_not_running_prints_one_line(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama, _ = env
    fake_ollama.go_down()
    code, _, err = run_cli(capsys, "ask", "Code?", "--doc", str(report))
    assert code == 1
    assert err.count("\n") == 1 and "Ollama" in err and "ollama serve" in err


def test_ask_failed_run_prints_one_line(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, fake_openai = env
    fake_openai.api_key = "sk-another-key"  # ours is now rejected
    code, _, err = run_cli(capsys, "ask", "Code?", "--doc", str(report))
    assert code == 1
    assert err.count("\n") == 1 and "rejected the API key" in err


def test_ask_rejects_zero_rounds(
    env: tuple[OllamaFake, OpenAIFake], report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "ask", "Code?", "--doc", str(report), "--rounds", "0")
    assert code == 1 and "--rounds" in err and err.count("\n") == 1


def test_models_lists_the_local_runtime_models(
    env: tuple[OllamaFake, OpenAIFake], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama, _ = env
    fake_ollama.models = {"llama3.2:3b": 131072, "qwen3:4b": 40960}
    code, out, _ = run_cli(capsys, "models")
    assert code == 0 and "llama3.2:3b" in out and "qwen3:4b" in out
    code, out, _ = run_cli(capsys, "models", "--json")
    assert [m["name"] for m in json.loads(out)] == ["llama3.2:3b", "qwen3:4b"]


def test_ask_model_flags_win_over_the_environment(
    env: tuple[OllamaFake, OpenAIFake],
    report: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, fake_openai = env
    monkeypatch.setenv("MINIONS_REMOTE_MODEL", "gpt-4o")
    code, _, err = run_cli(
        capsys, "ask", "Code?", "--doc", str(report), "--remote-model", "gpt-4.1-mini", "--json"
    )
    assert code == 0, err
    assert {r.json["model"] for r in fake_openai.requests_to("/chat/completions")} == {
        "gpt-4.1-mini"
    }
