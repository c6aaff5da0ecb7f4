"""A layout that places its items left to right and wraps them onto more lines when narrow."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget, QWidgetItem


class FlowLayout(QLayout):
    """Items in reading order, wrapping as needed; the last item sits at the right edge.

    The parent grows a line taller when its items wrap (``heightForWidth``), so a bar
    of pickers and buttons stays whole in a narrow window instead of forcing it wider.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def add(self, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        visible = [i for i in self._items if not i.isEmpty()]
        width = sum(i.sizeHint().width() for i in visible) + self._spacing * max(
            0, len(visible) - 1
        )
        height = max((i.sizeHint().height() for i in visible), default=0)
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            if not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    def _place(self, rect: QRect, *, move: bool) -> int:
        """Lay the items out in ``rect`` (only measure unless ``move``); returns the height."""
        m: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(m)
        x, y, line_height = area.x(), area.y(), 0
        lines: list[list[tuple[QLayoutItem, QRect]]] = [[]]
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            width = min(hint.width(), area.width())
            if lines[-1] and x + width > area.right() + 1:
                x, y = area.x(), y + line_height + self._spacing
                line_height = 0
                lines.append([])
            lines[-1].append((item, QRect(QPoint(x, y), QSize(width, hint.height()))))
            x += width + self._spacing
            line_height = max(line_height, hint.height())
        if move:
            for line in lines:
                tallest = max((r.height() for _, r in line), default=0)
                for n, (item, place) in enumerate(line):
                    if item is self._items[-1] and n == len(line) - 1:
                        place.moveRight(area.right())  # the trailing buttons, at the edge
                    place.moveTop(place.top() + (tallest - place.height()) // 2)
                    item.setGeometry(place)
        return y + line_height - rect.y() + m.bottom()
