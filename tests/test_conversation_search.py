"""Finding conversations by title and content in the history store; stopped runs exported."""

from __future__ import annotations

from pathlib import Path

from core.protocols.events import Answer
from core.protocols.records import answer_record
from core.storage.conversations import ConversationStore

TOPICS = ["lease", "invoice", "tax", "insurance", "salary", "travel", "garden", "car"]


def _history(path: Path, count: int = 300) -> tuple[ConversationStore, dict[str, str]]:
    """``count`` conversations with a question and an answer each; names of a few to find."""
    store = ConversationStore(path)
    store._db.execute("PRAGMA synchronous=OFF")  # set-up speed only: 900 commits, no fsyncs
    named: dict[str, str] = {}
    for n in range(count):
        topic = TOPICS[n % len(TOPICS)]
        c = store.create(f"{topic.title()} question {n}")
        store.add_message(c.id, "user", f"What does the {topic} document say, part {n}?")
        text = f"It says nothing unusual about the {topic} ({n})."
        if n == 17:
            text = "The vault code is 7781-KESTREL, written in section 14."
            named["answer"] = c.id
        if n == 123:
            store.add_message(c.id, "user", "Where is the Harwick archive kept?")
            named["question"] = c.id
        if n == 250:
            store.rename(c.id, "Renewal of the 100% discount_rate deal")
            named["title"] = c.id
        store.add_message(c.id, "assistant", text, answer_record(Answer(text, "minions")))
    return store, named


def test_search_finds_titles_questions_and_answers_among_hundreds(tmp_path: Path):
    store, named = _history(tmp_path / "history.db")
    assert [c.id for c in store.search("KESTREL")] == [named["answer"]]
    assert [c.id for c in store.search("kestrel")] == [named["answer"]]  # any case
    assert [c.id for c in store.search("harwick archive")] == [named["question"]]
    assert [c.id for c in store.search("renewal")] == [named["title"]]
    # Every word must be found, in the title or in any message of the conversation.
    assert [c.id for c in store.search("renewal unusual 250")] == [named["title"]]
    assert store.search("kestrel harwick") == []
    lease = store.search("lease")
    assert len(lease) == 300 // len(TOPICS) + (300 % len(TOPICS) > 0)
    assert all("Lease" in c.title for c in lease)
    updated = [c.updated for c in lease]
    assert updated == sorted(updated, reverse=True)  # newest first, as the list shows them
    assert len(store.search("")) == len(store.search("   ")) == 300
    store.close()


def test_search_treats_like_wildcards_as_plain_characters(tmp_path: Path):
    store, named = _history(tmp_path / "history.db", count=260)
    assert [c.id for c in store.search("100%")] == [named["title"]]
    assert [c.id for c in store.search("discount_rate")] == [named["title"]]
    assert store.search("%") == [store.get(named["title"])]
    assert store.search("_") == [store.get(named["title"])]
    assert store.search("discount%rate") == []
    assert store.search("\\") == []
    store.close()


def test_export_writes_a_stopped_answer_and_a_stop_without_text(tmp_path: Path):
    store = ConversationStore(tmp_path / "history.db")
    c = store.create("Totals")
    store.add_message(c.id, "user", "What are the totals?")
    store.add_message(c.id, "stopped", "The totals are 1,200 and")
    store.add_message(c.id, "user", "Again?")
    store.add_message(c.id, "stopped", "You stopped this run.")
    text = store.export_markdown(c.id)
    assert "## Answer (stopped)\n\nThe totals are 1,200 and\n" in text
    assert text.rstrip().endswith("_You stopped this run._")
    store.close()
