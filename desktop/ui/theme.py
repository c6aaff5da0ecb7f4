"""The app's look: Fusion, the system's light or dark palette, and a stylesheet made from it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.resources import resources_dir

ACCENT = QColor("#5b5bd6")  # indigo; used when the platform gives no accent of its own


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colors = {
        role.Window: "#1e1f24",
        role.WindowText: "#e6e6ea",
        role.Base: "#16171b",
        role.AlternateBase: "#24252b",
        role.Text: "#e6e6ea",
        role.Button: "#2a2b31",
        role.ButtonText: "#e6e6ea",
        role.ToolTipBase: "#2a2b31",
        role.ToolTipText: "#e6e6ea",
        role.PlaceholderText: "#8b8d98",
        role.Highlight: ACCENT.name(),
        role.HighlightedText: "#ffffff",
        role.Link: "#9e9eff",
        role.Mid: "#3a3b42",
    }
    for r, c in colors.items():
        p.setColor(r, QColor(c))
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(group.Disabled, r, QColor("#6c6e78"))
    return p


def _light_palette() -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    colors = {
        role.Window: "#f6f6f8",
        role.WindowText: "#1c1d21",
        role.Base: "#ffffff",
        role.AlternateBase: "#f0f0f3",
        role.Text: "#1c1d21",
        role.Button: "#ffffff",
        role.ButtonText: "#1c1d21",
        role.PlaceholderText: "#8b8d98",
        role.Highlight: ACCENT.name(),
        role.HighlightedText: "#ffffff",
        role.Link: ACCENT.name(),
        role.Mid: "#d9d9e0",
    }
    for r, c in colors.items():
        p.setColor(r, QColor(c))
    return p


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Follow the system's light or dark scheme now and whenever it changes (``dark``:
    this scheme instead, as for screenshots)."""
    app.setStyle("Fusion")
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    if dark is not None:
        _apply(app, dark)
        return
    _apply(app, system_prefers_dark())
    app.styleHints().colorSchemeChanged.connect(lambda _s: _apply(app, system_prefers_dark()))


def _apply(app: QApplication, dark: bool) -> None:
    palette = _dark_palette() if dark else _light_palette()
    app.setPalette(palette)
    app.setStyleSheet(stylesheet(palette))


def stylesheet(p: QPalette) -> str:
    dark = is_dark(p)
    role = QPalette.ColorRole
    text = p.color(role.Text).name()
    base = p.color(role.Base).name()
    window = p.color(role.Window).name()
    accent = p.color(role.Highlight).name()
    muted = "#9a9ca8" if dark else "#6b6e7b"
    border = "#34353d" if dark else "#e2e2e8"
    card = "#24252b" if dark else "#ffffff"
    user_bubble = "#34346b" if dark else "#ecebff"
    sidebar = "#18191d" if dark else "#efeff3"
    badge = "#2e2f36" if dark else "#f1f1f5"
    icons = resources_dir() / "icons"
    chevron, chevron_up = (
        (icons / "chevron-down.svg").as_posix(),
        (icons / "chevron-up.svg").as_posix(),
    )
    check = (icons / "check.svg").as_posix()
    # The keyboard focus must show on every control, the accent-coloured ones included.
    ring = "#9e9eff" if dark else accent
    ring_on_accent = "#ffffff" if dark else "#1c1d21"
    box_edge = "#8b8d98"  # a checkbox's square, readable on light and dark alike
    return f"""
QWidget {{ color: {text}; }}
QMainWindow, QDialog {{ background: {window}; }}
#Sidebar {{ background: {sidebar}; border-right: 1px solid {border}; }}
#SidebarTitle {{ font-size: 13pt; font-weight: 600; padding: 4px 2px; }}
#ConversationList {{ background: transparent; border: none; outline: none; }}
#ConversationList::item {{ padding: 0 8px; height: 34px; border: 2px solid transparent; border-radius: 8px; margin: 1px 0; }}
#ConversationList::item:selected {{ background: {accent}; color: white; }}
#ConversationList::item:hover:!selected {{ background: {border}; }}
#ConversationList::item:focus {{ border-color: {ring}; }}
#ConversationList::item:selected:focus {{ border-color: {ring_on_accent}; }}
#ConversationList QLineEdit {{ background: {base}; color: {text}; border: 1px solid {accent}; border-radius: 6px; padding: 0 6px; margin: 0; selection-background-color: {accent}; selection-color: white; }}
#TopBar {{ background: {window}; border-bottom: 1px solid {border}; }}
#ChatScroll, #ChatCanvas {{ background: {window}; border: none; }}
#UserBubble {{ background: {user_bubble}; border-radius: 14px; }}
#AnswerCard {{ background: {card}; border: 1px solid {border}; border-radius: 14px; }}
#ErrorCard {{ background: {"#3a1f22" if dark else "#fff1f1"}; border: 1px solid {"#6b2a30" if dark else "#f3c2c2"}; border-radius: 14px; }}
#AnswerBody {{ background: transparent; border: none; }}
#Badge {{ background: {badge}; border: 1px solid {border}; border-radius: 9px; padding: 2px 8px; font-size: 9pt; color: {muted}; }}
#SavingBadge {{ background: {"#1d3a2a" if dark else "#e7f6ec"}; border: 1px solid {"#2d6a45" if dark else "#b7e2c4"}; border-radius: 9px; padding: 2px 8px; font-size: 9pt; color: {"#7fdca0" if dark else "#1b7a3d"}; font-weight: 600; }}
#ProtocolBadge {{ background: {accent}; border-radius: 9px; padding: 2px 8px; font-size: 9pt; color: white; font-weight: 600; }}
#Muted, #RunDetail {{ color: {muted}; }}
#SectionTitle {{ color: {muted}; font-size: 9pt; font-weight: 600; letter-spacing: 1px; }}
#Composer {{ background: {card}; border: 1px solid {border}; border-radius: 14px; }}
#Composer[focused="true"] {{ border: 2px solid {ring}; }}
#ComposerEdit {{ background: transparent; border: none; font-size: 11pt; }}
#RunPanel {{ background: {card}; border: 1px solid {border}; border-radius: 12px; }}
#Tray {{ background: transparent; }}
#ChipList {{ background: transparent; border: none; outline: none; }}
#ChatScroll:focus {{ border: 2px solid {ring}; border-radius: 8px; }}
#WelcomeCard {{ background: {card}; border: 1px dashed {border}; border-radius: 16px; }}
#WelcomeTitle {{ font-size: 18pt; font-weight: 600; }}
#Banner[level="error"] {{ background: {"#3a1f22" if dark else "#fff1f1"}; border: 1px solid {"#6b2a30" if dark else "#f3c2c2"}; border-radius: 10px; }}
#Banner[level="warning"] {{ background: {"#3a3320" if dark else "#fff8e6"}; border: 1px solid {"#6b5a2a" if dark else "#f1dc9f"}; border-radius: 10px; }}
#Banner[level="info"] {{ background: {"#1f2a3a" if dark else "#eef4ff"}; border: 1px solid {"#2a456b" if dark else "#c4d7f5"}; border-radius: 10px; }}
QPushButton {{ background: {card}; border: 1px solid {border}; border-radius: 8px; padding: 6px 14px; }}
QPushButton:hover {{ border-color: {accent}; }}
QPushButton:focus {{ border: 2px solid {ring}; padding: 5px 13px; }}
QPushButton:disabled {{ color: {muted}; }}
QPushButton#Primary {{ background: {accent}; color: white; border: 1px solid {accent}; font-weight: 600; }}
QPushButton#Primary:focus {{ border: 2px solid {ring_on_accent}; }}
QPushButton#Primary:disabled {{ background: {border}; border-color: {border}; color: {muted}; }}
QPushButton#Danger {{ color: {"#ff8a8a" if dark else "#c0392b"}; }}
QComboBox {{ background: {card}; border: 1px solid {border}; border-radius: 8px; padding: 4px 10px; min-height: 22px; }}
QComboBox:focus {{ border: 2px solid {ring}; padding: 3px 9px; }}
QComboBox::drop-down {{ border: none; width: 22px; subcontrol-origin: padding; subcontrol-position: center right; }}
QComboBox::down-arrow {{ image: url("{chevron}"); width: 12px; height: 12px; }}
QComboBox QAbstractItemView {{ background: {card}; border: 1px solid {border}; selection-background-color: {accent}; selection-color: white; outline: none; }}
QLineEdit, QSpinBox, QPlainTextEdit {{ background: {base}; border: 1px solid {border}; border-radius: 8px; padding: 5px 8px; }}
QLineEdit:focus, QSpinBox:focus {{ border-color: {ring}; }}
QSpinBox {{ padding-right: 24px; }}
QSpinBox::up-button, QSpinBox::down-button {{ subcontrol-origin: border; width: 22px; border: none; background: transparent; }}
QSpinBox::up-button {{ subcontrol-position: top right; margin: 3px 3px 0 0; }}
QSpinBox::down-button {{ subcontrol-position: bottom right; margin: 0 3px 3px 0; }}
QSpinBox::up-button:hover, QSpinBox::down-button:hover {{ background: {border}; border-radius: 4px; }}
QSpinBox::up-arrow {{ image: url("{chevron_up}"); width: 10px; height: 10px; }}
QSpinBox::down-arrow {{ image: url("{chevron}"); width: 10px; height: 10px; }}
QSpinBox::up-arrow:disabled, QSpinBox::up-arrow:off, QSpinBox::down-arrow:disabled, QSpinBox::down-arrow:off {{ image: none; }}
QCheckBox {{ spacing: 8px; border: 2px solid transparent; border-radius: 6px; padding: 1px 4px 1px 2px; }}
QCheckBox:focus {{ border-color: {ring}; }}
QCheckBox::indicator {{ width: 16px; height: 16px; border: 1px solid {box_edge}; border-radius: 4px; background: {base}; }}
QCheckBox::indicator:hover {{ border-color: {accent}; }}
QCheckBox::indicator:checked {{ background: {accent}; border-color: {accent}; image: url("{check}"); }}
QCheckBox::indicator:disabled {{ border-color: {border}; background: {window}; }}
QCheckBox::indicator:checked:disabled {{ background: {border}; }}
QProgressBar {{ background: {border}; border: none; border-radius: 3px; max-height: 6px; }}
QProgressBar::chunk {{ background: {accent}; border-radius: 3px; }}
QTabWidget::pane {{ border: 1px solid {border}; border-radius: 8px; background: {card}; top: -1px; }}
QTabBar::tab {{ padding: 6px 14px; border: none; }}
QTabBar::tab:selected {{ color: {accent}; border-bottom: 2px solid {accent}; }}
QScrollBar:vertical {{ background: transparent; width: 10px; }}
QScrollBar::handle:vertical {{ background: {border}; border-radius: 5px; min-height: 30px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; }}
QSplitter::handle {{ background: {border}; }}
"""
