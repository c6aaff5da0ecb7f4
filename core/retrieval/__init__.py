"""Local retrieval: which chunks a MinionS job should read first.

Each document's chunks are indexed on this machine (SQLite FTS5 / BM25, plus the local
model server's embeddings where an embedding model is installed) and the index is kept
in the data folder's cache, keyed by the document's content hash and its chunking.

    prepare_document(doc, chunk_chars)            # at add time: index and shingles, once
    await embed_document(doc, chunk_chars, worker) # at add time: vectors, when a model can
    await prepare_for_questions(doc, chunk_chars, worker_getter)   # both, for the app
    Retriever.build(documents, chunks).rank(query, scope)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.clients.base import ChatClient, ClientError
from core.documents.chunking import chunk_document
from core.documents.model import Document
from core.privacy.provenance import DOCUMENT_RUN_WORDS
from core.privacy.shingles import DocumentShingles
from core.retrieval.embeddings import find_embedder
from core.retrieval.index import ChunkIndex
from core.retrieval.ranking import Retriever, embed_missing

__all__ = [
    "ChunkIndex",
    "Retriever",
    "embed_document",
    "prepare_document",
    "prepare_for_questions",
]

log = logging.getLogger(__name__)


def prepare_document(doc: Document, chunk_chars: int) -> None:
    """Build (or check) the caches a question about ``doc`` reads: its chunk index and its
    provenance shingles. CPU work (a second or two for 10 MB of text): call it in a thread,
    when the document is added."""
    ChunkIndex.open(doc, chunk_document(doc, target_chars=chunk_chars))
    DocumentShingles.open(doc.text, DOCUMENT_RUN_WORDS)


async def embed_document(doc: Document, chunk_chars: int, worker: ChatClient) -> int:
    """Store a vector for every chunk of ``doc`` with the worker server's embedding model.

    Returns how many chunks were embedded now (0 when there is no embedding model on this
    machine, or every chunk already has one).
    """
    embedder = await find_embedder(worker)
    if embedder is None:
        return 0
    chunks = await asyncio.to_thread(chunk_document, doc, target_chars=chunk_chars)
    index = await asyncio.to_thread(ChunkIndex.open, doc, chunks)
    return await embed_missing(index, chunks, embedder)


async def prepare_for_questions(
    doc: Document, chunk_chars: int, worker: Callable[[], Awaitable[ChatClient]] | None = None
) -> None:
    """Everything a first question about ``doc`` would otherwise wait for, done now.

    The index and shingles are built in a thread; then, if ``worker()`` gives a local model
    server with an embedding model, every chunk is embedded. Failures are logged, never
    raised: a question still works without any of it, only slower to start.
    """
    try:
        await asyncio.to_thread(prepare_document, doc, chunk_chars)
        if worker is not None:
            await embed_document(doc, chunk_chars, await worker())
    except ClientError as exc:
        log.info("%s not embedded: %s", doc.name, exc)
    except Exception:
        log.exception("could not prepare %s for questions", doc.name)
