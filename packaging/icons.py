"""The app icon in every size a desktop asks for, drawn from resources/icons/minions.svg.

    python packaging/icons.py hicolor DIR   DIR/<N>x<N>/apps/minions-desktop.png + scalable SVG
    python packaging/icons.py ico FILE      a Windows .ico (16 to 256, PNG-compressed)
    python packaging/icons.py iconset DIR   a macOS .iconset folder, for `iconutil -c icns`

Qt's SVG renderer draws each size from the vector file, so small sizes are not blurred
down-scales; it runs offscreen, with no display.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "minions.svg"
ICON_NAME = "minions-desktop"  # the Icon= of the desktop entry
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# iconutil's file names: icon_<points>x<points>[@2x].png
ICONSET = {
    "icon_16x16.png": 16,
    "icon_16x16@2x.png": 32,
    "icon_32x32.png": 32,
    "icon_32x32@2x.png": 64,
    "icon_128x128.png": 128,
    "icon_128x128@2x.png": 256,
    "icon_256x256.png": 256,
    "icon_256x256@2x.png": 512,
    "icon_512x512.png": 512,
    "icon_512x512@2x.png": 1024,
}


def render_png(size: int, svg: Path = SVG) -> bytes:
    """The icon drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    # Painting needs an application; a widgets one, so tests sharing the process can use it.
    _app = QApplication.instance() or QApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def write_hicolor(folder: Path) -> list[Path]:
    written = []
    for size in HICOLOR_SIZES:
        path = folder / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_png(size))
        written.append(path)
    scalable = folder / "scalable" / "apps" / f"{ICON_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable)
    return [*written, scalable]


def ico_bytes(sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    """An ICO file whose images are PNGs (read by Windows Vista and later)."""
    images = [render_png(size) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, png in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return header + entries + b"".join(images)


def write_iconset(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size in ICONSET.items():
        path = folder / name
        path.write_bytes(render_png(size))
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("hicolor", "ico", "iconset"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, target = argv[0], Path(argv[1])
    if kind == "hicolor":
        print(f"{len(write_hicolor(target))} icons in {target}")
    elif kind == "ico":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(ico_bytes())
        print(f"wrote {target}")
    else:
        print(f"{len(write_iconset(target))} images in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
