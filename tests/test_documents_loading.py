"""Each kind of file the app reads, and each way a file can be bad: the text or the error."""

from __future__ import annotations

import codecs
import os
import zipfile
from pathlib import Path

import pytest

from core.documents import (
    SUPPORTED_EXTENSIONS,
    DocumentError,
    chunk_document,
    detect_kind,
    find_quote,
    load_document_sync,
)
from tests.docfixtures import encrypt_pdf, filler_lines, make_docx, make_pdf

FACT = "The vault combination is 4417-ALPHA-93."
FACT_PAGE = 217


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINIONS_HOME", str(home))
    return home


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def refused(path: Path, kind: str, **kwargs: object) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_document_sync(path, **kwargs)  # type: ignore[arg-type]
    assert caught.value.kind == kind, caught.value.message
    assert caught.value.path == str(path)
    assert path.name in caught.value.message or kind == "bad_password"
    return caught.value


# --- PDF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    pages = [filler_lines(number) for number in range(1, 301)]
    pages[FACT_PAGE - 1] = [*filler_lines(FACT_PAGE, 20), FACT, *filler_lines(FACT_PAGE, 20)]
    return make_pdf(pages)


def test_long_pdf_keeps_every_page_and_the_fact_lands_on_its_page(
    tmp_path: Path, long_pdf: bytes
) -> None:
    doc = load_document_sync(write(tmp_path, "minutes.pdf", long_pdf))
    assert doc.kind == "pdf"
    assert [page.number for page in doc.pages] == list(range(1, 301))
    assert FACT in doc.page_text(FACT_PAGE)
    assert doc.text.count(FACT) == 1
    assert doc.page_text(12).startswith("Page 12, line 0:")
    for before, after in zip(doc.pages, doc.pages[1:], strict=False):
        assert doc.text[before.end : after.start] == "\n\n"

    span = find_quote(doc, FACT.upper().replace(" ", "   "))
    assert span is not None
    assert doc.text[span[0] : span[1]] == FACT
    assert doc.page_at(span[0]) == FACT_PAGE

    chunks = chunk_document(doc)
    holding = [c for c in chunks if c.char_start <= span[0] and span[1] <= c.char_end]
    assert len(holding) == 1
    chunk = holding[0]
    assert chunk.page_start <= FACT_PAGE <= chunk.page_end
    quote_in_chunk = chunk.text.index(FACT)
    assert chunk.char_start + quote_in_chunk == span[0]
    for c in chunks:
        assert doc.text[c.char_start : c.char_end] == c.text
        assert doc.page_at(c.char_start) == c.page_start
        assert doc.page_at(c.char_end - 1) == c.page_end


def test_encrypted_pdf_asks_for_its_password_and_opens_with_it(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf([["Salary: 84,000 EUR"], ["Bonus: none"]]), "hunter2")
    path = write(tmp_path, "payslip.pdf", data)
    error = refused(path, "encrypted")
    assert "encrypted" in error.message and "password" in error.message
    wrong = refused(path, "bad_password", password="nope")
    assert "not correct" in wrong.message

    doc = load_document_sync(path, password="hunter2")
    assert doc.page_text(1) == "Salary: 84,000 EUR"
    assert doc.page_text(2) == "Bonus: none"


def test_encrypted_pdf_text_is_never_cached(tmp_path: Path, home: Path) -> None:
    data = encrypt_pdf(make_pdf([["Private"]]), "pw", algorithm="RC4-128")
    load_document_sync(write(tmp_path, "p.pdf", data), password="pw")
    cached = list((home / "cache").rglob("*")) if (home / "cache").exists() else []
    assert not [p for p in cached if p.is_file()]
    refused(tmp_path / "p.pdf", "encrypted")  # and a later open still needs the password


def test_pdf_with_empty_user_password_opens_without_asking(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf([["Open to all"]]), "")
    assert load_document_sync(write(tmp_path, "open.pdf", data)).text == "Open to all"


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_pdf_is_reported_as_damaged(tmp_path: Path, keep: float) -> None:
    data = make_pdf([filler_lines(n) for n in range(1, 21)])
    error = refused(write(tmp_path, "cut.pdf", data[: int(len(data) * keep)]), "corrupt")
    assert "damaged or incomplete" in error.message


def test_pdf_header_with_garbage_is_damaged(tmp_path: Path) -> None:
    refused(write(tmp_path, "junk.pdf", b"%PDF-1.7\n" + os.urandom(4000)), "corrupt")


def test_text_named_pdf_is_not_a_pdf(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "notes.pdf", "just some notes\n"), "corrupt")
    assert "not a valid PDF" in error.message


def test_pdf_without_text_layer_and_nothing_for_ocr_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "scan.pdf", make_pdf([[], [], []])), "scanned")
    assert error.message == "scan.pdf has no text layer, and OCR found no text on its pages."


def test_pdf_with_some_blank_pages_warns_and_keeps_numbering(tmp_path: Path) -> None:
    doc = load_document_sync(write(tmp_path, "mixed.pdf", make_pdf([["one"], [], [], ["four"]])))
    assert [doc.page_text(n) for n in (1, 2, 3, 4)] == ["one", "", "", "four"]
    assert doc.warnings == ["Pages 2–3: no text, not even by OCR (blank pages); not included."]


# --- Word --------------------------------------------------------------------------------


def test_docx_keeps_paragraph_order_and_table_rows(tmp_path: Path) -> None:
    doc = load_document_sync(make_docx(tmp_path / "report.docx"))
    assert doc.kind == "docx"
    assert doc.text == (
        "# Quarterly report\n\n"
        "Revenue grew in every region this quarter.\n\n"
        "Region | Revenue | Growth\n--- | --- | ---\nNorth | 1,200 | 4%\nSouth | 950 | 7%\n\n"
        "Figures are unaudited."
    )
    assert len(doc.pages) == 1


def test_docx_that_is_not_an_archive(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "letter.docx", "Dear Sir,\nthis is text.\n"), "corrupt")
    assert "not a valid DOCX" in error.message


def test_docx_archive_without_a_document(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a valid DOCX archive" in refused(path, "corrupt").message


def test_truncated_docx(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "full.docx").read_bytes()
    refused(write(tmp_path, "half.docx", data[: len(data) // 2]), "corrupt")


# --- text in its encodings ---------------------------------------------------------------

TEXT = "Größe: 12 m²\nCafé — naïve façade\n"


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
        TEXT.encode("utf-16-le"),  # no BOM
        TEXT.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16be-bom", "utf32", "utf16le-nobom", "crlf"],
)
def test_text_encodings_decode_exactly(tmp_path: Path, encoded: bytes) -> None:
    doc = load_document_sync(write(tmp_path, "notes.txt", encoded))
    assert doc.kind == "text"
    assert doc.text == TEXT


def test_legacy_encoding_falls_back_with_a_warning(tmp_path: Path) -> None:
    text = "Prix: 12 € — déjà payé, reçu n° 5\n" * 20
    doc = load_document_sync(write(tmp_path, "facture.txt", text.encode("cp1252")))
    assert doc.text == text
    assert doc.warnings == ["Not UTF-8; read as cp1252."]


def test_form_feeds_split_text_into_pages(tmp_path: Path) -> None:
    doc = load_document_sync(write(tmp_path, "print.txt", "first page\n\fsecond page\n"))
    assert [doc.page_text(1), doc.page_text(2)] == ["first page", "second page"]


def test_markdown_and_code_keep_their_text(tmp_path: Path) -> None:
    md = load_document_sync(write(tmp_path, "README.md", "# Title\n\nSome *text*.\n"))
    code = load_document_sync(write(tmp_path, "tool.py", "def f():\n    return 1\n"))
    assert (md.kind, md.text) == ("markdown", "# Title\n\nSome *text*.\n")
    assert (code.kind, code.text) == ("code", "def f():\n    return 1\n")


# --- HTML and tables ---------------------------------------------------------------------

HTML = """<!doctype html><html><head><title>Lab results</title>
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body><h1>Lab results</h1><p>Patient is <b>well</b>.<br>Next visit in May.</p>
<script type="text/javascript">alert("no");</script><noscript>enable js</noscript>
<div hidden>hidden text</div><span style="display: none">also hidden</span>
<ul><li>Iron: normal</li><li>B12: low</li></ul>
<table><tr><th>Test</th><th>Value</th></tr><tr><td>Iron</td><td>14</td></tr></table>
<!-- a comment --><pre>line one
line two</pre></body></html>"""


def test_html_shows_visible_text_only(tmp_path: Path) -> None:
    doc = load_document_sync(write(tmp_path, "results.html", HTML))
    assert doc.kind == "html"
    assert doc.text == (
        "Lab results\n\nPatient is well.\nNext visit in May.\n\n- Iron: normal\n- B12: low\n\n"
        "Test | Value\nIron | 14\n\nline one\nline two"
    )


def test_csv_is_a_table_with_its_header(tmp_path: Path) -> None:
    doc = load_document_sync(write(tmp_path, "people.csv", 'name,age,city\nAda,36,"London, UK"\n'))
    assert doc.kind == "csv"
    assert doc.text == "name | age | city\n--- | --- | ---\nAda | 36 | London, UK"


def test_tsv_and_long_csv_repeat_the_header_in_every_section(tmp_path: Path) -> None:
    rows = "".join(f"row{i}\t{i * 3}\tsome longer description {i}\n" for i in range(400))
    doc = load_document_sync(write(tmp_path, "data.tsv", "id\tvalue\tnote\n" + rows))
    assert len(doc.pages) > 3
    for page in doc.pages:
        assert doc.page_text(page.number).startswith("id | value | note\n--- | --- | ---\n")
    for chunk in chunk_document(doc):
        assert chunk.text.startswith("id | value | note")
    assert doc.text.count("row399 | 1197 | some longer description 399") == 1


# --- files that are refused --------------------------------------------------------------


def test_binary_named_txt_is_refused(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 64
    error = refused(write(tmp_path, "data.txt", blob), "binary")
    assert "binary" in error.message
    with pytest.raises(DocumentError):
        detect_kind(tmp_path / "data.txt")


def test_unsupported_image_named_txt_says_what_it_is(tmp_path: Path) -> None:
    gif = b"GIF89a" + os.urandom(512)
    assert "GIF image" in refused(write(tmp_path, "photo.txt", gif), "binary").message


def test_binary_tail_after_text_start_is_refused(tmp_path: Path) -> None:
    data = b"looks like text\n" * 1000 + b"\x00\x01\x02\x03" * 100
    refused(write(tmp_path, "sneaky.txt", data), "binary")


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    assert refused(write(tmp_path, "blank.txt", content), "empty").message.startswith("blank.txt")


def test_empty_pdf_file(tmp_path: Path) -> None:
    assert "empty" in refused(write(tmp_path, "nothing.pdf", b""), "empty").message


def test_file_over_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 5000)
    assert "over the" in refused(path, "too_large", max_bytes=1024).message


def test_missing_file_and_folder_are_unreadable(tmp_path: Path) -> None:
    assert "does not exist" in refused(tmp_path / "gone.pdf", "unreadable").message
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert "folder" in refused(folder, "unreadable").message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_file_without_permission_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.txt", "secret")
    path.chmod(0)
    try:
        assert "permission" in refused(path, "unreadable").message
    finally:
        path.chmod(0o600)


def test_unsupported_type_lists_the_supported_ones(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "slides.key", b"PK\x03\x04rest"), "unsupported")
    assert "Supported:" in error.message
    for extension in (".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".epub", ".eml", ".png"):
        assert extension in error.message


def test_old_word_doc_in_docx_clothing(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    assert ".doc" in refused(write(tmp_path, "old.docx", ole), "unsupported").message


def test_content_decides_over_name(tmp_path: Path) -> None:
    path = write(tmp_path, "misnamed.txt", make_pdf([["real pdf"]]))
    assert detect_kind(path) == "pdf"
    doc = load_document_sync(path)
    assert doc.text == "real pdf"
    assert doc.warnings == ["Named like plain text but is a PDF; read as PDF."]


def test_supported_extensions_cover_the_issue() -> None:
    for extension in (".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".csv", ".tsv", ".py"):
        assert extension in SUPPORTED_EXTENSIONS


def test_cyrillic_legacy_encoding_is_detected(tmp_path: Path) -> None:
    text = "Договор аренды квартиры. Арендатор обязуется платить вовремя.\n" * 30
    doc = load_document_sync(write(tmp_path, "dogovor.txt", text.encode("cp1251")))
    assert doc.text == text


def test_password_protected_word_file_says_so(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200) + "EncryptedPackage".encode("utf-16-le")
    error = refused(write(tmp_path, "secret.docx", ole + bytes(300)), "encrypted")
    assert "password-protected" in error.message
