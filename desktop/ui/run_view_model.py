"""Turns a run's core events into Qt signals: the one place the UI listens to a run."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from PySide6.QtCore import QObject, Signal

from core.errors import ErrorKind
from core.protocols import events as ev
from core.protocols.estimate import duration


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RunViewModel(QObject):
    """Consumes one run at a time and re-publishes its progress as signals.

    The attributes hold what the window shows between events: the round, jobs done out
    of total, the supervisor's current question and the answer streamed so far. How the
    run ended has one channel: the event :meth:`consume` returns.
    """

    busyChanged = Signal(bool)
    routeDecided = Signal(str, str, str)  # protocol, worker model, reason
    roundChanged = Signal(int, int)  # round, max rounds
    jobsProgress = Signal(int, int)  # done, total
    supervisorMessage = Signal(str)
    notice = Signal(str)
    tokensChanged = Signal(int, int)  # local tokens, cloud tokens so far
    egressChanged = Signal(int)  # bytes sent to the cloud so far
    answerDelta = Signal(str)
    estimated = Signal(str, float)  # the estimate for a person, expected local seconds

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel: Callable[[], None] | None = None
        self.busy = False
        self.reset()

    def reset(self) -> None:
        self.round = 0
        self.max_rounds = 0
        self.jobs_done = 0
        self.jobs_total = 0
        self.supervisor_text = ""
        self.streamed = ""
        self.local_tokens = 0
        self.cloud_tokens = 0
        self.egress_bytes = 0
        self.jobs_failed = 0
        self.started = time.monotonic()
        self.expected_seconds = 0.0

    def time_line(self) -> str:
        """ "0:42 elapsed · about 3 min left": from the jobs' own pace once they run, else
        from the estimate."""
        elapsed = time.monotonic() - self.started
        text = f"{clock(elapsed)} elapsed"
        left: float | None = None
        if 0 < self.jobs_done < self.jobs_total:
            left = elapsed / self.jobs_done * (self.jobs_total - self.jobs_done)
        elif self.expected_seconds > elapsed and not self.streamed:
            left = self.expected_seconds - elapsed
        if left is not None:
            text += f" · about {duration(left)} left"
        return text

    def cancel(self) -> None:
        """Ask the running run to stop; its last event (Cancelled) ends :meth:`consume`."""
        if self._cancel is not None:
            self._cancel()

    async def consume(
        self, events: AsyncIterator[ev.RunEvent], cancel: Callable[[], None]
    ) -> ev.RunEvent | None:
        """Publish every event of one run; returns the final Done, Failed or Cancelled."""
        self.reset()
        self._cancel = cancel
        self._set_busy(True)
        last: ev.RunEvent | None = None
        try:
            async for event in events:
                last = event
                self._publish(event)
        except Exception as exc:  # a bug below must not leave the window stuck "busy"
            last = ev.Failed("", f"The run stopped unexpectedly: {exc}", ErrorKind.INTERNAL)
        finally:
            self._cancel = None
            self._set_busy(False)
        return last

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busyChanged.emit(busy)

    def _publish(self, event: ev.RunEvent) -> None:
        match event:
            case ev.RouteDecided(protocol=p, worker_model=m, reason=r):
                self.routeDecided.emit(p, m, r)
            case ev.RoundStarted(round=n, max_rounds=most):
                self.round, self.max_rounds = n, most
                self.roundChanged.emit(n, most)
            case ev.SupervisorMessage(text=text):
                self.supervisor_text = text
                self.supervisorMessage.emit(text)
            case ev.JobsPlanned(total=total):
                self.jobs_done, self.jobs_total = 0, total
                self.jobsProgress.emit(0, total)
            case ev.JobFinished(done=done, total=total) | ev.JobFailed(done=done, total=total):
                if isinstance(event, ev.JobFailed):
                    self.jobs_failed += 1
                self.jobs_done, self.jobs_total = done, total
                self.jobsProgress.emit(done, total)
            case ev.TokensUsed(seat=seat, prompt_tokens=pt, completion_tokens=ct):
                if seat == "local":
                    self.local_tokens += pt + ct
                else:
                    self.cloud_tokens += pt + ct
                self.tokensChanged.emit(self.local_tokens, self.cloud_tokens)
            case ev.EgressRecorded(kind="request", byte_count=n):
                self.egress_bytes += n
                self.egressChanged.emit(self.egress_bytes)
            case ev.Notice(message=message):
                self.notice.emit(message)
            case ev.Estimated(text=text, local_seconds=seconds):
                self.expected_seconds = seconds
                self.estimated.emit(text, seconds)
            case ev.AnswerDelta(text=text, restart=restart):
                self.streamed = text if restart else self.streamed + text
                self.answerDelta.emit(text)
