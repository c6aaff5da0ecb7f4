"""A request body exactly as it left, with document and typed spans highlighted."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from core.privacy.audit import EgressRecord

# Distinct, readable on light and dark backgrounds with black text.
DOCUMENT_COLOURS = ("#ffd166", "#8fd3fe", "#b8f2a6", "#f7a8c8", "#d2b6ff", "#ffb38a")
USER_COLOUR = "#9be7e0"


def document_colour(document_ids: list[str], document_id: str) -> str:
    ordered = sorted(set(document_ids))
    position = ordered.index(document_id) if document_id in ordered else 0
    return DOCUMENT_COLOURS[position % len(DOCUMENT_COLOURS)]


def utf16_offsets(text: str) -> list[int]:
    """Qt counts UTF-16 code units; Python counts code points. Map one to the other."""
    offsets, at = [], 0
    for ch in text:
        offsets.append(at)
        at += 2 if ord(ch) > 0xFFFF else 1
    offsets.append(at)
    return offsets


class PayloadView(QTextEdit):
    """Read-only; tooltips name the document and page of each highlighted span."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAccessibleName("Request body as sent")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.highlighted: list[tuple[str, str]] = []  # (source, text) of each span shown

    def show_record(self, record: EgressRecord | None) -> None:
        self.highlighted = []
        if record is None:
            self.setPlainText("")
            return
        body = record.body_text
        self.setPlainText(body)
        documents = record.meta.get("documents") or {}
        names = {k: v.get("name", k) for k, v in documents.items()}
        ids = list(documents)
        qt_at = utf16_offsets(body)
        cursor = QTextCursor(self.document())
        for span in record.meta.get("spans") or []:
            start, end = span["start"], span["end"]
            if not 0 <= start < end <= len(body):
                continue
            fmt = QTextCharFormat()
            fmt.setForeground(QColor("#111111"))
            if span["source"] == "document":
                doc_id = span.get("document_id") or ""
                fmt.setBackground(QColor(document_colour(ids, doc_id)))
                page = f", page {span['page']}" if span.get("page") else ""
                fmt.setToolTip(f"From {names.get(doc_id, doc_id)}{page}")
            else:
                fmt.setBackground(QColor(USER_COLOUR))
                fmt.setToolTip("Your own words")
            cursor.setPosition(qt_at[start])
            cursor.setPosition(qt_at[end], QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
            self.highlighted.append((span["source"], body[start:end]))
        self.moveCursor(QTextCursor.MoveOperation.Start)
