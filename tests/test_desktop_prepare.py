"""A document is indexed when it is added to the app, so its first question starts at once."""

from __future__ import annotations

from pathlib import Path

from core.documents.chunking import chunk_document
from core.retrieval.embeddings import find_embedder
from core.retrieval.index import ChunkIndex, index_path
from core.storage.conversations import ConversationStore
from desktop.app import DesktopApp
from tests.desktop_support import documents_ready, run_in_qt_loop, until
from tests.fakes import OllamaFake
from tests.protocol_support import filler_page, make_services

EMBED_MODEL = "nomic-embed-text:latest"


def test_an_added_document_is_indexed_and_embedded_in_the_background(
    qtbot, tmp_path: Path, fake_ollama: OllamaFake, minions_home: Path
) -> None:
    fake_ollama.models[EMBED_MODEL] = 8192
    path = tmp_path / "notes.md"
    path.write_text("\n\n".join(filler_page(n, 1500) for n in range(1, 60)), "utf-8")

    async def scenario() -> None:
        services = make_services(fake_ollama, None, chunk_chars=1200)
        app = DesktopApp(services, ConversationStore())
        qtbot.addWidget(app.window)
        try:
            app.window.add_paths([path])
            await until(lambda: documents_ready(app.window), timeout=30)
            doc = app.window.documents.rows[0].document
            assert doc is not None
            chunks = chunk_document(doc, target_chars=1200)
            await until(lambda: index_path(doc, chunks).exists(), what="the chunk index")
            worker = (await services.local_client()).client
            embedder = await find_embedder(worker)
            assert embedder is not None
            index = ChunkIndex.open(doc, chunks)
            await until(
                lambda: not index.missing_vectors(embedder.model), what="a vector per chunk"
            )
            assert len(fake_ollama.requests_to("/api/embed")) >= 1
            # The provenance shingles were cached too (the text is over the cache threshold).
            assert list((minions_home / "cache" / "provenance").glob("*/meta.json"))
        finally:
            await app.aclose()

    run_in_qt_loop(scenario)
