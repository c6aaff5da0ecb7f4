"""The main window: conversations on the left; the chat, its documents and the composer."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from core.documents.model import Document
from core.privacy.gate import Decision, OutboundRequest
from core.protocols.events import Cancelled, Done, Failed
from core.services import Services
from core.storage.conversations import DEFAULT_TITLE, ConversationStore
from desktop.ui.audit_window import AuditWindow
from desktop.ui.banners import BannerArea
from desktop.ui.chat_view import ChatView
from desktop.ui.citation_dialog import CitationDialog
from desktop.ui.composer import Composer
from desktop.ui.confirm_dialog import confirm_send
from desktop.ui.conversation_list import ConversationListModel, ConversationSidebar
from desktop.ui.dialogs import ask_yes_no, choose_files, choose_markdown_path, confirm_cloud_only
from desktop.ui.document_model import (
    READY,
    DocumentListModel,
    DocumentLoader,
    DocumentRow,
)
from desktop.ui.document_tray import DocumentTray
from desktop.ui.health import Problem, local_problem, no_key_problem, run_problem
from desktop.ui.run_panel import RunStatusPanel
from desktop.ui.run_view_model import RunViewModel
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.top_bar import TopBar
from desktop.ui.window_layout import DropOverlay, centered
from desktop.warmup import warm_up

RunFactory = Callable[[Any, Services], Any]  # (RunRequest, Services) -> Run


def default_run_factory(request: Any, services: Services) -> Any:
    from core.protocols.run import Run

    return Run(request, services)


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        store: ConversationStore,
        *,
        run_factory: RunFactory = default_run_factory,
        reader: Callable[..., Awaitable[Document]] | None = None,
    ) -> None:
        super().__init__()
        self.services, self.store, self.run_factory = services, store, run_factory
        self.conversation_id = ""
        self.confirm_cloud_only: Callable[[list[Document]], Awaitable[bool]] = (
            self._confirm_cloud_only
        )
        self.setWindowTitle("Minions")
        self.setAcceptDrops(True)
        self.resize(1240, 800)
        self.documents = DocumentListModel(self)
        self.loader = DocumentLoader(self.documents, self._max_bytes(), reader=reader)
        self.loader.loaded.connect(self._document_loaded)
        self.conversations = ConversationListModel(self)
        self.conversations.titleEdited.connect(self.store.rename)
        self.vm = RunViewModel(self)
        self.audit_window: AuditWindow | None = None
        self.confirm_send: Callable[[OutboundRequest], Awaitable[Decision]] = lambda outbound: (
            confirm_send(self, outbound)
        )
        services.set_confirm(lambda outbound: self.confirm_send(outbound))
        self._build()
        self._connect()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        self.sidebar = ConversationSidebar(self.conversations, search=self.store.search)
        self.top_bar = TopBar()
        self.top_bar.set_protocol(self.services.settings.protocol)
        self.banners = BannerArea()
        self.chat = ChatView()
        self.run_panel = RunStatusPanel(self.vm)
        self.tray = DocumentTray(self.documents)
        self.composer = Composer()
        self.composer.redact.setChecked(self.services.settings.redact)
        self.composer.edit.setAcceptDrops(False)  # a dropped file is a document, not text
        main = QWidget()
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 14)
        column.setSpacing(10)
        column.addWidget(self.top_bar)
        column.addWidget(centered(self.banners))
        column.addWidget(self.chat, 1)
        column.addWidget(centered(self.run_panel, self.tray, self.composer))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(main)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 990])
        splitter.setHandleWidth(1)
        self.setCentralWidget(splitter)
        self.drop_overlay = DropOverlay(main)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        """Top bar, then the question and its buttons, the documents, then the conversations."""
        chain = [
            self.top_bar.protocol,
            self.top_bar.local_model,
            self.top_bar.cloud_model,
            self.top_bar.audit_button,
            self.top_bar.settings_button,
            self.composer.edit,
            self.composer.send_button,
            self.composer.stop_button,
            self.tray.add_button,
            self.tray.chips,
            self.sidebar.new_button,
            self.sidebar.list,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.composer.sendRequested.connect(self.ask)
        self.composer.stopRequested.connect(self.vm.cancel)
        self.composer.redactToggled.connect(self.set_redact)
        self.vm.busyChanged.connect(self.composer.set_running)
        self.vm.busyChanged.connect(lambda busy: self.sidebar.set_locked(busy))
        self.vm.answerDelta.connect(lambda _t: self.chat.stream(self.vm.streamed))
        self.chat.citationClicked.connect(self.show_citation)
        self.chat.auditRequested.connect(self.open_audit)
        self.top_bar.auditRequested.connect(lambda: self.open_audit(None))
        self.tray.addFilesRequested.connect(self.choose_files)
        self.tray.chips.removeRequested.connect(self.remove_document)
        self.tray.chips.neverSendToggled.connect(self.set_never_send)
        self.top_bar.settingsRequested.connect(self.open_settings)
        self.top_bar.localModelChosen.connect(lambda name: self.change_setting(local_model=name))
        self.top_bar.cloudModelChosen.connect(lambda name: self.change_setting(remote_model=name))
        self.top_bar.protocolChosen.connect(lambda name: self.change_setting(protocol=name))
        self.sidebar.newRequested.connect(self.new_conversation)
        self.sidebar.selected.connect(self.open_conversation)
        self.sidebar.deleteRequested.connect(self.delete_conversation)
        self.sidebar.exportRequested.connect(self.choose_export)
        shortcuts = {
            "Ctrl+O": self.choose_files,
            "Ctrl+N": self.new_conversation,
            "Ctrl+,": self.open_settings,
            "Esc": self.vm.cancel,
            "F2": self.sidebar.rename_current,
            "Ctrl+Shift+A": lambda: self.open_audit(None),
        }
        for keys, slot in shortcuts.items():
            QShortcut(QKeySequence(keys), self, activated=slot)

    # ----------------------------------------------------------------- start-up

    async def start(self) -> None:
        """Bring back the last conversation, then check the models and say what is missing."""
        self.conversations.set_conversations(self.store.conversations())
        if self.conversations.rowCount():
            self.sidebar.select(self.conversations.conversation(0).id)
        await self.check_health()

    async def check_health(self) -> None:
        error = await self.top_bar.refresh(self.services)
        self.banners.clear("local")
        if error is not None:
            self._show_problem(local_problem(str(error.kind), error.message, error.hint))
        elif (choice := await self.services.local_client()).notice:
            self.banners.show_banner("local", "info", "Using the built-in model", choice.notice)
        self.banners.clear("cloud")
        if (problem := no_key_problem(self.services)) is not None:
            self._show_problem(problem)
        elif not self.services.settings.local_only:
            # Build the cloud client now (TLS set-up) and warm up in a thread: otherwise
            # both happen on the loop in the middle of the first run.
            self.services.remote_client()
        await asyncio.to_thread(warm_up)
        for n, warning in enumerate(self.services.warnings):
            self.banners.show_banner(f"setup{n}", "warning", "Heads up", warning)

    def _show_problem(self, problem: Problem) -> None:
        action = ("Open Settings", self.open_settings) if problem.open_settings else None
        self.banners.show_banner(problem.key, problem.level, problem.title, problem.detail, action)

    # ----------------------------------------------------------------- conversations

    def ensure_conversation(self) -> str:
        if not self.conversation_id:
            conversation = self.store.create(redact=self.composer.redact.isChecked())
            self.conversation_id = conversation.id
            self.conversations.upsert_first(conversation)
            self.sidebar.list.blockSignals(True)
            self.sidebar.select(conversation.id)
            self.sidebar.list.blockSignals(False)
        return self.conversation_id

    def new_conversation(self) -> None:
        if self.vm.busy:
            return
        self.loader.cancel_all()
        self.conversation_id = ""
        self.documents.clear()
        self.chat.clear()
        self.composer.redact.setChecked(self.services.settings.redact)  # the default for new ones
        self.sidebar.list.clearSelection()
        self.sidebar.list.setCurrentIndex(self.conversations.index(-1))
        self.composer.edit.setFocus()

    def open_conversation(self, conversation_id: str) -> None:
        if conversation_id == self.conversation_id or self.vm.busy:
            return
        self.new_conversation()
        self.conversation_id = conversation_id
        if (stored := self.store.get(conversation_id)) is not None:
            self.composer.redact.setChecked(stored.redact)
        self.sidebar.select(conversation_id)
        self.chat.show_history(self.store.messages(conversation_id))
        for doc in self.store.documents(conversation_id):
            self.loader.restore(DocumentRow.from_stored(doc))

    @asyncSlot(str)
    async def delete_conversation(self, conversation_id: str) -> None:
        conversation = self.store.get(conversation_id)
        if conversation is None or self.vm.busy:
            return
        if not await ask_yes_no(
            self,
            "Delete conversation",
            f"Delete “{conversation.title}” with its questions and answers? "
            "Your files are not touched, and the privacy audit keeps its records.",
            "Delete",
            danger=True,
        ):
            return
        self.store.delete(conversation_id)
        self.conversations.remove(conversation_id)
        if conversation_id == self.conversation_id:
            self.new_conversation()

    def choose_export(self, conversation_id: str) -> None:
        conversation = self.store.get(conversation_id)
        if conversation is None:
            return
        choose_markdown_path(
            self, conversation.title, lambda path: self.export_to(conversation_id, path)
        )

    def export_to(self, conversation_id: str, path: Path) -> None:
        path.write_text(self.store.export_markdown(conversation_id), "utf-8")
        self.statusBar().showMessage(f"Exported to {path}", 5000)

    # ----------------------------------------------------------------- documents

    def _max_bytes(self) -> int:
        return self.services.settings.max_file_mb * 1024 * 1024

    def add_paths(self, paths: list[Path]) -> None:
        self.ensure_conversation()
        if not self.loader.add_paths(paths):
            self.statusBar().showMessage(
                "No supported files there (or they are already added)", 5000
            )

    def choose_files(self) -> None:
        choose_files(self, self.add_paths)

    def _document_loaded(self, row: DocumentRow) -> None:
        if self.conversation_id:
            self.store.add_document(self.conversation_id, row.to_stored())

    def remove_document(self, at: int) -> None:
        row = self.documents.remove(at)
        if self.conversation_id and row.doc_id:
            self.store.remove_document(self.conversation_id, row.doc_id)

    def set_redact(self, redact: bool) -> None:
        if self.conversation_id:
            self.store.set_redact(self.conversation_id, redact)

    def set_never_send(self, at: int, never_send: bool) -> None:
        self.documents.update(at, never_send=never_send)
        row = self.documents.rows[at]
        if self.conversation_id and row.doc_id:
            self.store.set_never_send(self.conversation_id, row.doc_id, never_send)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
            self.drop_overlay.setGeometry(self.chat.geometry().adjusted(24, 12, -24, -12))
            self.drop_overlay.raise_()
            self.drop_overlay.show()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_overlay.hide()
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def show_citation(self, citation: Any) -> None:
        row = self.documents.find_document(citation.document_id)
        document = row.document if row is not None and row.status == READY else None
        dialog = CitationDialog(citation, document, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_audit(self, record_ids: list[int] | None = None) -> AuditWindow:
        """The privacy audit; from an answer, focused on that answer's own records."""
        if self.audit_window is None:
            self.audit_window = AuditWindow(
                self.services.audit, lambda: {c.id: c.title for c in self.store.conversations()}
            )
        else:
            self.audit_window.refresh()
        self.audit_window.focus_records(record_ids or None)
        self.audit_window.show()
        self.audit_window.raise_()
        self.audit_window.activateWindow()
        return self.audit_window

    # ----------------------------------------------------------------- settings

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.services, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.settings_changed)
        dialog.open()

    @asyncSlot()
    async def settings_changed(self) -> None:
        self.loader.max_bytes = self._max_bytes()
        await self.check_health()

    @asyncSlot()
    async def change_setting(self, **changes: Any) -> None:
        current = self.services.stored_settings
        if all(getattr(current, k) == v for k, v in changes.items()):
            return
        await self.services.update_settings(current.model_copy(update=changes))
        if "protocol" not in changes:
            await self.check_health()

    # ----------------------------------------------------------------- asking

    async def _confirm_cloud_only(self, documents: list[Document]) -> bool:
        tokens = sum(r.tokens for r in self.documents.rows if r.status == READY)
        return await confirm_cloud_only(self, len(documents), tokens, self.services.settings)

    @asyncSlot(str)
    async def ask(self, question: str) -> None:
        if self.vm.busy:
            return
        self.composer.set_running(True)
        try:
            if self.loader.busy:
                self.statusBar().showMessage("Waiting for the documents to be read…")
                await self.loader.wait_idle()
                self.statusBar().clearMessage()
            documents = self.documents.ready_documents()
            if not documents:
                self.banners.show_banner(
                    "run", "info", "Add a document first",
                    "Drop files or a folder on the window, or press Ctrl+O, then ask again.",
                )  # fmt: skip
                return
            protocol = self.top_bar.current_protocol()
            if protocol == "cloud" and not await self.confirm_cloud_only(documents):
                return
            await self._run(question, documents, protocol)
        finally:
            self.composer.set_running(self.vm.busy)

    async def _run(self, question: str, documents: list[Document], protocol: str) -> None:
        from core.protocols.run import RunRequest

        conversation_id = self.ensure_conversation()
        conversation = self.store.get(conversation_id)
        if conversation is not None and conversation.title == DEFAULT_TITLE:
            title = " ".join(question.split())
            self.store.rename(conversation_id, title[:57] + "…" if len(title) > 60 else title)
        self.store.add_message(conversation_id, "user", question)
        self.conversations.upsert_first(self.store.get(conversation_id) or conversation)  # type: ignore[arg-type]
        self.banners.clear("run")
        self.composer.edit.clear()
        self.chat.add_question(question)
        self.chat.begin_answer()
        request = RunRequest(
            task=question,
            documents=documents,
            protocol=protocol,
            conversation_id=conversation_id,
            never_send=self.documents.never_send_ids(),
            redact=self.composer.redact.isChecked(),
        )
        run = self.run_factory(request, self.services)
        final = await self.vm.consume(run.events(), run.cancel)
        if isinstance(final, Done):
            self.chat.add_answer(final.answer)
            self.store.add_message(conversation_id, "assistant", final.answer.text, final.answer)
        elif isinstance(final, Failed):
            problem = run_problem(final.kind, final.message, final.hint)
            self.chat.add_note(f"No answer: {final.message}", problem.detail)
            self._show_problem(problem)
            self.store.add_message(conversation_id, "error", f"No answer: {final.message}")
        else:
            stopped = (
                "You stopped this run." if isinstance(final, Cancelled) else "The run ended early."
            )
            card = self.chat.add_stopped(stopped)
            self.store.add_message(conversation_id, "stopped", card.partial or stopped)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.audit_window is not None:
            self.audit_window.close()
        self.vm.cancel()
        self.loader.cancel_all()
        super().closeEvent(event)
