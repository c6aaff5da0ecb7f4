"""The document tray: one chip per file with its name, pages, tokens and status."""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.document_icons import kind_color, paint_kind_icon
from desktop.ui.document_model import (
    ERROR,
    READING,
    DocumentListModel,
    DocumentRole,
    format_tokens,
)
from desktop.ui.theme import is_dark

CHIP = QSize(236, 54)
KIND_BADGES = {"markdown": "MD", "text": "TXT", "code": "CODE", "html": "HTML"}
KIND_COLORS = {
    "pdf": "#e5484d",
    "docx": "#3e63dd",
    "doc": "#3e63dd",
    "md": "#8e4ec6",
    "markdown": "#8e4ec6",
    "txt": "#6f6e77",
    "text": "#6f6e77",
    "html": "#f76b15",
    "csv": "#30a46c",
    "code": "#0091ff",
}


class ChipDelegate(QStyledItemDelegate):
    """Paints a document as a rounded chip; a thin bar shows reading progress."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return CHIP

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The app palette: the view's own is transparent (styled), which reads as "dark".
        palette = QGuiApplication.palette()
        dark = is_dark(palette)
        status = index.data(DocumentRole.Status)
        rect = QRectF(option.rect).adjusted(1, 1, -1, -1)  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        background = QColor("#24252b" if dark else "#ffffff")
        border = QColor("#34353d" if dark else "#e2e2e8")
        if status == ERROR:
            background = QColor("#3a1f22" if dark else "#fff1f1")
            border = QColor("#6b2a30" if dark else "#f3c2c2")
        if selected:
            border = palette.color(QPalette.ColorRole.Highlight)
        painter.fillPath(path, background)
        painter.setPen(border)
        painter.drawPath(path)

        # File-type badge.
        kind = str(index.data(DocumentRole.Kind) or "")
        badge = QRectF(rect.left() + 9, rect.top() + 9, 34, rect.height() - 18)
        badge_path = QPainterPath()
        badge_path.addRoundedRect(badge, 7, 7)
        painter.fillPath(badge_path, QColor(KIND_COLORS.get(kind, kind_color(kind))))
        label_font = QFont(option.font)  # type: ignore[attr-defined]
        label_font.setPointSizeF(max(6.5, label_font.pointSizeF() * 0.7))
        label_font.setBold(True)
        painter.setFont(label_font)
        painter.setPen(QColor("white"))
        short = KIND_BADGES.get(kind, (kind or "?")[:4].upper())
        if not paint_kind_icon(painter, badge, kind):
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, short)

        # Name and the status line.
        text_left = badge.right() + 10
        text_width = int(rect.right() - text_left - 8)
        name_font = QFont(option.font)  # type: ignore[attr-defined]
        name_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(name_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        name = painter.fontMetrics().elidedText(
            str(index.data(DocumentRole.Name)), Qt.TextElideMode.ElideMiddle, text_width
        )
        painter.drawText(QRect(int(text_left), int(rect.top() + 8), text_width, 20), 0, name)

        small = QFont(option.font)  # type: ignore[attr-defined]
        small.setPointSizeF(small.pointSizeF() * 0.88)
        painter.setFont(small)
        if status == ERROR:
            painter.setPen(QColor("#ff8a8a" if dark else "#c0392b"))
        else:
            painter.setPen(QColor("#9a9ca8" if dark else "#6b6e7b"))
        line = str(index.data(DocumentRole.Summary) or "")
        if index.data(DocumentRole.NeverSend):
            line += " · stays local"
        line = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, text_width)
        painter.drawText(QRect(int(text_left), int(rect.top() + 28), text_width, 18), 0, line)

        if status == READING:
            progress = float(index.data(DocumentRole.Progress))
            track = QRectF(text_left, rect.bottom() - 7, text_width, 3)
            painter.fillRect(track, border)
            if progress >= 0:
                done = QRectF(track)
                done.setWidth(track.width() * progress)
                painter.fillRect(done, palette.color(QPalette.ColorRole.Highlight))
        painter.restore()


class ChipModelView(QListView):
    """The chips, flowing left to right and wrapping; at most three rows before scrolling."""

    removeRequested = Signal(int)
    neverSendToggled = Signal(int, bool)

    def __init__(self, model: DocumentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChipList")
        self.setAccessibleName("Attached documents")
        self.setModel(model)
        self.setItemDelegate(ChipDelegate(self))
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        remove = QAction("Remove document", self)
        remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self._remove_current)
        self.addAction(remove)
        model.rowsInserted.connect(self._fit)
        model.rowsRemoved.connect(self._fit)
        model.modelReset.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        count = self.model().rowCount()
        per_row = max(1, (self.viewport().width() - 8) // (CHIP.width() + 8))
        rows = min(3, math.ceil(count / per_row)) if count else 0
        self.setFixedHeight(rows * (CHIP.height() + 8) + (6 if rows else 0))
        self.setVisible(count > 0)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit()

    def _remove_current(self) -> None:
        if self.currentIndex().isValid():
            self.removeRequested.emit(self.currentIndex().row())

    def _menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        never = menu.addAction("Never send excerpts of this file to the cloud")
        never.setCheckable(True)
        never.setChecked(bool(index.data(DocumentRole.NeverSend)))
        never.toggled.connect(lambda on: self.neverSendToggled.emit(index.row(), on))
        menu.addSeparator()
        menu.addAction("Remove", lambda: self.removeRequested.emit(index.row()))
        menu.popup(self.viewport().mapToGlobal(pos))


class DocumentTray(QWidget):
    """The tray above the composer: a header with totals and Add files, then the chips."""

    addFilesRequested = Signal()

    def __init__(self, model: DocumentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Tray")
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        header = QHBoxLayout()
        self.title = QLabel("DOCUMENTS")
        self.title.setObjectName("SectionTitle")
        self.totals = QLabel("")
        self.totals.setObjectName("Muted")
        self.add_button = QPushButton("Add files…")
        self.add_button.setAccessibleName("Add files")
        self.add_button.setToolTip(
            "Add files or a folder (Ctrl+O); you can also drop them on the window"
        )
        self.add_button.clicked.connect(self.addFilesRequested)
        header.addWidget(self.title)
        header.addWidget(self.totals, 1)
        header.addWidget(self.add_button)
        layout.addLayout(header)
        self.hint = QLabel(
            "Drop files or a folder anywhere on the window, or use Add files (Ctrl+O)."
        )
        self.hint.setObjectName("Muted")
        layout.addWidget(self.hint)
        self.chips = ChipModelView(model)
        layout.addWidget(self.chips)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self._update_totals)
        self._update_totals()

    def _update_totals(self, *_args: object) -> None:
        rows = self.model.rows
        self.hint.setVisible(not rows)
        if not rows:
            self.totals.setText("")
            return
        ready = [r for r in rows if r.status == "ready"]
        reading = sum(r.status == READING for r in rows)
        failed = sum(r.status == ERROR for r in rows)
        parts = [f"{len(rows)} file{'s' if len(rows) != 1 else ''}"]
        pages = sum(r.pages for r in ready)
        parts.append(f"{pages} page{'s' if pages != 1 else ''}")
        parts.append(f"~{format_tokens(sum(r.tokens for r in ready))} tokens")
        if reading:
            parts.append(f"{reading} reading")
        if failed:
            parts.append(f"{failed} could not be read")
        self.totals.setText("  ·  ".join(parts))
