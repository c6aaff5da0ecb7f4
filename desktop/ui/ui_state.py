"""What the window remembers about itself between sessions: never a secret, never a setting
the core reads. Window sizes and positions, the setup notices the user dismissed, and
whether Enter sends a question, in ``ui-state.ini`` under the data folder."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings
from PySide6.QtWidgets import QWidget

from core.storage.paths import minions_home


class UiState:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or minions_home() / "ui-state.ini"
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _set(self, key: str, value: object) -> None:
        self._settings.setValue(key, value)
        self._settings.sync()  # written now: a hard kill must not undo a dismissal

    # ----------------------------------------------------------------- notices

    def dismissed(self) -> set[str]:
        try:
            return set(json.loads(str(self._settings.value("notices/dismissed", "[]"))))
        except ValueError:
            return set()

    def dismiss(self, notice_ids: set[str]) -> None:
        self._set("notices/dismissed", json.dumps(sorted(self.dismissed() | notice_ids)))

    # ----------------------------------------------------------------- the question box

    @property
    def enter_sends(self) -> bool:
        """Enter sends the question and Shift+Enter starts a new line (as chat apps do)."""
        return str(self._settings.value("composer/enter_sends", "true")).lower() == "true"

    @enter_sends.setter
    def enter_sends(self, on: bool) -> None:
        self._set("composer/enter_sends", "true" if on else "false")

    # ----------------------------------------------------------------- windows

    def restore_geometry(self, widget: QWidget, name: str) -> bool:
        saved = self._settings.value(f"geometry/{name}")
        return isinstance(saved, QByteArray) and widget.restoreGeometry(saved)

    def save_geometry(self, widget: QWidget, name: str) -> None:
        self._set(f"geometry/{name}", widget.saveGeometry())

    def remember_geometry(self, widget: QWidget, name: str) -> QObject:
        """Put ``widget`` where it was last time, and keep its size and place when it closes.

        Only a Close is watched: a widget being destroyed gets Hide events, and Python
        code must not run then (at interpreter exit it crashes)."""
        self.restore_geometry(widget, name)
        keeper = _GeometryKeeper(self, name, widget)
        widget.installEventFilter(keeper)
        return keeper  # for removeEventFilter once the widget is closed for good


class _GeometryKeeper(QObject):
    def __init__(self, state: UiState, name: str, widget: QWidget) -> None:
        super().__init__(widget)
        self.state, self.name = state, name

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and isinstance(watched, QWidget):
            self.state.save_geometry(watched, self.name)
        return False
