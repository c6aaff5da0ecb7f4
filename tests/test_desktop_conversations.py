"""The conversation list: date groups, search as you type, rename, export and delete."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu

from core.storage.conversations import Conversation, ConversationStore
from desktop.ui.answer_card import AnswerCard
from desktop.ui.conversation_groups import HEADER_ROLE, date_group
from desktop.ui.conversation_list import ConversationListModel, ConversationSidebar
from desktop.ui.theme import _dark_palette, _light_palette, stylesheet
from tests.desktop_support import close_window, make_window, run_in_qt_loop, until
from tests.fakes import OllamaFake
from tests.protocol_support import make_services
from tests.test_conversation_search import _history

DAY = 86400.0


def test_date_groups_follow_local_calendar_days():
    now = datetime(2025, 6, 15, 10, 0).timestamp()

    def group(*when: int) -> str:
        return date_group(datetime(*when).timestamp(), now)

    assert group(2025, 6, 15, 0, 1) == "Today"
    assert group(2025, 6, 16, 9, 0) == "Today"  # a clock a little ahead
    assert group(2025, 6, 14, 23, 59) == "Yesterday"
    assert group(2025, 6, 13, 12) == group(2025, 6, 8, 12) == "Previous 7 days"
    assert group(2025, 6, 7, 12) == group(2025, 5, 16, 12) == "Previous 30 days"
    assert group(2025, 5, 15, 12) == "May 2025"
    assert group(2024, 12, 31, 23) == "December 2024"


def _sidebar(qtbot, ages: dict[str, float]) -> ConversationSidebar:
    """A sidebar over conversations last active ``ages[title]`` days ago (newest first)."""
    now = datetime.now().timestamp()
    rows = [
        Conversation(f"id-{title}", title, now - age * DAY, now - age * DAY)
        for title, age in sorted(ages.items(), key=lambda item: item[1])
    ]
    model = ConversationListModel()
    model.set_conversations(rows)
    sidebar = ConversationSidebar(model)
    sidebar.resize(260, 700)
    qtbot.addWidget(sidebar)
    sidebar.show()
    return sidebar


AGES = {"a": 0, "b": 0.001, "c": 1, "d": 3, "e": 20, "f": 45, "g": 400}


def test_the_list_is_grouped_by_date_with_headers_that_cannot_be_picked(qtbot):
    sidebar = _sidebar(qtbot, AGES)
    groups = sidebar.groups
    now = datetime.now().timestamp()
    months = [date_group(now - AGES[t] * DAY, now) for t in ("f", "g")]
    assert groups.headers()[:4] == ["Today", "Yesterday", "Previous 7 days", "Previous 30 days"]
    assert groups.headers()[4:] == months
    shown = [
        ("header" if groups.index(r).data(HEADER_ROLE) else "row", groups.index(r).data())
        for r in range(groups.rowCount())
    ]
    assert shown[:4] == [("header", "Today"), ("row", "a"), ("row", "b"), ("header", "Yesterday")]
    assert sidebar.visible_titles() == list("abcdefg")
    header = groups.index(0)
    assert groups.flags(header) == Qt.ItemFlag.NoItemFlags
    assert not groups.setData(header, "x", Qt.ItemDataRole.EditRole)


def test_arrow_keys_step_over_the_headers(qtbot):
    sidebar = _sidebar(qtbot, AGES)
    selected = []
    sidebar.selected.connect(selected.append)
    sidebar.select("id-b")
    sidebar.list.setFocus()
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)
    assert sidebar.current_id() == "id-c"  # over the "Yesterday" header
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Up)
    assert sidebar.current_id() == "id-b"
    assert selected == ["id-b", "id-c", "id-b"]


def test_the_current_conversation_stays_current_when_another_moves_to_the_top(qtbot):
    sidebar = _sidebar(qtbot, AGES)
    sidebar.select("id-e")
    selected = []
    sidebar.selected.connect(selected.append)
    moved = sidebar.model.conversation(sidebar.model.row_of("id-g"))
    now = datetime.now().timestamp()
    sidebar.model.upsert_first(Conversation(moved.id, moved.title, moved.created, now))
    assert sidebar.visible_titles() == list("gabcdef")
    assert sidebar.current_id() == "id-e" and selected == []  # no conversation switch


def test_delete_key_and_the_context_menu_act_on_the_conversation_under_them(qtbot):
    sidebar = _sidebar(qtbot, AGES)
    deleted, exported = [], []
    sidebar.deleteRequested.connect(deleted.append)
    sidebar.exportRequested.connect(exported.append)
    sidebar.select("id-d")
    sidebar.activateWindow()
    qtbot.waitUntil(sidebar.isActiveWindow)
    sidebar.list.setFocus()
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert deleted == ["id-d"]
    row = sidebar.groups.row_of("id-c")
    sidebar._menu(sidebar.list.visualRect(sidebar.groups.index(row)).center())
    menu = sidebar.findChildren(QMenu)[-1]
    next(a for a in menu.actions() if a.text().startswith("Export")).trigger()
    assert exported == ["id-c"]
    menu.close()
    header = sidebar.list.visualRect(sidebar.groups.index(0)).center()
    count = len(sidebar.findChildren(QMenu))
    sidebar._menu(header)
    assert len(sidebar.findChildren(QMenu)) == count  # no menu on a header


def test_search_filters_by_content_as_you_type_after_a_pause(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    store, named = _history(tmp_path / "history.db")

    async def scenario():
        window = make_window(make_services(fake_ollama, None), store)
        qtbot.addWidget(window)
        await window.start()
        sidebar = window.sidebar
        assert len(sidebar.visible_titles()) == 300
        qtbot.keyClicks(sidebar.search, "kestrel")
        assert len(sidebar.visible_titles()) == 300  # not on every key: after a pause
        await until(lambda: len(sidebar.visible_titles()) == 1, timeout=3, what="the filter")
        found = store.get(named["answer"])
        assert sidebar.visible_titles() == [found.title]  # found by its answer, not its title
        assert "kestrel" not in found.title.lower()
        assert sidebar.groups.headers() == ["Today"] and not sidebar.empty.isVisible()
        # Picking the result opens it, with the answer that matched.
        row = sidebar.groups.row_of(found.id)
        rect = sidebar.list.visualRect(sidebar.groups.index(row))
        qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert window.conversation_id == found.id
        [card] = [c for c in window.chat.cards() if isinstance(c, AnswerCard)]
        assert "7781-KESTREL" in card.body.toPlainText()
        # Two words: both must be found; a question matches too.
        sidebar.search.setText("Harwick  ARCHIVE")
        sidebar.apply_search()
        assert sidebar.visible_titles() == [store.get(named["question"]).title]
        sidebar.search.setText("no such words")
        sidebar.apply_search()
        assert sidebar.visible_titles() == [] and sidebar.empty.isVisible()
        assert "no such words" in sidebar.empty.text()
        sidebar.search.clear()
        await until(lambda: len(sidebar.visible_titles()) == 300, timeout=3, what="all again")
        assert sidebar.current_id() == found.id and not sidebar.empty.isVisible()
        await close_window(window)

    run_in_qt_loop(scenario)


def _editors(sidebar: ConversationSidebar) -> list[QLineEdit]:
    return [e for e in sidebar.list.findChildren(QLineEdit, "RenameEditor") if e.isVisible()]


def _luminance(color: QColor) -> float:
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


def test_rename_editor_is_full_height_readable_in_both_themes_and_renames(
    qtbot, fake_ollama: OllamaFake
):
    app = QApplication.instance()
    old_palette, old_sheet = app.palette(), app.styleSheet()

    async def scenario():
        store = ConversationStore()
        first = store.create("Lease 2024")
        store.create("Invoices")
        window = make_window(make_services(fake_ollama, None), store)
        qtbot.addWidget(window)
        await window.start()
        sidebar = window.sidebar
        for palette in (_light_palette(), _dark_palette()):
            app.setPalette(palette)
            app.setStyleSheet(stylesheet(palette))
            sidebar.select(first.id)
            index = sidebar.list.currentIndex()
            sidebar.list.setFocus()
            qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
            [editor] = _editors(sidebar)
            assert editor.text() == "Lease 2024"
            row = sidebar.list.visualRect(index)
            assert editor.height() >= row.height() - 2 and editor.y() <= row.y() + 1
            image = editor.grab().toImage()
            background = image.pixelColor(editor.width() - 12, editor.height() // 2)
            assert background == palette.color(palette.ColorRole.Base)
            text_pixels = [
                image.pixelColor(x, y)
                for x in range(8, editor.width() // 2)
                for y in range(editor.height())
            ]
            # The title is drawn in the theme's text colour, clear of the background.
            contrast = max(abs(_luminance(p) - _luminance(background)) for p in text_pixels)
            assert contrast > 0.5
            qtbot.keyClick(editor, Qt.Key.Key_Escape)
            await until(lambda: not _editors(sidebar), what="the editor to close")
        # Double-click edits too; Enter saves the new title in the history.
        rect = sidebar.list.visualRect(sidebar.list.currentIndex())
        # A real double-click: a click, then the double-click event (QTest sends only that).
        qtbot.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await until(lambda: _editors(sidebar), what="the editor to open")
        [editor] = _editors(sidebar)
        editor.selectAll()
        qtbot.keyClicks(editor, "Lease renewal")
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next loop turn
        await until(lambda: store.get(first.id).title == "Lease renewal", what="the new title")
        assert "Lease renewal" in sidebar.visible_titles()
        await close_window(window)

    try:
        run_in_qt_loop(scenario)
    finally:
        app.setPalette(old_palette)
        app.setStyleSheet(old_sheet)
