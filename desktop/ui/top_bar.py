"""The bar above the chat: protocol picker and the local and cloud model pickers."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from core.clients.base import ClientError
from core.services import Services
from desktop.ui.flow_layout import FlowLayout

PROTOCOL_CHOICES = [
    ("auto", "Auto", "A quick local call picks the protocol and the local model; nothing leaves"),
    ("local", "Local only", "Only the local model answers; nothing leaves this computer"),
    ("minion", "Minion", "The cloud model asks the local model questions about the documents"),
    ("minions", "MinionS", "The cloud model plans many small local jobs over the document chunks"),
    ("cloud", "Cloud only", "The documents are sent to the cloud model (asks first)"),
]


def _group(*widgets: QWidget) -> QWidget:
    """Widgets kept together on one line when the bar wraps."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget)
    return holder


class TopBar(QWidget):
    """Emits ``localModelChosen``/``cloudModelChosen`` when the user picks a model.

    The pickers wrap onto a second line in a narrow window; the buttons stay at the right.
    """

    settingsRequested = Signal()
    auditRequested = Signal()
    localModelChosen = Signal(str)
    cloudModelChosen = Signal(str)
    protocolChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        layout = FlowLayout(self, spacing=10)
        layout.setContentsMargins(16, 10, 16, 10)
        self.protocol = QComboBox()
        self.protocol.setAccessibleName("Protocol")
        for value, name, tip in PROTOCOL_CHOICES:
            self.protocol.addItem(name, value)
            self.protocol.setItemData(self.protocol.count() - 1, tip, 3)  # Qt.ToolTipRole
        self.protocol.setToolTip("How the local and cloud models share the work")
        self.protocol.activated.connect(
            lambda _i: self.protocolChosen.emit(self.current_protocol())
        )
        self.local_model = QComboBox()
        self.local_model.setAccessibleName("Local model")
        self.local_model.setToolTip("The model on this computer that reads your documents")
        self.local_model.setMinimumContentsLength(16)
        # A fixed width: a long model name must not widen the window (the list shows it whole).
        self.local_model.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.local_model.activated.connect(self._local_picked)
        self.cloud_model = QComboBox()
        self.cloud_model.setEditable(True)
        self.cloud_model.setAccessibleName("Cloud model")
        self.cloud_model.setToolTip("The cloud model that plans; it never sees your files")
        self.cloud_model.setMinimumContentsLength(14)
        self.cloud_model.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        name_edit = self.cloud_model.lineEdit()
        assert name_edit is not None  # the combo box is editable
        name_edit.setAccessibleName("Cloud model name")
        name_edit.editingFinished.connect(self._cloud_picked)
        self.cloud_model.activated.connect(lambda _i: self._cloud_picked())
        self.settings_button = QPushButton("Settings")
        self.settings_button.setAccessibleName("Open settings")
        self.settings_button.setToolTip("Settings (Ctrl+,)")
        self.settings_button.clicked.connect(self.settingsRequested)
        self.audit_button = QPushButton("Privacy audit")
        self.audit_button.setAccessibleName("Open the privacy audit")
        self.audit_button.setToolTip("Everything that ever left this computer (Ctrl+Shift+A)")
        self.audit_button.clicked.connect(self.auditRequested)
        for caption, widget in (
            ("Protocol", self.protocol),
            ("Local", self.local_model),
            ("Cloud", self.cloud_model),
        ):
            label = QLabel(caption)
            label.setObjectName("Muted")
            label.setBuddy(widget)
            layout.add(_group(label, widget))
        layout.add(_group(self.audit_button, self.settings_button))

    def current_protocol(self) -> str:
        return str(self.protocol.currentData())

    def set_protocol(self, protocol: str) -> None:
        at = self.protocol.findData(protocol)
        self.protocol.setCurrentIndex(at if at >= 0 else self.protocol.findData("minions"))

    def set_cloud_enabled(self, enabled: bool) -> None:
        self.cloud_model.setEnabled(enabled)
        self.cloud_model.setToolTip(
            "The cloud model that plans; it never sees your files"
            if enabled
            else "Local-only mode is on: nothing is sent to the cloud"
        )

    async def refresh(self, services: Services) -> ClientError | None:
        """Fill the pickers from the local runtime and the settings; returns the local error."""
        s = services.settings
        self.set_protocol(s.protocol)
        self.set_cloud_enabled(not s.local_only)
        self.cloud_model.blockSignals(True)
        self.cloud_model.clear()
        self.cloud_model.addItem(s.remote_model)
        self.cloud_model.blockSignals(False)
        self.local_model.clear()
        self.local_model.addItem("Checking…")
        self.local_model.setEnabled(False)
        try:
            choice = await services.local_client()
            models = [m.name for m in await choice.client.list_models()]
            current = choice.client.model
        except ClientError as exc:
            self.local_model.clear()
            self.local_model.addItem("not available")
            self.local_model.setToolTip(str(exc))
            return exc
        self.local_model.clear()
        for name in models or [current]:
            self.local_model.addItem(name, name)
        at = self.local_model.findData(current)
        self.local_model.setCurrentIndex(max(at, 0))
        self.local_model.setEnabled(True)
        self.local_model.setToolTip("The model on this computer that reads your documents")
        return None

    def _local_picked(self, _index: int) -> None:
        if name := self.local_model.currentData():
            self.localModelChosen.emit(str(name))

    def _cloud_picked(self) -> None:
        if name := self.cloud_model.currentText().strip():
            self.cloudModelChosen.emit(name)
