"""MinionS jobs, made and read locally: each task's range of chunks in, aggregated findings out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.documents.model import Chunk, Document
from core.protocols.schemas import JobInstruction, JobOutput, JobPlan

MAX_TASKS = 5  # more instructions than this multiply the local work without helping
MAX_ANSWER_CHARS = 300
MAX_FINDINGS_CHARS = 12_000  # what one synthesis may carry to the cloud (~3,300 tokens)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    task_no: int
    instruction: str
    chunk: Chunk


@dataclass(slots=True)
class Finding:
    """One distinct answer to one task, with every chunk it was found in."""

    id: str  # "F3": how the supervisor cites it
    task_no: int
    answer: str
    quote: str | None
    chunk: Chunk
    also: list[Chunk] = field(default_factory=list)


# Words that mark a task that must see every chunk in its range, when the plan does not say.
_READ_ALL = re.compile(
    r"\b(list|all|every|each|count|how many|number of|summar\w*|compare|comparison|"
    r"overview|total|enumerate|across)\b",
    re.IGNORECASE,
)


def read_mode(instruction: JobInstruction) -> str:
    """ "best" or "all": as the plan says, else from the task's wording."""
    if "read" in instruction.model_fields_set:
        return instruction.read
    return "all" if reads_everything(instruction.task) else "best"


def reads_everything(text: str) -> bool:
    """Whether a question or task, by its wording, must see every chunk in its range."""
    return _READ_ALL.search(text) is not None


@dataclass(slots=True)
class TaskRead:
    """One planned task: the chunks in its range, and how far into them it has read."""

    task_no: int
    instruction: str
    mode: str  # "best": most relevant first, stop once found; "all": every chunk in scope
    scope: list[int]  # positions in the run's chunk list, in document order
    query: str  # what "best" ranks by: the task and its keywords
    order: list[int] = field(default_factory=list)  # reading order, set before reading
    read: int = 0
    found: bool = False
    batch: int = 0  # chunks in the next "best" batch; doubles while nothing is found

    def next_batch(self) -> list[int]:
        if self.found or self.read >= len(self.order):
            return []
        size = len(self.order) if self.mode == "all" else self.batch
        taken = self.order[self.read : self.read + size]
        self.read += len(taken)
        self.batch *= 2
        return taken

    def coverage(self) -> str:
        """How much of its range the task read, as the supervisor is told."""
        total = len(self.scope)
        if self.mode == "all":
            return f"read all {total} chunks in range"
        if self.read >= total:
            return f"read all {total} chunks in range, most relevant first"
        return f"read {self.read} of {total} chunks in range, most relevant first"


def plan_reads(
    plan: JobPlan, documents: list[Document], chunks: list[Chunk]
) -> tuple[list[TaskRead], list[str]]:
    """Each task's range of chunks; a filter that matches nothing is widened, with a note why."""
    lowered: list[str] | None = None  # built only for a task that filters by keywords
    reads: list[TaskRead] = []
    notes: list[str] = []
    for task_no, instruction in enumerate(plan.jobs[:MAX_TASKS], 1):
        task = instruction.task.strip()
        if not task:
            continue
        mode = read_mode(instruction)
        doc_ids = _documents_named(instruction, documents)
        words = [w.lower() for w in instruction.keywords if w.strip()] if mode == "all" else []
        if words and lowered is None:
            lowered = [chunk.text.lower() for chunk in chunks]
        picked = _matching(instruction, chunks, lowered, doc_ids, words)
        if not picked and words:
            notes.append(
                f"Task {task_no} (\u201c{_short(task)}\u201d) was to read only passages "
                f"mentioning {_quoted(words)}, but none do, so it reads every passage in its range"
            )
            picked = _matching(instruction, chunks, lowered, doc_ids, [])
        if not picked:
            notes.append(
                f"Task {task_no} (\u201c{_short(task)}\u201d) asked for pages the documents "
                "do not have, so it reads all of them"
            )
            picked = list(range(len(chunks)))
        query = " ".join([task, *instruction.keywords])
        reads.append(TaskRead(task_no, task, mode, picked, query))
    return reads, notes


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _quoted(words: list[str]) -> str:
    shown = [f"\u201c{w}\u201d" for w in words[:4]]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _documents_named(instruction: JobInstruction, documents: list[Document]) -> set[str] | None:
    """Ids of the documents the instruction names; None when it names none we know."""
    wanted = {name.strip().lower() for name in instruction.docs}
    found = {
        doc.id
        for i, doc in enumerate(documents, 1)
        if {f"d{i}", doc.name.lower(), doc.id.lower()} & wanted
    }
    return found or None


def _matching(
    instruction: JobInstruction,
    chunks: list[Chunk],
    lowered: list[str] | None,
    doc_ids: set[str] | None,
    words: list[str],
) -> list[int]:
    first, last = instruction.page_from, instruction.page_to
    if first and last and last < first:
        first, last = last, first
    picked = []
    for i, chunk in enumerate(chunks):
        if doc_ids is not None and chunk.document_id not in doc_ids:
            continue
        if first > 0 and chunk.page_end < first:
            continue
        if last > 0 and chunk.page_start > last:
            continue
        if words and lowered is not None and not any(w in lowered[i] for w in words):
            continue
        picked.append(i)
    return picked


def aggregate(
    results: list[tuple[Job, JobOutput]],
    labels: dict[str, str],
    *,
    start: int = 1,
    coverage: dict[int, str] | None = None,
) -> tuple[list[Finding], str, int]:
    """Drop empty answers, merge equal ones, group by task; returns (findings, text, dropped).

    The text is all the supervisor gets of this round, each task headed by how much it
    read (``coverage``). Once it reaches ``MAX_FINDINGS_CHARS`` further findings are left
    out and counted in ``dropped``.
    """
    coverage = coverage or {}
    merged: dict[tuple[int, str], Finding] = {}
    instructions: dict[int, str] = {}
    for job, output in results:
        instructions.setdefault(job.task_no, job.instruction)
        if output.answer is None or not output.answer.strip():
            continue
        answer = " ".join(output.answer.split())[:MAX_ANSWER_CHARS]
        key = (job.task_no, answer.lower())
        if key in merged:
            merged[key].also.append(job.chunk)
        else:
            merged[key] = Finding("", job.task_no, answer, output.citation, job.chunk)
    kept: list[Finding] = []
    lines: list[str] = []
    size, dropped = 0, 0
    by_task = sorted(merged.values(), key=lambda f: (f.task_no, f.chunk.document_id, f.chunk.index))
    for task_no in sorted(instructions):
        read = f" ({coverage[task_no]})" if task_no in coverage else ""
        header = f"Task {task_no}: {instructions[task_no]}{read}"
        group = [f for f in by_task if f.task_no == task_no]
        lines.append(header if group else f"{header}\n(nothing found)")
        size += len(lines[-1])
        for finding in group:
            line = f"[{_where(finding, labels)}] {finding.answer}"
            if size + len(line) > MAX_FINDINGS_CHARS:
                dropped += 1
                continue
            finding.id = f"F{start + len(kept)}"
            kept.append(finding)
            lines.append(f"{finding.id} {line}")
            size += len(lines[-1])
    return kept, "\n".join(lines), dropped


def _where(finding: Finding, labels: dict[str, str]) -> str:
    places = []
    for chunk in [finding.chunk, *finding.also][:4]:
        label = labels.get(chunk.document_id, "D?")  # never the file name: see describe_documents
        pages = (
            f"{chunk.page_start}"
            if chunk.page_start == chunk.page_end
            else f"{chunk.page_start}-{chunk.page_end}"
        )
        places.append(f"{label} p.{pages}")
    more = len(finding.also) + 1 - 4
    return "; ".join(places) + (f" +{more} more" if more > 0 else "")
