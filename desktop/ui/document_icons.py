"""What a document chip shows for its kind: an icon and a badge colour.

Kinds are the loader's ("xlsx", "image", "eml", ...) and, while a file is still being read,
its extension ("jpg", "ods", "mbox"); both map to one of a few families, each with a white
line icon in ``resources/icons/kind-<family>.svg``.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QIcon, QPainter

from desktop.resources import resources_dir

_FAMILIES = {
    "pdf": ("pdf",),
    "document": ("docx", "doc", "odt", "rtf"),
    "sheet": ("xlsx", "xlsm", "xls", "ods", "csv", "tsv"),
    "slides": ("pptx", "ppt", "odp"),
    "book": ("epub",),
    "mail": ("eml", "mbox"),
    "image": ("image", "png", "jpg", "jpeg", "tif", "tiff"),
    "text": ("text", "txt", "log", "markdown", "md"),
    "web": ("html", "htm", "xhtml"),
    "code": ("code", "py", "js", "ts", "json", "yaml", "yml", "toml", "sql", "sh"),
}
_FAMILY_OF = {kind: family for family, kinds in _FAMILIES.items() for kind in kinds}
_COLORS = {
    "pdf": "#e5484d",
    "document": "#3e63dd",
    "sheet": "#30a46c",
    "slides": "#f76b15",
    "book": "#8e4ec6",
    "mail": "#0d74ce",
    "image": "#d6409f",
    "text": "#6f6e77",
    "web": "#e54d2e",
    "code": "#0091ff",
}
FALLBACK_COLOR = "#6f6e77"


def kind_family(kind: str) -> str:
    """ "sheet" for "xlsx", "ods" or "csv"; "" for a kind without an icon."""
    return _FAMILY_OF.get(kind.lower(), "")


def kind_color(kind: str) -> QColor:
    return QColor(_COLORS.get(kind_family(kind), FALLBACK_COLOR))


@cache
def kind_icon(kind: str) -> QIcon:
    """The kind's line icon, or a null QIcon when it has none."""
    family = kind_family(kind)
    path = resources_dir() / "icons" / f"kind-{family}.svg"
    return QIcon(str(path)) if family and path.is_file() else QIcon()


def paint_kind_icon(painter: QPainter, badge: QRectF, kind: str) -> bool:
    """Draw the kind's icon centred in ``badge``; False when there is none to draw."""
    icon = kind_icon(kind)
    if icon.isNull():
        return False
    side = min(badge.width(), badge.height()) * 0.62
    target = QRectF(0, 0, side, side)
    target.moveCenter(badge.center())
    icon.paint(painter, target.toRect())
    return True
