"""The document tray: a chip per file (name, pages, tokens, status), or a list for many."""

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
    QFocusEvent,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
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
    Totals,
    format_tokens,
)
from desktop.ui.theme import is_dark

CHIP = QSize(236, 54)
CHIP_LIMIT = 12  # more documents than this show as a list, one line each
ROW_HEIGHT = 24
LIST_ROWS = 5  # rows of the list shown before it scrolls
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
        if option.state & QStyle.StateFlag.State_HasFocus:  # type: ignore[attr-defined]
            draw_focus_ring(painter, rect, palette, radius=10)

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


def draw_focus_ring(painter: QPainter, rect: QRectF, palette: QPalette, radius: float) -> None:
    """The keyboard focus: a 2 px ring in the accent colour, inside ``rect``."""
    pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), radius, radius)


class RowDelegate(QStyledItemDelegate):
    """Paints a document as one line (name, then its status): for long lists of files."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = QGuiApplication.palette()
        dark = is_dark(palette)
        rect = QRectF(option.rect)  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor("#2e2f36" if dark else "#ececf2"))
        if state & QStyle.StateFlag.State_HasFocus:
            draw_focus_ring(painter, rect, palette, radius=4)
        kind = str(index.data(DocumentRole.Kind) or "")
        dot = QRectF(rect.left() + 8, rect.center().y() - 4, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(KIND_COLORS.get(kind, kind_color(kind))))
        painter.drawEllipse(dot)
        left = int(dot.right() + 8)
        width = int(rect.right()) - left - 8
        metrics = painter.fontMetrics()
        name_width = min(metrics.horizontalAdvance(str(index.data(DocumentRole.Name))), width // 2)
        name = metrics.elidedText(
            str(index.data(DocumentRole.Name)), Qt.TextElideMode.ElideMiddle, name_width
        )
        line = QRect(left, int(rect.top()), width, int(rect.height()))
        middle = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(line, middle, name)
        status = index.data(DocumentRole.Status)
        error_color, muted = ("#ff8a8a", "#9a9ca8") if dark else ("#c0392b", "#6b6e7b")
        painter.setPen(QColor(error_color if status == ERROR else muted))
        detail = str(index.data(DocumentRole.Summary) or "")
        if index.data(DocumentRole.NeverSend):
            detail += " · stays local"
        rest = line.adjusted(name_width + 12, 0, 0, 0)
        painter.drawText(
            rest, middle, metrics.elidedText(detail, Qt.TextElideMode.ElideRight, rest.width())
        )
        painter.restore()


class ChipModelView(QListView):
    """The documents: chips that wrap (at most three rows) or, for many files, a list.

    ``set_compact(True)`` shows one line per document instead of a chip: a tray with
    thousands of files stays a few rows tall and scrolls.
    """

    removeRequested = Signal(int)
    neverSendToggled = Signal(int, bool)
    passwordRequested = Signal(int)

    def __init__(self, model: DocumentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChipList")
        self.setAccessibleName("Attached documents")
        self.setModel(model)
        self._chips, self._lines = ChipDelegate(self), RowDelegate(self)
        self.compact = False
        self.setItemDelegate(self._chips)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        self.setItemDelegate(self._lines if compact else self._chips)
        self.setFlow(QListView.Flow.TopToBottom if compact else QListView.Flow.LeftToRight)
        self.setWrapping(not compact)
        self.setSpacing(0 if compact else 4)
        self._fit()

    def _fit(self) -> None:
        count = self.model().rowCount()
        if self.compact:
            rows = min(LIST_ROWS, count)
            self.setFixedHeight(rows * ROW_HEIGHT + 4)
        else:
            per_row = max(1, (self.viewport().width() - 8) // (CHIP.width() + 8))
            rows = min(3, math.ceil(count / per_row)) if count else 0
            self.setFixedHeight(rows * (CHIP.height() + 8) + (6 if rows else 0))

    def focusInEvent(self, event: QFocusEvent) -> None:
        # Tabbing in shows where the keyboard is: the first document gets the ring.
        if not self.currentIndex().isValid() and self.model().rowCount():
            self.setCurrentIndex(self.model().index(0, 0))
        super().focusInEvent(event)

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
        if index.data(DocumentRole.Status) == ERROR and str(index.data(DocumentRole.Kind)) == "pdf":
            menu.addAction("Enter password…", lambda: self.passwordRequested.emit(index.row()))
        menu.addSeparator()
        menu.addAction("Remove", lambda: self.removeRequested.emit(index.row()))
        menu.popup(self.viewport().mapToGlobal(pos))


class DocumentTray(QWidget):
    """The tray above the composer: a header with totals and Add files, then the documents.

    Up to ``CHIP_LIMIT`` documents show as chips; more show as a one-line-per-file list
    under a summary ("1,204 documents, 3 failed"), which Show list / Hide list folds.
    """

    addFilesRequested = Signal()

    def __init__(self, model: DocumentListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Tray")
        self.model = model
        self.list_folded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        header = QHBoxLayout()
        self.title = QLabel("DOCUMENTS")
        self.title.setObjectName("SectionTitle")
        self.totals = QLabel("")
        self.totals.setObjectName("Muted")
        self.totals.setMinimumWidth(1)  # elided by the layout, never widening the window
        self.fold_button = QPushButton("Hide list")
        self.fold_button.setAccessibleName("Show or hide the list of documents")
        self.fold_button.clicked.connect(self._toggle_list)
        self.add_button = QPushButton("Add files…")
        self.add_button.setAccessibleName("Add files")
        self.add_button.setToolTip(
            "Add files or a folder (Ctrl+O); you can also drop them on the window"
        )
        self.add_button.clicked.connect(self.addFilesRequested)
        header.addWidget(self.title)
        header.addWidget(self.totals, 1)
        header.addWidget(self.fold_button)
        header.addWidget(self.add_button)
        layout.addLayout(header)
        self.hint = QLabel("Drop files or a folder on the window, or use Add files (Ctrl+O).")
        self.hint.setObjectName("Muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.chips = ChipModelView(model)
        layout.addWidget(self.chips)
        model.totalsChanged.connect(self._update)
        self._update()

    def _toggle_list(self) -> None:
        self.list_folded = not self.list_folded
        self._update()

    def _update(self, *_args: object) -> None:
        t = self.model.totals
        self.hint.setVisible(not t.count)
        many = t.count > CHIP_LIMIT
        self.chips.set_compact(many)
        self.chips.setVisible(bool(t.count) and not (many and self.list_folded))
        self.fold_button.setVisible(many)
        self.fold_button.setText("Show list" if self.list_folded else "Hide list")
        self.totals.setText(totals_text(t) if t.count else "")


def totals_text(t: Totals) -> str:
    """ "1,204 documents, 3 failed · 2,310 pages · ~1.2M tokens · 20 reading"."""
    head = f"{t.count:,} document{'s' if t.count != 1 else ''}"
    if t.failed:
        head += f", {t.failed:,} failed"
    parts = [head, f"{t.pages:,} page{'s' if t.pages != 1 else ''}"]
    parts.append(f"~{format_tokens(t.tokens)} tokens")
    if t.reading:
        parts.append(f"{t.reading:,} reading")
    return "  ·  ".join(parts)
