"""How much of each document has ever left: a bar per document, in a scrolling pane."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.privacy.leaks import DocumentLeak
from desktop.ui.payload_view import document_colour

SHOWN = 12  # the most exposed documents; the CLI's `minions audit leaks` lists all


class LeakMeter(QWidget):
    """One document: a bar, the share of its text that ever left, and the pages quoted."""

    def __init__(self, leak: DocumentLeak, colour: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        name = QLabel(
            f"<span style='background:{colour};color:#111'>&nbsp;&nbsp;</span> "
            f"{html.escape(leak.name)}"
        )
        name.setMinimumWidth(120)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(round(leak.share * 1000))
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"Share of {leak.name} sent")
        pages = ", ".join(map(str, leak.pages[:12])) + ("…" if len(leak.pages) > 12 else "")
        detail = f"{leak.share:.1%}" + (f" · pages {pages}" if pages else " · never quoted")
        self.label = QLabel(detail)
        layout.addWidget(name, 2)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.label, 2)


class LeaksPane(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>How much of each document has ever left</b>"))
        self._box = QVBoxLayout()
        layout.addLayout(self._box)
        layout.addStretch()
        self.setWidgetResizable(True)
        self.setWidget(inner)

    def show_leaks(self, leaks: list[DocumentLeak]) -> None:
        while self._box.count():
            item = self._box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        ids = [leak.document_id for leak in leaks]
        if not leaks:
            self._box.addWidget(QLabel("No document text has ever left this computer."))
        for leak in leaks[:SHOWN]:
            self._box.addWidget(LeakMeter(leak, document_colour(ids, leak.document_id)))

    def meters(self) -> list[LeakMeter]:
        return [
            w
            for i in range(self._box.count())
            if isinstance(w := _widget_at(self._box, i), LeakMeter)
        ]


def _widget_at(box: QLayout, at: int) -> QWidget | None:
    item = box.itemAt(at)
    return item.widget() if item is not None else None
