"""The append-only audit store: every byte that left the machine, in a hash chain."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,             -- request | response | blocked
    request_id INTEGER,             -- for a response: the request it answers
    created_at TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    conversation_id TEXT NOT NULL DEFAULT '',
    run_id TEXT NOT NULL DEFAULT '',
    byte_count INTEGER NOT NULL,
    body BLOB NOT NULL,             -- exactly the bytes sent (request) or received (response)
    status INTEGER,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    meta TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_conversation ON records(conversation_id);
CREATE INDEX IF NOT EXISTS records_run ON records(run_id);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""

COLUMNS = (
    "id",
    "kind",
    "request_id",
    "created_at",
    "endpoint",
    "model",
    "conversation_id",
    "run_id",
    "byte_count",
    "body",
    "status",
    "prompt_tokens",
    "completion_tokens",
    "meta",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class EgressRecord:
    id: int
    kind: str
    request_id: int | None
    created_at: str
    endpoint: str
    model: str
    conversation_id: str
    run_id: str
    byte_count: int
    body: bytes
    status: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    meta: dict[str, Any]
    prev_hash: str
    hash: str

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ChainState:
    ok: bool
    records: int
    broken_at: int | None = None  # id of the first record whose link does not hold
    reason: str = ""


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = dict(fields)
    canonical["body"] = hashlib.sha256(canonical["body"]).hexdigest()
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


class AuditStore:
    """SQLite, append-only; each record is committed (fsynced) before the caller goes on."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a record survives a hard kill
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append(
        self,
        *,
        kind: str,
        endpoint: str,
        body: bytes,
        model: str = "",
        conversation_id: str = "",
        run_id: str = "",
        request_id: int | None = None,
        status: int | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> EgressRecord:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT id, hash FROM records ORDER BY id DESC LIMIT 1"
                ).fetchone()
                prev_id, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
                fields: dict[str, Any] = {
                    "id": prev_id + 1,
                    "kind": kind,
                    "request_id": request_id,
                    "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
                    "endpoint": endpoint,
                    "model": model,
                    "conversation_id": conversation_id,
                    "run_id": run_id,
                    "byte_count": len(body),
                    "body": body,
                    "status": status,
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "meta": json.dumps(meta or {}, sort_keys=True),
                }
                digest = _digest(prev_hash, fields)
                self._db.execute(
                    f"INSERT INTO records ({', '.join(COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(COLUMNS))})",
                    (*fields.values(), prev_hash, digest),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return _record({**fields, "prev_hash": prev_hash, "hash": digest})

    def records(
        self,
        *,
        conversation_id: str | None = None,
        run_id: str | None = None,
        kind: str | None = None,
    ) -> list[EgressRecord]:
        clauses, params = [], []
        for column, value in (
            ("conversation_id", conversation_id),
            ("run_id", run_id),
            ("kind", kind),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM records {where} ORDER BY id", params
            ).fetchall()
        return [_record(dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def get(self, record_id: int) -> EgressRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM records WHERE id = ?", (record_id,)
            ).fetchone()
        return _record(dict(zip(COLUMNS, row, strict=True))) if row else None

    def verify(self) -> ChainState:
        """Walk the chain from the start; report the first record that does not hold."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM records ORDER BY id"
            ).fetchall()
        prev_hash, expected_id = GENESIS, 1
        for row in rows:
            fields = dict(zip(COLUMNS, row, strict=True))
            record_id = fields["id"]
            if record_id != expected_id:
                return ChainState(False, len(rows), expected_id, f"record {expected_id} is missing")
            if fields["prev_hash"] != prev_hash:
                return ChainState(False, len(rows), record_id, "link to the previous record broken")
            stored = fields.pop("hash")
            fields.pop("prev_hash")
            fields["body"] = bytes(fields["body"])
            if _digest(prev_hash, fields) != stored:
                return ChainState(False, len(rows), record_id, "record content was changed")
            prev_hash, expected_id = stored, expected_id + 1
        return ChainState(True, len(rows))


def _record(fields: dict[str, Any]) -> EgressRecord:
    meta = fields["meta"]
    return EgressRecord(
        **{
            **fields,
            "body": bytes(fields["body"]),
            "meta": json.loads(meta) if isinstance(meta, str) else meta,
        }
    )
