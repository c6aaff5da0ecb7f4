"""Plain-language banners at the top of the window: what is wrong and what to do about it."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.health import Problem, SetupNotice
from desktop.ui.ui_state import UiState

Action = tuple[str, Callable[[], object]]


class Banner(QFrame):
    """A title, a sentence or a short list, a few buttons, and × to dismiss."""

    dismissedByUser = Signal()

    def __init__(
        self,
        level: str,
        title: str,
        detail: str = "",
        actions: list[Action] | None = None,
        items: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setProperty("level", level)
        self.setAccessibleName(title)
        self.title, self.detail = title, detail
        self.dismissed = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        text = f"<b>{html.escape(title)}</b>"
        if detail:
            text += f"<br>{_with_code(detail)}"
        if items:
            text += "".join(f"<br>• {_with_code(item)}" for item in items)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        for text_, slot in actions or []:
            button = QPushButton(text_)
            button.clicked.connect(slot)
            self.buttons.append(button)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        close = QPushButton("×")
        close.setFlat(True)
        close.setFixedSize(28, 28)
        close.setStyleSheet("padding: 0; font-size: 17px;")  # the app style's padding hid it
        close.setAccessibleName("Dismiss")
        close.setToolTip("Dismiss")
        close.clicked.connect(self._closed)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    @property
    def action_button(self) -> QPushButton | None:
        return self.buttons[0] if self.buttons else None

    def button(self, text: str) -> QPushButton | None:
        return next((b for b in self.buttons if b.text() == text), None)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()

    def _closed(self) -> None:
        self.dismiss()
        self.dismissedByUser.emit()


def _with_code(text: str) -> str:
    """Escape, and show `backticked` commands in a monospace font."""
    parts = html.escape(text).split("`")
    return "".join(
        f"<code style='font-family:monospace; font-weight:600'>{p}</code>" if i % 2 else p
        for i, p in enumerate(parts)
    )


class BannerArea(QWidget):
    """At most one banner per topic (``key``); showing a topic again replaces its banner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._banners: dict[str, Banner] = {}
        self._kinds: dict[str, str] = {}  # what each banner's problem is about

    def show_banner(  # one topic, one banner: showing it again replaces it
        self,
        key: str,
        level: str,
        title: str,
        detail: str = "",
        actions: list[Action] | None = None,
        items: list[str] | None = None,
    ) -> Banner:
        self.clear(key)
        banner = Banner(level, title, detail, actions, items)
        self._banners[key] = banner
        self._layout.addWidget(banner)
        return banner

    def clear(self, key: str) -> None:
        self._kinds.pop(key, None)
        if (banner := self._banners.pop(key, None)) is not None:
            banner.hide()
            banner.deleteLater()

    def banner(self, key: str) -> Banner | None:
        banner = self._banners.get(key)
        return banner if banner is not None and not banner.dismissed else None

    def titles(self) -> list[str]:
        return [b.title for b in self._banners.values() if not b.dismissed]

    # ----------------------------------------------------------------- what the app shows

    def show_problem(self, problem: Problem, actions: list[Action]) -> Banner:
        banner = self.show_banner(
            problem.key, problem.level, problem.title, problem.detail, actions
        )
        self._kinds[problem.key] = problem.kind
        return banner

    def clear_if(self, key: str, kinds: set[str]) -> None:
        """Clear the ``key`` banner if it is about one of ``kinds`` (which no longer apply)."""
        if self._banners.get(key) is not None and self._kinds.get(key) in kinds:
            self.clear(key)

    def show_setup(self, notices: list[SetupNotice], state: UiState, action: Action) -> None:
        """The setup notices that apply and were not dismissed, merged into one card.

        Dismissing the card is remembered for the notices it held; a notice that applies
        later for the first time shows the card again, with that notice only.
        """
        dismissed = state.dismissed()
        shown = [n for n in notices if n.id not in dismissed]
        if not shown:
            self.clear("setup")
            return
        banner = self.show_banner(
            "setup", "info", "Getting started", items=[n.text for n in shown], actions=[action]
        )
        banner.dismissedByUser.connect(lambda: state.dismiss({n.id for n in shown}))
