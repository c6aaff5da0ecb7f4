"""One answer in the chat: Markdown body, usage badges and clickable citations."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.protocols.events import Answer, Citation
from desktop.ui.document_model import format_tokens
from desktop.ui.markdown import render_markdown

PROTOCOL_NAMES = {
    "local": "Local only",
    "minion": "Minion",
    "minions": "MinionS",
    "cloud": "Cloud only",
    "auto": "Auto",
}


def format_cost(usd: float) -> str:
    if usd <= 0:
        return "$0"
    if usd < 0.0001:
        return "<$0.0001"
    if usd < 0.01:
        return f"${usd:.4f}"
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.3f}"


def badges_for(answer: Answer) -> list[tuple[str, str, str]]:
    """(object name, text, tooltip) of each badge under an answer."""
    u = answer.usage
    local = u.local_prompt_tokens + u.local_completion_tokens
    cloud = u.remote_prompt_tokens + u.remote_completion_tokens
    protocol = PROTOCOL_NAMES.get(answer.protocol, answer.protocol)
    badges = [
        ("ProtocolBadge", protocol, "The protocol that produced this answer"),
        ("Badge", f"Local {format_tokens(local)} tokens", f"{local:,} tokens on this machine"),
        (
            "Badge",
            f"Cloud {format_tokens(cloud)} tokens",
            f"{cloud:,} tokens sent to or from the cloud model",
        ),
        (
            "Badge",
            f"Cloud cost {format_cost(u.remote_cost_usd)}",
            "What this answer cost at the cloud provider",
        ),
    ]
    saving = u.cloud_only_cost_usd - u.remote_cost_usd
    if answer.protocol != "cloud" and u.cloud_only_cost_usd > 0 and saving > 0:
        times = u.cloud_only_cost_usd / u.remote_cost_usd if u.remote_cost_usd > 0 else 0
        ratio = f" ({times:.0f}× less)" if times >= 2 else ""
        badges.append(
            (
                "SavingBadge",
                f"Saved {format_cost(saving)}{ratio}",
                f"Sending the documents to the cloud model would have cost about {format_cost(u.cloud_only_cost_usd)}",
            )
        )
    return badges


def egress_line(answer: Answer, link: str) -> str:
    """What this answer sent off the machine, linked to its audit records, and its notes."""
    if answer.egress_requests:
        text = (
            f'<a href="audit:" style="color:{link}">Sent off this computer: '
            f"{answer.egress_requests} request{'s' if answer.egress_requests != 1 else ''}, "
            f"{answer.egress_bytes:,} bytes — see exactly what</a>"
        )
    else:
        text = "Nothing left this computer for this answer."
    for note in answer.notes:
        text += f"<br>• {html.escape(note)}"
    if answer.route and not answer.route.endswith("chosen by you"):
        text += f"<br>Route: {html.escape(answer.route)}"
    return text


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


class AnswerCard(QFrame):
    """An answer; while a run streams, ``set_streaming`` shows the text so far."""

    citationClicked = Signal(object)  # Citation
    auditRequested = Signal(list)  # this answer's egress record ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerCard")
        self.answer: Answer | None = None
        self._pending = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        self.body = AutoHeightBrowser()
        self.body.setAccessibleName("Answer")
        self.body.anchorClicked.connect(self._anchor)
        layout.addWidget(self.body)
        self.sources = QLabel()
        self.sources.setObjectName("Sources")
        self.sources.setWordWrap(True)
        self.sources.setTextFormat(Qt.TextFormat.RichText)
        self.sources.setAccessibleName("Sources")
        self.sources.linkActivated.connect(lambda href: self._anchor(QUrl(href)))
        self.sources.hide()
        layout.addWidget(self.sources)
        self.badge_row = QHBoxLayout()
        self.badge_row.setSpacing(6)
        layout.addLayout(self.badge_row)
        self.egress = QLabel()
        self.egress.setObjectName("Muted")
        self.egress.setWordWrap(True)
        self.egress.setTextFormat(Qt.TextFormat.RichText)
        self.egress.setAccessibleName("What left this computer")
        self.egress.linkActivated.connect(self._anchor_audit)
        self.egress.hide()
        layout.addWidget(self.egress)
        # Re-render a streaming answer at most every 80 ms, not once per token.
        self._stream_timer = QTimer(self, singleShot=True, interval=80)
        self._stream_timer.timeout.connect(self._render_stream)

    def set_streaming(self, text: str) -> None:
        self._pending = text
        if not self._stream_timer.isActive():
            self._stream_timer.start()

    def _render_stream(self) -> None:
        if self.answer is None:
            self.body.setHtml(render_markdown(self._pending + " ▍"))

    def set_answer(self, answer: Answer) -> None:
        self.answer = answer
        self._stream_timer.stop()
        link = self.palette().color(QPalette.ColorRole.Link).name()
        self.body.setHtml(render_markdown(answer.text, len(answer.citations), link))
        if answer.citations:
            items = []
            for n, c in enumerate(answer.citations, 1):
                quote = " ".join(c.quote.split())
                if len(quote) > 90:
                    quote = quote[:87] + "…"
                items.append(
                    f'<a href="cite:{n}" style="color:{link}; text-decoration:none">'
                    f"<b>[{n}]</b> {html.escape(c.document_name)}, p.&nbsp;{c.page}</a>"
                    f' <span style="color:gray">“{html.escape(quote)}”</span>'
                )
            self.sources.setText("<b>Sources</b><br>" + "<br>".join(items))
            self.sources.show()
        for name, text, tip in badges_for(answer):
            badge = QLabel(text)
            badge.setObjectName(name)
            badge.setToolTip(tip)
            badge.setAccessibleName(text)
            self.badge_row.addWidget(badge)
        self.badge_row.addStretch(1)
        self.egress.setText(egress_line(answer, link))
        self.egress.show()

    def _anchor_audit(self, _href: str) -> None:
        if self.answer is not None:
            self.auditRequested.emit(list(self.answer.egress_record_ids))

    def citation(self, n: int) -> Citation | None:
        if self.answer and 1 <= n <= len(self.answer.citations):
            return self.answer.citations[n - 1]
        return None

    def _anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("cite:") and (c := self.citation(int(text[5:] or 0))):
            self.citationClicked.emit(c)


class UserBubble(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UserBubble")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAccessibleName("Your question")
        # A word-wrapped QLabel asks for a narrow width; ask for what the text needs instead.
        longest = max(
            (label.fontMetrics().horizontalAdvance(line) for line in text.splitlines()), default=0
        )
        label.setMinimumWidth(min(longest + 4, 560))
        layout.addWidget(label)
        self.text = text


class NoteCard(QFrame):
    """A failed or stopped run: what happened and what to do."""

    def __init__(
        self, title: str, detail: str = "", *, error: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ErrorCard" if error else "AnswerCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        head = QLabel(f"<b>{html.escape(title)}</b>")
        head.setWordWrap(True)
        layout.addWidget(head)
        if detail:
            body = QLabel(html.escape(detail))
            body.setWordWrap(True)
            body.setObjectName("Muted")
            body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(body)
        self.title = title
