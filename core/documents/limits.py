"""What the app refuses to read, in one place: each limit keeps a hostile or absurd file from
taking minutes or gigabytes. Real documents stay far below every one of them.

Module constants, read at call time, so a test can lower one with ``monkeypatch.setattr``.
"""

from __future__ import annotations

# Archives (DOCX, XLSX, PPTX, OpenDocument, EPUB): checked in the ZIP directory before a
# single byte is inflated, then enforced while inflating.
ZIP_MAX_MEMBERS = 20_000
ZIP_MAX_MEMBER_BYTES = 128 * 1024 * 1024  # one member, once inflated
ZIP_MAX_TOTAL_BYTES = 512 * 1024 * 1024  # all members together, once inflated
# Deflate tops out near 1030:1; XML and text stay under about 100:1 even when repetitive.
ZIP_MAX_RATIO = 200
ZIP_RATIO_FROM_BYTES = 8 * 1024 * 1024  # small members may compress as well as they like

# Spreadsheets: cells with a value, and cells or rows looked at (empty ones included).
SHEET_MAX_CELLS = 2_000_000
SHEET_MAX_SCANNED = 20_000_000
SHEET_MAX_COLUMNS = 16_384  # the widest a sheet can be in Excel and LibreOffice
SHEET_TABLE_COLUMNS = 52  # wider than this, rows list their cells by name ("AZ7: 12")

# Images read by OCR: pixels of one page, and pages of a multi-page TIFF.
IMAGE_MAX_PIXELS = 60_000_000
IMAGE_MAX_FRAMES = 500

# RTF is parsed by a pure-Python tokenizer: beyond this it would take minutes.
RTF_MAX_BYTES = 64 * 1024 * 1024

# Mail: messages in one mailbox, and files inside files (an attachment's attachment).
MAIL_MAX_MESSAGES = 50_000
MAX_NESTING = 3
