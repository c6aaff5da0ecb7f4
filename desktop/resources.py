"""Where the app's icons and desktop entry are: ``resources/`` beside the package, or bundled."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)  # a frozen app unpacks its data here
    if bundled:
        return Path(bundled) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def app_icon() -> QIcon:
    path = resources_dir() / "icons" / "minions.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
