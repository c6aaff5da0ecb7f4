"""The body of an answer: Markdown in auto-height browsers, code blocks in their own views.

A top-level code block gets a view of its own so a long line scrolls sideways inside the
block instead of widening or clipping the answer, and so it can have its own copy button.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.markdown import MarkdownColors, answer_segments, colors_for


class AutoHeightBrowser(QTextBrowser):
    """A QTextBrowser as tall as its text, so cards grow with the answer and never scroll."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerBody")
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        height = int(self.document().size().height()) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())


class CopyButton(QToolButton):
    """'Copy' that puts ``text()`` of its source on the clipboard and says 'Copied' briefly."""

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setText("Copy")
        self.setAccessibleName(accessible)
        self.setToolTip(accessible)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(
            "QToolButton { background: transparent; border: 1px solid palette(mid); "
            "border-radius: 6px; padding: 2px 10px; }"
            "QToolButton:hover, QToolButton:focus { color: palette(link); "
            "border-color: palette(link); }"
        )
        self.payload = ""
        self._reset = QTimer(self, singleShot=True, interval=1500)
        self._reset.timeout.connect(lambda: self.setText("Copy"))
        self.clicked.connect(self._copy)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.payload)
        self.setText("Copied")
        self._reset.start()


class CodeBlockView(QFrame):
    """One code block: its language, a copy button, and the code unwrapped in a monospace font."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodeBlock")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 6)
        layout.setSpacing(2)
        head = QHBoxLayout()
        self.language = QLabel()
        self.language.setObjectName("CodeLanguage")
        head.addWidget(self.language)
        head.addStretch(1)
        self.copy_button = CopyButton("CopyCodeButton", "Copy code")
        head.addWidget(self.copy_button)
        layout.addLayout(head)
        self.view = QPlainTextEdit()
        self.view.setObjectName("CodeView")
        self.view.setAccessibleName("Code")
        self.view.setReadOnly(True)
        self.view.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.viewport().installEventFilter(self)
        self.view.horizontalScrollBar().rangeChanged.connect(lambda *_: self._fit())
        layout.addWidget(self.view)

    def set_code(self, code: str, language: str, colors: MarkdownColors) -> None:
        if code != self.code():
            self.view.setPlainText(code)
        self.language.setText(language)
        self.language.setVisible(bool(language))
        self.copy_button.payload = code
        self.setStyleSheet(
            f"#CodeBlock {{ background: {colors.code}; border: 1px solid {colors.grid}; "
            f"border-radius: 8px; }}"
            f"#CodeView {{ background: transparent; border: none; padding: 0; }}"
            f"#CodeLanguage {{ color: {colors.muted}; font-size: 9pt; }}"
            f"QScrollBar:horizontal {{ background: transparent; height: 10px; margin: 0; }}"
            f"QScrollBar::handle:horizontal {{ background: {colors.grid}; border-radius: 4px; "
            f"min-width: 30px; margin: 2px 0; }}"
            "QScrollBar::add-line:horizontal, QScrollBar::sub-line:horizontal { width: 0; }"
            "QScrollBar::add-page:horizontal, QScrollBar::sub-page:horizontal { background: none; }"
        )
        self._fit()

    def code(self) -> str:
        return self.view.toPlainText()

    def _fit(self) -> None:
        lines = max(1, self.view.document().blockCount())
        height = lines * self.view.fontMetrics().lineSpacing()
        height += int(2 * self.view.document().documentMargin()) + 2
        bar = self.view.horizontalScrollBar()
        if bar.maximum() > 0:
            height += bar.sizeHint().height()
        if height != self.view.height():
            self.view.setFixedHeight(height)

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        # An up/down wheel over the code scrolls the chat, not the (unscrollable) block.
        if isinstance(event, QWheelEvent) and event.type() == QEvent.Type.Wheel:
            sideways = event.angleDelta().x() != 0 or bool(
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            if not sideways:
                event.ignore()
                return True
        return False


class AnswerBody(QWidget):
    """Answer Markdown as a column of browsers (text) and code block views."""

    anchorClicked = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answer")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(8)
        self._parts: list[AutoHeightBrowser | CodeBlockView] = []
        self._source: tuple[str, int] = ("", 0)
        self._colors: MarkdownColors | None = None

    def set_markdown(self, text: str, citation_count: int = 0) -> None:
        self._source = (text, citation_count)
        self._colors = colors_for(self.palette())
        segments = answer_segments(text, citation_count, self._colors)
        for at, segment in enumerate(segments):
            part = self._parts[at] if at < len(self._parts) else None
            if segment.kind == "html":
                browser = part if isinstance(part, AutoHeightBrowser) else AutoHeightBrowser()
                if browser is not part:
                    self._replace(at, browser)
                browser.setHtml(segment.content)
            else:
                code = part if isinstance(part, CodeBlockView) else CodeBlockView()
                if code is not part:
                    self._replace(at, code)
                code.set_code(segment.content, segment.language, self._colors)
        for part in self._parts[len(segments) :]:
            self._layout.removeWidget(part)
            part.deleteLater()
        del self._parts[len(segments) :]

    def _replace(self, at: int, part: AutoHeightBrowser | CodeBlockView) -> QWidget:
        if isinstance(part, AutoHeightBrowser):
            part.anchorClicked.connect(self.anchorClicked)
        if at < len(self._parts):
            old = self._parts[at]
            self._layout.removeWidget(old)
            old.deleteLater()
            self._parts[at] = part
        else:
            self._parts.append(part)
        self._layout.insertWidget(at, part)
        return part

    def markdown(self) -> str:
        return self._source[0]

    def toPlainText(self) -> str:
        return "\n".join(
            p.toPlainText() if isinstance(p, AutoHeightBrowser) else p.code() for p in self._parts
        )

    def browsers(self) -> list[AutoHeightBrowser]:
        return [p for p in self._parts if isinstance(p, AutoHeightBrowser)]

    def code_blocks(self) -> list[CodeBlockView]:
        return [p for p in self._parts if isinstance(p, CodeBlockView)]

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # The theme changed (light/dark): draw the answer again in the new colours.
        changed = event.type() == QEvent.Type.PaletteChange and self._parts
        if changed and colors_for(self.palette()) != self._colors:
            self.set_markdown(*self._source)
