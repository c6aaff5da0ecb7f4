"""The menu bar: the usual File, Edit, View and Help entries with the platform's shortcuts."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMenuBar, QMessageBox, QWidget

Key = QKeySequence.StandardKey


@dataclass(frozen=True, slots=True)
class Commands:
    add_files: Callable[[], object]
    new_conversation: Callable[[], object]
    new_with_documents: Callable[[], object]
    export_conversation: Callable[[], object]
    quit: Callable[[], object]
    settings: Callable[[], object]
    privacy_audit: Callable[[], object]
    about: Callable[[], object]


def _keys(*keys: Key | str) -> list[QKeySequence]:
    """The platform's bindings first; a plain fallback where a platform has none (Quit on
    Windows, Preferences on Linux)."""
    found: list[QKeySequence] = []
    for key in keys:
        sequences = QKeySequence.keyBindings(key) if isinstance(key, Key) else [QKeySequence(key)]
        found += [s for s in sequences if not s.isEmpty() and s not in found]
    return found


def build_menus(bar: QMenuBar, owner: QWidget, do: Commands) -> dict[str, QAction]:
    """Fill ``bar``; returns the actions by name (for enabling and for tests)."""
    actions: dict[str, QAction] = {}

    def add(menu, name: str, text: str, slot, *keys: Key | str) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, owner)
        action.setShortcuts(_keys(*keys))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    file = bar.addMenu("&File")
    add(file, "add_files", "&Add Files…", do.add_files, Key.Open)
    add(file, "new", "&New Conversation", do.new_conversation, Key.New)
    add(file, "new_with_documents", "New Conversation with &These Documents",
        do.new_with_documents, "Ctrl+Shift+N")  # fmt: skip
    add(file, "export", "&Export Conversation…", do.export_conversation, "Ctrl+E")
    file.addSeparator()
    add(file, "quit", "&Quit", do.quit, Key.Quit, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    for name, text, key in (
        ("cut", "Cu&t", Key.Cut),
        ("copy", "&Copy", Key.Copy),
        ("paste", "&Paste", Key.Paste),
        ("select_all", "Select &All", Key.SelectAll),
    ):
        add(edit, name, text, lambda n=name: _edit_focused(n), key)
    edit.addSeparator()
    add(edit, "settings", "&Settings…", do.settings, Key.Preferences, "Ctrl+,")

    view = bar.addMenu("&View")
    add(view, "audit", "&Privacy Audit", do.privacy_audit, "Ctrl+Shift+A")

    help_menu = bar.addMenu("&Help")
    add(help_menu, "about", "&About Minions", do.about)
    return actions


def _edit_focused(command: str) -> None:
    """Cut, copy, paste or select all in whatever has the keyboard focus."""
    widget = QApplication.focusWidget()
    if isinstance(widget, QLabel):  # selectable text in a banner or an answer's footer
        if command == "copy" and widget.hasSelectedText():
            QApplication.clipboard().setText(widget.selectedText())
        return
    method = {"cut": "cut", "copy": "copy", "paste": "paste", "select_all": "selectAll"}[command]
    if widget is not None and callable(getattr(widget, method, None)):
        getattr(widget, method)()


def about_text(local_model: str, cloud_model: str) -> str:
    try:
        version = metadata.version("minions-desktop")
    except metadata.PackageNotFoundError:
        version = "development copy"
    return (
        f"<p><b>Minions {version}</b></p>"
        "<p>A model on this computer reads your files; a cloud model plans and reasons "
        "without receiving them. Everything that leaves is in the privacy audit.</p>"
        "<table cellspacing='4'>"
        f"<tr><td>Local model</td><td>{local_model}</td></tr>"
        f"<tr><td>Cloud model</td><td>{cloud_model}</td></tr>"
        f"<tr><td>Qt</td><td>{qVersion()} (PySide6 {pyside_version})</td></tr>"
        f"<tr><td>Python</td><td>{platform.python_version()}</td></tr>"
        "</table>"
    )


def show_about(parent: QWidget, local_model: str, cloud_model: str) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About Minions")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text(html.escape(local_model), html.escape(cloud_model)))
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
