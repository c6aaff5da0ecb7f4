"""The privacy audit window: every request that left, what it carried, and the chain's state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.privacy.audit import AuditStore, ChainState, EgressRecord
from core.privacy.export import export_text
from core.privacy.leaks import DocumentLeak, document_leaks
from desktop.ui.answer_card import format_cost
from desktop.ui.audit_model import EgressRow, EgressTableModel, pair_records
from desktop.ui.payload_view import USER_COLOUR, PayloadView, document_colour

ALL = "All"


class LeakMeter(QWidget):
    """One document: a bar, the share of its text that ever left, and the pages quoted."""

    def __init__(self, leak: DocumentLeak, colour: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        name = QLabel(
            f"<span style='background:{colour};color:#111'>&nbsp;&nbsp;</span> {leak.name}"
        )
        name.setMinimumWidth(180)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(round(leak.share * 1000))
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(f"Share of {leak.name} sent")
        pages = ", ".join(map(str, leak.pages[:12])) + ("…" if len(leak.pages) > 12 else "")
        detail = f"{leak.share:.1%}" + (f" · pages {pages}" if pages else " · never quoted")
        self.label = QLabel(detail)
        layout.addWidget(name)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.label)


class AuditWindow(QWidget):
    def __init__(
        self,
        audit: AuditStore,
        titles: Callable[[], dict[str, str]] = dict,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Privacy audit — everything that left this computer")
        self.resize(1180, 760)
        self.audit = audit
        self._titles = titles
        self._records: list[EgressRecord] = []
        self._focus: set[int] | None = None  # request ids of one answer, when opened from it
        self.model = EgressTableModel()
        self._build()
        self.refresh()

    # --- layout ---

    def _build(self) -> None:
        self.chain_label = QLabel()
        self.chain_label.setAccessibleName("Audit chain state")
        self.totals_label = QLabel()
        self.totals_label.setWordWrap(True)
        self.empty_label = QLabel(
            "<h2>Nothing has ever left this computer.</h2>"
            "<p>When a question uses the cloud, every request it sends is listed here, "
            "exactly as sent, before it is sent.</p>"
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        self.conversation_box = QComboBox()
        self.conversation_box.setAccessibleName("Filter by conversation")
        self.endpoint_box = QComboBox()
        self.endpoint_box.setAccessibleName("Filter by endpoint")
        for box in (self.conversation_box, self.endpoint_box):
            box.currentIndexChanged.connect(self._apply_filters)
        self.focus_label = QLabel()
        self.show_all = QPushButton("Show all")
        self.show_all.clicked.connect(lambda: self.focus_records(None))
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        export_json = QPushButton("Export JSON…")
        export_json.clicked.connect(lambda: self.export_dialog("json"))
        export_csv = QPushButton("Export CSV…")
        export_csv.clicked.connect(lambda: self.export_dialog("csv"))
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Conversation"))
        filters.addWidget(self.conversation_box, 1)
        filters.addWidget(QLabel("Endpoint"))
        filters.addWidget(self.endpoint_box, 1)
        filters.addWidget(self.focus_label)
        filters.addWidget(self.show_all)
        filters.addStretch()
        for button in (refresh, export_json, export_csv):
            filters.addWidget(button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Requests sent off this computer")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.detail_label = QLabel("Select a request to see exactly what it carried.")
        self.detail_label.setWordWrap(True)
        self.payload = PayloadView()
        legend = QLabel(
            f"<span style='background:{USER_COLOUR};color:#111'>&nbsp;your words&nbsp;</span> "
            "<span style='background:#ffd166;color:#111'>&nbsp;document text (colour per "
            "document, hover for page)&nbsp;</span> plain: written by the models or the app"
        )
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_label)
        detail_layout.addWidget(legend)
        detail_layout.addWidget(self.payload, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setSizes([300, 380])

        self.leaks_box = QVBoxLayout()
        leaks_title = QLabel("<b>How much of each document has ever left</b>")

        layout = QVBoxLayout(self)
        layout.addWidget(self.chain_label)
        layout.addWidget(self.totals_label)
        layout.addLayout(filters)
        layout.addWidget(self.empty_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(leaks_title)
        layout.addLayout(self.leaks_box)
        self.splitter = splitter

    # --- data ---

    def refresh(self) -> None:
        self._records = self.audit.records()
        self._show_chain(self.audit.verify())
        self._fill_filters()
        self._apply_filters()
        self._show_leaks()

    def focus_records(self, record_ids: list[int] | None) -> None:
        """Show only these records (an answer's own), or everything again with None."""
        self._focus = set(record_ids) if record_ids else None
        self._apply_filters()

    def rows(self) -> list[EgressRow]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def export(self, fmt: str, path: Path) -> Path:
        path.write_text(export_text(self._records, fmt), "utf-8")
        return path

    def export_dialog(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the audit log", f"minions-audit.{fmt}", f"{fmt.upper()} (*.{fmt})"
        )
        if name:
            self.export(fmt, Path(name))

    def _show_chain(self, state: ChainState) -> None:
        if state.ok:
            text = f"<b style='color:#1a7f37'>✔ Chain verified</b> — {state.records} records, none missing or changed"
        else:
            text = (
                f"<b style='color:#cf222e'>✘ Chain broken at record {state.broken_at}</b> — "
                f"{state.reason}. The log was edited outside the app."
            )
        self.chain_label.setText(text)

    def _fill_filters(self) -> None:
        titles = self._titles()
        conversations = sorted({r.conversation_id for r in self._records})
        endpoints = sorted({r.endpoint for r in self._records})
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
        conversation = self.conversation_box.currentData()
        endpoint = self.endpoint_box.currentData()
        rows = [
            row
            for row in pair_records(self._records)
            if (conversation is None or row.request.conversation_id == conversation)
            and (endpoint is None or row.request.endpoint == endpoint)
            and (self._focus is None or row.request.id in self._focus)
        ]
        self.model.set_rows(rows, self._titles())
        self.focus_label.setText("Showing one answer's requests" if self._focus else "")
        self.show_all.setVisible(self._focus is not None)
        nothing = not self._records
        self.empty_label.setVisible(nothing)
        self.splitter.setVisible(not nothing)
        self._show_totals(rows)
        self.payload.show_record(None)

    def _show_totals(self, rows: list[EgressRow]) -> None:
        every = pair_records(self._records)
        sent = sum(r.request.byte_count for r in every)
        tokens = sum(r.prompt_tokens + r.completion_tokens for r in every)
        cost = sum(r.cost for r in every)
        shown = sum(r.request.byte_count for r in rows)
        self.totals_label.setText(
            f"Overall: {len(every)} requests, {sent:,} bytes, {tokens:,} tokens, {format_cost(cost)} "
            f"left this computer. Shown: {len(rows)} requests, {shown:,} bytes."
        )

    def _show_leaks(self) -> None:
        while self.leaks_box.count():
            item = self.leaks_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        leaks = document_leaks(r for r in self._records if r.kind == "request")
        ids = [leak.document_id for leak in leaks]
        if not leaks:
            self.leaks_box.addWidget(QLabel("No document text has ever left this computer."))
        for leak in leaks[:12]:
            self.leaks_box.addWidget(LeakMeter(leak, document_colour(ids, leak.document_id)))

    def leak_meters(self) -> list[LeakMeter]:
        return [
            w
            for i in range(self.leaks_box.count())
            if isinstance(w := self.leaks_box.itemAt(i).widget(), LeakMeter)
        ]

    def _selected(self, selected: QItemSelection, _: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        row = self.model.row_at(indexes[0].row())
        request = row.request
        self.detail_label.setText(
            f"Record {request.id} · {request.created_at[:19].replace('T', ' ')} · "
            f"{request.endpoint} · {request.byte_count:,} bytes · reply {row.outcome} · "
            f"{row.prompt_tokens:,} + {row.completion_tokens:,} tokens"
        )
        self.payload.show_record(request)
