"""Spreadsheets, slides, OpenDocument, RTF, e-books and mail: the text, and where it is.

Every file is made in the test with the library a user's own program would have used
(openpyxl, python-pptx, python-docx, the email package) or written as the format's XML.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement

from core.cli import main
from core.documents import DocumentError, chunk_document, detect_kind, load_document_sync
from tests.docfixtures import (
    make_email,
    make_epub,
    make_mbox,
    make_odf,
    make_pptx,
    make_xlsx,
    set_cached_values,
)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


def places(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [page.place for page in doc.pages]


# --- spreadsheets ----------------------------------------------------------------------------


def test_xlsx_sheets_become_tables_named_by_sheet_and_cell_range(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "budget.xlsx",
        {
            "Budget": [["Item", "Amount", "Due"], ["Rent", 1200, "monthly"], ["Food", 350.5]],
            "Notes": [[None, None], [None, "The landlord is Mrs Okafor."]],
        },
    )
    doc = load_document_sync(path)
    assert doc.kind == "xlsx" and detect_kind(path) == "xlsx"
    assert places(doc) == ["sheet Budget, A1:C3", "sheet Notes, B2:B2"]
    assert doc.page_text(1) == (
        "Item | Amount | Due\n--- | --- | ---\nRent | 1200 | monthly\nFood | 350.5 | "
    )
    assert doc.page_text(2) == "The landlord is Mrs Okafor."


def test_xlsx_formulas_read_as_the_values_saved_with_them(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "sum.xlsx", {"Q1": [["Item", "Cost"], ["A", 2], ["B", 3], ["Total", "=B2+B3"]]}
    )
    set_cached_values(path, "xl/worksheets/sheet1.xml", {"B4": "5"})
    text = load_document_sync(path).text
    assert "Total | 5" in text and "B2+B3" not in text


def test_long_sheet_is_cut_into_sections_that_repeat_the_header(tmp_path: Path) -> None:
    rows = [["Date", "Payee", "Amount"]] + [
        [f"2024-01-{day % 28 + 1:02d}", f"Shop number {day}", day * 3] for day in range(1, 400)
    ]
    doc = load_document_sync(make_xlsx(tmp_path / "bank.xlsx", {"Export": rows}))
    assert len(doc.pages) > 3
    assert doc.pages[0].label == f"sheet Export, A1:C{doc.pages[0].label.rsplit('C', 1)[1]}"
    for page in doc.pages:
        assert doc.page_text(page.number).startswith("Date | Payee | Amount\n--- | --- | ---\n")
    last = doc.pages[-1]
    assert last.label.endswith(":C400")
    assert "Shop number 399 | 1197" in doc.page_text(last.number)
    second = doc.pages[1]
    first_row = int(second.label.split(", A")[1].split(":")[0])
    assert f"Shop number {first_row - 1} |" in doc.page_text(2).split("\n")[2]


ODS_BODY = (
    '<office:spreadsheet><table:table table:name="Costs">'
    "<table:table-row><table:table-cell><text:p>Item</text:p></table:table-cell>"
    "<table:table-cell><text:p>Cost</text:p></table:table-cell></table:table-row>"
    '<table:table-row table:number-rows-repeated="3">'
    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    "<table:table-row><table:table-cell><text:p>Rent</text:p><office:annotation><text:p>"
    "a comment</text:p></office:annotation></table:table-cell>"
    '<table:table-cell office:value-type="float" office:value="1200"><text:p>1,200.00</text:p>'
    "</table:table-cell></table:table-row></table:table>"
    '<table:table table:name="Empty"><table:table-row><table:table-cell/></table:table-row>'
    "</table:table></office:spreadsheet>"
)


def test_ods_reads_displayed_values_and_counts_repeated_rows(tmp_path: Path) -> None:
    doc = load_document_sync(make_odf(tmp_path / "costs.ods", "ods", ODS_BODY))
    assert doc.kind == "ods"
    assert places(doc) == ["sheet Costs, A1:B5"]
    assert doc.text == "Item | Cost\n--- | ---\nRent | 1,200.00"


# --- presentations ---------------------------------------------------------------------------


def test_pptx_gives_each_slide_its_text_and_speaker_notes(tmp_path: Path) -> None:
    path = make_pptx(
        tmp_path / "deck.pptx",
        [
            ("Quarterly review", ["Revenue up 4%", "Costs flat"], "Mention the new office."),
            ("Next steps", ["Hire two engineers"], ""),
        ],
    )
    doc = load_document_sync(path)
    assert doc.kind == "pptx"
    assert places(doc) == ["slide 1", "slide 2"]
    assert doc.page_text(1) == (
        "# Quarterly review\n\nRevenue up 4%\nCosts flat\n\nSpeaker notes:\nMention the new office."
    )
    assert doc.page_text(2) == "# Next steps\n\nHire two engineers"


ODP_BODY = (
    "<office:presentation>"
    '<draw:page draw:name="one"><draw:frame presentation:class="title"><draw:text-box>'
    "<text:p>Welcome</text:p></draw:text-box></draw:frame>"
    "<draw:frame><draw:text-box><text:p>Agenda for today</text:p></draw:text-box></draw:frame>"
    "<presentation:notes><draw:frame><draw:text-box><text:p>Smile.</text:p></draw:text-box>"
    "</draw:frame></presentation:notes></draw:page>"
    '<draw:page draw:name="two"/>'
    '<draw:page draw:name="three"><draw:frame><draw:text-box><text:p>The end</text:p>'
    "</draw:text-box></draw:frame></draw:page></office:presentation>"
)


def test_odp_slides_keep_their_numbers_even_after_an_empty_one(tmp_path: Path) -> None:
    doc = load_document_sync(make_odf(tmp_path / "talk.odp", "odp", ODP_BODY))
    assert doc.kind == "odp"
    assert places(doc) == ["slide 1", "slide 2", "slide 3"]
    assert doc.page_text(1) == "# Welcome\n\nAgenda for today\n\nSpeaker notes:\nSmile."
    assert doc.page_text(3) == "The end"


# --- text documents with pages ---------------------------------------------------------------


def test_docx_pages_follow_the_breaks_word_recorded(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Page one text.")
    document.add_page_break()  # a typed break; Word would also record where page 2 began
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    run._r.append(OxmlElement("w:lastRenderedPageBreak"))
    run.add_text("Page two starts here and flows on")
    flowing = document.add_paragraph("and this line, which Word laid out on page ")
    flowing.add_run()._r.append(OxmlElement("w:lastRenderedPageBreak"))
    flowing.add_run("three, mid-paragraph.")
    document.save(str(tmp_path / "pages.docx"))

    doc = load_document_sync(tmp_path / "pages.docx")
    assert [doc.page_text(n) for n in (1, 2, 3)] == [
        "Page one text.",
        "Page two starts here and flows on\n\nand this line, which Word laid out on page",
        "three, mid-paragraph.",
    ]
    assert doc.warnings == []
    assert doc.page_at(doc.text.index("three, mid")) == 3


def test_docx_with_typed_breaks_only_says_pages_may_differ(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Cover letter.")
    document.add_page_break()
    document.add_paragraph("Annex.")
    document.save(str(tmp_path / "typed.docx"))
    doc = load_document_sync(tmp_path / "typed.docx")
    assert [doc.page_text(1), doc.page_text(2)] == ["Cover letter.", "Annex."]
    assert "typed into the document" in doc.warnings[0]


ODT_BODY = (
    "<office:text>"
    '<text:h text:outline-level="2">Terms</text:h><text:p>Rent is due monthly.</text:p>'
    "<text:list><text:list-item><text:p>Deposit: two months</text:p></text:list-item>"
    "</text:list><text:p>The lease runs <text:soft-page-break/>for three years.</text:p>"
    '<text:p text:style-name="P1">Signatures</text:p>'
    "<text:tracked-changes><text:changed-region><text:deletion><text:p>deleted words</text:p>"
    "</text:deletion></text:changed-region></text:tracked-changes></office:text>"
)
ODT_STYLES = (
    '<style:style style:name="P1" style:family="paragraph">'
    '<style:paragraph-properties fo:break-before="page"/></style:style>'
)


def test_odt_keeps_pages_libreoffice_recorded_and_typed_ones(tmp_path: Path) -> None:
    path = make_odf(tmp_path / "lease.odt", "odt", ODT_BODY, styles=ODT_STYLES)
    doc = load_document_sync(path)
    assert doc.kind == "odt"
    assert [doc.page_text(n) for n in (1, 2, 3)] == [
        "## Terms\n\nRent is due monthly.\n\n- Deposit: two months\n\nThe lease runs",
        "for three years.",
        "Signatures",
    ]
    assert "deleted words" not in doc.text and doc.warnings == []


def test_rtf_text_with_its_encoding_and_page_breaks(tmp_path: Path) -> None:
    rtf = (
        rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 Caf\'e9 au lait\par"
        rb"\page Price: 3 \u8364? (euro)\par "
        rb"A literal \\page stays.\par}"
    )
    path = tmp_path / "menu.rtf"
    path.write_bytes(rtf)
    doc = load_document_sync(path)
    assert doc.kind == "rtf"
    assert [doc.page_text(1), doc.page_text(2)] == [
        "Café au lait",
        "Price: 3 € (euro)\nA literal \\page stays.",
    ]


# --- e-books ---------------------------------------------------------------------------------


def test_epub_chapters_in_reading_order_named_by_their_headings(tmp_path: Path) -> None:
    path = make_epub(
        tmp_path / "novel.epub",
        [("The Harbour", "Ships came in at dawn."), ("Storm &amp; Sea", "The wind rose.")],
    )
    doc = load_document_sync(path)
    assert doc.kind == "epub"
    assert places(doc) == ["chapter 1: The Harbour", "chapter 2: Storm & Sea"]
    assert doc.page_text(2) == "Storm & Sea\n\nThe wind rose."


# --- mail ------------------------------------------------------------------------------------


def test_eml_headers_body_and_attachments_read_by_their_own_loaders(tmp_path: Path) -> None:
    sheet = make_xlsx(tmp_path / "q1.xlsx", {"Q1": [["Month", "Spend"], ["Jan", 410]]})
    message = make_email(
        "Q1 spend",
        "Hi Charles,\nthe numbers are attached.\n",
        [("q1.xlsx", sheet.read_bytes()), ("readme.txt", b"Plain notes.")],
    )
    path = tmp_path / "q1.eml"
    path.write_bytes(message)
    doc = load_document_sync(path)
    assert doc.kind == "eml"
    assert places(doc) == [
        "message",
        "attachment q1.xlsx, sheet Q1, A1:B2",
        "attachment readme.txt",
    ]
    assert doc.page_text(1) == (
        "From: Ada Lovelace <ada@example.org>\nTo: Charles Babbage <charles@example.org>\n"
        "Date: Tue, 04 Mar 2025 09:15:00 +0000\nSubject: Q1 spend\n\n"
        "Hi Charles,\nthe numbers are attached.\n\nAttachments: q1.xlsx, readme.txt"
    )
    assert doc.page_text(2) == "Month | Spend\n--- | ---\nJan | 410"


def test_eml_attachment_that_cannot_be_read_is_named_and_the_rest_kept(tmp_path: Path) -> None:
    message = make_email(
        "Files", "Two files.", [("broken.docx", b"PK\x03\x04junk"), ("a.txt", b"ok")]
    )
    path = tmp_path / "files.eml"
    path.write_bytes(message)
    doc = load_document_sync(path)
    assert places(doc) == ["message", "attachment a.txt"]
    assert len(doc.warnings) == 1
    assert doc.warnings[0].startswith("Attachment not read: broken.docx is not a valid DOCX")


def test_mbox_gives_each_message_and_its_attachments_a_place(tmp_path: Path) -> None:
    first = make_email("Hello", "From the start, a line that begins with From.\nBye.")
    second = make_email("Notes", "See attached.", [("n.txt", b"The gate code is 1984.")])
    path = tmp_path / "Inbox"  # Thunderbird keeps mailboxes without an extension
    path.write_bytes(make_mbox([first, second]))
    doc = load_document_sync(path)
    assert doc.kind == "mbox"
    assert places(doc) == ["message 1", "message 2", "message 2, attachment n.txt"]
    assert "Subject: Hello" in doc.page_text(1) and "Subject: Notes" in doc.page_text(2)
    assert "a line that begins with From." in doc.page_text(1)
    assert doc.page_text(3) == "The gate code is 1984."


# --- what the CLI shows and the cache keeps --------------------------------------------------


def test_inspect_names_the_places_of_a_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_xlsx(tmp_path / "b.xlsx", {"One": [["a"], ["b"]], "Two": [["c"]]})
    assert main(["docs", "inspect", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "xlsx" and info["kind_label"] == "Excel workbook"
    assert info["places"] == ["sheet One, A1:A2", "sheet Two, A1:A1"]
    assert main(["docs", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  sections" in out and "places           sheet One, A1:A2 · sheet Two, A1:A1" in out

    deck = make_pptx(tmp_path / "d.pptx", [("A", ["x"], ""), ("B", ["y"], "")])
    assert main(["docs", "inspect", str(deck)]) == 0
    assert "  slides           2" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["xlsx", "pptx", "odt", "epub", "eml"])
def test_every_kind_comes_back_from_the_cache_with_its_places(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.documents import loading

    paths = {
        "xlsx": lambda: make_xlsx(tmp_path / "a.xlsx", {"S": [["h"], ["v"]]}),
        "pptx": lambda: make_pptx(tmp_path / "a.pptx", [("T", ["b"], "n")]),
        "odt": lambda: make_odf(tmp_path / "a.odt", "odt", ODT_BODY, styles=ODT_STYLES),
        "epub": lambda: make_epub(tmp_path / "a.epub", [("One", "text")]),
        "eml": lambda: _write(tmp_path / "a.eml", make_email("S", "b", [("x.txt", b"y")])),
    }
    path = paths[kind]()
    first = load_document_sync(path)

    def parse_again(*args: object) -> object:
        raise AssertionError("parsed again")

    monkeypatch.setattr(loading, "extract", parse_again)
    again = load_document_sync(path)
    assert (again.text, again.pages, again.warnings) == (first.text, first.pages, first.warnings)
    assert any(page.label for page in again.pages) or kind == "odt"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_every_chunk_of_a_workbook_starts_with_its_sheets_header(tmp_path: Path) -> None:
    rows = [["Name", "Value"]] + [[f"item {n}", n] for n in range(300)]
    doc = load_document_sync(make_xlsx(tmp_path / "w.xlsx", {"A": rows, "B": rows}))
    for chunk in chunk_document(doc):
        assert doc.text[chunk.char_start : chunk.char_end] == chunk.text
        assert chunk.text.startswith("Name | Value")


def test_unknown_kind_inside_a_zip_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"\.zip files are not supported"):
        load_document_sync(_write(tmp_path / "x.zip", b"PK\x03\x04" + b"\0" * 100))


def test_docx_text_inside_content_controls_is_read(tmp_path: Path) -> None:
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("Before the control.")
    inside = document.add_paragraph("Inside a content control.")
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inside._p.addprevious(control)
    control.append(content)
    content.append(inside._p)
    assert control.find(qn("w:sdtContent")) is not None
    document.add_paragraph("After it.")
    document.save(str(tmp_path / "form.docx"))
    doc = load_document_sync(tmp_path / "form.docx")
    assert doc.text == "Before the control.\n\nInside a content control.\n\nAfter it."


def test_content_decides_the_kind_whatever_the_name(tmp_path: Path) -> None:
    workbook = make_xlsx(tmp_path / "w.xlsx", {"S": [["cell"]]}).read_bytes()
    odt = make_odf(
        tmp_path / "t.odt", "odt", "<office:text><text:p>odt text</text:p></office:text>"
    )
    book = make_epub(tmp_path / "b.epub", [("One", "epub text")]).read_bytes()
    cases = {
        "report.docx": (workbook, "xlsx", "Named like Word document but is an XLSX; read as XLSX."),
        "notes.txt": (
            rb"{\rtf1 rtf text\par}",
            "rtf",
            "Named like plain text but is an RTF; read as RTF.",
        ),
        "letter.pdf": (odt.read_bytes(), "odt", "Named like PDF but is an ODT; read as ODT."),
        "chapter.html": (book, "epub", "Named like HTML but is an EPUB; read as EPUB."),
        "saved-mail": (make_email("Hi", "mail text"), "eml", None),
    }
    for name, (data, kind, warning) in cases.items():
        path = _write(tmp_path / name, data)
        assert detect_kind(path) == kind, name
        doc = load_document_sync(path)
        assert doc.kind == kind, name
        assert doc.warnings[:1] == ([warning] if warning else []), name
