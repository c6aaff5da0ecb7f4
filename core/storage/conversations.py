"""Conversations, their messages and attached documents, kept in SQLite under the data folder.

The file is written with WAL and ``synchronous=FULL``: a committed message survives a
hard kill or a power cut. Answers are stored as JSON with their citations, usage,
protocol and the ids of the audit records of what left the machine.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.storage.answers import AnswerRecord, dump_answer, load_answer
from core.storage.paths import history_db_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    redact INTEGER NOT NULL DEFAULT 1,
    redaction TEXT                  -- the placeholder mapping (it holds the originals): local only
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    answer TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS documents (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    never_send INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL,
    PRIMARY KEY (conversation_id, doc_id)
);
"""

DEFAULT_TITLE = "New conversation"
STOPPED_BY_YOU = "You stopped this run."  # the text of a "stopped" message with nothing written
ENDED_EARLY = "The run ended early."
STOP_REASONS = (STOPPED_BY_YOU, ENDED_EARLY)


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    created: float
    updated: float
    redact: bool = True  # replace identifiers before anything of this conversation leaves


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    conversation_id: str
    role: str  # "user", "assistant", "stopped" (the partial answer) or "error" (in plain words)
    text: str
    answer: AnswerRecord | None  # read tolerantly: see core.storage.answers
    created: float


@dataclass(frozen=True, slots=True)
class StoredDocument:
    doc_id: str
    path: str
    name: str
    kind: str
    pages: int
    tokens: int
    never_send: bool = False


def _conversation(row: tuple[Any, ...]) -> Conversation:
    cid, title, created, updated, redact = row
    return Conversation(cid, title, created, updated, bool(redact))


class ConversationStore:
    """Reads and writes the history database; one connection, used from one thread."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else history_db_path()
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(conversations)")}
        if "redact" not in columns:  # a history file from before per-conversation redaction
            self._write("ALTER TABLE conversations ADD COLUMN redact INTEGER NOT NULL DEFAULT 1")
        if "redaction" not in columns:  # from before placeholders were kept per conversation
            self._write("ALTER TABLE conversations ADD COLUMN redaction TEXT")

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._db:  # one transaction, committed (and synced) before returning
            return self._db.execute(sql, args)

    def _touch(self, conversation_id: str) -> None:
        self._write("UPDATE conversations SET updated=? WHERE id=?", (time.time(), conversation_id))

    # ----------------------------------------------------------------- conversations

    def create(self, title: str = DEFAULT_TITLE, *, redact: bool = True) -> Conversation:
        now = time.time()
        conversation = Conversation(uuid.uuid4().hex, title, now, now, redact)
        self._write(
            "INSERT INTO conversations (id, title, created, updated, redact) VALUES (?, ?, ?, ?, ?)",
            (conversation.id, title, now, now, int(redact)),
        )
        return conversation

    def set_redact(self, conversation_id: str, redact: bool) -> None:
        self._write("UPDATE conversations SET redact=? WHERE id=?", (int(redact), conversation_id))

    def redaction_mapping(self, conversation_id: str) -> str | None:
        """The conversation's placeholder mapping as JSON (see ``Redactor.to_json``), if any."""
        row = self._db.execute(
            "SELECT redaction FROM conversations WHERE id=?", (conversation_id,)
        ).fetchone()
        return row[0] if row else None

    def set_redaction_mapping(self, conversation_id: str, mapping: str) -> None:
        """Keep the placeholders so ``[EMAIL_1]`` means the same address in every turn."""
        self._write("UPDATE conversations SET redaction=? WHERE id=?", (mapping, conversation_id))

    def conversations(self) -> list[Conversation]:
        """All conversations, most recently updated first."""
        rows = self._db.execute(
            "SELECT id, title, created, updated, redact FROM conversations "
            "ORDER BY updated DESC, rowid DESC"
        ).fetchall()
        return [_conversation(row) for row in rows]

    def search(self, text: str) -> list[Conversation]:
        """Conversations whose title or messages hold every word of ``text``, newest first.

        Case-insensitive for ASCII letters (SQLite's LIKE); an empty ``text`` matches all.
        """
        match = (
            "(title LIKE ? ESCAPE '\\' OR id IN "
            "(SELECT conversation_id FROM messages WHERE text LIKE ? ESCAPE '\\'))"
        )
        words = text.split()
        where = " AND ".join([match] * len(words)) or "1"
        escaped = (w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words)
        patterns = [f"%{word}%" for word in escaped]
        rows = self._db.execute(
            "SELECT id, title, created, updated, redact FROM conversations "
            f"WHERE {where} ORDER BY updated DESC, rowid DESC",
            [p for p in patterns for _ in (1, 2)],  # one for the title, one for the messages
        ).fetchall()
        return [_conversation(row) for row in rows]

    def get(self, conversation_id: str) -> Conversation | None:
        row = self._db.execute(
            "SELECT id, title, created, updated, redact FROM conversations WHERE id=?",
            (conversation_id,),
        ).fetchone()
        return _conversation(row) if row else None

    def rename(self, conversation_id: str, title: str) -> None:
        title = " ".join(title.split()) or DEFAULT_TITLE
        self._write(
            "UPDATE conversations SET title=?, updated=? WHERE id=?",
            (title, time.time(), conversation_id),
        )

    def delete(self, conversation_id: str) -> None:
        self._write("DELETE FROM conversations WHERE id=?", (conversation_id,))

    # ----------------------------------------------------------------- messages

    def add_message(
        self, conversation_id: str, role: str, text: str, answer: AnswerRecord | None = None
    ) -> StoredMessage:
        now = time.time()
        payload = dump_answer(answer) if answer is not None else None
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO messages (conversation_id, role, text, answer, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (conversation_id, role, text, payload, now),
            )
            self._db.execute(
                "UPDATE conversations SET updated=? WHERE id=?", (now, conversation_id)
            )
        return StoredMessage(int(cursor.lastrowid or 0), conversation_id, role, text, answer, now)

    def remove_message(self, message_id: int) -> None:
        """Forget one message (a question whose run the user chose not to start)."""
        self._write("DELETE FROM messages WHERE id=?", (message_id,))

    def messages(self, conversation_id: str) -> list[StoredMessage]:
        rows = self._db.execute(
            "SELECT id, conversation_id, role, text, answer, created FROM messages "
            "WHERE conversation_id=? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        return [
            StoredMessage(mid, cid, role, text, load_answer(ans), created)
            for mid, cid, role, text, ans, created in rows
        ]

    # ----------------------------------------------------------------- documents

    def add_document(self, conversation_id: str, doc: StoredDocument) -> None:
        """Attach a document, or refresh its details if it is already attached."""
        self._write(
            "INSERT INTO documents (conversation_id, doc_id, path, name, kind, pages, tokens, "
            "never_send, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (conversation_id, doc_id) DO UPDATE SET path=excluded.path, "
            "name=excluded.name, kind=excluded.kind, pages=excluded.pages, tokens=excluded.tokens",
            (
                conversation_id,
                doc.doc_id,
                doc.path,
                doc.name,
                doc.kind,
                doc.pages,
                doc.tokens,
                int(doc.never_send),
                time.time(),
            ),
        )
        self._touch(conversation_id)

    def remove_document(self, conversation_id: str, doc_id: str) -> None:
        self._write(
            "DELETE FROM documents WHERE conversation_id=? AND doc_id=?", (conversation_id, doc_id)
        )

    def set_never_send(self, conversation_id: str, doc_id: str, never_send: bool) -> None:
        self._write(
            "UPDATE documents SET never_send=? WHERE conversation_id=? AND doc_id=?",
            (int(never_send), conversation_id, doc_id),
        )

    def documents(self, conversation_id: str) -> list[StoredDocument]:
        rows = self._db.execute(
            "SELECT doc_id, path, name, kind, pages, tokens, never_send FROM documents "
            "WHERE conversation_id=? ORDER BY added, rowid",
            (conversation_id,),
        ).fetchall()
        return [
            StoredDocument(doc_id, path, name, kind, pages, tokens, bool(never))
            for doc_id, path, name, kind, pages, tokens, never in rows
        ]

    # ----------------------------------------------------------------- export

    def export_markdown(self, conversation_id: str) -> str:
        """The conversation as a Markdown document: documents, questions, answers, citations."""
        conversation = self.get(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        lines = [f"# {conversation.title}", ""]
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
        lines += [f"_Started {created}_", ""]
        docs = self.documents(conversation_id)
        if docs:
            lines += ["## Documents", ""]
            for doc in docs:
                flag = " (never sent to the cloud)" if doc.never_send else ""
                lines.append(f"- {doc.name}: {doc.pages} pages, ~{doc.tokens:,} tokens{flag}")
            lines.append("")
        for message in self.messages(conversation_id):
            lines += _message_markdown(message)
        return "\n".join(lines).rstrip() + "\n"


def _message_markdown(message: StoredMessage) -> list[str]:
    if message.role == "user":
        quoted = "\n".join(f"> {line}" if line else ">" for line in message.text.splitlines())
        return ["## Question", "", quoted, ""]
    if message.role == "error":
        return [f"_{message.text}_", ""]
    if message.role == "stopped":  # the partial answer, or the reason when nothing was written
        return (
            [f"_{message.text}_", ""]
            if message.text in STOP_REASONS
            else ["## Answer (stopped)", "", message.text.strip(), ""]
        )
    lines = ["## Answer", "", message.text.strip(), ""]
    answer = message.answer
    if answer is None:
        return lines
    if answer.citations:
        lines += ["**Sources**", ""]
        for n, c in enumerate(answer.citations, 1):
            quote = " ".join(c.quote.split())
            lines.append(f'{n}. {c.document_name}, {c.where}: "{quote}"')
        lines.append("")
    u = answer.usage
    local, remote = u.local_tokens, u.cloud_tokens
    lines += [
        f"_Protocol {answer.protocol} · local tokens {local:,} · cloud tokens {remote:,} · "
        f"cloud cost ${u.remote_cost_usd:.4f} · cloud-only estimate ${u.cloud_only_cost_usd:.4f}_",
        "",
    ]
    return lines
