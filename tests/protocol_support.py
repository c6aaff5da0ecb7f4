"""Builders shared by the protocol and CLI tests (this module holds no tests itself).

The cloud fake runs on 127.0.0.1, exactly as a cloud reached through a local proxy: the
supervisor seat is egress whatever its host, so its requests are audited as a real cloud
call would be, with no test-only switch.
"""

from __future__ import annotations

import random
import re
from typing import Any

from core.documents.extraction import join_pages
from core.documents.model import Document
from core.protocols.events import RunEvent
from core.protocols.run import Run
from core.services import Services
from core.storage.secrets import ApiKeys, MemoryStore
from core.storage.settings import Settings
from tests.fakes import OllamaFake, OpenAIFake

FACT = "The vault access code for the Harwick archive is 7781-KESTREL."
FACT_ANSWER = "7781-KESTREL"

_WORDS = [
    "quarterly",
    "ledger",
    "account",
    "supplier",
    "invoice",
    "review",
    "committee",
    "budget",
    "estimate",
    "region",
    "meeting",
    "policy",
    "transfer",
    "balance",
    "schedule",
    "contract",
    "clause",
    "renewal",
    "notice",
    "period",
    "storage",
    "shipment",
    "audit",
    "finding",
    "memo",
    "staff",
    "training",
    "facility",
    "lease",
    "payment",
]


def filler_page(page: int, chars: int, seed: int = 7) -> str:
    """Plausible paragraphs of about ``chars`` characters, different on every page."""
    rng = random.Random(seed * 100_003 + page)
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 14))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def make_document(
    pages: int, page_chars: int, *, fact_page: int | None = None, name: str = "report.txt"
) -> Document:
    """A paged text document; ``FACT`` is planted in the middle of ``fact_page``."""
    parts = []
    for number in range(1, pages + 1):
        text = filler_page(number, page_chars)
        if number == fact_page:
            middle = text.find("\n\n", len(text) // 2)
            text = f"{text[:middle]}\n\n{FACT}{text[middle:]}"
        parts.append(text)
    text, page_list = join_pages(parts)
    return Document(id=f"doc-{name}", name=name, path="", kind="text", text=text, pages=page_list)


def make_services(
    fake_ollama: OllamaFake, fake_openai: OpenAIFake | None, **settings: Any
) -> Services:
    base: dict[str, Any] = {
        "local_runtime": "ollama",
        "ollama_host": fake_ollama.url,
        "local_model": "llama3.2:3b",
        "remote_model": "gpt-4o-mini",
    }
    if fake_openai is not None:
        base["remote_base_url"] = f"{fake_openai.url}/v1"
    keys = ApiKeys(MemoryStore())
    if fake_openai is not None:
        keys.store.set("cloud-api-key", fake_openai.api_key)
    return Services(Settings(**{**base, **settings}), keys=keys)


async def collect(run: Run) -> list[RunEvent]:
    return [event async for event in run.events()]


def of_type(events: list[RunEvent], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


# --- fake model behaviour ---


def job_text(payload: dict[str, Any]) -> str:
    return str(payload["messages"][-1]["content"])


def fact_worker(payload: dict[str, Any]) -> dict[str, Any]:
    """A MinionS worker that finds FACT when its chunk holds it, and nothing otherwise."""
    if FACT in job_text(payload):
        return {"explanation": "The text states the code.", "citation": FACT, "answer": FACT_ANSWER}
    return {"explanation": "The text does not mention it.", "citation": None, "answer": None}


def schema_name(payload: dict[str, Any]) -> str:
    return str(payload["response_format"]["json_schema"]["name"])


_FINDING = re.compile(r"^(F\d+) \[[^\]]*\] (.*)$", re.MULTILINE)


def minions_supervisor(tasks: list[dict[str, Any]] | None = None):
    """A cloud supervisor: plans ``tasks`` and answers with the first finding it is shown."""
    plan = tasks or [{"task": "What is the vault access code?"}]

    def respond(payload: dict[str, Any]) -> dict[str, Any]:
        if schema_name(payload) == "JobPlan":
            return {"jobs": plan}
        return first_finding_answer(payload)

    return respond


def first_finding_answer(payload: dict[str, Any]) -> dict[str, Any]:
    """A synthesis that answers with the first finding the supervisor is shown, citing it."""
    found = _FINDING.findall(str(payload["messages"][-1]["content"]))
    answer = f"The code is {found[0][1]}." if found else "The documents do not say."
    cite = [found[0][0]] if found else []
    if schema_name(payload) == "Synthesis":
        return {"decision": "answer", "answer": answer, "cite": cite, "notes": ""}
    return {"answer": answer, "cite": cite}
