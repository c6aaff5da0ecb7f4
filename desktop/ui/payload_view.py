"""A request as it left: readable messages highlighted by origin, and the raw JSON a tab away."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QTabWidget, QTextEdit, QVBoxLayout, QWidget

from core.privacy.audit import EgressRecord
from core.privacy.messages import highlights, read_messages

# Distinct, readable on light and dark backgrounds with black text.
DOCUMENT_COLOURS = ("#ffd166", "#8fd3fe", "#b8f2a6", "#f7a8c8", "#d2b6ff", "#ffb38a")
USER_COLOUR = "#9be7e0"
ROLES = {"system": "Instructions (system)", "user": "Request (user)", "assistant": "Reply (model)"}

LEGEND = (
    f"<span style='background:{USER_COLOUR};color:#111'>&nbsp;your words&nbsp;</span> "
    "<span style='background:#ffd166;color:#111'>&nbsp;document text (a colour per document, "
    "hover for the page)&nbsp;</span> plain: written by the models or the app"
)


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


class PayloadView(QWidget):
    """Read-only. Tab "Messages": role, then text; tab "Raw JSON": the exact bytes sent.

    In both, tooltips name the document and page of each highlighted span.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = _text_view("Request as messages")
        self.raw = _text_view("Request body as sent")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.raw.setFont(mono)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.messages, "Messages")
        self.tabs.addTab(self.raw, "Raw JSON")
        self.legend = QLabel(LEGEND)
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addWidget(self.tabs, 1)
        self.highlighted: list[tuple[str, str]] = []  # (source, text) per span in the messages
        self.raw_highlighted: list[tuple[str, str]] = []  # the same spans in the raw body

    def toPlainText(self) -> str:  # named as QTextEdit names it
        """The body exactly as sent."""
        return self.raw.toPlainText()

    def show_record(self, record: EgressRecord | None) -> None:
        self.highlighted, self.raw_highlighted = [], []
        if record is None:
            self.messages.clear()
            self.raw.clear()
            return
        body = record.body_text
        documents = record.meta.get("documents") or {}
        spans = [s for s in record.meta.get("spans") or [] if 0 <= s["start"] < s["end"]]
        style = _Style({k: v.get("name", k) for k, v in documents.items()}, list(documents))
        self.raw.setPlainText(body)
        qt_at = utf16_offsets(body)
        cursor = QTextCursor(self.raw.document())
        for span in spans:
            if span["end"] > len(body):
                continue
            cursor.setPosition(qt_at[span["start"]])
            cursor.setPosition(qt_at[span["end"]], QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(style.of(span))
            self.raw_highlighted.append((span["source"], body[span["start"] : span["end"]]))
        self.raw.moveCursor(QTextCursor.MoveOperation.Start)
        self._show_messages(body, spans, style)

    def _show_messages(self, body: str, spans: list[dict[str, Any]], style: _Style) -> None:
        self.messages.clear()
        messages = read_messages(body)
        if messages is None:
            self.messages.setPlainText("This request is not a list of chat messages: see Raw JSON.")
            return
        cursor = QTextCursor(self.messages.document())
        heading = QTextCharFormat()
        heading.setFontWeight(QFont.Weight.Bold)
        spaced = QTextBlockFormat()
        spaced.setTopMargin(10)
        for n, message in enumerate(messages):
            if n:
                cursor.insertBlock(spaced)
            cursor.insertText(ROLES.get(message.role, message.role.capitalize()), heading)
            cursor.insertBlock(QTextBlockFormat())
            at = 0
            for mark in highlights(message, spans):
                if mark.start < at:
                    continue  # overlapping spans: the first one wins
                cursor.insertText(message.text[at : mark.start], QTextCharFormat())
                piece = message.text[mark.start : mark.end]
                cursor.insertText(piece, style.of(mark.span))
                self.highlighted.append((mark.span["source"], piece))
                at = mark.end
            cursor.insertText(message.text[at:], QTextCharFormat())
        self.messages.moveCursor(QTextCursor.MoveOperation.Start)


class _Style:
    def __init__(self, names: dict[str, str], document_ids: list[str]) -> None:
        self.names, self.ids = names, document_ids

    def of(self, span: dict[str, Any]) -> QTextCharFormat:
        fmt = QTextCharFormat()
        fmt.setForeground(QColor("#111111"))
        if span["source"] == "document":
            doc_id = span.get("document_id") or ""
            fmt.setBackground(QColor(document_colour(self.ids, doc_id)))
            page = f", page {span['page']}" if span.get("page") else ""
            fmt.setToolTip(f"From {self.names.get(doc_id, doc_id)}{page}")
        else:
            fmt.setBackground(QColor(USER_COLOUR))
            fmt.setToolTip("Your own words")
        return fmt


def _text_view(name: str) -> QTextEdit:
    view = QTextEdit()
    view.setReadOnly(True)
    view.setAccessibleName(name)
    view.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
    return view
