"""Conversation history on disk: survives reopening, renames, deletes, exports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from core.protocols.events import Answer, Citation, RunUsage
from core.protocols.records import answer_from_record, answer_record
from core.storage.answers import AnswerRecord, dump_answer, load_answer
from core.storage.conversations import ConversationStore, StoredDocument
from core.storage.paths import history_db_path


def _answer() -> Answer:
    return Answer(
        text="The rent is **1,200 EUR** [1].",
        protocol="minions",
        citations=[Citation("d1", "lease.pdf", 3, "rent of 1,200 EUR", "d1:4", 100, 117)],
        usage=RunUsage(1000, 200, 300, 50, 0.0012, 0.0310),
        egress_record_ids=[1, 2],
        egress_bytes=4096,
        rounds=1,
        notes=["held back one excerpt"],
    )


def test_answer_json_round_trip_keeps_citations_and_usage():
    answer = _answer()
    assert answer_from_record(load_answer(dump_answer(answer_record(answer)))) == answer


# An answer as the first release stored it: the dataclass, unversioned, as it was then.
VERSION_1 = {
    "text": "The rent is 1,200 EUR.",
    "protocol": "minions",
    "citations": [
        {"document_id": "d1", "document_name": "lease.pdf", "page": 3, "quote": "rent of 1,200",
         "chunk_id": "d1:4", "char_start": 100, "char_end": 117}
    ],
    "usage": {"local_prompt_tokens": 1000, "local_completion_tokens": 200,
              "remote_prompt_tokens": 300, "remote_completion_tokens": 50,
              "remote_cost_usd": 0.0012, "cloud_only_cost_usd": 0.031},
    "egress_record_ids": [1, 2], "egress_bytes": 4096, "rounds": 1,
    "notes": ["held back one excerpt"], "egress_requests": 2, "route": "",
}  # fmt: skip


def test_an_old_record_opens_and_is_never_carried_back_to_the_supervisor():
    record = load_answer(json.dumps(VERSION_1))
    answer = answer_from_record(record)
    assert answer.text == VERSION_1["text"] and answer.citations[0].page == 3
    assert answer.usage.remote_cost_usd == 0.0012 and answer.supervisor_text == ""


def test_a_renamed_missing_or_mistyped_field_never_stops_a_conversation_opening():
    damaged = {**VERSION_1, "version": 2, "usage": "lots", "rounds": "two", "renamed_text": "x"}
    del damaged["text"]
    damaged["citations"] = [{"document_name": "lease.pdf", "page": "3"}, "junk"]
    record = load_answer(json.dumps(damaged))
    assert record == AnswerRecord(
        protocol="minions",
        citations=[record.citations[0]],
        egress_record_ids=[1, 2],
        egress_bytes=4096,
        egress_requests=2,
        notes=["held back one excerpt"],
    )
    assert record.citations[0].document_name == "lease.pdf" and record.citations[0].page == 1
    assert load_answer("{not json") is None and load_answer("[1, 2]") is None
    newer = load_answer(json.dumps({**VERSION_1, "version": 99, "stars": 5}))
    assert newer is not None and newer.text == VERSION_1["text"]  # a later app wrote it


def test_store_lives_in_the_data_folder_and_uses_wal_with_full_sync():
    store = ConversationStore()
    assert store.path == history_db_path()
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_history_comes_back_after_reopening(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = ConversationStore(path)
    conv = store.create("Lease questions")
    store.add_document(conv.id, StoredDocument("d1", "/x/lease.pdf", "lease.pdf", "pdf", 12, 3400))
    store.add_message(conv.id, "user", "What is the rent?")
    store.add_message(conv.id, "assistant", _answer().text, answer_record(_answer()))
    store.close()

    again = ConversationStore(path)
    [restored] = again.conversations()
    assert restored.title == "Lease questions"
    messages = again.messages(conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert answer_from_record(messages[1].answer) == _answer()
    assert again.documents(conv.id) == [
        StoredDocument("d1", "/x/lease.pdf", "lease.pdf", "pdf", 12, 3400, False)
    ]


def test_committed_message_survives_a_hard_kill(tmp_path):
    path = tmp_path / "h.sqlite3"
    script = (
        "import os\n"
        "from core.storage.conversations import ConversationStore\n"
        f"s = ConversationStore({str(path)!r})\n"
        "c = s.create('killed')\n"
        "s.add_message(c.id, 'user', 'still here?')\n"
        "os._exit(9)\n"  # no close, no checkpoint
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    store = ConversationStore(path)
    [conv] = store.conversations()
    assert [m.text for m in store.messages(conv.id)] == ["still here?"]


def test_conversations_are_listed_most_recent_first(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    first = store.create("first")
    second = store.create("second")
    store.add_message(first.id, "user", "bump")
    assert [c.id for c in store.conversations()] == [first.id, second.id]


def test_rename_and_delete(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    conv = store.create()
    store.add_message(conv.id, "user", "hi")
    store.add_document(conv.id, StoredDocument("d1", "/a", "a.txt", "text", 1, 10))
    store.rename(conv.id, "  Tax   2024 ")
    assert store.get(conv.id).title == "Tax 2024"
    store.delete(conv.id)
    assert store.conversations() == []
    # messages and documents go with their conversation
    assert store._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert store._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0


def test_documents_never_send_flag_and_removal(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    conv = store.create()
    store.add_document(conv.id, StoredDocument("d1", "/a", "a.txt", "text", 1, 10))
    store.add_document(conv.id, StoredDocument("d2", "/b", "b.txt", "text", 2, 20))
    store.set_never_send(conv.id, "d2", True)
    assert [d.never_send for d in store.documents(conv.id)] == [False, True]
    # re-adding refreshes details but keeps the flag
    store.add_document(conv.id, StoredDocument("d2", "/b2", "b.txt", "text", 3, 30))
    assert store.documents(conv.id)[1] == StoredDocument("d2", "/b2", "b.txt", "text", 3, 30, True)
    store.remove_document(conv.id, "d1")
    assert [d.doc_id for d in store.documents(conv.id)] == ["d2"]


def test_export_markdown_has_questions_answers_sources_and_badges(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    conv = store.create("Lease")
    store.add_document(conv.id, StoredDocument("d1", "/x/lease.pdf", "lease.pdf", "pdf", 12, 3400))
    store.add_message(conv.id, "user", "What is the rent?")
    store.add_message(conv.id, "assistant", _answer().text, answer_record(_answer()))
    md = store.export_markdown(conv.id)
    assert md.startswith("# Lease\n")
    assert "- lease.pdf: 12 pages, ~3,400 tokens" in md
    assert "> What is the rent?" in md
    assert "The rent is **1,200 EUR** [1]." in md
    assert '1. lease.pdf, page 3: "rent of 1,200 EUR"' in md
    assert "Protocol minions · local tokens 1,200 · cloud tokens 350" in md


def test_file_is_a_plain_sqlite_database(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    store.create("x")
    store.close()
    with sqlite3.connect(tmp_path / "h.sqlite3") as db:
        assert db.execute("SELECT title FROM conversations").fetchone() == ("x",)


def test_redaction_is_kept_per_conversation(tmp_path):
    store = ConversationStore(tmp_path / "h.sqlite3")
    plain = store.create("Plain", redact=False)
    guarded = store.create("Guarded")
    store.set_redact(guarded.id, False)
    store.set_redact(plain.id, True)
    store.close()
    reopened = ConversationStore(tmp_path / "h.sqlite3")
    assert reopened.get(plain.id).redact is True
    assert reopened.get(guarded.id).redact is False


def test_an_older_history_file_gains_the_redact_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, "
            "created REAL NOT NULL, updated REAL NOT NULL)"
        )
        db.execute("INSERT INTO conversations VALUES ('c1', 'Old one', 1.0, 2.0)")
    store = ConversationStore(path)
    assert store.get("c1").redact is True and store.get("c1").title == "Old one"
