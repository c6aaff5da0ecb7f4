"""Confirm before sending: the exact payload, and Allow / Allow for this run / Deny."""

from __future__ import annotations

import asyncio
import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from core.privacy.audit import EgressRecord
from core.privacy.export import destination
from core.privacy.gate import Decision, OutboundRequest
from desktop.ui.payload_view import PayloadView


class ConfirmSendDialog(QDialog):
    def __init__(self, outbound: OutboundRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Send this to the cloud?")
        self.resize(820, 560)
        self.decision = Decision.DENY
        where = destination(outbound.endpoint, outbound.meta).describe()
        summary = QLabel(
            f"<b>{len(outbound.body):,} bytes</b> are about to go to "
            f"<b>{html.escape(where)}</b> ({html.escape(outbound.model or 'unknown model')}). "
            "This is exactly what would leave your computer, as messages (Raw JSON: the "
            "bytes themselves):"
        )
        summary.setToolTip(outbound.endpoint)
        summary.setWordWrap(True)
        self.payload = PayloadView()
        self.payload.show_record(_preview(outbound))
        buttons = QDialogButtonBox()
        self.allow = QPushButton("Allow")
        self.allow_run = QPushButton("Allow for this run")
        self.deny = QPushButton("Deny")
        self.deny.setDefault(True)  # Enter must not send anything
        for button, decision, role in (
            (self.allow, Decision.ALLOW, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.allow_run, Decision.ALLOW_RUN, QDialogButtonBox.ButtonRole.AcceptRole),
            (self.deny, Decision.DENY, QDialogButtonBox.ButtonRole.RejectRole),
        ):
            button.setAccessibleName(button.text())
            buttons.addButton(button, role)
            button.clicked.connect(lambda _=False, d=decision: self._choose(d))
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.payload, 1)
        layout.addWidget(buttons)

    def _choose(self, decision: Decision) -> None:
        self.decision = decision
        self.done(0 if decision is Decision.DENY else 1)


def _settle(answer: asyncio.Future[Decision], decision: Decision) -> None:
    if not answer.done():
        answer.set_result(decision)


async def confirm_send(parent: QWidget | None, outbound: OutboundRequest) -> Decision:
    """Show the dialog without a nested event loop and await the user's choice."""
    dialog = ConfirmSendDialog(outbound, parent)
    answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda _r: _settle(answer, dialog.decision))
    dialog.open()
    try:
        return await answer
    finally:
        dialog.deleteLater()


def _preview(outbound: OutboundRequest) -> EgressRecord:
    """The payload in the audit view's shape (not stored: nothing is recorded until sent)."""
    return EgressRecord(
        id=0,
        kind="request",
        request_id=None,
        created_at="",
        endpoint=outbound.endpoint,
        model=outbound.model,
        conversation_id=outbound.conversation_id,
        run_id=outbound.run_id,
        byte_count=len(outbound.body),
        body=outbound.body,
        status=None,
        prompt_tokens=None,
        completion_tokens=None,
        meta=outbound.meta,
        prev_hash="",
        hash="",
    )
