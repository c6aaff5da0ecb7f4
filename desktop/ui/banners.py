"""Plain-language banners at the top of the window: what is wrong and what to do about it."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class Banner(QFrame):
    def __init__(
        self,
        level: str,
        title: str,
        detail: str = "",
        action: tuple[str, Callable[[], object]] | None = None,
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
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.action_button: QPushButton | None = None
        if action is not None:
            self.action_button = QPushButton(action[0])
            self.action_button.clicked.connect(action[1])
            layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignVCenter)
        close = QPushButton("×")
        close.setFlat(True)
        close.setFixedSize(28, 28)
        close.setStyleSheet("padding: 0; font-size: 17px;")  # the app style's padding hid it
        close.setAccessibleName("Dismiss")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()


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

    def show_banner(
        self,
        key: str,
        level: str,
        title: str,
        detail: str = "",
        action: tuple[str, Callable[[], object]] | None = None,
    ) -> Banner:
        self.clear(key)
        banner = Banner(level, title, detail, action)
        self._banners[key] = banner
        self._layout.addWidget(banner)
        return banner

    def clear(self, key: str) -> None:
        if (banner := self._banners.pop(key, None)) is not None:
            banner.hide()
            banner.deleteLater()

    def banner(self, key: str) -> Banner | None:
        banner = self._banners.get(key)
        return banner if banner is not None and not banner.dismissed else None

    def titles(self) -> list[str]:
        return [b.title for b in self._banners.values() if not b.dismissed]
