"""Scenes for the screenshots (``.ci/screenshots``) and for looking at the window by hand:
the lease documents, fake models that find the vault code, and services wired to them.

Not a test module: it holds no tests, and the screenshot script imports it instead of a
test module. Demo data lives here, under tests/, so it never ships with the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.services import Services
from tests.docfixtures import make_pdf
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import FACT, fact_worker, make_services, minions_supervisor

TOPICS = ["notice period", "renewal", "deposit", "liability", "termination", "payment terms"]
QUESTION = "What is the vault access code for the Harwick archive, and where is it written?"


def lease_pdf(path: Path, pages: int) -> Path:
    """A lease of ``pages`` pages of clauses; page 14 holds the vault code."""
    content = []
    for n in range(1, pages + 1):
        lines = [
            f"Section {n}.{i}: the tenant and the landlord agree on the {TOPICS[(n + i) % 6]} "
            f"as set out in schedule {n}."
            for i in range(38)
        ]
        if n == 14:
            lines.insert(20, FACT)
        content.append(lines)
    path.write_bytes(make_pdf(content))
    return path


def quoting_worker(payload: dict[str, Any]) -> dict[str, Any]:
    """Quotes its chunk when it holds the code (so the audit has document spans to show);
    reading the documents whole (Local only), answers with the quote."""
    if "quotes" in str(payload.get("format", "")):
        if FACT in "".join(str(m["content"]) for m in payload["messages"]):
            answer = "The vault access code is **7781-KESTREL**, in section 14 of the lease."
            return {"answer": answer, "quotes": [FACT]}
        return {"answer": "The documents do not say.", "quotes": []}
    found = fact_worker(payload)
    return {**found, "answer": FACT} if found["answer"] else found


def cloud_supervisor() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The fake cloud model, its final answer worded as a cloud model would put it."""
    plain = minions_supervisor()

    def respond(payload: dict[str, Any]) -> dict[str, Any]:
        out = plain(payload)
        if "7781-KESTREL" in out.get("answer", ""):
            out["answer"] = (
                "The vault access code is **7781-KESTREL**. It is written in section 14 of "
                "the lease agreement [1]."
            )
        return out

    return respond


class Scene:
    """The fake models (started), their services, and the files to drop."""

    def __init__(self, home: Path, *, with_key: bool = True) -> None:
        self.ollama = OllamaFake(models={"llama3.2:3b": 131072, "qwen2.5:7b": 32768}).start()
        self.cloud = OpenAIFake().start()
        self.ollama.responder = quoting_worker
        self.cloud.responder = cloud_supervisor()
        files = home / "files"
        files.mkdir(parents=True, exist_ok=True)
        self.lease = lease_pdf(files / "Lease agreement 2024.pdf", 24)
        self.archive = lease_pdf(files / "Harwick archive report.pdf", 60)
        self.notes = files / "notes.md"
        self.notes.write_text("# Notes\n\nCall the landlord about the deposit.\n" * 30)
        self.services: Services = make_services(
            self.ollama, self.cloud, chunk_chars=900, parallelism=4
        )
        if not with_key:
            self.services.keys.remove()

    @property
    def files(self) -> list[Path]:
        return [self.lease, self.archive, self.notes]

    async def close(self) -> None:
        await self.services.aclose()
        self.ollama.stop()
        self.cloud.stop()


async def until(condition: Callable[[], Any], timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise TimeoutError(condition)
        await asyncio.sleep(0.02)
