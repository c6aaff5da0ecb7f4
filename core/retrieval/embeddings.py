"""Embeddings from the local model server (Ollama ``/api/embed``), where an embedding model is installed.

Only a worker on this machine is asked: embedding a document sends every chunk of it,
which must never leave the computer for a ranking. Vectors are stored L2-normalised as
float32 in the document's index, so a cosine is a dot product.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from typing import Any, Protocol

from core.clients.base import ChatClient, ClientError

log = logging.getLogger(__name__)

# Names that mark an embedding model in an Ollama listing (nomic-embed-text, mxbai-embed-large,
# snowflake-arctic-embed, all-minilm, bge-m3, ...). A chat model is never used for this.
_EMBEDDING_NAMES = ("embed", "minilm", "bge-", "bge:", "e5-", "gte-")
EMBED_BATCH = 32  # texts per /api/embed request


class Embedder(Protocol):
    model: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class OllamaEmbedder:
    """An embedding model on the worker's own Ollama server, through the worker's client."""

    def __init__(self, client: Any, model: str) -> None:
        self._client = client  # an OllamaClient: its requests pass the egress gate
        self.model = model

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            vectors.extend(await self._client.embed(texts[start : start + EMBED_BATCH], self.model))
        return vectors


def is_embedding_model(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return any(mark in base for mark in _EMBEDDING_NAMES)


async def find_embedder(worker: ChatClient) -> Embedder | None:
    """The worker server's embedding model, or None (not Ollama, not on this machine, none installed)."""
    if worker.egress or not callable(getattr(worker, "embed", None)):
        return None
    try:
        names = [m.name for m in await worker.list_models()]
    except ClientError as exc:
        log.info("no embeddings: %s", exc)
        return None
    model = next((name for name in names if is_embedding_model(name)), None)
    return OllamaEmbedder(worker, model) if model else None


def pack(vector: Sequence[float]) -> bytes:
    """A vector as L2-normalised float32 bytes (empty for a zero vector)."""
    norm = sum(x * x for x in vector) ** 0.5
    if norm == 0:
        return b""
    return array("f", (x / norm for x in vector)).tobytes()
