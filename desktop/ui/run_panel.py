"""What a run is doing right now, in words for the person waiting: the round, how many
passages the local model has read, what the cloud model asked it to look for."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.ui.answer_card import PROTOCOL_NAMES
from desktop.ui.document_model import format_tokens
from desktop.ui.run_view_model import RunViewModel

SPINNER = "◐◓◑◒"


def format_bytes(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:.1f} KB"
    return f"{n} B"


class RunStatusPanel(QFrame):
    """Shown while a run works; every label follows a RunViewModel signal."""

    def __init__(self, vm: RunViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RunPanel")
        self.setAccessibleName("Run progress")
        self.vm = vm
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.spinner = QLabel(SPINNER[0])
        self.stage = QLabel("Getting ready…")
        self.stage.setAccessibleName("Run stage")
        font = self.stage.font()
        font.setBold(True)
        self.stage.setFont(font)
        self.counts = QLabel("")
        self.counts.setObjectName("RunDetail")
        self.counts.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.spinner)
        top.addWidget(self.stage, 1)
        top.addWidget(self.counts)
        layout.addLayout(top)
        jobs_row = QHBoxLayout()
        self.jobs_label = QLabel("")
        self.jobs_label.setObjectName("RunDetail")
        self.jobs = QProgressBar()
        self.jobs.setAccessibleName("Jobs done")
        self.jobs.setTextVisible(False)
        jobs_row.addWidget(self.jobs, 1)
        jobs_row.addWidget(self.jobs_label)
        self.jobs_box = QWidget()
        self.jobs_box.setLayout(jobs_row)
        jobs_row.setContentsMargins(0, 0, 0, 0)
        self.jobs_box.hide()
        layout.addWidget(self.jobs_box)
        self.question = QLabel("")
        self.question.setWordWrap(True)
        self.question.setObjectName("RunDetail")
        self.question.setAccessibleName("What the local model is looking for")
        self.question.hide()
        layout.addWidget(self.question)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setObjectName("RunDetail")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.time = QLabel("")  # elapsed, and what is left
        self.time.setObjectName("RunDetail")
        self.time.setAccessibleName("Time")
        self.estimate = QLabel("")
        self.estimate.setWordWrap(True)
        self.estimate.setObjectName("RunDetail")
        self.estimate.hide()
        layout.addWidget(self.estimate)
        top.insertWidget(2, self.time)
        top.insertSpacing(3, 18)
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._tick_clock)
        self._tick = 0
        self._spin = QTimer(self, interval=150)
        self._spin.timeout.connect(self._turn)

        vm.busyChanged.connect(self._busy)
        vm.routeDecided.connect(self._route)
        vm.roundChanged.connect(self._round)
        vm.jobsProgress.connect(self._jobs)
        vm.supervisorMessage.connect(self._question)
        vm.tokensChanged.connect(lambda *_: self._counts())
        vm.egressChanged.connect(lambda *_: self._counts())
        vm.notice.connect(self._notice)
        vm.answerDelta.connect(self._writing)
        vm.estimated.connect(self._estimated)
        self.hide()

    def _busy(self, busy: bool) -> None:
        if busy:
            self.stage.setText("Getting ready…")
            self.counts.setText("")
            self.jobs_box.hide()
            self.question.hide()
            self.notice.hide()
            self.estimate.hide()
            self._tick_clock()
            self._spin.start()
            self._clock.start()
            self.show()
        else:
            self._spin.stop()
            self._clock.stop()
            self.hide()

    def _tick_clock(self) -> None:
        self.time.setText(self.vm.time_line())

    def _estimated(self, text: str, _seconds: float) -> None:
        self.estimate.setText(f"This run: {text}")
        self.estimate.show()
        self._tick_clock()

    def _turn(self) -> None:
        self._tick = (self._tick + 1) % len(SPINNER)
        self.spinner.setText(SPINNER[self._tick])

    def _route(self, protocol: str, model: str, reason: str) -> None:
        name = PROTOCOL_NAMES.get(protocol, protocol)
        why = f" ({reason})" if reason else ""
        self.notice.setText(f"{name}, with {model} reading your documents{why}")
        self.notice.show()

    def _round(self, n: int, most: int) -> None:
        self.stage.setText(f"Round {n} of {most}" if most else f"Round {n}")

    def _jobs(self, done: int, total: int) -> None:
        self.jobs_box.show()
        self.jobs.setMaximum(max(1, total))
        self.jobs.setValue(done)
        failed = self.vm.jobs_failed
        unread = f" · {failed:,} could not be read" if failed else ""
        self.jobs_label.setText(f"{done:,} of {total:,} passages read{unread}")
        self._tick_clock()

    def _question(self, text: str) -> None:
        short = " ".join(text.split())
        if len(short) > 280:
            short = short[:277] + "…"
        self.question.setText(f"Looking for: “{short}”")
        self.question.show()

    def _notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _writing(self, _text: str) -> None:
        if not self.stage.text().endswith("writing the answer"):
            base = self.stage.text() if self.stage.text().startswith("Round") else ""
            self.stage.setText(f"{base} · writing the answer" if base else "Writing the answer")

    def _counts(self) -> None:
        parts = [f"{format_tokens(self.vm.local_tokens)} tokens on this computer"]
        if self.vm.cloud_tokens:
            parts.append(f"{format_tokens(self.vm.cloud_tokens)} in the cloud")
        if self.vm.egress_bytes:
            parts.append(f"{format_bytes(self.vm.egress_bytes)} sent off this computer")
        self.counts.setText(" · ".join(parts))
