"""Tampering with the audit as an attacker with file access would, and `verify` naming it.

Each case opens the SQLite file directly, drops the triggers and changes rows. The
anchor key and head sit in a keyring: a stand-in here (a dict that is not the
session-only ``MemoryStore``), and the real gnome-keyring under ``.ci/with-keyring``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli import main
from core.privacy.anchor import KEY_NAME, AnchorMode
from core.privacy.audit import AuditStore
from core.privacy.chain import GENESIS, digest
from core.storage.paths import audit_db_path
from core.storage.secrets import KeyringStore, MemoryStore, SecretStoreUnavailable
from tests.helpers import files_containing


class StandInKeyring:
    """Behaves as the OS keyring does for one test: survives reopening the audit."""

    name = "stand-in keyring"

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


@pytest.fixture(params=["stand-in", pytest.param("real", marks=[pytest.mark.keyring])])
def keyring_store(request):
    if request.param == "real":
        if not os.environ.get("MINIONS_REAL_KEYRING"):
            pytest.skip("needs the D-Bus session with gnome-keyring that `./dev test` provides")
        return KeyringStore()
    return StandInKeyring()


@pytest.fixture
def audit(keyring_store, monkeypatch) -> Iterator[AuditStore]:
    """Two runs of four records each, signed and anchored; the CLI sees the same keyring."""
    monkeypatch.setattr("core.cli.audit.default_store", lambda: keyring_store)
    store = AuditStore(audit_db_path(), keyring_store)
    for run in ("run-1", "run-2"):
        for n in range(2):
            sent = store.append(
                kind="request",
                endpoint="https://api.example/v1/chat/completions",
                body=f'{{"messages": [{{"content": "{run} question {n}"}}]}}'.encode(),
                model="gpt-4o-mini",
                run_id=run,
                meta={"task": "the question as typed"},
            )
            store.append(
                kind="response",
                endpoint=sent.endpoint,
                body=b'{"choices": []}',
                run_id=run,
                request_id=sent.id,
                status=200,
            )
    assert store.verify().ok
    store.close()
    yield AuditStore(audit_db_path(), keyring_store)


@contextlib.contextmanager
def attacker(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path or audit_db_path())
    db.execute("DROP TRIGGER IF EXISTS records_no_update")
    db.execute("DROP TRIGGER IF EXISTS records_no_delete")
    yield db
    db.commit()
    db.close()


def verify_cli(capsys) -> tuple[int, str, str]:
    code = main(["audit", "verify"])
    out, err = capsys.readouterr()
    return code, out, err


def rebuild_chain(db: sqlite3.Connection, *, keep_macs: bool) -> None:
    """Recompute every hash and link from record 1, as someone who read our code would."""
    names = [r[1] for r in db.execute("PRAGMA table_info(records)")]
    fields = [n for n in names if n not in ("prev_hash", "hash", "mac")]
    prev = GENESIS
    for row in db.execute(f"SELECT {', '.join(fields)} FROM records ORDER BY id").fetchall():
        values = dict(zip(fields, row, strict=True))
        values["body"] = bytes(values["body"])
        new = digest(prev, values)
        mac = ", mac = NULL" if not keep_macs else ""
        db.execute(
            f"UPDATE records SET prev_hash = ?, hash = ?{mac} WHERE id = ?",
            (prev, new, values["id"]),
        )
        prev = new


def test_an_intact_audit_verifies_with_full_guarantees(audit, capsys):
    state = audit.verify()
    assert (
        state.ok and state.records == 8 and state.notes == () and audit.mode is AnchorMode.KEYRING
    )
    code, out, _ = verify_cli(capsys)
    assert code == 0 and "verified: 8 records" in out and "Note" not in out


def test_edited_body_is_named(audit, capsys):
    with attacker() as db:
        db.execute("UPDATE records SET body = CAST('edited' AS BLOB) WHERE id = 3")
    state = audit.verify()
    assert state.problems == ("Record 3 is changed: content no longer matches the hash.",)
    code, _, err = verify_cli(capsys)
    assert code == 1 and err == "BROKEN: Record 3 is changed: content no longer matches the hash.\n"


def test_edited_metadata_is_named(audit, capsys):
    with attacker() as db:
        db.execute("UPDATE records SET model = 'gpt-3.5', meta = '{}' WHERE id = 5")
    assert audit.verify().problems == ("Record 5 is changed: content no longer matches the hash.",)
    assert verify_cli(capsys)[0] == 1


def test_deleted_middle_record_is_named(audit, capsys):
    with attacker() as db:
        db.execute("DELETE FROM records WHERE id = 4")
    assert audit.verify().problems == ("Record 4 is missing.",)
    code, _, err = verify_cli(capsys)
    assert code == 1 and "Record 4 is missing." in err


def test_deleted_last_record_is_named(audit, capsys):
    with attacker() as db:
        db.execute("DELETE FROM records WHERE id = 8")
    expected = "Record 8 is missing from the end: the anchor says 8 records were written."
    assert audit.verify().problems == (expected,)
    code, _, err = verify_cli(capsys)
    assert code == 1 and err.strip() == f"BROKEN: {expected}"


def test_deleted_last_run_is_named(audit, capsys):
    with attacker() as db:
        db.execute("DELETE FROM records WHERE run_id = 'run-2'")
    assert audit.verify().problems == (
        "Records 5–8 are missing from the end: the anchor says 8 records were written.",
    )
    assert verify_cli(capsys)[0] == 1


def test_deleting_every_record_is_named(audit, capsys):
    with attacker() as db:
        db.execute("DELETE FROM records")
    [problem] = audit.verify().problems
    assert "holds no records, but the anchor says 8 were written" in problem
    assert verify_cli(capsys)[0] == 1


def test_deleting_the_file_is_named(audit, keyring_store, capsys):
    audit.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{audit_db_path()}{suffix}").unlink(missing_ok=True)
    code, _, err = verify_cli(capsys)
    assert code == 1 and "deleted or emptied" in err
    # New records after the deletion do not erase the evidence.
    fresh = AuditStore(audit_db_path(), keyring_store)
    fresh.append(kind="request", endpoint="https://api.example/v1", body=b"after")
    assert not fresh.verify().ok
    assert "Records 2–8 are missing from the end" in fresh.verify().problems[0]


@pytest.mark.parametrize("keep_macs", [True, False])
def test_rebuilt_chain_is_named(audit, capsys, keep_macs):
    with attacker() as db:
        db.execute("UPDATE records SET body = CAST('rewritten' AS BLOB) WHERE id = 1")
        rebuild_chain(db, keep_macs=keep_macs)
    state = audit.verify()
    assert "The chain up to record 8 does not match its anchor" in state.problems[-1]
    if keep_macs:
        assert state.problems[0].startswith("Records 1–8 are rewritten: keyed MAC does not match")
    else:
        assert state.problems[0].startswith("Records 1–8 are without a keyed MAC where one is due")
    code, _, err = verify_cli(capsys)
    assert code == 1 and "rebuilt with recomputed hashes" in err


def test_a_crash_before_the_anchor_moved_is_not_tampering(audit, monkeypatch):
    monkeypatch.setattr(audit.anchor, "write_head", lambda *args: None)  # killed after COMMIT
    audit.append(kind="request", endpoint="https://api.example/v1", body=b"late 1")
    audit.append(kind="request", endpoint="https://api.example/v1", body=b"late 2")
    assert audit.anchor.read_head().last_id == 8
    state = audit.verify()
    assert state.ok and state.records == 10, state.problems
    with attacker() as db:  # a record below the anchor is still missed
        db.execute("DELETE FROM records WHERE id = 7")
    assert audit.verify().problems[0] == "Record 7 is missing."


def test_the_next_append_moves_the_anchor_past_unanchored_records(audit, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(audit.anchor, "write_head", lambda *args: None)
        audit.append(kind="request", endpoint="https://api.example/v1", body=b"unanchored")
        audit.flush_anchor()  # the anchor thread, or this, finds the keyring refusing
    audit.append(kind="request", endpoint="https://api.example/v1", body=b"anchored")
    audit.flush_anchor()
    assert audit.anchor.read_head().last_id == 10 and audit.verify().ok


def test_a_burst_of_records_waits_for_the_keyring_once_not_per_record(audit, monkeypatch):
    """Appends do not wait for the anchor: it moves on its own thread, once for a burst."""
    writes = []
    slow = audit.anchor.write_head

    def slow_write(*args):
        writes.append(args)
        time.sleep(0.2)
        slow(*args)

    monkeypatch.setattr(audit.anchor, "write_head", slow_write)
    started = time.monotonic()
    for i in range(10):
        audit.append(kind="request", endpoint="https://api.example/v1", body=b"%d" % i)
    assert time.monotonic() - started < 1.0  # ten appends did not wait ten times 0.2 s
    audit.flush_anchor()
    assert len(writes) < 10 and audit.anchor.read_head().last_id == 18 and audit.verify().ok


def test_a_record_forged_past_the_anchor_is_named(audit):
    with attacker() as db:
        last = db.execute("SELECT * FROM records WHERE id = 8").fetchone()
        db.execute(
            "INSERT INTO records VALUES (" + ", ".join("?" * len(last)) + ")",
            (9, *last[1:14], last[15], last[15], last[16]),
        )
    problems = audit.verify().problems
    assert any(p.startswith("Record 9 is") for p in problems)


def test_the_key_is_in_no_file(audit, keyring_store, minions_home):
    key = keyring_store.get(KEY_NAME)
    assert key and len(bytes.fromhex(key)) == 32
    assert files_containing(minions_home, key) == []


def test_an_old_database_opens_and_its_records_are_pre_anchor(tmp_path, keyring_store):
    path = tmp_path / "old.sqlite3"
    _write_version_0(path, 3)
    store = AuditStore(path, keyring_store)
    state = store.verify()
    assert state.ok and state.records == 3
    assert state.notes == (
        "Records 1–3: recorded before anchoring (no keyed MAC); checked by their hash links only.",
    )
    store.append(kind="request", endpoint="https://api.example/v1", body=b"new")
    assert store.verify().ok and store.get(4).mac
    with attacker(path) as db:
        db.execute("DELETE FROM records WHERE id = 4")
    assert "Record 4 is missing from the end" in store.verify().problems[0]


def test_a_missing_anchor_is_said_not_hidden(audit, keyring_store):
    keyring_store.delete(audit.anchor.head_name)
    state = audit.verify()
    assert state.ok and "holds no anchor for this audit file" in state.notes[0]


def test_a_store_without_a_key_writes_unsigned_records_and_says_so(tmp_path):
    store = AuditStore(tmp_path / "a.sqlite3")
    record = store.append(kind="request", endpoint="https://api.example/v1", body=b"x")
    state = store.verify()
    assert record.mac is None and state.ok and store.mode is AnchorMode.NONE
    assert "cannot be told from a real one" in state.notes[0]
    assert "Record 1" in state.notes[1] and "before anchoring" in state.notes[1]


def test_a_session_only_key_checks_this_session_and_says_what_it_cannot(tmp_path):
    path = tmp_path / "a.sqlite3"
    first = AuditStore(path, MemoryStore())
    first.append(kind="request", endpoint="https://api.example/v1", body=b"one")
    first.append(kind="request", endpoint="https://api.example/v1", body=b"two")
    with attacker(path) as db:
        db.execute("DELETE FROM records WHERE id = 2")
    assert first.verify().problems == (
        "Record 2 is missing from the end: the anchor says 2 records were written.",
    )
    later = AuditStore(path, MemoryStore())  # the next session: a new key, no head
    state = later.verify()
    assert state.ok and "No OS keyring" in state.notes[0] and "never on disk" in state.notes[0]
    assert "Record 1: signed with a key this session does not hold" in state.notes[1]


def test_a_keyring_that_stops_working_falls_back_to_the_session(tmp_path, audit):
    class Broken(StandInKeyring):
        def set(self, key: str, value: str) -> None:
            raise SecretStoreUnavailable("The OS keyring (test) could not store the key")

    store = AuditStore(tmp_path / "b.sqlite3", Broken())
    store.append(kind="request", endpoint="https://api.example/v1", body=b"x")
    state = store.verify()
    assert state.ok and store.mode is AnchorMode.SESSION
    assert any("anchored in memory for this session only" in n for n in state.notes)


def _write_version_0(path: Path, count: int) -> None:
    """An audit file as the first release wrote it: no MAC column, no user_version."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
        "request_id INTEGER, created_at TEXT NOT NULL, endpoint TEXT NOT NULL, "
        "model TEXT NOT NULL DEFAULT '', conversation_id TEXT NOT NULL DEFAULT '', "
        "run_id TEXT NOT NULL DEFAULT '', byte_count INTEGER NOT NULL, body BLOB NOT NULL, "
        "status INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, "
        "meta TEXT NOT NULL DEFAULT '{}', prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
        "CREATE TRIGGER records_no_update BEFORE UPDATE ON records "
        "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;"
    )
    prev = GENESIS
    for n in range(1, count + 1):
        fields = {
            "id": n,
            "kind": "request",
            "request_id": None,
            "created_at": f"2025-01-0{n}T00:00:00+00:00",
            "endpoint": "https://api.example/v1",
            "model": "",
            "conversation_id": "",
            "run_id": "",
            "byte_count": 3,
            "body": b"old",
            "status": None,
            "prompt_tokens": None,
            "completion_tokens": None,
            "meta": "{}",
        }
        new = digest(prev, fields)
        db.execute(
            "INSERT INTO records VALUES (" + ", ".join("?" * 16) + ")",
            (*fields.values(), prev, new),
        )
        prev = new
    db.commit()
    db.close()
