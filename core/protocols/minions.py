"""MinionS: the supervisor plans small extraction jobs as data; local workers run them per chunk.

Nothing the supervisor writes is executed: its plan is pydantic-validated data,
filtered against the chunks here, and only the aggregated findings go back to it.
"""

from __future__ import annotations

import asyncio
import time

from core.clients.base import ClientError, ErrorKind
from core.documents.model import Chunk
from core.protocols import prompts
from core.protocols.citations import cite_finding
from core.protocols.context import RunContext, RunStopped, describe_documents
from core.protocols.events import (
    Answer,
    JobFailed,
    JobFinished,
    JobStarted,
    Notice,
    RoundStarted,
    SupervisorMessage,
)
from core.protocols.jobs import Finding, Job, aggregate, plan_reads
from core.protocols.reading import ChunkReader, JobCount, JobResult
from core.protocols.schemas import FinalSynthesis, JobOutput, JobPlan, Synthesis
from core.protocols.streaming import StreamField
from core.tokens import estimate_tokens

ANSWER = StreamField("answer")
ANSWER_IF_DECIDED = StreamField("answer", gate=("decision", "answer"))
PLAN_TOKENS = 600
SYNTHESIS_TOKENS = 1000
JOB_TOKENS = 400  # room for the longest reply the schema allows
JOB_ATTEMPTS = 2  # an output that is not valid JSON is retried once, then the job fails
# Failures that end the whole run: every other job would fail the same way.
FATAL_KINDS = frozenset(
    {
        ErrorKind.UNREACHABLE,
        ErrorKind.MODEL_MISSING,
        ErrorKind.AUTH,
        ErrorKind.NO_KEY,
        ErrorKind.BLOCKED,
    }
)


async def run_minions(ctx: RunContext, chunks: list[Chunk], max_rounds: int) -> Answer:
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.document_id] = counts.get(chunk.document_id, 0) + 1
    description = describe_documents(
        ctx.documents, ctx.settings.share_file_names, counts, ctx.private_count
    )
    labels = {doc.id: f"D{i}" for i, doc in enumerate(ctx.documents, 1)}
    chunk_tokens = max((estimate_tokens(c.text) for c in chunks), default=0)
    notes = ""
    findings: dict[str, Finding] = {}  # every round's findings, by id, for citations
    # The chunk index opens while the supervisor plans, and closes with the run.
    async with ChunkReader(ctx, chunks) as reader:
        for round_no in range(1, max_rounds + 1):
            last = round_no == max_rounds
            ctx.emit(RoundStarted(ctx.run_id, round_no, max_rounds))
            plan = await ctx.supervise(
                prompts.minions_plan(
                    ctx.task,
                    description,
                    notes,
                    chunk_tokens,
                    ctx.doc_metadata,
                    ctx.supervisor_memory,
                ),
                JobPlan,
                max_tokens=PLAN_TOKENS,
            )
            reads, plan_notes = plan_reads(plan, ctx.documents, chunks)
            for note in plan_notes:
                ctx.emit(Notice(ctx.run_id, note))
            unique_tasks = list(dict.fromkeys(task.instruction for task in reads))
            ctx.emit(SupervisorMessage(ctx.run_id, round_no, "\n".join(unique_tasks)))
            started = time.monotonic()
            results = await reader.read(reads, round_no, run_jobs)
            if reader.jobs_run:
                ctx.job_phases.append((reader.jobs_run, time.monotonic() - started))
            failed = sum(r.output is None for r in results)
            if results and failed == len(results):
                raise RunStopped(
                    ErrorKind.JOBS_FAILED,
                    f"All {len(results)} local jobs failed, so there is nothing to answer from",
                    hint="check the local model in Settings; a larger model follows the JSON format better",
                )
            found, text, dropped = aggregate(
                [(r.job, r.output) for r in results if r.output is not None],
                labels,
                start=len(findings) + 1,
                coverage={task.task_no: task.coverage() for task in reads},
            )
            findings.update({f.id: f for f in found})
            if dropped:
                ctx.notes.append(
                    f"{dropped} findings were left out of round {round_no} to save cloud tokens"
                )
            messages = prompts.minions_synthesize(
                ctx.task, text, notes, last, ctx.supervisor_memory
            )
            reply: FinalSynthesis | Synthesis
            if last:  # the schema leaves no way but to answer
                reply = await ctx.supervise(
                    messages, FinalSynthesis, max_tokens=SYNTHESIS_TOKENS, stream=ANSWER
                )
            else:
                reply = await ctx.supervise(
                    messages, Synthesis, max_tokens=SYNTHESIS_TOKENS, stream=ANSWER_IF_DECIDED
                )
            if isinstance(reply, Synthesis) and reply.decision == "more":
                notes = reply.notes
                continue
            cited = [findings[i] for i in _ids(reply.cite) if i in findings]
            if not cited:  # the supervisor named none: show where this round's findings came from
                cited = found[:5]
            citations = [cite_finding(ctx.documents, f) for f in cited]
            return ctx.answer(reply.answer, "minions", citations, round_no)
    raise AssertionError("the last round always answers")


def in_flight(parallelism: int) -> int:
    """Requests kept open for a server that runs ``parallelism`` at once.

    A little more than the server's slots: while we read one reply, the next request
    already waits in the server's queue, so a slot never idles on our turnaround.
    The server still runs at most ``parallelism`` at a time.
    """
    return parallelism + max(1, parallelism // 4)


async def run_jobs(
    ctx: RunContext, jobs: list[Job], count: JobCount | None = None
) -> list[JobResult]:
    """Each job is its own worker chat; the server runs at most ``parallelism`` at once.

    A fixed set of workers takes the jobs in turn: one task per job would start a
    thousand tasks in one burst, and an app's window sharing the loop would stall.
    ``count`` carries the round's progress across batches (a task that widens adds jobs).
    """
    count = count or JobCount(total=len(jobs))
    total = len(jobs)
    pending = iter(enumerate(jobs))
    results: list[JobResult | None] = [None] * total

    async def worker() -> None:
        for index, job in pending:
            results[index] = await one(job)

    async def one(job: Job) -> JobResult:
        ctx.emit(
            JobStarted(
                ctx.run_id,
                job.id,
                job.instruction,
                job.chunk.id,
                job.chunk.document_name,
                job.chunk.page_start,
                job.chunk.page_end,
            )
        )
        messages = prompts.minions_job(job.chunk.text, job.instruction)
        reason = ""
        for attempt in range(1, JOB_ATTEMPTS + 1):
            try:
                result = await ctx.work(messages, schema=JobOutput, max_tokens=JOB_TOKENS)
            except ClientError as exc:
                if exc.kind in FATAL_KINDS:
                    raise
                reason = exc.message
                if exc.kind is ErrorKind.INVALID_OUTPUT and attempt < JOB_ATTEMPTS:
                    continue
                break
            assert isinstance(result.parsed, JobOutput)
            count.done += 1
            ctx.emit(
                JobFinished(
                    ctx.run_id, job.id, job.chunk.id, result.parsed.answer, count.done, count.total
                )
            )
            return JobResult(job, result.parsed)
        count.done += 1
        ctx.emit(JobFailed(ctx.run_id, job.id, job.chunk.id, reason, count.done, count.total))
        return JobResult(job, None)

    tasks = [
        asyncio.create_task(worker())
        for _ in range(min(in_flight(ctx.settings.parallelism), total))
    ]
    try:
        await asyncio.gather(*tasks)
        return [r for r in results if r is not None]
    finally:
        # On cancel or a fatal error, stop every other job before going on.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _ids(cited: list[str]) -> list[str]:
    """Finding ids as the supervisor wrote them ("F3", "f3", "3") in our form."""
    out = []
    for raw in cited:
        value = raw.strip().upper()
        out.append(value if value.startswith("F") else f"F{value}")
    return out
