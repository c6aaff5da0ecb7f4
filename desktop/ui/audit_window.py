"""The privacy audit window: every request that left, what it carried, and the chain's state.

Reading, verifying and filtering run on the audit thread (see ``audit_loader``); the
table holds light rows only, and a body is read when its row is selected. The window
fits from 800x600 up and remembers its size and place.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.privacy.audit import AuditStore, ChainState, EgressRecord
from core.privacy.audit_reads import RequestSummary
from core.privacy.export import destination, export_text
from core.storage.paths import minions_home
from core.storage.settings import load_settings
from desktop.ui.audit_leaks import LeakMeter, LeaksPane
from desktop.ui.audit_loader import AuditSnapshot, Background, load, totals_text, verify
from desktop.ui.audit_model import EgressTableModel, outcome
from desktop.ui.audit_rows import Shown, filter_rows
from desktop.ui.payload_view import PayloadView

ALL = "All"
GEOMETRY_KEY = "geometry/audit"  # in ui-state.ini, beside the main window's
# Typical cell texts: columns sized from these, never from 20,000 rows' contents.
COLUMN_SAMPLES: tuple[str, ...] = ("2025-01-01 00:00:00", "", "api.openai.com", "gpt-4o-mini")
COLUMN_SAMPLES += ("99,999", "9,999", "$0.0000", "200")


def _current_settings() -> Any:
    return load_settings()[0].with_environment()


class AuditWindow(QWidget):
    def __init__(
        self,
        audit: AuditStore,
        titles: Callable[[], dict[str, str]] = dict,
        parent: QWidget | None = None,
        *,
        settings: Callable[[], Any] = _current_settings,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Privacy audit — everything that left this computer")
        self.audit = audit
        self._titles = titles
        self._settings = settings
        self._snapshot: AuditSnapshot | None = None
        self._focus: frozenset[int] | None = None  # request ids of one answer, when opened so
        self._loads = self._filters = self._selections = 0  # later jobs supersede earlier ones
        self._steps = 0  # parts of a load still to show
        self.model = EgressTableModel()
        self.jobs = Background(self)
        self._build()
        self._restore_geometry()
        self.refresh()

    # --- layout ---

    def _build(self) -> None:
        self.chain_label = _wrapping("Checking the audit chain…")
        self.chain_label.setAccessibleName("Audit chain state")
        self.notes_label = _wrapping("")
        self.notes_label.setStyleSheet("color: palette(placeholder-text); font-size: small;")
        self.unaudited_label = _wrapping("")
        self.totals_label = _wrapping("Reading the audit…")
        self.empty_label = _wrapping(
            "<h2>Nothing has ever left this computer.</h2>"
            "<p>When a question uses the cloud, every request it sends is listed here, "
            "exactly as sent, before it is sent.</p>"
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        self.conversation_box = _filter_box("Filter by conversation")
        self.endpoint_box = _filter_box("Filter by endpoint")
        filters = QHBoxLayout()
        for caption, box in (
            ("Conversation", self.conversation_box),
            ("Endpoint", self.endpoint_box),
        ):
            box.currentIndexChanged.connect(self._apply_filters)
            filters.addWidget(QLabel(caption))
            filters.addWidget(box, 1)
        self.focus_label = QLabel()
        self.show_all = QPushButton("Show all")
        self.show_all.clicked.connect(lambda: self.focus_records(None))
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_json = QPushButton("Export JSON…")
        self.export_json.clicked.connect(lambda: self.export_dialog("json"))
        self.export_csv = QPushButton("Export CSV…")
        self.export_csv.clicked.connect(lambda: self.export_dialog("csv"))
        filters.addSpacing(8)
        for button in (self.refresh_button, self.export_json, self.export_csv):
            filters.addWidget(button)
        totals = QHBoxLayout()
        totals.addWidget(self.totals_label, 1)
        totals.addWidget(self.focus_label)
        totals.addWidget(self.show_all)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Requests sent off this computer")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line per request; long titles are elided
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        width = self.fontMetrics().horizontalAdvance
        for column, sample in enumerate(COLUMN_SAMPLES):
            header.resizeSection(column, width(sample) + 16)
        header.setSectionResizeMode(self.model.CONVERSATION, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.detail_label = _wrapping("Select a request to see exactly what it carried.")
        self.payload = PayloadView()
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(self.payload, 1)

        self.leaks = LeaksPane()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        for pane, stretch in ((self.table, 4), (detail, 5), (self.leaks, 2)):
            self.splitter.addWidget(pane)
            self.splitter.setStretchFactor(self.splitter.indexOf(pane), stretch)
        self.table.setMinimumHeight(90)
        detail.setMinimumHeight(140)
        self.leaks.setMinimumHeight(64)

        layout = QVBoxLayout(self)
        for widget in (self.chain_label, self.notes_label, self.unaudited_label):
            layout.addWidget(widget)
        layout.addLayout(totals)
        layout.addLayout(filters)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.splitter, 1)
        self.show_all.hide()
        self.notes_label.hide()
        self.unaudited_label.hide()

    # --- size and place ---

    def _ui_state(self) -> QSettings:
        return QSettings(str(minions_home() / "ui-state.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        saved = self._ui_state().value(GEOMETRY_KEY)
        if isinstance(saved, QByteArray) and self.restoreGeometry(saved):
            return
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen else None
        self.resize(
            min(1180, room.width()) if room else 1180, min(760, room.height()) if room else 760
        )

    def _save_geometry(self) -> None:
        state = self._ui_state()
        state.setValue(GEOMETRY_KEY, self.saveGeometry())
        state.sync()

    def hideEvent(self, event: QHideEvent) -> None:
        self._save_geometry()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_geometry()
        super().closeEvent(event)

    # --- data ---

    def refresh(self) -> None:
        """Read and verify the audit again, on the audit thread."""
        self._loads += 1
        load_id = self._loads
        self.chain_label.setText("Checking the audit chain…")
        self._filters += 1
        wanted = (self.conversation_box.currentData(), self.endpoint_box.currentData(), self._focus)
        self.jobs.run(
            lambda: load(self.audit, self._settings, *wanted),
            lambda snapshot: self._loaded(load_id, snapshot, wanted),
            self._failed,
        )

    def is_ready(self) -> bool:
        """Loaded, verified and filtered: nothing pending on the audit thread."""
        return self.jobs.pending == 0 and self._steps == 0 and self._snapshot is not None

    def focus_records(self, record_ids: list[int] | None) -> None:
        """Show only these records (an answer's own), or everything again with None."""
        self._focus = frozenset(record_ids) if record_ids else None
        self._apply_filters()

    def rows(self) -> list[RequestSummary]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def export(self, fmt: str, path: Path) -> Path:
        """Write what left (see ``core.privacy.export``); safe to call from the audit thread."""
        path.write_text(export_text(self.audit.records(), fmt), "utf-8")
        return path

    def export_dialog(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the audit log", f"minions-audit.{fmt}", f"{fmt.upper()} (*.{fmt})"
        )
        if name:
            self.totals_label.setText(f"Exporting to {name}…")
            self.jobs.run(
                lambda: self.export(fmt, Path(name)),
                lambda path: self.totals_label.setText(f"Exported the audit to {path}."),
                lambda exc: self.totals_label.setText(f"Could not export to {name}: {exc}"),
            )

    def _failed(self, exc: BaseException) -> None:
        self.chain_label.setText(f"<b style='color:#cf222e'>Could not read the audit:</b> {exc}")

    def _loaded(self, load_id: int, snapshot: AuditSnapshot, wanted: tuple[Any, ...]) -> None:
        if load_id != self._loads:
            return
        self._snapshot = snapshot
        self.unaudited_label.setText(html.escape(snapshot.unaudited))
        self.unaudited_label.setVisible(bool(snapshot.unaudited))
        now = (self.conversation_box.currentData(), self.endpoint_box.currentData(), self._focus)
        if now == wanted:
            self._filtered(self._filters, snapshot.shown)
        else:  # the filters changed while it loaded
            self._apply_filters()
        # The rest in later turns of the loop, so that no one turn keeps the window busy.
        self._steps += 1
        QTimer.singleShot(0, lambda: self._finish_load(load_id, snapshot))

    def _finish_load(self, load_id: int, snapshot: AuditSnapshot) -> None:
        self._steps -= 1
        if load_id != self._loads:
            return
        self._fill_filters(snapshot)
        self.leaks.show_leaks(snapshot.leaks)
        # Verified after the table is shown: the two would compete for the GIL.
        self.jobs.run(
            lambda: verify(self.audit), lambda s: self._verified(load_id, s), self._failed
        )

    def _verified(self, load_id: int, state: ChainState) -> None:
        if load_id != self._loads:
            return
        if state.ok:
            where = " Anchored in the OS keyring." if state.mode == "keyring" else ""
            text = (
                f"<b style='color:#1a7f37'>✔ Chain verified</b> — {state.records} records, "
                f"none missing or changed.{where}"
            )
        else:
            lines = "<br>".join(f"✘ {html.escape(p)}" for p in state.problems)
            text = "<b style='color:#cf222e'>The audit was changed outside the app.</b><br>" + lines
        self.chain_label.setText(text)
        self.notes_label.setText("<br>".join(html.escape(n) for n in state.notes))
        self.notes_label.setVisible(bool(state.notes))

    def _fill_filters(self, snapshot: AuditSnapshot) -> None:
        titles = self._titles()
        conversations = sorted({r.conversation_id for r in snapshot.rows})
        endpoints = sorted({r.endpoint for r in snapshot.rows})
        for box, values, label in (
            (self.conversation_box, conversations, lambda c: titles.get(c, c or "(command line)")),
            (self.endpoint_box, endpoints, str),
        ):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(ALL, None)
            for value in values:
                box.addItem(label(value), value)
            box.setCurrentIndex(max(0, box.findData(current)))
            box.blockSignals(False)

    def _apply_filters(self) -> None:
        if self._snapshot is None:
            return  # the load ends by filtering
        self._filters += 1
        filter_id, rows = self._filters, self._snapshot.rows
        conversation = self.conversation_box.currentData()
        endpoint = self.endpoint_box.currentData()
        focus = self._focus
        self.jobs.run(
            lambda: filter_rows(rows, conversation, endpoint, focus),
            lambda shown: self._filtered(filter_id, shown),
            self._failed,
        )

    def _filtered(self, filter_id: int, shown: Shown) -> None:
        if filter_id != self._filters or self._snapshot is None:
            return
        self.model.set_rows(shown.rows, self._titles())
        self.totals_label.setText(totals_text(shown))
        self.focus_label.setText("Showing one answer's requests" if self._focus else "")
        self.show_all.setVisible(self._focus is not None)
        nothing = not self._snapshot.rows
        self.empty_label.setVisible(nothing)
        self.splitter.setVisible(not nothing)
        self.detail_label.setText("Select a request to see exactly what it carried.")
        self.payload.show_record(None)

    def leak_meters(self) -> list[LeakMeter]:
        return self.leaks.meters()

    def _selected(self, selected: QItemSelection, _: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        row = self.model.row_at(indexes[0].row())
        self._selections += 1
        selection_id = self._selections
        self.detail_label.setText(f"Reading record {row.id}…")
        self.jobs.run(
            lambda: self.audit.get(row.id),
            lambda record: self._show_request(selection_id, record, row),
            self._failed,
        )

    def _show_request(
        self, selection_id: int, record: EgressRecord | None, row: RequestSummary
    ) -> None:
        if selection_id != self._selections or record is None:
            return
        where = destination(record.endpoint, record.meta).describe()
        seat = (record.meta.get("destination") or {}).get("seat")
        self.detail_label.setText(
            f"Record {record.id} · {record.created_at[:19].replace('T', ' ')} · sent to "
            f"{html.escape(where)}{f' ({seat} seat)' if seat else ''} · "
            f"{record.byte_count:,} bytes · reply {outcome(row)} · "
            f"{row.prompt_tokens:,} + {row.completion_tokens:,} tokens"
        )
        self.detail_label.setToolTip(record.endpoint)
        self.payload.show_record(record)


def _wrapping(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)  # escaped where it holds the user's text
    label.setWordWrap(True)
    return label


def _filter_box(name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    # Long titles and URLs must not widen the window: the list pops up wide enough.
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box
