"""The append-only audit store: every byte that left the machine, in an anchored hash chain.

Each record carries the hash of the previous one and a keyed MAC over its own hash;
the chain's head is anchored outside the database (see :mod:`core.privacy.anchor`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.privacy.anchor import (
    Anchor,
    AnchorMode,
    Head,
    Verifier,
    guarantee_note,
    record_mac,
)
from core.privacy.chain import GENESIS, ChainState, check_chain, digest
from core.storage.secrets import SecretStore

log = logging.getLogger(__name__)

__all__ = ["GENESIS", "AuditStore", "ChainState", "EgressRecord"]

SCHEMA_VERSION = 1

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
    hash TEXT NOT NULL,
    mac TEXT                        -- "key id:HMAC of hash"; NULL before anchoring (version 0)
);
CREATE INDEX IF NOT EXISTS records_conversation ON records(conversation_id);
CREATE INDEX IF NOT EXISTS records_run ON records(run_id);
CREATE INDEX IF NOT EXISTS records_request ON records(request_id);
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
    "mac",
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
    mac: str | None = None

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class AuditStore:
    """SQLite, append-only; each record is committed (fsynced) before the caller goes on.

    With ``secrets`` (the OS keyring, or a session-only memory store) records are signed
    and the head anchored; without it (``AuditStore(path)``, as tests build it) records
    are written unsigned and :meth:`verify` checks the hash links only, and says so.
    Several processes may append to one file at once: SQLite's write lock orders them,
    and the anchor is only ever moved forward along the chain it already holds.

    The anchor is moved on a thread of its own, a moment after each commit, so a
    request waits for its record but not for the keyring (a read and a write there take
    ~85 ms on gnome-keyring); a burst of records moves it once. Until it has moved, the
    newest records are protected by their MACs but their deletion would go unseen:
    :meth:`close` and :meth:`verify` bring the anchor up to date first.
    """

    def __init__(self, path: Path | str, secrets: SecretStore | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = connect(self.path)
        self._db.execute("PRAGMA synchronous=FULL")  # a record survives a hard kill
        _upgrade(self._db)
        self.anchor = Anchor(self.path, secrets)
        self._anchor_due = threading.Condition()
        self._anchor_pending = False
        self._anchor_moving = False  # one mover at a time: the thread, or a flush
        self._anchor_thread: threading.Thread | None = None
        self._closing = False

    @property
    def mode(self) -> AnchorMode:
        return self.anchor.mode

    def guarantees(self) -> str:
        """What this store's checks cannot show, in a sentence ("" when nothing is weaker)."""
        return " ".join(n for n in (guarantee_note(self.anchor.mode), self.anchor.warning) if n)

    def close(self) -> None:
        with self._anchor_due:
            self._closing = True
            self._anchor_due.notify_all()
        if self._anchor_thread is not None:
            self._anchor_thread.join(timeout=10)
        self.flush_anchor()
        with self._lock:
            self._db.close()

    def flush_anchor(self) -> None:
        """Move the anchor now if a record is waiting for it (before a verify, at exit)."""
        with self._anchor_due:
            while self._anchor_moving:  # the anchor thread is writing: let it finish
                self._anchor_due.wait()
            pending, self._anchor_pending = self._anchor_pending, False
            self._anchor_moving = pending
        if pending:
            try:
                self._advance_anchor()
            finally:
                self._anchor_done()

    def _anchor_done(self) -> None:
        with self._anchor_due:
            self._anchor_moving = False
            self._anchor_due.notify_all()

    def _anchor_soon(self) -> None:
        if self.anchor.mode is AnchorMode.NONE:
            return
        with self._anchor_due:
            self._anchor_pending = True
            if self._anchor_thread is None and not self._closing:
                self._anchor_thread = threading.Thread(
                    target=self._anchor_loop, name="audit-anchor", daemon=True
                )
                self._anchor_thread.start()
            self._anchor_due.notify_all()

    def _anchor_loop(self) -> None:
        while True:
            with self._anchor_due:
                while not self._anchor_pending and not self._closing:
                    self._anchor_due.wait()
                if self._closing:
                    return  # close() flushes what is left
                while self._anchor_moving:
                    self._anchor_due.wait()
                if not self._anchor_pending:
                    continue
                self._anchor_pending = False
                self._anchor_moving = True
            try:
                self._advance_anchor()
            except Exception:  # the next record tries again; verify names what is missing
                log.warning("could not move the audit anchor", exc_info=True)
            finally:
                self._anchor_done()

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
                # Made under the write lock, so two first writers agree on one key.
                key = self.anchor.key(create=True)
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
                hashed = digest(prev_hash, fields)
                mac = record_mac(key, fields["id"], hashed) if key is not None else None
                self._db.execute(
                    f"INSERT INTO records ({', '.join(COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(COLUMNS))})",
                    (*fields.values(), prev_hash, hashed, mac),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        # After the commit: a crash here leaves the anchor behind the file, never ahead.
        self._anchor_soon()
        return _record({**fields, "prev_hash": prev_hash, "hash": hashed, "mac": mac})

    def _advance_anchor(self) -> None:
        """Anchor the file's current head; the keyring is read and written outside the lock.

        The anchor is not moved when the file no longer holds the head it names: that
        evidence of tampering stays until someone looks at it. Two processes moving it at
        once can at worst leave it a few records behind the file (as a crash would), which
        verify accepts; it never names a head the file does not hold.
        """
        if self.anchor.mode is AnchorMode.NONE:
            return
        head = self.anchor.read_head()
        with self._lock:
            target = self._anchor_target(head)
        if target is not None:
            self.anchor.write_head(*target)

    def _anchor_target(self, head: Head | None) -> tuple[int, int, str, int] | None:
        """(count, last id, last hash, signed from) to anchor next, or None to leave it."""
        self._db.execute("BEGIN")
        try:
            row = self._db.execute(
                "SELECT id, hash FROM records ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            last_id, last_hash = row
            if head is not None:
                at_head = self._db.execute(
                    "SELECT hash FROM records WHERE id = ?", (head.last_id,)
                ).fetchone()
                moved_on = head.last_id >= last_id
                if moved_on or at_head is None or at_head[0] != head.last_hash:
                    return None
            (count,) = self._db.execute("SELECT COUNT(*) FROM records").fetchone()
            if head is not None:
                signed_from = head.signed_from
            else:  # the first anchor: records before the first signed one predate anchoring
                (first,) = self._db.execute(
                    "SELECT MIN(id) FROM records WHERE mac IS NOT NULL"
                ).fetchone()
                signed_from = first or last_id
            return count, last_id, last_hash, signed_from
        finally:
            self._db.execute("COMMIT")

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
        """Walk the chain and compare it with its anchor; every problem named in one line."""
        self.flush_anchor()
        return verify_file(self.path, self.anchor.verifier())


def verify_file(path: Path, anchor: Verifier) -> ChainState:
    """Check the audit file at ``path`` against ``anchor`` (any process may run this).

    The anchor must be read before the file: it is only ever written after the records
    it names are committed, so a concurrent append cannot look like a missing record.
    """
    reader = connect(path)
    try:
        reader.execute("BEGIN")  # one snapshot of the file for the whole walk
        return check_chain(_rows(reader), anchor)
    finally:
        reader.close()


def connect(path: Path) -> sqlite3.Connection:
    """A connection of its own to the audit file at ``path`` (WAL, so readers never block)."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    return db


def _upgrade(db: sqlite3.Connection) -> None:
    """Create the schema, or bring an older file up to this version (one step per version)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'records'").fetchone()
        if exists and version < 1:
            # Version 0 had no MAC: its records stay, reported as recorded before anchoring.
            db.execute("ALTER TABLE records ADD COLUMN mac TEXT")
        for statement in _SCHEMA.split(";\n"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _rows(db: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    fields = [c for c in COLUMNS if c != "id"]
    for row in db.execute(f"SELECT id, {', '.join(fields)} FROM records ORDER BY id"):
        yield dict(zip(("id", *fields), row, strict=True))


def _record(fields: dict[str, Any]) -> EgressRecord:
    meta = fields["meta"]
    return EgressRecord(
        **{
            **fields,
            "body": bytes(fields["body"]),
            "meta": json.loads(meta) if isinstance(meta, str) else meta,
        }
    )
