"""``minions history list|show``, and the conversation a ``minions ask`` belongs to.

Every question asked from the command line is kept in the same history the app shows,
so a script can ask a follow-up with ``minions ask ... --conversation ID``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.cli import CliError
from core.documents.loading import load_document_sync
from core.documents.model import Document
from core.protocols.conversation import Turn, turns_of
from core.protocols.events import Answer
from core.protocols.records import answer_record
from core.storage.conversations import STOPPED_BY_YOU, ConversationStore, StoredDocument
from core.tokens import estimate_tokens


def register(subparsers: Any) -> None:
    history = subparsers.add_parser("history", help="conversations kept by the app and the CLI")
    actions = history.add_subparsers(dest="history_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="conversations, most recent first")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_conversations)
    show = actions.add_parser("show", help="one conversation: documents, questions and answers")
    show.add_argument("conversation", metavar="ID", help="its id (a unique prefix is enough)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=show_conversation)


def list_conversations(args: argparse.Namespace) -> int:
    store = ConversationStore()
    try:
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "updated": time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated)),
                "questions": sum(m.role == "user" for m in store.messages(c.id)),
            }
            for c in store.conversations()
        ]
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No conversations yet.")
    for row in rows:
        print(f"{str(row['id'])[:12]}  {row['updated']}  {row['questions']:>3} q  {row['title']}")
    return 0


def show_conversation(args: argparse.Namespace) -> int:
    store = ConversationStore()
    try:
        cid = find_conversation(store, args.conversation)
        if not args.json:
            print(store.export_markdown(cid), end="")
            return 0
        conversation = store.get(cid)
        assert conversation is not None
        print(
            json.dumps(
                {
                    "id": cid,
                    "title": conversation.title,
                    "documents": [
                        {"name": d.name, "path": d.path, "never_send": d.never_send}
                        for d in store.documents(cid)
                    ],
                    "messages": [
                        {"role": m.role, "text": m.text, "created": m.created}
                        for m in store.messages(cid)
                    ],
                },
                indent=2,
            )
        )
    finally:
        store.close()
    return 0


def find_conversation(store: ConversationStore, wanted: str) -> str:
    """The id of the one conversation whose id is ``wanted`` or starts with it."""
    wanted = wanted.strip()
    if store.get(wanted) is not None:
        return wanted
    found = [c.id for c in store.conversations() if wanted and c.id.startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise CliError(f"No conversation {wanted!r}", hint="`minions history list` shows their ids")
    raise CliError(f"{len(found)} conversations start with {wanted!r}", hint="give more of the id")


@dataclass
class Thread:
    """The conversation one ``minions ask`` adds a turn to."""

    store: ConversationStore
    id: str
    history: list[Turn] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)  # kept from earlier turns
    never_send: set[str] = field(default_factory=set)
    redaction: str | None = None  # the placeholder mapping, as stored

    def attach(self, documents: list[Document], never_send: set[str]) -> None:
        for doc in documents:
            self.store.add_document(
                self.id,
                StoredDocument(
                    doc.id,
                    doc.path,
                    doc.name,
                    doc.kind,
                    len(doc.pages) or 1,
                    estimate_tokens(doc.text),
                    doc.id in never_send,
                ),
            )

    def save(self, question: str, answer: Answer | None, failed: str = "") -> None:
        self.store.add_message(self.id, "user", question)
        if answer is not None:
            self.store.add_message(self.id, "assistant", answer.text, answer_record(answer))
        elif failed:
            self.store.add_message(self.id, "error", failed)

    def save_stopped(self, question: str, partial: str) -> None:
        """A stopped run keeps what was written, shown the same way the app shows it."""
        self.store.add_message(self.id, "user", question)
        self.store.add_message(self.id, "stopped", partial or STOPPED_BY_YOU)


def open_thread(store: ConversationStore, wanted: str | None, question: str) -> Thread:
    """A new conversation, or an earlier one with its history and documents."""
    if not wanted:
        title = " ".join(question.split())
        conversation = store.create(title[:57] + "…" if len(title) > 60 else title)
        return Thread(store, conversation.id)
    cid = find_conversation(store, wanted)
    thread = Thread(store, cid, turns_of(store.messages(cid)))
    thread.redaction = store.redaction_mapping(cid)
    for stored in store.documents(cid):
        if not stored.path or not Path(stored.path).is_file():
            raise CliError(
                f"{stored.name}, a document of this conversation, is no longer at {stored.path}",
                hint="give it again with --doc, or start a new conversation",
            )
        thread.documents.append(load_document_sync(stored.path))
        if stored.never_send:
            thread.never_send.add(thread.documents[-1].id)
    return thread
