"""The window's fit and finish: 800x600, remembered places, Tab, menus, focus, controls."""

from __future__ import annotations

import asyncio
import platform
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt, qVersion
from PySide6.QtGui import QColor, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QStyle,
    QStyleOptionButton,
    QStyleOptionSpinBox,
    QWidget,
)

from core.protocols.events import Answer, RunUsage
from core.storage.conversations import ConversationStore
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.theme import _dark_palette, _light_palette, stylesheet
from tests.desktop_support import (
    close_window,
    documents_ready,
    drop_files,
    make_window,
    run_in_qt_loop,
    until,
)
from tests.fakes import OllamaFake
from tests.protocol_support import make_services


def _inside(widget: QWidget, window: QWidget) -> bool:
    """Shown whole inside the window (not cut off by its edge)."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(QRect(top_left, widget.size()))


async def _activate(window) -> None:
    window.activateWindow()
    await until(window.isActiveWindow, what="the window to be active")


def test_the_main_window_is_usable_at_800x600(qtbot, tmp_path: Path, fake_ollama: OllamaFake):
    (tmp_path / "lease.md").write_text("# Lease\n\nThe rent is 900 a month.\n")

    async def scenario():
        services = make_services(fake_ollama, None)  # no key: the setup card shows too
        window = make_window(services)
        qtbot.addWidget(window)
        await window.start()
        assert window.minimumSizeHint().width() <= 800 and window.minimumSizeHint().height() <= 600
        window.resize(800, 600)
        drop_files(window, [tmp_path / "lease.md"])
        await until(lambda: documents_ready(window))
        await until(lambda: window.width() == 800 and window.height() == 600)
        bar = window.top_bar
        for widget in (
            bar.protocol, bar.local_model, bar.cloud_model, bar.audit_button,
            bar.settings_button, window.tray.add_button, window.tray.chips,
            window.composer.edit, window.composer.redact, window.composer.send_button,
            window.sidebar.new_button, window.sidebar.list, window.banners.banner("setup"),
        ):  # fmt: skip
            assert _inside(widget, window), f"{widget.accessibleName() or widget} is cut off"
        assert bar.height() > bar.protocol.height() * 2  # the pickers wrapped onto two lines
        assert window.chat.height() >= 100  # room is left for the conversation
        # An answer with every badge fits the chat's width: the badges wrap instead.
        usage = RunUsage(1200, 80, 400, 60, 0.0001, 0.013)
        card = window.chat.add_answer(
            Answer("The rent is 900 a month [1].", "minions", usage=usage)
        )
        await until(lambda: card.isVisible() and card.copy_button.isVisible())
        await asyncio.sleep(0.2)  # let the layout settle
        viewport = window.chat.viewport()
        right = card.mapTo(viewport, card.rect().topRight()).x()
        assert right <= viewport.width(), "the answer card is wider than the chat"
        copy = card.copy_button
        assert copy.mapTo(viewport, copy.rect().topRight()).x() <= viewport.width()
        await close_window(window)

    run_in_qt_loop(scenario)


def test_window_sizes_and_places_are_remembered(qtbot, fake_ollama: OllamaFake):
    placed = []

    async def first():
        window = make_window(make_services(fake_ollama, None))
        qtbot.addWidget(window)
        window.resize(770, 560)  # the test screen is 800x600
        window.move(17, 12)
        await until(lambda: window.width() == 770)
        placed.append(window.pos())
        audit = window.open_audit()
        await until(audit.is_ready, what="the audit to load")
        audit.resize(720, 500)
        await until(lambda: audit.width() == 720)
        audit.close()
        await close_window(window)

    async def second():
        window = MainWindowAgain(fake_ollama)
        qtbot.addWidget(window)
        window.show()
        assert (window.width(), window.height()) == (770, 560)
        # The place comes back too; the headless test screen draws no title bar, and Qt
        # keeps room for one, so the window may come back up to a title bar's height lower.
        assert window.x() == placed[0].x() and 0 <= window.y() - placed[0].y() <= 24
        audit = window.open_audit()
        assert (audit.width(), audit.height()) == (720, 500)
        await until(audit.is_ready, what="the audit to load")
        audit.close()
        await close_window(window)

    run_in_qt_loop(first)
    run_in_qt_loop(second)


def MainWindowAgain(fake_ollama: OllamaFake):
    from desktop.ui.main_window import MainWindow

    return MainWindow(make_services(fake_ollama, None), ConversationStore())


def _stop_name(widget: QWidget) -> str:
    if isinstance(widget.parentWidget(), QComboBox):
        widget = widget.parentWidget()
    return widget.accessibleName() or (widget.text() if hasattr(widget, "text") else "")


def test_tab_goes_through_the_window_in_screen_order(qtbot, tmp_path: Path, fake_ollama):
    (tmp_path / "lease.md").write_text("# Lease\n\nThe rent is 900 a month.\n")

    async def scenario():
        store = ConversationStore()
        store.create("Lease questions")
        window = make_window(make_services(fake_ollama, None), store)  # no key: a setup card
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, [tmp_path / "lease.md"])
        await until(lambda: documents_ready(window))
        await _activate(window)
        window.sidebar.new_button.setFocus()
        seen = []
        for _ in range(18):
            seen.append(_stop_name(QApplication.focusWidget()))
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert seen == [
            "New conversation", "Search conversations", "Conversations",  # the left column
            "Protocol", "Local model", "Cloud model", "Open the privacy audit", "Open settings",
            "Open Settings", "Dismiss",  # the setup card, under the bar
            "Conversation",  # the chat
            "Add files", "Attached documents",  # the tray
            "Question", "Redact identifiers in this conversation", "Send question",  # composer
            "New conversation", "Search conversations",  # and round again
        ]  # fmt: skip
        assert _stop_name(QApplication.focusWidget()) == "Conversations"
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
        assert _stop_name(QApplication.focusWidget()) == "Search conversations"
        await close_window(window)

    run_in_qt_loop(scenario)


def test_the_menu_bar_has_the_usual_entries_and_the_platform_shortcuts(
    qtbot, monkeypatch, fake_ollama: OllamaFake
):
    quits = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))

    async def scenario():
        window = make_window(make_services(fake_ollama, None, remote_model="gpt-4.1-mini"))
        qtbot.addWidget(window)
        await window.start()
        menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
        assert menus == ["File", "Edit", "View", "Help"]
        actions = window.actions_by_name
        key = QKeySequence.StandardKey
        assert actions["add_files"].shortcut() == QKeySequence(key.Open)
        assert actions["new"].shortcut() == QKeySequence(key.New)
        assert actions["copy"].shortcuts()[0] == QKeySequence(key.Copy)
        assert QKeySequence("Ctrl+Q") in actions["quit"].shortcuts()
        assert QKeySequence("Ctrl+Shift+A") in actions["audit"].shortcuts()
        await _activate(window)
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        assert quits == [True]
        # Edit > Copy copies what is selected where the focus is.
        window.composer.edit.setPlainText("the rent clause")
        window.composer.edit.setFocus()
        window.composer.edit.selectAll()
        actions["copy"].trigger()
        assert QApplication.clipboard().text() == "the rent clause"
        # View > Privacy audit, Help > About with the versions and the models in use.
        actions["audit"].trigger()
        assert window.audit_window is not None and window.audit_window.isVisible()
        await until(window.audit_window.is_ready, what="the audit to load")
        window.audit_window.close()
        actions["about"].trigger()
        box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
        text = box.text()
        assert qVersion() in text and platform.python_version() in text
        assert "llama3.2:3b" in text and "gpt-4.1-mini" in text
        box.close()
        await close_window(window)

    run_in_qt_loop(scenario)


def _differs(a: QImage, b: QImage) -> bool:
    return a.size() == b.size() and a != b


def test_keyboard_focus_is_visible_on_send_the_documents_and_the_conversations(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake
):
    (tmp_path / "lease.md").write_text("# Lease\n\nThe rent is 900 a month.\n")

    async def scenario():
        store = ConversationStore()
        store.create("Lease questions")
        window = _themed(make_window(make_services(fake_ollama, None), store), dark=False)
        qtbot.addWidget(window)
        await window.start()
        drop_files(window, [tmp_path / "lease.md"])
        await until(lambda: documents_ready(window))
        await _activate(window)
        window.composer.edit.setPlainText("When does the lease end?")
        for widget in (window.composer.send_button, window.tray.chips, window.sidebar.list):
            window.composer.edit.setFocus()
            without = widget.grab().toImage()
            widget.setFocus(Qt.FocusReason.TabFocusReason)
            await until(widget.hasFocus)
            with_focus = widget.grab().toImage()
            assert _differs(with_focus, without), f"no visible focus on {widget.accessibleName()}"
        await close_window(window)

    run_in_qt_loop(scenario)


def _themed(widget, dark: bool):  # type: ignore[no-untyped-def]
    """``widget`` in the app's light or dark theme (set on it alone, not the whole app)."""
    palette = _dark_palette() if dark else _light_palette()
    widget.setPalette(palette)
    widget.setStyleSheet(stylesheet(palette))
    widget.setAutoFillBackground(True)
    return widget


def _luminance(color: QColor) -> float:
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


def test_checkboxes_are_readable_in_light_and_dark(qtbot):
    for dark in (False, True):
        box = _themed(QCheckBox("Redact identifiers"), dark)
        qtbot.addWidget(box)
        box.resize(box.sizeHint())
        background = _luminance(box.palette().color(box.backgroundRole()))
        image = box.grab().toImage()
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        assert indicator.right() < box.width() // 3  # the square only, not the label
        strongest = max(
            abs(_luminance(image.pixelColor(x, y)) - background)
            for x in range(indicator.left(), indicator.right() + 1)
            for y in range(indicator.top(), indicator.bottom() + 1)
        )
        assert strongest > 0.3, f"the empty checkbox is faint ({'dark' if dark else 'light'})"


def test_spin_boxes_show_and_use_their_step_arrows(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        services = make_services(fake_ollama, None)
        dialog = _themed(SettingsDialog(services), dark=True)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.tabs.setCurrentIndex(2)
        spin: QSpinBox = dialog.minion_rounds
        await until(spin.isVisible)
        option = QStyleOptionSpinBox()
        spin.initStyleOption(option)
        up = spin.style().subControlRect(
            QStyle.ComplexControl.CC_SpinBox, option, QStyle.SubControl.SC_SpinBoxUp, spin
        )
        assert up.width() >= 16 and up.height() >= 8
        image = spin.grab().toImage()
        chevron = QColor("#8b8d98")
        drawn = [
            (x, y)
            for x in range(up.left(), up.right())
            for y in range(up.top(), up.bottom())
            if abs(image.pixelColor(x, y).red() - chevron.red()) < 40
            and abs(image.pixelColor(x, y).blue() - chevron.blue()) < 40
        ]
        assert len(drawn) >= 4, "no arrow is drawn on the up button"
        before = spin.value()
        qtbot.mouseClick(spin, Qt.MouseButton.LeftButton, pos=up.center())
        assert spin.value() == before + 1
        await services.aclose()

    run_in_qt_loop(scenario)


def test_the_rename_editor_is_full_height_and_readable(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        store = ConversationStore()
        store.create("Lease questions")
        window = _themed(make_window(make_services(fake_ollama, None), store), dark=True)
        qtbot.addWidget(window)
        await window.start()
        await _activate(window)
        view = window.sidebar.list
        view.setFocus()
        window.sidebar.rename_current()
        await until(lambda: view.findChildren(QLineEdit))
        editor = view.findChildren(QLineEdit)[0]
        row = view.visualRect(view.currentIndex())
        assert editor.height() >= row.height() - 6, (editor.geometry(), row)
        assert editor.contentsRect().height() >= editor.fontMetrics().height()
        text, base = (
            editor.palette().color(editor.foregroundRole()),
            editor.palette().base().color(),
        )
        assert abs(_luminance(text) - _luminance(base)) > 0.5
        await close_window(window)

    run_in_qt_loop(scenario)
