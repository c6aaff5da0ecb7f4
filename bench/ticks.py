"""A 1 ms timer on the Qt loop: the gaps between its ticks are how long the loop stalled.

Shared by bench/audit_window.py and bench/ui_stall.py (a module, not a benchmark).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer


class GapMeter:
    def __init__(self) -> None:
        self.gaps: list[float] = []  # seconds between consecutive ticks
        self._last = time.perf_counter()
        self.timer = QTimer(interval=1)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.timer.start()
        self.reset()

    def reset(self) -> None:
        """Forget the gaps so far; the next one is measured from now."""
        self.gaps.clear()
        self._last = time.perf_counter()

    def stop(self) -> None:
        self.timer.stop()

    @property
    def longest_ms(self) -> float:
        return max(self.gaps) * 1000
