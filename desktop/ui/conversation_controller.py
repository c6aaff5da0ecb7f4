"""The conversation controller: the open conversation's state and the ask-run-save flow.

No widgets here. The window shows what the controller says (its signals and models) and
hands it what the user did; the controller builds the run request, runs it through the
view-model, and writes the question and what became of it to the conversation store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.documents.model import Document

if TYPE_CHECKING:
    from core.privacy.redaction import Redactor
from core.errors import ErrorKind
from core.privacy.endpoints import is_loopback_url
from core.protocols.events import Answer, Cancelled, Done, Failed
from core.protocols.records import answer_record
from core.services import Services
from core.storage.conversations import (
    DEFAULT_TITLE,
    ENDED_EARLY,
    STOPPED_BY_YOU,
    ConversationStore,
    StoredMessage,
)
from desktop.ui.conversation_list import ConversationListModel
from desktop.ui.document_loader import DocumentLoader
from desktop.ui.document_model import DocumentListModel, DocumentRow
from desktop.ui.health import run_problem
from desktop.ui.run_view_model import RunViewModel

RunFactory = Callable[[Any, Services], Any]  # (RunRequest, Services) -> Run

# How a question ended. NOT_STARTED: nothing ran and nothing was stored (no documents,
# no key, cloud only declined); the question stays in the box.
DONE, FAILED, STOPPED, NOT_STARTED = "done", "failed", "stopped", "not_started"
NEEDS_KEY = frozenset({"minion", "minions", "cloud"})  # "auto" may still answer locally


def default_run_factory(request: Any, services: Services) -> Any:
    from core.protocols.run import Run

    return Run(request, services)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What became of one question: the one result the window renders."""

    question: str
    protocol: str
    state: str  # DONE, FAILED, STOPPED or NOT_STARTED
    answer: Answer | None = None
    kind: str = ""  # why it failed or did not start: an ErrorKind value, "no_documents"...
    message: str = ""
    hint: str = ""
    partial: str = ""  # a stopped run: the answer as far as it was written


def title_for(question: str) -> str:
    title = " ".join(question.split())
    return title[:57] + "…" if len(title) > 60 else title


class ConversationController(QObject):
    conversationChanged = Signal()  # another conversation is open (or a new, empty one)
    conversationCreated = Signal(str)  # the open, new conversation was just stored
    runStarted = Signal(str)  # the question: it is stored and the run is under way
    runEnded = Signal(object)  # RunOutcome
    status = Signal(str)  # a passing line for the status bar ("" clears it)

    def __init__(
        self,
        services: Services,
        store: ConversationStore,
        *,
        reader: Callable[..., Awaitable[Document]] | None = None,
        run_factory: RunFactory = default_run_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.store, self.run_factory = services, store, run_factory
        self.documents = DocumentListModel(self)
        self.loader = DocumentLoader(self.documents, self.max_bytes(), reader=reader)
        self.loader.loaded.connect(self._document_loaded)
        self.conversations = ConversationListModel(self)
        self.conversations.titleEdited.connect(self.store.rename)
        self.vm = RunViewModel(self)
        self.conversation_id = ""  # "" until the first document or question
        self.redact = services.settings.redact
        self._drafts: dict[str, str] = {}  # conversation id -> unsent question
        self._asking = False
        # Asked before Cloud only sends the documents; the window puts up its dialog.
        self.confirm_cloud_only: Callable[[list[Document]], Awaitable[bool]] = _yes

    # ----------------------------------------------------------------- conversations

    def load(self) -> None:
        """Fill the conversation list and open the most recent conversation, if any."""
        self.conversations.set_conversations(self.store.conversations())
        if self.conversations.rowCount():
            self.open_conversation(self.conversations.conversation(0).id)

    def ensure_conversation(self) -> str:
        if not self.conversation_id:
            conversation = self.store.create(redact=self.redact)
            self.conversation_id = conversation.id
            if draft := self._drafts.pop("", ""):
                self._drafts[conversation.id] = draft
            self.conversations.upsert_first(conversation)
            self.conversationCreated.emit(conversation.id)
        return self.conversation_id

    def new_conversation(self, *, keep_documents: bool = False) -> None:
        """An empty conversation; with ``keep_documents``, one that starts with these files."""
        if self.busy:
            return
        kept = list(self.documents.rows) if keep_documents else []
        if not kept:
            self.loader.cancel_all()
            self.documents.clear()
        self.conversation_id = ""
        self.redact = self.services.settings.redact  # the default for new ones
        if kept:
            self.ensure_conversation()
            for row in kept:
                if row.doc_id:  # still-reading files are stored when they are read
                    self.store.add_document(self.conversation_id, row.to_stored())
        self.conversationChanged.emit()

    def open_conversation(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id or self.busy:
            return
        stored = self.store.get(conversation_id)
        if stored is None:
            return
        self.loader.cancel_all()
        self.documents.clear()
        self.conversation_id = conversation_id
        self.redact = stored.redact
        for doc in self.store.documents(conversation_id):
            self.loader.restore(DocumentRow.from_stored(doc))
        self.conversationChanged.emit()

    def history(self) -> list[StoredMessage]:
        return self.store.messages(self.conversation_id) if self.conversation_id else []

    def delete_conversation(self, conversation_id: str) -> None:
        self.store.delete(conversation_id)
        self.conversations.remove(conversation_id)
        self._drafts.pop(conversation_id, None)
        if conversation_id == self.conversation_id:
            self.new_conversation()

    def title(self, conversation_id: str) -> str:
        stored = self.store.get(conversation_id)
        return stored.title if stored is not None else ""

    def export_markdown(self, conversation_id: str, path: Path) -> None:
        path.write_text(self.store.export_markdown(conversation_id), "utf-8")

    # ----------------------------------------------------------------- per-conversation state

    @property
    def draft(self) -> str:
        """The question typed, not yet sent, in the open conversation."""
        return self._drafts.get(self.conversation_id, "")

    def set_draft(self, text: str) -> None:
        if text:
            self._drafts[self.conversation_id] = text
        else:
            self._drafts.pop(self.conversation_id, None)

    def set_redact(self, redact: bool) -> None:
        self.redact = redact
        if self.conversation_id:
            self.store.set_redact(self.conversation_id, redact)

    def max_bytes(self) -> int:
        return self.services.settings.max_file_mb * 1024 * 1024

    def add_paths(self, paths: list[Path]) -> int:
        """Start reading files and folders into this conversation; returns how many."""
        self.ensure_conversation()
        return self.loader.add_paths(paths)

    def remove_document(self, at: int) -> None:
        row = self.documents.remove(at)
        if self.conversation_id and row.doc_id:
            self.store.remove_document(self.conversation_id, row.doc_id)

    def set_never_send(self, at: int, never_send: bool) -> None:
        self.documents.update(at, never_send=never_send)
        row = self.documents.row(at)
        if self.conversation_id and row.doc_id:
            self.store.set_never_send(self.conversation_id, row.doc_id, never_send)

    def _document_loaded(self, row: DocumentRow) -> None:
        if self.conversation_id:
            self.store.add_document(self.conversation_id, row.to_stored())

    # ----------------------------------------------------------------- asking

    @property
    def busy(self) -> bool:
        """A question is being prepared or answered."""
        return self._asking or self.vm.busy

    def cancel(self) -> None:
        self.vm.cancel()

    async def key_missing(self) -> bool:
        """The cloud is needed and has no key: not in local-only mode, not a local proxy
        (one on this machine may hold the key itself), and none in the keyring."""
        settings = self.services.settings
        if settings.local_only or is_loopback_url(settings.remote_base_url):
            return False
        return not await self.key_is_set()

    async def key_is_set(self) -> bool:
        # The keyring is a D-Bus call (or a Keychain prompt): never on the event loop.
        source = await asyncio.to_thread(self.services.keys.current)
        return bool(source.key)

    def build_request(self, question: str, documents: list[Document], protocol: str) -> Any:
        """The one place a question becomes a RunRequest.

        The conversation's earlier turns go with it (each seat sees what it may), and so
        do its placeholders, so an address is ``[EMAIL_1]`` in every turn.
        """
        from core.protocols.conversation import turns_of
        from core.protocols.run import RunRequest

        return RunRequest(
            task=question,
            documents=documents,
            protocol=protocol,
            conversation_id=self.conversation_id,
            never_send=self.documents.never_send_ids(),
            redact=self.redact,
            redactor=self._redactor() if self.redact else None,
            history=turns_of(self.store.messages(self.conversation_id)),
        )

    def _redactor(self) -> Redactor:
        from core.privacy.redaction import Redactor

        stored = self.store.redaction_mapping(self.conversation_id)
        if stored:
            try:
                return Redactor.from_json(stored)
            except (ValueError, KeyError):
                self.status.emit(
                    "This conversation's placeholders were unreadable; new ones are used"
                )
        return Redactor()

    def _keep_placeholders(self, conversation_id: str, request: Any) -> None:
        redactor = getattr(request, "redactor", None)
        if redactor is not None and redactor.mapping:
            self.store.set_redaction_mapping(conversation_id, redactor.to_json())

    async def ask(self, question: str, protocol: str) -> RunOutcome | None:
        """Answer ``question`` with ``protocol``; None when a question is already running."""
        if self.busy:
            return None
        self._asking = True
        try:
            if self.loader.busy:
                self.status.emit("Waiting for the documents to be read…")
                await self.loader.wait_idle()
                self.status.emit("")
            documents = self.documents.ready_documents()
            if not documents:
                return self._end(RunOutcome(question, protocol, NOT_STARTED, kind="no_documents"))
            if protocol in NEEDS_KEY and await self.key_missing():
                return self._end(RunOutcome(question, protocol, NOT_STARTED, kind="no_key"))
            if protocol == "cloud" and not await self.confirm_cloud_only(documents):
                return self._end(RunOutcome(question, protocol, NOT_STARTED, kind="declined"))
            return await self._run(question, documents, protocol)
        finally:
            self._asking = False

    async def _run(self, question: str, documents: list[Document], protocol: str) -> RunOutcome:
        conversation_id = self.ensure_conversation()
        if self.title(conversation_id) == DEFAULT_TITLE:
            self.store.rename(conversation_id, title_for(question))
        request = self.build_request(question, documents, protocol)
        asked = self.store.add_message(conversation_id, "user", question)
        if (conversation := self.store.get(conversation_id)) is not None:
            self.conversations.upsert_first(conversation)
        self._drafts.pop(conversation_id, None)
        self.runStarted.emit(question)
        run = self.run_factory(request, self.services)
        try:
            final = await self.vm.consume(run.events(), run.cancel)
        finally:
            self._keep_placeholders(conversation_id, request)
        if isinstance(final, Failed) and final.kind == ErrorKind.DECLINED:
            # The user chose not to start a long run: nothing happened, nothing is kept.
            self.store.remove_message(asked.id)
            self._drafts[conversation_id] = question
            outcome = RunOutcome(question, protocol, NOT_STARTED, None, final.kind, final.message,
                                 final.hint)  # fmt: skip
        elif isinstance(final, Done):
            outcome = RunOutcome(question, protocol, DONE, answer=final.answer)
            self.store.add_message(
                conversation_id, "assistant", final.answer.text, answer_record(final.answer)
            )
        elif isinstance(final, Failed):
            outcome = RunOutcome(question, protocol, FAILED, None, final.kind, final.message,
                                 final.hint)  # fmt: skip
            title = run_problem(final.kind, final.message, final.hint).title
            self.store.add_message(conversation_id, "error", f"No answer: {title}")
            self._drafts.setdefault(conversation_id, question)  # to ask again, or otherwise
        else:
            # Stopped: what was written so far is kept, as the run kept it or, from a run
            # that does not say, as it was shown.
            why = STOPPED_BY_YOU if isinstance(final, Cancelled) else ENDED_EARLY
            partial = (final.partial if isinstance(final, Cancelled) else "") or self.vm.streamed
            outcome = RunOutcome(question, protocol, STOPPED, message=why, partial=partial)
            self.store.add_message(conversation_id, "stopped", partial or why)
        return self._end(outcome)

    def _end(self, outcome: RunOutcome) -> RunOutcome:
        self.runEnded.emit(outcome)
        return outcome


async def _yes(_documents: list[Document]) -> bool:
    return True
