"""The main window: conversations on the left; the chat, its documents and the composer.

It lays out and connects. What a conversation holds and how a question is run and saved
is the :class:`ConversationController`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QVBoxLayout, QWidget
from qasync import asyncSlot

from core.documents.model import Document
from core.errors import ErrorKind
from core.privacy.gate import Decision, OutboundRequest
from core.services import Services
from core.storage.conversations import ConversationStore
from desktop.ui.banners import BannerArea
from desktop.ui.chat_view import ChatView
from desktop.ui.citation_dialog import CitationDialog
from desktop.ui.composer import Composer
from desktop.ui.confirm_dialog import confirm_send
from desktop.ui.conversation_controller import (
    DONE,
    FAILED,
    NOT_STARTED,
    STOPPED,
    ConversationController,
    RunFactory,
    RunOutcome,
    default_run_factory,
)  # fmt: skip
from desktop.ui.conversation_list import ConversationSidebar
from desktop.ui.dialogs import (
    PasswordPrompts,
    ask_yes_no,
    choose_files,
    choose_markdown_path,
    confirm_cloud_only,
    confirm_long_run,
)  # fmt: skip
from desktop.ui.document_model import READY
from desktop.ui.document_tray import DocumentTray
from desktop.ui.health import Problem, run_problem
from desktop.ui.menus import Commands, build_menus, show_about
from desktop.ui.run_panel import RunStatusPanel
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.setup_check import SetupCheck
from desktop.ui.top_bar import TopBar
from desktop.ui.ui_state import UiState
from desktop.ui.window_layout import DropOverlay, FileDrops, centered, focus_owner, screen_order

if TYPE_CHECKING:
    from core.protocols.estimate import Estimate
    from desktop.ui.audit_window import AuditWindow


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        store: ConversationStore,
        *,
        run_factory: RunFactory = default_run_factory,
        reader: Callable[..., Awaitable[Document]] | None = None,
        ui_state: UiState | None = None,
    ) -> None:
        super().__init__()
        self.services, self.store = services, store
        self.ui_state = ui_state or UiState()
        self.controller = ConversationController(
            services, store, reader=reader, run_factory=run_factory, parent=self
        )
        self.controller.confirm_cloud_only = lambda docs: self.confirm_cloud_only(docs)
        self.confirm_cloud_only: Callable[[list[Document]], Awaitable[bool]] = self._confirm_cloud
        self.confirm_send: Callable[[OutboundRequest], Awaitable[Decision]] = lambda outbound: (
            confirm_send(self, outbound)
        )
        services.set_confirm(lambda outbound: self.confirm_send(outbound))
        # A long run waits for a yes; tests replace this with their own answer.
        self.confirm_long_run: Callable[[Estimate], Awaitable[bool]] = lambda estimate: (
            confirm_long_run(self, estimate)
        )
        services.confirm_long_run = lambda estimate: self.confirm_long_run(estimate)
        self.audit_window: AuditWindow | None = None
        self.setWindowTitle("Minions")
        self.resize(1240, 800)
        self._build()
        self._connect()
        self.ui_state.restore_geometry(self, "main")

    # The controller's parts, under the names the rest of the app (and tests) use.
    vm = property(lambda self: self.controller.vm)
    documents = property(lambda self: self.controller.documents)
    loader = property(lambda self: self.controller.loader)
    conversations = property(lambda self: self.controller.conversations)
    conversation_id = property(lambda self: self.controller.conversation_id)
    run_factory = property(
        lambda self: self.controller.run_factory,
        lambda self, factory: setattr(self.controller, "run_factory", factory),
    )

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        self.sidebar = ConversationSidebar(self.conversations, search=self.store.search)
        self.sidebar.setMinimumWidth(170)
        self.top_bar = TopBar()
        self.top_bar.set_protocol(self.services.settings.protocol)
        self.banners = BannerArea()
        self.chat = ChatView()
        self.run_panel = RunStatusPanel(self.vm)
        self.tray = DocumentTray(self.documents)
        self.composer = Composer()
        self.composer.redact.setChecked(self.controller.redact)
        self.composer.set_enter_sends(self.ui_state.enter_sends)
        self.composer.edit.setAcceptDrops(False)  # a dropped file is a document, not text
        main = self.main_column = QWidget()
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 14)
        column.setSpacing(10)
        column.addWidget(self.top_bar)
        column.addWidget(centered(self.banners))
        column.addWidget(self.chat, 1)
        column.addWidget(centered(self.run_panel, self.tray, self.composer))
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([210, 1030])
        self.splitter.setHandleWidth(1)
        self.setCentralWidget(self.splitter)
        self.actions_by_name = build_menus(
            self.menuBar(),
            self,
            Commands(
                add_files=self.choose_files,
                new_conversation=self.new_conversation,
                new_with_documents=lambda: self.new_conversation(keep_documents=True),
                export_conversation=lambda: self.choose_export(self.conversation_id),
                quit=QApplication.quit,
                settings=self.open_settings,
                privacy_audit=lambda: self.open_audit(None),
                about=self.show_about,
            ),
        )
        self.drops = FileDrops(self, self.chat, DropOverlay(main), self.add_paths)
        self.passwords = PasswordPrompts(self, self.loader, self.tray.chips)
        self.setup_check = SetupCheck(self)

    def _connect(self) -> None:
        c = self.controller
        c.runStarted.connect(self._run_started)
        c.runEnded.connect(self._run_ended)
        c.conversationChanged.connect(self._conversation_changed)
        c.conversationCreated.connect(self._select_in_sidebar)
        c.status.connect(lambda text: self.statusBar().showMessage(text))
        self.composer.sendRequested.connect(self.ask)
        self.composer.stopRequested.connect(c.cancel)
        self.composer.redactToggled.connect(c.set_redact)
        self.composer.edit.textChanged.connect(
            lambda: c.set_draft(self.composer.edit.toPlainText())
        )
        self.vm.busyChanged.connect(self.composer.set_running)
        self.vm.busyChanged.connect(lambda busy: self.sidebar.set_locked(busy))
        self.vm.answerDelta.connect(lambda _t: self.chat.stream(self.vm.streamed))
        self.chat.citationClicked.connect(self.show_citation)
        self.chat.auditRequested.connect(self.open_audit)
        self.top_bar.auditRequested.connect(lambda: self.open_audit(None))
        self.tray.addFilesRequested.connect(self.choose_files)
        self.tray.chips.removeRequested.connect(c.remove_document)
        self.tray.chips.neverSendToggled.connect(c.set_never_send)
        self.top_bar.settingsRequested.connect(self.open_settings)
        self.top_bar.localModelChosen.connect(lambda name: self.change_setting(local_model=name))
        self.top_bar.cloudModelChosen.connect(lambda name: self.change_setting(remote_model=name))
        self.top_bar.protocolChosen.connect(lambda name: self.change_setting(protocol=name))
        self.sidebar.newRequested.connect(self.new_conversation)
        self.sidebar.selected.connect(self.open_conversation)
        self.sidebar.deleteRequested.connect(self.delete_conversation)
        self.sidebar.exportRequested.connect(self.choose_export)
        for keys, slot in (("Esc", c.cancel), ("F2", self.sidebar.rename_current)):
            QShortcut(QKeySequence(keys), self, slot)

    # ----------------------------------------------------------------- start-up and health

    async def start(self) -> None:
        """Bring back the last conversation, then check the models and say what is missing."""
        self.controller.load()
        self.composer.edit.setFocus()
        await self.check_health()

    async def check_health(self) -> None:
        await self.setup_check.run()

    def _show_problem(self, problem: Problem, question: str = "") -> None:
        self.setup_check.show_problem(problem, question)

    # ----------------------------------------------------------------- conversations

    def new_conversation(self, *, keep_documents: bool = False) -> None:
        self.controller.new_conversation(keep_documents=keep_documents)

    def open_conversation(self, conversation_id: str) -> None:
        self.controller.open_conversation(conversation_id)

    def _conversation_changed(self) -> None:
        c = self.controller
        self.chat.clear()
        self.chat.show_history(c.history())
        self.composer.redact.blockSignals(True)
        self.composer.redact.setChecked(c.redact)
        self.composer.redact.blockSignals(False)
        self.composer.edit.blockSignals(True)
        self.composer.edit.setPlainText(c.draft)  # the question box belongs to its conversation
        self.composer.edit.blockSignals(False)
        self._select_in_sidebar(c.conversation_id)
        self.composer.edit.setFocus()

    def _select_in_sidebar(self, conversation_id: str) -> None:
        self.sidebar.list.blockSignals(True)  # showing where we are, not opening anything
        if conversation_id:
            self.sidebar.select(conversation_id)
        else:
            self.sidebar.list.clearSelection()
            self.sidebar.list.setCurrentIndex(self.conversations.index(-1))
        self.sidebar.list.blockSignals(False)

    @asyncSlot(str)
    async def delete_conversation(self, conversation_id: str) -> None:
        title = self.controller.title(conversation_id)
        if not title or self.controller.busy:
            return
        if await ask_yes_no(
            self,
            "Delete conversation",
            f"Delete “{title}” with its questions and answers? "
            "Your files are not touched, and the privacy audit keeps its records.",
            "Delete",
            danger=True,
        ):
            self.controller.delete_conversation(conversation_id)

    def choose_export(self, conversation_id: str) -> None:
        if title := self.controller.title(conversation_id):
            choose_markdown_path(self, title, lambda path: self.export_to(conversation_id, path))

    def export_to(self, conversation_id: str, path: Path) -> None:
        self.controller.export_markdown(conversation_id, path)
        self.statusBar().showMessage(f"Exported to {path}", 5000)

    # ----------------------------------------------------------------- documents

    def add_paths(self, paths: list[Path]) -> None:
        if not self.controller.add_paths(paths):
            self.statusBar().showMessage("No supported files there (or they are already added)", 5000)  # fmt: skip

    def choose_files(self) -> None:
        choose_files(self, self.add_paths)

    def show_citation(self, citation: Any) -> None:
        row = self.documents.find_document(citation.document_id)
        document = row.document if row is not None and row.status == READY else None
        dialog = CitationDialog(citation, document, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_audit(self, record_ids: list[int] | None = None) -> AuditWindow:
        from desktop.ui.audit_window import AuditWindow  # loaded when first opened

        """The privacy audit; from an answer, focused on that answer's own records."""
        if self.audit_window is None:
            self.audit_window = AuditWindow(
                self.services.audit, lambda: {c.id: c.title for c in self.store.conversations()}
            )
            self._audit_keeper = self.ui_state.remember_geometry(self.audit_window, "audit")
        else:
            self.audit_window.refresh()
        self.audit_window.focus_records(record_ids or None)
        self.audit_window.show()
        self.audit_window.raise_()
        self.audit_window.activateWindow()
        return self.audit_window

    def show_about(self) -> None:
        s = self.services.settings
        cloud = "none: local only" if s.local_only else s.remote_model
        show_about(self, self.top_bar.local_model.currentText() or "not available", cloud)

    # ----------------------------------------------------------------- settings

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.services, self, ui_state=self.ui_state)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.settings_changed)
        dialog.open()

    @asyncSlot()
    async def settings_changed(self) -> None:
        self.loader.max_bytes = self.controller.max_bytes()
        self.composer.set_enter_sends(self.ui_state.enter_sends)
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

    async def _confirm_cloud(self, documents: list[Document]) -> bool:
        tokens = sum(r.tokens for r in self.documents.ready_rows())
        return await confirm_cloud_only(self, len(documents), tokens, self.services.settings)

    @asyncSlot(str)
    async def ask(self, question: str) -> None:
        await self.ask_with(question, self.top_bar.current_protocol())

    async def ask_with(self, question: str, protocol: str) -> RunOutcome | None:
        self.composer.set_running(True)
        try:
            return await self.controller.ask(question, protocol)
        finally:
            self.composer.set_running(self.controller.busy)

    @asyncSlot(str)
    async def answer_locally(self, question: str) -> None:
        """The one-click way out of a run that needs a key: this question, with Local only."""
        self.top_bar.set_protocol("local")
        await self.ask_with(question, "local")

    def _run_started(self, question: str) -> None:
        self.banners.clear("run")
        self.composer.edit.clear()
        self.chat.add_question(question)
        self.chat.begin_answer()

    def _run_ended(self, outcome: RunOutcome) -> None:
        if outcome.state == DONE and outcome.answer is not None:
            self.chat.add_answer(outcome.answer)
            self.banners.clear("run")
        elif outcome.state == FAILED:
            problem = run_problem(outcome.kind, outcome.message, outcome.hint)
            self.chat.add_note(f"No answer: {problem.title}", problem.detail)
            self._show_problem(problem, outcome.question)
            if not self.composer.edit.toPlainText():
                self.composer.edit.setPlainText(self.controller.draft)  # to ask again
        elif outcome.state == STOPPED:  # what was written before the stop stays
            self.chat.add_stopped(outcome.message, outcome.partial or None)
        elif outcome.state == NOT_STARTED and outcome.kind == ErrorKind.DECLINED and outcome.hint:
            # A long run the user chose not to start: it leaves no trace but the question.
            self.chat.withdraw_question()
            self.composer.edit.setPlainText(outcome.question)
            self.banners.show_banner("run", "info", outcome.message, f"Cheaper: {outcome.hint}.")
        elif outcome.state == NOT_STARTED and outcome.kind != "declined":
            self._show_problem(run_problem(outcome.kind, "", ""), outcome.question)

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab follows the screen: the conversations, then the right column from the top."""
        order = screen_order([self.sidebar, self.main_column])
        current = focus_owner(QApplication.focusWidget())
        if not order or current not in order:
            return super().focusNextPrevChild(next)
        target = order[(order.index(current) + (1 if next else -1)) % len(order)]
        reason = Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
        target.setFocus(reason)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ui_state.save_geometry(self, "main")
        if self.audit_window is not None:
            self.audit_window.close()
            self.audit_window.removeEventFilter(self._audit_keeper)
        # No Python event filter may outlive the window's last close: destroying a widget
        # sends it events, and at interpreter exit Python can no longer take them.
        self.removeEventFilter(self.drops)
        self.composer.edit.removeEventFilter(self.composer)
        self.controller.cancel()
        self.loader.cancel_all()
        self.setup_check.stop()
        super().closeEvent(event)
