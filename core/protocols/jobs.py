"""MinionS jobs, made and read locally: plan x matching chunks in, aggregated findings out."""

from __future__ import annotations

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


def plan_jobs(
    plan: JobPlan, documents: list[Document], chunks: list[Chunk], round_no: int
) -> tuple[list[Job], list[str]]:
    """Expand the plan into jobs; filters that match nothing are widened, with a note why."""
    lowered = [chunk.text.lower() for chunk in chunks]
    jobs: list[Job] = []
    notes: list[str] = []
    for task_no, instruction in enumerate(plan.jobs[:MAX_TASKS], 1):
        task = instruction.task.strip()
        if not task:
            continue
        doc_ids = _documents_named(instruction, documents)
        picked = _matching(instruction, chunks, lowered, doc_ids, keywords=True)
        if not picked and instruction.keywords:
            notes.append(
                f"No chunk holds the keywords {instruction.keywords}; task {task_no} reads every chunk in range"
            )
            picked = _matching(instruction, chunks, lowered, doc_ids, keywords=False)
        if not picked:
            notes.append(f"Task {task_no}'s page range matches no chunk; it reads every chunk")
            picked = list(range(len(chunks)))
        jobs.extend(
            Job(f"r{round_no}-t{task_no}-{chunks[i].id}", task_no, task, chunks[i]) for i in picked
        )
    return jobs, notes


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
    lowered: list[str],
    doc_ids: set[str] | None,
    *,
    keywords: bool,
) -> list[int]:
    first, last = instruction.page_from, instruction.page_to
    if first and last and last < first:
        first, last = last, first
    words = [w.lower() for w in instruction.keywords if w.strip()] if keywords else []
    picked = []
    for i, chunk in enumerate(chunks):
        if doc_ids is not None and chunk.document_id not in doc_ids:
            continue
        if first > 0 and chunk.page_end < first:
            continue
        if last > 0 and chunk.page_start > last:
            continue
        if words and not any(w in lowered[i] for w in words):
            continue
        picked.append(i)
    return picked


def aggregate(
    results: list[tuple[Job, JobOutput]], labels: dict[str, str], *, start: int = 1
) -> tuple[list[Finding], str, int]:
    """Drop empty answers, merge equal ones, group by task; returns (findings, text, dropped).

    The text is all the supervisor gets of this round. Once it reaches
    ``MAX_FINDINGS_CHARS`` further findings are left out and counted in ``dropped``.
    """
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
        header = f"Task {task_no}: {instructions[task_no]}"
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
