"""The chunker and quote finder: every chunk is an exact, page-accurate slice of the text."""

from __future__ import annotations

import random

import pytest

from core.documents import Chunk, Document, Page, chunk_document, find_quote, inspect_document
from core.documents.extraction import join_pages


def paged(parts: list[str], doc_id: str = "abc123") -> Document:
    text, pages = join_pages(parts)
    return Document(doc_id, "doc.pdf", "/tmp/doc.pdf", "pdf", text, pages)


def paragraphs(rng: random.Random, count: int) -> str:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
    out = []
    for _ in range(count):
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 25))).capitalize() + "."
            for _ in range(rng.randint(1, 8))
        ]
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def check_invariants(doc: Document, chunks: list[Chunk], target: int) -> None:
    assert [c.index for c in chunks] == list(range(len(chunks)))
    previous_end = 0
    for chunk in chunks:
        assert chunk.id == f"{doc.id}:{chunk.index}"
        assert chunk.document_id == doc.id and chunk.document_name == doc.name
        assert doc.text[chunk.char_start : chunk.char_end] == chunk.text
        assert 0 < len(chunk.text) <= target
        assert chunk.text == chunk.text.strip()
        assert chunk.char_start >= previous_end
        assert doc.page_at(chunk.char_start) == chunk.page_start
        assert doc.page_at(chunk.char_end - 1) == chunk.page_end
        previous_end = chunk.char_end
    # Nothing but whitespace falls between chunks.
    covered = "".join(c.text for c in chunks)
    assert "".join(covered.split()) == "".join(doc.text.split())


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("target", [1, 7, 200, 3000])
def test_random_documents_keep_the_invariants(seed: int, target: int) -> None:
    rng = random.Random(seed)
    parts = [paragraphs(rng, rng.randint(0, 12)) for _ in range(rng.randint(1, 15))]
    doc = paged(parts)
    check_invariants(doc, chunk_document(doc, target_chars=target), target)


def test_pages_that_fit_are_never_split_and_small_pages_merge() -> None:
    doc = paged(["a" * 1000, "b" * 1000, "c" * 1500, "d" * 2900, "e" * 10])
    chunks = chunk_document(doc, target_chars=3000)
    assert [(c.page_start, c.page_end) for c in chunks] == [(1, 2), (3, 3), (4, 5)]
    assert chunks[0].text == "a" * 1000 + "\n\n" + "b" * 1000


def test_long_page_is_cut_at_paragraphs_into_even_pieces() -> None:
    page = "\n\n".join(f"Paragraph {i}. " + "word " * 100 for i in range(20))
    doc = paged(["short page", page, "next page"])
    chunks = chunk_document(doc, target_chars=3000)
    middle = [c for c in chunks if c.page_start == 2]
    assert len(middle) == 4  # about 10,700 characters in four near-equal pieces
    assert all(c.page_end == 2 for c in middle)
    assert all(c.text.startswith("Paragraph") for c in middle)
    assert max(len(c.text) for c in middle) - min(len(c.text) for c in middle) < 1500
    assert chunks[0].text == "short page" and chunks[-1].text == "next page"


def test_text_without_breaks_is_cut_at_sentences_then_spaces_then_anywhere() -> None:
    sentences = paged(["One sentence here. " * 300])
    assert all(c.text.endswith(".") for c in chunk_document(sentences, target_chars=500))
    words = paged(["word " * 1000])
    assert all(c.text.endswith("word") for c in chunk_document(words, target_chars=500))
    blob = paged(["x" * 1234])
    assert [len(c.text) for c in chunk_document(blob, target_chars=500)] == [412, 411, 411]


def test_ids_are_stable_and_blank_pages_make_no_chunks() -> None:
    doc = paged(["first", "", "   ", "last"], doc_id="f00d")
    first, again = chunk_document(doc), chunk_document(doc)
    assert first == again
    assert [c.id for c in first] == ["f00d:0"]
    assert (first[0].page_start, first[0].page_end) == (1, 4)
    assert chunk_document(paged([""])) == []
    with pytest.raises(ValueError):
        chunk_document(doc, target_chars=0)


def test_document_without_pages_is_one_page() -> None:
    doc = Document("x", "n.txt", "/n.txt", "text", "hello world", [])
    assert [(c.page_start, c.char_start, c.char_end) for c in chunk_document(doc)] == [(1, 0, 11)]


def test_find_quote_tolerates_whitespace_case_and_typography() -> None:
    doc = paged(["Intro.", "The patient’s  iron level was\nLOW — see the chart.", "End."])
    start, end = find_quote(doc, "the patient's iron level was low - see the chart") or (0, 0)
    assert doc.text[start:end].lower().startswith("the patient’s")
    assert doc.text[start:end].endswith("see the chart")
    assert doc.page_at(start) == 2
    assert find_quote(doc, '"Intro."') == (0, 6)
    assert find_quote(doc, "iron level … the chart") is not None
    assert find_quote(doc, "iron level was high") is None
    assert find_quote(doc, "   ") is None


def test_find_quote_within_a_chunk_range() -> None:
    doc = paged(["the answer is 42", "the answer is 42"])
    second = doc.pages[1]
    assert find_quote(doc, "The answer is 42", start=second.start) == (second.start, second.end)
    assert find_quote(doc, "answer", start=0, end=5) is None


def test_inspect_reports_what_the_cli_prints() -> None:
    doc = paged(["a" * 3600, "b" * 10])
    info = inspect_document(doc, chunk_document(doc))
    assert info["kind"] == "pdf" and info["pages"] == 2 and info["characters"] == 3612
    assert info["estimated_tokens"] == 1004 and info["chunks"] == 3
    assert info["id"] == "abc123" and info["name"] == "doc.pdf" and info["warnings"] == []


def test_single_page_document_keeps_offsets_into_the_whole_text() -> None:
    text = "\n\n".join(f"Section {i}\n" + "lorem ipsum " * 60 for i in range(30))
    doc = Document("t", "a.md", "/a.md", "markdown", text, [Page(1, 0, len(text))])
    chunks = chunk_document(doc, target_chars=1000)
    check_invariants(doc, chunks, 1000)
    assert all(c.text.startswith("Section") for c in chunks)
