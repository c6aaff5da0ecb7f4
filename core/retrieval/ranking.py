"""Which chunks to read first for a task: BM25, fused with embeddings where every chunk has one.

The two rankings are fused by reciprocal rank (a chunk scores ``1 / (K + rank)`` in each
ranking it appears in), per document; chunks neither ranking found follow in document order,
so a ranking always covers the whole scope and a reader can widen to all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from core.clients.base import ClientError
from core.documents.model import Chunk, Document
from core.retrieval.embeddings import Embedder, pack
from core.retrieval.index import ChunkIndex, query_terms

log = logging.getLogger(__name__)

RRF_K = 60  # the usual constant: rank 1 scores 1/61, rank 10 scores 1/70


class Retriever:
    """Ranks a run's chunks (positions in its chunk list) for a query."""

    def __init__(self, chunks: Sequence[Chunk], indexes: dict[str, ChunkIndex]) -> None:
        self.chunks = chunks
        self.indexes = indexes
        self._position = {(c.document_id, c.index): pos for pos, c in enumerate(chunks)}
        self.embedder: Embedder | None = None
        self._matrices: dict[str, Any] = {}  # document id -> (chunks x dims) numpy array

    @classmethod
    def build(cls, documents: Sequence[Document], chunks: Sequence[Chunk]) -> Retriever:
        """Open (or build and cache) each document's index; CPU and disk work, run it in a thread."""
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.document_id, []).append(chunk)
        indexes = {
            doc.id: ChunkIndex.open(doc, by_doc[doc.id]) for doc in documents if doc.id in by_doc
        }
        return cls(chunks, indexes)

    def use_embeddings(self, embedder: Embedder) -> list[str]:
        """Use ``embedder`` for the documents whose every chunk has a vector; returns their ids."""
        import numpy as np

        for doc_id, index in self.indexes.items():
            stored = index.vectors(embedder.model)
            if len(stored) < index.chunk_count or not all(stored.values()):
                continue
            rows = [np.frombuffer(stored[i], dtype=np.float32) for i in range(index.chunk_count)]
            if len({row.shape[0] for row in rows}) == 1:
                self._matrices[doc_id] = np.vstack(rows)
        if self._matrices:
            self.embedder = embedder
        return list(self._matrices)

    async def rank(self, query: str, scope: Sequence[int]) -> list[int]:
        """Every position in ``scope``, the most relevant first."""
        wanted = set(scope)
        docs = {self.chunks[pos].document_id for pos in scope}
        terms = query_terms(query)
        rankings: list[list[int]] = []
        for doc_id in sorted(docs):
            index = self.indexes.get(doc_id)
            if index is None:
                continue
            order = await asyncio.to_thread(index.bm25, terms)
            rankings.append(self._positions(doc_id, order, wanted))
        for doc_id, order in (await self._by_vector(query, docs)).items():
            rankings.append(self._positions(doc_id, order, wanted))
        score: dict[int, float] = {}
        for ranking in rankings:
            for rank, pos in enumerate(ranking, 1):
                score[pos] = score.get(pos, 0.0) + 1.0 / (RRF_K + rank)
        return sorted(scope, key=lambda pos: (-score.get(pos, 0.0), pos))

    def _positions(self, doc_id: str, order: Sequence[int], wanted: set[int]) -> list[int]:
        positions = (self._position.get((doc_id, i)) for i in order)
        return [p for p in positions if p is not None and p in wanted]

    async def _by_vector(self, query: str, docs: set[str]) -> dict[str, list[int]]:
        usable = [d for d in sorted(docs) if d in self._matrices]
        if self.embedder is None or not usable:
            return {}
        try:
            (vector,) = await self.embedder.embed([query])
        except ClientError as exc:  # the ranking still has BM25
            log.info("query not embedded: %s", exc)
            return {}
        import numpy as np

        blob = pack(vector)
        if not blob:
            return {}
        q = np.frombuffer(blob, dtype=np.float32)
        orders: dict[str, list[int]] = {}
        for doc_id in usable:
            matrix = self._matrices[doc_id]
            if matrix.shape[1] == q.shape[0]:
                orders[doc_id] = [int(i) for i in np.argsort(-(matrix @ q), kind="stable")]
        return orders


async def embed_missing(index: ChunkIndex, chunks: Sequence[Chunk], embedder: Embedder) -> int:
    """Embed and store the chunks of one document that have no vector yet; returns how many."""
    missing = index.missing_vectors(embedder.model)
    if not missing:
        return 0
    by_index = {chunk.index: chunk for chunk in chunks}
    vectors = await embedder.embed([by_index[i].text for i in missing])
    await asyncio.to_thread(
        index.store_vectors,
        embedder.model,
        {i: pack(v) for i, v in zip(missing, vectors, strict=True)},
    )
    return len(vectors)
