"""Provenance: which outbound spans come from documents, which from the user, and leak coverage."""

from __future__ import annotations

import json
import random
import re
import time
from bisect import bisect_right
from itertools import pairwise

import pytest

from core.privacy import shingles
from core.privacy.provenance import ProvenanceIndex, Span, contains_run_from, leak_coverage

CONTRACT = (
    "Section 4. Termination.\n"
    "Either party may terminate this agreement with ninety days written notice to the other "
    "party, provided that all outstanding invoices have been settled in full.\n"
    "Section 5. Fees.\n"
    "The customer shall pay a termination fee equal to three monthly instalments of the "
    "service charge, payable within thirty days of the termination date."
)
NOTES = (
    "Internal notes. The supplier was late twice in 2023 and the penalty clause was never invoked."
)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def index(min_document_words: int = 8) -> ProvenanceIndex:
    documents = [("contract", CONTRACT, None), ("notes", NOTES, None)]
    return ProvenanceIndex(documents, min_document_words=min_document_words)


def test_verbatim_run_reports_offsets_in_outbound_and_document() -> None:
    copied = "terminate this agreement with ninety days written notice to the other party"
    outbound = f"The document says: {copied}. That is all."
    [span] = index().find_spans(outbound)
    assert span.source == "document"
    assert span.document_id == "contract"
    assert outbound[span.start : span.end] == copied
    assert span.doc_start is not None and span.doc_end is not None
    assert CONTRACT[span.doc_start : span.doc_end] == copied


def test_reflowed_whitespace_and_case_still_match() -> None:
    outbound = "EITHER PARTY MAY terminate   this\nagreement\n\twith NINETY days written notice"
    [span] = index().find_spans(outbound)
    assert (span.start, span.end) == (0, len(outbound))
    assert span.doc_start is not None and span.doc_end is not None
    assert words(CONTRACT[span.doc_start : span.doc_end]) == words(outbound)


def test_run_is_extended_to_its_full_length() -> None:
    sentence = CONTRACT[CONTRACT.index("The customer") :]
    outbound = f"Quote: {sentence} End of quote."
    [span] = index().find_spans(outbound)
    assert outbound[span.start : span.end] == sentence.rstrip(".")
    assert span.doc_end == len(CONTRACT) - 1


def test_short_common_phrase_is_not_a_document_run() -> None:
    # Seven words from the document: under the default threshold of eight.
    outbound = "Note that either party may terminate this agreement, as usual."
    assert index().find_spans(outbound) == []


def test_eight_words_is_exactly_enough() -> None:
    outbound = "So either party may terminate this agreement with ninety, fine."
    [span] = index().find_spans(outbound)
    assert (
        outbound[span.start : span.end] == "either party may terminate this agreement with ninety"
    )


def test_threshold_is_configurable() -> None:
    outbound = "Note that either party may terminate, as usual."
    assert index().find_spans(outbound) == []
    assert len(index(min_document_words=4).find_spans(outbound)) == 1


def test_run_does_not_cross_from_one_document_into_the_next() -> None:
    tail_of_contract = " ".join(words(CONTRACT)[-5:])
    head_of_notes = " ".join(words(NOTES)[:5])
    assert index().find_spans(f"{tail_of_contract} {head_of_notes}") == []


def test_spans_name_the_right_document() -> None:
    outbound = (
        "the supplier was late twice in 2023 and the penalty clause. Meanwhile, all outstanding "
        "invoices have been settled in full and nothing else."
    )
    spans = index().find_spans(outbound)
    assert [s.document_id for s in spans] == ["notes", "contract"]


def test_page_numbers_come_from_page_of() -> None:
    pages = [
        f"Page {n} talks about the subject number {n} in considerable detail here.\n"
        for n in range(1, 6)
    ]
    text = "".join(pages)
    starts = [sum(len(p) for p in pages[:k]) for k in range(len(pages))]
    idx = ProvenanceIndex([("book", text, lambda off: bisect_right(starts, off))])
    outbound = "page 4 talks about the subject number 4 in considerable detail"
    [span] = idx.find_spans(outbound)
    assert span.page == 4
    assert span.doc_start == starts[3]


def test_page_is_none_without_page_of() -> None:
    [span] = index().find_spans("the supplier was late twice in 2023 and the penalty")
    assert span.page is None


def test_user_text_run_of_four_words_is_a_user_span() -> None:
    idx = ProvenanceIndex(
        [("contract", CONTRACT, None)], ["How much is the termination fee if we leave early?"]
    )
    outbound = "Task: find how much is the termination fee for the user."
    [span] = idx.find_spans(outbound)
    assert span.source == "user"
    assert span.message_index == 0
    assert span.document_id is None and span.doc_start is None
    assert outbound[span.start : span.end] == "how much is the termination fee"


def test_short_whole_question_counts_but_single_word_does_not() -> None:
    idx = ProvenanceIndex([], ["Summarize fees?", "Thanks"])
    spans = idx.find_spans("The user asked: summarize fees. Thanks, I will do that.")
    assert [(s.source, s.message_index) for s in spans] == [("user", 0)]


def test_three_user_words_inside_a_longer_message_do_not_count() -> None:
    idx = ProvenanceIndex([], ["Please list every payment deadline in the contract"])
    assert idx.find_spans("I will list every item.") == []


def test_document_wins_where_user_pasted_document_text() -> None:
    pasted = "either party may terminate this agreement with ninety days written notice"
    idx = ProvenanceIndex([("contract", CONTRACT, None)], [f"What does '{pasted}' mean?"])
    outbound = f"Explain: {pasted}. What does it mean for us?"
    spans = idx.find_spans(outbound)
    assert spans[0].source == "document"
    assert outbound[spans[0].start : spans[0].end] == pasted
    assert all(s.source == "user" for s in spans[1:])


def test_spans_are_sorted_and_do_not_overlap() -> None:
    idx = ProvenanceIndex([("contract", CONTRACT, None)], ["what is the termination fee exactly"])
    outbound = (
        "what is the termination fee exactly? The customer shall pay a termination fee equal "
        "to three monthly instalments. Also: what is the termination fee exactly."
    )
    spans = idx.find_spans(outbound)
    assert [s.source for s in spans] == ["user", "document", "user"]
    assert all(a.end <= b.start for a, b in pairwise(spans))


def test_contains_run_from_checks_only_the_named_documents() -> None:
    shared = "this paragraph is copied into both files word for word without change"
    idx = ProvenanceIndex([("public", f"Intro. {shared}.", None), ("secret", f"{shared}!", None)])
    outbound = f"Summary: {shared}."
    # find_spans credits one of them; the guard must still see the secret one.
    assert [s.document_id for s in contains_run_from(idx, outbound, {"secret"})] == ["secret"]
    assert [s.document_id for s in contains_run_from(idx, outbound, {"public"})] == ["public"]
    assert contains_run_from(idx, "nothing copied here at all", {"secret"}) == []
    assert contains_run_from(idx, outbound, {"not-indexed"}) == []


def test_duplicate_document_id_is_rejected() -> None:
    idx = index()
    with pytest.raises(ValueError):
        idx.add_document("contract", "again")


def test_document_length_feeds_the_leak_meter() -> None:
    idx = index()
    spans = idx.find_spans(CONTRACT[CONTRACT.index("Either") :])
    intervals = [
        (s.doc_start, s.doc_end) for s in spans if s.doc_start is not None and s.doc_end is not None
    ]
    covered, share = leak_coverage(idx.document_length("contract"), intervals)
    assert covered == sum(e - s for s, e in intervals)
    assert 0.8 < share < 1.0


# --- leak coverage --------------------------------------------------------------------------


def test_leak_coverage_merges_overlaps_and_adjacent_intervals() -> None:
    assert leak_coverage(100, [(10, 20), (15, 30), (30, 40), (50, 60)]) == (40, 0.4)


def test_leak_coverage_clips_to_document_and_ignores_empty() -> None:
    assert leak_coverage(50, [(-5, 10), (45, 80), (20, 20), (30, 25)]) == (15, 0.3)


def test_leak_coverage_of_nothing_and_of_empty_document() -> None:
    assert leak_coverage(100, []) == (0, 0.0)
    assert leak_coverage(0, [(0, 10)]) == (0, 0.0)


# --- JSON payloads --------------------------------------------------------------------------


def test_payload_offsets_point_into_the_raw_json_body() -> None:
    copied = 'Either party may "terminate"\nthis agreement with ninety days written notice'
    body = json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": f"Context:\n{copied}\nQ?"}]}
    )
    assert "\\n" in body and '\\"' in body
    [span] = index().find_spans_in_payload(body)
    raw = body[span.start : span.end]
    assert json.loads(f'"{raw}"') == copied
    assert span.document_id == "contract"


def test_payload_with_unicode_escapes_keeps_offsets_right() -> None:
    doc = "Le café numéro cinq ferme à minuit selon le règlement intérieur de la société."
    idx = ProvenanceIndex([("fr", doc, None)])
    body = json.dumps({"messages": [{"content": f"Doc: {doc}"}]})  # ensure_ascii: \u00e9
    [span] = idx.find_spans_in_payload(body)
    assert json.loads(f'"{body[span.start : span.end]}"') == doc.rstrip(".")


def test_payload_runs_do_not_cross_message_boundaries() -> None:
    body = json.dumps(
        {
            "messages": [
                {"content": "either party may terminate this"},
                {"content": "agreement with ninety days written notice"},
            ]
        }
    )
    assert index().find_spans_in_payload(body) == []


def test_payload_that_is_not_json_is_matched_as_text() -> None:
    body = "plain: the supplier was late twice in 2023 and the penalty clause"
    [span] = index().find_spans_in_payload(body)
    assert (
        body[span.start : span.end] == "the supplier was late twice in 2023 and the penalty clause"
    )


# --- speed --------------------------------------------------------------------------------


def test_thousand_page_corpus_smoke() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(20_000)] + ["the", "of", "and", "to", "in", "a"] * 500
    pages = [" ".join(rng.choice(vocab) for _ in range(500)) + "\n" for _ in range(1000)]
    corpus = "".join(pages)
    starts = [0]
    for page in pages[:-1]:
        starts.append(starts[-1] + len(page))
    began = time.perf_counter()
    idx = ProvenanceIndex(
        [("big", corpus, lambda off: bisect_right(starts, off))], ["what about w1 and w2"]
    )
    indexed = time.perf_counter() - began

    page_no = 617
    copied = " ".join(pages[page_no - 1].split()[100:140])
    filler = " ".join(f"model{i}" for i in range(3000))
    outbound = f"{filler[:9000]} {copied.upper()} {filler[9000:]}"
    began = time.perf_counter()
    spans = idx.find_spans(outbound)
    matched = time.perf_counter() - began
    print(
        f"\nindexed {len(corpus) / 1e6:.1f} MB in {indexed * 1000:.0f} ms; "
        f"matched {len(outbound) / 1e3:.0f} KB in {matched * 1000:.1f} ms"
    )
    doc_spans = [s for s in spans if s.source == "document"]
    assert len(doc_spans) == 1
    assert doc_spans[0].page == page_no
    assert isinstance(doc_spans[0], Span)


# --- shingle arrays: cached, checked word by word -------------------------------------------


def big_document(pages: int = 60) -> tuple[str, list[int]]:
    """Over the cache threshold: paged prose of a small vocabulary (many repeated phrases)."""
    rng = random.Random(5)
    vocab = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "ledger",
        "account",
        "supplier",
        "invoice",
        "review",
        "budget",
    ]
    texts = [" ".join(rng.choice(vocab) for _ in range(400)) + ".\n" for _ in range(pages)]
    starts = [sum(len(t) for t in texts[:k]) for k in range(pages)]
    return "".join(texts), starts


def test_large_documents_are_indexed_once_into_the_cache(
    monkeypatch: pytest.MonkeyPatch, minions_home
) -> None:
    text, starts = big_document()
    assert len(text) >= shingles.CACHE_MIN_CHARS
    copied = " ".join(text.split()[5000:5030])
    first = ProvenanceIndex([("big", text, lambda off: bisect_right(starts, off))])
    assert list((minions_home / "cache" / "provenance").glob("*/meta.json"))

    def rebuild(*args: object) -> None:
        raise AssertionError("the shingles were built again")

    monkeypatch.setattr(shingles, "_build", rebuild)
    again = ProvenanceIndex([("big", text, lambda off: bisect_right(starts, off))])
    for idx in (first, again):
        [span] = idx.find_spans(f"Quote: {copied.upper()} (end)")
        assert span.doc_start is not None and span.doc_end is not None
        assert words(text[span.doc_start : span.doc_end]) == words(copied)


def test_a_damaged_cache_is_rebuilt(minions_home) -> None:
    text, _ = big_document(40)
    ProvenanceIndex([("big", text, None)])
    [folder] = (minions_home / "cache" / "provenance").iterdir()
    (folder / "hashes.npy").write_bytes(b"garbage")
    copied = " ".join(text.split()[700:720])
    [span] = ProvenanceIndex([("big", text, None)]).find_spans(copied)
    assert span.source == "document" and (span.end - span.start) == len(copied)


def test_a_hash_hit_is_checked_against_the_words(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every word hashes alike, so every shingle collides with every other: only the
    # word-by-word check can tell a copied run from model-written text.
    monkeypatch.setattr(
        shingles, "_crc32s", lambda words: __import__("numpy").ones(len(words), dtype="uint64")
    )
    idx = index()
    assert idx.find_spans("nothing here was copied from the contract at all, not one run") == []
    copied = "terminate this agreement with ninety days written notice to the other party"
    [span] = idx.find_spans(f"It says {copied}.")
    assert span.doc_start is not None and CONTRACT[span.doc_start : span.doc_end] == copied


def test_large_non_ascii_documents_match_like_small_ones() -> None:
    text, _ = big_document(40)
    sentence = "Die Straße zur Bibliothek ist während der Renovierung für den Verkehr gesperrt"
    text = text[:30000] + f" {sentence}, ﬁnanziert vom Amt. " + text[30000:]
    assert len(text) >= shingles.CACHE_MIN_CHARS
    idx = ProvenanceIndex([("de", text, None)])
    [span] = idx.find_spans(f"Quote: {sentence.upper()}")  # STRASSE: case-folded like the text
    assert span.doc_start is not None
    assert text[span.doc_start : span.doc_end] == sentence
    [fi] = idx.find_spans("zur Renovierung für den Verkehr gesperrt, finanziert vom Amt")
    assert fi.doc_start is not None and "ﬁnanziert" in text[fi.doc_start : fi.doc_end]


def test_the_longer_run_says_whose_words_they_are():
    """A typed question that repeats a line of the document is the user's; a finding that
    quotes the document past the question's words is the document's."""
    doc = (
        "Archive notes. The vault access code for the Harwick archive is 7781-KESTREL and "
        "it changes every May when the auditors come."
    )
    question = "What is the vault access code for the Harwick archive, and where is it written?"
    idx = ProvenanceIndex([("doc", doc, None)], [question])
    asked = f"Question: {question}"
    [span] = idx.find_spans(asked)
    assert span.source == "user" and asked[span.start : span.end].startswith("What is the vault")
    finding = (
        "F1 [D1 p.1] The vault access code for the Harwick archive is 7781-KESTREL and it changes"
    )
    [span] = idx.find_spans(finding)
    assert span.source == "document" and "7781-KESTREL" in finding[span.start : span.end]
