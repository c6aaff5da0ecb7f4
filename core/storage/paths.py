"""The app's data folder: platformdirs by default, ``MINIONS_HOME`` to put it elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "minions-desktop"


def minions_home() -> Path:
    """The folder holding settings, history, audit and caches; created on first use."""
    override = os.environ.get("MINIONS_HOME")
    home = Path(override).expanduser() if override else user_data_path(APP_NAME, appauthor=False)
    home.mkdir(parents=True, exist_ok=True)
    return home


def audit_db_path() -> Path:
    return minions_home() / "audit.sqlite3"


def history_db_path() -> Path:
    return minions_home() / "history.sqlite3"


def settings_path() -> Path:
    return minions_home() / "settings.json"


def cache_dir() -> Path:
    path = minions_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
