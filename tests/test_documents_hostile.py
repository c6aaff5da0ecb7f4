"""Files made to hurt, and files that are merely broken: each gets one clear line, quickly.

Decompression bombs are real ones (a member that truly inflates to 400 MB); the tests check
that they are refused with little memory, measured with tracemalloc, rather than by a clock.
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from core.documents import DocumentError, limits, load_document_sync
from tests.docfixtures import (
    bomb_zip,
    image_bytes,
    make_docx,
    make_email,
    make_epub,
    make_mbox,
    make_odf,
    make_pptx,
    make_xlsx,
    text_image,
)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BOMB = 400 * 1024 * 1024


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def refused(path: Path, kind: str) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_document_sync(path)
    assert caught.value.kind == kind, caught.value.message
    assert "\n" not in caught.value.message
    return caught.value


# --- decompression bombs ---------------------------------------------------------------------

ODF_MIME = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
    "epub": b"application/epub+zip",
}
BOMBS = {
    "docx": ([("[Content_Types].xml", b"<Types/>")], "word/document.xml"),
    "xlsx": ([("[Content_Types].xml", b"<Types/>")], "xl/worksheets/sheet1.xml"),
    "pptx": ([("[Content_Types].xml", b"<Types/>")], "ppt/slides/slide1.xml"),
    **{kind: ([("mimetype", mime)], "content.xml") for kind, mime in ODF_MIME.items()},
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_decompression_bomb_is_refused_without_inflating_it(tmp_path: Path, kind: str) -> None:
    members, target = BOMBS[kind]
    path = write(tmp_path / f"bomb.{kind}", bomb_zip(members, target, BOMB))
    assert path.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        error = refused(path, "too_large")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.message.startswith(f"bomb.{kind} looks like a decompression bomb")
    assert "400 MB" in error.message
    # Imports of the format's library count too; inflating the bomb would take 400 MB.
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MB allocated"


def test_bomb_that_lies_about_its_size_stops_at_the_size_it_declared(tmp_path: Path) -> None:
    data = bomb_zip(
        [("[Content_Types].xml", b"<Types/>")], "word/document.xml", BOMB, declared=4096
    )
    tracemalloc.start()
    try:
        error = refused(write(tmp_path / "liar.docx", data), "corrupt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "not a valid DOCX" in error.message
    assert peak < 64 * 1024 * 1024


def test_member_that_compresses_too_well_is_refused(tmp_path: Path) -> None:
    data = bomb_zip([("mimetype", ODF_MIME["ods"])], "content.xml", 9 * 1024 * 1024)
    error = refused(write(tmp_path / "dense.ods", data), "too_large")
    assert "200:1 compression ratio" in error.message


def test_members_that_overlap_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODF_MIME["odt"])
        archive.writestr("content.xml", "<x/>" * 1000)
        archive.writestr("styles.xml", "<y/>" * 1000)
    data = bytearray(buffer.getvalue())
    records = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x01\x02"]
    second_offset = data[records[1] + 42 : records[1] + 46]
    data[records[2] + 42 : records[2] + 46] = second_offset  # styles.xml reuses content.xml's bytes
    error = refused(write(tmp_path / "overlap.odt", bytes(data)), "corrupt")
    assert "overlap" in error.message


def test_archive_with_too_many_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "ZIP_MAX_MEMBERS", 10)
    path = make_pptx(tmp_path / "many.pptx", [("t", ["b"], "")] * 4)
    assert "files, over the 10" in refused(path, "too_large").message


# --- huge sheets -----------------------------------------------------------------------------


def test_sheet_past_the_cell_limit_is_read_in_part_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SHEET_MAX_CELLS", 100)
    rows = [["n", "square"]] + [[n, n * n] for n in range(1, 500)]
    doc = load_document_sync(make_xlsx(tmp_path / "big.xlsx", {"Data": rows, "More": rows}))
    assert "49 | 2401" in doc.text and "60 | 3600" not in doc.text
    assert doc.warnings == [
        "Only part of this workbook was read: it stops in sheet Data, past the limit of 100 cells."
    ]


def test_ods_row_repeated_a_million_times_stops_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SHEET_MAX_CELLS", 1000)

    def flood(columns: int) -> str:
        return (
            '<office:spreadsheet><table:table table:name="Flood">'
            '<table:table-row table:number-rows-repeated="1048576">'
            f'<table:table-cell table:number-columns-repeated="{columns}"><text:p>x</text:p>'
            "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
        )

    doc = load_document_sync(make_odf(tmp_path / "flood.ods", "ods", flood(10)))
    assert "past the limit of 1,000 cells" in doc.warnings[0]
    assert doc.pages[-1].label.endswith(":J100")  # 100 rows of 10 cells, then the limit
    wide = make_odf(tmp_path / "wide.ods", "ods", flood(1_000_000))
    assert "passes the limit of 1,000 cells" in refused(wide, "too_large").message


def test_cells_far_apart_are_named_instead_of_padded(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Far"
    for row in range(1, 6):
        sheet.cell(row, 1, f"left {row}")
        sheet.cell(row, 16384, f"right {row}")
    book.save(tmp_path / "far.xlsx")
    doc = load_document_sync(tmp_path / "far.xlsx")
    assert doc.pages[0].label == "sheet Far, A1:XFD5"
    assert doc.text.splitlines()[1] == "A2: left 2 | XFD2: right 2"
    assert len(doc.text) < 200


# --- password-protected, DRM and old-style office files --------------------------------------


@pytest.mark.parametrize("name", ["secret.docx", "secret.xlsx", "secret.pptx"])
def test_password_protected_office_file_says_so(tmp_path: Path, name: str) -> None:
    data = OLE + bytes(300) + "EncryptedPackage".encode("utf-16-le") + bytes(300)
    error = refused(write(tmp_path / name, data), "encrypted")
    assert error.message == (
        f"{name} is password-protected; save a copy without a password to read it."
    )


@pytest.mark.parametrize(("name", "what"), [("old.xlsx", ".xls"), ("old.pptx", ".ppt")])
def test_old_style_office_file_asks_for_the_new_format(
    tmp_path: Path, name: str, what: str
) -> None:
    error = refused(write(tmp_path / name, OLE + bytes(600)), "unsupported")
    assert what in error.message


def test_password_protected_opendocument_says_so(tmp_path: Path) -> None:
    path = make_odf(tmp_path / "locked.ods", "ods", "<office:spreadsheet/>", encrypted=True)
    assert "password-protected" in refused(path, "encrypted").message


def test_epub_with_drm_says_so(tmp_path: Path) -> None:
    path = make_epub(tmp_path / "bought.epub", [("One", "text")], drm=True)
    assert "protected by DRM" in refused(path, "encrypted").message


# --- broken files of every kind --------------------------------------------------------------


def _office_files(tmp_path: Path) -> dict[str, Path]:
    return {
        "docx": make_docx(tmp_path / "f.docx"),
        "xlsx": make_xlsx(tmp_path / "f.xlsx", {"S": [["a", 1]]}),
        "pptx": make_pptx(tmp_path / "f.pptx", [("T", ["b"], "")]),
        "odt": make_odf(tmp_path / "f.odt", "odt", "<office:text><text:p>x</text:p></office:text>"),
        "ods": make_odf(tmp_path / "f.ods", "ods", "<office:spreadsheet/>"),
        "odp": make_odf(tmp_path / "f.odp", "odp", "<office:presentation/>"),
        "epub": make_epub(tmp_path / "f.epub", [("One", "text")]),
    }


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"])
def test_truncated_archive_of_each_kind_is_corrupt(tmp_path: Path, kind: str) -> None:
    data = _office_files(tmp_path)[kind].read_bytes()
    path = write(tmp_path / f"cut.{kind}", data[: len(data) * 2 // 3])
    error = refused(path, "corrupt")
    assert error.message.startswith(f"cut.{kind} is not a valid ")


@pytest.mark.parametrize(
    "kind", ["xlsx", "pptx", "odt", "ods", "odp", "epub", "rtf", "eml", "mbox"]
)
def test_plain_text_named_as_another_kind_is_refused(tmp_path: Path, kind: str) -> None:
    error = refused(write(tmp_path / f"notes.{kind}", b"just some notes\n"), "corrupt")
    assert error.message.startswith(f"notes.{kind} is not a")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.xlsx", None, "has no cells with values"),
        ("blank.pptx", None, "has no text on its slides"),
        ("nothing.odt", None, "has no text in it"),
    ],
)
def test_archives_without_text_are_empty(
    tmp_path: Path, name: str, data: None, message: str
) -> None:
    import openpyxl
    from pptx import Presentation

    path = tmp_path / name
    if name.endswith(".xlsx"):
        openpyxl.Workbook().save(path)
    elif name.endswith(".pptx"):
        deck = Presentation()
        deck.slides.add_slide(deck.slide_layouts[6])
        deck.save(path)
    else:
        make_odf(path, "odt", "<office:text><text:p/></office:text>")
    assert message in refused(path, "empty").message


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "corrupt"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + os.urandom(300), "corrupt"),
        ("fax.tiff", b"II*\x00" + os.urandom(300), "corrupt"),
    ],
)
def test_damaged_images_are_refused(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    assert "damaged" in refused(write(tmp_path / name, data), kind).message


def test_image_over_the_pixel_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IMAGE_MAX_PIXELS", 10_000)
    path = write(tmp_path / "poster.png", image_bytes(text_image(["big"], size=20), "PNG"))
    assert "too large to read by OCR" in refused(path, "too_large").message


def test_tiff_with_too_many_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IMAGE_MAX_FRAMES", 2)
    page = text_image(["p"], size=20)
    data = image_bytes(page, "TIFF", save_all=True, append_images=[page, page])
    assert (
        "has 3 pages, over the 2" in refused(write(tmp_path / "fax.tif", data), "too_large").message
    )


def test_mail_nested_too_deeply_keeps_what_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from email import message_from_bytes, policy

    inner = make_email("level 0", "innermost")
    for level in range(1, 6):
        outer = message_from_bytes(
            make_email(f"level {level}", f"body {level}"), policy=policy.default
        )
        outer.add_attachment(message_from_bytes(inner, policy=policy.default))  # type: ignore[arg-type]
        inner = bytes(outer)
    doc = load_document_sync(write(tmp_path / "chain.eml", inner))
    assert "body 5" in doc.text and "body 2" in doc.text
    assert "innermost" not in doc.text
    assert any("nested too deeply" in warning for warning in doc.warnings)


def test_mailbox_over_the_message_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAIL_MAX_MESSAGES", 2)
    data = make_mbox([make_email(f"m{n}", "b") for n in range(3)])
    assert "holds 3 messages" in refused(write(tmp_path / "box.mbox", data), "too_large").message
