"""The Settings dialog: settings saved, the API key in the real OS keyring and in no file."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt

from core.services import Services
from core.storage.paths import settings_path
from core.storage.secrets import API_KEY_NAME, SERVICE, ApiKeys, KeyringStore, MemoryStore
from core.storage.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog
from tests.desktop_support import close_window, make_window, run_in_qt_loop, until
from tests.fakes import OllamaFake, OpenAIFake
from tests.helpers import files_containing, real_keyring
from tests.protocol_support import make_services

KEY = "sk-desktop-keyring-4c1d9e2f7a6b5c4d3e2f1a0b9c8d7e6f"


@pytest.mark.keyring
@real_keyring
def test_key_typed_in_settings_goes_to_the_real_keyring_and_no_file(
    qtbot, minions_home: Path, fake_openai: OpenAIFake
):
    fake_openai.api_key = KEY

    async def scenario():
        services = Services(
            Settings(remote_base_url=f"{fake_openai.url}/v1"), keys=ApiKeys(KeyringStore())
        )
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        dialog.show()
        await dialog.key_checked
        assert dialog.api_key.echoMode() == dialog.api_key.EchoMode.Password
        assert "SecretService" in dialog.key_backend.text() or "Secret" in dialog.key_backend.text()
        qtbot.keyClicks(dialog.api_key, KEY)
        dialog.remote_model.setText("gpt-4.1-mini")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        await until(
            lambda: dialog.result() == dialog.DialogCode.Accepted, what="the dialog to save"
        )
        # in the OS keyring (read through keyring's own API, not ours)...
        assert keyring.get_password(SERVICE, API_KEY_NAME) == KEY
        assert services.settings.remote_model == "gpt-4.1-mini"
        # ...used by the cloud client...
        result = await services.remote_client().chat([{"role": "user", "content": "hi"}])
        assert result.text and fake_openai.requests[-1].headers["authorization"] == f"Bearer {KEY}"
        await services.aclose()
        # ...and in no file of ours, nor anywhere under the home folder in plain text.
        assert json.loads(settings_path().read_text())["remote_model"] == "gpt-4.1-mini"
        assert files_containing(minions_home, KEY) == []
        assert files_containing(minions_home, KEY[-12:]) == []
        home = Path(os.environ["HOME"])
        assert files_containing(home, KEY) == []

        # Remove key empties the keyring entry.
        again = Services(keys=ApiKeys(KeyringStore()))
        dialog2 = SettingsDialog(again)
        qtbot.addWidget(dialog2)
        await dialog2.key_checked
        assert "stored in the OS keyring" in dialog2.key_status.text()
        assert dialog2.remove_key_button.isEnabled()
        await dialog2.remove_key()
        assert keyring.get_password(SERVICE, API_KEY_NAME) is None
        assert "No key is stored" in dialog2.key_status.text()
        await again.aclose()

    run_in_qt_loop(scenario)


def test_settings_dialog_saves_every_section(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        services = make_services(fake_ollama, None)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        dialog.runtime.setCurrentIndex(dialog.runtime.findData("openai"))
        assert dialog.local_base_url.isEnabled() and not dialog.ollama_host.isEnabled()
        dialog.local_base_url.setText("http://127.0.0.1:9999/v1")
        dialog.remote_base_url.setText("https://api.example.com/v1")
        dialog.minion_rounds.setValue(4)
        dialog.minions_rounds.setValue(3)
        dialog.chunk_chars.setValue(5000)
        dialog.parallelism.setValue(6)
        dialog.local_only.setChecked(True)
        await dialog.save()
        s = Settings.model_validate_json(settings_path().read_text())
        assert (s.local_runtime, s.local_base_url, s.remote_base_url) == (
            "openai", "http://127.0.0.1:9999/v1", "https://api.example.com/v1",
        )  # fmt: skip
        assert (s.minion_rounds, s.minions_rounds, s.chunk_chars, s.parallelism) == (4, 3, 5000, 6)
        assert s.local_only and services.gate.policy.local_only
        await services.aclose()

    run_in_qt_loop(scenario)


def test_memory_only_key_store_is_named_and_warned_about(qtbot, fake_ollama: OllamaFake):
    async def scenario():
        keys = ApiKeys(MemoryStore())
        keys.warning = "No OS keyring is available on this system; the API key will be kept in memory for this session"
        services = Services(keys=keys)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        await dialog.key_checked  # the key store is read in a thread, off the loop
        assert "memory (this session only)" in dialog.key_backend.text()
        assert "No OS keyring" in dialog.key_backend.text()
        await services.aclose()

    run_in_qt_loop(scenario)


def test_picking_models_in_the_top_bar_updates_the_settings(qtbot, fake_ollama: OllamaFake):
    fake_ollama.models = {"llama3.2:3b": 131072, "qwen3:4b": 40960}

    async def scenario():
        window = make_window(make_services(fake_ollama, None, local_model=""))
        qtbot.addWidget(window)
        await window.start()
        combo = window.top_bar.local_model
        assert [combo.itemText(i) for i in range(combo.count())] == ["llama3.2:3b", "qwen3:4b"]
        combo.setCurrentIndex(1)
        combo.activated.emit(1)
        await until(lambda: window.services.settings.local_model == "qwen3:4b")
        assert window.top_bar.cloud_model.currentText() == window.services.settings.remote_model
        await close_window(window)

    run_in_qt_loop(scenario)


def test_settings_say_which_values_the_environment_overrides(
    qtbot, monkeypatch, fake_ollama: OllamaFake
):
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11999")
    monkeypatch.setenv("MINIONS_REMOTE_MODEL", "gpt-4.1")

    async def scenario():
        services = make_services(fake_ollama, None)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        await dialog.key_checked
        assert dialog.ollama_host.text() == fake_ollama.url  # the file's value, to edit
        assert "http://127.0.0.1:11999" in dialog.sources["ollama_host"].text()
        assert "OLLAMA_HOST" in dialog.sources["ollama_host"].text()
        assert "MINIONS_REMOTE_MODEL" in dialog.sources["remote_model"].text()
        assert "remote_base_url" not in dialog.sources  # OPENAI_BASE_URL is not set
        await services.aclose()

    run_in_qt_loop(scenario)


def test_default_protocol_offers_auto_and_the_supervisor_switch_warns(
    qtbot, fake_ollama: OllamaFake
):
    async def scenario():
        services = make_services(fake_ollama, None)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        dialog.show()
        protocols = [dialog.protocol.itemData(i) for i in range(dialog.protocol.count())]
        assert protocols[0] == "auto" and set(protocols) == {"auto", "minions", "minion",
                                                             "local", "cloud"}  # fmt: skip
        dialog.tabs.setCurrentIndex(1)
        assert not dialog.supervisor_here.isChecked()  # off by default
        assert not dialog.supervisor_warning.isVisible()
        dialog.supervisor_here.setChecked(True)
        assert dialog.supervisor_warning.isVisible()
        assert "not be audited" in dialog.supervisor_warning.text()
        dialog.protocol.setCurrentIndex(dialog.protocol.findData("auto"))
        await dialog.save()
        saved = Settings.model_validate_json(settings_path().read_text())
        assert saved.supervisor_on_this_computer and saved.protocol == "auto"
        await services.aclose()

    run_in_qt_loop(scenario)


class _SlowStore(MemoryStore):
    """A keyring that takes its time answering (a Keychain prompt, a slow D-Bus)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.answer = threading.Event(), threading.Event()

    def get(self, key: str) -> str | None:
        self.asked.set()
        self.answer.wait(10)
        return super().get(key)


def test_closing_settings_before_the_key_is_found_stops_looking(qtbot, fake_ollama):
    async def scenario():
        store = _SlowStore()
        services = Services(make_services(fake_ollama, None).settings, keys=ApiKeys(store))
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        dialog.show()
        await until(store.asked.is_set)
        dialog.reject()  # closed while the keyring is still being asked
        store.answer.set()
        await asyncio.gather(dialog.key_checked, return_exceptions=True)
        assert dialog.key_checked.cancelled()  # it no longer writes into the closed dialog
        assert dialog.key_status.text() == "Looking for a stored key…"
        await services.aclose()

    run_in_qt_loop(scenario)
