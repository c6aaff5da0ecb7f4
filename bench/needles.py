"""Planted facts for the retrieval benchmark: long documents, questions, and fake models.

Each document is filler prose with facts planted on random pages ("The Harwick archive
vault opens with code 4172-KESTREL.") and distractors on other pages that share the
fact's words but not its answer ("The Harwick archive vault was inspected in 1998; its
code is due for renewal."). The fake worker reads like a careful small model: it answers
only from the chunk text it receives, and only when that text holds the fact the task
asks about. The fake supervisor plans one task per question and answers from the first
finding it is shown.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from core.documents.extraction import join_pages
from core.documents.model import Document
from tests.protocol_support import filler_page, first_finding_answer, schema_name

PLACES = [
    "Harwick",
    "Dunmore",
    "Elsworth",
    "Calloway",
    "Brixton",
    "Fenmoor",
    "Garrow",
    "Holloway",
    "Ingleby",
    "Jarrow",
    "Kelsall",
    "Lathom",
    "Marlow",
    "Northam",
    "Ormsby",
    "Pendle",
    "Quenby",
    "Rushden",
    "Selby",
    "Thirsk",
    "Ulverston",
    "Wexcombe",
    "Yarrow",
    "Zennor",
    "Ashby",
    "Burford",
    "Corfe",
    "Dorrington",
]
ASSETS = ["archive", "depot", "library", "museum", "foundry", "chapel", "granary", "observatory"]
CONTAINERS = ["vault", "locker", "safe", "cabinet"]
BIRDS = [
    "KESTREL",
    "HERON",
    "PLOVER",
    "SISKIN",
    "TEAL",
    "WREN",
    "CURLEW",
    "DUNLIN",
    "MERLIN",
    "OSPREY",
]

_FACT = re.compile(r"The (\w+) (\w+) (\w+) opens with code (\d{4}-[A-Z]+)\.")


@dataclass(frozen=True, slots=True)
class Needle:
    question: str
    answer: str
    page: int
    sentence: str


def make_corpus(
    pages: int, needles: int, seed: int, page_chars: int = 2400
) -> tuple[Document, list[Needle]]:
    """A ``pages``-page document with ``needles`` facts, each with three distractors."""
    rng = random.Random(seed)
    texts = [filler_page(n, page_chars, seed=seed) for n in range(1, pages + 1)]
    planted: list[Needle] = []
    used = rng.sample(range(pages), needles * 4)
    names = rng.sample([(p, a) for p in PLACES for a in ASSETS], needles)
    for k, (place, asset) in enumerate(names):
        container = rng.choice(CONTAINERS)
        code = f"{rng.randint(1000, 9999)}-{rng.choice(BIRDS)}"
        sentence = f"The {place} {asset} {container} opens with code {code}."
        fact_page = used[4 * k]
        texts[fact_page] = _plant(texts[fact_page], sentence)
        for other in used[4 * k + 1 : 4 * k + 4]:
            distractor = (
                f"The {place} {asset} {container} was inspected in {rng.randint(1950, 2020)}; "
                f"its code is due for renewal."
            )
            texts[other] = _plant(texts[other], distractor)
        question = f"Which code opens the {container} of the {place} {asset}?"
        planted.append(Needle(question, code, fact_page + 1, sentence))
    text, page_list = join_pages(texts)
    doc = Document(f"needles-{pages}-{seed}", f"report-{pages}.txt", "", "text", text, page_list)
    return doc, planted


def _plant(page: str, sentence: str) -> str:
    middle = page.find("\n\n", len(page) // 2)
    middle = middle if middle >= 0 else len(page)
    return f"{page[:middle]}\n\n{sentence}{page[middle:]}"


def needle_worker(payload: dict[str, Any]) -> dict[str, Any]:
    """Answers from the chunk text only: the code of a planted fact the task names."""
    content = str(payload["messages"][-1]["content"])
    text, _, task = content.rpartition("\n\nTask: ")
    for match in _FACT.finditer(text):
        place, asset, container, code = match.groups()
        if all(word in task for word in (place, asset, container)):
            return {"explanation": "The text gives the code.", "citation": match.group(0),
                    "answer": code}  # fmt: skip
    return {"explanation": "The text does not say.", "citation": None, "answer": None}


def needle_supervisor(read: str) -> Any:
    """Plans the user's question as one task read ``read``; answers with the first finding."""

    def respond(payload: dict[str, Any]) -> dict[str, Any]:
        if schema_name(payload) == "JobPlan":
            last = str(payload["messages"][-1]["content"])
            question = last.split("\n", 1)[0].removeprefix("Question: ")
            return {"jobs": [{"task": question, "read": read}]}
        return first_finding_answer(payload)

    return respond
