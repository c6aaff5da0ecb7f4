"""The local chunk index: BM25 ranking, its cache, and embeddings from the Ollama fake."""

from __future__ import annotations

import math
import sqlite3

import pytest

import core.retrieval.index as index_module
from core.documents.chunking import chunk_document
from core.privacy.audit import AuditStore
from core.privacy.gate import EgressGate
from core.retrieval import embed_document, prepare_document
from core.retrieval.embeddings import find_embedder, is_embedding_model
from core.retrieval.index import ChunkIndex, index_path, query_terms
from core.retrieval.ranking import Retriever
from core.storage.paths import audit_db_path
from tests.fakes import OllamaFake
from tests.helpers import ollama_client
from tests.protocol_support import FACT, make_document

CHUNK_CHARS = 600
EMBED_MODEL = "nomic-embed-text:latest"


def fact_position(chunks) -> int:
    return next(i for i, c in enumerate(chunks) if FACT in c.text)


def test_query_terms_drop_question_words_and_keep_numbers() -> None:
    assert query_terms("What is the vault access code of room 7?") == [
        "vault",
        "access",
        "code",
        "room",
        "7",
    ]


async def test_bm25_ranks_the_chunk_holding_the_fact_first() -> None:
    doc = make_document(pages=60, page_chars=1500, fact_page=41)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    retriever = Retriever.build([doc], chunks)

    order = await retriever.rank("What is the vault access code?", range(len(chunks)))

    assert order[0] == fact_position(chunks)
    assert sorted(order) == list(range(len(chunks)))  # every chunk, each once


async def test_a_ranking_stays_inside_its_scope_and_ends_in_document_order() -> None:
    doc = make_document(pages=20, page_chars=1500, fact_page=12)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    retriever = Retriever.build([doc], chunks)
    scope = [i for i, c in enumerate(chunks) if c.page_start <= 5]

    order = await retriever.rank("vault access code", scope)

    assert sorted(order) == scope  # the fact is on page 12: out of scope, never ranked in
    assert order == scope  # nothing matched, so document order


def test_the_index_is_built_once_and_read_back_from_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = make_document(pages=10, page_chars=1500, fact_page=3)
    prepare_document(doc, CHUNK_CHARS)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)
    path = index_path(doc, chunks)
    assert path.exists() and path.parent.name == "index"
    assert FACT.encode() not in path.read_bytes()  # the index keeps no text

    def rebuild(*args: object) -> None:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(ChunkIndex, "_build", classmethod(rebuild))
    index = ChunkIndex.open(doc, chunks)
    assert index.bm25(["kestrel"]) == [chunks[fact_position(chunks)].index]


def test_another_chunk_size_gets_its_own_index_and_a_damaged_file_is_rebuilt() -> None:
    doc = make_document(pages=10, page_chars=1500, fact_page=3)
    small = chunk_document(doc, target_chars=CHUNK_CHARS)
    large = chunk_document(doc, target_chars=3000)
    assert index_path(doc, small) != index_path(doc, large)

    path = index_path(doc, small)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database")
    index = ChunkIndex.open(doc, small)
    assert index.bm25(["kestrel"]) == [small[fact_position(small)].index]
    with sqlite3.connect(path) as db:  # the damaged file was replaced by a real index
        assert db.execute("SELECT value FROM meta WHERE key = 'chunks'").fetchone() == (
            str(len(small)),
        )


def test_without_a_writable_cache_the_index_lives_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setattr(index_module, "cache_dir", lambda: blocked)
    doc = make_document(pages=6, page_chars=1500, fact_page=2)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)

    index = ChunkIndex.open(doc, chunks)

    assert index.path is None
    assert index.bm25(["kestrel"]) == [chunks[fact_position(chunks)].index]


async def test_fake_ollama_embeds_deterministically_through_the_real_client(
    fake_ollama: OllamaFake,
) -> None:
    fake_ollama.models[EMBED_MODEL] = 8192
    client = ollama_client(fake_ollama, EgressGate(AuditStore(audit_db_path())))

    first = await client.embed(["vault access code", "quarterly ledger"], EMBED_MODEL)
    again = await client.embed(["vault access code"], EMBED_MODEL)

    assert first[0] == again[0] and first[0] != first[1]
    assert math.isclose(sum(x * x for x in first[0]), 1.0, rel_tol=1e-6)
    assert fake_ollama.requests_to("/api/embed")[0].json["input"] == [
        "vault access code",
        "quarterly ledger",
    ]
    with pytest.raises(Exception, match="does not support embeddings"):
        await client.embed(["x"], "llama3.2:3b")  # a chat model is refused, as by Ollama
    await client.aclose()


async def test_embeddings_are_stored_once_and_fused_into_the_ranking(
    fake_ollama: OllamaFake,
) -> None:
    fake_ollama.models[EMBED_MODEL] = 8192
    worker = ollama_client(fake_ollama, EgressGate(AuditStore(audit_db_path())))
    doc = make_document(pages=30, page_chars=1500, fact_page=17)
    chunks = chunk_document(doc, target_chars=CHUNK_CHARS)

    assert await embed_document(doc, CHUNK_CHARS, worker) == len(chunks)
    assert await embed_document(doc, CHUNK_CHARS, worker) == 0  # already stored
    embedder = await find_embedder(worker)
    assert embedder is not None and embedder.model == EMBED_MODEL
    retriever = Retriever.build([doc], chunks)
    assert retriever.use_embeddings(embedder) == [doc.id]

    # Misspelled: no word of the query is in the text, so BM25 finds nothing; the
    # embedding (shared letter groups) still ranks the fact's chunk first.
    order = await retriever.rank("Harwik kestral", range(len(chunks)))
    assert retriever.indexes[doc.id].bm25(query_terms("Harwik kestral")) == []
    assert order[0] == fact_position(chunks)
    await worker.aclose()


async def test_no_embedding_model_means_bm25_alone(fake_ollama: OllamaFake) -> None:
    worker = ollama_client(fake_ollama, EgressGate(AuditStore(audit_db_path())))
    doc = make_document(pages=4, page_chars=1500, fact_page=2)
    assert await find_embedder(worker) is None
    assert await embed_document(doc, CHUNK_CHARS, worker) == 0
    assert fake_ollama.requests_to("/api/embed") == []
    await worker.aclose()


def test_embedding_models_are_told_apart_from_chat_models() -> None:
    for name in ("nomic-embed-text:latest", "mxbai-embed-large", "all-minilm:l6-v2", "bge-m3"):
        assert is_embedding_model(name), name
    for name in ("llama3.2:3b", "qwen2.5:7b", "gemma3:4b", "smollm2:135m"):
        assert not is_embedding_model(name), name
