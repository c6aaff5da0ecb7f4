"""Settings: typed defaults, environment overrides, and a damaged file kept aside."""

from __future__ import annotations

from core.storage.paths import settings_path
from core.storage.settings import Settings, load_settings, save_settings


def test_defaults_when_nothing_is_stored():
    settings, warning = load_settings()
    assert settings == Settings() and warning == ""
    assert settings.minion_rounds == 3 and settings.minions_rounds == 2


def test_round_trip(minions_home):
    save_settings(Settings(remote_model="gpt-4o", parallelism=8))
    loaded, _ = load_settings()
    assert loaded.remote_model == "gpt-4o" and loaded.parallelism == 8
    assert settings_path().parent == minions_home


def test_environment_overrides_apply_but_are_not_saved(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9999")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    effective = Settings().with_environment()
    assert effective.ollama_host == "http://127.0.0.1:9999"
    assert effective.remote_base_url == "http://127.0.0.1:8000/v1"
    save_settings(Settings())
    assert "9999" not in settings_path().read_text()


def test_a_damaged_settings_file_is_kept_aside_not_lost():
    settings_path().write_text("{not json")
    settings, warning = load_settings()
    assert settings == Settings()
    assert "unreadable" in warning
    assert settings_path().with_suffix(".damaged.json").read_text() == "{not json"
