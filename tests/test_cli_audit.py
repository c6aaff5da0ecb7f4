"""``minions audit``: list, show, verify and export the egress record."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from core.cli import main
from core.privacy.audit import AuditStore
from core.storage.paths import audit_db_path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def records() -> list[int]:
    store = AuditStore(audit_db_path())
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Plan, please"}]}
    )
    sent = store.append(
        kind="request",
        endpoint="https://api.openai.com/v1/chat/completions",
        body=body.encode(),
        model="gpt-4o-mini",
        run_id="run-1",
    )
    reply = store.append(
        kind="response",
        endpoint=sent.endpoint,
        body=b'{"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3}}',
        model="gpt-4o-mini",
        run_id="run-1",
        request_id=sent.id,
        status=200,
        prompt_tokens=12,
        completion_tokens=3,
    )
    store.close()
    return [sent.id, reply.id]


def tamper(record_id: int) -> None:
    db = sqlite3.connect(audit_db_path())
    db.execute("DROP TRIGGER records_no_update")
    db.execute("UPDATE records SET body = ? WHERE id = ?", (b"edited", record_id))
    db.commit()
    db.close()


def test_list_shows_every_record(records: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "audit", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2 and "request" in lines[0] and "response 200" in lines[1]
    code, out, _ = run_cli(capsys, "audit", "list", "--json")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == records and listed[1]["prompt_tokens"] == 12


def test_list_of_an_empty_audit_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "audit", "list")
    assert code == 0 and "Nothing has been sent" in out


def test_show_prints_the_body_exactly_as_sent(
    records: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "audit", "show", str(records[0]))
    assert code == 0 and "Plan, please" in out and "endpoint: https://api.openai.com" in out


def test_show_of_a_missing_record_prints_one_line(
    records: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "audit", "show", "99")
    assert code == 1 and err.count("\n") == 1 and "No audit record 99" in err


def test_verify_exits_zero_only_while_the_chain_holds(
    records: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "audit", "verify")
    assert code == 0 and "verified: 2 records" in out
    tamper(records[0])
    code, _, err = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert err == f"BROKEN: Record {records[0]} is changed: content no longer matches the hash.\n"


def test_export_json_and_csv(
    records: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "audit", "export", "--format", "json")
    exported = json.loads(out)
    assert code == 0 and [r["id"] for r in exported] == records
    assert "Plan, please" in exported[0]["body"] and exported[0]["host"] == "api.openai.com"
    assert "run_id" not in exported[0] and "hash" not in exported[0]
    target = tmp_path / "audit.csv"
    code, _, err = run_cli(capsys, "audit", "export", "--format", "csv", "-o", str(target))
    assert code == 0 and "Exported 2 records" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [int(r["id"]) for r in rows] == records and rows[1]["status"] == "200"


def test_export_to_an_unwritable_place_prints_one_line(
    records: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "audit", "export", "-o", str(tmp_path / "missing" / "a.json"))
    assert code == 1 and err.count("\n") == 1 and "Cannot write" in err
