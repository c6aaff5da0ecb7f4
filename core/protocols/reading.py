"""How MinionS reads: a fact-finding task reads the best-ranked chunks first and widens only
while nothing is found; a task that must see everything reads every chunk in its range.

The chunks are ranked locally (``core.retrieval``); the index is opened, or built and
cached, in a thread while the supervisor writes its plan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

from core.documents.model import Chunk
from core.protocols.context import RunContext
from core.protocols.events import JobsPlanned
from core.protocols.jobs import Job, TaskRead
from core.protocols.schemas import JobOutput
from core.retrieval.embeddings import find_embedder
from core.retrieval.ranking import Retriever

log = logging.getLogger(__name__)

FIRST_BATCH = 4  # chunks a "best" task reads first (or the parallelism, if larger)


@dataclass(slots=True)
class JobResult:
    job: Job
    output: JobOutput | None  # None: the job failed


@dataclass(slots=True)
class JobCount:
    """Jobs finished and planned so far in one round; the total grows as tasks widen."""

    done: int = 0
    total: int = 0


RunJobs = Callable[[RunContext, list[Job], JobCount], Awaitable[list[JobResult]]]


class ChunkReader:
    """One run's ranking of its chunks, and the reading of each round's tasks."""

    def __init__(self, ctx: RunContext, chunks: list[Chunk]) -> None:
        self.ctx = ctx
        self.chunks = chunks
        self._retriever: asyncio.Task[Retriever | None] | None = None
        # What each (task, chunk) gave in an earlier round: a task asked again reads on
        # from where it stopped instead of reading the same chunks twice.
        self._read: dict[tuple[str, str], JobOutput | None] = {}
        self.jobs_run = 0  # local jobs the last round ran (earlier rounds' outputs not counted)

    async def __aenter__(self) -> Self:
        """Open the documents' indexes in the background (the plan is written meanwhile)."""
        self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        # A run that ends before it reads (a declined send, a refused key, a stop) ends the
        # opening too: it would otherwise go on asking the local server after the run.
        if self._retriever is not None and not self._retriever.done():
            self._retriever.cancel()
        if self._retriever is not None:
            await asyncio.gather(self._retriever, return_exceptions=True)

    def start(self) -> None:
        if self._retriever is None:
            self._retriever = asyncio.create_task(self._open())

    async def _open(self) -> Retriever | None:
        try:
            retriever = await asyncio.to_thread(Retriever.build, self.ctx.documents, self.chunks)
        except Exception:  # ranking is an optimisation: without it, read in document order
            log.exception("could not open the chunk index")
            return None
        embedder = await find_embedder(self.ctx.worker)
        if embedder is not None:
            await asyncio.to_thread(retriever.use_embeddings, embedder)
        return retriever

    async def read(
        self, reads: list[TaskRead], round_no: int, run_jobs: RunJobs
    ) -> list[JobResult]:
        """Run every task's jobs, widening "best" tasks batch by batch until they find something."""
        await self._order(reads)
        first = max(FIRST_BATCH, self.ctx.settings.parallelism)
        for task in reads:
            task.batch = first
        batch = [(task, pos) for task in reads for pos in task.next_batch()]
        earlier, jobs = self._split(round_no, batch)
        count = JobCount(total=len(jobs))
        instructions = list(dict.fromkeys(task.instruction for task in reads))
        self.ctx.emit(JobsPlanned(self.ctx.run_id, round_no, count.total, instructions))
        results: list[JobResult] = []
        while batch:
            done = [*earlier, *await run_jobs(self.ctx, jobs, count)]
            self._read.update({(r.job.instruction, r.job.chunk.id): r.output for r in done})
            results.extend(done)
            found = {r.job.task_no for r in done if r.output is not None and r.output.answer}
            for task in reads:
                task.found = task.found or task.task_no in found
            batch = [(task, pos) for task in reads for pos in task.next_batch()]
            earlier, jobs = self._split(round_no, batch)
            count.total += len(jobs)
        self.jobs_run = count.done
        return results

    def _split(
        self, round_no: int, batch: list[tuple[TaskRead, int]]
    ) -> tuple[list[JobResult], list[Job]]:
        """The batch's jobs: those an earlier round already ran (with their output), and the rest."""
        earlier: list[JobResult] = []
        jobs: list[Job] = []
        for task, pos in batch:
            job = self._job(round_no, task, pos)
            output = self._read.get((job.instruction, job.chunk.id))
            if output is not None:
                earlier.append(JobResult(job, output))
            else:
                jobs.append(job)
        return earlier, jobs

    async def _order(self, reads: list[TaskRead]) -> None:
        best = [task for task in reads if task.mode == "best"]
        retriever = None
        if best:
            self.start()
            assert self._retriever is not None
            retriever = await self._retriever
        for task in reads:
            if task.mode == "best" and retriever is not None:
                task.order = await retriever.rank(task.query, task.scope)
            else:
                task.order = list(task.scope)
            task.read, task.found = 0, False

    def _job(self, round_no: int, task: TaskRead, pos: int) -> Job:
        chunk = self.chunks[pos]
        return Job(f"r{round_no}-t{task.task_no}-{chunk.id}", task.task_no, task.instruction, chunk)
