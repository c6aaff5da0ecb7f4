"""One answer in the chat: Markdown body, usage badges and clickable citations."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.protocols.events import Answer, Citation
from desktop.ui.answer_body import AnswerBody, CopyButton
from desktop.ui.document_model import format_tokens
from desktop.ui.flow_layout import FlowLayout

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
    local, cloud = u.local_tokens, u.cloud_tokens
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


class AnswerCard(QFrame):
    """An answer; while a run streams, ``set_streaming`` shows the text so far."""

    citationClicked = Signal(object)  # Citation
    auditRequested = Signal(list)  # this answer's egress record ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerCard")
        self.answer: Answer | None = None
        self._pending = ""
        self._link = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        self.body = AnswerBody()
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
        # Badges wrap onto a second line in a narrow window instead of widening the card.
        self.badge_box = QWidget()
        self.badge_row = FlowLayout(self.badge_box, spacing=6)
        self.badge_row.setContentsMargins(0, 0, 0, 0)
        self.copy_button = CopyButton("CopyAnswerButton", "Copy answer")
        self.copy_button.hide()
        self.badge_row.add(self.copy_button)
        layout.addWidget(self.badge_box)
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

    def streamed(self) -> str:
        """The text streamed so far (shown, or about to be)."""
        return self._pending

    def _render_stream(self) -> None:
        if self.answer is None:
            self.body.set_markdown(self._pending + " ▍")

    def set_answer(self, answer: Answer) -> None:
        self.answer = answer
        self._stream_timer.stop()
        self.body.set_markdown(answer.text, len(answer.citations))
        self.copy_button.payload = answer.text
        self.copy_button.show()
        self.badge_row.takeAt(self.badge_row.count() - 1)  # the copy button goes last
        for name, text, tip in badges_for(answer):
            badge = QLabel(text)
            badge.setObjectName(name)
            badge.setToolTip(tip)
            badge.setAccessibleName(text)
            self.badge_row.add(badge)
        self.badge_row.add(self.copy_button)
        self._render_links()
        self.egress.show()

    def _render_links(self) -> None:
        """Sources and the egress line, in the palette's link colour."""
        answer = self.answer
        if answer is None:
            return
        link = self._link = self.palette().color(QPalette.ColorRole.Link).name()
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
        self.egress.setText(egress_line(answer, link))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        link = self.palette().color(QPalette.ColorRole.Link).name()
        if event.type() == QEvent.Type.PaletteChange and link != self._link:
            self._render_links()

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
        self.head = QLabel(f"<b>{html.escape(title)}</b>")
        self.head.setWordWrap(True)
        layout.addWidget(self.head)
        self.detail = detail
        if detail:
            body = QLabel(html.escape(detail))
            body.setWordWrap(True)
            body.setObjectName("Muted")
            body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(body)
        self.title = title


class StoppedCard(NoteCard):
    """A stopped run, live or from history: what was written before the stop, then the mark."""

    def __init__(self, reason: str, partial: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Stopped", reason, error=False, parent=parent)
        self.partial = partial
        self.body: AnswerBody | None = None
        self.copy_button: CopyButton | None = None
        self.head.setText("<b>■ Stopped</b>")
        self.head.setAccessibleName("Stopped")
        if partial.strip():
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.setContentsMargins(16, 12, 16, 12)
            self.body = AnswerBody()
            self.body.set_markdown(partial)
            layout.insertWidget(0, self.body)
            rule = QFrame()
            rule.setObjectName("StopRule")
            rule.setFixedHeight(1)
            rule.setStyleSheet("#StopRule { background: palette(mid); border: none; }")
            layout.insertWidget(1, rule)
            self.copy_button = CopyButton("CopyAnswerButton", "Copy the answer so far")
            self.copy_button.payload = partial
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(self.copy_button)
            layout.addLayout(row)
