"""The conversation list: a Qt model over the stored conversations and the sidebar showing it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.storage.conversations import Conversation
from desktop.resources import app_icon
from desktop.ui.conversation_groups import ConversationDelegate, DateGroupedModel

SEARCH_DELAY_MS = 200  # typing pauses this long before the list is filtered


class ConversationRole(IntEnum):
    Id = Qt.ItemDataRole.UserRole + 1
    Title = Qt.ItemDataRole.UserRole + 2
    Updated = Qt.ItemDataRole.UserRole + 3


def when(timestamp: float, now: float | None = None) -> str:
    """'14:05' today, 'Mon' this week, else '3 Mar'."""
    now = now or time.time()
    t, n = time.localtime(timestamp), time.localtime(now)
    if t.tm_yday == n.tm_yday and t.tm_year == n.tm_year:
        return time.strftime("%H:%M", t)
    if now - timestamp < 6 * 86400:
        return time.strftime("%a", t)
    return time.strftime("%-d %b", t)


class ConversationListModel(QAbstractListModel):
    """Conversations, most recent first. Editing a title emits ``titleEdited``."""

    titleEdited = Signal(str, str)  # id, new title

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Conversation] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        return {int(r): QByteArray(r.name.lower().encode()) for r in ConversationRole}

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, ConversationRole.Title):
            return c.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{c.title}\nLast activity {when(c.updated)}"
        if role == ConversationRole.Id:
            return c.id
        if role == ConversationRole.Updated:
            return c.updated
        return None

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = 2
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        title = " ".join(str(value).split())
        current = self._rows[index.row()]
        if not title or title == current.title:
            return False
        self._rows[index.row()] = replace(current, title=title)
        self.dataChanged.emit(index, index)
        self.titleEdited.emit(current.id, title)
        return True

    # ----------------------------------------------------------------- rows

    def set_conversations(self, conversations: list[Conversation]) -> None:
        self.beginResetModel()
        self._rows = list(conversations)
        self.endResetModel()

    def row_of(self, conversation_id: str) -> int:
        return next((i for i, c in enumerate(self._rows) if c.id == conversation_id), -1)

    def conversation(self, row: int) -> Conversation:
        return self._rows[row]

    def upsert_first(self, conversation: Conversation) -> None:
        """Put a new or just-updated conversation at the top."""
        at = self.row_of(conversation.id)
        if at == 0:
            self._rows[0] = conversation
            self.dataChanged.emit(self.index(0), self.index(0))
            return
        if at > 0:
            self.beginMoveRows(QModelIndex(), at, at, QModelIndex(), 0)
            self._rows.pop(at)
            self._rows.insert(0, conversation)
            self.endMoveRows()
            self.dataChanged.emit(self.index(0), self.index(0))
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, conversation)
        self.endInsertRows()

    def remove(self, conversation_id: str) -> None:
        at = self.row_of(conversation_id)
        if at >= 0:
            self.beginRemoveRows(QModelIndex(), at, at)
            self._rows.pop(at)
            self.endRemoveRows()


class ConversationSidebar(QWidget):
    """The left column: app title, New conversation, search, and the list grouped by date.

    ``search`` finds conversations by title and content (the store's search); without it,
    the search box matches titles only.
    """

    newRequested = Signal()
    selected = Signal(str)
    deleteRequested = Signal(str)
    exportRequested = Signal(str)

    def __init__(
        self,
        model: ConversationListModel,
        parent: QWidget | None = None,
        *,
        search: Callable[[str], list[Conversation]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = model
        self._search = search
        self.groups = DateGroupedModel(
            model, id_role=ConversationRole.Id, time_role=ConversationRole.Updated, parent=self
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 12)
        layout.setSpacing(10)
        title_row = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(26, 26))
        title_row.addWidget(logo)
        title = QLabel("Minions")
        title.setObjectName("SidebarTitle")
        title_row.addWidget(title)
        title_row.addStretch(1)
        layout.addLayout(title_row)
        self.new_button = QPushButton("+  New conversation")
        self.new_button.setAccessibleName("New conversation")
        self.new_button.setToolTip("New conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.newRequested)
        layout.addWidget(self.new_button)
        self.search = QLineEdit()
        self.search.setObjectName("ConversationSearch")
        self.search.setPlaceholderText("Search conversations")
        self.search.setAccessibleName("Search conversations")
        self.search.setToolTip("Finds words in titles, questions and answers")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.list = QListView()
        self.list.setObjectName("ConversationList")
        self.list.setAccessibleName("Conversations")
        self.list.setModel(self.groups)
        self.list.setItemDelegate(ConversationDelegate(self.list))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setEditTriggers(
            QListView.EditTrigger.EditKeyPressed | QListView.EditTrigger.DoubleClicked
        )
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        delete = QAction("Delete conversation", self.list)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self._delete_current)
        self.list.addAction(delete)
        layout.addWidget(self.list, 1)
        self.empty = QLabel()
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        # A reset of the grouped rows (a move, a new group, a search) keeps the current one,
        # and brings it back when a search that hid it is cleared.
        self._keep = ""
        self._restoring = False
        self.groups.modelReset.connect(self._restore_current)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._source_changed)
        self._update_empty()

    def set_locked(self, locked: bool) -> None:
        """While a run works, the conversation cannot change under it."""
        self.new_button.setEnabled(not locked)
        self.list.setEnabled(not locked)

    def select(self, conversation_id: str) -> None:
        at = self.groups.row_of(conversation_id)
        if at >= 0:
            self.list.setCurrentIndex(self.groups.index(at))

    def current_id(self) -> str:
        index = self.list.currentIndex()
        return self.groups.id_at(index.row()) if index.isValid() else ""

    def rename_current(self) -> None:
        if self.current_id():
            self.list.edit(self.list.currentIndex())

    def visible_titles(self) -> list[str]:
        """The conversations shown, top to bottom (headers left out)."""
        return [
            str(self.groups.index(row).data())
            for row in range(self.groups.rowCount())
            if self.groups.source_row(row) >= 0
        ]

    # ----------------------------------------------------------------- search

    def apply_search(self) -> None:
        """Filter the list by the search box now (typing does it after a short pause)."""
        self._search_timer.stop()
        text = self.search.text().strip()
        if not text:
            self.groups.set_filter(None)
        elif self._search is not None:
            self.groups.set_filter({c.id for c in self._search(text)})
        else:
            words = text.lower().split()
            self.groups.set_filter(
                {
                    c.id
                    for c in (self.model.conversation(r) for r in range(self.model.rowCount()))
                    if all(w in c.title.lower() for w in words)
                }
            )
        self._update_empty()

    def _source_changed(self, *_args: object) -> None:
        if self.search.text().strip():  # what matches may have changed too
            self._search_timer.start()
        self._update_empty()

    def _update_empty(self) -> None:
        text = self.search.text().strip()
        if self.model.rowCount() == 0:
            self.empty.setText("Your conversations appear here. They stay on this computer.")
        elif text and self.groups.is_filtered() and self.groups.conversation_count() == 0:
            self.empty.setText(f"No conversation mentions “{text}”.")
        else:
            self.empty.setText("")
        self.empty.setVisible(bool(self.empty.text()))

    # ----------------------------------------------------------------- internals

    def _restore_current(self) -> None:
        at = self.groups.row_of(self._keep) if self._keep else -1
        if at >= 0:
            self._restoring = True
            try:
                self.list.setCurrentIndex(self.groups.index(at))
            finally:
                self._restoring = False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        # A reset drops the current row without this signal; only a real change gets here.
        self._keep = self.groups.id_at(current.row()) if current.isValid() else ""
        if self._keep and not self._restoring:
            self.selected.emit(self._keep)

    def _delete_current(self) -> None:
        if cid := self.current_id():
            self.deleteRequested.emit(cid)

    def _menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        cid = self.groups.id_at(index.row()) if index.isValid() else ""
        if not cid:
            return
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.list.edit(index))
        menu.addAction("Export to Markdown…", lambda: self.exportRequested.emit(cid))
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.deleteRequested.emit(cid))
        menu.popup(self.list.viewport().mapToGlobal(pos))
