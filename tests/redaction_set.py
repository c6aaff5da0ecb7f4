"""The labelled redaction set (tests/data/redaction_set.txt): loading and scoring.

Scoring runs every sentence through a fresh ``Redactor`` and compares what it replaced
with the labels: an identifier counts as caught when all of it was replaced, and any
replaced text outside a labelled identifier is a false positive. Shared by
``tests/test_redaction_set.py`` (which asserts the targets) and ``bench/redaction.py``
(which prints the figures).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.privacy.redaction import STRUCTURED_KINDS, Redactor

SET_PATH = Path(__file__).parent / "data" / "redaction_set.txt"
_MARK = re.compile(r"\[\[([A-Z]+):(.*?)\]\]|\{\{(.*?)\}\}")


@dataclass(frozen=True)
class Labelled:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    category: str
    text: str
    identifiers: tuple[Labelled, ...]
    lookalikes: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class FalsePositive:
    category: str
    kind: str  # the kind the redactor gave it
    text: str  # what was replaced outside any labelled identifier
    lookalike: str | None  # the labelled look-alike it touched, if any
    changes_number: bool


@dataclass
class Score:
    total: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    right_kind: Counter[str] = field(default_factory=Counter)
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, category, value)
    false_positives: list[FalsePositive] = field(default_factory=list)
    lookalikes: dict[str, int] = field(default_factory=dict)  # group -> how many labelled
    lookalikes_changed: dict[str, int] = field(default_factory=dict)
    not_restored: list[str] = field(default_factory=list)

    def recall(self, kinds: tuple[str, ...]) -> float:
        total = sum(self.total[k] for k in kinds)
        return sum(self.caught[k] for k in kinds) / total if total else 1.0

    def false_positives_in(self, kinds: tuple[str, ...]) -> list[FalsePositive]:
        return [fp for fp in self.false_positives if fp.kind in kinds]


def load_set(path: Path = SET_PATH) -> list[Sentence]:
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, _, marked = line.partition(" | ")
        sentences.append(_parse(category.strip(), marked.replace("\\n", "\n")))
    return sentences


def _parse(category: str, marked: str) -> Sentence:
    text, identifiers, lookalikes, pos = [], [], [], 0
    length = 0
    for m in _MARK.finditer(marked):
        text.append(marked[pos : m.start()])
        length += m.start() - pos
        value = m.group(2) if m.group(1) else m.group(3)
        if m.group(1):
            identifiers.append(Labelled(m.group(1), length, length + len(value)))
        else:
            lookalikes.append((length, length + len(value)))
        text.append(value)
        length += len(value)
        pos = m.end()
    text.append(marked[pos:])
    return Sentence(category, "".join(text), tuple(identifiers), tuple(lookalikes))


def _group(category: str) -> str:
    """Look-alikes for names and addresses are scored apart from the structured ones."""
    return "people" if category.startswith(("keep-name", "keep-address")) else "structured"


def score(sentences: list[Sentence], make_redactor: Callable[[], Any] = Redactor) -> Score:
    """``make_redactor`` gives a fresh redactor per sentence (another one for comparisons)."""
    result = Score()
    for s in sentences:
        redactor = make_redactor()
        found = redactor.findings(s.text)
        if redactor.restore(redactor.redact(s.text)) != s.text:
            result.not_restored.append(s.category)
        covered = [False] * len(s.text)
        for f in found:
            for i in range(f.start, f.end):
                covered[i] = True
        for label in s.identifiers:
            result.total[label.kind] += 1
            if all(covered[label.start : label.end]):
                result.caught[label.kind] += 1
                if any(
                    f.kind == label.kind and f.start <= label.start and f.end >= label.end
                    for f in found
                ):
                    result.right_kind[label.kind] += 1
            else:
                result.missed.append((label.kind, s.category, s.text[label.start : label.end]))
        group = _group(s.category)
        result.lookalikes[group] = result.lookalikes.get(group, 0) + len(s.lookalikes)
        changed = sum(any(f.start < e and f.end > b for f in found) for b, e in s.lookalikes)
        result.lookalikes_changed[group] = result.lookalikes_changed.get(group, 0) + changed
        for f in found:
            outside = [
                i for i in range(f.start, f.end)
                if not any(lab.start <= i < lab.end for lab in s.identifiers)
            ]  # fmt: skip
            if not outside:
                continue
            extra = "".join(s.text[i] for i in outside)
            touched = next(
                (s.text[b:e] for b, e in s.lookalikes if f.start < e and f.end > b), None
            )
            result.false_positives.append(
                FalsePositive(s.category, f.kind, extra, touched, any(c.isdigit() for c in extra))
            )
    return result


PEOPLE_KINDS: tuple[str, ...] = ("NAME", "ADDRESS")
__all__ = [
    "PEOPLE_KINDS",
    "STRUCTURED_KINDS",
    "FalsePositive",
    "Score",
    "Sentence",
    "load_set",
    "score",
]
