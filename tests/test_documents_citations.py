"""A needle in each kind of file, found through MinionS against the Ollama and OpenAI fakes,
with the citation naming the sheet, slide, chapter, message or page it is on."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement

from core.documents import Document, load_document_sync
from core.protocols.events import Done
from core.protocols.run import Run, RunRequest
from tests.docfixtures import (
    image_bytes,
    make_email,
    make_epub,
    make_mbox,
    make_odf,
    make_pptx,
    make_xlsx,
    scanned_pdf,
    text_image,
)
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import (
    FACT,
    FACT_ANSWER,
    collect,
    fact_worker,
    filler_page,
    make_services,
    minions_supervisor,
)
from tests.test_cli_ask import env, run_cli  # noqa: F401  (env is a fixture)

CHUNK_CHARS = 1200


def filler(seed: int, count: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [filler_page(rng.randint(1, 10_000), 120).replace("\n\n", " ") for _ in range(count)]


def xlsx(tmp: Path) -> tuple[Path, str]:
    summary = [["Month", "Spend"]] + [[f"M{n}", n * 10] for n in range(1, 30)]
    vault = [["Key", "Note"], ["door", filler(1, 1)[0]], ["archive", FACT], ["gate", "shut"]]
    return make_xlsx(tmp / "codes.xlsx", {"Summary": summary, "Vault": vault}), "sheet Vault, A1:B4"


def ods(tmp: Path) -> tuple[Path, str]:
    def row(*cells: str) -> str:
        inner = "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in cells)
        return f"<table:table-row>{inner}</table:table-row>"

    other = "".join(row(f"line {n}", text) for n, text in enumerate(filler(2, 4)))
    body = (
        f'<office:spreadsheet><table:table table:name="Misc">{row("Item", "Text")}{other}'
        f'</table:table><table:table table:name="Codes">{row("Item", "Text")}'
        f"{row('blank', '')}{row('archive', FACT)}</table:table></office:spreadsheet>"
    )
    return make_odf(tmp / "codes.ods", "ods", body), "sheet Codes, A1:B3"


def pptx(tmp: Path) -> tuple[Path, str]:
    slides = [(f"Topic {n}", filler(n + 3, 2), "") for n in range(1, 5)]
    slides[2] = ("Archive", ["Access rules"], f"Remember: {FACT}")
    return make_pptx(tmp / "deck.pptx", slides), "slide 3"


def odp(tmp: Path) -> tuple[Path, str]:
    def page(text: str) -> str:
        return f"<draw:page><draw:frame><draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame></draw:page>"

    pages = [page(text) for text in filler(9, 3)]
    pages[1] = page(FACT)
    return make_odf(
        tmp / "talk.odp", "odp", f"<office:presentation>{''.join(pages)}</office:presentation>"
    ), "slide 2"


def word(tmp: Path) -> tuple[Path, str]:
    document = docx.Document()
    for number, text in enumerate(filler(11, 3), start=1):
        paragraph = document.add_paragraph()
        if number > 1:  # Word recorded where each page began
            paragraph.add_run()._r.append(OxmlElement("w:lastRenderedPageBreak"))
        paragraph.add_run(text + (f" {FACT}" if number == 2 else ""))
    document.save(str(tmp / "report.docx"))
    return tmp / "report.docx", "page 2"


def odt(tmp: Path) -> tuple[Path, str]:
    parts = [f"<text:p>{text}</text:p>" for text in filler(12, 3)]
    body = f"<office:text>{parts[0]}<text:soft-page-break/>{parts[1]}<text:soft-page-break/><text:p>{FACT}</text:p>{parts[2]}</office:text>"
    return make_odf(tmp / "lease.odt", "odt", body), "page 3"


def rtf(tmp: Path) -> tuple[Path, str]:
    one, two = filler(13, 2)
    path = tmp / "memo.rtf"
    path.write_text(rf"{{\rtf1\ansi {one}\par\page {two} {FACT}\par}}", encoding="ascii")
    return path, "page 2"


def epub(tmp: Path) -> tuple[Path, str]:
    one, two, three = filler(14, 3)
    chapters = [("Arrival", one), ("The Archive", f"{two} {FACT}"), ("Departure", three)]
    return make_epub(tmp / "novel.epub", chapters), "chapter 2: The Archive"


def eml(tmp: Path) -> tuple[Path, str]:
    sheet, _ = xlsx(tmp)
    path = tmp / "codes.eml"
    path.write_bytes(make_email("Codes", filler(15, 1)[0], [("codes.xlsx", sheet.read_bytes())]))
    return path, "attachment codes.xlsx, sheet Vault, A1:B4"


def mbox(tmp: Path) -> tuple[Path, str]:
    messages = [make_email(f"Note {n}", text) for n, text in enumerate(filler(16, 3))]
    messages[1] = make_email("Archive", f"Hello,\n{FACT}\nRegards")
    path = tmp / "archive.mbox"
    path.write_bytes(make_mbox(messages))
    return path, "message 2"


def scan(tmp: Path) -> tuple[Path, str]:
    pages = [text_image(["Cover letter, page one."], mode="RGB"), text_image([FACT], mode="RGB")]
    path = tmp / "scan.pdf"
    path.write_bytes(scanned_pdf(pages))
    return path, "page 2"


def photo(tmp: Path) -> tuple[Path, str]:
    path = tmp / "note.png"
    path.write_bytes(image_bytes(text_image(["Handwritten note, copied:", FACT]), "PNG"))
    return path, "page 1"


KINDS: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "xlsx": xlsx, "ods": ods, "pptx": pptx, "odp": odp, "docx": word, "odt": odt, "rtf": rtf,
    "epub": epub, "eml": eml, "mbox": mbox, "scanned pdf": scan, "image": photo,
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
async def test_needle_is_found_and_cited_where_it_is(
    kind: str, tmp_path: Path, fake_ollama: OllamaFake, fake_openai: OpenAIFake
) -> None:
    path, place = KINDS[kind](tmp_path)
    doc: Document = load_document_sync(path)
    fake_ollama.responder = fact_worker
    fake_openai.responder = minions_supervisor()
    services = make_services(fake_ollama, fake_openai, parallelism=4)
    run = Run(
        RunRequest("What is the vault access code?", [doc]), services, chunk_chars=CHUNK_CHARS
    )

    events = await collect(run)

    done = events[-1]
    assert isinstance(done, Done), events[-1]
    assert FACT_ANSWER in done.answer.text
    citation = done.answer.citations[0]
    assert citation.quote == FACT
    assert citation.where == place
    assert citation.page == doc.page_at(doc.text.index(FACT))
    assert doc.text[citation.char_start : citation.char_end] == FACT
    await services.aclose()


@pytest.mark.usefixtures("env")  # the CLI's settings pointed at the fakes
def test_cli_ask_reads_a_scan_and_cites_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = scan(tmp_path)
    code, out, err = run_cli(capsys, "ask", "What is the vault code?", "--doc", str(path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert FACT_ANSWER in result["answer"]
    assert (result["citations"][0]["page"], result["citations"][0]["place"]) == (2, "page 2")

    workbook, place = xlsx(tmp_path)
    code, out, err = run_cli(capsys, "ask", "What is the vault code?", "--doc", str(workbook))
    assert code == 0, err
    assert f'codes.xlsx, {place}: "{FACT}"' in out
