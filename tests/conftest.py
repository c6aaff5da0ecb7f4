"""Shared test set-up: headless Qt, a throwaway data folder, no real network settings."""

from __future__ import annotations

import os

import pydantic.fields  # noqa: F401 - see below
import pytest

# pydantic loads ``pydantic.fields`` lazily. Loaded for the first time under pytest after
# PySide6's import hook is active, that hook inspects pydantic's half-made modules and the
# import fails ("cannot import name 'import_string'"). The app itself is not affected.

# Qt must never try to open a display in tests (without one, pytest would abort).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.fakes.fixtures", "tests.realmodel"]
# Shared helpers that assert (not test modules, so scripts can import them): pytest's
# assertion messages there too.
pytest.register_assert_rewrite("tests.protocol_support", "tests.desktop_support", "tests.helpers")

_ENV_FROM_OUTSIDE = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_HOST", "MINIONS_REMOTE_MODEL")


@pytest.fixture(autouse=True)
def minions_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own MINIONS_HOME and ignores the developer's own model settings."""
    home = tmp_path_factory.mktemp("minions-home")
    monkeypatch.setenv("MINIONS_HOME", str(home))
    for name in _ENV_FROM_OUTSIDE:
        monkeypatch.delenv(name, raising=False)
    return home
