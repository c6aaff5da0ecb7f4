"""Settings: the local runtime, the cloud provider and key, protocol defaults, privacy."""

from __future__ import annotations

import asyncio
import os

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from core.services import Services
from core.storage.settings import Settings
from desktop.ui.ui_state import UiState

# Environment variables that override a stored value while they are set (see
# Settings.with_environment); the dialog says so beside the field.
ENVIRONMENT = {
    "ollama_host": "OLLAMA_HOST",
    "remote_base_url": "OPENAI_BASE_URL",
    "remote_model": "MINIONS_REMOTE_MODEL",
}

RUNTIMES = [
    ("auto", "Automatic: Ollama, else the built-in model"),
    ("ollama", "Ollama"),
    ("openai", "OpenAI-compatible local server (llama.cpp, LM Studio, vLLM…)"),
    ("embedded", "Built-in model file (GGUF)"),
]
PROTOCOLS = [
    ("auto", "Auto: a quick local call picks"),
    ("minions", "MinionS"),
    ("minion", "Minion"),
    ("local", "Local only"),
    ("cloud", "Cloud only"),
]


def _spin(low: int, high: int, value: int, step: int = 1, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(True)
    return label


def _combo(items: list[tuple[str, str]], current: str) -> QComboBox:
    box = QComboBox()
    for value, label in items:
        box.addItem(label, value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


class SettingsDialog(QDialog):
    """Edits a copy of the stored settings; Save stores them and the key, Cancel drops them."""

    def __init__(
        self, services: Services, parent: QWidget | None = None, *, ui_state: UiState | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.ui_state = ui_state or UiState()
        self.sources: dict[str, QLabel] = {}  # field -> where its value in use comes from
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(560)
        s = services.stored_settings
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._local_tab(s), "Local model")
        self.tabs.addTab(self._cloud_tab(s), "Cloud model")
        self.tabs.addTab(self._protocol_tab(s), "Asking")
        self.tabs.addTab(self._privacy_tab(s), "Privacy")
        self.error = QLabel("")
        self.error.setObjectName("Muted")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("Primary")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.key_status.setText("Looking for a stored key…")
        self.remove_key_button.setEnabled(False)
        self.key_checked = asyncio.ensure_future(self._refresh_key_status())
        self._runtime_changed()

    def done(self, result: int) -> None:
        # Closed before the stored key was found (a slow keyring): nothing is left to show it.
        self.key_checked.cancel()
        super().done(result)

    def _add_source(self, form: QFormLayout, field: str) -> None:
        """Under a field, where the value in use comes from when it is not the field."""
        name = ENVIRONMENT[field]
        if os.environ.get(name):
            used = getattr(self.services.settings, field)
            label = _muted(f"In use: {used}, set by {name} in the environment, which wins.")
            self.sources[field] = label
            form.addRow("", label)

    # ----------------------------------------------------------------- tabs

    def _local_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.runtime = _combo(RUNTIMES, s.local_runtime)
        self.runtime.setAccessibleName("Local runtime")
        self.runtime.currentIndexChanged.connect(self._runtime_changed)
        self.ollama_host = QLineEdit(s.ollama_host)
        self.ollama_host.setAccessibleName("Ollama URL")
        self.local_base_url = QLineEdit(s.local_base_url)
        self.local_base_url.setAccessibleName("Local server URL")
        self.local_model = QLineEdit(s.local_model)
        self.local_model.setPlaceholderText("empty: the first installed model")
        self.local_model.setAccessibleName("Local model")
        self.embedded_path = QLineEdit(s.embedded_model_path)
        self.embedded_path.setPlaceholderText("empty: the bundled SmolLM2-135M, if installed")
        self.embedded_path.setAccessibleName("Embedded model file")
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose a model file")
        browse.clicked.connect(self._browse_model)
        file_row = QHBoxLayout()
        file_row.addWidget(self.embedded_path, 1)
        file_row.addWidget(browse)
        form.addRow("Runtime", self.runtime)
        form.addRow("Ollama URL", self.ollama_host)
        self._add_source(form, "ollama_host")
        form.addRow("Local server URL", self.local_base_url)
        form.addRow("Model", self.local_model)
        form.addRow("Model file", file_row)
        hint = QLabel(
            "The local model reads your documents. Nothing you add is sent anywhere by it "
            "when it runs on this machine."
        )
        hint.setWordWrap(True)
        hint.setObjectName("Muted")
        form.addRow(hint)
        return page

    def _cloud_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.remote_base_url = QLineEdit(s.remote_base_url)
        self.remote_base_url.setAccessibleName("Cloud provider base URL")
        self.remote_model = QLineEdit(s.remote_model)
        self.remote_model.setAccessibleName("Cloud model")
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setAccessibleName("API key")
        self.api_key.setPlaceholderText(
            "Paste a key to store it (leave empty to keep the current one)"
        )
        self.key_status = QLabel("")
        self.key_status.setWordWrap(True)
        self.key_backend = QLabel("")
        self.key_backend.setObjectName("Muted")
        self.key_backend.setWordWrap(True)
        self.remove_key_button = QPushButton("Remove key")
        self.remove_key_button.setObjectName("Danger")
        self.remove_key_button.setAccessibleName("Remove the stored API key")
        self.remove_key_button.clicked.connect(self.remove_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.remove_key_button)
        self.supervisor_here = QCheckBox("The cloud endpoint is a model on this computer")
        self.supervisor_here.setChecked(s.supervisor_on_this_computer)
        self.supervisor_here.setAccessibleName(self.supervisor_here.text())
        self.supervisor_warning = _muted(
            "Only tick this if the model behind this address runs on this computer. Its "
            "requests will then not be audited as leaving the computer, and redaction and "
            "never-send will not apply to them. A local address can still be a proxy to a "
            "cloud service."
        )
        self.supervisor_warning.setVisible(s.supervisor_on_this_computer)
        self.supervisor_here.toggled.connect(self.supervisor_warning.setVisible)
        form.addRow("Base URL", self.remote_base_url)
        self._add_source(form, "remote_base_url")
        form.addRow("Model", self.remote_model)
        self._add_source(form, "remote_model")
        form.addRow("API key", key_row)
        form.addRow("", self.key_status)
        form.addRow("", self.key_backend)
        form.addRow(self.supervisor_here)
        form.addRow(self.supervisor_warning)
        return page

    def _protocol_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.protocol = _combo(PROTOCOLS, s.protocol)
        self.protocol.setAccessibleName("Default protocol")
        self.minion_rounds = _spin(1, 10, s.minion_rounds)
        self.minion_rounds.setAccessibleName("Minion rounds")
        self.minions_rounds = _spin(1, 5, s.minions_rounds)
        self.minions_rounds.setAccessibleName("MinionS rounds")
        self.chunk_chars = _spin(300, 50_000, s.chunk_chars, 500, " characters")
        self.chunk_chars.setAccessibleName("Chunk size")
        self.parallelism = _spin(1, 64, s.parallelism)
        self.parallelism.setAccessibleName("Parallel local jobs")
        self.budget = _spin(1000, 10_000_000, s.cloud_token_budget, 5000, " tokens")
        self.budget.setAccessibleName("Cloud token budget per question")
        self.enter_sends = QCheckBox("Enter sends the question (Shift+Enter for a new line)")
        self.enter_sends.setChecked(self.ui_state.enter_sends)
        self.enter_sends.setAccessibleName(self.enter_sends.text())
        form.addRow(self.enter_sends)
        form.addRow("Default protocol", self.protocol)
        form.addRow("Minion rounds", self.minion_rounds)
        form.addRow("MinionS rounds", self.minions_rounds)
        form.addRow("Chunk size", self.chunk_chars)
        form.addRow("Parallel local jobs", self.parallelism)
        form.addRow("Cloud budget per question", self.budget)
        return page

    def _privacy_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.local_only = QCheckBox("Local only: never send anything to the cloud")
        self.local_only.setChecked(s.local_only)
        self.redact = QCheckBox("Replace names, addresses and identifying numbers before sending")
        self.redact.setChecked(s.redact)
        self.confirm = QCheckBox("Ask me before each request leaves this computer")
        self.confirm.setChecked(s.confirm_before_send)
        self.share_names = QCheckBox("Tell the cloud model the file names")
        self.share_names.setChecked(s.share_file_names)
        self.max_mb = _spin(1, 4096, s.max_file_mb, 10, " MB")
        self.max_mb.setAccessibleName("Largest file to read")
        for box in (self.local_only, self.redact, self.confirm, self.share_names):
            box.setAccessibleName(box.text())
            form.addRow(box)
        form.addRow("Largest file to read", self.max_mb)
        return page

    # ----------------------------------------------------------------- behaviour

    def _runtime_changed(self) -> None:
        runtime = self.runtime.currentData()
        self.ollama_host.setEnabled(runtime in ("auto", "ollama"))
        self.local_base_url.setEnabled(runtime == "openai")
        self.embedded_path.setEnabled(runtime in ("auto", "embedded"))

    def _browse_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Model file", "", "GGUF models (*.gguf)")
        if path:
            self.embedded_path.setText(path)

    async def _refresh_key_status(self) -> None:
        keys = self.services.keys
        # The keyring is a D-Bus call (or a Keychain prompt): never on the event loop.
        source = await asyncio.to_thread(keys.current)
        messages = {
            "environment": "A key is set by the OPENAI_API_KEY environment variable (not stored).",
            "keyring": "A key is stored in the OS keyring.",
            "memory": "A key is kept in memory for this session only.",
            "none": "No key is stored. Local only still works without one.",
        }
        self.key_status.setText(messages.get(source.where, source.where))
        self.remove_key_button.setEnabled(source.where in ("keyring", "memory"))
        backend = f"Keys are stored in: {keys.backend_name}"
        if keys.warning:
            backend += f"\n{keys.warning}"
        self.key_backend.setText(backend)

    def edited_settings(self) -> Settings:
        """The settings as edited; raises ValidationError on a bad value."""
        return Settings.model_validate(
            {
                **self.services.stored_settings.model_dump(),
                "local_runtime": self.runtime.currentData(),
                "ollama_host": self.ollama_host.text().strip(),
                "local_base_url": self.local_base_url.text().strip(),
                "local_model": self.local_model.text().strip(),
                "embedded_model_path": self.embedded_path.text().strip(),
                "remote_base_url": self.remote_base_url.text().strip(),
                "remote_model": self.remote_model.text().strip(),
                "protocol": self.protocol.currentData(),
                "minion_rounds": self.minion_rounds.value(),
                "minions_rounds": self.minions_rounds.value(),
                "chunk_chars": self.chunk_chars.value(),
                "parallelism": self.parallelism.value(),
                "cloud_token_budget": self.budget.value(),
                "local_only": self.local_only.isChecked(),
                "redact": self.redact.isChecked(),
                "confirm_before_send": self.confirm.isChecked(),
                "share_file_names": self.share_names.isChecked(),
                "supervisor_on_this_computer": self.supervisor_here.isChecked(),
                "max_file_mb": self.max_mb.value(),
            }
        )

    @asyncSlot()
    async def save(self) -> None:
        self.save_button.setEnabled(False)
        try:
            try:
                settings = self.edited_settings()
            except ValidationError as exc:
                self.error.setText(f"Not saved: {exc.errors()[0]['msg']}")
                return
            key = self.api_key.text().strip()
            if key:
                # The keyring talks D-Bus (or a Keychain); keep the window responsive.
                where = await asyncio.to_thread(self.services.keys.save, key)
                self.api_key.clear()
                self.key_backend.setText(f"Key stored in: {where}")
            await self.services.update_settings(settings)
            self.ui_state.enter_sends = self.enter_sends.isChecked()
            self.accept()
        finally:
            self.save_button.setEnabled(True)

    @asyncSlot()
    async def remove_key(self) -> None:
        self.remove_key_button.setEnabled(False)
        try:
            await asyncio.to_thread(self.services.keys.remove)
            await self.services.reset_remote()
        finally:
            await self._refresh_key_status()
